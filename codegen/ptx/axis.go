// This file emits an axis kernel: one reduction or gather along a non-last
// axis, or one scatter_add along any axis, a thread per output position
// p = o*inner + i (grid-stride). A
// reduction reads x[o, k, i] for k = 0, 1, ... in order, so each position
// gives the CPU's order and the same bits for any grid; neighbouring threads
// read neighbouring elements, so the loads coalesce.
package ptx

import (
	"dlc.dev/dlc/codegen/elemental"
	"dlc.dev/dlc/codegen/kernelir"
	"dlc.dev/dlc/codegen/plan"
	"dlc.dev/dlc/ir"

	llir "github.com/llir/llvm/ir"
	"github.com/llir/llvm/ir/enum"
	"github.com/llir/llvm/ir/value"
)

// emitAxis emits axis kernel k.
func emitAxis(k *kernel) (err error) {
	defer catch(&err)
	p := k.p
	ax, err := plan.AnalyseAxis(p)
	if err != nil {
		return err
	}
	v, args, outs := ax.Value, ax.Args, ax.Outs
	var exit *llir.Block
	switch v.Op {
	case ir.OpGather:
		gather := k.axisGather
		if ir.GatherBroadcasts(v) {
			gather = k.axisGatherBroadcast
		}
		exit = gather(v, args[0], args[1], outs)
	case ir.OpScatterAdd:
		scatter := k.axisScatter
		if !v.Args[1].Type.Shape.Equal(v.Args[0].Type.Shape) {
			scatter = k.axisScatterBroadcast
		}
		exit = scatter(v, args[0], args[1], outs)
	default:
		exit = k.axisReduce(v, args[0], outs)
	}
	exit.NewRet(nil)
	return nil
}

// store writes register value x of v's dtype to every output at position pos.
func (k *kernel) storeAll(b *llir.Block, outs []int, pos, x value.Value) {
	for _, oi := range outs {
		d := k.p.Buffers[oi].Value.Type.DType
		b.NewStore(k.e.Narrow(b, d, x), k.elem(b, oi, pos))
	}
}

// axisReduce emits the reduction v of buffer xi along v.Axis.
func (k *kernel) axisReduce(v *ir.Value, xi int, outs []int) *llir.Block {
	s := v.Args[0].Type.Shape
	entry := k.entry
	n := k.Dim(s[v.Axis])
	inner := k.product(entry, s[v.Axis+1:])
	red := elemental.NewReduction(k.e, v)
	xd := v.Args[0].Type.DType
	return k.gridLoop(entry, "pos", func(b *llir.Block, pos value.Value) *llir.Block {
		o, i := b.NewUDiv(pos, inner), b.NewURem(pos, inner)
		start := b.NewAdd(b.NewMul(b.NewMul(o, n), inner), i)
		init := red.Init()
		body, done := k.block("k"), k.block("k.done")
		b.NewCondBr(b.NewICmp(enum.IPredSLT, i64(0), n), body, done)
		kk := body.NewPhi(llir.NewIncoming(i64(0), b))
		var phis []*llir.InstPhi
		st := make(elemental.State, len(init))
		for c, x := range init {
			ph := body.NewPhi(llir.NewIncoming(x, b))
			phis = append(phis, ph)
			st[c] = ph
		}
		at := body.NewAdd(start, body.NewMul(kk, inner))
		x := k.e.Widen(body, xd, body.NewLoad(k.e.MemType(xd), k.elem(body, xi, at)))
		upd := red.Update(body, st, x)
		kn := body.NewAdd(kk, i64(1))
		body.NewCondBr(body.NewICmp(enum.IPredSLT, kn, n), body, done)
		kk.Incs = append(kk.Incs, llir.NewIncoming(kn, body))
		final := make(elemental.State, len(init))
		for c, ph := range phis {
			ph.Incs = append(ph.Incs, llir.NewIncoming(upd[c], body))
			final[c] = done.NewPhi(llir.NewIncoming(init[c], b), llir.NewIncoming(upd[c], body))
		}
		k.storeAll(done, outs, pos, red.Finish(done, final))
		return done
	})
}

