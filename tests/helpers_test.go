package tests

import (
	"context"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"dlc.dev/dlc/codegen"
	"dlc.dev/dlc/codegen/llvmtool"
	"dlc.dev/dlc/compiler"
	"dlc.dev/dlc/internal/vectors"
	"dlc.dev/dlc/ir"
	"dlc.dev/dlc/runtime"
)

// needTools skips a test that compiles when the LLVM tools are missing.
func needTools(t testing.TB) {
	t.Helper()
	if _, err := llvmtool.FindTools(); err != nil {
		t.Skipf("compiling needs the LLVM tools: %v", err)
	}
}

// builds caches artifacts per source path within one test binary run.
type buildCache struct {
	mu   sync.Mutex
	arts map[string]*runtime.Artifact
}

var cache = &buildCache{arts: map[string]*runtime.Artifact{}}

// deviceEnv names the device the vector tests run on: unset or "cpu" for the
// CPU, "cuda" or "cuda:sm_XX" to build with that cuda target and run on GPU 0.
// scripts/gpu-check.sh sets it.
const deviceEnv = "DLC_TEST_DEVICE"

// loadDev builds a .dl file like load and loads it on the device deviceEnv
// names; its functions are run with runDev.
func loadDev(t testing.TB, rel string) *runtime.Artifact {
	t.Helper()
	dev := os.Getenv(deviceEnv)
	if dev == "" || dev == "cpu" {
		return load(t, rel)
	}
	kind, sm, err := codegen.ParseTarget(dev)
	require.NoError(t, err, deviceEnv)
	require.Equal(t, codegen.CUDA, kind, "%s=%s: want cpu or cuda[:sm_XX]", deviceEnv, dev)
	needTools(t)
	cache.mu.Lock()
	defer cache.mu.Unlock()
	key := rel + "@" + dev
	if a, ok := cache.arts[key]; ok {
		return a
	}
	path := filepath.Join("..", rel)
	src, err := os.ReadFile(path)
	require.NoError(t, err)
	b, _, err := compiler.Build(context.Background(), path, src, compiler.Options{GPU: sm})
	require.NoError(t, err)
	a, err := runtime.LoadBytes(b, runtime.Config{Device: runtime.CUDADevice(0)})
	require.NoError(t, err)
	cache.arts[key] = a
	return a
}

// runDev runs fn, a function of an artifact from loadDev, on host tensors:
// on a GPU it copies the inputs there (an output sharing an input's memory
// shares its copy), runs, and copies every output back.
func runDev(t testing.TB, fn *runtime.Func, args runtime.Args) error {
	t.Helper()
	art := artifactOf(t, fn)
	if art.Device().Kind == runtime.Host {
		return fn.Run(args)
	}
	dev := runtime.Args{Inputs: map[string]runtime.Tensor{}, Outputs: map[string]runtime.Tensor{}, Scalars: args.Scalars}
	var held []runtime.Tensor
	defer func() {
		for _, d := range held {
			require.NoError(t, art.Free(d))
		}
	}()
	for name, x := range args.Inputs {
		d, err := art.ToDevice(x)
		if err != nil {
			return err
		}
		held = append(held, d)
		dev.Inputs[name] = d
	}
outputs:
	for name, y := range args.Outputs {
		for in, x := range args.Inputs {
			if x.Data == y.Data {
				dev.Outputs[name] = dev.Inputs[in]
				continue outputs
			}
		}
		d, err := art.Alloc(y.DType, y.Shape...)
		if err != nil {
			return err
		}
		held = append(held, d)
		dev.Outputs[name] = d
	}
	if err := fn.Run(dev); err != nil {
		return err
	}
	for name, y := range args.Outputs {
		if err := art.Copy(y, dev.Outputs[name]); err != nil {
			return err
		}
	}
	return nil
}

// artifactOf finds the cached artifact fn belongs to.
func artifactOf(t testing.TB, fn *runtime.Func) *runtime.Artifact {
	t.Helper()
	cache.mu.Lock()
	defer cache.mu.Unlock()
	for _, a := range cache.arts {
		if f, err := a.Func(fn.Name()); err == nil && f == fn {
			return a
		}
	}
	t.Fatalf("function %s is of no loaded artifact", fn.Name())
	return nil
}

