// This file emits one loop of a row kernel's pass: the scalar element code
// (the tail loop) and its widened copy (the vector loop in front of it),
// with the lane accumulators of the reductions and their combination.
package cpu

import (
	"math"

	"dlc.dev/dlc/codegen/elemental"
	"dlc.dev/dlc/ir"

	llir "github.com/llir/llvm/ir"
	"github.com/llir/llvm/ir/constant"
	"github.com/llir/llvm/ir/enum"
	"github.com/llir/llvm/ir/metadata"
	"github.com/llir/llvm/ir/types"
	"github.com/llir/llvm/ir/value"
)

var nan = math.NaN()

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

// elemCode is the scalar code computing one element of a loop.
type elemCode struct {
	k       *rowKernel
	b       *llir.Block
	j       value.Value
	phase   int
	vals    map[*ir.Value]value.Value
	loads   map[viewKey]value.Value
	mem     map[llir.Instruction]memOp
	share   *sharePlan
	reload  map[*ir.Value]int
	outline *outlinePlan
}

// operand is operand a of a per-element value of shape t (flat for a reshape).
// Values of the group are computed on demand (a shared value may need one
// that comes later in body order).
func (ec *elemCode) operand(a *ir.Value, t ir.Shape, flat bool) value.Value {
	k := ec.k
	if x, ok := k.outside(a); ok {
		return x
	}
	if k.InGroup[a] {
		if !k.Class[a].PerElem {
			return k.rowOperand(ec.b, a, t, flat)
		}
		if _, ok := ec.vals[a]; !ok {
			ec.compute(a)
		}
		return ec.vals[a]
	}
	bi := k.ReadBuf[a]
	if !k.contiguous(bi, t, flat) {
		return k.invariantLoad(bi, t, flat)
	}
	key := viewKey{bi, t.String(), flat}
	if x, ok := ec.loads[key]; ok {
		return x
	}
	x := ec.loadAt(bi, k.rowPtr(bi, t, flat))
	k.Loads[bi] = append(k.Loads[bi], ec.phase)
	ec.loads[key] = x
	return x
}

// load reads element j of buffer bi seen at its own shape t (a value an
// earlier pass stored there).
func (ec *elemCode) load(bi int, t ir.Shape) value.Value {
	return ec.loadAt(bi, ec.k.rowPtr(bi, t, true))
}

// loadAt loads element j after the row pointer ptr of buffer bi.
func (ec *elemCode) loadAt(bi int, ptr value.Value) value.Value {
	d := ec.k.p.Buffers[bi].Value.Type.DType
	mt := ec.k.e.MemType(d)
	gep := ec.b.NewGetElementPtr(mt, ptr, ec.j)
	gep.InBounds = true
	ld := ec.b.NewLoad(mt, gep)
	ec.mem[gep] = memOp{kind: memSkip}
	ec.mem[ld] = memOp{kind: memLoad, ptr: ptr, typ: mt}
	return ec.k.e.Widen(ec.b, d, ld)
}

