// This file emits the micro-kernel of a contraction: an MR x NR tile of the
// result held in MR*NV vector accumulators, updated once per k with NV
// vector loads of packed B, MR broadcasts of packed A and MR*NV fused
// multiply-adds, then finished by the fused epilogue while the tile is in
// registers.
package cpu

import (
	"dlc.dev/dlc/ir"

	llir "github.com/llir/llvm/ir"
	"github.com/llir/llvm/ir/constant"
	"github.com/llir/llvm/ir/enum"
	"github.com/llir/llvm/ir/types"
	"github.com/llir/llvm/ir/value"
)

// microUnroll is how many steps of k one iteration of the micro-kernel's
// loop does.
const microUnroll = 4

// microFn is the micro-kernel being built: its parameters and the stack tile
// that edge tiles go through.
type microFn struct {
	f                                      *fnb
	a, b, kb, part, ldp, rows, cols, first *llir.Param
	last, eptr, scal                       *llir.Param
	tile                                   value.Value // [MR*NR] accumulator elements
}

// emitMicro emits
//
//	internal void SYM.micro(T* a, T* b, i64 kb, T* part, i64 ldp, i64 rows, i64 cols,
//	                        i1 first, i1 last, i8** eptr, double* scalars)
//
// a is an MR-row sliver of packed A ([kb][MR]), b an NR-column sliver of
// packed B ([kb][NR]). The tile starts from zero in the first K block, else
// from the partial sums the previous block left at part (row stride ldp,
// always a whole tile: the workspace holds whole tiles). Each element is one
// chain c = fma(a[i,k], b[k,j], c) in k order: partial sums are exact f32
// (or f64) values, so blocking K changes no bit. Unless it is the last
// block, the tile goes back to part. In the last block the epilogue runs on
// the valid rows x cols: eptr[x*MR + r] points at row r of the tile in the
// x-th buffer the epilogue reads or writes.
func (k *gemmKernel) emitMicro() *llir.Func {
	tp := types.NewPointer(k.et)
	i8pp := types.NewPointer(types.NewPointer(types.I8))
	m := &microFn{a: llir.NewParam("a", tp), b: llir.NewParam("b", tp), kb: llir.NewParam("kb", types.I64),
		part: llir.NewParam("part", tp), ldp: llir.NewParam("ldp", types.I64), rows: llir.NewParam("rows", types.I64),
		cols: llir.NewParam("cols", types.I64), first: llir.NewParam("first", types.I1), last: llir.NewParam("last", types.I1),
		eptr: llir.NewParam("eptr", i8pp), scal: llir.NewParam("scalars", types.NewPointer(types.Double))}
	for _, p := range []*llir.Param{m.a, m.b, m.part} {
		p.Attrs = append(p.Attrs, enum.ParamAttrNoAlias, enum.ParamAttrNoCapture)
	}
	fn := k.mod.NewFunc(k.sym+".micro", types.Void, m.a, m.b, m.kb, m.part, m.ldp, m.rows, m.cols, m.first, m.last, m.eptr, m.scal)
	fn.Linkage = enum.LinkageInternal
	fn.FuncAttrs = append([]llir.FuncAttribute{enum.FuncAttrNoInline}, targetAttrs(k.t)...)
	m.f = &fnb{fn: fn}
	entry := m.f.block("entry")
	tile := entry.NewAlloca(types.NewArray(uint64(k.mr*k.nr()), k.et))
	tile.Align = 64
	m.tile = entry.NewBitCast(tile, tp)
	pre, acc := k.microInit(m, entry)
	if k.pairs {
		done, acc := k.pairLoops(m, pre, acc)
		k.microFinish(m, done, acc)
		return fn
	}
	u := int64(microUnroll)
	nmain := pre.NewUDiv(m.kb, i64(u))
	st := kstep{elem: k.et, vec: k.vt, update: k.fmaStep}
	after, acc, pa, pb := k.kloop(m.f, pre, "km", nmain, int(u), acc, m.a, m.b, st)
	rem := sub(after, m.kb, mul(after, nmain, i64(u)))
	done, acc, _, _ := k.kloop(m.f, after, "kr", rem, 1, acc, pa, pb, st)
	k.microFinish(m, done, acc)
	return fn
}

// microInit emits the starting tile, zero or the partial sums, and returns
// the block where both join with the accumulators as phis.
func (k *gemmKernel) microInit(m *microFn, entry *llir.Block) (*llir.Block, []value.Value) {
	zero, load, pre := m.f.block("zero"), m.f.block("load"), m.f.block("pre")
	entry.NewCondBr(m.first, zero, load)
	zero.NewBr(pre)
	n := k.mr * k.nv
	loaded := make([]value.Value, n)
	for i := 0; i < k.mr; i++ {
		row := mul(load, i64(int64(i)), m.ldp)
		for j := 0; j < k.nv; j++ {
			loaded[i*k.nv+j] = vload(load, k.vt, m.part, add(load, row, i64(int64(j*k.vw))))
		}
	}
	load.NewBr(pre)
	zv := constant.NewZeroInitializer(k.vt)
	acc := make([]value.Value, n)
	for i := range acc {
		acc[i] = pre.NewPhi(llir.NewIncoming(zv, zero), llir.NewIncoming(loaded[i], load))
	}
	return pre, acc
}

