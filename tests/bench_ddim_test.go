package tests

import (
	"math"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
	"unsafe"

	"github.com/ebitengine/purego"
	"github.com/stretchr/testify/require"

	"dlc.dev/dlc/runtime"
)

// BenchmarkDDIMStepVsC runs dlc's ddim_step (one fused kernel, 2 threads) and a
// hand-written fused C loop (gcc -O3 -march=x86-64-v3 -fopenmp, 2 threads) on
// N = 16M f32, interleaved in one run.
func BenchmarkDDIMStepVsC(b *testing.B) {
	needTools(b)
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
	setThreads, _ := purego.Dlsym(h, "set_threads")
	purego.SyscallN(setThreads, 2)
	cfn, err := purego.Dlsym(h, "ddim_c")
	require.NoError(b, err)

	a, err := runtime.LoadBytes(buildProgram(b, "../stdlib/diffusion/ddim.dl"), runtime.Config{Threads: 2})
	require.NoError(b, err)
	defer a.Close()
	fn, err := a.Func("ddim_step")
	require.NoError(b, err)

	x, eps, z, o1, o2 := staggered(benchN, 0), staggered(benchN, 1), staggered(benchN, 2), staggered(benchN, 3), staggered(benchN, 4)
	for i := range x {
		x[i], eps[i], z[i] = float32(i%7)-3, float32(i%5)-2, float32(i%3)-1
	}
	abarT, abarS, eta := 0.5, 0.6, 0.5
	lambda2 := eta * eta * (1 - abarS) / (1 - abarT) * (1 - abarT/abarS)
	s := []float64{math.Sqrt(1 - abarT), 1 / math.Sqrt(abarT), math.Sqrt(abarS), math.Sqrt(math.Max(1-abarS-lambda2, 0)), math.Sqrt(lambda2)}
	args := runtime.Args{
		Inputs:  map[string]runtime.Tensor{"x_t": runtime.F32(x), "eps": runtime.F32(eps), "z": runtime.F32(z)},
		Outputs: map[string]runtime.Tensor{"x_prev": runtime.F32(o1)},
		Scalars: map[string]float64{"abar_t": abarT, "abar_prev": abarS, "eta": eta},
	}
	c := func() {
		purego.SyscallN(cfn, uintptr(benchN), uintptr(unsafe.Pointer(&x[0])), uintptr(unsafe.Pointer(&eps[0])),
			uintptr(unsafe.Pointer(&z[0])), uintptr(unsafe.Pointer(&o2[0])), uintptr(unsafe.Pointer(&s[0])))
	}
	require.NoError(b, fn.Run(args))
	c()
	for i := 0; i < benchN; i += 4099 { // both compute the same step
		require.InDelta(b, o2[i], o1[i], 1e-5*(1+math.Abs(float64(o2[i]))))
	}
	var td, tc []time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		t0 := time.Now()
		_ = fn.Run(args)
		td = append(td, time.Since(t0))
		t0 = time.Now()
		c()
		tc = append(tc, time.Since(t0))
	}
	b.StopTimer()
	d, cc := medianOf(td), medianOf(tc)
	bytes := float64(4 * 4 * benchN)
	b.ReportMetric(float64(d.Microseconds())/1e3, "dlc_ms")
	b.ReportMetric(float64(cc.Microseconds())/1e3, "c_ms")
	b.ReportMetric(cc.Seconds()/d.Seconds(), "dlc.dev/dlc/c_speed")
	b.ReportMetric(bytes/d.Seconds()/1e9, "dlc_GB/s")
}
