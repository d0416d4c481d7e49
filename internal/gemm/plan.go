// Package gemm plans one call of a contraction kernel on the CPU: the cache
// blocking (MC x NC tiles of the result, K blocks of depth KC), which operands
// a packing launch packs and which each unit packs for itself, the work units
// of both launches and the layout of the workspace they share. The runtime
// plans every call with it from the bound sizes and its thread count; the
// code generator's tests use it to call kernels the same way.
//
// Nothing here changes a result's bits: every element is one chain of fused
// multiply-adds in k order whatever the blocking (codegen/cpu/RATIONALE.md), so
// the plan may depend on the thread count.
package gemm

// Shape is the size of one call: Batch products of M x K by K x N.
type Shape struct {
	Batch, M, N, K int64
}

// FMAs is the number of multiply-adds of a call.
func (s Shape) FMAs() int64 { return s.Batch * s.M * s.N * s.K }

// Kernel is what the plan needs to know about the compiled kernel: its
// register tile, the size of one accumulator element, and for each operand
// whether the packing launch splits it by depth (PackDepth rows of k per
// unit: an operand stored contiguous along its rows or columns, whose packed
// slivers take a few elements from each stored row) or by slivers (one
// sliver over all of K per unit: an operand stored contiguous in k).
//
// KStep, when above 1, is what the depth of every K block but the last must
// be a multiple of: 2 for a kernel that packs k in pairs (bf16 dot
// products), so that no pair is split between two blocks and the pairs are
// the same whatever the blocking.
type Kernel struct {
	MR, NR   int64
	ElemSize int64 // 4 for f32, 8 for f64
	ByDepth  [2]bool
	KStep    int64
}

// kStep is k's KStep, at least 1.
func (k Kernel) kStep() int64 { return max(1, k.KStep) }

// PackDepth is how many rows of k one unit of the packing launch copies of
// an operand split by depth: 16 whole stored rows, read in long runs.
const PackDepth = 16

// Blocking parameters, for a Zen 4 core (32 KiB L1d, 1 MiB L2, 32 MiB L3
// shared); codegen/cpu/RATIONALE.md gives the measurements behind each.
const (
	// kcMaxBytes bounds the depth of a K block, in bytes of one column of a
	// sliver: 1024 f32 or 512 f64. K up to that depth is not blocked, so each
	// result element is computed in one pass and written once; a B sliver
	// (64 KiB at NR = 16, 256 KiB at NR = 64) streams from L2.
	kcMaxBytes = 1024 * 4
	// mcMax is the most rows of a tile; rows are balanced over the tiles.
	mcMax = 264
	// ncTarget is the preferred number of columns of a tile.
	ncTarget = 128
	// unitsPerThread is the fewest units per thread of a compute launch, so
	// that the atomic counter balances threads that run at different speeds.
	unitsPerThread = 4
	// serialFMAs is the size of call below which one thread runs it all:
	// waking the workers costs microseconds.
	serialFMAs = 1 << 16
)

// Number of the blocking scalars a compute or packing kernel takes after its
// own scalars, and their order.
const (
	ScalarMC      = iota // rows of a tile, a multiple of MR
	ScalarNC             // columns of a tile, a multiple of NR
	ScalarKC             // depth of a K block
	ScalarPackedA        // 1: the packing launch packs A; 0: each unit packs its rows of A
	ScalarPackedB        // the same for B
	ScalarOffB           // element offset of the packed B in the workspace
	ScalarOffC           // element offset of the partial result tiles in the workspace
	NumScalars
)

// Plan is how one call runs.
type Plan struct {
	Shape
	Kernel
	Threads          int
	MC, NC, KC       int64
	PackedA, PackedB bool  // packed once by the packing launch (else per unit)
	RowBlocks        int64 // tiles per column of the result: ceil(M/MC)
	ColBlocks        int64 // tiles per row of the result: ceil(N/NC)
	// Workspace is the number of elements the kernels need; OffB and OffC
	// are where the packed B and the partial tiles start.
	Workspace, OffB, OffC int64
}

func cdiv(a, b int64) int64 { return (a + b - 1) / b }

func roundUp(a, b int64) int64 { return cdiv(a, b) * b }

