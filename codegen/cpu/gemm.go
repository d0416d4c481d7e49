// This file emits a contraction kernel: a BLIS-style packed matrix product
// (RATIONALE.md, "Contraction kernels"). Each kernel has two exported entry
// points with the runtime's ABI and three internal functions:
//
//	SYM       the compute launch: units are MC x NC tiles of one batch item
//	          of the result; a unit computes its tile over all of K
//	SYM.pack  the packing launch: packs an operand that several units read
//	          once, before SYM (which operands, the plan of the call says)
//	SYM.micro the register-blocked micro-kernel: an MR x NR tile of the
//	          result in vector registers, with the fused epilogue
//	SYM.packA, SYM.packB  pack rows of one operand, with its fused prologue
//
// Sizes, tile sizes and what is packed where are run-time scalars
// (internal/gemm plans them per call), so one object serves every shape.
package cpu

import (
	"fmt"

	"dlc.dev/dlc/artifact"
	"dlc.dev/dlc/codegen"
	"dlc.dev/dlc/codegen/elemental"
	"dlc.dev/dlc/codegen/plan"
	"dlc.dev/dlc/internal/gemm"
	"dlc.dev/dlc/ir"

	llir "github.com/llir/llvm/ir"
	"github.com/llir/llvm/ir/constant"
	"github.com/llir/llvm/ir/enum"
	"github.com/llir/llvm/ir/types"
	"github.com/llir/llvm/ir/value"
)

// gemmKernel is one contraction kernel being emitted.
type gemmKernel struct {
	e   *elemental.Elemental
	mod *llir.Module
	p   *plan.Kernel
	c   *plan.Contraction
	t   codegen.Target
	sym string

	et     types.Type        // the element type of the accumulation: float or double
	vt     *types.VectorType // one accumulator: VW elements
	vw, mr int               // lanes per vector, rows of the register tile
	nv     int               // vectors per row of the register tile
	fma    bool              // accumulate with llvm.fma (else fmul and fadd)
	pairs  bool              // bf16 operands packed in pairs along k, multiplied with vdpbf16ps (gemm_bf16.go)

	sides [2]*gemmSide
	// epi are the buffers the epilogue reads or the kernel writes, each with
	// its view at an index of the result; written are the written ones.
	epi     []gemmLeaf
	written []int

	micro *llir.Func
	pack  [2]*llir.Func // the panel packers of A and B
}

// nr is the number of columns of the register tile.
func (k *gemmKernel) nr() int { return k.vw * k.nv }

// gemmLeaf is a buffer one side of the kernel reads (or the epilogue writes),
// and how it is addressed there.
type gemmLeaf struct {
	buf  int
	view plan.View
}

// packMode is how a packer walks an operand, chosen from how it is stored.
type packMode uint8

const (
	// packByDepth: contiguous along k (A, or B transposed): slivers are
	// packed one by one, 8 x 8 blocks transposed in registers.
	packDepthContig packMode = iota
	// packRowContig: contiguous along the sliver's rows (A transposed, or
	// B): each k copies whole stored rows into every sliver.
	packRowContig
	// packGeneral: neither; one element at a time.
	packGeneral
)

// gemmSide is one operand of the kernel's dot: the buffers its packer reads.
type gemmSide struct {
	side   int
	w      int // sliver width: MR for A, NR for B
	leaves []gemmLeaf
	mode   packMode
}

// gemmTile is the register tile of a contraction in dtype d on target t:
// 6 rows of 2 vectors (4 on AVX-512, which has 32 registers): 12 (24)
// accumulators, 2 (4) vectors of B and one broadcast of A.
func gemmTile(t codegen.Target, d ir.DType) (vw, mr, nv int) {
	bits := max(128, t.Caps.VectorBits)
	vw = bits / (8 * d.Size())
	nv = 2
	if bits >= 512 {
		nv = 4
	}
	return vw, 6, nv
}

