// This file emits the bf16 form of a contraction kernel, for targets that
// multiply bf16 pairs into f32 (codegen.Caps.BF16Dot: AVX512_BF16's
// vdpbf16ps) when both operands of the dot are bf16 and its result is f32,
// as the precision pass makes them (passes/RATIONALE_precision.md). The
// packers store k in pairs: the bf16 values at depths k and k+1 (k even) of
// one row of A (one column of B) in one 32-bit lane, k in the low half, and
// +0 for the missing half of the last pair of an odd depth. The
// micro-kernel's step is one pair: a broadcast pair of A, NV vectors of
// pairs of B and MR*NV calls of llvm.x86.avx512bf16.dpbf16ps.512, which
// adds both products of each lane's pair to its f32 accumulator. Blocking,
// launches, the starting tile, partial sums between K blocks and the
// epilogue are the f32 kernel's (gemm.go, gemm_micro.go): a packed sliver of
// a K block holds ceil(kb/2) rows of pairs where the f32 kernel has kb rows
// of elements, at the same place in the workspace.
package cpu

import (
	"dlc.dev/dlc/ir"

	llir "github.com/llir/llvm/ir"
	"github.com/llir/llvm/ir/constant"
	"github.com/llir/llvm/ir/enum"
	"github.com/llir/llvm/ir/types"
	"github.com/llir/llvm/ir/value"
)

// dpbf16 is the LLVM intrinsic of vdpbf16ps on 512-bit vectors: LLVM 14
// selects the instruction for it when the function's target has
// avx512bf16.
const dpbf16 = "llvm.x86.avx512bf16.dpbf16ps.512"

// usePairs reports whether the kernel multiplies bf16 pairs: the target
// has BF16Dot (with 512-bit vectors, the intrinsic's width), the result is
// f32, and both operands are bf16. Otherwise 16-bit operands are widened to
// f32 while they are packed (gemm_pack.go, exact) and multiplied with fmas.
func (k *gemmKernel) usePairs() bool {
	return k.t.Caps.BF16Dot && k.t.Caps.VectorBits >= 512 && k.c.Dot.Type.DType == ir.F32 &&
		k.c.Operands[0].Value.Type.DType == ir.BF16 && k.c.Operands[1].Value.Type.DType == ir.BF16
}

// kStep is what the depth of each K block but the last must be a multiple
// of, so that no pair straddles two blocks (internal/gemm, Kernel.KStep).
func (k *gemmKernel) kStep() int64 {
	if k.pairs {
		return 2
	}
	return 1
}

// packedDepth is the row of a packed sliver where depth x starts (x even
// when the kernel packs pairs).
func (k *gemmKernel) packedDepth(b *llir.Block, x value.Value) value.Value {
	if !k.pairs {
		return x
	}
	return b.NewSDiv(x, i64(2))
}

// pairType is a vector of n pairs, as the micro-kernel and the packers
// hold them.
func pairType(n int) *types.VectorType { return types.NewVector(uint64(n), types.I32) }

// i32Like is the i32 constant c, splatted when t is a vector type.
func i32Like(t types.Type, c int64) constant.Constant {
	x := constant.NewInt(types.I32, c)
	vt, ok := t.(*types.VectorType)
	if !ok {
		return x
	}
	elems := make([]constant.Constant, vt.Len)
	for i := range elems {
		elems[i] = x
	}
	return constant.NewVector(types.NewVector(vt.Len, types.I32), elems...)
}

// bf16Half rounds x (a float, or a vector of floats) to bf16 as storing it
// would (elemental's floatToBF16: to nearest even, a NaN made quiet) and
// returns the bits in the low half of i32 lanes, the high half zero. An
// operand value that is bf16 already (a load, a cast) keeps its bits.
func bf16Half(b *llir.Block, x value.Value) value.Value {
	it := types.Type(types.I32)
	if vt, ok := x.Type().(*types.VectorType); ok {
		it = pairType(int(vt.Len))
	}
	bits := b.NewBitCast(x, it)
	hi := b.NewLShr(bits, i32Like(it, 16))
	bias := b.NewAdd(b.NewAnd(hi, i32Like(it, 1)), i32Like(it, 0x7fff))
	rounded := b.NewLShr(b.NewAdd(bits, bias), i32Like(it, 16))
	quiet := b.NewOr(hi, i32Like(it, 0x40))
	return b.NewSelect(b.NewFCmp(enum.FPredUNO, x, x), quiet, rounded)
}

// pairOf is the pair of the bf16 halves lo (depth k) and hi (depth k+1).
func pairOf(b *llir.Block, lo, hi value.Value) value.Value {
	return b.NewOr(lo, b.NewShl(hi, i32Like(hi.Type(), 16)))
}