// kstep is what one step of kloop reads and how it updates the tile: the
// element of the packed slivers (one row of A is broadcast from one), the
// vector of B's sliver it loads, and the update of an accumulator c by the
// broadcast a and the vector b.
type kstep struct {
	elem   types.Type
	vec    *types.VectorType
	update func(blk *llir.Block, a, b, c value.Value) value.Value
}

// kloop emits `for t := 0; t < trips; t++ { steps updates of the tile }`
// from b, with the accumulators and the two sliver pointers carried in phis,
// and returns the exit block and the values after the loop.
func (k *gemmKernel) kloop(f *fnb, b *llir.Block, name string, trips value.Value, steps int, acc []value.Value, pa, pb value.Value, st kstep) (*llir.Block, []value.Value, value.Value, value.Value) {
	mr, nv, vw, nr := k.mr, k.nv, k.vw, k.nr()
	body, exit := f.block(name), f.block(name+".exit")
	b.NewCondBr(b.NewICmp(enum.IPredSGT, trips, i64(0)), body, exit)
	t := body.NewPhi(llir.NewIncoming(i64(0), b))
	qa := body.NewPhi(llir.NewIncoming(pa, b))
	qb := body.NewPhi(llir.NewIncoming(pb, b))
	cur := make([]value.Value, len(acc))
	phis := make([]*llir.InstPhi, len(acc))
	for i := range acc {
		phis[i] = body.NewPhi(llir.NewIncoming(acc[i], b))
		cur[i] = phis[i]
	}
	for s := 0; s < steps; s++ {
		bv := make([]value.Value, nv)
		for j := 0; j < nv; j++ {
			bv[j] = vload(body, st.vec, qb, i64(int64(s*nr+j*vw)))
		}
		for i := 0; i < mr; i++ {
			av := splat(body, st.vec, loadAt(body, st.elem, qa, i64(int64(s*mr+i))))
			for j := 0; j < nv; j++ {
				cur[i*nv+j] = st.update(body, av, bv[j], cur[i*nv+j])
			}
		}
	}
	qa2 := gep(body, st.elem, qa, i64(int64(steps*mr)))
	qb2 := gep(body, st.elem, qb, i64(int64(steps*nr)))
	t2 := body.NewAdd(t, i64(1))
	body.NewCondBr(body.NewICmp(enum.IPredSLT, t2, trips), body, exit)
	t.Incs = append(t.Incs, llir.NewIncoming(t2, body))
	qa.Incs = append(qa.Incs, llir.NewIncoming(qa2, body))
	qb.Incs = append(qb.Incs, llir.NewIncoming(qb2, body))
	out := make([]value.Value, len(acc))
	for i := range acc {
		phis[i].Incs = append(phis[i].Incs, llir.NewIncoming(cur[i], body))
		out[i] = exit.NewPhi(llir.NewIncoming(acc[i], b), llir.NewIncoming(cur[i], body))
	}
	pa3 := exit.NewPhi(llir.NewIncoming(pa, b), llir.NewIncoming(qa2, body))
	pb3 := exit.NewPhi(llir.NewIncoming(pb, b), llir.NewIncoming(qb2, body))
	return exit, out, pa3, pb3
}

// fmaStep is c + a*b rounded once (llvm.fma) on targets with FMA, else the
// product rounded and then the sum.
func (k *gemmKernel) fmaStep(b *llir.Block, x, y, c value.Value) value.Value {
	if !k.fma {
		return b.NewFAdd(c, b.NewFMul(x, y))
	}
	f := k.e.Intrinsic("llvm.fma."+vectorSuffix(k.vt), k.vt, k.vt, k.vt, k.vt)
	return b.NewCall(f, x, y, c)
}

// microFinish emits the end of the micro-kernel from block b: the partial
// sums back to part unless this is the last K block; else the epilogue, on
// whole vectors for a whole tile and element by element through the stack
// tile for an edge tile.
func (k *gemmKernel) microFinish(m *microFn, b *llir.Block, acc []value.Value) {
	keep, fin := m.f.block("keep"), m.f.block("epilogue")
	b.NewCondBr(m.last, fin, keep)
	for i := 0; i < k.mr; i++ {
		row := mul(keep, i64(int64(i)), m.ldp)
		for j := 0; j < k.nv; j++ {
			vstore(keep, acc[i*k.nv+j], m.part, add(keep, row, i64(int64(j*k.vw))))
		}
	}
	keep.NewRet(nil)
	scal := k.fusedScalars(fin, m.scal)
	full := fin.NewAnd(fin.NewICmp(enum.IPredEQ, m.rows, i64(int64(k.mr))), fin.NewICmp(enum.IPredEQ, m.cols, i64(int64(k.nr()))))
	whole, edge := m.f.block("whole"), m.f.block("edge")
	fin.NewCondBr(full, whole, edge)
	if err := k.epilogueWhole(m, whole, acc, scal); err != nil {
		fail("%v", err)
	}
	whole.NewRet(nil)
	for i := range acc {
		vstore(edge, acc[i], m.tile, i64(int64(i*k.vw)))
	}
	end, err := k.epilogueEdge(m, edge, scal)
	if err != nil {
		fail("%v", err)
	}
	end.NewRet(nil)
}

