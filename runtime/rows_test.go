// This file runs kernels compiled by the CPU backend from IR text: row kernels
// (ZLPR, its batch sum and mean), axis kernels and gathers. It checks that the
// work is split by units (rows are never split), that "#D" dimension scalars
// and host values using dim() are filled in, that index inputs are validated
// before any kernel runs, that results are bit-identical for any number of
// threads, and that the steady state still allocates nothing.
package runtime

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"slices"
	"sort"
	"sync"
	"testing"
	"time"

	"dlc.dev/dlc/artifact"
	"dlc.dev/dlc/codegen/llvmtool"
	kplan "dlc.dev/dlc/codegen/plan"
	"dlc.dev/dlc/compiler"
	"dlc.dev/dlc/ir"
)

// compiled is an artifact built from IR text, and the module it came from.
type compiled struct {
	bytes []byte
	mod   *ir.Module
}

var compiledCache sync.Map // IR text -> *compiled

// buildIR compiles IR text (already scheduled) into artifact bytes, as the
// compiler would, or skips the test when LLVM is missing.
func buildIR(t testing.TB, src string) *compiled {
	t.Helper()
	if c, ok := compiledCache.Load(src); ok {
		return c.(*compiled)
	}
	if _, err := llvmtool.FindTools(); err != nil {
		t.Skipf("skipping: cannot compile kernels: %v", err)
	}
	m, err := ir.Parse(src)
	if err != nil {
		t.Fatal(err)
	}
	if err := ir.Verify(m); err != nil {
		t.Fatal(err)
	}
	b, _, err := compiler.BuildModule(context.Background(), m, "test.ir", compiler.Options{})
	if err != nil {
		t.Fatal(err)
	}
	c := &compiled{bytes: b, mod: m}
	compiledCache.Store(src, c)
	return c
}

