// This file checks a call's tensor and scalar arguments against the function's
// signature and the launcher's memory, binds its symbolic dimensions and checks index
// inputs, before any kernel runs. Every mistake is an error naming the argument, what
// was expected and what was given.
package runtime

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"unsafe"
)

// bindTensors checks names, dtypes, shapes and buffer sizes of inputs and outputs.
func (f *Func) bindTensors(a *Args) error {
	p, s := f.p, &f.s
	if err := checkNames("input", a.Inputs, p.inputs); err != nil {
		return err
	}
	if err := checkNames("output", a.Outputs, p.outputs); err != nil {
		return err
	}
	for i := range s.boundBy {
		s.boundBy[i] = -1
	}
	for i := range p.inputs {
		spec := &p.inputs[i]
		t := a.Inputs[spec.name]
		if err := f.checkHead("input", spec, &t); err != nil {
			return err
		}
		for d, sd := range spec.shape {
			n := t.Shape[d]
			switch {
			case sd.sym < 0:
				if n != sd.n {
					return fmt.Errorf("input %s: dimension %d is %d, want %d (%s)", spec.name, d, n, sd.n, f.declared(spec))
				}
			case s.boundBy[sd.sym] < 0:
				s.dims[sd.sym], s.boundBy[sd.sym] = n, i
			case s.dims[sd.sym] != n:
				from := "another dimension of this input"
				if b := s.boundBy[sd.sym]; b != i {
					from = p.inputs[b].name
				}
				return fmt.Errorf("input %s: dimension %s is %d here but %d from %s", spec.name, p.syms[sd.sym], n, s.dims[sd.sym], from)
			}
		}
		b, err := checkSize("input", spec, &t, a.Range != nil)
		if err != nil {
			return err
		}
		s.in[i] = b
	}
	for i := range p.outputs {
		spec := &p.outputs[i]
		t := a.Outputs[spec.name]
		if err := f.checkHead("output", spec, &t); err != nil {
			return err
		}
		for d, sd := range spec.shape {
			want := sd.n
			if sd.sym >= 0 {
				want = s.dims[sd.sym]
			}
			if t.Shape[d] != want {
				return fmt.Errorf("output %s: shape %v, want %v (%s with %s)", spec.name, t.Shape, f.concrete(spec.shape), f.declared(spec), f.bindings(spec.shape))
			}
		}
		b, err := checkSize("output", spec, &t, a.Range != nil)
		if err != nil {
			return err
		}
		s.out[i] = b
	}
	// Temporaries and launch domains may combine dimensions of different inputs;
	// refuse sizes that do not fit in an int64 rather than wrap around.
	for _, t := range p.temps {
		if _, ok := checkedBytes(t.shape, s.dims, int64(t.dtype.Size())); !ok {
			return fmt.Errorf("temporary %s of %s is too large", t.ref, f.concreteString(t.shape))
		}
	}
	for _, k := range p.kernels {
		if _, ok := checkedBytes(k.domain, s.dims, 1); !ok {
			return fmt.Errorf("kernel %s: domain %s is too large", k.name, f.concreteString(k.domain))
		}
	}
	return nil
}

// checkNames reports a missing or unknown argument, listing the valid names.
func checkNames(what string, got map[string]Tensor, specs []tensorSpec) error {
	missing := -1
	for i, spec := range specs {
		if _, ok := got[spec.name]; !ok {
			missing = i
			break
		}
	}
	if missing < 0 && len(got) == len(specs) {
		return nil
	}
	var unknown []string
	for name := range got {
		if indexOf(specs, name) < 0 {
			unknown = append(unknown, name)
		}
	}
	slices.Sort(unknown)
	if missing >= 0 {
		hint := ""
		if len(unknown) > 0 {
			hint = fmt.Sprintf("; got unknown %q", unknown[0])
		}
		return fmt.Errorf("missing %s %q (%ss: %s%s)", what, specs[missing].name, what, specNames(specs), hint)
	}
	return fmt.Errorf("unknown %s %q (%ss: %s)", what, unknown[0], what, specNames(specs))
}

func specNames(specs []tensorSpec) string {
	if len(specs) == 0 {
		return "none"
	}
	names := make([]string, len(specs))
	for i, s := range specs {
		names[i] = s.name
	}
	return strings.Join(names, ", ")
}