// rowPtr is the pointer, typed for buffer buf's elements, to row r of the
// tile in the x-th epilogue buffer.
func (k *gemmKernel) rowPtr(m *microFn, b *llir.Block, x, r int) value.Value {
	i8p := types.NewPointer(types.I8)
	slot := b.NewGetElementPtr(i8p, m.eptr, i64(int64(x*k.mr+r)))
	slot.InBounds = true
	mt := k.e.MemType(k.p.Buffers[k.epi[x].buf].Value.Type.DType)
	return b.NewBitCast(b.NewLoad(i8p, slot), types.NewPointer(mt))
}

// epilogueWhole applies the epilogue to a whole tile in block b, one vector
// of the register tile at a time: the scalar epilogue code widened to the
// vector's lanes, reading each buffer as a vector along the row (or one
// element for the whole row, when it is broadcast along the columns).
func (k *gemmKernel) epilogueWhole(m *microFn, b *llir.Block, acc []value.Value, scal map[*ir.Value]value.Value) error {
	for r := 0; r < k.mr; r++ {
		ptrs := make([]value.Value, len(k.epi))
		for x := range k.epi {
			ptrs[x] = k.rowPtr(m, b, x, r)
		}
		for j := 0; j < k.nv; j++ {
			col := i64(int64(j * k.vw))
			phs := []value.Value{placeholder(k.et)}
			vecs := []value.Value{acc[r*k.nv+j]}
			var reads []int
			for x, l := range k.epi {
				if k.p.Buffers[l.buf].Ref.Writes {
					continue
				}
				mt := k.e.MemType(k.p.Buffers[l.buf].Value.Type.DType)
				var v value.Value
				if l.view.Col.Zero {
					v = splat(b, types.NewVector(uint64(k.vw), mt), loadAt(b, mt, ptrs[x], i64(0)))
				} else {
					v = vload(b, types.NewVector(uint64(k.vw), mt), ptrs[x], col)
				}
				reads = append(reads, l.buf)
				phs, vecs = append(phs, placeholder(mt)), append(vecs, v)
			}
			out, err := k.widenCode(b, b, k.vw, phs, vecs, func(sb *llir.Block) ([]value.Value, error) {
				mem := map[int]value.Value{}
				for i, buf := range reads {
					mem[buf] = phs[i+1]
				}
				res, err := k.epilogueCode(sb, phs[0], mem, scal)
				if err != nil {
					return nil, err
				}
				vals := make([]value.Value, len(k.written))
				for i, w := range k.written {
					vals[i] = res[w]
				}
				return vals, nil
			})
			if err != nil {
				return err
			}
			for i, w := range k.written {
				vstore(b, out[i], ptrs[k.epiIndex(w)], col)
			}
		}
	}
	return nil
}

// epiIndex is the index in k.epi of buffer buf.
func (k *gemmKernel) epiIndex(buf int) int {
	for x, l := range k.epi {
		if l.buf == buf {
			return x
		}
	}
	fail("buffer %d is not an epilogue buffer (compiler bug)", buf)
	return -1
}

// epilogueEdge applies the epilogue to the valid rows x cols of an edge
// tile, element by element from the stack tile, and returns the block it
// ends in.
func (k *gemmKernel) epilogueEdge(m *microFn, b *llir.Block, scal map[*ir.Value]value.Value) (*llir.Block, error) {
	var err error
	end := m.f.step(b, "er", i64(0), m.rows, i64(1), func(b *llir.Block, r value.Value) *llir.Block {
		ptrs := make([]value.Value, len(k.epi))
		i8p := types.NewPointer(types.I8)
		for x, l := range k.epi {
			slot := b.NewGetElementPtr(i8p, m.eptr, add(b, i64(int64(x*k.mr)), r))
			mt := k.e.MemType(k.p.Buffers[l.buf].Value.Type.DType)
			ptrs[x] = b.NewBitCast(b.NewLoad(i8p, slot), types.NewPointer(mt))
		}
		return m.f.step(b, "ec", i64(0), m.cols, i64(1), func(b *llir.Block, c value.Value) *llir.Block {
			acc := loadAt(b, k.et, m.tile, add(b, mul(b, r, i64(int64(k.nr()))), c))
			mem := map[int]value.Value{}
			for x, l := range k.epi {
				if k.p.Buffers[l.buf].Ref.Writes {
					continue
				}
				mt := k.e.MemType(k.p.Buffers[l.buf].Value.Type.DType)
				var at value.Value = c
				if l.view.Col.Zero {
					at = i64(0)
				}
				mem[l.buf] = loadAt(b, mt, ptrs[x], at)
			}
			out, e := k.epilogueCode(b, acc, mem, scal)
			if e != nil {
				err = e
				return b
			}
			for _, w := range k.written {
				storeAt(b, out[w], ptrs[k.epiIndex(w)], c)
			}
			return b
		})
	})
	return end, err
}
