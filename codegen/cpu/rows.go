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
package cpu

import (
	"fmt"

	"dlc.dev/dlc/codegen"
	"dlc.dev/dlc/codegen/elemental"
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

// rowKernel is the state of one row kernel's emission.
type rowKernel struct {
	e   *elemental.Elemental
	mod *llir.Module
	p   *plan.Kernel
	t   codegen.Target
	bf  *bodyFunc
	// twins maps an outlined scalar function to its vector twin (outline.go).
	twins   map[*llir.Func]*llir.Func
	outline bool // outline repeated element code of large loops

	*plan.Rows // the target-neutral analysis: classes, stages, passes

	entry, head *llir.Block
	row         value.Value // the row index, in head
	blocks      int         // for unique block names
	names       map[string]int

	invariants map[string]value.Value // products of dimensions, in entry
	rowIdx     []value.Value          // the row's multi-index, in head
	rowPtrs    map[viewKey]value.Value
	denseRows  map[value.Value]bool // row pointers whose next row follows the row in memory
	rowLoads   map[viewKey]value.Value
	rowVals    map[*ir.Value]value.Value // per-row values of the current row
	gathers    map[int]gatherBase
	synthetic  map[*ir.Value]bool // values made by the share plans (rowshare.go)
	computing  map[*ir.Value]bool // element values being computed (a cycle is a bug)
	loopPre    *llir.Block        // the block before the loop being emitted

	// The aliasing analysis: the phases each buffer is read, gathered from
	// and written in.
	plan.Phases
}

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

// emitRows emits the body of row kernel p.
func emitRows(e *elemental.Elemental, mod *llir.Module, p *plan.Kernel, t codegen.Target, opt emitOptions) (fn *llir.Func, err error) {
	defer catch(&err)
	rows, err := plan.AnalyseRows(p)
	if err != nil {
		return nil, err
	}
	k := &rowKernel{
		e: e, mod: mod, p: p, t: t, bf: newBody(e, mod, p, t), Rows: rows, Phases: plan.NewPhases(), twins: map[*llir.Func]*llir.Func{},
		names: map[string]int{}, invariants: map[string]value.Value{},
		rowPtrs: map[viewKey]value.Value{}, denseRows: map[value.Value]bool{}, rowLoads: map[viewKey]value.Value{}, rowVals: map[*ir.Value]value.Value{},
		gathers:   map[int]gatherBase{},
		synthetic: map[*ir.Value]bool{}, computing: map[*ir.Value]bool{}, outline: opt.outline,
	}
	k.emit(rows.Passes)
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

// name names a freshly computed register after the IR value it holds.
func (k *rowKernel) name(x value.Value, v *ir.Value) {
	n, ok := x.(interface {
		IsUnnamed() bool
		SetName(string)
	})
	if _, isParam := x.(*llir.Param); ok && !isParam && n.IsUnnamed() {
		n.SetName(k.uniq(plan.ValueName(v)))
	}
}

func i64(n int64) constant.Constant { return constant.NewInt(types.I64, n) }

// dim is the size of dimension d as an i64.
func (k *rowKernel) dim(d ir.Dim) value.Value {
	return k.bf.Dim(d)
}

// product is the product of the dimensions of s, computed once in entry.
func (k *rowKernel) product(s ir.Shape) value.Value {
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
				x = k.dim(d)
				continue
			}
			x = k.entry.NewMul(x, k.dim(d))
		}
	}
	k.invariants[key] = x
	return x
}

