// Command gpucheck runs every function of the standard library and the
// gradient programs of the tests (or the .dl programs named on the command
// line) on a GPU and on the CPU, on the seeded inputs of stdlibbits, and
// prints a JSON report comparing them: per
// output, whether the bits are the CPU's, the largest difference in units of
// the CPU result's scale, and whether two runs on the GPU gave the same bits.
// It exits 1 when an output is outside the tolerance, differs between GPU
// runs, or a function fails. scripts/gpu-check.sh runs it on a GPU machine:
//
//	go run ./internal/tools/gpucheck -sm sm_80 > stdlib.json
//
// The tolerance: loop and axis kernels run the CPU's per-element code and
// should give its bits; a row kernel sums in another (fixed) order, whose
// rounding differs by about n·eps relative to the sum of |terms|, n ≤ 1001 and
// eps = 2^-24 in the sources' shapes: 6e-5. An element passes within
// 1e-4 · (|cpu| + rms(cpu output)); NaN matches NaN.
package main

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"flag"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"sort"

	"dlc.dev/dlc/artifact"
	"dlc.dev/dlc/compiler"
	"dlc.dev/dlc/internal/stdlibargs"
	"dlc.dev/dlc/runtime"
)

// rtol is the tolerance of the file comment.
const rtol = 1e-4

// output is the comparison of one output.
type output struct {
	File          string  `json:"file"`
	Function      string  `json:"function"`
	Output        string  `json:"output"`
	Elements      int     `json:"elements"`
	BitIdentical  bool    `json:"bit_identical"`
	Differing     int     `json:"differing"`
	MaxScaledDiff float64 `json:"max_scaled_diff"`
	Deterministic bool    `json:"deterministic"`
	Pass          bool    `json:"pass"`
}

// report is what gpucheck prints.
type report struct {
	Target    string   `json:"target"`
	Tolerance float64  `json:"tolerance"`
	Outputs   []output `json:"outputs"`
	Errors    []string `json:"errors"`
	Functions int      `json:"functions"`
	Pass      bool     `json:"pass"`
}

func main() {
	sm := flag.String("sm", "sm_80", "the compute capability to build for")
	driver := flag.String("driver", runtime.DefaultCUDALibrary, "the CUDA driver library")
	flag.Parse()
	paths := flag.Args()
	if len(paths) == 0 {
		var err error
		if paths, err = stdlibPaths(); err != nil {
			fmt.Fprintln(os.Stderr, "gpucheck:", err)
			os.Exit(2)
		}
	}
	r := report{Target: "cuda:" + *sm, Tolerance: rtol, Outputs: []output{}, Errors: []string{}}
	for _, p := range paths {
		if err := check(&r, p, *sm, *driver); err != nil {
			r.Errors = append(r.Errors, fmt.Sprintf("%s: %v", p, err))
		}
	}
	r.Pass = len(r.Errors) == 0 && r.Functions > 0
	for _, o := range r.Outputs {
		r.Pass = r.Pass && o.Pass
	}
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", "  ")
	enc.Encode(r)
	if !r.Pass {
		os.Exit(1)
	}
}

// stdlibPaths are the sources stdlibbits runs, and the gradient programs of
// the tests (scatter_add kernels).
func stdlibPaths() ([]string, error) {
	var paths []string
	err := fs.WalkDir(os.DirFS("."), "stdlib", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && filepath.Ext(p) == ".dl" {
			paths = append(paths, p)
		}
		return err
	})
	paths = append(paths, "diffusion/gmm.dl", "tests/testdata/autodiff_losses.dl")
	sort.Strings(paths)
	return paths, err
}

// check builds one source for the CPU and the GPU and compares every function.
func check(r *report, path, sm, driver string) error {
	src, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	b, man, err := compiler.Build(context.Background(), path, src, compiler.Options{GPU: sm})
	if err != nil {
		return err
	}
	cpu, err := runtime.LoadBytes(b, runtime.Config{})
	if err != nil {
		return err
	}
	defer cpu.Close()
	gpu, err := runtime.LoadBytes(b, runtime.Config{Device: runtime.CUDADevice(0), CUDALibrary: driver})
	if err != nil {
		return err
	}
	defer gpu.Close()
	for _, fn := range man.Functions {
		if err := compare(r, path, fn, cpu, gpu); err != nil {
			r.Errors = append(r.Errors, fmt.Sprintf("%s @%s: %v", path, fn.Name, err))
		}
		r.Functions++
	}
	return nil
}

