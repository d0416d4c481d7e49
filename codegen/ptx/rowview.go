// This file addresses a row kernel's buffers: the pointer to a buffer's part
// of the row under NumPy broadcasting (computed once per row), loads of a
// value that is the same along the row, the row's index, and gathers with
// clamped indices. The rules are the CPU's (codegen/cpu/rows.go).
package ptx

import (
	"math"

	"dlc.dev/dlc/codegen/elemental"
	"dlc.dev/dlc/ir"

	llir "github.com/llir/llvm/ir"
	"github.com/llir/llvm/ir/constant"
	"github.com/llir/llvm/ir/enum"
	"github.com/llir/llvm/ir/types"
	"github.com/llir/llvm/ir/value"
)

// viewKey identifies a buffer seen at a consumer's shape.
type viewKey struct {
	buf  int
	t    string
	flat bool
}

// gatherBase is where a gather reads a row: the row's pointer (or a
// one-element constant when the gathered axis is empty) and the last valid index.
type gatherBase struct {
	ptr value.Value
	hi  value.Value
}

// perElemShape reports whether shape t varies along the row.
func (r *rowKernel) perElemShape(t ir.Shape) bool {
	return len(t) == r.Rank+1 && t[r.Rank] != ir.ConstDim(1)
}

// rowOffset is the offset of the row's first element of buffer bi seen at
// shape t, in head: flat views the buffer as having shape t (a reshape),
// otherwise it broadcasts to t by NumPy rules.
func (r *rowKernel) rowOffset(bi int, t ir.Shape, flat bool) value.Value {
	h := r.head
	if flat {
		if r.perElemShape(t) {
			return h.NewMul(r.row, r.Dim(t[r.Rank]))
		}
		return r.row
	}
	s := r.p.Buffers[bi].Value.Type.Shape
	off := len(t) - len(s)
	name := r.p.Buffers[bi].Ref.Name
	if off < 0 {
		fail("%s of shape %s does not broadcast to %s", name, s, t)
	}
	if r.perElemShape(t) && len(s) > 0 {
		if last := s[len(s)-1]; last != t[r.Rank] && last != ir.ConstDim(1) {
			fail("%s of shape %s does not broadcast to %s", name, s, t)
		}
	}
	present, broadcast := 0, 0
	strides := make([]ir.Shape, r.Rank)
	for i := 0; i < r.Rank; i++ {
		si := i - off
		switch {
		case t[i] == ir.ConstDim(1):
		case si < 0 || s[si] == ir.ConstDim(1):
			broadcast++
		case s[si] == t[i]:
			present++
			strides[i] = s[si+1:]
		default:
			fail("%s of shape %s does not broadcast to %s", name, s, t)
		}
	}
	switch {
	case present == 0:
		return i64(0)
	case broadcast == 0:
		return h.NewMul(r.row, r.product(h, s[max(0, r.Rank-off):]))
	}
	idx := r.rowIndex()
	var sum value.Value = i64(0)
	for i := 0; i < r.Rank; i++ {
		if strides[i] != nil {
			sum = h.NewAdd(sum, h.NewMul(idx[i], r.product(h, strides[i])))
		}
	}
	return sum
}

// contiguous reports whether the view of buffer bi at t varies along the row.
func (r *rowKernel) contiguous(bi int, t ir.Shape, flat bool) bool {
	if !r.perElemShape(t) {
		return false
	}
	if flat {
		return true
	}
	s := r.p.Buffers[bi].Value.Type.Shape
	return len(s) > 0 && s[len(s)-1] == t[r.Rank]
}

// rowIndex is the multi-index of the row, computed once per row in head.
func (r *rowKernel) rowIndex() []value.Value {
	if r.rowIdx != nil {
		return r.rowIdx
	}
	h := r.head
	r.rowIdx = make([]value.Value, r.Rank)
	q := r.row
	for i := r.Rank - 1; i > 0; i-- {
		n := r.Dim(r.Shape[i])
		r.rowIdx[i] = h.NewURem(q, n)
		q = h.NewUDiv(q, n)
	}
	if r.Rank > 0 {
		r.rowIdx[0] = q
	}
	return r.rowIdx
}

