// This file emits a row kernel: a thread block per row (rows taken
// grid-stride, so any grid gives the same result), with the row's passes as
// block-strided loops and the reductions combined across the block.
//
// Values are classified and staged as on the CPU (codegen/cpu/rows.go): a
// value is per-row (shape R or R+[1]) or per-element (R+[X]); a reduction
// accumulates in the pass of its operand and its result belongs to the next
// stage. Per-row values are computed by every thread (they are cheap and the
// same everywhere); thread 0 stores the per-row outputs. In a pass, thread t
// handles elements t, t+256, t+512, ... of the row, in that order, keeping
// one reduction state; the states then combine by a butterfly of warp
// shuffles (offsets 16, 8, 4, 2, 1) and, through shared memory, warp 0's to
// warp 7's in that order. The order depends only on the row's length, so a
// reduction gives the same bits on every run, grid and GPU. Element j is
// read and written by the same thread in every pass, which keeps the CPU's
// aliasing contract (an output may replace an input of its shape unless the
// input is marked reread).
package ptx

import (
	"strconv"

	"dlc.dev/dlc/codegen/elemental"
	"dlc.dev/dlc/codegen/plan"
	"dlc.dev/dlc/ir"

	llir "github.com/llir/llvm/ir"
	"github.com/llir/llvm/ir/constant"
	"github.com/llir/llvm/ir/enum"
	"github.com/llir/llvm/ir/types"
	"github.com/llir/llvm/ir/value"
)

// warps is the number of warps of a row kernel's block.
const warps = rowBlock / warp

// class says how a value of a row kernel is indexed.
type class = plan.RowClass

// rowKernel is the state of one row kernel's emission.
type rowKernel struct {
	*kernel
	*plan.Rows // the target-neutral analysis: classes, stages, passes

	tid, lane, wid value.Value // the thread's index in the block, in its warp, its warp's (i64)
	shared         int         // shared arrays made so far

	// Per row, reset when the row loop starts.
	head     *llir.Block
	row      value.Value
	rowIdx   []value.Value
	rowPtrs  map[viewKey]value.Value
	rowLoads map[viewKey]value.Value
	rowVals  map[*ir.Value]value.Value
	gathers  map[int]gatherBase

	// The aliasing analysis: the phases each buffer is read, gathered from
	// and written in.
	plan.Phases
}

// emitRows emits row kernel k.
func emitRows(k *kernel) (err error) {
	defer catch(&err)
	rows, err := plan.AnalyseRows(k.p)
	if err != nil {
		return err
	}
	r := &rowKernel{kernel: k, Rows: rows, Phases: plan.NewPhases()}
	r.emit(rows.Passes)
	r.MarkRereads(k.p)
	return nil
}

// emit writes the kernel: the thread's indices, then the grid-stride loop
// over rows with the stages and passes of each.
func (r *rowKernel) emit(passes int) {
	entry := r.entry
	r.tid = r.sreg(entry, "tid.x")
	r.lane = entry.NewAnd(r.tid, i64(warp-1))
	r.wid = entry.NewLShr(r.tid, i64(5))
	loops := make([][]*rowLoop, passes)
	for s := range loops {
		loops[s] = r.loopsOf(s)
	}
	exit := r.loop(entry, "row", r.sreg(entry, "ctaid.x"), r.count, r.sreg(entry, "nctaid.x"), func(b *llir.Block, row value.Value) *llir.Block {
		r.head, r.row = b, row
		r.rowIdx = nil
		r.rowPtrs, r.rowLoads = map[viewKey]value.Value{}, map[viewKey]value.Value{}
		r.rowVals, r.gathers = map[*ir.Value]value.Value{}, map[int]gatherBase{}
		cur := r.block("stage0")
		b.NewBr(cur)
		for s := 0; s <= passes; s++ {
			cur = r.emitStage(cur, s)
			if s == passes {
				break
			}
			for _, l := range loops[s] {
				cur = r.emitLoop(cur, s, l)
			}
		}
		// The row's head, where loads and row pointers went, needs a
		// terminator only now: its branch was added first.
		return cur
	})
	exit.NewRet(nil)
}

// rowLoop is one loop of a pass: the roots over one extent.
type rowLoop = plan.RowLoop

// loopsOf returns the loops of pass s (plan.Rows.Loops).
func (r *rowKernel) loopsOf(s int) []*rowLoop {
	loops, err := r.Loops(s)
	if err != nil {
		fail("%v", err)
	}
	return loops
}

