// This file tests Run end to end on hand-built artifacts: results, in-place updates,
// temporaries, chunked execution, concurrency and allocation-free steady state.
package runtime

import (
	"math"
	"os"
	"path/filepath"
	goruntime "runtime"
	"slices"
	"sync"
	"testing"
	"time"

	"dlc.dev/dlc/ir"
)

func TestScale(t *testing.T) {
	f := mustFunc(t, loadTest(t, Config{}), "scale")
	x := []float32{1, 2, 3, 4}
	y := make([]float32, 4)
	if err := f.Run(Args{Inputs: map[string]Tensor{"x": F32(x)}, Outputs: map[string]Tensor{"y": F32(y)}}); err != nil {
		t.Fatal(err)
	}
	if want := []float32{2, 4, 6, 8}; !slices.Equal(y, want) {
		t.Errorf("default scalar: y = %v, want %v", y, want)
	}
	if err := f.Run(Args{Inputs: map[string]Tensor{"x": F32(x)}, Outputs: map[string]Tensor{"y": F32(y)}, Scalars: map[string]float64{"s": -0.5}}); err != nil {
		t.Fatal(err)
	}
	if want := []float32{-0.5, -1, -1.5, -2}; !slices.Equal(y, want) {
		t.Errorf("y = %v, want %v", y, want)
	}
}

// TestLionMatchesInterpreter runs the Lion kernel in place (theta and m updated in
// their own buffers) with host-computed coefficients and compares with ir.Interpret.
// The scalars change between calls, so cached host values must be recomputed.
func TestLionMatchesInterpreter(t *testing.T) {
	src, err := os.ReadFile(filepath.Join("testdata", "lion.ir"))
	if err != nil {
		t.Fatal(err)
	}
	mod, err := ir.Parse(string(src))
	if err != nil {
		t.Fatal(err)
	}
	const n = 10007
	for _, threads := range []int{1, 3} {
		f := mustFunc(t, loadTest(t, Config{Threads: threads, MinChunk: 256}), "lion")
		for _, scalars := range []map[string]float64{
			{"lr": 0.01, "beta1": 0.8, "wd": 0.1},
			{"lr": 0.01, "beta1": 0.5, "beta2": 0.9, "wd": 0.1},
			{"lr": 0.01, "beta1": 0.8, "wd": 0.1},
			{},
		} {
			theta, grad, m := make([]float32, n), make([]float32, n), make([]float32, n)
			th64, g64, m64 := make([]float64, n), make([]float64, n), make([]float64, n)
			for i := range n {
				theta[i] = float32(math.Sin(float64(i)))
				grad[i] = float32(math.Cos(float64(i) * 0.7))
				m[i] = float32(math.Sin(float64(i)*1.3) * 0.1)
				th64[i], g64[i], m64[i] = float64(theta[i]), float64(grad[i]), float64(m[i])
			}
			want, err := ir.Interpret(mod, "lion", ir.Inputs{
				Tensors: map[string]*ir.Array{"theta": {Shape: []int64{n}, Data: th64}, "grad": {Shape: []int64{n}, Data: g64}, "m": {Shape: []int64{n}, Data: m64}},
				Scalars: scalars,
			})
			if err != nil {
				t.Fatal(err)
			}
			args := Args{
				Inputs:  map[string]Tensor{"theta": F32(theta), "grad": F32(grad), "m": F32(m)},
				Outputs: map[string]Tensor{"theta_new": F32(theta), "m_new": F32(m)},
				Scalars: scalars,
			}
			if err := f.Run(args); err != nil {
				t.Fatal(err)
			}
			for name, got := range map[string][]float32{"theta_new": theta, "m_new": m} {
				for i, w := range want[name].Data {
					if d := math.Abs(float64(got[i]) - w); d > 1e-6*math.Max(1, math.Abs(w)) {
						t.Fatalf("threads %d, scalars %v: %s[%d] = %v, interpreter says %v", threads, scalars, name, i, got[i], w)
					}
				}
			}
		}
	}
}

