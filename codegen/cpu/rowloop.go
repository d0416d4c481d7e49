// This file emits one loop of a row kernel's pass: the scalar element code
// (the tail loop) and its widened copy (the vector loop in front of it),
// with the lane accumulators of the reductions and their combination.
package cpu

import (
	"dlc.dev/dlc/codegen/elemental"
	"dlc.dev/dlc/codegen/kernelir"
	"dlc.dev/dlc/ir"

	llir "github.com/llir/llvm/ir"
	"github.com/llir/llvm/ir/constant"
	"github.com/llir/llvm/ir/enum"
	"github.com/llir/llvm/ir/metadata"
	"github.com/llir/llvm/ir/types"
	"github.com/llir/llvm/ir/value"
)

// memKind says how widen.go turns a memory instruction of element code into lanes.
type memKind uint8

const (
	memSkip   memKind = iota + 1 // an address; the load or store using it is rewritten
	memLoad                      // a load of consecutive elements at ptr[j]
	memGather                    // a load at ptr[idx], idx varying per element
	memStore                     // a store of val at ptr[j]
	memIota                      // the element index j itself
)

// memOp describes one memory instruction of element code.
type memOp struct {
	kind memKind
	ptr  value.Value // the row's base pointer (loop-invariant)
	idx  value.Value // memGather: the scalar index instruction
	val  value.Value // memStore: the scalar value stored
	typ  types.Type  // the element's memory type
}

// elemCode is the scalar code computing one element of a loop: the shared
// element code, with the memory operations the widener needs described and
// the loop's share, reuse and outline plans applied.
type elemCode struct {
	*kernelir.Elem
	k       *rowKernel
	mem     map[llir.Instruction]memOp
	share   *sharePlan
	reload  map[*ir.Value]int
	outline *outlinePlan
}

// Missing computes a value of the group that an operand needs before it is
// computed (a shared value may need one that comes later in body order).
func (ec *elemCode) Missing(v *ir.Value) { ec.compute(v) }

// Index is the element's index along the row: j, as an instruction of its
// own that the widener turns into lanes j, j+1, ...
func (ec *elemCode) Index() value.Value {
	j := ec.B.NewAdd(ec.J, i64(0))
	ec.mem[j] = memOp{kind: memIota}
	return j
}

// Loaded describes a load of consecutive elements for the widener.
func (ec *elemCode) Loaded(ptr value.Value, gep *llir.InstGetElementPtr, ld *llir.InstLoad) {
	ec.mem[gep] = memOp{kind: memSkip}
	ec.mem[ld] = memOp{kind: memLoad, ptr: ptr, typ: ld.ElemType}
}

// Gathered describes a gather's load for the widener: one load per lane.
func (ec *elemCode) Gathered(ptr, ix value.Value, gep *llir.InstGetElementPtr, ld *llir.InstLoad) {
	ec.mem[gep] = memOp{kind: memSkip}
	ec.mem[ld] = memOp{kind: memGather, ptr: ptr, idx: ix, typ: ld.ElemType}
}

// load reads element j of buffer bi seen at its own shape t (a value an
// earlier pass stored there).
func (ec *elemCode) load(bi int, t ir.Shape) value.Value {
	return ec.LoadAt(bi, ec.k.RowPtr(bi, t, true))
}

// compute emits per-element value v, or what the loop's share plan computes instead.
func (ec *elemCode) compute(v *ir.Value) {
	k := ec.k
	if _, done := ec.Vals[v]; done {
		return
	}
	if k.computing[v] {
		fail("%s depends on itself (compiler bug)", ir.Ref(v))
	}
	k.computing[v] = true
	defer delete(k.computing, v)
	if bo, ok := ec.reload[v]; ok {
		ec.Vals[v] = ec.load(bo, v.Type.Shape)
		return
	}
	if r, ok := ec.share.repl[v]; ok {
		ec.Vals[v] = ec.Operand(r, v.Type.Shape, false)
		return
	}
	if r, ok := ec.outline.calls[v]; ok {
		x := ec.call(r)
		k.Name(x, v)
		ec.Vals[v] = x
		return
	}
	ec.Emit(v)
}

