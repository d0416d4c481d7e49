// This file emits the body of an axis kernel: one reduction or gather along a
// non-last axis, or one scatter_add along any axis (a gather or scatter_add
// that broadcasts an operand is in axis_bcast.go). Its units are the output positions in row-major order; an
// output position p = o*inner + i (o indexing the axes before the reduced
// one, i those after it) reads x[o, k, i] for k along the axis.
//
// A reduction walks its positions in runs that share o, and each run in tiles
// of axisTile positions whose accumulators live in a small stack array: for k
// in [0, n), for i in the tile, acc[i] = update(acc[i], x[o, k, i]). The inner
// loop reads consecutive elements and carries no dependence from one i to the
// next, so opt vectorises it; each position still adds its elements in the
// order k = 0, 1, ..., whatever the chunking.
package cpu

import (
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

// axisTile is how many output positions share one pass over the reduced axis.
const axisTile = 512

// axisKernel is the state of one axis kernel's emission.
type axisKernel struct {
	e      *elemental.Elemental
	mod    *llir.Module
	p      *plan.Kernel
	bf     *bodyFunc
	fn     *llir.Func
	blocks int
}

// emitAxis emits the body of axis kernel p.
func emitAxis(e *elemental.Elemental, mod *llir.Module, p *plan.Kernel, t codegen.Target) (fn *llir.Func, err error) {
	defer catch(&err)
	k := &axisKernel{e: e, mod: mod, p: p, bf: newBody(e, mod, p, t)}
	k.fn = k.bf.fn
	ax, err := plan.AnalyseAxis(p)
	if err != nil {
		return nil, err
	}
	v, args, outs := ax.Value, ax.Args, ax.Outs
	switch v.Op {
	case ir.OpGather:
		if ir.GatherBroadcasts(v) {
			k.gatherBroadcast(v, args[0], args[1], outs)
		} else {
			k.gather(v, args[0], args[1], outs)
		}
	case ir.OpScatterAdd:
		if !v.Args[1].Type.Shape.Equal(v.Args[0].Type.Shape) {
			k.scatterBroadcast(v, args[0], args[1], outs)
		} else {
			k.scatter(v, args[0], args[1], outs)
		}
	default:
		k.reduce(v, args[0], outs)
	}
	return k.fn, nil
}

// storeAll writes register value x, narrowed to each output's dtype, to every
// output at element pos.
func (k *axisKernel) storeAll(b *llir.Block, outs []int, pos, x value.Value) {
	for _, oi := range outs {
		d := k.p.Buffers[oi].Value.Type.DType
		g := b.NewGetElementPtr(k.e.MemType(d), k.bf.Ptrs[oi], pos)
		g.InBounds = true
		b.NewStore(k.e.Narrow(b, d, x), g)
	}
}

func (k *axisKernel) block(name string) *llir.Block {
	k.blocks++
	return k.fn.NewBlock(name + "." + itoa(k.blocks))
}

func (k *axisKernel) dim(d ir.Dim) value.Value { return k.bf.Dim(d) }

// product multiplies dimensions in block b.
func (k *axisKernel) product(b *llir.Block, s ir.Shape) value.Value {
	return elemental.Product(b, s, k.dim)
}

// loop emits for i in [from, to) { body } after b and returns the block after
// the loop. body gets the block to append to and i, and returns the block
// where the iteration ends.
func (k *axisKernel) loop(b *llir.Block, name string, from, to value.Value, step int64, body func(b *llir.Block, i value.Value) *llir.Block) *llir.Block {
	head, after := k.block(name), k.block(name+".done")
	b.NewCondBr(b.NewICmp(enum.IPredSLT, from, to), head, after)
	i := head.NewPhi(llir.NewIncoming(from, b))
	last := body(head, i)
	next := last.NewAdd(i, i64(step))
	next.OverflowFlags = []enum.OverflowFlag{enum.OverflowFlagNSW}
	last.NewCondBr(last.NewICmp(enum.IPredSLT, next, to), head, after)
	i.Incs = append(i.Incs, llir.NewIncoming(next, last))
	return after
}

func minI64(b *llir.Block, x, y value.Value) value.Value {
	return b.NewSelect(b.NewICmp(enum.IPredSLT, x, y), x, y)
}

// segments walks output positions [begin, end) in runs that share the index
// before the run's innermost axes: body gets p (the run's first position), i0
// (its offset within inner) and the run's length.
func (k *axisKernel) segments(entry *llir.Block, inner value.Value, body func(b *llir.Block, p, i0, cnt value.Value) *llir.Block) {
	bf := k.bf
	exit := k.block("exit")
	seg := k.block("run")
	entry.NewCondBr(entry.NewICmp(enum.IPredSLT, bf.begin, bf.end), seg, exit)
	p := seg.NewPhi(llir.NewIncoming(bf.begin, entry))
	p.SetName("p")
	i0 := seg.NewURem(p, inner)
	cnt := minI64(seg, seg.NewSub(inner, i0), seg.NewSub(bf.end, p))
	last := body(seg, p, i0, cnt)
	pn := last.NewAdd(p, cnt)
	last.NewCondBr(last.NewICmp(enum.IPredSLT, pn, bf.end), seg, exit)
	p.Incs = append(p.Incs, llir.NewIncoming(pn, last))
	exit.NewRet(nil)
	// exit last, for readability
	k.fn.Blocks = append(without(k.fn.Blocks, exit), exit)
}

func without(bs []*llir.Block, x *llir.Block) []*llir.Block {
	out := bs[:0]
	for _, b := range bs {
		if b != x {
			out = append(out, b)
		}
	}
	return out
}

// reduce emits a reduction of buffer xi along v.Axis into the buffers outs.
func (k *axisKernel) reduce(v *ir.Value, xi int, outs []int) {
	x := v.Args[0]
	s := x.Type.Shape
	entry := k.fn.NewBlock("entry")
	n := k.dim(s[v.Axis])
	inner := k.product(entry, s[v.Axis+1:])
	red := elemental.NewReduction(k.e, v)
	reg := elemental.RegType(v.Type.DType)
	var accs []*llir.InstAlloca
	for range red.Initial() {
		a := entry.NewAlloca(types.NewArray(axisTile, reg))
		a.Align = 32
		accs = append(accs, a)
	}
	xd, xm := x.Type.DType, k.e.MemType(x.Type.DType)
	at := func(b *llir.Block, a *llir.InstAlloca, i value.Value) value.Value {
		g := b.NewGetElementPtr(a.ElemType, a, i64(0), i)
		g.InBounds = true
		return g
	}
	k.segments(entry, inner, func(b *llir.Block, p, i0, cnt value.Value) *llir.Block {
		o := b.NewUDiv(p, inner)
		start := b.NewAdd(b.NewMul(b.NewMul(o, n), inner), i0)
		xrow := b.NewGetElementPtr(xm, k.bf.Ptrs[xi], start)
		xrow.InBounds = true
		return k.loop(b, "tile", i64(0), cnt, axisTile, func(b *llir.Block, t value.Value) *llir.Block {
			length := minI64(b, i64(axisTile), b.NewSub(cnt, t))
			b = k.loop(b, "init", i64(0), length, 1, func(b *llir.Block, i value.Value) *llir.Block {
				for c, x := range red.Initial() {
					b.NewStore(x, at(b, accs[c], i))
				}
				return b
			})
			ahead := k.prefetchRows(b, int64(xd.Size()), length)
			b = k.loop(b, "k", i64(0), n, 1, func(b *llir.Block, kk value.Value) *llir.Block {
				base := b.NewGetElementPtr(xm, xrow, b.NewAdd(b.NewMul(kk, inner), t))
				base.InBounds = true
				b = k.prefetchTile(b, xm, int64(xd.Size()), base, b.NewMul(ahead, inner), length)
				return k.loop(b, "acc", i64(0), length, 1, func(b *llir.Block, i value.Value) *llir.Block {
					g := b.NewGetElementPtr(xm, base, i)
					g.InBounds = true
					xv := k.e.Widen(b, xd, b.NewLoad(xm, g))
					st := make(elemental.State, len(accs))
					ptrs := make([]value.Value, len(accs))
					for c, a := range accs {
						ptrs[c] = at(b, a, i)
						st[c] = b.NewLoad(reg, ptrs[c])
					}
					for c, y := range red.Update(b, st, xv) {
						b.NewStore(y, ptrs[c])
					}
					return b
				})
			})
			return k.loop(b, "store", i64(0), length, 1, func(b *llir.Block, i value.Value) *llir.Block {
				st := make(elemental.State, len(accs))
				for c, a := range accs {
					st[c] = b.NewLoad(reg, at(b, a, i))
				}
				r := red.Finish(b, st)
				pos := b.NewAdd(b.NewAdd(p, t), i)
				k.storeAll(b, outs, pos, r)
				return b
			})
		})
	})
}

// axisPrefetchBytes is how far ahead of the row it reduces a reduction's tile
// prefetches the rows it will read next, in bytes of those rows. The tile reads
// a strip of each row and then jumps a whole row ahead, so the hardware
// prefetchers, which follow runs within a page, restart on every row; without
// prefetching the column sum of a 4096 x 1024 f32 matrix ran at a fifth of the
// copy bandwidth.
const axisPrefetchBytes = 8192

// prefetchRows is how many rows ahead a tile of length elements of size
// bytes prefetches: axisPrefetchBytes of strips, at least two rows.
func (k *axisKernel) prefetchRows(b *llir.Block, size int64, length value.Value) value.Value {
	strip := b.NewMul(length, i64(size))
	rows := b.NewUDiv(i64(axisPrefetchBytes), b.NewSelect(b.NewICmp(enum.IPredSGT, strip, i64(0)), strip, i64(1)))
	return b.NewSelect(b.NewICmp(enum.IPredSLT, rows, i64(2)), i64(2), rows)
}

// prefetchTile emits a prefetch of every cache line of the strip of length
// elements of type xm (size bytes each) at base+ahead (a row further down;
// past the end of the buffer a prefetch does nothing) and returns the block
// after it.
func (k *axisKernel) prefetchTile(b *llir.Block, xm types.Type, size int64, base, ahead, length value.Value) *llir.Block {
	pf := k.e.Intrinsic("llvm.prefetch.p0i8", types.Void, types.I8Ptr, types.I32, types.I32, types.I32)
	i32 := func(x int64) constant.Constant { return constant.NewInt(types.I32, x) }
	start := b.NewGetElementPtr(xm, base, ahead) // not inbounds: may point past the buffer
	return k.loop(b, "pf", i64(0), length, 64/size, func(b *llir.Block, i value.Value) *llir.Block {
		g := b.NewGetElementPtr(xm, start, i)
		b.NewCall(pf, b.NewBitCast(g, types.I8Ptr), i32(0), i32(3), i32(1))
		return b
	})
}

// gather emits take_along_axis along v.Axis: out[o, j, i] = x[o, idx[o, j, i], i],
// the index clamped to [0, n) (and an empty axis read from a constant).
func (k *axisKernel) gather(v *ir.Value, xi, ii int, outs []int) {
	x, idx := v.Args[0], v.Args[1]
	s, si := x.Type.Shape, idx.Type.Shape
	entry := k.fn.NewBlock("entry")
	n, kdim := k.dim(s[v.Axis]), k.dim(si[v.Axis])
	inner := k.product(entry, si[v.Axis+1:])
	nonEmpty, hi := kernelir.IndexBounds(entry, n)
	xd, xm := x.Type.DType, k.e.MemType(x.Type.DType)
	base := entry.NewSelect(nonEmpty, k.bf.Ptrs[xi], kernelir.EmptyElement(k.e, k.mod, xd))
	id, im := idx.Type.DType, k.e.MemType(idx.Type.DType)
	k.segments(entry, inner, func(b *llir.Block, p, i0, cnt value.Value) *llir.Block {
		q := b.NewUDiv(p, inner)
		o := b.NewUDiv(q, kdim)
		rowStart := b.NewMul(b.NewMul(o, n), inner)
		return k.loop(b, "gather", i64(0), cnt, 1, func(b *llir.Block, j value.Value) *llir.Block {
			pos := b.NewAdd(p, j)
			g := b.NewGetElementPtr(im, k.bf.Ptrs[ii], pos)
			g.InBounds = true
			ix := kernelir.Clamp(b, kernelir.Index64(b, k.e.Widen(b, id, b.NewLoad(im, g)), id), hi)
			off := b.NewAdd(b.NewAdd(rowStart, b.NewMul(ix, inner)), b.NewAdd(i0, j))
			src := b.NewGetElementPtr(xm, base, b.NewSelect(nonEmpty, off, i64(0)))
			src.InBounds = true
			xv := k.e.Widen(b, xd, b.NewLoad(xm, src))
			k.storeAll(b, outs, pos, xv)
			return b
		})
	})
}

// scatter emits scatter_add along v.Axis: out[o, j, i] is the sum, k = 0, 1,
// ... in order, of upd[o, k, i] over the k with idx[o, k, i] = j, accumulated
// in the register dtype (f32 for f16 and bf16). Each output position reads
// the K updates of its (o, i) and adds those whose index is its j: K loads per
// output instead of a serial scatter, so output positions split over threads
// and every position adds its updates in the interpreter's order. An index
// outside [0, n) matches no position.
func (k *axisKernel) scatter(v *ir.Value, ui, ii int, outs []int) {
	upd, idx := v.Args[0], v.Args[1]
	s := v.Type.Shape
	entry := k.fn.NewBlock("entry")
	n, kdim := k.dim(s[v.Axis]), k.dim(upd.Type.Shape[v.Axis])
	inner := k.product(entry, s[v.Axis+1:])
	ud, um := upd.Type.DType, k.e.MemType(upd.Type.DType)
	id, im := idx.Type.DType, k.e.MemType(idx.Type.DType)
	reg := elemental.RegType(v.Type.DType)
	acc := entry.NewAlloca(reg)
	k.segments(entry, inner, func(b *llir.Block, p, i0, cnt value.Value) *llir.Block {
		q := b.NewUDiv(p, inner)
		j := b.NewURem(q, n)
		o := b.NewUDiv(q, n)
		first := b.NewAdd(b.NewMul(b.NewMul(o, kdim), inner), i0) // upd[o, 0, i0]
		return k.loop(b, "scatter", i64(0), cnt, 1, func(b *llir.Block, t value.Value) *llir.Block {
			b.NewStore(elemental.Const(v.Type.DType, 0), acc)
			b = k.loop(b, "k", i64(0), kdim, 1, func(b *llir.Block, kk value.Value) *llir.Block {
				at := b.NewAdd(b.NewAdd(first, b.NewMul(kk, inner)), t)
				g := b.NewGetElementPtr(im, k.bf.Ptrs[ii], at)
				g.InBounds = true
				ix := kernelir.Index64(b, b.NewLoad(im, g), id)
				u := b.NewGetElementPtr(um, k.bf.Ptrs[ui], at)
				u.InBounds = true
				x := k.e.Widen(b, ud, b.NewLoad(um, u))
				kernelir.ScatterStep(b, reg, acc, ix, j, x)
				return b
			})
			r := b.NewLoad(reg, acc)
			pos := b.NewAdd(p, t)
			k.storeAll(b, outs, pos, r)
			return b
		})
	})
}