func (c *compiled) load(t testing.TB, cfg Config) *Artifact {
	t.Helper()
	a, err := LoadBytes(c.bytes, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	return a
}

// zlprMeanIR is ZLPR as fusion schedules it, plus the batch mean: a host
// value 1/dim(B) times the batch sum, in the single-row kernel.
func zlprMeanIR(t testing.TB) string {
	src, err := os.ReadFile("../codegen/cpu/testdata/rows/zlpr.ir")
	if err != nil {
		t.Fatal(err)
	}
	s := string(src)
	for _, r := range [][2]string{
		{"total: f32)", "total: f32, mean: f32)"},
		{"  return loss = %11, grad = %16, total = %17", `  %18 = dim B : f32 @host
  %19 = const 1 : f32
  %20 = div %19, %18 : f32 @host
  %21 = mul %17, %20 : f32 @k1
  return loss = %11, grad = %16, total = %17, mean = %21`},
	} {
		n := len(s)
		s = replaceOnce(s, r[0], r[1])
		if len(s) == n && r[0] != r[1] {
			t.Fatalf("zlpr.ir changed: %q not found", r[0])
		}
	}
	return s
}

func replaceOnce(s, old, new string) string {
	for i := 0; i+len(old) <= len(s); i++ {
		if s[i:i+len(old)] == old {
			return s[:i] + new + s[i+len(old):]
		}
	}
	return s
}

type zlprCall struct {
	s, y, loss, grad, total, mean []float32
	b, c                          int
}

func newZLPRCall(b, c int, seed uint64) *zlprCall {
	r := rand.New(rand.NewPCG(seed, 7))
	z := &zlprCall{b: b, c: c, s: make([]float32, b*c), y: make([]float32, b*c),
		loss: make([]float32, b), grad: make([]float32, b*c), total: make([]float32, 1), mean: make([]float32, 1)}
	for i := range z.s {
		z.s[i] = float32(2 * r.NormFloat64())
		if r.Float64() < 0.1 {
			z.y[i] = 1
		}
	}
	z.s[3] = float32(math.Inf(-1)) // a masked class (label 0)
	z.y[3] = 0
	return z
}

func (z *zlprCall) args() Args {
	b, c := int64(z.b), int64(z.c)
	return Args{
		Inputs: map[string]Tensor{"s": F32(z.s, b, c), "y": F32(z.y, b, c)},
		Outputs: map[string]Tensor{"loss": F32(z.loss, b), "grad": F32(z.grad, b, c),
			"total": scalarTensor(z.total), "mean": scalarTensor(z.mean)},
	}
}

// scalarTensor wraps one float32 as a 0-d tensor.
func scalarTensor(x []float32) Tensor {
	t := F32(x)
	t.Shape = []int64{}
	return t
}

func (z *zlprCall) run(t testing.TB, f *Func) {
	t.Helper()
	if err := f.Run(z.args()); err != nil {
		t.Fatal(err)
	}
}

// TestRowKernelDeterminism runs ZLPR's loss, gradient, batch sum and mean with
// 1, 2, 3 and 8 threads, in small chunks: every bit must be the same, and
// agree with the interpreter.
func TestRowKernelDeterminism(t *testing.T) {
	c := buildIR(t, zlprMeanIR(t))
	const b, n = 1001, 257
	var first *zlprCall
	for _, threads := range []int{1, 2, 3, 8} {
		f := mustFunc(t, c.load(t, Config{Threads: threads, MinChunk: 512}), "zlpr")
		z := newZLPRCall(b, n, 1)
		z.run(t, f)
		if first == nil {
			first = z
			checkZLPR(t, c.mod, z)
			continue
		}
		for name, pair := range map[string][2][]float32{
			"loss": {first.loss, z.loss}, "grad": {first.grad, z.grad}, "total": {first.total, z.total}, "mean": {first.mean, z.mean},
		} {
			for i := range pair[0] {
				if math.Float32bits(pair[0][i]) != math.Float32bits(pair[1][i]) {
					t.Fatalf("%d threads: %s[%d] = %v, one thread gave %v", threads, name, i, pair[1][i], pair[0][i])
				}
			}
		}
	}
}

// checkZLPR compares a call with the interpreter, loosely (codegen/cpu's
// tests pin the tolerances).
func checkZLPR(t *testing.T, mod *ir.Module, z *zlprCall) {
	t.Helper()
	arr := func(xs []float32, shape ...int64) *ir.Array {
		a := ir.NewArray(shape...)
		for i, x := range xs {
			a.Data[i] = float64(x)
		}
		return a
	}
	want, err := ir.Interpret(mod, "zlpr", ir.Inputs{Tensors: map[string]*ir.Array{
		"s": arr(z.s, int64(z.b), int64(z.c)), "y": arr(z.y, int64(z.b), int64(z.c))}})
	if err != nil {
		t.Fatal(err)
	}
	for name, got := range map[string][]float32{"loss": z.loss, "grad": z.grad, "total": z.total, "mean": z.mean} {
		for i, w := range want[name].Data {
			if g := float64(got[i]); math.Abs(g-w) > 1e-4*(1+math.Abs(w)) {
				t.Fatalf("%s[%d] = %v, interpreter says %v", name, i, g, w)
			}
		}
	}
	if m := float64(z.mean[0]); math.Abs(m-float64(z.total[0])/float64(z.b)) > 1e-6*math.Abs(m) {
		t.Errorf("mean %v, total/B = %v", m, float64(z.total[0])/float64(z.b))
	}
}

// TestRowKernelSplitsRows checks that the runtime splits a row kernel by rows
// even when there are few of them (each row is a lot of work), and never
// inside a row: the 2-row chunks give the same bits as one call.
func TestRowKernelSplitsRows(t *testing.T) {
	c := buildIR(t, zlprMeanIR(t))
	a := c.load(t, Config{Threads: 4})
	f := mustFunc(t, a, "zlpr")
	k := f.p.kernels[0]
	if got := elements(k.units, []int64{8, 20000}); got != 8 {
		t.Fatalf("units of the row kernel: %d, want the 8 rows", got)
	}
	if got := chunkSize(8, elements(k.work, []int64{8, 20000}), 4, DefaultMinChunk); got != 1 && got != 2 {
		t.Errorf("chunk of 8 rows of 20000: %d rows, want the rows split", got)
	}
	z := newZLPRCall(8, 20000, 2)
	z.run(t, f)
	one := newZLPRCall(8, 20000, 2)
	one.run(t, mustFunc(t, c.load(t, Config{Threads: 1}), "zlpr"))
	if !slices.Equal(z.grad, one.grad) || !slices.Equal(z.loss, one.loss) || z.total[0] != one.total[0] {
		t.Fatal("split rows give different results")
	}
}

// TestRowKernelInPlace: the gradient may overwrite the logits (each row reads
// s in both passes before the second pass writes grad at the same element),
// but an output written in the first pass may not replace an input read in the
// second.
func TestRowKernelInPlace(t *testing.T) {
	c := buildIR(t, zlprMeanIR(t))
	f := mustFunc(t, c.load(t, Config{Threads: 2, MinChunk: 256}), "zlpr")
	z := newZLPRCall(64, 100, 3)
	z.run(t, f)
	in := newZLPRCall(64, 100, 3)
	a := in.args()
	a.Outputs["grad"] = a.Inputs["s"]
	if err := f.Run(a); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(in.s, z.grad) || !slices.Equal(in.loss, z.loss) {
		t.Error("in-place gradient differs")
	}

	const twoPass = `
func @center(%x: f32[B,C]) -> (y: f32[B,C], z: f32[B,C]) {
  kernel k0 rows [B]
  %1 = neg %x : f32[B,C] @k0
  %2 = reduce_sum %x, axis=1, keepdims : f32[B,1] @k0
  %3 = sub %x, %2 : f32[B,C] @k0
  return y = %1, z = %3
}
`
	g := mustFunc(t, buildIR(t, twoPass).load(t, Config{}), "center")
	x, z2 := make([]float32, 12), make([]float32, 12)
	err := g.Run(Args{Inputs: map[string]Tensor{"x": F32(x, 3, 4)}, Outputs: map[string]Tensor{"y": F32(x, 3, 4), "z": F32(z2, 3, 4)}})
	wantErr(t, err, "center: output y shares memory with input x, but the kernel writing y reads x again after writing some of y (a later pass over a row, a gather, a matrix product); pass separate buffers")
	// The flag is per input: z, written in the last pass, could share x, but no
	// output of the kernel may.
	err = g.Run(Args{Inputs: map[string]Tensor{"x": F32(x, 3, 4)}, Outputs: map[string]Tensor{"y": F32(z2, 3, 4), "z": F32(x, 3, 4)}})
	wantErr(t, err, "center: output z shares memory with input x, but the kernel writing z reads x again after writing some of z (a later pass over a row, a gather, a matrix product); pass separate buffers")
}

// axisSumIR sums the columns of x (an axis kernel), then scales x by them.
const axisSumIR = `
func @cols(%x: f32[B,C]) -> (s: f32[1,C], y: f32[B,C]) {
  kernel k0 axis [B,C]
  kernel k1 rows [B]
  %1 = reduce_sum %x, axis=0, keepdims : f32[1,C] @k0
  %2 = mul %x, %1 : f32[B,C] @k1
  return s = %1, y = %2
}
`

// TestAxisKernelUnits splits an axis kernel by output positions.
func TestAxisKernelUnits(t *testing.T) {
	c := buildIR(t, axisSumIR)
	const b, n = 300, 1001
	x := make([]float32, b*n)
	for i := range x {
		x[i] = float32(math.Sin(float64(i)))
	}
	var first []float32
	for _, threads := range []int{1, 3} {
		f := mustFunc(t, c.load(t, Config{Threads: threads, MinChunk: 1024}), "cols")
		if got := elements(f.p.kernels[0].units, []int64{b, n}); got != n {
			t.Fatalf("units of the axis kernel: %d, want %d output positions", got, n)
		}
		s, y := make([]float32, n), make([]float32, b*n)
		if err := f.Run(Args{Inputs: map[string]Tensor{"x": F32(x, b, n)}, Outputs: map[string]Tensor{"s": F32(s, 1, n), "y": F32(y, b, n)}}); err != nil {
			t.Fatal(err)
		}
		for j := range n {
			// Each column adds its rows in order k = 0, 1, ..., as float32.
			var want float32
			for k := range b {
				want += x[k*n+j]
			}
			if s[j] != want {
				t.Fatalf("%d threads: s[%d] = %v, want %v", threads, j, s[j], want)
			}
		}
		if first == nil {
			first = y
		} else if !slices.Equal(first, y) {
			t.Fatal("results differ between thread counts")
		}
	}
}

// TestIndexChecks: an index input out of range is an error before any kernel runs.
func TestIndexChecks(t *testing.T) {
	src, err := os.ReadFile("../codegen/cpu/testdata/rows/zlpr_sparse.ir")
	if err != nil {
		t.Fatal(err)
	}
	c := buildIR(t, string(src))
	f := mustFunc(t, c.load(t, Config{Threads: 2}), "zlpr_sparse")
	const b, n, k = 8, 1000, 10
	logits, idx, loss := make([]float32, b*n), make([]int32, b*k), make([]float32, b)
	for i := range idx {
		idx[i] = int32(i*37) % n
	}
	args := Args{Inputs: map[string]Tensor{"logits": F32(logits, b, n), "pos_idx": I32(idx, b, k)}, Outputs: map[string]Tensor{"loss": F32(loss)}}
	if err := f.Run(args); err != nil {
		t.Fatal(err)
	}
	idx[3*k+7] = 1200
	loss[0] = 42
	wantErr(t, f.Run(args), "zlpr_sparse: input pos_idx: index 1200 at [3, 7] out of range [0, 1000) for take_along_axis along axis 1 of logits")
	if loss[0] != 42 {
		t.Error("a kernel ran although an index was out of range")
	}
	idx[3*k+7] = -1
	wantErr(t, f.Run(args), "zlpr_sparse: input pos_idx: index -1 at [3, 7] out of range [0, 1000) for take_along_axis along axis 1 of logits")
	want := []artifact.IndexCheck{{Input: "pos_idx", Axis: 1, Bound: "C", Of: "logits"}}
	if got := c.mod.Func("zlpr_sparse"); !slices.Equal(kplan.IndexChecks(got), want) {
		t.Errorf("IndexChecks = %v, want %v", kplan.IndexChecks(got), want)
	}
}

// TestCompiledNoAllocations: row kernels with dimension scalars and host
// values depending on dimensions allocate nothing in the steady state.
func TestCompiledNoAllocations(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates on synchronization")
	}
	c := buildIR(t, zlprMeanIR(t))
	for _, threads := range []int{1, 2} {
		f := mustFunc(t, c.load(t, Config{Threads: threads, MinChunk: 512}), "zlpr")
		z := newZLPRCall(200, 300, 4)
		a := z.args()
		if err := f.Run(a); err != nil {
			t.Fatal(err)
		}
		allocs := testing.AllocsPerRun(50, func() {
			if err := f.Run(a); err != nil {
				t.Fatal(err)
			}
		})
		if allocs != 0 {
			t.Errorf("%d threads: %v allocations per call, want 0", threads, allocs)
		}
	}
}