// store writes per-element value v to its buffers at element j.
func (ec *elemCode) store(v *ir.Value) {
	for _, bi := range ec.k.WriteBuf[v] {
		ec.storeAt(bi, v)
	}
}

// storeAt writes per-element value v (computed by this loop) to buffer bi at element j.
func (ec *elemCode) storeAt(bi int, v *ir.Value) {
	k := ec.k
	x := k.E.Narrow(ec.B, v.Type.DType, ec.Operand(v, v.Type.Shape, false))
	mt := k.E.MemType(v.Type.DType)
	ptr := k.RowPtr(bi, v.Type.Shape, true)
	gep := ec.B.NewGetElementPtr(mt, ptr, ec.J)
	gep.InBounds = true
	st := ec.B.NewStore(x, gep)
	ec.mem[gep] = memOp{kind: memSkip}
	ec.mem[st] = memOp{kind: memStore, ptr: ptr, val: x, typ: mt}
	k.Stores[bi] = append(k.Stores[bi], ec.Phase)
}

// emitLoop emits loop l of pass s after cur and returns the block where the
// row continues, with the loop's reductions finished in rowVals.
//
//	cur:   splats of per-row values; X >= per*lanes ? vbody : mid
//	vbody: per vectors per iteration (elements j..j+7 and, when per is 2,
//	       j+8..j+15), each with its own lane accumulators, while
//	       j + per*lanes <= X
//	vexit: the two accumulators combined lane by lane
//	mid:   one more vector if j + lanes <= X (one)
//	lanes: if any vector ran, combine the lanes in a fixed order (comb)
//	tpre:  the scalar tail from j with the combined state
//	tbody: j += 1 while j < X
//	texit: finish the reductions
//
// A loop with a log-sum-exp takes two vectors per iteration: two accumulators
// halve its loop-carried chain (the step's exp depends on the running
// maximum), which otherwise limits the loop; other loops take one, which
// keeps their registers from spilling. The order of every combination
// depends only on X.
func (k *rowKernel) emitLoop(cur *llir.Block, s int, l *rowLoop) *llir.Block {
	n := k.bf.Dim(l.Extent)
	tag := "p" + itoa(s) + "." + l.Extent.String()
	reds := make([]*elemental.Reduction, len(l.Reds))
	for i, v := range l.Reds {
		reds[i] = elemental.NewReduction(k.E, v)
	}
	k.LoopPre = cur
	defer func() { k.LoopPre = nil }()
	t := k.emitTail(cur, s, l, n, tag, reds)
	// The vector loops, unless the row is known to be shorter than a vector.
	if !l.Extent.IsSym() && l.Extent.N < lanes {
		cur.NewBr(t.Pre)
		return t.Exit
	}
	k.emitVector(cur, s, n, tag, reds, t)
	return t.Exit
}

// tailLoop is the scalar tail of a loop: the element code, whose
// instructions code the vector loop widens, and its states.
type tailLoop struct {
	*kernelir.StateLoop
	j0   *llir.InstPhi     // where the tail starts, in Pre
	st0  [][]*llir.InstPhi // the states it starts from, in Pre
	upd  []elemental.State // the states after an element, in Body
	code []llir.Instruction
	mem  map[llir.Instruction]memOp
}