// compare runs fn on both devices (twice on the GPU) and records each output.
func compare(r *report, path string, fn artifact.Function, cpu, gpu *runtime.Artifact) error {
	args, want, err := stdlibargs.Arguments(fn)
	if err != nil {
		return err
	}
	f, err := cpu.Func(fn.Name)
	if err != nil {
		return err
	}
	if err := f.Run(args); err != nil {
		return fmt.Errorf("on the CPU: %w", err)
	}
	first, err := runGPU(gpu, fn.Name, args)
	if err != nil {
		return fmt.Errorf("on the GPU: %w", err)
	}
	second, err := runGPU(gpu, fn.Name, args)
	if err != nil {
		return fmt.Errorf("on the GPU, again: %w", err)
	}
	for _, o := range fn.Outputs {
		dt, _ := runtime.ParseDType(o.DType)
		c := diff(dt, want[o.Name], first[o.Name])
		c.File, c.Function, c.Output = path, fn.Name, o.Name
		c.Deterministic = string(first[o.Name]) == string(second[o.Name])
		c.Pass = c.Pass && c.Deterministic
		r.Outputs = append(r.Outputs, c)
	}
	return nil
}

// runGPU copies args' inputs to the GPU, runs function name there and returns
// the outputs' bytes.
func runGPU(gpu *runtime.Artifact, name string, args runtime.Args) (map[string][]byte, error) {
	f, err := gpu.Func(name)
	if err != nil {
		return nil, err
	}
	dev := runtime.Args{Inputs: map[string]runtime.Tensor{}, Outputs: map[string]runtime.Tensor{}, Scalars: args.Scalars}
	var held []runtime.Tensor
	defer func() {
		for _, t := range held {
			gpu.Free(t)
		}
	}()
	for k, t := range args.Inputs {
		d, err := gpu.ToDevice(t)
		if err != nil {
			return nil, err
		}
		held = append(held, d)
		dev.Inputs[k] = d
	}
	for k, t := range args.Outputs {
		d, err := gpu.Alloc(t.DType, t.Shape...)
		if err != nil {
			return nil, err
		}
		held = append(held, d)
		dev.Outputs[k] = d
	}
	if err := f.Run(dev); err != nil {
		return nil, err
	}
	out := map[string][]byte{}
	for k, d := range dev.Outputs {
		h, err := gpu.ToHost(d)
		if err != nil {
			return nil, err
		}
		out[k] = append([]byte{}, h.Bytes()...)
	}
	return out, nil
}

// diff compares GPU bytes got with CPU bytes want of dtype dt.
func diff(dt runtime.DType, want, got []byte) output {
	o := output{BitIdentical: string(want) == string(got), Pass: len(want) == len(got)}
	size := dt.Size()
	if !o.Pass || size == 0 {
		return o
	}
	o.Elements = len(want) / size
	w, g := floats(dt, want), floats(dt, got)
	if w == nil { // integers and booleans must be exact
		if !o.BitIdentical {
			o.Pass = false
			for i := 0; i < len(want); i += size {
				if string(want[i:i+size]) != string(got[i:i+size]) {
					o.Differing++
				}
			}
		}
		return o
	}
	var ss float64
	n := 0
	for _, x := range w {
		if !math.IsNaN(x) && !math.IsInf(x, 0) {
			ss += x * x
			n++
		}
	}
	rms := math.Sqrt(ss / float64(max(n, 1)))
	for i := range w {
		a, b := w[i], g[i]
		if a == b || math.IsNaN(a) && math.IsNaN(b) || math.Float64bits(a) == math.Float64bits(b) {
			continue
		}
		o.Differing++
		scale := math.Abs(a) + rms
		d := math.Abs(a-b) / scale
		if math.IsNaN(d) || math.IsInf(a, 0) || math.IsInf(b, 0) {
			d = math.Inf(1)
		}
		o.MaxScaledDiff = max(o.MaxScaledDiff, d)
	}
	o.Pass = o.MaxScaledDiff <= rtol
	if math.IsInf(o.MaxScaledDiff, 0) {
		o.MaxScaledDiff = math.MaxFloat64 // JSON has no infinity
	}
	return o
}

// floats decodes float bytes; nil for other dtypes.
func floats(dt runtime.DType, b []byte) []float64 {
	switch dt {
	case runtime.Float32:
		out := make([]float64, len(b)/4)
		for i := range out {
			out[i] = float64(math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:])))
		}
		return out
	case runtime.Float64:
		out := make([]float64, len(b)/8)
		for i := range out {
			out[i] = math.Float64frombits(binary.LittleEndian.Uint64(b[8*i:]))
		}
		return out
	case runtime.Float16, runtime.BFloat16:
		out := make([]float64, len(b)/2)
		for i := range out {
			h := binary.LittleEndian.Uint16(b[2*i:])
			if dt == runtime.BFloat16 {
				out[i] = float64(math.Float32frombits(uint32(h) << 16))
			} else {
				out[i] = halfToFloat(h)
			}
		}
		return out
	}
	return nil
}

// halfToFloat decodes an IEEE binary16.
func halfToFloat(h uint16) float64 {
	sign := 1.0
	if h&0x8000 != 0 {
		sign = -1
	}
	e, m := int(h>>10&0x1f), float64(h&0x3ff)
	switch e {
	case 0:
		return sign * m * math.Ldexp(1, -24)
	case 31:
		if m != 0 {
			return math.NaN()
		}
		return sign * math.Inf(1)
	}
	return sign * (1 + m/1024) * math.Ldexp(1, e-15)
}
