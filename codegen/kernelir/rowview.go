// This file addresses a row kernel's buffers: the pointer to a buffer's part
// of the row under NumPy broadcasting (computed once per row), loads of a
// value that is the same along the row, the row's index, and gathers with
// clamped indices.
//
// Operands from memory are addressed with broadcast strides, computed once
// per row: a [C] bias against [B,C] is a row pointer at offset 0 and stride
// 1; a [B,1] scale is loaded once per row, before anything of the row is
// written. A reshape reads its operand at the same flat index.
package kernelir

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

func i64(n int64) constant.Constant { return constant.NewInt(types.I64, n) }

// view describes how buffer bi is indexed by a consumer of shape t: the
// offset of the row's first element, and whether the elements along the row
// are contiguous (else every element of the row reads the same element).
// flat views the buffer as having shape t (a reshape: same elements in the
// same order); otherwise it broadcasts to t by NumPy rules.
type view struct {
	off   value.Value // i64, computed in Head
	dense bool        // off is the row index times the row's length: rows are adjacent
}

// perElemShape reports whether shape t varies along the row.
func (k *RowKernel) perElemShape(t ir.Shape) bool {
	return len(t) == k.Rank+1 && t[k.Rank] != ir.ConstDim(1)
}

// viewOf works out the view of buffer bi at shape t, emitting the row offset in Head.
func (k *RowKernel) viewOf(bi int, t ir.Shape, flat bool) view {
	r, h := k.Rank, k.Head
	perElem := k.perElemShape(t)
	if flat {
		if perElem {
			return view{off: h.NewMul(k.Row, k.Args.Dim(t[r])), dense: true}
		}
		return view{off: k.Row}
	}
	s := k.Kernel.Buffers[bi].Value.Type.Shape
	name := k.Kernel.Buffers[bi].Ref.Name
	off := len(t) - len(s)
	if off < 0 {
		elemental.Fail("%s of shape %s does not broadcast to %s", name, s, t)
	}
	col := false
	if perElem && len(s) > 0 {
		switch last := s[len(s)-1]; {
		case last == t[r]:
			col = true
		case last == ir.ConstDim(1):
		default:
			elemental.Fail("%s of shape %s does not broadcast to %s", name, s, t)
		}
	}
	// Row axes: present (indexed), broadcast (stride 0), or of size 1 (either).
	present, broadcast := 0, 0
	strides := make([]ir.Shape, r)
	for i := 0; i < r; i++ {
		si := i - off
		switch {
		case t[i] == ir.ConstDim(1):
		case si < 0 || s[si] == ir.ConstDim(1):
			broadcast++
		case s[si] == t[i]:
			present++
			strides[i] = s[si+1:]
		default:
			elemental.Fail("%s of shape %s does not broadcast to %s", name, s, t)
		}
	}
	switch {
	case present == 0:
		return view{off: i64(0)}
	case broadcast == 0:
		tail := s[max(0, r-off):]
		return view{off: h.NewMul(k.Row, k.B.Product(tail)), dense: col && len(tail) == 1}
	}
	idx := k.RowIndex()
	var sum value.Value = i64(0)
	for i := 0; i < r; i++ {
		if strides[i] != nil {
			sum = h.NewAdd(sum, h.NewMul(idx[i], k.B.Product(strides[i])))
		}
	}
	return view{off: sum}
}

// Contiguous reports whether the view of buffer bi at t varies along the row.
func (k *RowKernel) Contiguous(bi int, t ir.Shape, flat bool) bool {
	if !k.perElemShape(t) {
		return false
	}
	if flat {
		return true
	}
	s := k.Kernel.Buffers[bi].Value.Type.Shape
	return len(s) > 0 && s[len(s)-1] == t[k.Rank]
}

// RowIndex is the multi-index of the row, computed once per row in Head.
func (k *RowKernel) RowIndex() []value.Value {
	if k.rowIdx != nil {
		return k.rowIdx
	}
	h := k.Head
	k.rowIdx = make([]value.Value, k.Rank)
	q := k.Row
	for i := k.Rank - 1; i > 0; i-- {
		n := k.Args.Dim(k.Shape[i])
		k.rowIdx[i] = h.NewURem(q, n)
		q = h.NewUDiv(q, n)
	}
	if k.Rank > 0 {
		k.rowIdx[0] = q
	}
	return k.rowIdx
}