// emitContraction emits contraction kernel p and returns its entry.
func emitContraction(e *elemental.Elemental, mod *llir.Module, p *plan.Kernel, t codegen.Target) (entry artifact.Entry, err error) {
	defer catch(&err)
	c := p.Contraction
	if c == nil {
		return entry, fmt.Errorf("contraction kernel without a contraction plan (compiler bug)")
	}
	k := &gemmKernel{e: e, mod: mod, p: p, c: c, t: t, sym: Symbol(p.Fn.Name, p.Group), fma: t.Caps.FMA}
	d := c.Dot.Type.DType
	k.et = elemental.RegType(d)
	k.vw, k.mr, k.nv = gemmTile(t, d)
	k.vt = types.NewVector(uint64(k.vw), k.et)
	if err := k.classify(); err != nil {
		return entry, err
	}
	k.pairs = k.usePairs()
	k.micro = k.emitMicro()
	for s := range k.sides {
		k.pack[s] = k.emitPanel(k.sides[s])
	}
	k.emitCompute()
	k.emitPackLaunch()
	tile := []int64{int64(k.mr), int64(k.nr())}
	byDepth := []bool{k.sides[0].mode == packRowContig, k.sides[1].mode == packRowContig}
	return artifact.Entry{Function: p.Fn.Name, Kernel: p.Group, Symbol: k.sym, ABI: artifact.ABIChunk,
		Pack: k.sym + ".pack", Tile: tile, PackByDepth: byDepth, KStep: k.kStep()}, nil
}

// classify works out which buffers each side reads, how, and how each
// operand is packed.
func (k *gemmKernel) classify() error {
	p := k.p
	for s := 0; s < 2; s++ {
		sd := &gemmSide{side: s, w: k.mr}
		if s == plan.SideRight {
			sd.w = k.nr()
		}
		for i, b := range p.Buffers {
			if b.Ref.Writes || !p.Reads(s, b.Value) {
				continue
			}
			v, err := p.View(i, s)
			if err != nil {
				return err
			}
			sd.leaves = append(sd.leaves, gemmLeaf{buf: i, view: v})
		}
		if len(sd.leaves) == 0 && len(k.c.Operands[s].Prologue) == 0 {
			return fmt.Errorf("operand %d of %s reads no buffer (compiler bug)", s, ir.Ref(k.c.Dot))
		}
		sd.mode = k.packMode(sd)
		k.sides[s] = sd
	}
	for i, b := range p.Buffers {
		switch {
		case b.Ref.Writes:
			k.written = append(k.written, i)
		case !p.Reads(plan.SideEpilogue, b.Value):
			continue
		}
		v, err := p.View(i, plan.SideEpilogue)
		if err != nil {
			return err
		}
		if !v.Col.Zero && len(v.Col.Dims) != 0 {
			return fmt.Errorf("%s: the epilogue reads it with a stride along the columns (compiler bug)", ir.Ref(b.Value))
		}
		k.epi = append(k.epi, gemmLeaf{buf: i, view: v})
	}
	if len(k.written) == 0 {
		return fmt.Errorf("the contraction kernel writes nothing (compiler bug)")
	}
	return nil
}

// packMode chooses how a side is packed: along the direction in which the
// buffers it reads are contiguous (each either contiguous or broadcast that
// way). The 8 x 8 transposes of packDepthContig are for 32-bit elements.
func (k *gemmKernel) packMode(sd *gemmSide) packMode {
	unit := func(st plan.Stride) bool { return !st.Zero && len(st.Dims) == 0 }
	depth, rows := 0, 0
	for _, l := range sd.leaves {
		switch {
		case unit(l.view.Col) && (l.view.Row.Zero || !unit(l.view.Row)):
			depth++
		case unit(l.view.Row) && (l.view.Col.Zero || !unit(l.view.Col)):
			rows++
		}
	}
	okDepth, okRows := true, true
	for _, l := range sd.leaves {
		okDepth = okDepth && (unit(l.view.Col) || l.view.Col.Zero)
		okRows = okRows && (unit(l.view.Row) || l.view.Row.Zero)
	}
	switch {
	case okDepth && depth > 0 && depth >= rows && k.et == types.Float:
		return packDepthContig
	case okRows && rows > 0:
		return packRowContig
	}
	return packGeneral
}