// emitTail emits the scalar tail of loop l of pass s over n elements, with
// its reductions finished in RowVals. Its Pre block starts from element 0
// and the initial states until emitVector adds the vector loop in front.
func (k *rowKernel) emitTail(cur *llir.Block, s int, l *rowLoop, n value.Value, tag string, reds []*elemental.Reduction) *tailLoop {
	tpre, tbody, texit := k.block(tag+".tail.pre"), k.block(tag+".tail"), k.block(tag+".done")
	t := &tailLoop{j0: tpre.NewPhi(llir.NewIncoming(i64(0), cur))}
	init := make([]elemental.State, len(reds))
	for i, r := range reds {
		init[i] = r.Init()
	}
	t.st0 = kernelir.NewPhis(tpre, init, cur)
	t.StateLoop = kernelir.EnterLoop(tpre, tbody, texit, t.j0, n, kernelir.PhiStates(t.st0))
	start := len(tbody.Insts)
	ec := &elemCode{k: k, mem: map[llir.Instruction]memOp{}, share: l.share, reload: l.reload, outline: l.outline}
	ec.Elem = kernelir.NewElem(k.RowKernel, tbody, t.J, 2*s+1, ec)
	for _, v := range l.Needed {
		if !l.outline.inside[v] {
			ec.compute(v)
		}
	}
	t.upd = k.updates(ec, reds, t.States)
	for _, v := range l.Stores {
		ec.store(v)
	}
	for _, kv := range l.keep {
		ec.storeAt(kv.buf, kv.v)
	}
	t.code, t.mem = tbody.Insts[start:], ec.mem
	latch, finals := t.Close(n, i64(1), []enum.OverflowFlag{enum.OverflowFlagNUW, enum.OverflowFlagNSW}, true, t.upd)
	// The tail runs fewer than `lanes` times: neither vectorise nor unroll it.
	latch.Metadata = append(latch.Metadata, scalarLoop(k.Mod))
	// texit: the final states (phis first), finished.
	for i, r := range reds {
		x := r.Finish(texit, finals[i])
		k.Name(x, r.Value)
		k.RowVals[r.Value] = x
	}
	return t
}

// vectorLoop is the vector part of a loop in front of its scalar tail t
// (emitLoop): its blocks, and what they start from.
type vectorLoop struct {
	k    *rowKernel
	cur  *llir.Block // the block before the loop, where splats go
	n    value.Value // the loop's extent
	reds []*elemental.Reduction
	t    *tailLoop

	vbody, vexit, mid, one, lanes, comb *llir.Block
	vinit, vempty                       []elemental.State // a first vector's states and an empty one's
	per                                 int               // vectors per iteration of vbody
}

// emitVector emits the vector loops of a loop in front of its tail t and
// branches from cur to them (see emitLoop).
func (k *rowKernel) emitVector(cur *llir.Block, s int, n value.Value, tag string, reds []*elemental.Reduction, t *tailLoop) {
	v := &vectorLoop{k: k, cur: cur, n: n, reds: reds, t: t,
		vbody: k.block(tag + ".vec"), vexit: k.block(tag + ".vec.done"), mid: k.block(tag + ".vec.one.pre"),
		one: k.block(tag + ".vec.one"), lanes: k.block(tag + ".vec.lanes"), comb: k.block(tag + ".vec.combine"), per: 1}
	// The first vector's lane 0 starts with the initial element; every other lane is empty.
	v.vinit, v.vempty = make([]elemental.State, len(reds)), make([]elemental.State, len(reds))
	for i, r := range reds {
		v.vinit[i] = r.VectorInit(lanes)
		for _, c := range r.Identity() {
			v.vempty[i] = append(v.vempty[i], splatConst(c))
		}
		if r.Op == ir.OpReduceLSE {
			v.per = 2
		}
	}
	jvn, both, ok := v.emitBody(s)
	if !ok {
		// Not widenable: the scalar loop alone is still correct.
		k.dropBlocks(v.vbody, v.vexit, v.mid, v.one, v.lanes, v.comb)
		cur.NewBr(t.Pre)
		return
	}
	v.emitLast(jvn, both)
	cur.NewCondBr(cur.NewICmp(enum.IPredSGE, n, i64(int64(v.per*lanes))), v.vbody, v.mid)
}

