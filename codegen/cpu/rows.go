// This file emits the body of a row kernel: for each row r in [begin, end),
// passes over the row's elements with the row's per-row values computed
// between them.
//
// Every value of the group is per-row (shape R or R+[1]) or per-element (shape
// R+[X], one loop per extent X). A value's stage says when it can be computed:
// a per-element value in pass s, a per-row value before pass s (after pass s-1).
// A reduction accumulates in the pass of its operand, so its result belongs to
// the next stage; ZLPR's two log-sum-exps accumulate in pass 0 and its gradient
// is computed in pass 1. An element value needed again in a later pass is
// recomputed there (the row is in cache), except an expensive one that an
// output of the later pass can carry (rowshare.go). Each element output is
// stored in the pass that computes it, each per-row output once per row.
//
// A pass over extent X is a vector loop (of 8 lanes, rowloop.go) and a
// scalar tail. Reductions keep lane
// accumulators, combined in a fixed order after the vector loop, before the
// tail continues with the combined state: the result depends only on X, never
// on chunking or threads, since a row is never split. The vector loop is the
// scalar element code widened by widen.go.
//
// What the GPU does the same way (addressing a buffer's part of the row,
// per-row values, the element code, the states of a loop) is
// codegen/kernelir's; this file adds the row loop over [begin, end) and
// computes what is the same for every row once, in the entry block.
package cpu

import (
	"fmt"

	"dlc.dev/dlc/codegen"
	"dlc.dev/dlc/codegen/elemental"
	"dlc.dev/dlc/codegen/kernelir"
	"dlc.dev/dlc/codegen/plan"
	"dlc.dev/dlc/ir"

	llir "github.com/llir/llvm/ir"
	"github.com/llir/llvm/ir/constant"
	"github.com/llir/llvm/ir/enum"
	"github.com/llir/llvm/ir/types"
	"github.com/llir/llvm/ir/value"
)

// lanes is the vector width of row kernels. It is fixed, not taken from the
// target, so that a reduction gives the same bits on every CPU.
const lanes = 8

// fail ends the emission of a kernel with an error (elemental.Fail).
func fail(format string, args ...any) { elemental.Fail(format, args...) }

// catch, deferred by each kernel emitter, turns a fail back into *err.
func catch(err *error) {
	if r := recover(); r != nil {
		*err = elemental.Recovered(r)
	}
}

// class says how a value of a row kernel is indexed.
type class = plan.RowClass

// rowKernel is the state of one row kernel's emission: what both backends
// share (kernelir.RowKernel, whose hooks it implements) and what the CPU
// adds, its vector loops, share plans and outlined functions.
type rowKernel struct {
	*kernelir.RowKernel
	t  codegen.Target
	bf *bodyFunc
	// twins maps an outlined scalar function to its vector twin (outline.go).
	twins   map[*llir.Func]*llir.Func
	outline bool // outline repeated element code of large loops

	entry  *llir.Block
	blocks int // for unique block names
	names  map[string]int

	invariants map[string]value.Value // products of dimensions, in entry
	computing  map[*ir.Value]bool     // element values being computed (a cycle is a bug)
}

// emitRows emits the body of row kernel p.
func emitRows(e *elemental.Elemental, mod *llir.Module, p *plan.Kernel, t codegen.Target, opt emitOptions) (fn *llir.Func, err error) {
	defer catch(&err)
	bf := newBody(e, mod, p, t)
	rk, err := kernelir.NewRowKernel(e, mod, p, Symbol(p.Fn.Name, p.Group), &bf.Params)
	if err != nil {
		return nil, err
	}
	k := &rowKernel{
		RowKernel: rk, t: t, bf: bf, twins: map[*llir.Func]*llir.Func{},
		names: map[string]int{}, invariants: map[string]value.Value{},
		computing: map[*ir.Value]bool{}, outline: opt.outline,
	}
	rk.B = k
	k.emit(rk.Passes)
	k.MarkRereads(p)
	return k.bf.fn, nil
}

// uniq returns name, or name with a suffix if the function already has it.
func (k *rowKernel) uniq(name string) string {
	n := k.names[name]
	k.names[name] = n + 1
	if n == 0 {
		return name
	}
	return fmt.Sprintf("%s.%d", name, n)
}