// checkHead checks where the memory is, the dtype, the rank and the sign of every dimension.
func (f *Func) checkHead(what string, spec *tensorSpec, t *Tensor) error {
	if mem := f.a.dev.memory(); t.Device != mem {
		return fmt.Errorf("%s %s: its memory is on %s, but the kernels run on the %s and take %s memory",
			what, spec.name, t.Device, f.a.dev.name(), mem)
	}
	if t.DType != spec.dtype {
		return fmt.Errorf("%s %s: dtype %s, want %s", what, spec.name, t.DType, spec.dtype)
	}
	if len(t.Shape) != len(spec.shape) {
		return fmt.Errorf("%s %s: shape %v has rank %d, want rank %d", what, spec.name, t.Shape, len(t.Shape), len(spec.shape))
	}
	for _, n := range t.Shape {
		if n < 0 {
			return fmt.Errorf("%s %s: shape %v has a negative dimension", what, spec.name, t.Shape)
		}
	}
	return nil
}

// checkSize checks that the buffer holds the whole shape, or, when short is
// allowed (a call with Args.Range), accepts a shorter buffer, which
// bindRange checks.
func checkSize(what string, spec *tensorSpec, t *Tensor, short bool) (bound, error) {
	elems := t.Elements() // checkHead refused negative dimensions: -1 is an overflow
	size := int64(spec.dtype.Size())
	if elems < 0 || elems > math.MaxInt64/size {
		return bound{}, fmt.Errorf("%s %s: shape %v is too large", what, spec.name, t.Shape)
	}
	need := elems * size
	if short && t.Len >= 0 && int64(t.Len) < need {
		if t.Data == nil && t.Len > 0 {
			return bound{}, fmt.Errorf("%s %s: Data is nil", what, spec.name)
		}
		return bound{ptr: t.Data, elems: elems, bytes: int64(t.Len), short: true}, nil
	}
	if t.Len < 0 || int64(t.Len) < need {
		return bound{}, fmt.Errorf("%s %s: buffer holds %d bytes, shape %v of %s needs %d", what, spec.name, t.Len, t.Shape, spec.dtype, need)
	}
	if t.Data == nil && need > 0 {
		return bound{}, fmt.Errorf("%s %s: Data is nil", what, spec.name)
	}
	return bound{ptr: t.Data, elems: elems, bytes: need}, nil
}

// checkedBytes is elements(shape)*size, or false if it overflows.
func checkedBytes(shape []dim, dims []int64, size int64) (int64, bool) {
	n := size
	for _, d := range shape {
		x := d.n
		if d.sym >= 0 {
			x = dims[d.sym]
		}
		if x != 0 && n > math.MaxInt64/x {
			return 0, false
		}
		n *= x
	}
	return n, true
}

// bindScalars checks scalar names and values and applies defaults.
func (f *Func) bindScalars(a *Args) error {
	p, s := f.p, &f.s
	found := 0
	for i, spec := range p.scalars {
		x, ok := a.Scalars[spec.name]
		switch {
		case ok:
			found++
		case spec.def != nil:
			x = *spec.def
		default:
			return fmt.Errorf("missing scalar %q: it has no default (scalars: %s)", spec.name, f.scalarNames())
		}
		if err := checkScalarValue(spec, x); err != nil {
			return err
		}
		s.scalars[i] = x
	}
	if found == len(a.Scalars) {
		return nil
	}
	var unknown []string
	for name := range a.Scalars {
		if !slices.ContainsFunc(p.scalars, func(s scalarSpec) bool { return s.name == name }) {
			unknown = append(unknown, name)
		}
	}
	slices.Sort(unknown)
	return fmt.Errorf("unknown scalar %q (scalars: %s)", unknown[0], f.scalarNames())
}

