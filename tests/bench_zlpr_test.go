package tests

import (
	"fmt"
	"math"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"
	"unsafe"

	"github.com/ebitengine/purego"
	"github.com/stretchr/testify/require"

	"dlc.dev/dlc/runtime"
)

// cZLPR compiles testdata/baseline/zlpr.c (libm expf/logf) and returns a caller.
func cZLPR(b *testing.B) func(B, C int, s, y, loss, grad []float32) {
	sym := cBaseline(b, "zlpr.c", "-O3", "-march=x86-64-v3")
	purego.SyscallN(sym("set_threads"), 2)
	fn := sym("zlpr_c")
	return func(B, C int, s, y, loss, grad []float32) {
		purego.SyscallN(fn, uintptr(B), uintptr(C), uintptr(unsafe.Pointer(&s[0])), uintptr(unsafe.Pointer(&y[0])),
			uintptr(unsafe.Pointer(&loss[0])), uintptr(unsafe.Pointer(&grad[0])))
	}
}

// numpyZLPR times the bert4keras-style NumPy formulation in a subprocess and
// returns its median seconds, or an error when NumPy is not installed.
func numpyZLPR(B, C, reps int) (float64, error) {
	py, err := exec.LookPath("python3")
	if err != nil {
		return 0, err
	}
	for _, cand := range []string{"/usr/bin/python3", py} {
		out, err := exec.Command(cand, "testdata/baseline/zlpr_numpy.py", strconv.Itoa(B), strconv.Itoa(C), strconv.Itoa(reps)).Output()
		if err == nil {
			return strconv.ParseFloat(strings.TrimSpace(string(out)), 64)
		}
	}
	return 0, fmt.Errorf("python3 with numpy not found (apt-get install python3-numpy)")
}

// BenchmarkZLPRVsBaselines measures dlc's fused zlpr_hard (loss and gradient in
// one kernel, 2 threads) against the single-pass C loop with libm (2 threads)
// and the NumPy formulation, in the same run.
func BenchmarkZLPRVsBaselines(b *testing.B) {
	needTools(b)
	for _, size := range [][2]int{{4096, 1000}, {256, 32000}} {
		B, C := size[0], size[1]
		b.Run(fmt.Sprintf("B=%d,C=%d", B, C), func(b *testing.B) {
			a, err := runtime.LoadBytes(buildProgram(b, "../stdlib/loss/zlpr.dl"), runtime.Config{Threads: 2})
			require.NoError(b, err)
			defer a.Close()
			fn, err := a.Func("zlpr_hard")
			require.NoError(b, err)
			c := cZLPR(b)
			n := B * C
			s, y := staggered(n, 0), staggered(n, 1)
			loss, grad := staggered(B, 2), staggered(n, 3)
			for i := range s {
				s[i] = float32(math.Sin(float64(i)*0.37)) * 3
				if i%19 == 0 {
					y[i] = 1
				}
			}
			args := runtime.Args{
				Inputs:  map[string]runtime.Tensor{"logits": runtime.F32(s, int64(B), int64(C)), "labels": runtime.F32(y, int64(B), int64(C))},
				Outputs: map[string]runtime.Tensor{"loss": runtime.F32(loss, int64(B)), "grad": runtime.F32(grad, int64(B), int64(C))},
			}
			require.NoError(b, fn.Run(args))
			c(B, C, s, y, loss, grad)
			// Runs alternate in blocks of three: libgomp's threads spin-wait
			// for a while after each parallel region (OMP_WAIT_POLICY's
			// default), which on two CPUs slows whatever runs right after
			// the C loop; in blocks it touches one run in three, and the
			// median none.
			// A 2-thread copy of 160 MB (far beyond the caches): the memory
			// bandwidth the kernel would run at were it memory-bound.
			const copyN = 40 << 20
			src1, dst1 := staggered(copyN, 5), staggered(copyN, 6)
			copy2(dst1, src1)
			const block = 3
			var td, tc, tcp []time.Duration
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				for range block {
					t0 := time.Now()
					_ = fn.Run(args)
					td = append(td, time.Since(t0))
				}
				for range block {
					t0 := time.Now()
					c(B, C, s, y, loss, grad)
					tc = append(tc, time.Since(t0))
				}
				t0 := time.Now()
				copy2(dst1, src1)
				tcp = append(tcp, time.Since(t0))
			}
			b.StopTimer()
			d, cc := medianOf(td), medianOf(tc)
			bytes := float64(4*n*3 + 4*B) // read logits and labels, write grad and loss
			b.ReportMetric(d.Seconds()*1e9/float64(n), "dlc_ns/elem")
			b.ReportMetric(cc.Seconds()*1e9/float64(n), "c_ns/elem")
			b.ReportMetric(cc.Seconds()/d.Seconds(), "dlc.dev/dlc/c_speed")
			b.ReportMetric(bytes/d.Seconds()/1e9, "dlc_GB/s")
			b.ReportMetric(2*4*copyN/medianOf(tcp).Seconds()/1e9, "copy_GB/s")
			if np, err := numpyZLPR(B, C, 5); err == nil {
				b.ReportMetric(np*1e9/float64(n), "numpy_ns/elem")
				b.ReportMetric(np/d.Seconds(), "dlc.dev/dlc/numpy_speed")
			} else {
				b.Logf("no NumPy baseline: %v", err)
			}
		})
	}
}