func TestChainUsesTemporaries(t *testing.T) {
	f := mustFunc(t, loadTest(t, Config{Threads: 2, MinChunk: 128}), "chain")
	for _, n := range []int{5, 3000, 40} { // grow, then shrink: the arena is reused
		x := make([]float32, n)
		for i := range x {
			x[i] = float32(i)
		}
		y := make([]float32, n)
		if err := f.Run(Args{Inputs: map[string]Tensor{"x": F32(x)}, Outputs: map[string]Tensor{"y": F32(y)}}); err != nil {
			t.Fatal(err)
		}
		for i := range y {
			if want := (x[i]+1)*2 + x[i]; y[i] != want {
				t.Fatalf("n=%d: y[%d] = %v, want %v", n, i, y[i], want)
			}
		}
		// In place is fine: the last kernel reads x and writes y element by element.
		if err := f.Run(Args{Inputs: map[string]Tensor{"x": F32(x)}, Outputs: map[string]Tensor{"y": F32(x)}}); err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(x, y) {
			t.Fatalf("n=%d: in-place result differs", n)
		}
	}
}

func TestChunkedMatchesSingleThread(t *testing.T) {
	const n = 100003
	x := make([]float32, n)
	for i := range x {
		x[i] = float32(i % 17)
	}
	run := func(cfg Config) ([]float32, []int64) {
		f := mustFunc(t, loadTest(t, cfg), "mark")
		y, c := make([]float32, n), make([]int64, n)
		if err := f.Run(Args{Inputs: map[string]Tensor{"x": F32(x)}, Outputs: map[string]Tensor{"y": F32(y), "c": I64(c)}}); err != nil {
			t.Fatal(err)
		}
		return y, c
	}
	y1, c1 := run(Config{Threads: 1})
	if c1[n-1] != 0 {
		t.Errorf("one thread: element %d written by a chunk starting at %d", n-1, c1[n-1])
	}
	y4, c4 := run(Config{Threads: 4, MinChunk: 1024})
	if !slices.Equal(y1, y4) {
		t.Fatal("chunked result differs from single-threaded")
	}
	chunks := 0
	for i, b := range c4 {
		if b%64 != 0 {
			t.Fatalf("chunk begins at %d, not a multiple of 64", b)
		}
		if i > 0 && b != c4[i-1] {
			if b != int64(i) {
				t.Fatalf("element %d belongs to a chunk beginning at %d", i, b)
			}
			chunks++
		}
	}
	if chunks < 4 {
		t.Errorf("%d chunk boundaries, want the work split", chunks)
	}
}

func TestRowsSplitByWork(t *testing.T) {
	// 400 rows is far below MinChunk elements, but each row touches 256: the work is split.
	const rows = 400
	if got := chunkSize(rows, 256, 4, DefaultMinChunk); got >= rows {
		t.Errorf("chunkSize = %d, want a split of %d rows", got, rows)
	}
	f := mustFunc(t, loadTest(t, Config{Threads: 4}), "rows")
	x := make([]float32, rows*256)
	for i := range x {
		x[i] = float32(i / 256)
	}
	y := make([]float32, rows)
	if err := f.Run(Args{Inputs: map[string]Tensor{"x": F32(x, rows, 256)}, Outputs: map[string]Tensor{"y": F32(y)}}); err != nil {
		t.Fatal(err)
	}
	for r := range y {
		if y[r] != float32(r*256) {
			t.Fatalf("y[%d] = %v, want %v", r, y[r], r*256)
		}
	}
}