// compute emits per-element value v, or what the loop's share plan computes instead.
func (ec *elemCode) compute(v *ir.Value) {
	k := ec.k
	if _, done := ec.vals[v]; done {
		return
	}
	if k.computing[v] {
		fail("%s depends on itself (compiler bug)", ir.Ref(v))
	}
	k.computing[v] = true
	defer delete(k.computing, v)
	if bo, ok := ec.reload[v]; ok {
		ec.vals[v] = ec.load(bo, v.Type.Shape)
		return
	}
	if r, ok := ec.share.repl[v]; ok {
		ec.vals[v] = ec.operand(r, v.Type.Shape, false)
		return
	}
	if r, ok := ec.outline.calls[v]; ok {
		x := ec.call(r)
		k.name(x, v)
		ec.vals[v] = x
		return
	}
	var x value.Value
	switch {
	case v.Op == ir.OpReshape:
		x = ec.operand(v.Args[0], v.Type.Shape, true)
	case v.Op == ir.OpBroadcast:
		x = ec.operand(v.Args[0], v.Type.Shape, false)
	case v.Op == ir.OpGather:
		idx := ec.operand(v.Args[1], v.Args[1].Type.Shape, false)
		x = k.gather(ec.b, v, idx, ec.phase, ec)
	case v.Op == ir.OpIota && v.Axis == k.Rank:
		// The element's index along the row: j (lanes j, j+1, ... once widened).
		j := ec.b.NewAdd(ec.j, i64(0))
		ec.mem[j] = memOp{kind: memIota}
		x = intOf(ec.b, j, v.Type.DType)
	case v.Op == ir.OpIota:
		x = k.rowIota(v) // along a row axis: the same for the whole row
	default:
		args := make([]value.Value, len(v.Args))
		for i, a := range v.Args {
			args[i] = ec.operand(a, v.Type.Shape, false)
		}
		x = k.elementwise(ec.b, v, args)
	}
	k.name(x, v)
	ec.vals[v] = x
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
	x := k.e.Narrow(ec.b, v.Type.DType, ec.operand(v, v.Type.Shape, false))
	mt := k.e.MemType(v.Type.DType)
	ptr := k.rowPtr(bi, v.Type.Shape, true)
	gep := ec.b.NewGetElementPtr(mt, ptr, ec.j)
	gep.InBounds = true
	st := ec.b.NewStore(x, gep)
	ec.mem[gep] = memOp{kind: memSkip}
	ec.mem[st] = memOp{kind: memStore, ptr: ptr, val: x, typ: mt}
	k.Stores[bi] = append(k.Stores[bi], ec.phase)
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
	n := k.dim(l.Extent)
	tag := "p" + itoa(s) + "." + l.Extent.String()
	reds := make([]*elemental.Reduction, len(l.Reds))
	for i, v := range l.Reds {
		reds[i] = elemental.NewReduction(k.e, v)
	}

	// The scalar tail, whose element code is then widened.
	tpre, tbody, texit := k.block(tag+".tail.pre"), k.block(tag+".tail"), k.block(tag+".done")
	j0 := tpre.NewPhi(llir.NewIncoming(i64(0), cur))
	st0 := make([][]*llir.InstPhi, len(reds))
	for i, r := range reds {
		for _, x := range r.Init() {
			st0[i] = append(st0[i], tpre.NewPhi(llir.NewIncoming(x, cur)))
		}
	}
	tpre.NewCondBr(tpre.NewICmp(enum.IPredSLT, j0, n), tbody, texit)

	j := tbody.NewPhi(llir.NewIncoming(j0, tpre))
	stT := make([][]*llir.InstPhi, len(reds))
	for i := range reds {
		for _, x := range st0[i] {
			stT[i] = append(stT[i], tbody.NewPhi(llir.NewIncoming(x, tpre)))
		}
	}
	start := len(tbody.Insts)
	k.loopPre = cur
	defer func() { k.loopPre = nil }()
	ec := &elemCode{k: k, b: tbody, j: j, phase: 2*s + 1, vals: map[*ir.Value]value.Value{},
		loads: map[viewKey]value.Value{}, mem: map[llir.Instruction]memOp{}, share: l.share, reload: l.reload, outline: l.outline}
	for _, v := range l.Needed {
		if !l.outline.inside[v] {
			ec.compute(v)
		}
	}
	upd := k.updates(ec, reds, stT)
	for _, v := range l.Stores {
		ec.store(v)
	}
	for _, kv := range l.keep {
		ec.storeAt(kv.buf, kv.v)
	}
	end := len(tbody.Insts)
	jn := tbody.NewAdd(j, i64(1))
	jn.OverflowFlags = []enum.OverflowFlag{enum.OverflowFlagNUW, enum.OverflowFlagNSW}
	latch := tbody.NewCondBr(tbody.NewICmp(enum.IPredEQ, jn, n), texit, tbody)
	// The tail runs fewer than `lanes` times: neither vectorise nor unroll it.
	latch.Metadata = append(latch.Metadata, scalarLoop(k.mod))
	j.Incs = append(j.Incs, llir.NewIncoming(jn, tbody))
	for i := range reds {
		for c, p := range stT[i] {
			p.Incs = append(p.Incs, llir.NewIncoming(upd[i][c], tbody))
		}
	}

	// texit: the final states (phis first), finished.
	finals := make([]elemental.State, len(reds))
	for i := range reds {
		finals[i] = make(elemental.State, len(st0[i]))
		for c := range st0[i] {
			finals[i][c] = texit.NewPhi(llir.NewIncoming(st0[i][c], tpre), llir.NewIncoming(upd[i][c], tbody))
		}
	}
	for i, r := range reds {
		x := r.Finish(texit, finals[i])
		k.name(x, r.Value)
		k.rowVals[r.Value] = x
	}

	// The vector loops, unless the row is known to be shorter than a vector.
	if !l.Extent.IsSym() && l.Extent.N < lanes {
		cur.NewBr(tpre)
		return texit
	}
	code := tbody.Insts[start:end]
	// widen emits one vector of elements [at, at+lanes) into b, from state st.
	widen := func(b *llir.Block, at value.Value, st [][]value.Value) ([][]value.Value, error) {
		w := newWidener(k.e, cur, b, ec.mem)
		w.forbid, w.j, w.twins = j, at, k.twins
		for i := range reds {
			for c, p := range stT[i] {
				w.m[p] = st[i][c]
			}
		}
		if err := w.run(code); err != nil {
			return nil, err
		}
		out := make([][]value.Value, len(reds))
		for i := range reds {
			for c := range stT[i] {
				x, err := w.get(upd[i][c])
				if err != nil {
					return nil, err
				}
				out[i] = append(out[i], x)
			}
		}
		return out, nil
	}
	vbody, vexit, mid, one, lanesB, comb := k.block(tag+".vec"), k.block(tag+".vec.done"), k.block(tag+".vec.one.pre"),
		k.block(tag+".vec.one"), k.block(tag+".vec.lanes"), k.block(tag+".vec.combine")
	// The first vector's lane 0 starts with the initial element; every other lane is empty.
	vinit, vempty := make([][]value.Value, len(reds)), make([][]value.Value, len(reds))
	for i, r := range reds {
		vinit[i] = r.VectorInit(lanes)
		for _, c := range r.Identity() {
			vempty[i] = append(vempty[i], splatConst(c))
		}
	}
	phisOf := func(b *llir.Block, st [][]value.Value, from *llir.Block) ([][]*llir.InstPhi, [][]value.Value) {
		ps, vs := make([][]*llir.InstPhi, len(st)), make([][]value.Value, len(st))
		for i := range st {
			for _, x := range st[i] {
				p := b.NewPhi(llir.NewIncoming(x, from))
				ps[i], vs[i] = append(ps[i], p), append(vs[i], p)
			}
		}
		return ps, vs
	}
	addIncs := func(ps [][]*llir.InstPhi, st [][]value.Value, from *llir.Block) {
		for i := range ps {
			for c, p := range ps[i] {
				p.Incs = append(p.Incs, llir.NewIncoming(st[i][c], from))
			}
		}
	}

	// vbody: per vectors per iteration.
	per := 1
	for _, r := range reds {
		if r.Op == ir.OpReduceLSE {
			per = 2
		}
	}
	jv := vbody.NewPhi(llir.NewIncoming(i64(0), cur))
	pa, sa := phisOf(vbody, vinit, cur)
	var pb [][]*llir.InstPhi
	var sb, ub [][]value.Value
	if per == 2 {
		pb, sb = phisOf(vbody, vempty, cur)
	}
	ua, err := widen(vbody, jv, sa)
	if err != nil {
		// Not widenable: the scalar loop alone is still correct.
		k.dropBlocks(vbody, vexit, mid, one, lanesB, comb)
		cur.NewBr(tpre)
		return texit
	}
	if per == 2 {
		jv8 := vbody.NewAdd(jv, i64(lanes))
		jv8.OverflowFlags = []enum.OverflowFlag{enum.OverflowFlagNUW, enum.OverflowFlagNSW}
		if ub, err = widen(vbody, jv8, sb); err != nil {
			fail("%v", err)
		}
	}
	if s == 1 {
		k.prefetchNextRow(vbody, jv, n, code, ec.mem)
	}
	jvn := vbody.NewAdd(jv, i64(int64(per*lanes)))
	jvn.OverflowFlags = []enum.OverflowFlag{enum.OverflowFlagNUW, enum.OverflowFlagNSW}
	limit := cur.NewSub(n, i64(int64(per*lanes)))
	vbody.NewCondBr(vbody.NewICmp(enum.IPredSLE, jvn, limit), vbody, vexit)
	jv.Incs = append(jv.Incs, llir.NewIncoming(jvn, vbody))
	addIncs(pa, ua, vbody)

	// vexit: the accumulators of the two vectors, lane by lane.
	both := ua
	if per == 2 {
		addIncs(pb, ub, vbody)
		both = make([][]value.Value, len(reds))
		for i, r := range reds {
			both[i] = k.vectorCombine(vexit, r, ua[i], ub[i])
		}
	}
	vexit.NewBr(mid)

	// mid and one: a last whole vector.
	jm := mid.NewPhi(llir.NewIncoming(i64(0), cur), llir.NewIncoming(jvn, vexit))
	pm, sm := phisOf(mid, vinit, cur)
	addIncs(pm, both, vexit)
	lim1 := cur.NewSub(n, i64(lanes))
	mid.NewCondBr(mid.NewICmp(enum.IPredSLE, jm, lim1), one, lanesB)
	u1, err := widen(one, jm, sm)
	if err != nil {
		fail("%v", err)
	}
	j1 := one.NewAdd(jm, i64(lanes))
	one.NewBr(lanesB)

	// lanes: combine the lanes if a vector ran.
	jl := lanesB.NewPhi(llir.NewIncoming(jm, mid), llir.NewIncoming(j1, one))
	_, sl := phisOf(lanesB, sm, mid)
	for i := range reds {
		for c := range sl[i] {
			sl[i][c].(*llir.InstPhi).Incs = append(sl[i][c].(*llir.InstPhi).Incs, llir.NewIncoming(u1[i][c], one))
		}
	}
	lanesB.NewCondBr(lanesB.NewICmp(enum.IPredSGT, jl, i64(0)), comb, tpre)
	for i, r := range reds {
		x := sl[i]
		for h := lanes / 2; h >= 1; h /= 2 {
			x = k.vectorCombine(comb, r, x, shiftLanes(comb, x, h))
		}
		for c, p := range st0[i] {
			p.Incs = append(p.Incs, llir.NewIncoming(comb.NewExtractElement(x[c], lane(0)), comb))
		}
	}
	comb.NewBr(tpre)
	// tpre: from lanes (no vector ran: j = 0, the initial state) or comb.
	j0.Incs[0] = llir.NewIncoming(jl, lanesB)
	j0.Incs = append(j0.Incs, llir.NewIncoming(jl, comb))
	for i, r := range reds {
		for c, x := range r.Init() {
			st0[i][c].Incs[0] = llir.NewIncoming(x, lanesB)
		}
	}
	cur.NewCondBr(cur.NewICmp(enum.IPredSGE, n, i64(int64(per*lanes))), vbody, mid)
	return texit
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
	pf := k.e.Intrinsic("llvm.prefetch.p0i8", types.Void, types.I8Ptr, types.I32, types.I32, types.I32)
	i32 := func(x int64) constant.Constant { return constant.NewInt(types.I32, x) }
	seen := map[value.Value]bool{}
	for _, in := range code {
		op, ok := mem[in]
		if !ok || (op.kind != memLoad && op.kind != memStore) || !k.denseRows[op.ptr] || seen[op.ptr] {
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
	b := ec.b
	upd := make([]elemental.State, len(reds))
	index := map[*ir.Value]int{}
	for i, r := range reds {
		index[r.Value] = i
	}
	for _, pair := range ec.share.lse {
		ia, ib := index[pair.a], index[pair.b]
		ra, rb := reds[ia], reds[ib]
		xa := ec.operand(pair.a.Args[0], pair.a.Args[0].Type.Shape, false)
		xb := ec.operand(pair.b.Args[0], pair.b.Args[0].Type.Shape, false)
		sa, sb := phis(st[ia]), phis(st[ib])
		da, absentA, argA := ra.LSEArg(b, sa[0], xa)
		db, absentB, argB := rb.LSEArg(b, sb[0], xb)
		c := ec.operand(pair.c, pair.a.Args[0].Type.Shape, false)
		e := ra.Emit(b, ir.OpExp, b.NewSelect(c, argA, argB))
		upd[ia] = ra.LSEStep(b, sa[0], sa[1], xa, nil, da, absentA, e)
		upd[ib] = rb.LSEStep(b, sb[0], sb[1], xb, nil, db, absentB, e)
	}
	for i, r := range reds {
		if upd[i] == nil {
			a := r.Value.Args[0]
			upd[i] = r.Update(b, phis(st[i]), ec.operand(a, a.Type.Shape, false))
		}
	}
	return upd
}

// vectorCombine combines two vector states lane by lane: the scalar
// combination, widened.
func (k *rowKernel) vectorCombine(b *llir.Block, r *elemental.Reduction, x, y []value.Value) []value.Value {
	scratch := llir.NewBlock("")
	px, py := make(elemental.State, len(x)), make(elemental.State, len(y))
	w := newWidener(k.e, b, b, nil)
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

func phis(ps []*llir.InstPhi) elemental.State {
	s := make(elemental.State, len(ps))
	for i, p := range ps {
		s[i] = p
	}
	return s
}

func itoa(n int) string {
	if n < 10 {
		return string(rune('0' + n))
	}
	return itoa(n/10) + string(rune('0'+n%10))
}
