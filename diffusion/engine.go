// This file defines Engine, what runs the entry points of a .dl program for the
// samplers, with two implementations: Compiled (a built artifact run by the
// runtime) and Interpreted (the float64 interpreter on the unoptimized IR, the
// oracle). Every sampler and model runs through it, so everything works — slowly
// — with the interpreter while a program does not compile yet, and runs
// compiled as soon as it does.
package diffusion

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"dlc.dev/dlc/compiler"
	"dlc.dev/dlc/ir"
	"dlc.dev/dlc/runtime"
)

// Tensor is an f32 tensor in row-major order. A 0-d tensor has an empty,
// non-nil shape and one element.
type Tensor struct {
	Shape []int64
	Data  []float32
}

// T wraps data with the given shape.
func T(data []float32, shape ...int64) Tensor {
	if shape == nil {
		shape = []int64{}
	}
	return Tensor{Shape: shape, Data: data}
}

// Args are the arguments of one call, by name; outputs are caller-allocated and
// may be the same buffer as an input.
type Args struct {
	Inputs  map[string]Tensor
	Outputs map[string]Tensor
	Scalars map[string]float64 // bools are 0 or 1; missing ones take their defaults
}

// Engine runs the entry points of one or more .dl programs.
type Engine interface {
	// Run calls entry point fn. Nothing is written unless the arguments check.
	Run(fn string, a Args) error
	// Has reports whether fn is an entry point.
	Has(fn string) bool
	// Kind says how the engine runs: "compiled" or "interpreted", and why it
	// fell back to the interpreter when it did.
	Kind() string
}

// Mode says which engine Open returns.
type Mode uint8

const (
	// Auto compiles, and falls back to the interpreter when the program does
	// not compile (the reason is in Kind).
	Auto Mode = iota
	// CompiledOnly compiles or fails.
	CompiledOnly
	// InterpretedOnly interprets the unoptimized IR.
	InterpretedOnly
)

// ParseMode reads "auto", "compiled" or "interpreted".
func ParseMode(s string) (Mode, error) {
	switch s {
	case "auto":
		return Auto, nil
	case "compiled":
		return CompiledOnly, nil
	case "interpreted":
		return InterpretedOnly, nil
	}
	return 0, fmt.Errorf("unknown engine mode %q (want auto, compiled or interpreted)", s)
}

// Open returns an engine for the program in src, named filename in errors.
func Open(ctx context.Context, filename string, src []byte, mode Mode) (Engine, error) {
	if mode == InterpretedOnly {
		return Interpret(filename, src)
	}
	c, err := Compile(ctx, filename, src)
	if err == nil || mode == CompiledOnly {
		return c, err
	}
	in, ierr := Interpret(filename, src)
	if ierr != nil {
		return nil, ierr
	}
	in.Reason = err
	return in, nil
}

// Compiled runs a built artifact.
type Compiled struct {
	art   *runtime.Artifact
	funcs map[string]*runtime.Func
}

// Compile builds src and loads the artifact.
func Compile(ctx context.Context, filename string, src []byte) (*Compiled, error) {
	b, man, err := compiler.Build(ctx, filename, src, compiler.Options{})
	if err != nil {
		return nil, err
	}
	art, err := runtime.LoadBytes(b, runtime.Config{})
	if err != nil {
		return nil, err
	}
	c := &Compiled{art: art, funcs: map[string]*runtime.Func{}}
	for _, f := range man.Functions {
		fn, err := art.Func(f.Name)
		if err != nil {
			art.Close()
			return nil, err
		}
		c.funcs[f.Name] = fn
	}
	return c, nil
}

// Close releases the artifact.
func (c *Compiled) Close() error { return c.art.Close() }

// Kind is "compiled".
func (c *Compiled) Kind() string { return "compiled" }

// Has reports whether fn is an entry point of the artifact.
func (c *Compiled) Has(fn string) bool { return c.funcs[fn] != nil }

// Run calls fn through the runtime, which checks every argument first.
func (c *Compiled) Run(fn string, a Args) error {
	f := c.funcs[fn]
	if f == nil {
		return fmt.Errorf("no entry point %s (have %s)", fn, strings.Join(c.names(), ", "))
	}
	ra := runtime.Args{Inputs: make(map[string]runtime.Tensor, len(a.Inputs)), Outputs: make(map[string]runtime.Tensor, len(a.Outputs)), Scalars: a.Scalars}
	for name, t := range a.Inputs {
		ra.Inputs[name] = f32(t)
	}
	for name, t := range a.Outputs {
		ra.Outputs[name] = f32(t)
	}
	return f.Run(ra)
}