// axisGather emits take_along_axis along v.Axis: out[o, j, i] = x[o, idx[o, j, i], i],
// the index clamped to [0, n) (and an empty axis read from a constant).
func (k *kernel) axisGather(v *ir.Value, xi, ii int, outs []int) *llir.Block {
	x, idx := v.Args[0], v.Args[1]
	s, si := x.Type.Shape, idx.Type.Shape
	entry := k.entry
	n, kdim := k.Dim(s[v.Axis]), k.Dim(si[v.Axis])
	inner := k.product(entry, si[v.Axis+1:])
	nonEmpty, hi := kernelir.IndexBounds(entry, n)
	xd, xm := x.Type.DType, k.e.MemType(x.Type.DType)
	base := entry.NewSelect(nonEmpty, k.Ptrs[xi], kernelir.EmptyElement(k.e, k.mod, xd))
	id, im := idx.Type.DType, k.e.MemType(idx.Type.DType)
	return k.gridLoop(entry, "pos", func(b *llir.Block, pos value.Value) *llir.Block {
		q, i := b.NewUDiv(pos, inner), b.NewURem(pos, inner)
		o := b.NewUDiv(q, kdim)
		ix := kernelir.Clamp(b, kernelir.Index64(b, k.e.Widen(b, id, b.NewLoad(im, k.elem(b, ii, pos))), id), hi)
		off := b.NewAdd(b.NewMul(b.NewAdd(b.NewMul(o, n), ix), inner), i)
		src := b.NewGetElementPtr(xm, base, b.NewSelect(nonEmpty, off, i64(0)))
		src.InBounds = true
		k.storeAll(b, outs, pos, k.e.Widen(b, xd, b.NewLoad(xm, src)))
		return b
	})
}

// axisScatter emits scatter_add along v.Axis as the CPU does (codegen/cpu's
// axis.go): a thread per output position p = (o, j, i) adds, k = 0, 1, ... in
// order, the updates upd[o, k, i] whose index idx[o, k, i] is j, in the
// register dtype. Every position adds its updates in the interpreter's order
// with no atomics, so the bits are the CPU's on any grid; an index outside
// [0, n) matches no position.
func (k *kernel) axisScatter(v *ir.Value, ui, ii int, outs []int) *llir.Block {
	upd, idx := v.Args[0], v.Args[1]
	s := v.Type.Shape
	entry := k.entry
	n, kdim := k.Dim(s[v.Axis]), k.Dim(upd.Type.Shape[v.Axis])
	inner := k.product(entry, s[v.Axis+1:])
	ud, um := upd.Type.DType, k.e.MemType(upd.Type.DType)
	id, im := idx.Type.DType, k.e.MemType(idx.Type.DType)
	reg := elemental.RegType(v.Type.DType)
	acc := entry.NewAlloca(reg)
	return k.gridLoop(entry, "pos", func(b *llir.Block, pos value.Value) *llir.Block {
		q, i := b.NewUDiv(pos, inner), b.NewURem(pos, inner)
		j, o := b.NewURem(q, n), b.NewUDiv(q, n)
		first := b.NewAdd(b.NewMul(b.NewMul(o, kdim), inner), i) // upd[o, 0, i]
		b.NewStore(elemental.Const(v.Type.DType, 0), acc)
		b = k.loop(b, "k", i64(0), kdim, i64(1), func(b *llir.Block, kk value.Value) *llir.Block {
			at := b.NewAdd(first, b.NewMul(kk, inner))
			ix := kernelir.Index64(b, b.NewLoad(im, k.elem(b, ii, at)), id)
			x := k.e.Widen(b, ud, b.NewLoad(um, k.elem(b, ui, at)))
			kernelir.ScatterStep(b, reg, acc, ix, j, x)
			return b
		})
		k.storeAll(b, outs, pos, b.NewLoad(reg, acc))
		return b
	})
}
