// This file emits the packing of a contraction kernel: the panel packer of
// each operand, which copies rows [i0, i1) and depths [k0, k0+kb) of the
// operand into slivers of W rows laid out [kb][W] (zero past the operand's
// edge, so the micro-kernel always runs a whole tile), computing each
// element with the operand's fused prologue; and the packing launch, whose
// units pack an operand once for all the compute launch's units.
package cpu

import (
	"dlc.dev/dlc/internal/gemm"
	"dlc.dev/dlc/ir"

	llir "github.com/llir/llvm/ir"
	"github.com/llir/llvm/ir/constant"
	"github.com/llir/llvm/ir/enum"
	"github.com/llir/llvm/ir/types"
	"github.com/llir/llvm/ir/value"
)

// panelFn is a panel packer being built.
type panelFn struct {
	f                            *fnb
	sd                           *gemmSide
	dst, i0, i1, k0, kb, sstride *llir.Param
	base, rs, ds                 []*llir.Param // per leaf
	scal                         map[*ir.Value]value.Value
}

// emitPanel emits
//
//	internal void SYM.packA(T* dst, i64 i0, i64 i1, i64 k0, i64 kb, i64 sstride,
//	                        double* scalars, (M* base, i64 rs, i64 ds) per leaf)
//
// (packB for the right operand), which packs operand rows [i0, i1) (columns
// of B) and depths [k0, k0+kb): sliver s, rows i0+s*W.., at dst + s*sstride,
// element (k, r) of a sliver at [k*W + r]. Each buffer the operand reads is
// addressed at row i and depth k as base[i*rs + k*ds].
func (k *gemmKernel) emitPanel(sd *gemmSide) *llir.Func {
	tp := types.NewPointer(k.et)
	pf := &panelFn{sd: sd, dst: llir.NewParam("dst", tp), i0: llir.NewParam("i0", types.I64), i1: llir.NewParam("i1", types.I64),
		k0: llir.NewParam("k0", types.I64), kb: llir.NewParam("kb", types.I64), sstride: llir.NewParam("sstride", types.I64)}
	pf.dst.Attrs = append(pf.dst.Attrs, enum.ParamAttrNoAlias, enum.ParamAttrNoCapture)
	scal := llir.NewParam("scalars", types.NewPointer(types.Double))
	params := []*llir.Param{pf.dst, pf.i0, pf.i1, pf.k0, pf.kb, pf.sstride, scal}
	for j, l := range sd.leaves {
		mt := k.e.MemType(k.p.Buffers[l.buf].Value.Type.DType)
		bp := llir.NewParam("in"+itoa(j), types.NewPointer(mt))
		bp.Attrs = append(bp.Attrs, enum.ParamAttrNoAlias, enum.ParamAttrNoCapture)
		pf.base = append(pf.base, bp)
		pf.rs = append(pf.rs, llir.NewParam("rs"+itoa(j), types.I64))
		pf.ds = append(pf.ds, llir.NewParam("ds"+itoa(j), types.I64))
		params = append(params, bp, pf.rs[j], pf.ds[j])
	}
	name := k.sym + ".packA"
	if sd.side == 1 {
		name = k.sym + ".packB"
	}
	fn := k.mod.NewFunc(name, types.Void, params...)
	fn.Linkage = enum.LinkageInternal
	fn.FuncAttrs = append([]llir.FuncAttribute{enum.FuncAttrNoInline}, targetAttrs(k.t)...)
	pf.f = &fnb{fn: fn}
	entry := pf.f.block("entry")
	pf.scal = k.fusedScalars(entry, scal)
	var end *llir.Block
	switch {
	case k.pairs:
		end = k.packPairs(pf, entry)
	case sd.mode == packDepthContig:
		end = k.packDepthContig(pf, entry)
	case sd.mode == packRowContig:
		end = k.packRowContig(pf, entry)
	default:
		end = k.packGeneral(pf, entry)
	}
	end.NewRet(nil)
	return fn
}