// block appends a new block named after what it does.
func (k *rowKernel) block(name string) *llir.Block {
	k.blocks++
	return k.bf.fn.NewBlock(fmt.Sprintf("%s.%d", name, k.blocks))
}

// Name names a freshly computed register after the IR value it holds.
func (k *rowKernel) Name(x value.Value, v *ir.Value) {
	n, ok := x.(interface {
		IsUnnamed() bool
		SetName(string)
	})
	if _, isParam := x.(*llir.Param); ok && !isParam && n.IsUnnamed() {
		n.SetName(k.uniq(plan.ValueName(v)))
	}
}

// Invariant is the kernel's entry block: what is the same for every row is
// computed once per call.
func (k *rowKernel) Invariant() *llir.Block { return k.entry }

func i64(n int64) constant.Constant { return constant.NewInt(types.I64, n) }

// Product is the product of the dimensions of s, computed once in entry.
func (k *rowKernel) Product(s ir.Shape) value.Value {
	key := s.String()
	if x, ok := k.invariants[key]; ok {
		return x
	}
	var x value.Value = i64(1)
	allConst := true
	n := int64(1)
	for _, d := range s {
		if d.IsSym() {
			allConst = false
		} else {
			n *= d.N
		}
	}
	if allConst {
		x = i64(n)
	} else {
		for _, d := range s {
			if d == ir.ConstDim(1) {
				continue
			}
			if c, ok := x.(*constant.Int); ok && c.X.Int64() == 1 {
				x = k.bf.Dim(d)
				continue
			}
			x = k.entry.NewMul(x, k.bf.Dim(d))
		}
	}
	k.invariants[key] = x
	return x
}

// emit writes the whole body: the row loop with its stages and passes.
func (k *rowKernel) emit(passes int) {
	fn, bf := k.bf.fn, k.bf
	k.entry = fn.NewBlock("entry")
	head := fn.NewBlock("row")
	exit := llir.NewBlock("exit")
	k.entry.NewCondBr(k.entry.NewICmp(enum.IPredSLT, bf.begin, bf.end), head, exit)
	phi := head.NewPhi(llir.NewIncoming(bf.begin, k.entry))
	phi.SetName("r")
	k.StartRow(head, phi)
	cur := k.block("stage0")
	head.NewBr(cur)

	loops := make([][]*rowLoop, passes)
	for s := range loops {
		loops[s] = k.loopsOf(s)
		for _, l := range loops[s] {
			l.share = k.planSharing(l)
		}
	}
	k.planReuse(loops)
	for s := range loops {
		for _, l := range loops[s] {
			l.outline = k.planOutline(l)
		}
	}
	cur = kernelir.EmitPasses(cur, loops, k.emitStage, k.emitLoop)
	next := cur.NewAdd(phi, i64(1))
	next.OverflowFlags = []enum.OverflowFlag{enum.OverflowFlagNUW, enum.OverflowFlagNSW}
	next.SetName("r.next")
	cur.NewCondBr(cur.NewICmp(enum.IPredEQ, next, bf.end), exit, head)
	phi.Incs = append(phi.Incs, llir.NewIncoming(next, cur))
	exit.Parent = fn
	fn.Blocks = append(fn.Blocks, exit)
	exit.NewRet(nil)
}

// rowLoop is one loop of a pass: the roots over one extent.
type rowLoop struct {
	*plan.RowLoop
	share *sharePlan
	// outline are the values computed by calls of outlined functions (outline.go).
	outline *outlinePlan
	// keep are expensive values this loop also stores into an output that a
	// later loop writes; reload are those a later loop loads from there.
	keep   []kept
	reload map[*ir.Value]int
}

// kept is a value stored into buffer buf for a later pass.
type kept struct {
	v   *ir.Value
	buf int
}

// loopsOf returns the loops of pass s (plan.Rows.Loops).
func (k *rowKernel) loopsOf(s int) []*rowLoop {
	pls, err := k.Loops(s)
	if err != nil {
		fail("%v", err)
	}
	loops := make([]*rowLoop, len(pls))
	for i, pl := range pls {
		loops[i] = &rowLoop{RowLoop: pl}
	}
	return loops
}

// emitStage computes the per-row values of stage s into cur and stores the
// per-row outputs among them.
func (k *rowKernel) emitStage(cur *llir.Block, s int) *llir.Block {
	k.StoreRowOutputs(cur, k.ComputeStage(cur, s), s)
	return cur
}