// emitStage computes the per-row values of stage s into cur and lets
// thread 0 store the per-row outputs among them, after a barrier: every
// thread has then read what it reads of the row before, so an output may
// replace an input of its shape.
func (r *rowKernel) emitStage(cur *llir.Block, s int) *llir.Block {
	compute, written := r.StageValues(s)
	for _, v := range compute {
		r.rowVals[v] = r.rowValue(cur, v, 2*s)
	}
	if len(written) == 0 {
		return cur
	}
	r.barrier(cur)
	store, next := r.block("rowstore"), r.block("stage")
	cur.NewCondBr(cur.NewICmp(enum.IPredEQ, r.tid, i64(0)), store, next)
	for _, v := range written {
		for _, bi := range r.WriteBuf[v] {
			ptr := r.rowPtr(bi, v.Type.Shape, true)
			store.NewStore(r.e.Narrow(store, v.Type.DType, r.rowVals[v]), ptr)
			r.Stores[bi] = append(r.Stores[bi], 2*s)
		}
	}
	store.NewBr(next)
	return next
}

// barrier waits for every thread of the block (bar.sync 0).
func (r *rowKernel) barrier(b *llir.Block) {
	b.NewCall(r.e.Intrinsic("llvm.nvvm.barrier0", types.Void))
}

// rowValue computes per-row value v in block b (phase is for the aliasing analysis).
func (r *rowKernel) rowValue(b *llir.Block, v *ir.Value, phase int) value.Value {
	switch {
	case v.Op == ir.OpReshape:
		return r.rowOperand(b, v.Args[0], v.Type.Shape, true)
	case v.Op == ir.OpBroadcast:
		return r.rowOperand(b, v.Args[0], v.Type.Shape, false)
	case v.Op.Has(ir.Reduction):
		a := v.Args[0]
		red := elemental.NewReduction(r.e, v)
		st := red.Update(b, red.Init(), r.rowOperand(b, a, a.Type.Shape, false))
		return red.Finish(b, st)
	case v.Op == ir.OpGather:
		idx := r.rowOperand(b, v.Args[1], v.Args[1].Type.Shape, false)
		return r.gather(b, v, idx, phase)
	case v.Op == ir.OpIota:
		return r.rowIota(v)
	}
	args := make([]value.Value, len(v.Args))
	for i, a := range v.Args {
		args[i] = r.rowOperand(b, a, v.Type.Shape, false)
	}
	return r.elementwise(b, v, args)
}

// elementwise emits elementwise value v on register operands.
func (r *rowKernel) elementwise(b *llir.Block, v *ir.Value, args []value.Value) value.Value {
	x, err := r.e.Emit(b, v, args)
	if err != nil {
		fail("%v", err)
	}
	return x
}

// rowOperand is operand a of a per-row value of shape t (viewed flat for a reshape).
func (r *rowKernel) rowOperand(b *llir.Block, a *ir.Value, t ir.Shape, flat bool) value.Value {
	if x, ok := r.outside(a); ok {
		return x
	}
	if r.InGroup[a] {
		x, ok := r.rowVals[a]
		if !ok {
			fail("%s is used before it is computed (compiler bug)", ir.Ref(a))
		}
		return x
	}
	bi := r.ReadBuf[a]
	if r.contiguous(bi, t, flat) {
		fail("%s: per-row use of %s at %s varies along the row (compiler bug)", ir.Ref(a), a.Type, t)
	}
	return r.invariantLoad(bi, t, flat)
}

// outside returns the register value of a constant, scalar parameter or host value.
func (r *rowKernel) outside(a *ir.Value) (value.Value, bool) {
	if a.Op == ir.OpConst {
		return elemental.Const(a.Type.DType, a.Const), true
	}
	if x, ok := r.Scalars[a]; ok {
		return x, true
	}
	if !r.InGroup[a] {
		if _, ok := r.ReadBuf[a]; !ok {
			fail("%s reads %s, which is not an argument of the kernel (compiler bug)", Symbol(r.p.Fn.Name, r.p.Group), ir.Ref(a))
		}
	}
	return nil, false
}

// elemCode is the code of one element j of a pass's loop.
type elemCode struct {
	r     *rowKernel
	b     *llir.Block
	j     value.Value
	phase int
	vals  map[*ir.Value]value.Value
	loads map[viewKey]value.Value
}

