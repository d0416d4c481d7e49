// This file implements `dlc run`: .npy files in, one .npy file per output out.
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"dlc.dev/dlc/artifact"
	"dlc.dev/dlc/runtime"
	"dlc.dev/dlc/runtime/npy"
)

func runRun(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	var ins, sets pairs
	fs.Var(&ins, "in", "`NAME=PATH.npy[:DTYPE]`: read input NAME from PATH.npy (repeatable; every input is required); "+
		"with :bf16 or :f16, f32 data is rounded to that dtype (to nearest even), with :f32 bf16 or f16 data is widened")
	fs.Var(&sets, "set", "`NAME=VALUE`: set scalar parameter NAME (repeatable; true and false are 1 and 0)")
	outDir := fs.String("out", "", "`DIR`: write each output to DIR/OUTPUT_NAME.npy (required)")
	outF32 := fs.Bool("out-f32", false, "write bf16 and f16 outputs widened to f32 (exactly), as '<f4' .npy files")
	art, fn, desc, err := addDeviceFlags(fs).openFunction(fs, args, func() error {
		if *outDir == "" {
			return &usageError{"--out DIR is required"}
		}
		return nil
	})
	if err != nil {
		return err
	}
	defer art.Close()
	a := runtime.Args{Inputs: map[string]runtime.Tensor{}, Outputs: map[string]runtime.Tensor{}, Scalars: map[string]float64{}}
	shapes := map[string][]int64{}
	for i, name := range ins.keys {
		t, err := readInput(name, ins.vals[i], desc)
		if err != nil {
			return err
		}
		a.Inputs[name] = t
		shapes[name] = t.Shape
	}
	for i, name := range sets.keys {
		x, err := parseScalar(sets.vals[i])
		if err != nil {
			return fmt.Errorf("--set %s: %w", name, err)
		}
		a.Scalars[name] = x
	}
	dims, err := bindDims(desc, shapes)
	if err != nil {
		return err
	}
	for _, o := range desc.Outputs {
		shape, err := concrete(o.Shape, dims)
		if err != nil {
			return fmt.Errorf("output %s: %w", o.Name, err)
		}
		dt, err := runtime.ParseDType(o.DType)
		if err != nil {
			return fmt.Errorf("output %s: %w", o.Name, err)
		}
		n := int64(dt.Size())
		for _, d := range shape {
			n *= d
		}
		a.Outputs[o.Name] = runtime.FromBytes(dt, shape, make([]byte, n))
	}
	dev, back, free, err := onDevice(art, a)
	if err != nil {
		return err
	}
	defer free()
	if err := fn.Run(dev); err != nil {
		return err
	}
	if err := back(); err != nil {
		return err
	}
	if err := os.MkdirAll(*outDir, 0o755); err != nil {
		return err
	}
	names := make([]string, 0, len(a.Outputs))
	for n := range a.Outputs {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		t := a.Outputs[n]
		if *outF32 && (t.DType == runtime.BFloat16 || t.DType == runtime.Float16) {
			if t, err = runtime.ConvertFloat(t, runtime.Float32); err != nil {
				return fmt.Errorf("output %s: %w", n, err)
			}
		}
		if err := npy.WriteFile(filepath.Join(*outDir, n+".npy"), t); err != nil {
			return err
		}
	}
	return nil
}

// readInput reads the --in value spec of input name: PATH.npy, or
// PATH.npy:DTYPE to convert its data to DTYPE (runtime.ConvertFloat). A file
// of f32 data for a bf16 or f16 input without a conversion is an error that
// says how to convert it.
func readInput(name, spec string, desc *artifact.Function) (runtime.Tensor, error) {
	path, to, err := splitInputSpec(spec)
	if err != nil {
		return runtime.Tensor{}, fmt.Errorf("--in %s=%s: %w", name, spec, err)
	}
	t, err := npy.ReadFile(path)
	if err != nil {
		return runtime.Tensor{}, fmt.Errorf("input %s: %w", name, err)
	}
	if to == nil {
		if want := inputDType(desc, name); t.DType == runtime.Float32 && (want == "bf16" || want == "f16") {
			return runtime.Tensor{}, fmt.Errorf("input %s: %s holds f32 data, the function takes %s: give --in %s=%s:%s to round it", name, path, want, name, path, want)
		}
		return t, nil
	}
	c, err := runtime.ConvertFloat(t, *to)
	if err != nil {
		return runtime.Tensor{}, fmt.Errorf("--in %s=%s: %w", name, spec, err)
	}
	return c, nil
}

// splitInputSpec splits PATH[:DTYPE]. A suffix after the last colon that
// names no directory or file extension is a dtype and must be one; any other
// colon belongs to the path.
func splitInputSpec(spec string) (string, *runtime.DType, error) {
	i := strings.LastIndexByte(spec, ':')
	if i < 0 || strings.ContainsAny(spec[i+1:], "/.") {
		return spec, nil, nil
	}
	d, err := runtime.ParseDType(spec[i+1:])
	if err != nil {
		return "", nil, err
	}
	return spec[:i], &d, nil
}

// inputDType is the dtype name of input name of f, or "" when f has none.
func inputDType(f *artifact.Function, name string) string {
	for _, in := range f.Inputs {
		if in.Name == name {
			return in.DType
		}
	}
	return ""
}

func parseScalar(s string) (float64, error) {
	switch strings.ToLower(s) {
	case "true":
		return 1, nil
	case "false":
		return 0, nil
	}
	x, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return 0, fmt.Errorf("%q is not a number", s)
	}
	return x, nil
}

// openFunc loads an artifact with cfg and returns one of its functions with
// its description.
func openFunc(path, name string, cfg runtime.Config) (*runtime.Artifact, *runtime.Func, *artifact.Function, error) {
	art, err := runtime.Load(path, cfg)
	if err != nil {
		return nil, nil, nil, err
	}
	fn, err := art.Func(name)
	if err != nil {
		art.Close()
		return nil, nil, nil, err
	}
	return art, fn, findFunc(art.Manifest(), name), nil
}

func findFunc(m *artifact.Manifest, name string) *artifact.Function {
	for i := range m.Functions {
		if m.Functions[i].Name == name {
			return &m.Functions[i]
		}
	}
	return nil
}

// bindDims sizes the symbolic dimensions from the input shapes that were given;
// the runtime checks everything again before running.
func bindDims(f *artifact.Function, shapes map[string][]int64) (map[string]int64, error) {
	dims := map[string]int64{}
	for _, in := range f.Inputs {
		s, ok := shapes[in.Name]
		if !ok {
			continue
		}
		if len(s) != len(in.Shape) {
			return nil, fmt.Errorf("input %s: rank %d, want %s[%s]", in.Name, len(s), in.DType, strings.Join(in.Shape, ","))
		}
		for i, d := range in.Shape {
			if _, err := strconv.ParseInt(d, 10, 64); err == nil {
				continue
			}
			if old, ok := dims[d]; ok && old != s[i] {
				return nil, fmt.Errorf("input %s: dimension %s is %d here but %d elsewhere", in.Name, d, s[i], old)
			}
			dims[d] = s[i]
		}
	}
	return dims, nil
}

func concrete(shape []string, dims map[string]int64) ([]int64, error) {
	out := make([]int64, len(shape))
	for i, d := range shape {
		if n, err := strconv.ParseInt(d, 10, 64); err == nil {
			out[i] = n
			continue
		}
		n, ok := dims[d]
		if !ok {
			return nil, fmt.Errorf("dimension %s is not given by any input", d)
		}
		out[i] = n
	}
	return out, nil
}