// leafPtr is the address of leaf j's element at row i and depth kk.
func (pf *panelFn) leafPtr(b *llir.Block, k *gemmKernel, j int, i, kk value.Value) value.Value {
	mt := k.e.MemType(k.p.Buffers[pf.sd.leaves[j].buf].Value.Type.DType)
	return gep(b, mt, pf.base[j], add(b, mul(b, i, pf.rs[j]), mul(b, kk, pf.ds[j])))
}

// elemAt computes the operand's element at row i and depth kk in b.
func (k *gemmKernel) elemAt(pf *panelFn, b *llir.Block, i, kk value.Value) value.Value {
	mem := map[int]value.Value{}
	for j, l := range pf.sd.leaves {
		mt := k.e.MemType(k.p.Buffers[l.buf].Value.Type.DType)
		mem[l.buf] = loadAt(b, mt, pf.leafPtr(b, k, j, i, kk), i64(0))
	}
	x, err := k.prologueCode(b, pf.sd.side, mem, pf.scal)
	if err != nil {
		fail("%v", err)
	}
	return x
}

// vectorAt computes n elements of the operand in b: along the depth from
// (i, kk) when alongDepth, else along the rows.
func (k *gemmKernel) vectorAt(pf *panelFn, b *llir.Block, n int, i, kk value.Value, alongDepth bool) value.Value {
	phs := make([]value.Value, len(pf.sd.leaves))
	vecs := make([]value.Value, len(pf.sd.leaves))
	for j, l := range pf.sd.leaves {
		mt := k.e.MemType(k.p.Buffers[l.buf].Value.Type.DType)
		st, stride := l.view.Row, value.Value(pf.rs[j])
		if alongDepth {
			st, stride = l.view.Col, pf.ds[j]
		}
		phs[j] = placeholder(mt)
		vecs[j] = k.vectorRead(b, l.buf, n, pf.leafPtr(b, k, j, i, kk), st, stride)
	}
	out, err := k.widenCode(b, b, n, phs, vecs, func(sb *llir.Block) ([]value.Value, error) {
		mem := map[int]value.Value{}
		for j, l := range pf.sd.leaves {
			mem[l.buf] = phs[j]
		}
		x, err := k.prologueCode(sb, pf.sd.side, mem, pf.scal)
		return []value.Value{x}, err
	})
	if err != nil {
		fail("%v", err)
	}
	return out[0]
}

// edgeSliver packs the sliver at rows [s0, s0+r), r < W, element by
// element: rows past r read row r-1 (always valid) and store zero.
func (k *gemmKernel) edgeSliver(pf *panelFn, b *llir.Block, d, s0, r value.Value) *llir.Block {
	w := int64(pf.sd.w)
	f := pf.f
	return f.step(b, "ek", i64(0), pf.kb, i64(1), func(b *llir.Block, kk value.Value) *llir.Block {
		return f.step(b, "ei", i64(0), i64(w), i64(1), func(b *llir.Block, i value.Value) *llir.Block {
			row := add(b, s0, smin(b, i, sub(b, r, i64(1))))
			x := k.elemAt(pf, b, row, add(b, pf.k0, kk))
			x = b.NewSelect(b.NewICmp(enum.IPredSLT, i, r), x, constant.NewZeroInitializer(k.et))
			storeAt(b, x, d, add(b, mul(b, kk, i64(w)), i))
			return b
		})
	})
}

// packGeneral packs sliver by sliver, element by element.
func (k *gemmKernel) packGeneral(pf *panelFn, b *llir.Block) *llir.Block {
	w := i64(int64(pf.sd.w))
	return pf.f.step(b, "s", pf.i0, pf.i1, w, func(b *llir.Block, s0 value.Value) *llir.Block {
		d := gep(b, k.et, pf.dst, mul(b, b.NewSDiv(sub(b, s0, pf.i0), w), pf.sstride))
		return k.edgeSliver(pf, b, d, s0, smin(b, w, sub(b, pf.i1, s0)))
	})
}

