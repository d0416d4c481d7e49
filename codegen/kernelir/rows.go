// This file holds the part of a row kernel's emission that is the same on
// every backend: the state of the current row, its per-row values and the
// per-row outputs of a stage. How the analysis classifies and stages values
// is codegen/plan's rows.go; how a backend runs a pass is its own.
package kernelir

import (
	"dlc.dev/dlc/codegen/elemental"
	"dlc.dev/dlc/codegen/plan"
	"dlc.dev/dlc/ir"

	llir "github.com/llir/llvm/ir"
	"github.com/llir/llvm/ir/types"
	"github.com/llir/llvm/ir/value"
)

// RowBackend is what a row kernel asks of its backend.
type RowBackend interface {
	// Invariant is the block where values that are the same for every row
	// go: the kernel's entry on the CPU, the row's head on the GPU.
	Invariant() *llir.Block
	// Product is the product of the dimensions of s as an i64, computed
	// where the backend keeps such products (once in the entry on the
	// CPU, in the row's head on the GPU).
	Product(s ir.Shape) value.Value
	// Name names the register x after the IR value v it holds, or leaves
	// it unnamed.
	Name(x value.Value, v *ir.Value)
}

// RowKernel is the state of one row kernel's emission that both backends
// share. A backend embeds it and sets Head and Row with StartRow before it
// emits a row's stages and passes.
type RowKernel struct {
	E          *elemental.Elemental
	Mod        *llir.Module
	Symbol     string  // the kernel's entry point, for messages
	Args       *Params // the kernel's arguments
	*plan.Rows         // the target-neutral analysis: classes, stages, passes
	// The aliasing analysis: the phases each buffer is read, gathered from
	// and written in.
	plan.Phases
	B RowBackend

	Head    *llir.Block // the row's head: row pointers and per-row loads go there
	Row     value.Value // the row index (i64), in Head
	RowVals map[*ir.Value]value.Value
	// Synthetic are values a backend adds to the group (codegen/cpu's
	// share plans): per-row ones are computed on first use, in LoopPre,
	// the block before the loop being emitted; none is named.
	Synthetic map[*ir.Value]bool
	LoopPre   *llir.Block
	// DenseRows are the row pointers whose next row follows the row in memory.
	DenseRows map[value.Value]bool

	rowIdx   []value.Value // the row's multi-index, in Head
	rowPtrs  map[viewKey]value.Value
	rowLoads map[viewKey]value.Value
	gathers  map[int]gatherBase
}

// NewRowKernel analyses row kernel p (plan.AnalyseRows) and returns the
// shared state of its emission; the backend sets B.
func NewRowKernel(e *elemental.Elemental, mod *llir.Module, p *plan.Kernel, symbol string, params *Params) (*RowKernel, error) {
	rows, err := plan.AnalyseRows(p)
	if err != nil {
		return nil, err
	}
	return &RowKernel{E: e, Mod: mod, Symbol: symbol, Args: params, Rows: rows, Phases: plan.NewPhases(),
		Synthetic: map[*ir.Value]bool{}}, nil
}

// StartRow starts the code of a row: head is where its addresses and
// per-row loads go, row its index; what was kept of another row is dropped.
func (k *RowKernel) StartRow(head *llir.Block, row value.Value) {
	k.Head, k.Row = head, row
	k.rowIdx = nil
	k.rowPtrs, k.rowLoads = map[viewKey]value.Value{}, map[viewKey]value.Value{}
	k.RowVals, k.gathers = map[*ir.Value]value.Value{}, map[int]gatherBase{}
	k.DenseRows = map[value.Value]bool{}
}

// ComputeStage computes the per-row values of stage s in cur and returns
// the per-row outputs among them, for StoreRowOutputs.
func (k *RowKernel) ComputeStage(cur *llir.Block, s int) (written []*ir.Value) {
	compute, written := k.StageValues(s)
	for _, v := range compute {
		k.RowVals[v] = k.RowValue(cur, v, 2*s)
	}
	return written
}

// StoreRowOutputs stores, in b, the per-row outputs written of stage s.
func (k *RowKernel) StoreRowOutputs(b *llir.Block, written []*ir.Value, s int) {
	for _, v := range written {
		for _, bi := range k.WriteBuf[v] {
			ptr := k.RowPtr(bi, v.Type.Shape, true)
			b.NewStore(k.E.Narrow(b, v.Type.DType, k.RowVals[v]), ptr)
			k.Stores[bi] = append(k.Stores[bi], 2*s)
		}
	}
}

