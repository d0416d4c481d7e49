package tests

import (
	"math"
	"math/rand/v2"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"
	"time"
	"unsafe"

	"github.com/ebitengine/purego"
	"github.com/stretchr/testify/require"

	"dlc.dev/dlc/runtime"
)

// BenchmarkDDIMStepVsC runs, interleaved in one run on N = 16M f32 with 2
// threads: dlc's ddim_step out of place (streaming stores, as the runtime
// chooses for an output this large), the same with ordinary stores
// (StreamBytes < 0), a hand-written fused C loop (gcc -O3 -march=x86-64-v3
// -fopenmp) with ordinary and with streaming stores, the streaming one again
// with dlc's per-element clip select (ddim_step's clip_x0, off), and dlc in
// place, as the sampler runs it. It reports the median of each and the ratios.
func BenchmarkDDIMStepVsC(b *testing.B) {
	needTools(b)
	cfn, cstream, cclip := cDDIM(b)
	art := buildProgram(b, "../stdlib/diffusion/ddim.dl")
	step := func(cfg runtime.Config) *runtime.Func {
		a, err := runtime.LoadBytes(art, cfg)
		require.NoError(b, err)
		b.Cleanup(func() { a.Close() })
		fn, err := a.Func("ddim_step")
		require.NoError(b, err)
		return fn
	}
	fn, plain := step(runtime.Config{Threads: 2}), step(runtime.Config{Threads: 2, StreamBytes: -1})

	x, eps, z := staggered(benchN, 0), staggered(benchN, 1), staggered(benchN, 2)
	oDLC, oPlain, oC, oCS, xi, oCC := staggered(benchN, 3), staggered(benchN, 4), staggered(benchN, 5), staggered(benchN, 6), staggered(benchN, 7), staggered(benchN, 8)
	for i := range x {
		x[i], eps[i], z[i] = float32(i%7)-3, float32(i%5)-2, float32(i%3)-1
	}
	abarT, abarS, eta := 0.5, 0.6, 0.5
	lambda2 := eta * eta * (1 - abarS) / (1 - abarT) * (1 - abarT/abarS)
	s := []float64{math.Sqrt(1 - abarT), 1 / math.Sqrt(abarT), math.Sqrt(abarS), math.Sqrt(math.Max(1-abarS-lambda2, 0)), math.Sqrt(lambda2), 0}
	args := func(xt, xprev []float32) runtime.Args {
		return runtime.Args{
			Inputs:  map[string]runtime.Tensor{"x_t": runtime.F32(xt), "eps": runtime.F32(eps), "z": runtime.F32(z)},
			Outputs: map[string]runtime.Tensor{"x_prev": runtime.F32(xprev)},
			Scalars: map[string]float64{"abar_t": abarT, "abar_prev": abarS, "eta": eta},
		}
	}
	outOfPlace, ordinary, inPlace := args(x, oDLC), args(x, oPlain), args(xi, xi)
	c := func(f uintptr, o []float32) {
		purego.SyscallN(f, uintptr(benchN), uintptr(unsafe.Pointer(&x[0])), uintptr(unsafe.Pointer(&eps[0])),
			uintptr(unsafe.Pointer(&z[0])), uintptr(unsafe.Pointer(&o[0])), uintptr(unsafe.Pointer(&s[0])))
	}
	require.NoError(b, fn.Run(outOfPlace))
	require.NoError(b, plain.Run(ordinary))
	c(cfn, oC)
	c(cstream, oCS)
	c(cclip, oCC)
	require.Equal(b, oPlain, oDLC, "streaming stores change no bit")
	for i := 0; i < benchN; i += 4099 { // dlc and C compute the same step
		require.InDelta(b, oC[i], oDLC[i], 1e-5*(1+math.Abs(float64(oC[i]))))
		require.InDelta(b, oC[i], oCS[i], 1e-5*(1+math.Abs(float64(oC[i]))))
		require.InDelta(b, oC[i], oCC[i], 1e-5*(1+math.Abs(float64(oC[i]))))
	}
	var tDLC, tPlain, tC, tCS, tCC, tIn []time.Duration
	runs := []struct {
		ts  *[]time.Duration
		run func()
	}{
		{&tDLC, func() { _ = fn.Run(outOfPlace) }},
		{&tC, func() { c(cfn, oC) }},
		{&tCS, func() { c(cstream, oCS) }},
		{&tCC, func() { c(cclip, oCC) }},
		{&tPlain, func() { _ = plain.Run(ordinary) }},
		{&tIn, func() { _ = fn.Run(inPlace) }},
	}
	order := rand.New(rand.NewPCG(1, 2))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		copy(xi, x) // the in-place step starts from the same x_t every time
		b.StartTimer()
		// A new order every iteration: what a run leaves in the cache (the
		// tails of the inputs), or a thread still spinning, helps the next
		// one, so no run always follows the same one.
		order.Shuffle(len(runs), func(i, j int) { runs[i], runs[j] = runs[j], runs[i] })
		for _, r := range runs {
			t0 := time.Now()
			r.run()
			*r.ts = append(*r.ts, time.Since(t0))
		}
	}
	b.StopTimer()
	ms := func(ts []time.Duration) float64 { return float64(medianOf(ts).Microseconds()) / 1e3 }
	minMS := func(ts []time.Duration) float64 { return float64(slices.Min(ts).Microseconds()) / 1e3 }
	for name, ts := range map[string][]time.Duration{"dlc": tDLC, "dlc_ordinary": tPlain, "c": tC, "c_stream": tCS, "c_stream_clip": tCC, "dlc_inplace": tIn} {
		b.ReportMetric(ms(ts), name+"_ms")
		b.ReportMetric(minMS(ts), name+"_min_ms")
	}
	b.ReportMetric(pairedRatio(tCS, tDLC), "c_stream/dlc")
	b.ReportMetric(pairedRatio(tC, tDLC), "c/dlc")
	b.ReportMetric(pairedRatio(tCC, tDLC), "c_stream_clip/dlc")
	b.ReportMetric(pairedRatio(tPlain, tDLC), "ordinary/streaming")
	b.ReportMetric(float64(4*4*benchN)/medianOf(tDLC).Seconds()/1e9, "dlc_GB/s")
}

