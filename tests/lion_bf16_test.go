// This file tests and benchmarks lion_bf16, Lion with its momentum in bf16:
// bit for bit against lion on the widened momentum followed by the
// runtime's rounding, in place, and its speed against lion over 16 M
// parameters.
package tests

import (
	"context"
	"math"
	"math/rand/v2"
	"os"
	"testing"
	"time"
	"unsafe"

	"github.com/stretchr/testify/require"

	"dlc.dev/dlc/codegen"
	"dlc.dev/dlc/compiler"
	"dlc.dev/dlc/runtime"
)

// TestLionBF16MatchesLion runs lion_bf16 in place and lion on the same
// state with m widened to f32: theta_new is the same bits, and m_new is
// lion's m_new rounded to bf16 (runtime.BF16FromF32, tested against an
// independent rounding). The inputs include ±0, ties of the rounding, NaN and
// ±inf gradients, a momentum near bf16's largest value and momenta that
// become subnormal among normal ones. lion_bf16 is built for the default
// CPU and for this machine (-cpu native: vcvtneps2bf16 rounds where it has
// AVX512_BF16, with the integer rounding for vectors holding a subnormal).
func TestLionBF16MatchesLion(t *testing.T) {
	lion, err := load(t, "stdlib/optim/lion.dl").Func("lion")
	require.NoError(t, err)
	src, err := os.ReadFile("../stdlib/optim/lion_bf16.dl")
	require.NoError(t, err)
	const n = 100_003
	r := rand.New(rand.NewPCG(21, 22))
	theta, grad, mf := make([]float32, n), make([]float32, n), make([]float32, n)
	for i := range theta {
		theta[i], grad[i], mf[i] = float32(r.NormFloat64()), float32(r.NormFloat64()), float32(r.NormFloat64()*0.1)
	}
	for i, g := range []float32{0, float32(math.Copysign(0, -1)), float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1)), 1 + 0x1p-8} {
		grad[i] = g
	}
	mf[10], mf[11] = 3e38, -3e38
	for i := 40; i < n; i += 997 { // subnormal m_new: 0.99 m + 0.01 g below 2^-126
		mf[i], grad[i] = float32(r.NormFloat64()*1e-39), float32(r.NormFloat64()*1e-38)
	}
	m := make([]uint16, n)
	runtime.BF16FromF32(m, mf)
	runtime.F32FromBF16(mf, m) // lion sees exactly the bf16 momentum
	scalars := map[string]float64{"lr": 0.01, "beta1": 0.9, "beta2": 0.99, "wd": 0.1}

	th32, m32 := append([]float32(nil), theta...), append([]float32(nil), mf...)
	in := map[string]runtime.Tensor{"theta": runtime.F32(th32), "grad": runtime.F32(grad), "m": runtime.F32(m32)}
	require.NoError(t, lion.Run(runtime.Args{Inputs: in, Outputs: map[string]runtime.Tensor{"theta_new": in["theta"], "m_new": in["m"]}, Scalars: scalars}))
	want := make([]uint16, n)
	runtime.BF16FromF32(want, m32)
	subnormal := 0
	for _, h := range want {
		if h&0x7f80 == 0 && h&0x7f != 0 {
			subnormal++
		}
	}
	require.Greater(t, subnormal, 50, "subnormal momenta")

	for _, cpu := range []string{codegen.DefaultCPU, codegen.Native} {
		t.Run(cpu, func(t *testing.T) {
			art, _, err := compiler.Build(context.Background(), "lion_bf16.dl", src, compiler.Options{CPU: cpu})
			require.NoError(t, err)
			a, err := runtime.LoadBytes(art, runtime.Config{})
			require.NoError(t, err)
			t.Cleanup(func() { a.Close() })
			lb, err := a.Func("lion_bf16")
			require.NoError(t, err)
			th, mb := append([]float32(nil), theta...), append([]uint16(nil), m...)
			in := map[string]runtime.Tensor{"theta": runtime.F32(th), "grad": runtime.F32(grad), "m": runtime.BF16(mb)}
			require.NoError(t, lb.Run(runtime.Args{Inputs: in, Outputs: map[string]runtime.Tensor{"theta_new": in["theta"], "m_new": in["m"]}, Scalars: scalars}))
			require.Equal(t, bitsOf(th32), bitsOf(th), "theta_new")
			require.Equal(t, want, mb, "m_new")
		})
	}
}