// emit writes the whole body: the row loop with its stages and passes.
func (k *rowKernel) emit(passes int) {
	fn, bf := k.bf.fn, k.bf
	k.entry = fn.NewBlock("entry")
	k.head = fn.NewBlock("row")
	exit := llir.NewBlock("exit")
	k.entry.NewCondBr(k.entry.NewICmp(enum.IPredSLT, bf.begin, bf.end), k.head, exit)
	phi := k.head.NewPhi(llir.NewIncoming(bf.begin, k.entry))
	phi.SetName("r")
	k.row = phi
	cur := k.block("stage0")
	k.head.NewBr(cur)

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
	for s := 0; s <= passes; s++ {
		cur = k.emitStage(cur, s)
		if s == passes {
			break
		}
		for _, loop := range loops[s] {
			cur = k.emitLoop(cur, s, loop)
		}
	}
	next := cur.NewAdd(k.row, i64(1))
	next.OverflowFlags = []enum.OverflowFlag{enum.OverflowFlagNUW, enum.OverflowFlagNSW}
	next.SetName("r.next")
	cur.NewCondBr(cur.NewICmp(enum.IPredEQ, next, bf.end), exit, k.head)
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
	compute, written := k.StageValues(s)
	for _, v := range compute {
		k.rowVals[v] = k.rowValue(cur, v, 2*s)
	}
	for _, v := range written {
		for _, bi := range k.WriteBuf[v] {
			ptr := k.rowPtr(bi, v.Type.Shape, true)
			cur.NewStore(k.e.Narrow(cur, v.Type.DType, k.rowVals[v]), ptr)
			k.Stores[bi] = append(k.Stores[bi], 2*s)
		}
	}
	return cur
}

// elementwise emits elementwise value v on register operands. (exp on float
// registers needs no guard here: vecmath's exp selects +0 below -104 itself,
// without the subnormal products that cost a microcode assist per lane.)
func (k *rowKernel) elementwise(b *llir.Block, v *ir.Value, args []value.Value) value.Value {
	x, err := k.e.Emit(b, v, args)
	if err != nil {
		fail("%v", err)
	}
	return x
}

// rowValue computes per-row value v in block b (a phase of the row).
func (k *rowKernel) rowValue(b *llir.Block, v *ir.Value, phase int) value.Value {
	var x value.Value
	switch {
	case v.Op == ir.OpReshape:
		x = k.rowOperand(b, v.Args[0], v.Type.Shape, true)
	case v.Op == ir.OpBroadcast:
		x = k.rowOperand(b, v.Args[0], v.Type.Shape, false)
	case v.Op.Has(ir.Reduction):
		a := v.Args[0]
		red := elemental.NewReduction(k.e, v)
		st := red.Update(b, red.Init(), k.rowOperand(b, a, a.Type.Shape, false))
		x = red.Finish(b, st)
	case v.Op == ir.OpGather:
		idx := k.rowOperand(b, v.Args[1], v.Args[1].Type.Shape, false)
		x = k.gather(b, v, idx, phase, nil)
	case v.Op == ir.OpIota:
		x = k.rowIota(v)
	default:
		args := make([]value.Value, len(v.Args))
		for i, a := range v.Args {
			args[i] = k.rowOperand(b, a, v.Type.Shape, false)
		}
		x = k.elementwise(b, v, args)
	}
	if !k.synthetic[v] {
		k.name(x, v)
	}
	return x
}

// rowIota is an iota that is the same for the whole row: the row's index
// along a row axis (computed in head), or 0 along a last axis of size 1.
func (k *rowKernel) rowIota(v *ir.Value) value.Value {
	if v.Axis >= k.Rank {
		return elemental.Const(v.Type.DType, 0)
	}
	return intOf(k.head, k.rowIndex()[v.Axis], v.Type.DType)
}

// intOf converts a non-negative i64 index to integer dtype d.
func intOf(b *llir.Block, x value.Value, d ir.DType) value.Value {
	if d == ir.I32 {
		return b.NewTrunc(x, types.I32)
	}
	return x
}

// rowOperand is operand a of a per-row value of shape t (viewed flat for a
// reshape). A synthetic per-row value (an arm of a sunk select) is computed
// on first use, in the block before the current loop.
func (k *rowKernel) rowOperand(b *llir.Block, a *ir.Value, t ir.Shape, flat bool) value.Value {
	if x, ok := k.outside(a); ok {
		return x
	}
	if k.InGroup[a] {
		x, ok := k.rowVals[a]
		if !ok && k.synthetic[a] && k.loopPre != nil {
			x, ok = k.rowValue(k.loopPre, a, -1), true
			k.rowVals[a] = x
		}
		if !ok {
			fail("%s is used before it is computed (compiler bug)", ir.Ref(a))
		}
		return x
	}
	bi := k.ReadBuf[a]
	if k.contiguous(bi, t, flat) {
		fail("%s: per-row use of %s at %s varies along the row (compiler bug)", ir.Ref(a), a.Type, t)
	}
	return k.invariantLoad(bi, t, flat)
}