// widen emits one vector of elements [at, at+lanes) into b, from state st.
func (v *vectorLoop) widen(b *llir.Block, at value.Value, st []elemental.State) ([]elemental.State, error) {
	t := v.t
	w := newWidener(v.k.E, v.cur, b, t.mem)
	w.forbid, w.j, w.twins = t.J, at, v.k.twins
	for i := range v.reds {
		for c, p := range t.States[i] {
			w.m[p] = st[i][c]
		}
	}
	if err := w.run(t.code); err != nil {
		return nil, err
	}
	out := make([]elemental.State, len(v.reds))
	for i := range v.reds {
		for c := range t.States[i] {
			x, err := w.get(t.upd[i][c])
			if err != nil {
				return nil, err
			}
			out[i] = append(out[i], x)
		}
	}
	return out, nil
}

// emitBody emits vbody, per vectors per iteration while a whole iteration
// fits, and vexit, where the states of the two vectors combine lane by
// lane. It returns where the elements after the loop start and their
// states, or false when the element code cannot be widened.
func (v *vectorLoop) emitBody(s int) (jvn value.Value, both []elemental.State, ok bool) {
	k, cur, vbody := v.k, v.cur, v.vbody
	jv := vbody.NewPhi(llir.NewIncoming(i64(0), cur))
	pa := kernelir.NewPhis(vbody, v.vinit, cur)
	var pb [][]*llir.InstPhi
	var ub []elemental.State
	if v.per == 2 {
		pb = kernelir.NewPhis(vbody, v.vempty, cur)
	}
	ua, err := v.widen(vbody, jv, kernelir.PhiStates(pa))
	if err != nil {
		return nil, nil, false
	}
	if v.per == 2 {
		jv8 := vbody.NewAdd(jv, i64(lanes))
		jv8.OverflowFlags = []enum.OverflowFlag{enum.OverflowFlagNUW, enum.OverflowFlagNSW}
		if ub, err = v.widen(vbody, jv8, kernelir.PhiStates(pb)); err != nil {
			fail("%v", err)
		}
	}
	if s == 1 {
		k.prefetchNextRow(vbody, jv, v.n, v.t.code, v.t.mem)
	}
	next := vbody.NewAdd(jv, i64(int64(v.per*lanes)))
	next.OverflowFlags = []enum.OverflowFlag{enum.OverflowFlagNUW, enum.OverflowFlagNSW}
	limit := cur.NewSub(v.n, i64(int64(v.per*lanes)))
	vbody.NewCondBr(vbody.NewICmp(enum.IPredSLE, next, limit), vbody, v.vexit)
	jv.Incs = append(jv.Incs, llir.NewIncoming(next, vbody))
	kernelir.AddIncoming(pa, ua, vbody)

	// vexit: the accumulators of the two vectors, lane by lane.
	both = ua
	if v.per == 2 {
		kernelir.AddIncoming(pb, ub, vbody)
		both = make([]elemental.State, len(v.reds))
		for i, r := range v.reds {
			both[i] = k.vectorCombine(v.vexit, r, ua[i], ub[i])
		}
	}
	v.vexit.NewBr(v.mid)
	return next, both, true
}