// cDDIM compiles testdata/baseline/ddim.c for 2 threads and returns its loop
// with ordinary stores, with streaming stores, and with streaming stores and
// the clip select.
func cDDIM(b *testing.B) (ordinary, streaming, clip uintptr) {
	if _, err := exec.LookPath("gcc"); err != nil {
		b.Skip("gcc not found: no C baseline")
	}
	so := filepath.Join(b.TempDir(), "ddim_c.so")
	out, err := exec.Command("gcc", "-O3", "-march=x86-64-v3", "-fopenmp", "-shared", "-fPIC", "-o", so, "testdata/baseline/ddim.c").CombinedOutput()
	if err != nil {
		b.Skipf("gcc -fopenmp failed: %v\n%s", err, out)
	}
	h, err := purego.Dlopen(so, purego.RTLD_NOW|purego.RTLD_LOCAL)
	require.NoError(b, err)
	setThreads, err := purego.Dlsym(h, "set_threads")
	require.NoError(b, err)
	purego.SyscallN(setThreads, 2)
	ordinary, err = purego.Dlsym(h, "ddim_c")
	require.NoError(b, err)
	streaming, err = purego.Dlsym(h, "ddim_c_stream")
	require.NoError(b, err)
	clip, err = purego.Dlsym(h, "ddim_c_stream_clip")
	require.NoError(b, err)
	return ordinary, streaming, clip
}

// pairedRatio is the median of num[i]/den[i]: ratios of runs next to each
// other, which a change in the machine's load affects least.
func pairedRatio(num, den []time.Duration) float64 {
	r := make([]float64, len(num))
	for i := range r {
		r[i] = num[i].Seconds() / den[i].Seconds()
	}
	slices.Sort(r)
	return r[len(r)/2]
}
