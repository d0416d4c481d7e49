package tests

import (
	"context"
	"os"
	"sort"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"dlc.dev/dlc/codegen"
	"dlc.dev/dlc/compiler"
	"dlc.dev/dlc/runtime"
)

// benchN is the Lion benchmark size: 16M f32 elements, 320 MB moved per step.
const benchN = 16 << 20

// staggered returns n float32s whose start is offset by slot*4160 bytes, so that
// buffers are not 2^k bytes apart (cache-set aliasing halves bandwidth).
func staggered(n, slot int) []float32 {
	raw := make([]float32, n+1040*(slot+1)+16)
	return raw[1040*(slot+1) : 1040*(slot+1)+n]
}

// cLion compiles testdata/baseline/lion.c for x86-64-v3 with
// -ffp-contract=contract and returns a caller that runs it on 2 OpenMP
// threads.
func cLion(b *testing.B, contract string) func(theta, grad, m []float32, s []float64) {
	lion, threads := cLionFor(b, "x86-64-v3", contract)
	threads(2)
	return lion
}

// goLion is the plain Go loop: one goroutine, the same arithmetic.
func goLion(theta, grad, m []float32, lr, b1, omb1, b2, omb2, wd float32) {
	for i := range theta {
		g, mi, th := grad[i], m[i], theta[i]
		c := b1*mi + omb1*g
		sg := c
		if c > 0 {
			sg = 1
		} else if c < 0 {
			sg = -1
		}
		theta[i] = th - lr*(sg+wd*th)
		m[i] = b2*mi + omb2*g
	}
}

func medianOf(d []time.Duration) time.Duration {
	s := append([]time.Duration(nil), d...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[len(s)/2]
}

// medianTime is the median time of reps runs of f.
func medianTime(reps int, f func()) time.Duration {
	d := make([]time.Duration, reps)
	for k := range d {
		t := time.Now()
		f()
		d[k] = time.Since(t)
	}
	return medianOf(d)
}

// BenchmarkLionVsBaselines runs, interleaved in one run, dlc's Lion kernel (2
// threads) built by default and with -fp-contract fast, the fused C loop
// (gcc -O3 -march=x86-64-v3 -fopenmp, 2 threads) compiled with gcc's
// default contraction and with -ffp-contract=off, a plain Go loop and a
// 2-thread copy, and reports the ratios; the fair pairs, each rounding
// alike, are c_nofma/dlc and c/dlc_fast.
func BenchmarkLionVsBaselines(b *testing.B) {
	needTools(b)
	src, err := os.ReadFile("../stdlib/optim/lion.dl")
	require.NoError(b, err)
	lionOf := func(fpc codegen.FPContract) *runtime.Func {
		art, _, err := compiler.Build(context.Background(), "lion.dl", src, compiler.Options{FPContract: fpc})
		require.NoError(b, err)
		a, err := runtime.LoadBytes(art, runtime.Config{Threads: 2})
		require.NoError(b, err)
		b.Cleanup(func() { a.Close() })
		lion, err := a.Func("lion")
		require.NoError(b, err)
		return lion
	}
	lion, lionFast := lionOf(codegen.ContractOff), lionOf(codegen.ContractFast)
	c, cOff := cLion(b, "fast"), cLion(b, "off")

	theta, grad, m := staggered(benchN, 0), staggered(benchN, 1), staggered(benchN, 2)
	for i := range theta {
		theta[i], grad[i], m[i] = float32(i%7)-3, float32(i%5)-2, float32(i%3)-1
	}
	lr, b1, b2, wd := 1e-4, 0.9, 0.99, 0.01
	th := runtime.F32(theta)
	mm := runtime.F32(m)
	args := runtime.Args{
		Inputs:  map[string]runtime.Tensor{"theta": th, "grad": runtime.F32(grad), "m": mm},
		Outputs: map[string]runtime.Tensor{"theta_new": th, "m_new": mm},
		Scalars: map[string]float64{"lr": lr, "beta1": b1, "beta2": b2, "wd": wd},
	}
	s := []float64{lr, b1, 1 - b1, b2, 1 - b2, wd}
	src1, dst1 := staggered(benchN*5/2, 3), staggered(benchN*5/2, 4) // copy of 160 MB: 320 MB moved
	copyBoth := func() { copy2(dst1, src1) }
	var td, tf, tc, tco, tg, tcp []time.Duration
	measure := func(ts *[]time.Duration, f func()) {
		t0 := time.Now()
		f()
		*ts = append(*ts, time.Since(t0))
	}
	// Warm up every path once.
	require.NoError(b, lion.Run(args))
	require.NoError(b, lionFast.Run(args))
	c(theta, grad, m, s)
	cOff(theta, grad, m, s)
	copyBoth()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		measure(&td, func() { _ = lion.Run(args) })
		measure(&tc, func() { c(theta, grad, m, s) })
		measure(&tf, func() { _ = lionFast.Run(args) })
		measure(&tco, func() { cOff(theta, grad, m, s) })
		measure(&tg, func() {
			goLion(theta, grad, m, float32(lr), float32(b1), float32(1-b1), float32(b2), float32(1-b2), float32(wd))
		})
		measure(&tcp, copyBoth)
	}
	b.StopTimer()
	bytes := float64(5 * 4 * benchN)
	d, cc, g, cp := medianOf(td), medianOf(tc), medianOf(tg), medianOf(tcp)
	b.ReportMetric(float64(d.Microseconds())/1e3, "dlc_ms")
	b.ReportMetric(float64(medianOf(tf).Microseconds())/1e3, "dlc_fast_ms")
	b.ReportMetric(float64(cc.Microseconds())/1e3, "c_ms")
	b.ReportMetric(float64(medianOf(tco).Microseconds())/1e3, "c_nofma_ms")
	b.ReportMetric(float64(g.Microseconds())/1e3, "go_ms")
	b.ReportMetric(bytes/d.Seconds()/1e9, "dlc_GB/s")
	b.ReportMetric(bytes/cp.Seconds()/1e9, "copy_GB/s")
	b.ReportMetric(cc.Seconds()/d.Seconds(), "dlc.dev/dlc/c_speed")
	b.ReportMetric(g.Seconds()/d.Seconds(), "dlc.dev/dlc/go_speed")
	b.ReportMetric(pairedRatio(tco, td), "c_nofma/dlc")
	b.ReportMetric(pairedRatio(tc, tf), "c/dlc_fast")
}

// copy2 copies src to dst on two goroutines, half each: the memory bandwidth
// two threads reach, the physical limit of a kernel that only streams.
func copy2(dst, src []float32) {
	done := make(chan bool)
	half := len(src) / 2
	go func() { copy(dst[:half], src[:half]); done <- true }()
	copy(dst[half:], src[half:])
	<-done
}

// BenchmarkBuildLion times a whole build of stdlib/optim/lion.dl: frontend,
// passes, LLVM emission, opt, llc, link and the artifact.
func BenchmarkBuildLion(b *testing.B) {
	needTools(b)
	src, err := os.ReadFile("../stdlib/optim/lion.dl")
	require.NoError(b, err)
	for i := 0; i < b.N; i++ {
		_, _, err := compiler.Build(context.Background(), "lion.dl", src, compiler.Options{})
		require.NoError(b, err)
	}
}