// packDepthContig packs an operand contiguous along k (32-bit elements)
// sliver by sliver: in each whole sliver, blocks of 8 rows x 8 depths are
// computed as 8 row vectors, transposed in registers and stored as 8
// columns; depths past the last multiple of 8 go one element at a time.
func (k *gemmKernel) packDepthContig(pf *panelFn, b *llir.Block) *llir.Block {
	wn := pf.sd.w
	w := i64(int64(wn))
	f := pf.f
	return f.step(b, "s", pf.i0, pf.i1, w, func(b *llir.Block, s0 value.Value) *llir.Block {
		d := gep(b, k.et, pf.dst, mul(b, b.NewSDiv(sub(b, s0, pf.i0), w), pf.sstride))
		r := smin(b, w, sub(b, pf.i1, s0))
		whole := func(b *llir.Block) *llir.Block {
			kb8 := b.NewAnd(pf.kb, i64(-8))
			blocks := f.step(b, "k8", i64(0), kb8, i64(8), func(b *llir.Block, kk value.Value) *llir.Block {
				for g := 0; g < wn; g += 8 {
					n := min(8, wn-g)
					var rows [8]value.Value
					for j := range rows {
						row := add(b, s0, i64(int64(g+min(j, n-1))))
						rows[j] = k.vectorAt(pf, b, 8, row, add(b, pf.k0, kk), true)
					}
					cols := transpose8(b, rows)
					for t, col := range cols {
						storeLanes(b, col, n, d, add(b, mul(b, add(b, kk, i64(int64(t))), w), i64(int64(g))))
					}
				}
				return b
			})
			return f.step(blocks, "kt", kb8, pf.kb, i64(1), func(b *llir.Block, kk value.Value) *llir.Block {
				return f.step(b, "i", i64(0), w, i64(1), func(b *llir.Block, i value.Value) *llir.Block {
					storeAt(b, k.elemAt(pf, b, add(b, s0, i), add(b, pf.k0, kk)), d, add(b, mul(b, kk, w), i))
					return b
				})
			})
		}
		return f.ifElse(b, b.NewICmp(enum.IPredEQ, r, w), whole, func(b *llir.Block) *llir.Block {
			return k.edgeSliver(pf, b, d, s0, r)
		})
	})
}

// packRowContig packs an operand contiguous along its rows depth by depth:
// each k copies the stored row across every whole sliver in vector pieces,
// then the last, partial sliver element by element with zero padding.
func (k *gemmKernel) packRowContig(pf *panelFn, b *llir.Block) *llir.Block {
	wn := pf.sd.w
	w := i64(int64(wn))
	f := pf.f
	nf := b.NewSDiv(sub(b, pf.i1, pf.i0), w)
	part := sub(b, sub(b, pf.i1, pf.i0), mul(b, nf, w))
	return f.step(b, "k", i64(0), pf.kb, i64(1), func(b *llir.Block, kk value.Value) *llir.Block {
		kabs := add(b, pf.k0, kk)
		b = f.step(b, "s", i64(0), nf, i64(1), func(b *llir.Block, s value.Value) *llir.Block {
			row0 := add(b, pf.i0, mul(b, s, w))
			out := add(b, mul(b, s, pf.sstride), mul(b, kk, w))
			for _, pc := range pieces(0, wn) {
				row := add(b, row0, i64(int64(pc[0])))
				at := add(b, out, i64(int64(pc[0])))
				if pc[1] == 1 {
					storeAt(b, k.elemAt(pf, b, row, kabs), pf.dst, at)
					continue
				}
				vstore(b, k.vectorAt(pf, b, pc[1], row, kabs, false), pf.dst, at)
			}
			return b
		})
		return f.ifThen(b, b.NewICmp(enum.IPredSGT, part, i64(0)), func(b *llir.Block) *llir.Block {
			row0 := add(b, pf.i0, mul(b, nf, w))
			out := add(b, mul(b, nf, pf.sstride), mul(b, kk, w))
			return f.step(b, "pi", i64(0), w, i64(1), func(b *llir.Block, i value.Value) *llir.Block {
				x := k.elemAt(pf, b, add(b, row0, smin(b, i, sub(b, part, i64(1)))), kabs)
				x = b.NewSelect(b.NewICmp(enum.IPredSLT, i, part), x, constant.NewZeroInitializer(k.et))
				storeAt(b, x, pf.dst, add(b, out, i))
				return b
			})
		})
	})
}