// rowPtr is the pointer to the row's first element of buffer bi seen at shape t, in head.
func (r *rowKernel) rowPtr(bi int, t ir.Shape, flat bool) value.Value {
	key := viewKey{bi, t.String(), flat}
	if p, ok := r.rowPtrs[key]; ok {
		return p
	}
	mt := r.e.MemType(r.p.Buffers[bi].Value.Type.DType)
	gep := r.head.NewGetElementPtr(mt, r.Ptrs[bi], r.rowOffset(bi, t, flat))
	gep.InBounds = true
	r.rowPtrs[key] = gep
	return gep
}

// invariantLoad loads the one element of buffer bi that a whole row sees at
// shape t, once per row in head (before anything of the row is written).
func (r *rowKernel) invariantLoad(bi int, t ir.Shape, flat bool) value.Value {
	key := viewKey{bi, t.String(), flat}
	if x, ok := r.rowLoads[key]; ok {
		return x
	}
	d := r.p.Buffers[bi].Value.Type.DType
	x := r.e.Widen(r.head, d, r.head.NewLoad(r.e.MemType(d), r.rowPtr(bi, t, flat)))
	r.rowLoads[key] = x
	r.Loads[bi] = append(r.Loads[bi], -1)
	return x
}

// rowIota is an iota that is the same for the whole row: the row's index
// along a row axis, or 0 along a last axis of size 1.
func (r *rowKernel) rowIota(v *ir.Value) value.Value {
	if v.Axis >= r.Rank {
		return elemental.Const(v.Type.DType, 0)
	}
	return intOf(r.head, r.rowIndex()[v.Axis], v.Type.DType)
}

// gather emits take_along_axis of v at index idx (i32 or i64) of this row.
// An index outside [0, C) reads the nearest valid element (the runtime
// checks index inputs before any kernel runs; a computed index is clamped
// so that no kernel reads out of bounds).
func (r *rowKernel) gather(b *llir.Block, v *ir.Value, idx value.Value, phase int) value.Value {
	data := v.Args[0]
	bi := r.ReadBuf[data]
	g, ok := r.gathers[bi]
	if !ok {
		h := r.head
		c := r.Dim(data.Type.Shape[len(data.Type.Shape)-1])
		nonEmpty := h.NewICmp(enum.IPredSGT, c, i64(0))
		g.hi = h.NewSelect(nonEmpty, h.NewSub(c, i64(1)), i64(0))
		g.ptr = h.NewSelect(nonEmpty, r.rowPtr(bi, data.Type.Shape, false), emptyElement(r.kernel, data.Type.DType))
		r.gathers[bi] = g
	}
	var ix value.Value = idx
	if v.Args[1].Type.DType != ir.I64 {
		ix = b.NewSExt(ix, types.I64)
	}
	ix = b.NewSelect(b.NewICmp(enum.IPredSLT, ix, i64(0)), i64(0), ix)
	ix = b.NewSelect(b.NewICmp(enum.IPredSGT, ix, g.hi), g.hi, ix)
	d := data.Type.DType
	gep := b.NewGetElementPtr(r.e.MemType(d), g.ptr, ix)
	gep.InBounds = true
	r.Gathered[bi] = append(r.Gathered[bi], phase)
	return r.e.Widen(b, d, b.NewLoad(r.e.MemType(d), gep))
}

// emptyElement is a constant element of dtype d, in global memory, that a
// gather from an empty axis reads instead of the buffer: NaN for floats, 0
// otherwise.
func emptyElement(k *kernel, d ir.DType) value.Value {
	name := "dlc.empty." + d.String()
	for _, g := range k.mod.Globals {
		if g.Name() == name {
			return g
		}
	}
	mt := k.e.MemType(d)
	var c constant.Constant
	switch {
	case d == ir.BF16:
		c = constant.NewInt(types.I16, 0x7fc0)
	case d.IsFloat():
		c = constant.NewFloat(mt.(*types.FloatType), math.NaN())
	default:
		c = constant.NewZeroInitializer(mt)
	}
	g := k.mod.NewGlobalDef(name, c)
	g.Linkage = enum.LinkageInternal
	g.Immutable = true
	return g
}