// load builds a .dl file (relative to the repository root) and loads it.
func load(t testing.TB, rel string) *runtime.Artifact {
	t.Helper()
	needTools(t)
	cache.mu.Lock()
	defer cache.mu.Unlock()
	if a, ok := cache.arts[rel]; ok {
		return a
	}
	path := filepath.Join("..", rel)
	src, err := os.ReadFile(path)
	require.NoError(t, err)
	b, _, err := compiler.Build(context.Background(), path, src, compiler.Options{})
	require.NoError(t, err)
	a, err := runtime.LoadBytes(b, runtime.Config{})
	require.NoError(t, err)
	cache.arts[rel] = a
	return a
}

// jsonArray is an array in the vectors' format.
type jsonArray = vectors.Array

type vectorCase struct {
	Name      string                     `json:"name"`
	HParams   map[string]json.RawMessage `json:"hparams"`
	Inputs    map[string]jsonArray       `json:"inputs"`
	Expected  map[string]json.RawMessage `json:"expected"`
	Tolerance struct {
		RTol float64 `json:"rtol"`
		ATol float64 `json:"atol"`
	} `json:"tolerance"`
}

type vectorFile struct {
	Function string       `json:"function"`
	Cases    []vectorCase `json:"cases"`
}

func readVectors(t testing.TB, name string) vectorFile {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "vectors", name+".json"))
	require.NoError(t, err)
	var vf vectorFile
	require.NoError(t, json.Unmarshal(b, &vf))
	require.NotEmpty(t, vf.Cases)
	return vf
}

func (c vectorCase) expected(t testing.TB, name string) jsonArray {
	t.Helper()
	raw, ok := c.Expected[name]
	require.True(t, ok, "case %s has no expected %s", c.Name, name)
	var a jsonArray
	require.NoError(t, json.Unmarshal(raw, &a))
	return a
}

// hparams decodes numbers and booleans; strings are returned separately.
func (c vectorCase) hparams(t testing.TB) (map[string]float64, map[string]string) {
	nums, strs := map[string]float64{}, map[string]string{}
	for k, raw := range c.HParams {
		var f float64
		var b bool
		var s string
		switch {
		case json.Unmarshal(raw, &f) == nil:
			nums[k] = f
		case json.Unmarshal(raw, &b) == nil:
			if b {
				nums[k] = 1
			} else {
				nums[k] = 0
			}
		case json.Unmarshal(raw, &s) == nil:
			strs[k] = s
		default:
			t.Fatalf("case %s: hparam %s: %s", c.Name, k, raw)
		}
	}
	return nums, strs
}

// closeTo checks |got-want| <= atol + rtol*|want| elementwise, with NaN matching NaN
// and infinities matching exactly.
func closeTo(t testing.TB, what string, got []float32, want []float64, rtol, atol float64) {
	t.Helper()
	require.Equal(t, len(want), len(got), what)
	bad := 0
	for i := range want {
		g, w := float64(got[i]), want[i]
		switch {
		case math.IsNaN(w):
			if !math.IsNaN(g) {
				bad++
				t.Errorf("%s[%d] = %v, want NaN", what, i, g)
			}
		case math.IsInf(w, 0):
			if g != w {
				bad++
				t.Errorf("%s[%d] = %v, want %v", what, i, g, w)
			}
		case math.Abs(g-w) > atol+rtol*math.Abs(w):
			bad++
			if bad <= 5 {
				t.Errorf("%s[%d] = %.9g, want %.9g (diff %.3g > %.3g)", what, i, g, w, math.Abs(g-w), atol+rtol*math.Abs(w))
			}
		}
	}
	if bad > 5 {
		t.Errorf("%s: %d of %d elements out of tolerance", what, bad, len(want))
	}
}

var (
	binOnce sync.Once
	binPath string
	binErr  error
)

func mathFloat32bits(x float32) uint32     { return math.Float32bits(x) }
func mathFloat32frombits(u uint32) float32 { return math.Float32frombits(u) }

// lowerRef returns the unoptimized IR of a source, the interpreter's input.
func lowerRef(t *testing.T, path string, src []byte) *ir.Module {
	t.Helper()
	m, err := compiler.Lower(path, src, compiler.Options{}, "input")
	require.NoError(t, err)
	return m
}

// buildProgram compiles a source relative to tests/ and returns the artifact bytes.
func buildProgram(t testing.TB, rel string) []byte {
	t.Helper()
	needTools(t)
	src, err := os.ReadFile(rel)
	require.NoError(t, err)
	b, _, err := compiler.Build(context.Background(), rel, src, compiler.Options{})
	require.NoError(t, err)
	return b
}
