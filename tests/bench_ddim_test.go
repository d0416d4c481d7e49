package tests

import (
	"context"
	"math"
	"math/rand/v2"
	"os"
	"slices"
	"testing"
	"time"
	"unsafe"

	"github.com/ebitengine/purego"
	"github.com/stretchr/testify/require"

	"dlc.dev/dlc/codegen"
	"dlc.dev/dlc/compiler"
	"dlc.dev/dlc/runtime"
)

// BenchmarkDDIMStepVsC runs, interleaved in one run on N = 16M f32 with 2
// threads: dlc's ddim_step out of place (streaming stores, as the runtime
// chooses for an output this large), the same built with -fp-contract fast,
// the default build with ordinary stores (StreamBytes < 0), a hand-written
// fused C loop (gcc -O3 -march=x86-64-v3 -fopenmp, whose default contracts
// multiply-adds into FMAs) with ordinary and with streaming stores, the
// streaming one again with dlc's per-element clip select (ddim_step's
// clip_x0, off), the streaming one compiled with -ffp-contract=off, and dlc
// in place, as the sampler runs it. It reports the median of each and the
// paired ratios; the two fair pairs, each rounding alike, are
// c_stream_nofma/dlc (dlc's default against C without contraction: the
// same bits) and c_stream/dlc_fast (both contracted).
func BenchmarkDDIMStepVsC(b *testing.B) {
	needTools(b)
	cfn, cstream, cclip := cDDIM(b, "fast")
	_, cstreamOff, _ := cDDIM(b, "off")
	art := buildProgram(b, "../stdlib/diffusion/ddim.dl")
	src, err := os.ReadFile("../stdlib/diffusion/ddim.dl")
	require.NoError(b, err)
	artFast, _, err := compiler.Build(context.Background(), "../stdlib/diffusion/ddim.dl", src, compiler.Options{FPContract: codegen.ContractFast})
	require.NoError(b, err)
	step := func(art []byte, cfg runtime.Config) *runtime.Func {
		a, err := runtime.LoadBytes(art, cfg)
		require.NoError(b, err)
		b.Cleanup(func() { a.Close() })
		fn, err := a.Func("ddim_step")
		require.NoError(b, err)
		return fn
	}
	fn, plain, fast := step(art, runtime.Config{Threads: 2}), step(art, runtime.Config{Threads: 2, StreamBytes: -1}), step(artFast, runtime.Config{Threads: 2})

	x, eps, z := staggered(benchN, 0), staggered(benchN, 1), staggered(benchN, 2)
	oDLC, oPlain, oC, oCS, xi, oCC := staggered(benchN, 3), staggered(benchN, 4), staggered(benchN, 5), staggered(benchN, 6), staggered(benchN, 7), staggered(benchN, 8)
	oFast, oCSOff := staggered(benchN, 9), staggered(benchN, 10)
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
	outOfPlace, ordinary, inPlace, outFast := args(x, oDLC), args(x, oPlain), args(xi, xi), args(x, oFast)
	c := func(f uintptr, o []float32) {
		purego.SyscallN(f, uintptr(benchN), uintptr(unsafe.Pointer(&x[0])), uintptr(unsafe.Pointer(&eps[0])),
			uintptr(unsafe.Pointer(&z[0])), uintptr(unsafe.Pointer(&o[0])), uintptr(unsafe.Pointer(&s[0])))
	}
	require.NoError(b, fn.Run(outOfPlace))
	require.NoError(b, plain.Run(ordinary))
	require.NoError(b, fast.Run(outFast))
	c(cfn, oC)
	c(cstream, oCS)
	c(cclip, oCC)
	c(cstreamOff, oCSOff)
	require.Equal(b, oPlain, oDLC, "streaming stores change no bit")
	// The same expression in the same order, every coefficient rounded to
	// f32 once, nothing contracted: the same bits.
	require.Equal(b, oCSOff, oDLC, "dlc's default build rounds as C without contraction")
	for i := 0; i < benchN; i += 4099 { // dlc and C compute the same step
		require.InDelta(b, oC[i], oDLC[i], 1e-5*(1+math.Abs(float64(oC[i]))))
		require.InDelta(b, oC[i], oCS[i], 1e-5*(1+math.Abs(float64(oC[i]))))
		require.InDelta(b, oC[i], oCC[i], 1e-5*(1+math.Abs(float64(oC[i]))))
		require.InDelta(b, oC[i], oFast[i], 1e-5*(1+math.Abs(float64(oC[i]))))
	}
	ts := map[string]*[]time.Duration{}
	runs := []struct {
		name string
		run  func()
	}{
		{"dlc", func() { _ = fn.Run(outOfPlace) }},
		{"dlc_fast", func() { _ = fast.Run(outFast) }},
		{"c", func() { c(cfn, oC) }},
		{"c_stream", func() { c(cstream, oCS) }},
		{"c_stream_nofma", func() { c(cstreamOff, oCSOff) }},
		{"c_stream_clip", func() { c(cclip, oCC) }},
		{"dlc_ordinary", func() { _ = plain.Run(ordinary) }},
		{"dlc_inplace", func() { _ = fn.Run(inPlace) }},
	}
	for _, r := range runs {
		ts[r.name] = new([]time.Duration)
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
			*ts[r.name] = append(*ts[r.name], time.Since(t0))
		}
	}
	b.StopTimer()
	ms := func(ts []time.Duration) float64 { return float64(medianOf(ts).Microseconds()) / 1e3 }
	minMS := func(ts []time.Duration) float64 { return float64(slices.Min(ts).Microseconds()) / 1e3 }
	for name, t := range ts {
		b.ReportMetric(ms(*t), name+"_ms")
		b.ReportMetric(minMS(*t), name+"_min_ms")
	}
	ratio := func(num, den string) { b.ReportMetric(pairedRatio(*ts[num], *ts[den]), num+"/"+den) }
	ratio("c_stream_nofma", "dlc") // fair pair: no contraction on either side
	ratio("c_stream", "dlc_fast")  // fair pair: both contracted
	ratio("c_stream", "dlc")
	ratio("c", "dlc")
	ratio("c_stream_clip", "dlc_fast")
	b.ReportMetric(pairedRatio(*ts["dlc_ordinary"], *ts["dlc"]), "ordinary/streaming")
	ratio("dlc", "dlc_fast")
	b.ReportMetric(float64(4*4*benchN)/medianOf(*ts["dlc"]).Seconds()/1e9, "dlc_GB/s")
	b.ReportMetric(float64(4*4*benchN)/medianOf(*ts["dlc_fast"]).Seconds()/1e9, "dlc_fast_GB/s")
}

// cDDIM compiles testdata/baseline/ddim.c for 2 threads with
// -ffp-contract=contract (fast, gcc's default for GNU C, or off) and
// returns its loop with ordinary stores, with streaming stores, and with
// streaming stores and the clip select.
func cDDIM(b *testing.B, contract string) (ordinary, streaming, clip uintptr) {
	sym := cBaseline(b, "ddim.c", "-O3", "-march=x86-64-v3", "-ffp-contract="+contract)
	purego.SyscallN(sym("set_threads"), 2)
	ordinary, streaming, clip = sym("ddim_c"), sym("ddim_c_stream"), sym("ddim_c_stream_clip")
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