func (c *Compiled) names() []string {
	var names []string
	for n := range c.funcs {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

func f32(t Tensor) runtime.Tensor {
	rt := runtime.F32(t.Data)
	rt.Shape = t.Shape
	if rt.Shape == nil {
		rt.Shape = []int64{}
	}
	return rt
}

// Interpreted runs the float64 reference interpreter on the unoptimized IR,
// rounding results to f32.
type Interpreted struct {
	m *ir.Module
	// Reason is why Open fell back to the interpreter, if it did.
	Reason error
}

// Interpret parses, checks and lowers src without running any pass.
func Interpret(filename string, src []byte) (*Interpreted, error) {
	m, err := compiler.Lower(filename, src, compiler.Options{}, "input")
	if err != nil {
		return nil, err
	}
	return &Interpreted{m: m}, nil
}

// Kind is "interpreted", with the reason for falling back when there is one.
func (in *Interpreted) Kind() string {
	if in.Reason != nil {
		return "interpreted (does not compile: " + in.Reason.Error() + ")"
	}
	return "interpreted"
}

// Has reports whether fn is a function of the module.
func (in *Interpreted) Has(fn string) bool { return in.m.Func(fn) != nil }

// Run interprets fn and writes its results, rounded to f32, into a.Outputs,
// whose shapes must be the results' shapes.
func (in *Interpreted) Run(fn string, a Args) error {
	f := in.m.Func(fn)
	if f == nil {
		return fmt.Errorf("no function %s", fn)
	}
	for _, r := range f.Results {
		if _, ok := a.Outputs[r.Name]; !ok {
			return fmt.Errorf("%s: missing output %s", fn, r.Name)
		}
	}
	for name := range a.Outputs {
		if !slices.ContainsFunc(f.Results, func(r ir.Result) bool { return r.Name == name }) {
			return fmt.Errorf("%s: unknown output %s", fn, name)
		}
	}
	args := ir.Inputs{Tensors: map[string]*ir.Array{}, Scalars: a.Scalars}
	for name, t := range a.Inputs {
		if n := elements(t.Shape); n != int64(len(t.Data)) {
			return fmt.Errorf("%s: input %s has %d elements for shape %v", fn, name, len(t.Data), t.Shape)
		}
		arr := &ir.Array{Shape: t.Shape, Data: make([]float64, len(t.Data))}
		for i, x := range t.Data {
			arr.Data[i] = float64(x)
		}
		args.Tensors[name] = arr
	}
	res, err := ir.Interpret(in.m, fn, args)
	if err != nil {
		return err
	}
	for name, t := range a.Outputs {
		r := res[name]
		if !slices.Equal(r.Shape, t.Shape) || len(t.Data) != len(r.Data) {
			return fmt.Errorf("%s: output %s has shape %v (%d elements), want %v", fn, name, t.Shape, len(t.Data), r.Shape)
		}
	}
	for name, t := range a.Outputs {
		for i, x := range res[name].Data {
			t.Data[i] = float32(x)
		}
	}
	return nil
}

func elements(shape []int64) int64 {
	n := int64(1)
	for _, d := range shape {
		n *= d
	}
	return n
}

// joined dispatches each entry point to the first engine that has it.
type joined []Engine

// Join combines engines into one that runs the entry points of all of them.
func Join(es ...Engine) Engine { return joined(es) }

func (j joined) Run(fn string, a Args) error {
	for _, e := range j {
		if e.Has(fn) {
			return e.Run(fn, a)
		}
	}
	return fmt.Errorf("no entry point %s", fn)
}

func (j joined) Has(fn string) bool {
	return slices.ContainsFunc(j, func(e Engine) bool { return e.Has(fn) })
}

func (j joined) Kind() string {
	var kinds []string
	for _, e := range j {
		if k := e.Kind(); !slices.Contains(kinds, k) {
			kinds = append(kinds, k)
		}
	}
	return strings.Join(kinds, "; ")
}
