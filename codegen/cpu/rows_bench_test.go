// This file benchmarks ZLPR's row kernel (forward and gradient) on one
// thread, as scheduled by fusion (two online log-sum-exps, then the
// gradient) and in the stdlib's three-pass form, against the hand-written C
// loop with libm's expf (tests/testdata/baseline/zlpr.c), and reports
// nanoseconds per logit. Thread scaling is the runtime's business
// (runtime.BenchmarkZLPR).
package cpu

import (
	"fmt"
	"math/rand/v2"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"
	"time"
	"unsafe"

	"github.com/ebitengine/purego"
)

// zlprBenchData returns logits and 0/1 labels (5% positive) like the NumPy baseline.
func zlprBenchData(b, c int) (s, y []float32) {
	r := rand.New(rand.NewPCG(1, 1))
	s, y = make([]float32, b*c), make([]float32, b*c)
	for i := range s {
		s[i] = float32(r.NormFloat64())
		if r.Float64() < 0.05 {
			y[i] = 1
		}
	}
	return s, y
}

var zlprBenchSizes = [][2]int{{4096, 1000}, {256, 32000}}

func BenchmarkZLPRRows(b *testing.B) {
	for _, src := range []struct{ file, fn string }{
		{"testdata/rows/zlpr.ir", "zlpr"},
		{"testdata/rows/zlpr_hard.ir", "zlpr_hard"},
	} {
		lib := buildLibrary(b, loadIR(b, src.file))
		k := lib.kernels[src.fn][0]
		sym, err := purego.Dlsym(lib.handle, Symbol(src.fn, k.Name))
		if err != nil {
			b.Fatal(err)
		}
		for _, size := range zlprBenchSizes {
			rows, cols := size[0], size[1]
			b.Run(fmt.Sprintf("%s/B=%d/C=%d", src.fn, rows, cols), func(b *testing.B) {
				s, y := zlprBenchData(rows, cols)
				loss, grad := make([]float32, rows), make([]float32, rows*cols)
				mem := map[string]unsafe.Pointer{"s": unsafe.Pointer(&s[0]), "logits": unsafe.Pointer(&s[0]),
					"y": unsafe.Pointer(&y[0]), "labels": unsafe.Pointer(&y[0]),
					"loss": unsafe.Pointer(&loss[0]), "grad": unsafe.Pointer(&grad[0])}
				bufs := make([]uintptr, len(k.Buffers))
				for i, buf := range k.Buffers {
					bufs[i] = uintptr(mem[buf.Name])
				}
				scalars := make([]float64, len(k.Scalars)+1)
				for i, sc := range k.Scalars {
					scalars[i] = map[string]float64{"#B": float64(rows), "#C": float64(cols)}[sc.Name]
				}
				start := time.Now()
				for b.Loop() {
					purego.SyscallN(sym, 0, uintptr(rows), uintptr(unsafe.Pointer(&bufs[0])), uintptr(unsafe.Pointer(&scalars[0])))
				}
				b.ReportMetric(float64(time.Since(start).Nanoseconds())/float64(b.N)/float64(rows*cols), "ns/elem")
				runtime.KeepAlive([][]float32{s, y, loss, grad})
			})
		}
	}
	b.Run("C", func(b *testing.B) {
		if _, err := exec.LookPath("gcc"); err != nil {
			b.Skip("gcc not found: no C baseline")
		}
		so := filepath.Join(b.TempDir(), "zlpr_c.so")
		out, err := exec.Command("gcc", "-O3", "-march=x86-64-v3", "-fopenmp", "-shared", "-fPIC", "-o", so,
			"../../tests/testdata/baseline/zlpr.c", "-lm").CombinedOutput()
		if err != nil {
			b.Skipf("gcc -fopenmp failed: %v\n%s", err, out)
		}
		h, err := purego.Dlopen(so, purego.RTLD_NOW|purego.RTLD_LOCAL)
		if err != nil {
			b.Fatal(err)
		}
		setThreads, _ := purego.Dlsym(h, "set_threads")
		purego.SyscallN(setThreads, 1)
		fn, err := purego.Dlsym(h, "zlpr_c")
		if err != nil {
			b.Fatal(err)
		}
		for _, size := range zlprBenchSizes {
			rows, cols := size[0], size[1]
			b.Run(fmt.Sprintf("B=%d/C=%d", rows, cols), func(b *testing.B) {
				s, y := zlprBenchData(rows, cols)
				loss, grad := make([]float32, rows), make([]float32, rows*cols)
				start := time.Now()
				for b.Loop() {
					purego.SyscallN(fn, uintptr(rows), uintptr(cols), uintptr(unsafe.Pointer(&s[0])), uintptr(unsafe.Pointer(&y[0])),
						uintptr(unsafe.Pointer(&loss[0])), uintptr(unsafe.Pointer(&grad[0])))
				}
				b.ReportMetric(float64(time.Since(start).Nanoseconds())/float64(b.N)/float64(rows*cols), "ns/elem")
				runtime.KeepAlive([][]float32{s, y, loss, grad})
			})
		}
	})
}