// RowPtr is the pointer to the row's first element of buffer bi seen at shape t, in Head.
func (k *RowKernel) RowPtr(bi int, t ir.Shape, flat bool) value.Value {
	key := viewKey{bi, t.String(), flat}
	if p, ok := k.rowPtrs[key]; ok {
		return p
	}
	v := k.viewOf(bi, t, flat)
	mt := k.E.MemType(k.Kernel.Buffers[bi].Value.Type.DType)
	gep := k.Head.NewGetElementPtr(mt, k.Args.Ptrs[bi], v.off)
	gep.InBounds = true
	k.rowPtrs[key] = gep
	k.DenseRows[gep] = v.dense
	return gep
}

// InvariantLoad loads the one element of buffer bi that a whole row sees at
// shape t, once per row in Head (before anything of the row is written).
func (k *RowKernel) InvariantLoad(bi int, t ir.Shape, flat bool) value.Value {
	key := viewKey{bi, t.String(), flat}
	if x, ok := k.rowLoads[key]; ok {
		return x
	}
	d := k.Kernel.Buffers[bi].Value.Type.DType
	x := k.E.Widen(k.Head, d, k.Head.NewLoad(k.E.MemType(d), k.RowPtr(bi, t, flat)))
	k.rowLoads[key] = x
	k.Loads[bi] = append(k.Loads[bi], -1)
	return x
}

// Gather emits take_along_axis of v at index idx (i32 or i64) of this row,
// in phase phase; h, when not nil, is told of the load (element code). An
// index outside [0, C) reads the nearest valid element (the runtime checks
// index inputs before any kernel runs; a computed index is clamped so that
// no kernel ever reads out of bounds).
func (k *RowKernel) Gather(b *llir.Block, v *ir.Value, idx value.Value, phase int, h ElemBackend) value.Value {
	data := v.Args[0]
	bi := k.ReadBuf[data]
	g, ok := k.gathers[bi]
	if !ok {
		inv := k.B.Invariant()
		var nonEmpty value.Value
		nonEmpty, g.hi = IndexBounds(inv, k.Args.Dim(data.Type.Shape[len(data.Type.Shape)-1]))
		g.ptr = k.Head.NewSelect(nonEmpty, k.RowPtr(bi, data.Type.Shape, false), EmptyElement(k.E, k.Mod, data.Type.DType))
		k.gathers[bi] = g
	}
	ix := Clamp(b, Index64(b, idx, v.Args[1].Type.DType), g.hi)
	d := data.Type.DType
	mt := k.E.MemType(d)
	gep := b.NewGetElementPtr(mt, g.ptr, ix)
	gep.InBounds = true
	ld := b.NewLoad(mt, gep)
	if h != nil {
		h.Gathered(g.ptr, ix, gep, ld)
	}
	k.Gathered[bi] = append(k.Gathered[bi], phase)
	return k.E.Widen(b, d, ld)
}

// EmptyElement is a constant element of dtype d, a global of mod, that a
// gather from an empty axis reads instead of memory: NaN for floats, 0
// otherwise.
func EmptyElement(e *elemental.Elemental, mod *llir.Module, d ir.DType) value.Value {
	name := "dlc.empty." + d.String()
	for _, g := range mod.Globals {
		if g.Name() == name {
			return g
		}
	}
	mt := e.MemType(d)
	var c constant.Constant
	switch {
	case d == ir.BF16:
		c = constant.NewInt(types.I16, 0x7fc0)
	case d == ir.F16 && types.Equal(mt, types.I16): // f16 bits, without F16C
		c = constant.NewInt(types.I16, 0x7e00)
	case d.IsFloat():
		c = constant.NewFloat(mt.(*types.FloatType), math.NaN())
	default:
		c = constant.NewZeroInitializer(mt)
	}
	g := mod.NewGlobalDef(name, c)
	g.Linkage = enum.LinkageInternal
	g.Immutable = true
	return g
}