// operand is operand a of a per-element value of shape t (flat for a reshape).
func (ec *elemCode) operand(a *ir.Value, t ir.Shape, flat bool) value.Value {
	r := ec.r
	if x, ok := r.outside(a); ok {
		return x
	}
	if r.InGroup[a] {
		if !r.Class[a].PerElem {
			return r.rowOperand(ec.b, a, t, flat)
		}
		x, ok := ec.vals[a]
		if !ok {
			fail("%s is used before it is computed (compiler bug)", ir.Ref(a))
		}
		return x
	}
	bi := r.ReadBuf[a]
	if !r.contiguous(bi, t, flat) {
		return r.invariantLoad(bi, t, flat)
	}
	key := viewKey{bi, t.String(), flat}
	if x, ok := ec.loads[key]; ok {
		return x
	}
	d := r.p.Buffers[bi].Value.Type.DType
	mt := r.e.MemType(d)
	g := ec.b.NewGetElementPtr(mt, r.rowPtr(bi, t, flat), ec.j)
	g.InBounds = true
	x := r.e.Widen(ec.b, d, ec.b.NewLoad(mt, g))
	r.Loads[bi] = append(r.Loads[bi], ec.phase)
	ec.loads[key] = x
	return x
}

// compute emits per-element value v from operands computed before it.
func (ec *elemCode) compute(v *ir.Value) {
	r := ec.r
	var x value.Value
	switch {
	case v.Op == ir.OpReshape:
		x = ec.operand(v.Args[0], v.Type.Shape, true)
	case v.Op == ir.OpBroadcast:
		x = ec.operand(v.Args[0], v.Type.Shape, false)
	case v.Op == ir.OpGather:
		x = r.gather(ec.b, v, ec.operand(v.Args[1], v.Args[1].Type.Shape, false), ec.phase)
	case v.Op == ir.OpIota && v.Axis == r.Rank:
		x = intOf(ec.b, ec.j, v.Type.DType)
	case v.Op == ir.OpIota:
		x = r.rowIota(v)
	default:
		args := make([]value.Value, len(v.Args))
		for i, a := range v.Args {
			args[i] = ec.operand(a, v.Type.Shape, false)
		}
		x = r.elementwise(ec.b, v, args)
	}
	ec.vals[v] = x
}

// emitLoop emits loop l of pass s after cur: each thread walks its elements
// of the row, updating its reduction states and storing outputs; then the
// states combine across the block and the reductions are finished into
// rowVals. It returns the block where the row continues.
func (r *rowKernel) emitLoop(cur *llir.Block, s int, l *rowLoop) *llir.Block {
	n := r.Dim(l.Extent)
	reds := make([]*elemental.Reduction, len(l.Reds))
	init := make([]elemental.State, len(l.Reds))
	first := cur.NewICmp(enum.IPredEQ, r.tid, i64(0))
	for i, v := range l.Reds {
		reds[i] = elemental.NewReduction(r.e, v)
		in, id := reds[i].Initial(), reds[i].Identity()
		for c := range in {
			// Thread 0 starts with the initial element, the others empty.
			init[i] = append(init[i], cur.NewSelect(first, in[c], id[c]))
		}
	}
	body, after := r.block("pass"), r.block("pass.done")
	cur.NewCondBr(cur.NewICmp(enum.IPredSLT, r.tid, n), body, after)
	j := body.NewPhi(llir.NewIncoming(r.tid, cur))
	phis := make([][]*llir.InstPhi, len(reds))
	for i := range reds {
		for _, x := range init[i] {
			phis[i] = append(phis[i], body.NewPhi(llir.NewIncoming(x, cur)))
		}
	}
	ec := &elemCode{r: r, b: body, j: j, phase: 2*s + 1, vals: map[*ir.Value]value.Value{}, loads: map[viewKey]value.Value{}}
	for _, v := range l.Needed {
		ec.compute(v)
	}
	upd := make([]elemental.State, len(reds))
	for i, red := range reds {
		a := red.Value.Args[0]
		st := make(elemental.State, len(phis[i]))
		for c, p := range phis[i] {
			st[c] = p
		}
		upd[i] = red.Update(body, st, ec.operand(a, a.Type.Shape, false))
	}
	for _, v := range l.Stores {
		for _, bi := range r.WriteBuf[v] {
			d := v.Type.DType
			mt := r.e.MemType(d)
			g := body.NewGetElementPtr(mt, r.rowPtr(bi, v.Type.Shape, true), j)
			g.InBounds = true
			body.NewStore(r.e.Narrow(body, d, ec.operand(v, v.Type.Shape, false)), g)
			r.Stores[bi] = append(r.Stores[bi], 2*s+1)
		}
	}
	jn := body.NewAdd(j, i64(rowBlock))
	jn.OverflowFlags = []enum.OverflowFlag{enum.OverflowFlagNSW}
	body.NewCondBr(body.NewICmp(enum.IPredSLT, jn, n), body, after)
	j.Incs = append(j.Incs, llir.NewIncoming(jn, body))
	for i := range reds {
		for c, p := range phis[i] {
			p.Incs = append(p.Incs, llir.NewIncoming(upd[i][c], body))
		}
	}
	finals := make([]elemental.State, len(reds))
	for i := range reds {
		finals[i] = make(elemental.State, len(init[i]))
		for c := range init[i] {
			finals[i][c] = after.NewPhi(llir.NewIncoming(init[i][c], cur), llir.NewIncoming(upd[i][c], body))
		}
	}
	b := after
	for i, red := range reds {
		b = r.blockReduce(b, red, finals[i])
	}
	return b
}

