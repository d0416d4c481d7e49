// This file emits a row kernel: a thread block per row (rows taken
// grid-stride, so any grid gives the same result), with the row's passes as
// block-strided loops and the reductions combined across the block.
//
// Values are classified and staged as on the CPU (codegen/plan's rows.go),
// and addressed and computed by the same code (codegen/kernelir): a
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
	"dlc.dev/dlc/codegen/kernelir"
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

// rowKernel is the state of one row kernel's emission: what both backends
// share (kernelir.RowKernel, whose hooks it implements) and the block's
// thread indices and shared arrays.
type rowKernel struct {
	*kernel
	*kernelir.RowKernel

	tid, lane, wid value.Value // the thread's index in the block, in its warp, its warp's (i64)
	shared         int         // shared arrays made so far
}

// emitRows emits row kernel k.
func emitRows(k *kernel) (err error) {
	defer catch(&err)
	rk, err := kernelir.NewRowKernel(k.e, k.mod, k.p, Symbol(k.p.Fn.Name, k.p.Group), &k.Params)
	if err != nil {
		return err
	}
	r := &rowKernel{kernel: k, RowKernel: rk}
	rk.B = r
	r.emit(rk.Passes)
	r.MarkRereads(k.p)
	return nil
}

// Invariant is the row's head: every thread computes what is the same for
// every row once per row.
func (r *rowKernel) Invariant() *llir.Block { return r.Head }

// Product multiplies dimensions in the row's head.
func (r *rowKernel) Product(s ir.Shape) value.Value { return r.product(r.Head, s) }

// Name leaves registers unnamed.
func (r *rowKernel) Name(value.Value, *ir.Value) {}

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
		r.StartRow(b, row)
		cur := r.block("stage0")
		// The row's head, where loads and row pointers go, needs a
		// terminator only now: its branch is added first.
		b.NewBr(cur)
		return kernelir.EmitPasses(cur, loops, r.emitStage, r.emitLoop)
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
	written := r.ComputeStage(cur, s)
	if len(written) == 0 {
		return cur
	}
	r.barrier(cur)
	store, next := r.block("rowstore"), r.block("stage")
	cur.NewCondBr(cur.NewICmp(enum.IPredEQ, r.tid, i64(0)), store, next)
	r.StoreRowOutputs(store, written, s)
	store.NewBr(next)
	return next
}

// barrier waits for every thread of the block (bar.sync 0).
func (r *rowKernel) barrier(b *llir.Block) {
	b.NewCall(r.e.Intrinsic("llvm.nvvm.barrier0", types.Void))
}

// elemCode is the code of one element j of a pass's loop: the shared
// element code, whose values are computed in body order.
type elemCode struct{ *kernelir.Elem }

// Missing fails: values are computed in body order, so an operand's comes first.
func (ec *elemCode) Missing(v *ir.Value) {
	fail("%s is used before it is computed (compiler bug)", ir.Ref(v))
}

// Index is the element's index along the row, j.
func (ec *elemCode) Index() value.Value { return ec.J }

// Loaded records nothing.
func (ec *elemCode) Loaded(value.Value, *llir.InstGetElementPtr, *llir.InstLoad) {}

// Gathered records nothing.
func (ec *elemCode) Gathered(value.Value, value.Value, *llir.InstGetElementPtr, *llir.InstLoad) {}

// emitLoop emits loop l of pass s after cur: each thread walks its elements
// of the row, updating its reduction states and storing outputs; then the
// states combine across the block and the reductions are finished into
// RowVals. It returns the block where the row continues.
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
	loop := kernelir.EnterLoop(cur, body, after, r.tid, n, init)
	ec := &elemCode{}
	ec.Elem = kernelir.NewElem(r.RowKernel, body, loop.J, 2*s+1, ec)
	for _, v := range l.Needed {
		ec.Emit(v)
	}
	upd := make([]elemental.State, len(reds))
	ec.Updates(reds, loop.States, upd)
	for _, v := range l.Stores {
		for _, bi := range r.WriteBuf[v] {
			d := v.Type.DType
			mt := r.e.MemType(d)
			g := body.NewGetElementPtr(mt, r.RowPtr(bi, v.Type.Shape, true), loop.J)
			g.InBounds = true
			body.NewStore(r.e.Narrow(body, d, ec.Operand(v, v.Type.Shape, false)), g)
			r.Stores[bi] = append(r.Stores[bi], 2*s+1)
		}
	}
	_, finals := loop.Close(n, i64(rowBlock), []enum.OverflowFlag{enum.OverflowFlagNSW}, false, upd)
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
	r.RowVals[red.Value] = red.Finish(read, acc)
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
