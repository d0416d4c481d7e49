// This file emits the element code of a row kernel's pass: the code that
// computes one element j of the row, its operands read from memory, from
// per-row registers or from element values computed before it.
package kernelir

import (
	"dlc.dev/dlc/codegen/elemental"
	"dlc.dev/dlc/ir"

	llir "github.com/llir/llvm/ir"
	"github.com/llir/llvm/ir/value"
)

// ElemBackend is what element code asks of its backend.
type ElemBackend interface {
	// Missing is called for a per-element value of the group that an
	// operand needs before it is in Vals: the CPU computes it then (a
	// shared value may need one that comes later in body order), the GPU
	// computes values in body order only, and fails.
	Missing(v *ir.Value)
	// Index is the element's index along the row (i64), for an iota.
	Index() value.Value
	// Loaded is told of each load of element J after row pointer ptr: its
	// address and the load.
	Loaded(ptr value.Value, gep *llir.InstGetElementPtr, ld *llir.InstLoad)
	// Gathered is told of each load of a gather at the clamped index ix
	// after the row pointer ptr: its address and the load.
	Gathered(ptr, ix value.Value, gep *llir.InstGetElementPtr, ld *llir.InstLoad)
}

// Elem is the code of element J of a pass's loop, emitted into B.
type Elem struct {
	K     *RowKernel
	B     *llir.Block
	J     value.Value
	Phase int                       // for the aliasing analysis
	Vals  map[*ir.Value]value.Value // the element values computed so far
	H     ElemBackend
	loads map[viewKey]value.Value
}

// NewElem starts the code of element j of a loop in pass phase, in b.
func NewElem(k *RowKernel, b *llir.Block, j value.Value, phase int, h ElemBackend) *Elem {
	return &Elem{K: k, B: b, J: j, Phase: phase, Vals: map[*ir.Value]value.Value{}, H: h, loads: map[viewKey]value.Value{}}
}

// Operand is operand a of a per-element value of shape t (flat for a reshape).
func (ec *Elem) Operand(a *ir.Value, t ir.Shape, flat bool) value.Value {
	k := ec.K
	if x, ok := k.Outside(a); ok {
		return x
	}
	if k.InGroup[a] {
		if !k.Class[a].PerElem {
			return k.RowOperand(ec.B, a, t, flat)
		}
		if _, ok := ec.Vals[a]; !ok {
			ec.H.Missing(a)
		}
		return ec.Vals[a]
	}
	bi := k.ReadBuf[a]
	if !k.Contiguous(bi, t, flat) {
		return k.InvariantLoad(bi, t, flat)
	}
	key := viewKey{bi, t.String(), flat}
	if x, ok := ec.loads[key]; ok {
		return x
	}
	x := ec.LoadAt(bi, k.RowPtr(bi, t, flat))
	k.Loads[bi] = append(k.Loads[bi], ec.Phase)
	ec.loads[key] = x
	return x
}

// LoadAt loads element J after the row pointer ptr of buffer bi.
func (ec *Elem) LoadAt(bi int, ptr value.Value) value.Value {
	d := ec.K.Kernel.Buffers[bi].Value.Type.DType
	mt := ec.K.E.MemType(d)
	gep := ec.B.NewGetElementPtr(mt, ptr, ec.J)
	gep.InBounds = true
	ld := ec.B.NewLoad(mt, gep)
	ec.H.Loaded(ptr, gep, ld)
	return ec.K.E.Widen(ec.B, d, ld)
}

// Emit computes per-element value v from its operands, names it and puts
// it in Vals.
func (ec *Elem) Emit(v *ir.Value) {
	k := ec.K
	var x value.Value
	switch {
	case v.Op == ir.OpReshape:
		x = ec.Operand(v.Args[0], v.Type.Shape, true)
	case v.Op == ir.OpBroadcast:
		x = ec.Operand(v.Args[0], v.Type.Shape, false)
	case v.Op == ir.OpGather:
		idx := ec.Operand(v.Args[1], v.Args[1].Type.Shape, false)
		x = k.Gather(ec.B, v, idx, ec.Phase, ec.H)
	case v.Op == ir.OpIota && v.Axis == k.Rank:
		// The element's index along the row.
		x = IntOf(ec.B, ec.H.Index(), v.Type.DType)
	case v.Op == ir.OpIota:
		x = k.RowIota(v) // along a row axis: the same for the whole row
	default:
		args := make([]value.Value, len(v.Args))
		for i, a := range v.Args {
			args[i] = ec.Operand(a, v.Type.Shape, false)
		}
		x = k.Elementwise(ec.B, v, args)
	}
	k.B.Name(x, v)
	ec.Vals[v] = x
}

// Updates emits, for each reduction of reds whose new state upd does not
// hold yet, its step from state st on the element's operand.
func (ec *Elem) Updates(reds []*elemental.Reduction, st [][]*llir.InstPhi, upd []elemental.State) {
	for i, r := range reds {
		if upd[i] == nil {
			a := r.Value.Args[0]
			upd[i] = r.Update(ec.B, PhiState(st[i]), ec.Operand(a, a.Type.Shape, false))
		}
	}
}