// blockReduce combines the threads' states of reduction red into one state,
// the same in every thread, finishes it into rowVals and returns the block
// to continue in. Within a warp, lane i combines with lane i^16, i^8, ...,
// i^1 (so lane 0 holds the warp's state); lane 0 of each warp puts it in
// shared memory, and every thread combines warp 0's to warp 7's in order.
func (r *rowKernel) blockReduce(b *llir.Block, red *elemental.Reduction, st elemental.State) *llir.Block {
	for off := warp / 2; off >= 1; off /= 2 {
		other := make(elemental.State, len(st))
		for c, x := range st {
			other[c] = r.shuffle(b, x, off)
		}
		st = red.Combine(b, st, other)
	}
	arrays := make([]*llir.Global, len(st))
	for c, x := range st {
		arrays[c] = r.sharedArray(x.Type())
	}
	r.barrier(b) // every thread has read the arrays' last contents
	put, read := r.block("warpsum"), r.block("blocksum")
	b.NewCondBr(b.NewICmp(enum.IPredEQ, r.lane, i64(0)), put, read)
	for c, x := range st {
		put.NewStore(x, r.sharedAt(put, arrays[c], r.wid))
	}
	put.NewBr(read)
	r.barrier(read)
	var acc elemental.State
	for w := 0; w < warps; w++ {
		ws := make(elemental.State, len(st))
		for c, x := range st {
			ws[c] = read.NewLoad(x.Type(), r.sharedAt(read, arrays[c], i64(int64(w))))
		}
		if acc == nil {
			acc = ws
		} else {
			acc = red.Combine(read, acc, ws)
		}
	}
	r.rowVals[red.Value] = red.Finish(read, acc)
	return read
}

// shuffle is x from lane (this lane xor off) of the warp (shfl.sync.bfly);
// 64-bit values move as two 32-bit halves.
func (r *rowKernel) shuffle(b *llir.Block, x value.Value, off int) value.Value {
	mask, c := constant.NewInt(types.I32, -1), constant.NewInt(types.I32, warp-1)
	lane := constant.NewInt(types.I32, int64(off))
	t := x.Type()
	shfl := func(v value.Value) value.Value {
		if types.Equal(v.Type(), types.Float) {
			f := r.e.Intrinsic("llvm.nvvm.shfl.sync.bfly.f32", types.Float, types.I32, types.Float, types.I32, types.I32)
			return b.NewCall(f, mask, v, lane, c)
		}
		f := r.e.Intrinsic("llvm.nvvm.shfl.sync.bfly.i32", types.I32, types.I32, types.I32, types.I32, types.I32)
		return b.NewCall(f, mask, v, lane, c)
	}
	switch {
	case types.Equal(t, types.Float), types.Equal(t, types.I32):
		return shfl(x)
	case types.Equal(t, types.Double), types.Equal(t, types.I64):
		bits := x
		if types.Equal(t, types.Double) {
			bits = b.NewBitCast(x, types.I64)
		}
		lo := shfl(b.NewTrunc(bits, types.I32))
		hi := shfl(b.NewTrunc(b.NewLShr(bits, i64(32)), types.I32))
		var y value.Value = b.NewOr(b.NewZExt(lo, types.I64), b.NewShl(b.NewZExt(hi, types.I64), i64(32)))
		if types.Equal(t, types.Double) {
			y = b.NewBitCast(y, types.Double)
		}
		return y
	case types.Equal(t, types.I1):
		return b.NewTrunc(shfl(b.NewZExt(x, types.I32)), types.I1)
	}
	fail("no warp shuffle of %s", t)
	return nil
}

// sharedArray makes a [warps x t] array in shared memory for one state component.
func (r *rowKernel) sharedArray(t types.Type) *llir.Global {
	r.shared++
	at := types.NewArray(warps, t)
	g := r.mod.NewGlobalDef(Symbol(r.p.Fn.Name, r.p.Group)+".red"+strconv.Itoa(r.shared), constant.NewUndef(at))
	g.Linkage = enum.LinkageInternal
	g.AddrSpace = 3
	g.Typ.AddrSpace = 3
	g.Align = 8
	return g
}

// sharedAt is the address of element w of a shared array.
func (r *rowKernel) sharedAt(b *llir.Block, g *llir.Global, w value.Value) value.Value {
	gep := b.NewGetElementPtr(g.ContentType, g, i64(0), w)
	gep.InBounds = true
	return gep
}