// Elementwise emits elementwise value v on register operands. (exp on float
// registers needs no guard here: vecmath's exp selects +0 below -104 itself,
// without the subnormal products that cost a microcode assist per lane.)
func (k *RowKernel) Elementwise(b *llir.Block, v *ir.Value, args []value.Value) value.Value {
	x, err := k.E.Emit(b, v, args)
	if err != nil {
		elemental.Fail("%v", err)
	}
	return x
}

// RowValue computes per-row value v in block b (a phase of the row, for
// the aliasing analysis).
func (k *RowKernel) RowValue(b *llir.Block, v *ir.Value, phase int) value.Value {
	var x value.Value
	switch {
	case v.Op == ir.OpReshape:
		x = k.RowOperand(b, v.Args[0], v.Type.Shape, true)
	case v.Op == ir.OpBroadcast:
		x = k.RowOperand(b, v.Args[0], v.Type.Shape, false)
	case v.Op.Has(ir.Reduction):
		a := v.Args[0]
		red := elemental.NewReduction(k.E, v)
		st := red.Update(b, red.Init(), k.RowOperand(b, a, a.Type.Shape, false))
		x = red.Finish(b, st)
	case v.Op == ir.OpGather:
		idx := k.RowOperand(b, v.Args[1], v.Args[1].Type.Shape, false)
		x = k.Gather(b, v, idx, phase, nil)
	case v.Op == ir.OpIota:
		x = k.RowIota(v)
	default:
		args := make([]value.Value, len(v.Args))
		for i, a := range v.Args {
			args[i] = k.RowOperand(b, a, v.Type.Shape, false)
		}
		x = k.Elementwise(b, v, args)
	}
	if !k.Synthetic[v] {
		k.B.Name(x, v)
	}
	return x
}

// RowIota is an iota that is the same for the whole row: the row's index
// along a row axis (computed in Head), or 0 along a last axis of size 1.
func (k *RowKernel) RowIota(v *ir.Value) value.Value {
	if v.Axis >= k.Rank {
		return elemental.Const(v.Type.DType, 0)
	}
	return IntOf(k.Head, k.RowIndex()[v.Axis], v.Type.DType)
}

// IntOf converts a non-negative i64 index to integer dtype d.
func IntOf(b *llir.Block, x value.Value, d ir.DType) value.Value {
	if d == ir.I32 {
		return b.NewTrunc(x, types.I32)
	}
	return x
}

// RowOperand is operand a of a per-row value of shape t (viewed flat for a
// reshape). A synthetic per-row value is computed on first use, in LoopPre.
func (k *RowKernel) RowOperand(b *llir.Block, a *ir.Value, t ir.Shape, flat bool) value.Value {
	if x, ok := k.Outside(a); ok {
		return x
	}
	if k.InGroup[a] {
		x, ok := k.RowVals[a]
		if !ok && k.Synthetic[a] && k.LoopPre != nil {
			x, ok = k.RowValue(k.LoopPre, a, -1), true
			k.RowVals[a] = x
		}
		if !ok {
			elemental.Fail("%s is used before it is computed (compiler bug)", ir.Ref(a))
		}
		return x
	}
	bi := k.ReadBuf[a]
	if k.Contiguous(bi, t, flat) {
		elemental.Fail("%s: per-row use of %s at %s varies along the row (compiler bug)", ir.Ref(a), a.Type, t)
	}
	return k.InvariantLoad(bi, t, flat)
}

// Outside returns the register value of a constant, scalar parameter or host value.
func (k *RowKernel) Outside(a *ir.Value) (value.Value, bool) {
	if a.Op == ir.OpConst {
		return elemental.Const(a.Type.DType, a.Const), true
	}
	if x, ok := k.Args.Scalars[a]; ok {
		return x, true
	}
	if !k.InGroup[a] {
		if _, ok := k.ReadBuf[a]; !ok {
			elemental.Fail("%s reads %s, which is not an argument of the kernel (compiler bug)", k.Symbol, ir.Ref(a))
		}
	}
	return nil, false
}