// emitLast emits what follows vexit (which leaves the states both at
// element jvn): one more vector if a whole one is left (mid, one), then,
// if any vector ran, the combination of the lanes in a fixed order
// (lanes, comb), and the tail's start from there.
func (v *vectorLoop) emitLast(jvn value.Value, both []elemental.State) {
	k, cur, mid, one, lanesB, comb, t := v.k, v.cur, v.mid, v.one, v.lanes, v.comb, v.t
	jm := mid.NewPhi(llir.NewIncoming(i64(0), cur), llir.NewIncoming(jvn, v.vexit))
	pm := kernelir.NewPhis(mid, v.vinit, cur)
	kernelir.AddIncoming(pm, both, v.vexit)
	sm := kernelir.PhiStates(pm)
	lim1 := cur.NewSub(v.n, i64(lanes))
	mid.NewCondBr(mid.NewICmp(enum.IPredSLE, jm, lim1), one, lanesB)
	u1, err := v.widen(one, jm, sm)
	if err != nil {
		fail("%v", err)
	}
	j1 := one.NewAdd(jm, i64(lanes))
	one.NewBr(lanesB)

	// lanes: combine the lanes if a vector ran.
	jl := lanesB.NewPhi(llir.NewIncoming(jm, mid), llir.NewIncoming(j1, one))
	pl := kernelir.NewPhis(lanesB, sm, mid)
	kernelir.AddIncoming(pl, u1, one)
	lanesB.NewCondBr(lanesB.NewICmp(enum.IPredSGT, jl, i64(0)), comb, t.Pre)
	for i, r := range v.reds {
		x := []value.Value(kernelir.PhiState(pl[i]))
		for h := lanes / 2; h >= 1; h /= 2 {
			x = k.vectorCombine(comb, r, x, shiftLanes(comb, x, h))
		}
		for c, p := range t.st0[i] {
			p.Incs = append(p.Incs, llir.NewIncoming(comb.NewExtractElement(x[c], lane(0)), comb))
		}
	}
	comb.NewBr(t.Pre)
	// tpre: from lanes (no vector ran: j = 0, the initial state) or comb.
	t.j0.Incs[0] = llir.NewIncoming(jl, lanesB)
	t.j0.Incs = append(t.j0.Incs, llir.NewIncoming(jl, comb))
	for i, r := range v.reds {
		for c, x := range r.Init() {
			t.st0[i][c].Incs[0] = llir.NewIncoming(x, lanesB)
		}
	}
}

// prefetchNextRow makes the vector loop vbody of pass 1 prefetch, at element
// jv of the row, element jv of the next row of each buffer it loads or stores
// whose rows are adjacent in memory (stores for writing). Pass 0 of a row
// kernel streams its row from memory while passes 1 and later compute from
// cache, where the hardware prefetcher, which follows access streams, has
// nothing to follow: without this, each row's first pass waits for memory.
// Measured on ZLPR forward and gradient over 4096 x 1000: 1.98 to 1.77 ns per
// element on one thread, 1.28 to 1.20 on two; over 256 x 32000 on two threads,
// 0.92 against 1.12 when only rows up to 16 KiB were prefetched (so as not to
// evict the current row from L2). A prefetch past the last row never faults.
func (k *rowKernel) prefetchNextRow(vbody *llir.Block, jv, n value.Value, code []llir.Instruction, mem map[llir.Instruction]memOp) {
	pf := k.E.Intrinsic("llvm.prefetch.p0i8", types.Void, types.I8Ptr, types.I32, types.I32, types.I32)
	i32 := func(x int64) constant.Constant { return constant.NewInt(types.I32, x) }
	seen := map[value.Value]bool{}
	for _, in := range code {
		op, ok := mem[in]
		if !ok || (op.kind != memLoad && op.kind != memStore) || !k.DenseRows[op.ptr] || seen[op.ptr] {
			continue
		}
		seen[op.ptr] = true
		g := vbody.NewGetElementPtr(op.typ, op.ptr, vbody.NewAdd(jv, n))
		rw := int64(0)
		if op.kind == memStore {
			rw = 1
		}
		// Locality 3 (keep in every cache level), data cache.
		vbody.NewCall(pf, vbody.NewBitCast(g, types.I8Ptr), i32(rw), i32(3), i32(1))
	}
}

// updates emits the reductions' steps for one element; log-sum-exps whose
// operands are absent on complementary lanes share one exp.
func (k *rowKernel) updates(ec *elemCode, reds []*elemental.Reduction, st [][]*llir.InstPhi) []elemental.State {
	b := ec.B
	upd := make([]elemental.State, len(reds))
	index := map[*ir.Value]int{}
	for i, r := range reds {
		index[r.Value] = i
	}
	for _, pair := range ec.share.lse {
		ia, ib := index[pair.a], index[pair.b]
		ra, rb := reds[ia], reds[ib]
		xa := ec.Operand(pair.a.Args[0], pair.a.Args[0].Type.Shape, false)
		xb := ec.Operand(pair.b.Args[0], pair.b.Args[0].Type.Shape, false)
		sa, sb := kernelir.PhiState(st[ia]), kernelir.PhiState(st[ib])
		da, absentA, argA := ra.LSEArg(b, sa[0], xa)
		db, absentB, argB := rb.LSEArg(b, sb[0], xb)
		c := ec.Operand(pair.c, pair.a.Args[0].Type.Shape, false)
		e := ra.Emit(b, ir.OpExp, b.NewSelect(c, argA, argB))
		upd[ia] = ra.LSEStep(b, sa[0], sa[1], xa, nil, da, absentA, e)
		upd[ib] = rb.LSEStep(b, sb[0], sb[1], xb, nil, db, absentB, e)
	}
	ec.Updates(reds, st, upd)
	return upd
}