// callCtx is what an exported entry point of the kernel knows once it has
// unpacked its arguments: buffers, scalars, sizes, strides, blocking.
type callCtx struct {
	a     *abiFunc
	f     *fnb
	entry *llir.Block
	dims  map[string]value.Value
	// Batch, M, N and K sizes; the size of each batch axis.
	batch, m, n, kk value.Value
	bsizes          []value.Value
	// blocking scalars (internal/gemm)
	mc, nc, kc, packedA, packedB, offB, offC value.Value
	ws                                       value.Value // the workspace, as accumulator elements
}

// newCall declares exported function name with the runtime's ABI and
// unpacks everything a contraction entry point needs in its entry block.
func (k *gemmKernel) newCall(name string) *callCtx {
	a := newABIFunc(k.e, k.mod, k.p, name, k.t)
	cc := &callCtx{a: a, f: &fnb{fn: a.fn}, entry: a.entry, dims: map[string]value.Value{}}
	b := a.entry
	for j, d := range k.p.Dims {
		cc.dims[d] = a.scalars[len(k.p.Scalars)+j]
	}
	cc.batch = cc.product(b, k.c.Batch)
	cc.m, cc.n, cc.kk = cc.product(b, k.c.M), cc.product(b, k.c.N), cc.product(b, k.c.K)
	for _, d := range k.c.Batch {
		cc.bsizes = append(cc.bsizes, cc.dim(d))
	}
	base := len(k.p.Scalars) + len(k.p.Dims)
	blk := func(j int) value.Value {
		slot := b.NewGetElementPtr(types.Double, a.raw, i64(int64(base+j)))
		slot.InBounds = true
		return b.NewFPToSI(b.NewLoad(types.Double, slot), types.I64)
	}
	cc.mc, cc.nc, cc.kc = blk(gemm.ScalarMC), blk(gemm.ScalarNC), blk(gemm.ScalarKC)
	cc.packedA, cc.packedB = blk(gemm.ScalarPackedA), blk(gemm.ScalarPackedB)
	cc.offB, cc.offC = blk(gemm.ScalarOffB), blk(gemm.ScalarOffC)
	i8p := types.NewPointer(types.I8)
	slot := b.NewGetElementPtr(i8p, a.bufs, i64(int64(len(k.p.Buffers))))
	slot.InBounds = true
	cc.ws = b.NewBitCast(b.NewLoad(i8p, slot), types.NewPointer(k.et))
	return cc
}

// dim is the size of d as an i64.
func (cc *callCtx) dim(d ir.Dim) value.Value {
	if !d.IsSym() {
		return i64(d.N)
	}
	x, ok := cc.dims[d.Sym]
	if !ok {
		fail("dimension %s is not an argument of the kernel (compiler bug)", d.Sym)
	}
	return x
}

// product multiplies the sizes of s in b (1 for an empty shape).
func (cc *callCtx) product(b *llir.Block, s ir.Shape) value.Value {
	var x value.Value = i64(1)
	for i, d := range s {
		if i == 0 {
			x = cc.dim(d)
			continue
		}
		x = b.NewMul(x, cc.dim(d))
	}
	return x
}

// stride is the value of a stride in b.
func (cc *callCtx) stride(b *llir.Block, st plan.Stride) value.Value {
	if st.Zero {
		return i64(0)
	}
	return cc.product(b, st.Dims)
}

// batchIndex splits batch item bi into its index along each batch axis.
func (cc *callCtx) batchIndex(b *llir.Block, bi value.Value) []value.Value {
	idx := make([]value.Value, len(cc.bsizes))
	rest := bi
	for t := len(cc.bsizes) - 1; t >= 0; t-- {
		if t == 0 {
			idx[t] = rest
			break
		}
		idx[t] = b.NewSRem(rest, cc.bsizes[t])
		rest = b.NewSDiv(rest, cc.bsizes[t])
	}
	return idx
}

