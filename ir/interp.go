// This file is the float64 reference interpreter: the oracle every compiled kernel
// is compared with. It runs any function of a module, before or after any pass.
package ir

import (
	"fmt"
	"math"
)

// Array is a float64 tensor in row-major order; a scalar has an empty shape.
type Array struct {
	Shape []int64
	Data  []float64
}

// NewArray returns a zero array of the given shape.
func NewArray(shape ...int64) *Array {
	n := int64(1)
	for _, d := range shape {
		n *= d
	}
	return &Array{Shape: append([]int64(nil), shape...), Data: make([]float64, n)}
}

// Inputs are the arguments of an interpreted call.
type Inputs struct {
	Tensors map[string]*Array
	Scalars map[string]float64 // missing scalars take their defaults
}

// Interpret runs function name of m in float64 and returns its results by name.
func Interpret(m *Module, name string, in Inputs) (map[string]*Array, error) {
	f := m.Func(name)
	if f == nil {
		return nil, fmt.Errorf("interpret: no function @%s", name)
	}
	args := make([]*Array, len(f.Params))
	for i, p := range f.Params {
		if p.Type.IsScalar() {
			x, ok := in.Scalars[p.Name]
			if !ok {
				if p.Default == nil {
					return nil, fmt.Errorf("interpret @%s: missing scalar %s", name, p.Name)
				}
				x = *p.Default
			}
			args[i] = &Array{Data: []float64{HostScalar(x, p.Type.DType)}}
			continue
		}
		t, ok := in.Tensors[p.Name]
		if !ok {
			return nil, fmt.Errorf("interpret @%s: missing tensor %s", name, p.Name)
		}
		args[i] = t
	}
	res, err := interpret(m, f, args, 0)
	if err != nil {
		return nil, err
	}
	out := map[string]*Array{}
	for i, r := range f.Results {
		out[r.Name] = res[i]
	}
	return out, nil
}

// BindDims matches the tensor parameters of f against argument shapes and returns
// the size of every symbolic dimension.
func BindDims(f *Func, shapes map[string][]int64) (map[string]int64, error) {
	dims := map[string]int64{}
	for _, p := range f.TensorParams() {
		s, ok := shapes[p.Name]
		if !ok {
			continue
		}
		if len(s) != len(p.Type.Shape) {
			return nil, fmt.Errorf("%s: rank %d, want %s", p.Name, len(s), p.Type)
		}
		for i, d := range p.Type.Shape {
			if !d.IsSym() {
				if d.N != s[i] {
					return nil, fmt.Errorf("%s: dimension %d is %d, want %d", p.Name, i, s[i], d.N)
				}
				continue
			}
			if old, ok := dims[d.Sym]; ok && old != s[i] {
				return nil, fmt.Errorf("%s: dimension %s is %d here but %d elsewhere", p.Name, d.Sym, s[i], old)
			}
			dims[d.Sym] = s[i]
		}
	}
	return dims, nil
}

// ConcreteShape evaluates a shape under bound dimensions.
func ConcreteShape(s Shape, dims map[string]int64) ([]int64, error) {
	out := make([]int64, len(s))
	for i, d := range s {
		if !d.IsSym() {
			out[i] = d.N
			continue
		}
		n, ok := dims[d.Sym]
		if !ok {
			return nil, fmt.Errorf("dimension %s is not bound", d.Sym)
		}
		out[i] = n
	}
	return out, nil
}

const maxCallDepth = 64