// outside returns the register value of a constant, scalar parameter or host value.
func (k *rowKernel) outside(a *ir.Value) (value.Value, bool) {
	if a.Op == ir.OpConst {
		return elemental.Const(a.Type.DType, a.Const), true
	}
	if x, ok := k.bf.Scalars[a]; ok {
		return x, true
	}
	if !k.InGroup[a] {
		if _, ok := k.ReadBuf[a]; !ok {
			fail("%s reads %s, which is not an argument of the kernel (compiler bug)", Symbol(k.p.Fn.Name, k.p.Group), ir.Ref(a))
		}
	}
	return nil, false
}

// view describes how buffer bi is indexed by a consumer of shape t: the
// offset of the row's first element, and whether the elements along the row
// are contiguous (else every element of the row reads the same element).
// flat views the buffer as having shape t (a reshape: same elements in the
// same order); otherwise it broadcasts to t by NumPy rules.
type view struct {
	off   value.Value // i64, computed in head
	col   bool
	dense bool // off is the row index times the row's length: rows are adjacent
}

// viewOf works out the view of buffer bi at shape t, emitting the row offset in head.
func (k *rowKernel) viewOf(bi int, t ir.Shape, flat bool) view {
	r := k.Rank
	perElem := len(t) == r+1 && t[r] != ir.ConstDim(1)
	if flat {
		if perElem {
			return view{off: k.head.NewMul(k.row, k.dim(t[r])), col: true, dense: true}
		}
		return view{off: k.row}
	}
	s := k.p.Buffers[bi].Value.Type.Shape
	off := len(t) - len(s)
	if off < 0 {
		fail("%s of shape %s does not broadcast to %s", k.p.Buffers[bi].Ref.Name, s, t)
	}
	col := false
	if perElem && len(s) > 0 {
		switch last := s[len(s)-1]; {
		case last == t[r]:
			col = true
		case last == ir.ConstDim(1):
		default:
			fail("%s of shape %s does not broadcast to %s", k.p.Buffers[bi].Ref.Name, s, t)
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
			fail("%s of shape %s does not broadcast to %s", k.p.Buffers[bi].Ref.Name, s, t)
		}
	}
	switch {
	case present == 0:
		return view{off: i64(0), col: col}
	case broadcast == 0:
		tail := s[max(0, r-off):]
		return view{off: k.head.NewMul(k.row, k.product(tail)), col: col, dense: col && len(tail) == 1}
	}
	idx := k.rowIndex()
	var sum value.Value = i64(0)
	for i := 0; i < r; i++ {
		if strides[i] == nil {
			continue
		}
		term := k.head.NewMul(idx[i], k.product(strides[i]))
		sum = k.head.NewAdd(sum, term)
	}
	return view{off: sum, col: col}
}

// contiguous reports whether the view of buffer bi at t varies along the row.
func (k *rowKernel) contiguous(bi int, t ir.Shape, flat bool) bool {
	r := k.Rank
	perElem := len(t) == r+1 && t[r] != ir.ConstDim(1)
	if !perElem {
		return false
	}
	if flat {
		return true
	}
	s := k.p.Buffers[bi].Value.Type.Shape
	return len(s) > 0 && s[len(s)-1] == t[r]
}

// rowIndex is the multi-index of the row, computed once per row in head.
func (k *rowKernel) rowIndex() []value.Value {
	if k.rowIdx != nil {
		return k.rowIdx
	}
	r := k.Rank
	k.rowIdx = make([]value.Value, r)
	q := k.row
	for i := r - 1; i > 0; i-- {
		n := k.dim(k.Shape[i])
		k.rowIdx[i] = k.head.NewURem(q, n)
		q = k.head.NewUDiv(q, n)
	}
	k.rowIdx[0] = q
	return k.rowIdx
}