// New plans a call of kernel k on shape s with the given number of threads.
// A call too small to be worth splitting is planned for one thread.
func New(s Shape, k Kernel, threads int) Plan {
	if threads < 1 || s.FMAs() < serialFMAs {
		threads = 1
	}
	p := Plan{Shape: s, Kernel: k, Threads: threads}
	kcMax := kcMaxBytes / k.ElemSize
	p.KC = roundUp(max(1, cdiv(s.K, max(1, cdiv(s.K, kcMax)))), k.kStep())
	slivM, slivN := max(1, cdiv(s.M, k.MR)), max(1, cdiv(s.N, k.NR))
	p.RowBlocks = cdiv(slivM, max(1, mcMax/k.MR))
	p.MC = cdiv(slivM, p.RowBlocks) * k.MR
	// Column blocks: about ncTarget wide, more when the units would be too
	// few, and a unit count that is a multiple of the thread count.
	per := max(1, s.Batch*p.RowBlocks)
	t := int64(threads)
	ncb := min(slivN, max(cdiv(slivN*k.NR, ncTarget), cdiv(t*unitsPerThread, per)))
	ncb = max(ncb, 1)
	// With whole slivers per block, n blocks asked for are really
	// blocks(n), which may be fewer: take the first n whose real count is
	// at least ncb and makes a multiple of the thread count, else the first
	// whose real count is at least ncb.
	blocks := func(n int64) int64 { return cdiv(slivN, cdiv(slivN, n)) }
	want, first := ncb, int64(0)
	for n := want; n <= slivN; n++ {
		if blocks(n) < want {
			continue
		}
		if first == 0 {
			first = n
		}
		if (per*blocks(n))%t == 0 {
			first = n
			break
		}
	}
	ncb = max(first, 1)
	p.NC = cdiv(slivN, ncb) * k.NR
	p.ColBlocks = max(1, cdiv(s.N, p.NC))
	// An operand whose slivers only one unit reads (B when there is one row
	// of tiles, A when there is one column) is packed by that unit, where the
	// packed data is used while it is in cache; one that several units read
	// is packed once by the packing launch.
	p.PackedA = p.ColBlocks > 1
	p.PackedB = p.RowBlocks > 1
	p.layout()
	return p
}

// layout places the packed operands and the partial tiles in the workspace:
// each region starts on a 64-byte line and 4 KiB plus a line after the
// previous one, so that equal regions are not a power of two apart.
func (p *Plan) layout() {
	units := p.Units()
	var a, b int64
	if p.PackedA {
		a = p.Batch * roundUp(p.M, p.MR) * p.K
	} else {
		a = units * p.MC * p.KC
	}
	if p.PackedB {
		b = p.Batch * roundUp(p.N, p.NR) * p.K
	} else {
		b = units * p.KC * p.NC
	}
	var c int64
	if p.KBlocks() > 1 {
		c = units * p.MC * p.NC
	}
	line := 64 / p.ElemSize
	gap := (4096 + 64) / p.ElemSize
	p.OffB = roundUp(a, line) + gap
	p.OffC = roundUp(p.OffB+b, line) + gap
	p.Workspace = p.OffC + c
}

// KBlocks is the number of K blocks: at least one, so that a contraction
// over an empty axis still writes its (zero) result.
func (p Plan) KBlocks() int64 { return max(1, cdiv(p.K, p.KC)) }

// Units is the number of units of the compute launch: one per tile of one
// batch item, numbered by batch item, then tile row, then tile column.
func (p Plan) Units() int64 {
	if p.M == 0 || p.N == 0 {
		return 0
	}
	return p.Batch * p.RowBlocks * p.ColBlocks
}

// PackUnits is the number of units of the packing launch (0: no launch):
// per batch item, those of A, then those of B.
func (p Plan) PackUnits() int64 {
	return p.Batch * (p.packUnits(0) + p.packUnits(1))
}

// packUnits is the number of units of the packing launch for operand i of
// one batch item.
func (p Plan) packUnits(i int) int64 {
	packed, extent, w := p.PackedA, p.M, p.MR
	if i == 1 {
		packed, extent, w = p.PackedB, p.N, p.NR
	}
	if !packed || p.M == 0 || p.N == 0 || p.K == 0 {
		return 0
	}
	if p.ByDepth[i] {
		return cdiv(p.K, PackDepth)
	}
	return cdiv(extent, w)
}

// Scalars writes the blocking scalars into dst[:NumScalars].
func (p Plan) Scalars(dst []float64) {
	b := func(x bool) float64 {
		if x {
			return 1
		}
		return 0
	}
	dst[ScalarMC], dst[ScalarNC], dst[ScalarKC] = float64(p.MC), float64(p.NC), float64(p.KC)
	dst[ScalarPackedA], dst[ScalarPackedB] = b(p.PackedA), b(p.PackedB)
	dst[ScalarOffB], dst[ScalarOffC] = float64(p.OffB), float64(p.OffC)
}

// Reblock replaces the blocking of p (a multiple of MR rows and of NR
// columns per tile, a multiple of KStep as depth per K block, and where each
// operand is packed)
// and lays the workspace out again: how tests try other blockings, which
// must give the same bits.
func (p *Plan) Reblock(mc, nc, kc int64, packedA, packedB bool) {
	p.MC, p.NC, p.KC = roundUp(max(1, mc), p.MR), roundUp(max(1, nc), p.NR), roundUp(max(1, kc), p.kStep())
	p.RowBlocks = max(1, cdiv(p.M, p.MC))
	p.ColBlocks = max(1, cdiv(p.N, p.NC))
	p.PackedA, p.PackedB = packedA, packedB
	p.layout()
}