func TestChunkSize(t *testing.T) {
	tests := []struct {
		count, inner int64
		threads, min int
		want         int64
	}{
		{1000, 1, 8, 1 << 15, 1000},       // below MinChunk: one call
		{1 << 20, 1, 1, 1 << 15, 1 << 20}, // one thread
		{1 << 20, 1, 4, 1 << 15, 1 << 16}, // 16 chunks of 64K
		{1<<15 + 1, 1, 16, 1 << 15, 4096}, // never below MinChunk/8
		{100003, 1, 3, 1024, 8384},        // rounded up to 64
		{400, 256, 4, 1 << 15, 25},        // rows: 25 rows of 256 elements
		{400, 16, 4, 4096, 32},            // 4 rows per 64 elements: multiples of 4
		{0, 1, 4, 1, 0},                   // nothing to do
	}
	for _, tt := range tests {
		if got := chunkSize(tt.count, tt.inner, tt.threads, tt.min); got != tt.want {
			t.Errorf("chunkSize(%d, %d, %d, %d) = %d, want %d", tt.count, tt.inner, tt.threads, tt.min, got, tt.want)
		}
	}
}

func TestHazardousAlias(t *testing.T) {
	f := mustFunc(t, loadTest(t, Config{}), "hazard")
	x := []float32{1, 2}
	other := make([]float32, 2)
	// z may replace x: the last kernel reads x while writing z.
	if err := f.Run(Args{Inputs: map[string]Tensor{"x": F32(x)}, Outputs: map[string]Tensor{"y": F32(other), "z": F32(x)}}); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(x, []float32{3, 6}) || !slices.Equal(other, []float32{3, 6}) {
		t.Errorf("x = %v, y = %v", x, other)
	}
	// y may not: the second kernel reads x after the first wrote y.
	err := f.Run(Args{Inputs: map[string]Tensor{"x": F32(x)}, Outputs: map[string]Tensor{"y": F32(x), "z": F32(other)}})
	wantErr(t, err, "hazard: output y shares memory with input x, but a later kernel reads x after y is written; pass separate buffers")
}

func TestIntegerScalar(t *testing.T) {
	f := mustFunc(t, loadTest(t, Config{}), "iadd")
	x := []int32{1, -2, 3}
	y := make([]int32, 3)
	if err := f.Run(Args{Inputs: map[string]Tensor{"x": I32(x)}, Outputs: map[string]Tensor{"y": I32(y)}, Scalars: map[string]float64{"a": -7}}); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(y, []int32{-6, -9, -4}) {
		t.Errorf("y = %v", y)
	}
}

func TestZeroElements(t *testing.T) {
	f := mustFunc(t, loadTest(t, Config{}), "chain")
	if err := f.Run(Args{Inputs: map[string]Tensor{"x": F32(nil)}, Outputs: map[string]Tensor{"y": F32([]float32{})}}); err != nil {
		t.Fatal(err)
	}
}