// rowPtr is the pointer to the row's first element of buffer bi seen at shape t, in head.
func (k *rowKernel) rowPtr(bi int, t ir.Shape, flat bool) value.Value {
	key := viewKey{bi, t.String(), flat}
	if p, ok := k.rowPtrs[key]; ok {
		return p
	}
	v := k.viewOf(bi, t, flat)
	mt := k.e.MemType(k.p.Buffers[bi].Value.Type.DType)
	gep := k.head.NewGetElementPtr(mt, k.bf.Ptrs[bi], v.off)
	gep.InBounds = true
	k.rowPtrs[key] = gep
	k.denseRows[gep] = v.dense
	return gep
}

// invariantLoad loads the one element of buffer bi that a whole row sees at
// shape t, once per row in head (before anything of the row is written).
func (k *rowKernel) invariantLoad(bi int, t ir.Shape, flat bool) value.Value {
	key := viewKey{bi, t.String(), flat}
	if x, ok := k.rowLoads[key]; ok {
		return x
	}
	d := k.p.Buffers[bi].Value.Type.DType
	ld := k.head.NewLoad(k.e.MemType(d), k.rowPtr(bi, t, flat))
	x := k.e.Widen(k.head, d, ld)
	k.rowLoads[key] = x
	k.Loads[bi] = append(k.Loads[bi], -1)
	return x
}

// gather emits take_along_axis of v at the clamped index idx (i32 or i64) of
// this row; ec is the element code it belongs to, or nil for a per-row gather.
// An index outside [0, C) reads the nearest valid element (the runtime checks
// index inputs before any kernel runs; a computed index is clamped so that no
// kernel ever reads out of bounds).
func (k *rowKernel) gather(b *llir.Block, v *ir.Value, idx value.Value, phase int, ec *elemCode) value.Value {
	data := v.Args[0]
	bi := k.ReadBuf[data]
	g, ok := k.gathers[bi]
	if !ok {
		c := k.dim(data.Type.Shape[len(data.Type.Shape)-1])
		nonEmpty := k.entry.NewICmp(enum.IPredSGT, c, i64(0))
		g.hi = k.entry.NewSelect(nonEmpty, k.entry.NewSub(c, i64(1)), i64(0))
		d := data.Type.DType
		g.ptr = k.head.NewSelect(nonEmpty, k.rowPtr(bi, data.Type.Shape, false), emptyElement(k.e, k.mod, d))
		k.gathers[bi] = g
	}
	var ix value.Value = idx
	if v.Args[1].Type.DType != ir.I64 {
		ix = b.NewSExt(ix, types.I64)
	}
	ix = b.NewSelect(b.NewICmp(enum.IPredSLT, ix, i64(0)), i64(0), ix)
	ix = b.NewSelect(b.NewICmp(enum.IPredSGT, ix, g.hi), g.hi, ix)
	d := data.Type.DType
	gep := b.NewGetElementPtr(k.e.MemType(d), g.ptr, ix)
	gep.InBounds = true
	ld := b.NewLoad(k.e.MemType(d), gep)
	if ec != nil {
		ec.mem[gep] = memOp{kind: memSkip}
		ec.mem[ld] = memOp{kind: memGather, ptr: g.ptr, idx: ix, typ: k.e.MemType(d)}
	}
	k.Gathered[bi] = append(k.Gathered[bi], phase)
	return k.e.Widen(b, d, ld)
}

// emptyElement is a constant element of dtype d that a gather from an empty
// axis reads instead of memory: NaN for floats, 0 otherwise.
func emptyElement(e *elemental.Elemental, mod *llir.Module, d ir.DType) value.Value {
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
		c = constant.NewFloat(mt.(*types.FloatType), nan)
	default:
		c = constant.NewZeroInitializer(mt)
	}
	g := mod.NewGlobalDef(name, c)
	g.Linkage = enum.LinkageInternal
	g.Immutable = true
	return g
}