// pairsAlongDepth turns 2n consecutive depths of one row (a vector of
// floats) into its n pairs.
func pairsAlongDepth(b *llir.Block, x value.Value) value.Value {
	h := bf16Half(b, x)
	n := int(x.Type().(*types.VectorType).Len) / 2
	even, odd := make([]int, n), make([]int, n)
	for i := range even {
		even[i], odd[i] = 2*i, 2*i+1
	}
	undef := constant.NewUndef(h.Type())
	return pairOf(b, b.NewShuffleVector(h, undef, shuffleMask(even...)), b.NewShuffleVector(h, undef, shuffleMask(odd...)))
}

// pairLoops emits the k loop of the micro-kernel from pre over ceil(kb/2)
// pairs, microUnroll per iteration and the rest one at a time, and returns
// the block after it with the accumulators.
func (k *gemmKernel) pairLoops(m *microFn, pre *llir.Block, acc []value.Value) (*llir.Block, []value.Value) {
	ip := types.NewPointer(types.I32)
	pa, pb := pre.NewBitCast(m.a, ip), pre.NewBitCast(m.b, ip)
	pairs := numPairs(pre, m.kb)
	u := int64(microUnroll)
	nmain := pre.NewSDiv(pairs, i64(u))
	st := k.pairStep()
	after, acc, qa, qb := k.kloop(m.f, pre, "pm", nmain, int(u), acc, pa, pb, st)
	rem := sub(after, pairs, mul(after, nmain, i64(u)))
	done, acc, _, _ := k.kloop(m.f, after, "pr", rem, 1, acc, qa, qb, st)
	return done, acc
}

// pairStep is kloop's step (gemm_micro.go) over pairs: each step loads NV
// vectors of B's pairs, broadcasts each row's pair of A and adds both
// products of every lane to its accumulator with vdpbf16ps.
func (k *gemmKernel) pairStep() kstep {
	pt := pairType(k.vw)
	dp := k.e.Intrinsic(dpbf16, k.vt, k.vt, pt, pt)
	return kstep{elem: types.I32, vec: pt, update: func(blk *llir.Block, a, b, c value.Value) value.Value {
		return blk.NewCall(dp, c, a, b)
	}}
}

// packPairs packs the panel of pf in pairs (the panel packer's body for a
// kernel that packs pairs): sliver s at dst + s*sstride (in 32-bit units,
// as the f32 kernel's), pair p of row r at [p*W + r].
func (k *gemmKernel) packPairs(pf *panelFn, b *llir.Block) *llir.Block {
	dst := b.NewBitCast(pf.dst, types.NewPointer(types.I32))
	switch pf.sd.mode {
	case packDepthContig:
		return k.pairsByDepth(pf, b, dst)
	case packRowContig:
		return k.pairsByRows(pf, b, dst)
	}
	w := i64(int64(pf.sd.w))
	return pf.f.step(b, "s", pf.i0, pf.i1, w, func(b *llir.Block, s0 value.Value) *llir.Block {
		d := gep(b, types.I32, dst, mul(b, b.NewSDiv(sub(b, s0, pf.i0), w), pf.sstride))
		return k.edgePairs(pf, b, d, s0, smin(b, w, sub(b, pf.i1, s0)), i64(0))
	})
}

// numPairs is ceil(kb/2), the pairs of a panel of depth kb.
func numPairs(b *llir.Block, kb value.Value) value.Value {
	return b.NewSDiv(b.NewAdd(kb, i64(1)), i64(2))
}

// pairAt computes the pair at row i and depths k0+2p, k0+2p+1 of the
// panel, the second +0 past the panel's depth (whose address is clamped
// into the panel, so nothing past the operand is read).
func (k *gemmKernel) pairAt(pf *panelFn, b *llir.Block, i, p value.Value) value.Value {
	k0 := add(b, pf.k0, mul(b, p, i64(2)))
	has1 := b.NewICmp(enum.IPredSLT, add(b, mul(b, p, i64(2)), i64(1)), pf.kb)
	k1 := b.NewSelect(has1, add(b, k0, i64(1)), k0)
	lo := bf16Half(b, k.elemAt(pf, b, i, k0))
	hi := b.NewSelect(has1, bf16Half(b, k.elemAt(pf, b, i, k1)), i32Like(types.I32, 0))
	return pairOf(b, lo, hi)
}

// edgePairs packs pairs [p0, ceil(kb/2)) of the sliver at rows [s0, s0+r)
// to d one pair at a time; rows past r read row r-1 and store zero.
func (k *gemmKernel) edgePairs(pf *panelFn, b *llir.Block, d, s0, r, p0 value.Value) *llir.Block {
	w := int64(pf.sd.w)
	f := pf.f
	return f.step(b, "ep", p0, numPairs(b, pf.kb), i64(1), func(b *llir.Block, p value.Value) *llir.Block {
		return f.step(b, "ei", i64(0), i64(w), i64(1), func(b *llir.Block, i value.Value) *llir.Block {
			x := k.pairAt(pf, b, add(b, s0, smin(b, i, sub(b, r, i64(1)))), p)
			x = b.NewSelect(b.NewICmp(enum.IPredSLT, i, r), x, i32Like(types.I32, 0))
			storeAt(b, x, d, add(b, mul(b, p, i64(w)), i))
			return b
		})
	})
}

