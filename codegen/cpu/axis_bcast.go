// This file emits the axis kernels of a take_along_axis that broadcasts an
// operand (x or its indices of size 1 where the result is not, as NumPy's
// take_along_axis allows) and of a scatter_add whose indices broadcast so,
// its gradient. Operands are read through strides that are 0 along their
// broadcast axes; the output is walked in runs along its last axis.
package cpu

import (
	"dlc.dev/dlc/codegen/elemental"
	"dlc.dev/dlc/codegen/kernelir"
	"dlc.dev/dlc/ir"

	llir "github.com/llir/llvm/ir"
	"github.com/llir/llvm/ir/value"
)

// bcastStrides is elemental.BroadcastStrides over this kernel's dimensions.
func (k *axisKernel) bcastStrides(b *llir.Block, s ir.Shape) []value.Value {
	return elemental.BroadcastStrides(b, s, k.dim)
}

// coords splits flat position q over the axes of s (row-major) in block b.
func (k *axisKernel) coords(b *llir.Block, q value.Value, s ir.Shape) []value.Value {
	m := make([]value.Value, len(s))
	for d := len(s) - 1; d >= 0; d-- {
		n := k.dim(s[d])
		m[d] = b.NewURem(q, n)
		q = b.NewUDiv(q, n)
	}
	return m
}

// dot is Σ m[d]·st[d] over the axes d for which use(d) holds.
func dot(b *llir.Block, m, st []value.Value, use func(d int) bool) value.Value {
	var x value.Value = i64(0)
	for d := range m {
		if use(d) {
			x = b.NewAdd(x, b.NewMul(m[d], st[d]))
		}
	}
	return x
}

// loadIndex loads index buffer ii at position at as an i64.
func (k *axisKernel) loadIndex(b *llir.Block, d ir.DType, ii int, at value.Value) value.Value {
	im := k.e.MemType(d)
	g := b.NewGetElementPtr(im, k.bf.Ptrs[ii], at)
	g.InBounds = true
	return kernelir.Index64(b, k.e.Widen(b, d, b.NewLoad(im, g)), d)
}

// gatherBroadcast emits take_along_axis v that broadcasts x or its indices:
// out[p] = x[p with axis index idx[p]], each operand read with stride 0 along
// its broadcast axes, the index clamped to [0, n) as in gather.
func (k *axisKernel) gatherBroadcast(v *ir.Value, xi, ii int, outs []int) {
	x, idx := v.Args[0], v.Args[1]
	out := v.Type.Shape
	last := len(out) - 1
	entry := k.fn.NewBlock("entry")
	n := k.dim(x.Type.Shape[v.Axis])
	sx, si := k.bcastStrides(entry, x.Type.Shape), k.bcastStrides(entry, idx.Type.Shape)
	nonEmpty, hi := kernelir.IndexBounds(entry, n)
	xd, xm := x.Type.DType, k.e.MemType(x.Type.DType)
	base := entry.NewSelect(nonEmpty, k.bf.Ptrs[xi], kernelir.EmptyElement(k.e, k.mod, xd))
	k.segments(entry, k.dim(out[last]), func(b *llir.Block, p, i0, cnt value.Value) *llir.Block {
		m := append(k.coords(b, b.NewUDiv(p, k.dim(out[last])), out[:last]), i0)
		ib := dot(b, m, si, func(int) bool { return true })
		xb := dot(b, m, sx, func(d int) bool { return d != v.Axis })
		return k.loop(b, "gather", i64(0), cnt, 1, func(b *llir.Block, j value.Value) *llir.Block {
			ix := k.loadIndex(b, idx.Type.DType, ii, b.NewAdd(ib, b.NewMul(j, si[last])))
			ix = kernelir.Clamp(b, ix, hi)
			off := b.NewAdd(xb, b.NewMul(ix, sx[v.Axis]))
			if last != v.Axis {
				off = b.NewAdd(off, b.NewMul(j, sx[last]))
			}
			src := b.NewGetElementPtr(xm, base, b.NewSelect(nonEmpty, off, i64(0)))
			src.InBounds = true
			xv := k.e.Widen(b, xd, b.NewLoad(xm, src))
			pos := b.NewAdd(p, j)
			k.storeAll(b, outs, pos, xv)
			return b
		})
	})
}

// scatterBroadcast emits scatter_add v whose indices are of size 1 along
// axes other than v.Axis, as scatter does: output position (o, j, i) adds,
// k = 0, 1, ... in order, the updates upd[o, k, i] whose index, read with
// stride 0 along the broadcast axes, is j.
func (k *axisKernel) scatterBroadcast(v *ir.Value, ui, ii int, outs []int) {
	upd, idx := v.Args[0], v.Args[1]
	s := v.Type.Shape
	entry := k.fn.NewBlock("entry")
	su, si := k.bcastStrides(entry, upd.Type.Shape), k.bcastStrides(entry, idx.Type.Shape)
	kdim := k.dim(upd.Type.Shape[v.Axis])
	ud, um := upd.Type.DType, k.e.MemType(upd.Type.DType)
	reg := elemental.RegType(v.Type.DType)
	acc := entry.NewAlloca(reg)
	inner := k.product(entry, s[v.Axis+1:])
	k.segments(entry, inner, func(b *llir.Block, p, i0, cnt value.Value) *llir.Block {
		return k.loop(b, "scatter", i64(0), cnt, 1, func(b *llir.Block, t value.Value) *llir.Block {
			pos := b.NewAdd(p, t)
			m := k.coords(b, pos, s)
			j := m[v.Axis]
			other := func(d int) bool { return d != v.Axis }
			ub, ib := dot(b, m, su, other), dot(b, m, si, other)
			b.NewStore(elemental.Const(v.Type.DType, 0), acc)
			b = k.loop(b, "k", i64(0), kdim, 1, func(b *llir.Block, kk value.Value) *llir.Block {
				ix := k.loadIndex(b, idx.Type.DType, ii, b.NewAdd(ib, b.NewMul(kk, si[v.Axis])))
				u := b.NewGetElementPtr(um, k.bf.Ptrs[ui], b.NewAdd(ub, b.NewMul(kk, su[v.Axis])))
				u.InBounds = true
				x := k.e.Widen(b, ud, b.NewLoad(um, u))
				kernelir.ScatterStep(b, reg, acc, ix, j, x)
				return b
			})
			r := b.NewLoad(reg, acc)
			k.storeAll(b, outs, pos, r)
			return b
		})
	})
}