// BenchmarkLionBF16 runs, alternating in one run, lion and lion_bf16 in
// place over 16 M parameters on 2 threads, and a 2-thread copy for the
// bandwidth. It reports each median, the ratio of medians, the range of
// per-round ratios, and each kernel's time against its bandwidth bound
// (bytes moved / copy bandwidth): 20 bytes per parameter for lion, 16 for
// lion_bf16. It runs for the default CPU and for this machine (-cpu native).
func BenchmarkLionBF16(b *testing.B) {
	needTools(b)
	for _, cpu := range []string{codegen.DefaultCPU, codegen.Native} {
		b.Run(cpu, func(b *testing.B) { benchLionBF16(b, cpu) })
	}
}

func benchLionBF16(b *testing.B, cpu string) {
	open := func(name string) *runtime.Func {
		src, err := os.ReadFile("../stdlib/optim/" + name + ".dl")
		require.NoError(b, err)
		art, _, err := compiler.Build(context.Background(), name+".dl", src, compiler.Options{CPU: cpu})
		require.NoError(b, err)
		a, err := runtime.LoadBytes(art, runtime.Config{Threads: 2})
		require.NoError(b, err)
		b.Cleanup(func() { a.Close() })
		f, err := a.Func(name)
		require.NoError(b, err)
		return f
	}
	lion, lb := open("lion"), open("lion_bf16")

	theta, grad, m := staggered(benchN, 0), staggered(benchN, 1), staggered(benchN, 2)
	theta16, grad16 := staggered(benchN, 5), staggered(benchN, 6)
	m16raw := staggered(benchN/2, 7) // benchN bf16 values in the same bytes
	m16 := runtime.FromBytes(runtime.BFloat16, []int64{benchN}, unsafeBytes(m16raw))
	for i := range theta {
		theta[i], grad[i], m[i] = float32(i%7)-3, float32(i%5)-2, float32(i%3)-1
		theta16[i], grad16[i] = theta[i], grad[i]
	}
	scalars := map[string]float64{"lr": 1e-4, "beta1": 0.9, "beta2": 0.99, "wd": 0.01}
	args := func(th, g []float32, mm runtime.Tensor) runtime.Args {
		t := runtime.F32(th)
		return runtime.Args{Inputs: map[string]runtime.Tensor{"theta": t, "grad": runtime.F32(g), "m": mm},
			Outputs: map[string]runtime.Tensor{"theta_new": t, "m_new": mm}, Scalars: scalars}
	}
	a32, a16 := args(theta, grad, runtime.F32(m)), args(theta16, grad16, m16)
	src1, dst1 := staggered(benchN*5/2, 3), staggered(benchN*5/2, 4) // 320 MB moved
	var t32, t16, tcp []time.Duration
	measure := func(ts *[]time.Duration, f func()) {
		t0 := time.Now()
		f()
		*ts = append(*ts, time.Since(t0))
	}
	require.NoError(b, lion.Run(a32))
	require.NoError(b, lb.Run(a16))
	copy2(dst1, src1)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		measure(&t32, func() { _ = lion.Run(a32) })
		measure(&t16, func() { _ = lb.Run(a16) })
		measure(&tcp, func() { copy2(dst1, src1) })
	}
	b.StopTimer()
	lo, hi := math.Inf(1), 0.0
	for i := range t32 {
		q := t32[i].Seconds() / t16[i].Seconds()
		lo, hi = min(lo, q), max(hi, q)
	}
	d32, d16, cp := medianOf(t32), medianOf(t16), medianOf(tcp)
	copyBW := float64(5*4*benchN) / cp.Seconds()
	b.ReportMetric(d32.Seconds()*1e3, "lion_ms")
	b.ReportMetric(d16.Seconds()*1e3, "lion_bf16_ms")
	b.ReportMetric(d32.Seconds()/d16.Seconds(), "speedup_median")
	b.ReportMetric(lo, "speedup_min")
	b.ReportMetric(hi, "speedup_max")
	b.ReportMetric(copyBW/1e9, "copy_GB/s")
	b.ReportMetric(float64(20*benchN)/copyBW*1e3, "lion_bound_ms")
	b.ReportMetric(float64(16*benchN)/copyBW*1e3, "lion_bf16_bound_ms")
}

// unsafeBytes is the memory of xs as bytes.
func unsafeBytes(xs []float32) []byte {
	return unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(xs))), 4*len(xs))
}