// vectorCombine combines two vector states lane by lane: the scalar
// combination, widened.
func (k *rowKernel) vectorCombine(b *llir.Block, r *elemental.Reduction, x, y []value.Value) []value.Value {
	scratch := llir.NewBlock("")
	px, py := make(elemental.State, len(x)), make(elemental.State, len(y))
	w := newWidener(k.E, b, b, nil)
	for c := range x {
		t := x[c].Type().(*types.VectorType).ElemType
		px[c], py[c] = llir.NewParam("", t), llir.NewParam("", t)
		w.m[px[c]], w.m[py[c]] = x[c], y[c]
	}
	out := r.Combine(scratch, px, py)
	if err := w.run(scratch.Insts); err != nil {
		fail("%s: %v", ir.FormatValue(r.Value), err)
	}
	res := make([]value.Value, len(out))
	for c, o := range out {
		v, err := w.get(o)
		if err != nil {
			fail("%s: %v", ir.FormatValue(r.Value), err)
		}
		res[c] = v
	}
	return res
}

// splatConst is the vector of lanes copies of c.
func splatConst(c constant.Constant) value.Value {
	elems := make([]constant.Constant, lanes)
	for i := range elems {
		elems[i] = c
	}
	return constant.NewVector(vec(c.Type()), elems...)
}

// shiftLanes moves lanes h.. of each vector down to 0..; the upper lanes
// repeat themselves and are never used.
func shiftLanes(b *llir.Block, xs []value.Value, h int) []value.Value {
	mask := make([]constant.Constant, lanes)
	for i := range mask {
		if i+h < lanes {
			mask[i] = lane(i + h)
		} else {
			mask[i] = lane(i)
		}
	}
	m := constant.NewVector(vec(types.I32), mask...)
	out := make([]value.Value, len(xs))
	for i, x := range xs {
		out[i] = b.NewShuffleVector(x, constant.NewUndef(x.Type()), m)
	}
	return out
}

// scalarLoop is a new llvm.loop attachment asking opt to leave a loop as it is.
func scalarLoop(mod *llir.Module) *metadata.Attachment {
	hint := func(name string, args ...metadata.Field) *metadata.Tuple {
		return &metadata.Tuple{MetadataID: -1, Fields: append([]metadata.Field{&metadata.String{Value: name}}, args...)}
	}
	width := hint("llvm.loop.vectorize.width", constant.NewInt(types.I32, 1))
	unroll := hint("llvm.loop.unroll.disable")
	loop := &metadata.Tuple{MetadataID: -1, Distinct: true}
	loop.Fields = []metadata.Field{loop, width, unroll}
	mod.MetadataDefs = append(mod.MetadataDefs, loop, width, unroll)
	return &metadata.Attachment{Name: "llvm.loop", Node: loop}
}

// dropBlocks removes blocks from the function.
func (k *rowKernel) dropBlocks(bs ...*llir.Block) {
	drop := map[*llir.Block]bool{}
	for _, b := range bs {
		drop[b] = true
	}
	kept := k.bf.fn.Blocks[:0]
	for _, b := range k.bf.fn.Blocks {
		if !drop[b] {
			kept = append(kept, b)
		}
	}
	k.bf.fn.Blocks = kept
}

func itoa(n int) string {
	if n < 10 {
		return string(rune('0' + n))
	}
	return itoa(n/10) + string(rune('0'+n%10))
}
