// This file emits the fused elementwise code of a contraction kernel: the
// prologue that computes an operand's element from the buffers it reads
// while the operand is packed, and the epilogue that turns an element of the
// result into the elements of the kernel's outputs while a tile is in
// registers. Both are written once as scalar code by the elemental emitter
// and widened (widen.go) wherever the kernel works on vectors.
package cpu

import (
	"fmt"

	"dlc.dev/dlc/codegen/elemental"
	"dlc.dev/dlc/codegen/plan"
	"dlc.dev/dlc/ir"

	llir "github.com/llir/llvm/ir"
	"github.com/llir/llvm/ir/enum"
	"github.com/llir/llvm/ir/types"
	"github.com/llir/llvm/ir/value"
)

// fusedScalars converts the kernel's scalar arguments, from the runtime's
// array of doubles, to their register types in block b of an internal
// function that received the array.
func (k *gemmKernel) fusedScalars(b *llir.Block, raw value.Value) map[*ir.Value]value.Value {
	m := map[*ir.Value]value.Value{}
	for j, s := range k.p.Scalars {
		slot := b.NewGetElementPtr(types.Double, raw, i64(int64(j)))
		slot.InBounds = true
		m[s] = k.e.FromDouble(b, s.Type.DType, b.NewLoad(types.Double, slot))
	}
	return m
}

// fusedValues computes vals, in order, into b: each operand is in known (the
// dot's result, buffers already loaded and widened, values computed before),
// a constant or a scalar argument (scal). It adds each result to known.
func (k *gemmKernel) fusedValues(b *llir.Block, vals []*ir.Value, known, scal map[*ir.Value]value.Value) error {
	for _, v := range vals {
		args := make([]value.Value, len(v.Args))
		for i, a := range v.Args {
			switch x, ok := known[a]; {
			case ok:
				args[i] = x
			case a.Op == ir.OpConst:
				args[i] = elemental.Const(a.Type.DType, a.Const)
			case scal[a] != nil:
				args[i] = scal[a]
			default:
				return fmt.Errorf("%s: operand %s has no value in the contraction kernel (compiler bug)", ir.FormatValue(v), ir.Ref(a))
			}
		}
		r, err := k.e.Emit(b, v, args)
		if err != nil {
			return err
		}
		known[v] = r
	}
	return nil
}

// leafValues widens loaded buffer elements (by buffer index, in their memory
// types) to their register types in b, as known values.
func (k *gemmKernel) leafValues(b *llir.Block, mem map[int]value.Value) map[*ir.Value]value.Value {
	known := map[*ir.Value]value.Value{}
	for i, x := range mem {
		v := k.p.Buffers[i].Value
		known[v] = k.e.Widen(b, v.Type.DType, x)
	}
	return known
}

// prologueCode computes the element of operand side from the elements of
// the buffers it reads (mem, by buffer index) into b, in the register type.
func (k *gemmKernel) prologueCode(b *llir.Block, side int, mem map[int]value.Value, scal map[*ir.Value]value.Value) (value.Value, error) {
	o := k.c.Operands[side]
	known := k.leafValues(b, mem)
	if err := k.fusedValues(b, o.Prologue, known, scal); err != nil {
		return nil, err
	}
	x, ok := known[o.Value]
	if !ok {
		return nil, fmt.Errorf("operand %s of %s has no value (compiler bug)", ir.Ref(o.Value), ir.Ref(k.c.Dot))
	}
	return x, nil
}

// epilogueCode computes, from the result element acc and the elements of the
// buffers the epilogue reads (mem), the element of every buffer the kernel
// writes, in its memory type, by buffer index.
func (k *gemmKernel) epilogueCode(b *llir.Block, acc value.Value, mem map[int]value.Value, scal map[*ir.Value]value.Value) (map[int]value.Value, error) {
	known := k.leafValues(b, mem)
	known[k.c.Dot] = acc
	if err := k.fusedValues(b, k.c.Epilogue, known, scal); err != nil {
		return nil, err
	}
	out := map[int]value.Value{}
	for _, i := range k.written {
		v := k.p.Buffers[i].Value
		out[i] = k.e.Narrow(b, v.Type.DType, known[v])
	}
	return out, nil
}

// widenCode emits into b the n-lane vector form of the scalar code that
// build writes into a scratch block, in which each placeholder stands for
// the vector of the same index in vecs, and returns the vector forms of
// build's results. Scalars the code reads from outside are splatted in pre.
func (k *gemmKernel) widenCode(pre, b *llir.Block, n int, placeholders, vecs []value.Value,
	build func(sb *llir.Block) ([]value.Value, error)) ([]value.Value, error) {
	scratch := llir.NewBlock("")
	res, err := build(scratch)
	if err != nil {
		return nil, err
	}
	w := newWidener(k.e, pre, b, nil)
	w.n = n
	for i, ph := range placeholders {
		w.m[ph] = vecs[i]
	}
	if err := w.run(scratch.Insts); err != nil {
		return nil, err
	}
	out := make([]value.Value, len(res))
	for i, r := range res {
		if out[i], err = w.get(r); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// placeholder is a value that stands for a vector in code to be widened: a
// parameter of no function, of the vector's element type.
func placeholder(t types.Type) value.Value {
	return llir.NewParam("", t)
}

// vectorView is how buffer i is read along one direction as n-lane vectors
// starting at p: consecutive elements (a vector load), one element for all
// lanes (a splat), or elements stride apart (one load per lane).
func (k *gemmKernel) vectorRead(b *llir.Block, i, n int, p value.Value, st plan.Stride, stride value.Value) value.Value {
	mt := k.e.MemType(k.p.Buffers[i].Value.Type.DType)
	vt := types.NewVector(uint64(n), mt)
	switch {
	case st.Zero:
		return splat(b, vt, loadAt(b, mt, p, i64(0)))
	case len(st.Dims) == 0:
		return vload(b, vt, p, i64(0))
	}
	var r value.Value = splat(b, vt, loadAt(b, mt, p, i64(0)))
	for l := 1; l < n; l++ {
		x := loadAt(b, mt, p, mul(b, stride, i64(int64(l))))
		r = b.NewInsertElement(r, x, i64(int64(l)))
	}
	return r
}

// notZeroRows is i < rows as an i1, for zero-padding past an edge.
func notZeroRows(b *llir.Block, i int, rows value.Value) value.Value {
	return b.NewICmp(enum.IPredSLT, i64(int64(i)), rows)
}