// checkScalarValue refuses values the scalar's dtype cannot hold exactly.
func checkScalarValue(spec scalarSpec, x float64) error {
	switch {
	case spec.dtype.IsInt():
		if x != math.Trunc(x) {
			return fmt.Errorf("scalar %s: %v is not an integer (%s)", spec.name, x, spec.dtype)
		}
		lo, hi := float64(math.MinInt32), float64(math.MaxInt32)
		if spec.dtype.Size() == 8 {
			lo, hi = -(1 << 63), 1<<63-1024 // the largest float64 below 2^63
		}
		if x < lo || x > hi {
			return fmt.Errorf("scalar %s: %v is out of range for %s", spec.name, x, spec.dtype)
		}
	case spec.dtype == Boolean:
		if x != 0 && x != 1 {
			return fmt.Errorf("scalar %s: %v is not a bool (0 or 1)", spec.name, x)
		}
	}
	return nil
}

func (f *Func) scalarNames() string {
	if len(f.p.scalars) == 0 {
		return "none"
	}
	names := make([]string, len(f.p.scalars))
	for i, s := range f.p.scalars {
		names[i] = s.name
	}
	return strings.Join(names, ", ")
}

// declared prints a tensor's declared type, e.g. f32[N,4].
func (f *Func) declared(spec *tensorSpec) string {
	parts := make([]string, len(spec.shape))
	for i, d := range spec.shape {
		if d.sym >= 0 {
			parts[i] = f.p.syms[d.sym]
		} else {
			parts[i] = fmt.Sprint(d.n)
		}
	}
	return fmt.Sprintf("%s[%s]", spec.dtype, strings.Join(parts, ","))
}

// concrete evaluates a shape under the bound dimensions.
func (f *Func) concrete(shape []dim) []int64 {
	out := make([]int64, len(shape))
	for i, d := range shape {
		out[i] = d.n
		if d.sym >= 0 {
			out[i] = f.s.dims[d.sym]
		}
	}
	return out
}

func (f *Func) concreteString(shape []dim) string { return fmt.Sprint(f.concrete(shape)) }

// bindings explains where the symbols of shape got their values: "N=1024 from theta".
func (f *Func) bindings(shape []dim) string {
	var parts []string
	for _, d := range shape {
		if d.sym < 0 {
			continue
		}
		s := fmt.Sprintf("%s=%d from %s", f.p.syms[d.sym], f.s.dims[d.sym], f.p.inputs[f.s.boundBy[d.sym]].name)
		if !slices.Contains(parts, s) {
			parts = append(parts, s)
		}
	}
	if len(parts) == 0 {
		return "no symbolic dimensions"
	}
	return strings.Join(parts, ", ")
}

// checkIndices checks every index input that a kernel gathers with against the size
// of the gathered axis, before any kernel runs. (Kernels also clamp every index, so
// an index computed inside a kernel can never read out of bounds.)
func (f *Func) checkIndices() error {
	p, s := f.p, &f.s
	for _, c := range p.checks {
		spec := &p.inputs[c.input]
		b := s.in[c.input]
		if b.elems == 0 {
			continue
		}
		bound := c.bound.n
		if c.bound.sym >= 0 {
			bound = s.dims[c.bound.sym]
		}
		ptr, err := s.q.hostView(b.ptr, b.bytes)
		if err != nil {
			return fmt.Errorf("input %s: read indices: %w", spec.name, err)
		}
		at, x := int64(-1), int64(0)
		switch spec.dtype {
		case Int32:
			for i, v := range unsafe.Slice((*int32)(ptr), b.elems) {
				if v < 0 || int64(v) >= bound {
					at, x = int64(i), int64(v)
					break
				}
			}
		case Int64:
			for i, v := range unsafe.Slice((*int64)(ptr), b.elems) {
				if v < 0 || v >= bound {
					at, x = int64(i), v
					break
				}
			}
		}
		if at >= 0 {
			return fmt.Errorf("input %s: index %d at %s out of range [0, %d) for take_along_axis along axis %d of %s",
				spec.name, x, multiIndex(at, f.concrete(spec.shape)), bound, c.axis, c.of)
		}
	}
	return nil
}

// multiIndex prints flat index i of a row-major shape: "[3, 7]".
func multiIndex(i int64, shape []int64) string {
	idx := make([]string, len(shape))
	for d := len(shape) - 1; d >= 0; d-- {
		idx[d] = fmt.Sprint(i % shape[d])
		i /= shape[d]
	}
	return "[" + strings.Join(idx, ", ") + "]"
}