// base is the pointer to buffer l's element at index bidx of the batch axes.
func (k *gemmKernel) base(cc *callCtx, b *llir.Block, l gemmLeaf, bidx []value.Value) value.Value {
	mt := k.e.MemType(k.p.Buffers[l.buf].Value.Type.DType)
	var off value.Value = i64(0)
	for t, st := range l.view.Batch {
		if st.Zero {
			continue
		}
		off = add(b, off, mul(b, bidx[t], cc.stride(b, st)))
	}
	return rawGep(b, mt, cc.a.ptrs[l.buf], off)
}

// panelArgs are the leaf arguments of a side's packer for batch index bidx:
// each buffer's base, row stride and depth stride.
func (k *gemmKernel) panelArgs(cc *callCtx, b *llir.Block, sd *gemmSide, bidx []value.Value) []value.Value {
	var args []value.Value
	for _, l := range sd.leaves {
		args = append(args, k.base(cc, b, l, bidx), cc.stride(b, l.view.Row), cc.stride(b, l.view.Col))
	}
	return args
}

// emitCompute emits SYM, the compute launch. A unit is the MC x NC tile
// (rb, cb) of batch item bi, u = (bi*rowBlocks + rb)*colBlocks + cb, and
// does, for each K block [pc, pc+kb):
//
//	pack A rows [m0, m1) and B columns [n0, n1) of the block, unless packed
//	for jr in [n0, n1) step NR:          (a B sliver stays in L1)
//	    for ir in [m0, m1) step MR:      (the A block stays in L2)
//	        micro(A sliver, B sliver, the tile at (ir, jr))
//
// Per-unit packs go to the unit's own regions of the workspace (units carry
// no thread index, and chunks may run on any thread), as do the partial
// sums of a tile between K blocks.
func (k *gemmKernel) emitCompute() {
	cc := k.newCall(k.sym)
	f, b := cc.f, cc.entry
	mr, nr := i64(int64(k.mr)), i64(int64(k.nr()))
	i8p := types.NewPointer(types.I8)
	eptr := b.NewAlloca(types.NewArray(uint64(max(1, len(k.epi)*k.mr)), i8p))
	eptr.Align = 16
	eptr0 := b.NewBitCast(eptr, types.NewPointer(i8p))
	nrb, ncb := ceilDiv(b, cc.m, cc.mc), ceilDiv(b, cc.n, cc.nc)
	perItem := mul(b, nrb, ncb)
	apItem := mul(b, mul(b, ceilDiv(b, cc.m, mr), mr), cc.kk) // packed A per batch item
	bpItem := mul(b, mul(b, ceilDiv(b, cc.n, nr), nr), cc.kk)
	nkb := smax(b, i64(1), ceilDiv(b, cc.kk, cc.kc))
	isPackedA := b.NewICmp(enum.IPredNE, cc.packedA, i64(0))
	isPackedB := b.NewICmp(enum.IPredNE, cc.packedB, i64(0))
	rowStr := make([]value.Value, len(k.epi))
	colUnit := make([]bool, len(k.epi))
	for x, l := range k.epi {
		rowStr[x] = cc.stride(b, l.view.Row)
		colUnit[x] = !l.view.Col.Zero
	}
	exit := f.step(b, "unit", cc.a.begin, cc.a.end, i64(1), func(b *llir.Block, u value.Value) *llir.Block {
		bi, rem := b.NewSDiv(u, perItem), b.NewSRem(u, perItem)
		rb, cb := b.NewSDiv(rem, ncb), b.NewSRem(rem, ncb)
		m0, n0 := mul(b, rb, cc.mc), mul(b, cb, cc.nc)
		m1, n1 := smin(b, cc.m, add(b, m0, cc.mc)), smin(b, cc.n, add(b, n0, cc.nc))
		bidx := cc.batchIndex(b, bi)
		argsA, argsB := k.panelArgs(cc, b, k.sides[0], bidx), k.panelArgs(cc, b, k.sides[1], bidx)
		ebase := make([]value.Value, len(k.epi))
		for x, l := range k.epi {
			ebase[x] = k.base(cc, b, l, bidx)
		}
		aReg := gep(b, k.et, cc.ws, mul(b, u, mul(b, cc.mc, cc.kc)))
		bReg := gep(b, k.et, cc.ws, add(b, cc.offB, mul(b, u, mul(b, cc.kc, cc.nc))))
		cReg := rawGep(b, k.et, cc.ws, add(b, cc.offC, mul(b, u, mul(b, cc.mc, cc.nc))))
		apB := gep(b, k.et, cc.ws, mul(b, bi, apItem))
		bpB := gep(b, k.et, cc.ws, add(b, cc.offB, mul(b, bi, bpItem)))
		return f.step(b, "kblock", i64(0), nkb, i64(1), func(b *llir.Block, kbi value.Value) *llir.Block {
			pc := mul(b, kbi, cc.kc)
			kb := smax(b, i64(0), smin(b, cc.kc, sub(b, cc.kk, pc)))
			first := b.NewICmp(enum.IPredEQ, kbi, i64(0))
			last := b.NewICmp(enum.IPredEQ, add(b, kbi, i64(1)), nkb)
			b = f.ifThen(b, b.NewXor(isPackedA, constant.True), func(b *llir.Block) *llir.Block {
				args := append([]value.Value{aReg, m0, m1, pc, kb, mul(b, kb, mr), cc.a.raw}, argsA...)
				b.NewCall(k.pack[0], args...)
				return b
			})
			b = f.ifThen(b, b.NewXor(isPackedB, constant.True), func(b *llir.Block) *llir.Block {
				args := append([]value.Value{bReg, n0, n1, pc, kb, mul(b, kb, nr), cc.a.raw}, argsB...)
				b.NewCall(k.pack[1], args...)
				return b
			})
			return f.step(b, "jr", n0, n1, nr, func(b *llir.Block, jr value.Value) *llir.Block {
				cols := smin(b, nr, sub(b, n1, jr))
				bLaunch := gep(b, k.et, bpB, add(b, mul(b, b.NewSDiv(jr, nr), mul(b, cc.kk, nr)), mul(b, k.packedDepth(b, pc), nr)))
				bUnit := gep(b, k.et, bReg, mul(b, b.NewSDiv(sub(b, jr, n0), nr), mul(b, kb, nr)))
				bs := b.NewSelect(isPackedB, bLaunch, bUnit)
				return f.step(b, "ir", m0, m1, mr, func(b *llir.Block, ir_ value.Value) *llir.Block {
					rows := smin(b, mr, sub(b, m1, ir_))
					aLaunch := gep(b, k.et, apB, add(b, mul(b, b.NewSDiv(ir_, mr), mul(b, cc.kk, mr)), mul(b, k.packedDepth(b, pc), mr)))
					aUnit := gep(b, k.et, aReg, mul(b, b.NewSDiv(sub(b, ir_, m0), mr), mul(b, kb, mr)))
					as := b.NewSelect(isPackedA, aLaunch, aUnit)
					part := rawGep(b, k.et, cReg, add(b, mul(b, sub(b, ir_, m0), cc.nc), sub(b, jr, n0)))
					for x, l := range k.epi {
						mt := k.e.MemType(k.p.Buffers[l.buf].Value.Type.DType)
						var col value.Value = i64(0)
						if colUnit[x] {
							col = jr
						}
						for r := 0; r < k.mr; r++ {
							off := add(b, mul(b, add(b, ir_, i64(int64(r))), rowStr[x]), col)
							q := b.NewBitCast(rawGep(b, mt, ebase[x], off), i8p)
							b.NewStore(q, b.NewGetElementPtr(i8p, eptr0, i64(int64(x*k.mr+r))))
						}
					}
					b.NewCall(k.micro, as, bs, kb, part, cc.nc, rows, cols, first, last, eptr0, cc.a.raw)
					return b
				})
			})
		})
	})
	exit.NewRet(nil)
}