// pairsByDepth packs an operand contiguous along k sliver by sliver: in a
// whole sliver, blocks of 8 rows x 16 depths are read as 8 row vectors,
// turned into 8 pairs each, transposed in registers and stored as 8 rows of
// pairs; the pairs past the last multiple of 16 depths go one at a time.
func (k *gemmKernel) pairsByDepth(pf *panelFn, b *llir.Block, dst value.Value) *llir.Block {
	wn := pf.sd.w
	w := i64(int64(wn))
	f := pf.f
	return f.step(b, "s", pf.i0, pf.i1, w, func(b *llir.Block, s0 value.Value) *llir.Block {
		d := gep(b, types.I32, dst, mul(b, b.NewSDiv(sub(b, s0, pf.i0), w), pf.sstride))
		r := smin(b, w, sub(b, pf.i1, s0))
		whole := func(b *llir.Block) *llir.Block {
			kb16 := b.NewAnd(pf.kb, i64(-16))
			blocks := f.step(b, "k16", i64(0), kb16, i64(16), func(b *llir.Block, kk value.Value) *llir.Block {
				p := b.NewSDiv(kk, i64(2))
				for g := 0; g < wn; g += 8 {
					n := min(8, wn-g)
					var rows [8]value.Value
					for j := range rows {
						row := add(b, s0, i64(int64(g+min(j, n-1))))
						rows[j] = pairsAlongDepth(b, k.vectorAt(pf, b, 16, row, add(b, pf.k0, kk), true))
					}
					for t, col := range transpose8(b, rows) {
						storeLanes(b, col, n, d, add(b, mul(b, add(b, p, i64(int64(t))), w), i64(int64(g))))
					}
				}
				return b
			})
			return k.edgePairs(pf, blocks, d, s0, w, blocks.NewSDiv(kb16, i64(2)))
		}
		return f.ifElse(b, b.NewICmp(enum.IPredEQ, r, w), whole, func(b *llir.Block) *llir.Block {
			return k.edgePairs(pf, b, d, s0, r, i64(0))
		})
	})
}

// pairsByRows packs an operand contiguous along its rows pair by pair: the
// two stored rows of depths k and k+1 are read across every whole sliver
// in vector pieces and interleaved into pairs, then the last, partial
// sliver one pair at a time with zero padding.
func (k *gemmKernel) pairsByRows(pf *panelFn, b *llir.Block, dst value.Value) *llir.Block {
	wn := pf.sd.w
	w := i64(int64(wn))
	f := pf.f
	nf := b.NewSDiv(sub(b, pf.i1, pf.i0), w)
	part := sub(b, sub(b, pf.i1, pf.i0), mul(b, nf, w))
	return f.step(b, "p", i64(0), numPairs(b, pf.kb), i64(1), func(b *llir.Block, p value.Value) *llir.Block {
		k0 := add(b, pf.k0, mul(b, p, i64(2)))
		has1 := b.NewICmp(enum.IPredSLT, add(b, mul(b, p, i64(2)), i64(1)), pf.kb)
		k1 := b.NewSelect(has1, add(b, k0, i64(1)), k0)
		b = f.step(b, "s", i64(0), nf, i64(1), func(b *llir.Block, s value.Value) *llir.Block {
			row0 := add(b, pf.i0, mul(b, s, w))
			out := add(b, mul(b, s, pf.sstride), mul(b, p, w))
			for _, pc := range pieces(0, wn) {
				row := add(b, row0, i64(int64(pc[0])))
				at := add(b, out, i64(int64(pc[0])))
				if pc[1] == 1 {
					storeAt(b, k.pairAt(pf, b, row, p), dst, at)
					continue
				}
				lo := bf16Half(b, k.vectorAt(pf, b, pc[1], row, k0, false))
				hi := bf16Half(b, k.vectorAt(pf, b, pc[1], row, k1, false))
				hi = b.NewSelect(has1, hi, constant.NewZeroInitializer(hi.Type()))
				vstore(b, pairOf(b, lo, hi), dst, at)
			}
			return b
		})
		return f.ifThen(b, b.NewICmp(enum.IPredSGT, part, i64(0)), func(b *llir.Block) *llir.Block {
			row0 := add(b, pf.i0, mul(b, nf, w))
			out := add(b, mul(b, nf, pf.sstride), mul(b, p, w))
			return f.step(b, "pi", i64(0), w, i64(1), func(b *llir.Block, i value.Value) *llir.Block {
				x := k.pairAt(pf, b, add(b, row0, smin(b, i, sub(b, part, i64(1)))), p)
				x = b.NewSelect(b.NewICmp(enum.IPredSLT, i, part), x, i32Like(types.I32, 0))
				storeAt(b, x, dst, add(b, out, i))
				return b
			})
		})
	})
}
