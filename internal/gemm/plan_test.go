// This file checks the invariants of a call's plan over many shapes: tiles
// cover the result in whole slivers, K blocks cover K, there are units
// enough for the threads, and the workspace regions are disjoint and large enough.
package gemm

import "testing"

func TestPlanInvariants(t *testing.T) {
	kernels := []Kernel{
		{MR: 6, NR: 16, ElemSize: 4},
		{MR: 6, NR: 64, ElemSize: 4, ByDepth: [2]bool{true, false}},
		{MR: 6, NR: 8, ElemSize: 8, ByDepth: [2]bool{false, true}},
		{MR: 6, NR: 64, ElemSize: 4, ByDepth: [2]bool{false, true}, KStep: 2},
	}
	var shapes []Shape
	for _, b := range []int64{1, 3, 16} {
		for _, m := range []int64{0, 1, 7, 256, 1031} {
			for _, n := range []int64{1, 17, 1000, 1024} {
				for _, k := range []int64{0, 1, 64, 1024, 1025, 3000, 3001} {
					shapes = append(shapes, Shape{Batch: b, M: m, N: n, K: k})
				}
			}
		}
	}
	for _, kn := range kernels {
		for _, s := range shapes {
			for _, threads := range []int{1, 2, 3, 8} {
				checkPlan(t, New(s, kn, threads))
			}
		}
	}
}

func checkPlan(t *testing.T, p Plan) {
	t.Helper()
	fail := func(format string, args ...any) {
		t.Helper()
		t.Fatalf("shape %+v, tile %dx%d, %d threads: "+format, append([]any{p.Shape, p.MR, p.NR, p.Threads}, args...)...)
	}
	if p.MC <= 0 || p.MC%p.MR != 0 || p.NC <= 0 || p.NC%p.NR != 0 {
		fail("tile %d x %d is not whole slivers", p.MC, p.NC)
	}
	if p.RowBlocks*p.MC < p.M || (p.RowBlocks-1)*p.MC >= max(p.M, 1) {
		fail("%d row blocks of %d rows for M = %d", p.RowBlocks, p.MC, p.M)
	}
	if p.ColBlocks*p.NC < p.N || (p.ColBlocks-1)*p.NC >= p.N {
		fail("%d column blocks of %d columns for N = %d", p.ColBlocks, p.NC, p.N)
	}
	if p.KC < 1 || p.KBlocks()*p.KC < p.K || p.KC*p.ElemSize > kcMaxBytes {
		fail("K blocks of %d for K = %d", p.KC, p.K)
	}
	if p.KC%p.kStep() != 0 {
		fail("K blocks of %d, not a multiple of %d", p.KC, p.kStep())
	}
	if p.M > 0 && p.Units() != p.Batch*p.RowBlocks*p.ColBlocks {
		fail("%d units", p.Units())
	}
	if p.FMAs() < serialFMAs && p.Threads != 1 {
		fail("a call of %d multiply-adds is split", p.FMAs())
	}
	// Several threads get at least unitsPerThread units each whenever the
	// result has enough slivers for that, so that the atomic counter can
	// balance threads that run at different speeds.
	slivN := (p.N + p.NR - 1) / p.NR
	if t := int64(p.Threads); t > 1 && p.M > 0 && p.Units() < min(t*unitsPerThread, p.Batch*p.RowBlocks*slivN) {
		fail("%d units for %d threads", p.Units(), t)
	}
	if p.PackedA != (p.ColBlocks > 1) || p.PackedB != (p.RowBlocks > 1) {
		fail("packed A %v, B %v with %d x %d tiles", p.PackedA, p.PackedB, p.RowBlocks, p.ColBlocks)
	}
	a := p.Units() * p.MC * p.KC
	if p.PackedA {
		a = p.Batch * roundUp(p.M, p.MR) * p.K
	}
	b := p.Units() * p.KC * p.NC
	if p.PackedB {
		b = p.Batch * roundUp(p.N, p.NR) * p.K
	}
	c := int64(0)
	if p.KBlocks() > 1 {
		c = p.Units() * p.MC * p.NC
	}
	line := 64 / p.ElemSize
	if p.OffB < a || p.OffC < p.OffB+b || p.Workspace < p.OffC+c || p.OffB%line != 0 || p.OffC%line != 0 {
		fail("workspace %d with B at %d and C at %d for regions of %d, %d, %d", p.Workspace, p.OffB, p.OffC, a, b, c)
	}
}

// TestReblock checks that a blocking set by hand is rounded to whole
// slivers and laid out like a planned one.
func TestReblock(t *testing.T) {
	p := New(Shape{Batch: 2, M: 37, N: 41, K: 29}, Kernel{MR: 6, NR: 16, ElemSize: 4}, 2)
	p.Reblock(7, 17, 5, true, false)
	if p.MC != 12 || p.NC != 32 || p.KC != 5 || p.RowBlocks != 4 || p.ColBlocks != 2 || p.KBlocks() != 6 {
		t.Fatalf("reblocked to %+v", p)
	}
	checkPlanLayout(t, p)
	// A kernel that packs k in pairs gets even K blocks but the last.
	q := New(Shape{Batch: 1, M: 37, N: 41, K: 29}, Kernel{MR: 6, NR: 64, ElemSize: 4, KStep: 2}, 2)
	q.Reblock(6, 64, 5, false, false)
	if q.KC != 6 || q.KBlocks() != 5 {
		t.Fatalf("reblocked a paired kernel to K blocks of %d", q.KC)
	}
	if r := New(Shape{Batch: 1, M: 8, N: 8, K: 1025}, Kernel{MR: 6, NR: 64, ElemSize: 4, KStep: 2}, 1); r.KC != 514 {
		t.Fatalf("K = 1025 in blocks of %d, want 514", r.KC)
	}
}

func checkPlanLayout(t *testing.T, p Plan) {
	t.Helper()
	if p.Workspace < p.OffC+p.Units()*p.MC*p.NC {
		t.Fatalf("workspace %d too small for %d partial tiles of %d x %d", p.Workspace, p.Units(), p.MC, p.NC)
	}
	var s [NumScalars]float64
	p.Scalars(s[:])
	if s[ScalarMC] != 12 || s[ScalarNC] != 32 || s[ScalarKC] != 5 || s[ScalarPackedA] != 1 || s[ScalarPackedB] != 0 {
		t.Fatalf("scalars %v", s)
	}
}