// emitPackLaunch emits SYM.pack, the packing launch. Per batch item its
// units are those of A, then those of B (internal/gemm, Plan.PackUnits):
// for an operand packed by depth, one per gemm.PackDepth rows of k, each
// copying those rows of k into every sliver; else one per sliver, over all
// of K. Packed A is [batch][ceil(M/MR)][K][MR], packed B
// [batch][ceil(N/NR)][K][NR]: a K block of a sliver is contiguous.
func (k *gemmKernel) emitPackLaunch() {
	cc := k.newCall(k.sym + ".pack")
	f, b := cc.f, cc.entry
	depth := i64(gemm.PackDepth)
	type opnd struct {
		sd      *gemmSide
		extent  value.Value
		packed  value.Value
		off     value.Value
		units   value.Value
		perItem value.Value
	}
	ops := [2]*opnd{{sd: k.sides[0], extent: cc.m, packed: cc.packedA, off: i64(0)},
		{sd: k.sides[1], extent: cc.n, packed: cc.packedB, off: cc.offB}}
	for _, o := range ops {
		w := i64(int64(o.sd.w))
		var n value.Value
		if o.sd.mode == packRowContig {
			n = ceilDiv(b, cc.kk, depth)
		} else {
			n = ceilDiv(b, o.extent, w)
		}
		o.units = mul(b, n, o.packed)
		o.perItem = mul(b, mul(b, ceilDiv(b, o.extent, w), w), cc.kk)
	}
	per := add(b, ops[0].units, ops[1].units)
	exit := f.step(b, "unit", cc.a.begin, cc.a.end, i64(1), func(b *llir.Block, u value.Value) *llir.Block {
		bi, r := b.NewSDiv(u, per), b.NewSRem(u, per)
		bidx := cc.batchIndex(b, bi)
		pack := func(o *opnd, r value.Value) func(b *llir.Block) *llir.Block {
			return func(b *llir.Block) *llir.Block {
				w := i64(int64(o.sd.w))
				dst := gep(b, k.et, cc.ws, add(b, o.off, mul(b, bi, o.perItem)))
				sstride := mul(b, cc.kk, w)
				args := k.panelArgs(cc, b, o.sd, bidx)
				if o.sd.mode == packRowContig {
					k0 := mul(b, r, depth)
					kb := smin(b, depth, sub(b, cc.kk, k0))
					head := []value.Value{gep(b, k.et, dst, mul(b, k.packedDepth(b, k0), w)), i64(0), o.extent, k0, kb, sstride, cc.a.raw}
					b.NewCall(k.pack[o.sd.side], append(head, args...)...)
					return b
				}
				i0 := mul(b, r, w)
				head := []value.Value{gep(b, k.et, dst, mul(b, r, sstride)), i0, smin(b, o.extent, add(b, i0, w)), i64(0), cc.kk, sstride, cc.a.raw}
				b.NewCall(k.pack[o.sd.side], append(head, args...)...)
				return b
			}
		}
		return f.ifElse(b, b.NewICmp(enum.IPredSLT, r, ops[0].units), pack(ops[0], r), pack(ops[1], sub(b, r, ops[0].units)))
	})
	exit.NewRet(nil)
}
