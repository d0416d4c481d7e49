// This file emits the axis kernels of a take_along_axis that broadcasts an
// operand and of a scatter_add whose indices broadcast (codegen/cpu's
// axis_bcast.go): a thread per output position, each operand read through
// strides that are 0 along its broadcast axes.
package ptx

import (
	"dlc.dev/dlc/codegen/elemental"
	"dlc.dev/dlc/codegen/kernelir"
	"dlc.dev/dlc/ir"

	llir "github.com/llir/llvm/ir"
	"github.com/llir/llvm/ir/value"
)

// bcastStrides is elemental.BroadcastStrides over this kernel's dimensions.
func (k *kernel) bcastStrides(b *llir.Block, s ir.Shape) []value.Value {
	return elemental.BroadcastStrides(b, s, k.Dim)
}

// bcastOffset is Σ m_d·st[d] over the axes d ≠ skip, m the coordinates of
// flat position pos over shape s (row-major).
func (k *kernel) bcastOffset(b *llir.Block, pos value.Value, s ir.Shape, st []value.Value, skip int) value.Value {
	var off value.Value = i64(0)
	for d := len(s) - 1; d >= 0; d-- {
		n := k.Dim(s[d])
		if d != skip {
			off = b.NewAdd(off, b.NewMul(b.NewURem(pos, n), st[d]))
		}
		pos = b.NewUDiv(pos, n)
	}
	return off
}

// coord is the coordinate along axis of flat position pos over shape s.
func (k *kernel) coord(b *llir.Block, pos value.Value, s ir.Shape, axis int) value.Value {
	return b.NewURem(b.NewUDiv(pos, k.product(b, s[axis+1:])), k.Dim(s[axis]))
}

// index loads index buffer ii at position at as an i64.
func (k *kernel) index(b *llir.Block, d ir.DType, ii int, at value.Value) value.Value {
	return kernelir.Index64(b, k.e.Widen(b, d, b.NewLoad(k.e.MemType(d), k.elem(b, ii, at))), d)
}

// axisGatherBroadcast emits take_along_axis v that broadcasts x or its
// indices: out[p] = x[p with axis index idx[p]], the index clamped to [0, n).
func (k *kernel) axisGatherBroadcast(v *ir.Value, xi, ii int, outs []int) *llir.Block {
	x, idx := v.Args[0], v.Args[1]
	out := v.Type.Shape
	entry := k.entry
	n := k.Dim(x.Type.Shape[v.Axis])
	sx, si := k.bcastStrides(entry, x.Type.Shape), k.bcastStrides(entry, idx.Type.Shape)
	nonEmpty, hi := kernelir.IndexBounds(entry, n)
	xd, xm := x.Type.DType, k.e.MemType(x.Type.DType)
	base := entry.NewSelect(nonEmpty, k.Ptrs[xi], kernelir.EmptyElement(k.e, k.mod, xd))
	return k.gridLoop(entry, "pos", func(b *llir.Block, pos value.Value) *llir.Block {
		ix := k.index(b, idx.Type.DType, ii, k.bcastOffset(b, pos, out, si, -1))
		ix = kernelir.Clamp(b, ix, hi)
		off := b.NewAdd(k.bcastOffset(b, pos, out, sx, v.Axis), b.NewMul(ix, sx[v.Axis]))
		src := b.NewGetElementPtr(xm, base, b.NewSelect(nonEmpty, off, i64(0)))
		src.InBounds = true
		k.storeAll(b, outs, pos, k.e.Widen(b, xd, b.NewLoad(xm, src)))
		return b
	})
}

// axisScatterBroadcast emits scatter_add v whose indices are of size 1
// along axes other than v.Axis, as axisScatter does: position (o, j, i) adds,
// k = 0, 1, ... in order, the updates upd[o, k, i] whose index is j.
func (k *kernel) axisScatterBroadcast(v *ir.Value, ui, ii int, outs []int) *llir.Block {
	upd, idx := v.Args[0], v.Args[1]
	s := v.Type.Shape
	entry := k.entry
	su, si := k.bcastStrides(entry, upd.Type.Shape), k.bcastStrides(entry, idx.Type.Shape)
	kdim := k.Dim(upd.Type.Shape[v.Axis])
	ud, um := upd.Type.DType, k.e.MemType(upd.Type.DType)
	reg := elemental.RegType(v.Type.DType)
	acc := entry.NewAlloca(reg)
	return k.gridLoop(entry, "pos", func(b *llir.Block, pos value.Value) *llir.Block {
		j := k.coord(b, pos, s, v.Axis)
		ub, ib := k.bcastOffset(b, pos, s, su, v.Axis), k.bcastOffset(b, pos, s, si, v.Axis)
		b.NewStore(elemental.Const(v.Type.DType, 0), acc)
		b = k.loop(b, "k", i64(0), kdim, i64(1), func(b *llir.Block, kk value.Value) *llir.Block {
			ix := k.index(b, idx.Type.DType, ii, b.NewAdd(ib, b.NewMul(kk, si[v.Axis])))
			x := k.e.Widen(b, ud, b.NewLoad(um, k.elem(b, ui, b.NewAdd(ub, b.NewMul(kk, su[v.Axis])))))
			kernelir.ScatterStep(b, reg, acc, ix, j, x)
			return b
		})
		k.storeAll(b, outs, pos, b.NewLoad(reg, acc))
		return b
	})
}
