// This file measures why the Lion update runs below the copy bandwidth: dlc's
// kernel, the fused C loop (gcc -O3 -march=native) on one and two threads,
// and two-goroutine copies of as many bytes, on the same buffers, in cache
// and out of it.
package tests

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"
	"unsafe"

	"github.com/ebitengine/purego"
	"github.com/stretchr/testify/require"

	"dlc.dev/dlc/codegen"
	"dlc.dev/dlc/compiler"
	"dlc.dev/dlc/runtime"
)

// cLionFor compiles testdata/baseline/lion.c with -march=march and
// -ffp-contract=contract (fast, gcc's default for GNU C, which contracts
// multiply-adds into FMAs, or off) and returns the loop and a setter of its
// OpenMP thread count.
func cLionFor(b *testing.B, march, contract string) (lion func(theta, grad, m []float32, s []float64), threads func(int)) {
	sym := cBaseline(b, "lion.c", "-O3", "-march="+march, "-ffp-contract="+contract)
	set, fn := sym("set_threads"), sym("lion_c")
	lion = func(theta, grad, m []float32, s []float64) {
		purego.SyscallN(fn, uintptr(len(theta)), uintptr(unsafe.Pointer(&theta[0])), uintptr(unsafe.Pointer(&grad[0])),
			uintptr(unsafe.Pointer(&m[0])), uintptr(unsafe.Pointer(&s[0])))
	}
	return lion, func(n int) { purego.SyscallN(set, uintptr(n)) }
}

// BenchmarkLionUpdateVsCopy runs Lion in place over P parameters (θ, g, m:
// 20 bytes moved per parameter) at three sizes: the train benchmark's 2.6 M
// (31 MB, about the last-level cache), 1/16 of it (in cache) and 4 times it
// (out of cache). Interleaved per round: dlc on 2 and on 1 threads, built by
// default and with -fp-contract fast, the C loop on 2 and on 1 threads,
// compiled with gcc's default contraction and with -ffp-contract=off, Go's
// copy of 2.5·P floats on 2 goroutines (as the train benchmark; above 1 MB
// Go's memmove on AMD uses streaming stores and prefetchnta) and the same
// copy in chunks of 512 KiB, below that threshold, so with ordinary stores.
// It reports each one's GB/s at 20 bytes per parameter (median of the
// rounds) and the paired ratios of the times: the others' against dlc's,
// and the fair pairs, each rounding alike: c*_nofma/dlc* (no contraction)
// and c*/dlc*_fast (both contracted).
func BenchmarkLionUpdateVsCopy(b *testing.B) {
	needTools(b)
	src, err := os.ReadFile("../stdlib/optim/lion.dl")
	require.NoError(b, err)
	fns := map[string]*runtime.Func{}
	for _, fpc := range []codegen.FPContract{codegen.ContractOff, codegen.ContractFast} {
		art, _, err := compiler.Build(context.Background(), "lion.dl", src, compiler.Options{FPContract: fpc})
		require.NoError(b, err)
		for _, threads := range []int{1, 2} {
			a, err := runtime.LoadBytes(art, runtime.Config{Threads: threads})
			require.NoError(b, err)
			b.Cleanup(func() { a.Close() })
			name := fmt.Sprintf("dlc%d", threads)
			if fpc == codegen.ContractFast {
				name += "_fast"
			}
			fns[name], err = a.Func("lion")
			require.NoError(b, err)
		}
	}
	cls := map[string]cLionLoop{}
	for _, contract := range []string{"fast", "off"} {
		var c cLionLoop
		c.lion, c.threads = cLionFor(b, "native", contract)
		cls[contract] = c
	}
	const full = 2598912 // the MLP's parameters
	for _, p := range []int{full / 16, full, 4 * full} {
		b.Run(fmt.Sprintf("P=%d", p), func(b *testing.B) { lionVsCopy(b, p, fns, cls) })
	}
}

// cLionLoop is the C Lion loop of one build and its thread-count setter.
type cLionLoop struct {
	lion    func(theta, grad, m []float32, s []float64)
	threads func(int)
}

// lionVsCopy is BenchmarkLionUpdateVsCopy at P = p: fns are dlc's kernels by
// run name, cls the C loops by gcc's -ffp-contract.
func lionVsCopy(b *testing.B, p int, fns map[string]*runtime.Func, cls map[string]cLionLoop) {
	theta, grad, m := staggered(p, 0), staggered(p, 1), staggered(p, 2)
	for i := range theta {
		theta[i], grad[i], m[i] = float32(i%7)-3, float32(i%5)-2, float32(i%3)-1
	}
	lr, b1, b2 := 1e-4, 0.9, 0.99
	th, mm := runtime.F32(theta), runtime.F32(m)
	args := runtime.Args{
		Inputs:  map[string]runtime.Tensor{"theta": th, "grad": runtime.F32(grad), "m": mm},
		Outputs: map[string]runtime.Tensor{"theta_new": th, "m_new": mm},
		Scalars: map[string]float64{"lr": lr, "beta1": b1, "beta2": b2},
	}
	s := []float64{lr, b1, 1 - b1, b2, 1 - b2, 0}
	csrc, cdst := staggered(p*5/2, 3), staggered(p*5/2, 4)
	small := func() { // copy2 in pieces below memmove's streaming threshold
		const piece = 128 << 10
		done := make(chan bool)
		half := len(csrc) / 2
		part := func(d, s []float32) {
			for i := 0; i < len(s); i += piece {
				copy(d[i:min(i+piece, len(s))], s[i:min(i+piece, len(s))])
			}
		}
		go func() { part(cdst[:half], csrc[:half]); done <- true }()
		part(cdst[half:], csrc[half:])
		<-done
	}
	dlc := func(name string) func() {
		fn := fns[name]
		return func() { require.NoError(b, fn.Run(args)) }
	}
	cRun := func(contract string, threads int) func() {
		c := cls[contract]
		return func() { c.threads(threads); c.lion(theta, grad, m, s) }
	}
	runs := []struct {
		name string
		f    func()
	}{
		{"dlc2", dlc("dlc2")},
		{"dlc1", dlc("dlc1")},
		{"dlc2_fast", dlc("dlc2_fast")},
		{"dlc1_fast", dlc("dlc1_fast")},
		{"c2", cRun("fast", 2)},
		{"c1", cRun("fast", 1)},
		{"c2_nofma", cRun("off", 2)},
		{"c1_nofma", cRun("off", 1)},
		{"copy_nt", func() { copy2(cdst, csrc) }},
		{"copy", small},
	}
	reps := max(3, min(51, 200_000_000/(20*p)))
	ts := make(map[string][]time.Duration)
	for _, r := range runs {
		r.f() // warm up
	}
	b.ResetTimer()
	for range b.N {
		for _, r := range runs {
			r.f() // the state every run starts from: the previous one's
			ts[r.name] = append(ts[r.name], medianTime(reps, r.f))
		}
	}
	b.StopTimer()
	for _, r := range runs {
		b.ReportMetric(20*float64(p)/medianOf(ts[r.name]).Seconds()/1e9, r.name+"_GB/s")
	}
	for _, other := range []string{"c2", "c1", "copy_nt", "copy"} {
		b.ReportMetric(pairedRatio(ts[other], ts["dlc2"]), other+"/dlc2")
	}
	for _, pair := range [][2]string{{"c2_nofma", "dlc2"}, {"c1_nofma", "dlc1"}, {"c2", "dlc2_fast"}, {"c1", "dlc1_fast"}} {
		b.ReportMetric(pairedRatio(ts[pair[0]], ts[pair[1]]), pair[0]+"/"+pair[1])
	}
}