func interpret(m *Module, f *Func, args []*Array, depth int) ([]*Array, error) {
	if depth > maxCallDepth {
		return nil, fmt.Errorf("interpret: calls nested deeper than %d", maxCallDepth)
	}
	if HasGrad(f) {
		// A grad value means its reverse sweep, as the autodiff pass builds it.
		f = f.Clone()
		if err := Differentiate(m, f); err != nil {
			return nil, err
		}
	}
	shapes := map[string][]int64{}
	for i, p := range f.Params {
		shapes[p.Name] = args[i].Shape
	}
	dims, err := BindDims(f, shapes)
	if err != nil {
		return nil, fmt.Errorf("interpret @%s: %w", f.Name, err)
	}
	vals := map[*Value]*Array{}
	tuples := map[*Value][]*Array{}
	for i, p := range f.Params {
		vals[p] = args[i]
	}
	for _, v := range f.Body {
		switch v.Op {
		case OpConst:
			vals[v] = &Array{Data: []float64{v.Const}}
		case OpCall:
			callee := m.Func(v.Name)
			if callee == nil {
				return nil, fmt.Errorf("interpret: call of unknown @%s", v.Name)
			}
			cargs := make([]*Array, len(v.Args))
			for i, a := range v.Args {
				cargs[i] = vals[a]
			}
			res, err := interpret(m, callee, cargs, depth+1)
			if err != nil {
				return nil, err
			}
			tuples[v] = res
		case OpExtract:
			vals[v] = tuples[v.Args[0]][v.Index]
		case OpDim:
			n, ok := dims[v.Name]
			if !ok {
				return nil, fmt.Errorf("interpret @%s: dimension %s is not bound", f.Name, v.Name)
			}
			vals[v] = &Array{Data: []float64{float64(n)}}
		case OpParam, OpInvalid:
			return nil, fmt.Errorf("interpret: op %s in a body", v.Op)
		default:
			shape, err := ConcreteShape(v.Type.Shape, dims)
			if err != nil {
				return nil, fmt.Errorf("interpret @%s: %s: %w", f.Name, FormatValue(v), err)
			}
			var out *Array
			if v.Op.row().Eval != nil {
				out, err = evalElementwise(v, shape, vals)
			} else {
				out, err = evalStructural(v, shape, vals)
			}
			if err != nil {
				return nil, fmt.Errorf("interpret @%s: %s: %w", f.Name, FormatValue(v), err)
			}
			vals[v] = out
		}
	}
	res := make([]*Array, len(f.Results))
	for i, r := range f.Results {
		res[i] = vals[r.Value]
	}
	return res, nil
}

// evalElementwise applies an elementwise op (its row's Eval) to operands
// broadcast to shape.
func evalElementwise(v *Value, shape []int64, vals map[*Value]*Array) (*Array, error) {
	out := NewArray(shape...)
	ops := make([]*Array, len(v.Args))
	idx := make([]func(int) int, len(v.Args))
	for i, a := range v.Args {
		ops[i] = vals[a]
		var err error
		if idx[i], err = broadcastIndex(ops[i].Shape, shape); err != nil {
			return nil, fmt.Errorf("operand %d: %w", i, err)
		}
	}
	eval, d := v.Op.row().Eval, v.Type.DType
	xs := make([]float64, len(ops))
	for j := range out.Data {
		for i, o := range ops {
			xs[i] = o.Data[idx[i](j)]
		}
		out.Data[j] = eval(d, xs)
	}
	return out, nil
}

// EvalHost computes, in float64, every value of f placed on the host, from the
// scalar parameters (missing ones take their defaults) and the bound dimensions.
// The result is keyed by value ID.
func EvalHost(f *Func, scalars map[string]float64, dims map[string]int64) (map[int]float64, error) {
	vals := map[*Value]float64{}
	for _, p := range f.ScalarParams() {
		x, ok := scalars[p.Name]
		if !ok {
			if p.Default == nil {
				return nil, fmt.Errorf("missing scalar %s", p.Name)
			}
			x = *p.Default
		}
		vals[p] = HostScalar(x, p.Type.DType)
	}
	out := map[int]float64{}
	xs := make([]float64, 0, 3)
	for _, v := range f.Body {
		switch {
		case v.Op == OpConst:
			vals[v] = v.Const
		case v.Group == GroupHost && v.Op == OpDim:
			n, ok := dims[v.Name]
			if !ok {
				return nil, fmt.Errorf("dimension %s is not bound", v.Name)
			}
			vals[v] = float64(n)
			out[v.ID] = float64(n)
		case v.Group == GroupHost:
			xs = xs[:0]
			for _, a := range v.Args {
				x, ok := vals[a]
				if !ok {
					return nil, fmt.Errorf("host value %s uses %s, which is not on the host", Ref(v), Ref(a))
				}
				xs = append(xs, x)
			}
			// Host arithmetic is float64 whatever the declared float dtype; integers and
			// bools keep their meaning.
			d := v.Type.DType
			if d.IsFloat() {
				d = F64
			}
			x := EvalOp(v.Op, d, xs...)
			if math.IsNaN(x) && v.Type.DType.IsInt() {
				x = 0
			}
			vals[v] = x
			out[v.ID] = x
		}
	}
	return out, nil
}

// HostScalar is the host value of a scalar argument x declared with dtype d.
// Float scalars keep their full float64 value on the host (they are rounded to
// the kernel's dtype only where a kernel uses them); integers truncate; bools are 0 or 1.
func HostScalar(x float64, d DType) float64 {
	if d.IsFloat() {
		return x
	}
	return Convert(x, d)
}
