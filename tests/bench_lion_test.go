// This file measures why the Lion update runs below the copy bandwidth: dlc's
// kernel, the fused C loop (gcc -O3 -march=native) on one and two threads,
// and two-goroutine copies of as many bytes, on the same buffers, in cache
// and out of it.
package tests

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
	"unsafe"

	"github.com/ebitengine/purego"
	"github.com/stretchr/testify/require"

	"dlc.dev/dlc/compiler"
	"dlc.dev/dlc/runtime"
)

// cLionFor compiles testdata/baseline/lion.c with -march=march and returns
// the loop and a setter of its OpenMP thread count.
func cLionFor(b *testing.B, march string) (lion func(theta, grad, m []float32, s []float64), threads func(int)) {
	if _, err := exec.LookPath("gcc"); err != nil {
		b.Skip("gcc not found: no C baseline")
	}
	so := filepath.Join(b.TempDir(), "lion_"+march+".so")
	out, err := exec.Command("gcc", "-O3", "-march="+march, "-fopenmp", "-shared", "-fPIC", "-o", so, "testdata/baseline/lion.c").CombinedOutput()
	if err != nil {
		b.Skipf("gcc -fopenmp failed (libgomp missing?): %v\n%s", err, out)
	}
	h, err := purego.Dlopen(so, purego.RTLD_NOW|purego.RTLD_LOCAL)
	require.NoError(b, err)
	set, err := purego.Dlsym(h, "set_threads")
	require.NoError(b, err)
	fn, err := purego.Dlsym(h, "lion_c")
	require.NoError(b, err)
	lion = func(theta, grad, m []float32, s []float64) {
		purego.SyscallN(fn, uintptr(len(theta)), uintptr(unsafe.Pointer(&theta[0])), uintptr(unsafe.Pointer(&grad[0])),
			uintptr(unsafe.Pointer(&m[0])), uintptr(unsafe.Pointer(&s[0])))
	}
	return lion, func(n int) { purego.SyscallN(set, uintptr(n)) }
}

// BenchmarkLionUpdateVsCopy runs Lion in place over P parameters (θ, g, m:
// 20 bytes moved per parameter) at three sizes: the train benchmark's 2.6 M
// (31 MB, about the last-level cache), 1/16 of it (in cache) and 4 times it
// (out of cache). Interleaved per round: dlc on 2 and on 1 threads, the C
// loop on 2 and on 1 threads, Go's copy of 2.5·P floats on 2 goroutines (as
// the train benchmark; above 1 MB Go's memmove on AMD uses streaming stores
// and prefetchnta) and the same copy in chunks of 512 KiB, below that
// threshold, so with ordinary stores. It reports each one's GB/s at 20 bytes
// per parameter (median of the rounds) and dlc's time against the others'.
func BenchmarkLionUpdateVsCopy(b *testing.B) {
	needTools(b)
	src, err := os.ReadFile("../stdlib/optim/lion.dl")
	require.NoError(b, err)
	art, _, err := compiler.Build(context.Background(), "lion.dl", src, compiler.Options{})
	require.NoError(b, err)
	fns := map[int]*runtime.Func{}
	for _, threads := range []int{1, 2} {
		a, err := runtime.LoadBytes(art, runtime.Config{Threads: threads})
		require.NoError(b, err)
		b.Cleanup(func() { a.Close() })
		fns[threads], err = a.Func("lion")
		require.NoError(b, err)
	}
	cl, setThreads := cLionFor(b, "native")
	const full = 2598912 // the MLP's parameters
	for _, p := range []int{full / 16, full, 4 * full} {
		b.Run(fmt.Sprintf("P=%d", p), func(b *testing.B) { lionVsCopy(b, p, fns, cl, setThreads) })
	}
}

func lionVsCopy(b *testing.B, p int, fns map[int]*runtime.Func, cl func(theta, grad, m []float32, s []float64), setThreads func(int)) {
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
	runs := []struct {
		name string
		f    func()
	}{
		{"dlc2", func() { require.NoError(b, fns[2].Run(args)) }},
		{"dlc1", func() { require.NoError(b, fns[1].Run(args)) }},
		{"c2", func() { setThreads(2); cl(theta, grad, m, s) }},
		{"c1", func() { setThreads(1); cl(theta, grad, m, s) }},
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
}
