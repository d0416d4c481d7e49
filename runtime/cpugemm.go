// This file launches contraction kernels on the CPU: each call is planned
// from its sizes and the thread count (internal/gemm), its workspace placed
// in the queue's arena, and it runs as a packing launch (when the plan packs
// an operand once for all units) and a compute launch, each unit a chunk.
package runtime

import (
	"fmt"
	"unsafe"

	"github.com/ebitengine/purego"

	"dlc.dev/dlc/artifact"
	"dlc.dev/dlc/internal/gemm"
)

// cpuGemm is what the CPU launcher knows of a contraction kernel's code.
type cpuGemm struct {
	pack    uintptr // the packing launch's entry point
	tile    [2]int64
	byDepth [2]bool
	kStep   int64
}

// resolveGemm reads the contraction part of a kernel's CPU entry.
func (l *cpuLauncher) resolveGemm(e *artifact.Entry) (*cpuGemm, error) {
	if e.Pack == "" || len(e.Tile) != 2 || e.Tile[0] <= 0 || e.Tile[1] <= 0 || len(e.PackByDepth) != 2 || e.KStep < 0 || e.KStep > 64 {
		return nil, fmt.Errorf("entry %s of a contraction kernel does not give its packing entry point, tile, packing order and K step", e.Symbol)
	}
	pack, err := purego.Dlsym(l.lib, e.Pack)
	if err != nil {
		return nil, fmt.Errorf("symbol %s is missing from %s", e.Pack, l.target.Section)
	}
	return &cpuGemm{pack: pack, tile: [2]int64{e.Tile[0], e.Tile[1]}, byDepth: [2]bool{e.PackByDepth[0], e.PackByDepth[1]}, kStep: e.KStep}, nil
}

// launchGemm plans and runs one call of a contraction kernel.
func (q *cpuQueue) launchGemm(l *launch) error {
	g := q.l.gemms[l.kernel]
	if g == nil {
		return fmt.Errorf("kernel is not a contraction on the CPU")
	}
	k := gemm.Kernel{MR: g.tile[0], NR: g.tile[1], ElemSize: l.gemm.elemSize, ByDepth: g.byDepth, KStep: g.kStep}
	p := gemm.New(l.gemm.shape, k, q.l.threads)
	need := p.Workspace*k.ElemSize + 64
	if int64(len(q.ws)) < need {
		q.ws = make([]byte, need)
	}
	base := unsafe.Pointer(unsafe.SliceData(q.ws))
	l.bufs[len(l.bufs)-1] = uintptr(base) + uintptr(roundUp(int64(uintptr(base)), 64)-int64(uintptr(base)))
	p.Scalars(l.scalars[len(l.scalars)-gemm.NumScalars:])
	if n := p.PackUnits(); n > 0 {
		q.run(g.pack, n, p.Threads, l)
	}
	q.run(q.l.fns[l.kernel], p.Units(), p.Threads, l)
	return nil
}

// run calls fn on units [0, n) of launch l, one unit per chunk over several
// threads when the plan uses more than one.
func (q *cpuQueue) run(fn uintptr, n int64, threads int, l *launch) {
	j := &q.job
	j.fn, j.begin, j.count, j.chunk = fn, 0, n, 1
	j.bufs, j.scalars = unsafe.Pointer(&l.bufs[0]), unsafe.Pointer(&l.scalars[0])
	if threads <= 1 || n <= 1 || q.l.threads <= 1 {
		q.args.call(fn, 0, n, j.bufs, j.scalars)
	} else {
		q.split(j, threads)
	}
	j.bufs, j.scalars = nil, nil
}