func TestConcurrentRuns(t *testing.T) {
	a := loadTest(t, Config{Threads: 3, MinChunk: 512})
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			name := []string{"scale", "chain"}[g%2]
			f, err := a.Func(name)
			if err != nil {
				errs <- err
				return
			}
			n := 5000 + g*100
			x := make([]float32, n)
			for i := range x {
				x[i] = float32(i + g)
			}
			y := make([]float32, n)
			for range 50 {
				if err := f.Run(Args{Inputs: map[string]Tensor{"x": F32(x)}, Outputs: map[string]Tensor{"y": F32(y)}}); err != nil {
					errs <- err
					return
				}
				for i := range y {
					want := x[i] * 2
					if name == "chain" {
						want = (x[i]+1)*2 + x[i]
					}
					if y[i] != want {
						t.Errorf("goroutine %d (%s): y[%d] = %v, want %v", g, name, i, y[i], want)
						return
					}
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func TestCloseThenRun(t *testing.T) {
	a, err := LoadBytes(encode(t, testManifest(), testSections(t)), Config{})
	if err != nil {
		t.Fatal(err)
	}
	f := mustFunc(t, a, "scale")
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	if err := a.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	err = f.Run(Args{Inputs: map[string]Tensor{"x": F32([]float32{1})}, Outputs: map[string]Tensor{"y": F32([]float32{0})}})
	wantErr(t, err, "scale: artifact is closed")
}

// TestNoAllocations checks the steady state: after a first call, a call with the same
// shapes allocates nothing, on one thread, on the pool, and with host values.
func TestNoAllocations(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates on synchronization")
	}
	tests := []struct {
		name string
		cfg  Config
		n    int
	}{
		{"scale", Config{Threads: 1}, 1000},
		{"scale", Config{Threads: 4, MinChunk: 1024}, 100000},
		{"chain", Config{Threads: 4, MinChunk: 1024}, 100000},
		{"lion", Config{Threads: 2, MinChunk: 1024}, 100000},
	}
	for _, tt := range tests {
		f := mustFunc(t, loadTest(t, tt.cfg), tt.name)
		x, y, z := make([]float32, tt.n), make([]float32, tt.n), make([]float32, tt.n)
		args := Args{Inputs: map[string]Tensor{"x": F32(x)}, Outputs: map[string]Tensor{"y": F32(y)}, Scalars: map[string]float64{}}
		if tt.name == "lion" {
			args = Args{
				Inputs:  map[string]Tensor{"theta": F32(x), "grad": F32(y), "m": F32(z)},
				Outputs: map[string]Tensor{"theta_new": F32(x), "m_new": F32(z)},
				Scalars: map[string]float64{"lr": 0.001},
			}
		}
		if err := f.Run(args); err != nil {
			t.Fatal(err)
		}
		allocs := testing.AllocsPerRun(100, func() {
			if err := f.Run(args); err != nil {
				t.Fatal(err)
			}
		})
		if allocs != 0 {
			t.Errorf("%s %+v: %v allocations per call, want 0", tt.name, tt.cfg, allocs)
		}
	}
}

// TestAllocationsWithChangingScalars measures a call whose host values must be
// recomputed every time (a step counter): ir.EvalHost builds its maps per call.
func TestAllocationsWithChangingScalars(t *testing.T) {
	f := mustFunc(t, loadTest(t, Config{Threads: 1}), "lion")
	x, y, z := make([]float32, 1000), make([]float32, 1000), make([]float32, 1000)
	args := Args{
		Inputs:  map[string]Tensor{"theta": F32(x), "grad": F32(y), "m": F32(z)},
		Outputs: map[string]Tensor{"theta_new": F32(x), "m_new": F32(z)},
		Scalars: map[string]float64{"beta1": 0.9},
	}
	beta := 0.9
	allocs := testing.AllocsPerRun(100, func() {
		beta = 1 - (1-beta)*0.999
		args.Scalars["beta1"] = beta
		if err := f.Run(args); err != nil {
			t.Fatal(err)
		}
	})
	t.Logf("%v allocations per call when host values change (all in ir.EvalHost)", allocs)
	if allocs > 20 {
		t.Errorf("%v allocations per call", allocs)
	}
}

func wantErr(t *testing.T, err error, msg string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want %q", msg)
	}
	if err.Error() != msg {
		t.Errorf("error\n  %s\nwant\n  %s", err, msg)
	}
}

// TestForgottenClose checks that an Artifact dropped without Close is collected and
// its workers stop.
func TestForgottenClose(t *testing.T) {
	so := testSections(t)
	before := goruntime.NumGoroutine()
	for range 5 {
		a, err := LoadBytes(encode(t, testManifest(), so), Config{Threads: 4})
		if err != nil {
			t.Fatal(err)
		}
		x, y := make([]float32, 1<<16), make([]float32, 1<<16)
		if err := mustFunc(t, a, "scale").Run(Args{Inputs: map[string]Tensor{"x": F32(x)}, Outputs: map[string]Tensor{"y": F32(y)}}); err != nil {
			t.Fatal(err)
		}
	}
	for range 50 {
		goruntime.GC()
		if goruntime.NumGoroutine() <= before {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Errorf("%d goroutines before, %d after dropping five artifacts", before, goruntime.NumGoroutine())
}