// TestHostValuesFollowDims: a host value using dim(B) is recomputed when B changes.
func TestHostValuesFollowDims(t *testing.T) {
	c := buildIR(t, zlprMeanIR(t))
	f := mustFunc(t, c.load(t, Config{Threads: 1}), "zlpr")
	for _, b := range []int{10, 20, 10} {
		z := newZLPRCall(b, 16, 5)
		z.run(t, f)
		if want := z.total[0] / float32(b); math.Abs(float64(z.mean[0]-want)) > 1e-6*math.Abs(float64(want)) {
			t.Fatalf("B=%d: mean %v, want total/B = %v", b, z.mean[0], want)
		}
	}
}

func BenchmarkZLPR(b *testing.B) {
	c := buildIR(b, zlprMeanIR(b))
	sizes := [][2]int{{4096, 1000}, {256, 32000}}
	for _, size := range sizes {
		for _, threads := range []int{1, 2} {
			b.Run(fmt.Sprintf("B=%d/C=%d/threads=%d", size[0], size[1], threads), func(b *testing.B) {
				f := mustFunc(b, c.load(b, Config{Threads: threads}), "zlpr")
				z := newZLPRCall(size[0], size[1], 6)
				a := z.args()
				var times []float64
				for b.Loop() {
					start := time.Now()
					if err := f.Run(a); err != nil {
						b.Fatal(err)
					}
					times = append(times, float64(time.Since(start).Nanoseconds()))
				}
				sort.Float64s(times)
				b.ReportMetric(times[len(times)/2]/float64(size[0]*size[1]), "ns/elem")
			})
		}
	}
}
