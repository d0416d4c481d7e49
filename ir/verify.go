// This file checks the invariants of the graph IR. It runs after every pass;
// a failure is a compiler bug, reported with the pass name and the IR.
package ir

import (
	"errors"
	"fmt"
	"strings"
)

// Verify checks every function of m and returns all problems found.
func Verify(m *Module) error {
	var errs []error
	names := map[string]bool{}
	for _, f := range m.Funcs {
		if names[f.Name] {
			errs = append(errs, fmt.Errorf("duplicate function @%s", f.Name))
		}
		names[f.Name] = true
		if err := VerifyFunc(m, f); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// VerifyFunc checks one function; m resolves calls and may be nil when f has none.
func VerifyFunc(m *Module, f *Func) error {
	var errs []string
	bad := func(v *Value, format string, args ...any) {
		where := ""
		if v != nil {
			where = FormatValue(v) + ": "
		}
		errs = append(errs, where+fmt.Sprintf(format, args...))
	}
	defined := map[*Value]bool{}
	ids := map[int]bool{}
	scalarSeen := false
	for i, p := range f.Params {
		if p.Op != OpParam {
			bad(p, "parameter %d is not a param op", i)
		}
		if p.Type.IsTuple() || p.Type.DType == Invalid {
			bad(p, "parameter has invalid type %s", p.Type)
		}
		if p.Type.IsScalar() {
			scalarSeen = true
		} else if scalarSeen {
			bad(p, "tensor parameter after a scalar parameter")
		}
		if p.Default != nil && !p.Type.IsScalar() {
			bad(p, "tensor parameter with a default")
		}
		if ids[p.ID] {
			bad(p, "duplicate ID %d", p.ID)
		}
		ids[p.ID] = true
		defined[p] = true
	}
	for _, v := range f.Body {
		if ids[v.ID] {
			bad(v, "duplicate ID %d", v.ID)
		}
		ids[v.ID] = true
		for i, a := range v.Args {
			if a == nil || !defined[a] {
				bad(v, "operand %d is not defined before its use", i)
			}
		}
		if msg := checkValue(m, v); msg != "" {
			bad(v, "%s", msg)
		}
		defined[v] = true
	}
	for _, msg := range checkSchedule(f) {
		bad(nil, "%s", msg)
	}
	seen := map[string]bool{}
	for _, r := range f.Results {
		if seen[r.Name] {
			bad(nil, "duplicate result %s", r.Name)
		}
		seen[r.Name] = true
		if r.Value == nil || !defined[r.Value] {
			bad(nil, "result %s is not defined", r.Name)
		} else if r.Value.Type.IsTuple() {
			bad(nil, "result %s is a tuple", r.Name)
		}
	}
	if len(errs) == 0 {
		return nil
	}
	return fmt.Errorf("func @%s:\n  %s", f.Name, strings.Join(errs, "\n  "))
}

func checkValue(m *Module, v *Value) string {
	info := v.Op.Info()
	if v.Op == OpInvalid || v.Op == OpParam || v.Op >= numOps {
		return "invalid op in body"
	}
	if info.Arity >= 0 && len(v.Args) != info.Arity {
		return fmt.Sprintf("%s takes %d operands, has %d", info.Name, info.Arity, len(v.Args))
	}
	if v.Op != OpCall && v.Type.IsTuple() {
		return "only call produces a tuple"
	}
	if v.Type.DType == Invalid && !v.Type.IsTuple() {
		return "invalid dtype"
	}
	if g := v.Group; g != GroupNone && g != GroupHost && !(strings.HasPrefix(g, "k") && len(g) > 1) {
		return fmt.Sprintf("unknown placement @%s", g)
	}
	if v.Group == GroupHost {
		if !v.Type.IsScalar() {
			return "a host value must be a scalar"
		}
		for _, a := range v.Args {
			if !a.Type.IsScalar() || (a.Group != GroupHost && a.Op != OpConst && a.Op != OpParam) {
				return "a host value may only use host values, constants and scalar parameters"
			}
		}
	}
	switch {
	case v.Op == OpConst:
		if !v.Type.IsScalar() {
			return "a constant must be a scalar"
		}
	case v.Op == OpCall:
		if m == nil {
			return ""
		}
		callee := m.Func(v.Name)
		if callee == nil {
			return fmt.Sprintf("call of unknown function @%s", v.Name)
		}
		if len(v.Args) != len(callee.Params) {
			return fmt.Sprintf("@%s takes %d arguments, has %d", v.Name, len(callee.Params), len(v.Args))
		}
		if !v.Type.IsTuple() || len(v.Type.Elems) != len(callee.Results) {
			return fmt.Sprintf("call type must be a tuple of %d results", len(callee.Results))
		}
		for i, a := range v.Args {
			if a.Type.DType != callee.Params[i].Type.DType || len(a.Type.Shape) != len(callee.Params[i].Type.Shape) {
				return fmt.Sprintf("argument %d is %s, @%s wants %s", i, a.Type, v.Name, callee.Params[i].Type)
			}
		}
	case v.Op == OpExtract:
		t := v.Args[0].Type
		if !t.IsTuple() || v.Index < 0 || v.Index >= len(t.Elems) {
			return "extract index out of range"
		}
		if !t.Elems[v.Index].Equal(v.Type) {
			return fmt.Sprintf("extract type %s, tuple element is %s", v.Type, t.Elems[v.Index])
		}
	case v.Op.Has(Elementwise):
		return checkElementwise(v)
	case v.Op.Has(Reduction):
		x := v.Args[0].Type
		if v.Axis < 0 || v.Axis >= len(x.Shape) {
			return fmt.Sprintf("axis %d out of range for %s", v.Axis, x)
		}
		if want := ReduceShape(x.Shape, v.Axis, v.KeepDims); !want.Equal(v.Type.Shape) {
			return fmt.Sprintf("result shape %s, want %s", v.Type.Shape, want)
		}
		if x.DType != v.Type.DType || v.Type.DType == Bool {
			return "a reduction keeps its operand's numeric dtype"
		}
		if v.Op.Has(FloatOnly) && !x.DType.IsFloat() {
			return fmt.Sprintf("%s needs a float dtype", v.Op)
		}
	case v.Op == OpGather:
		x, idx := v.Args[0].Type, v.Args[1].Type
		if !idx.DType.IsInt() {
			return "take_along_axis indices must be integers"
		}
		if len(x.Shape) != len(idx.Shape) || v.Axis < 0 || v.Axis >= len(x.Shape) {
			return fmt.Sprintf("take_along_axis of %s by %s along axis %d: ranks differ or axis out of range", x, idx, v.Axis)
		}
		for i := range x.Shape {
			if i != v.Axis && x.Shape[i] != idx.Shape[i] {
				return fmt.Sprintf("take_along_axis: dimension %d of %s and %s differ", i, x, idx)
			}
		}
		if !v.Type.Equal(Type{DType: x.DType, Shape: idx.Shape}) {
			return fmt.Sprintf("take_along_axis result must be %s", Type{DType: x.DType, Shape: idx.Shape})
		}
	case v.Op == OpReshape:
		x := v.Args[0].Type
		if x.DType != v.Type.DType || !SqueezeOnes(x.Shape).Equal(SqueezeOnes(v.Type.Shape)) {
			return fmt.Sprintf("reshape %s to %s: only size-1 dimensions may be added or removed", x, v.Type)
		}
	case v.Op == OpBroadcast:
		x := v.Args[0].Type
		if x.DType != v.Type.DType || !BroadcastsTo(x.Shape, v.Type.Shape) {
			return fmt.Sprintf("%s does not broadcast to %s", x, v.Type)
		}
	case v.Op == OpIota:
		if !v.Type.DType.IsInt() || v.Axis < 0 || v.Axis >= len(v.Type.Shape) {
			return "iota needs an integer tensor type and an axis within its rank"
		}
	case v.Op == OpDim:
		if v.Name == "" || !v.Type.IsScalar() || v.Type.DType == Bool {
			return "dim needs a dimension name and a numeric scalar type"
		}
	}
	return ""
}

func checkElementwise(v *Value) string {
	info := v.Op.Info()
	// The result has the broadcast shape of its operands (NumPy rules).
	var shape Shape
	for _, a := range v.Args {
		if a.Type.IsTuple() {
			return "operand is a tuple"
		}
		s, ok := BroadcastShapes(shape, a.Type.Shape)
		if !ok {
			return fmt.Sprintf("operand shapes %s and %s do not broadcast", shape, a.Type.Shape)
		}
		shape = s
	}
	if !shape.Equal(v.Type.Shape) {
		return fmt.Sprintf("result shape %s, but the operands broadcast to %s", v.Type.Shape, shape)
	}
	d := v.Type.DType
	switch {
	case v.Op == OpCast:
		return ""
	case info.Traits&Compare != 0:
		if d != Bool {
			return "a comparison produces bool"
		}
		if v.Args[0].Type.DType != v.Args[1].Type.DType {
			return "compared operands differ in dtype"
		}
	case info.Traits&Logical != 0:
		for _, a := range v.Args {
			if a.Type.DType != Bool {
				return "a logical op takes bool"
			}
		}
		if d != Bool {
			return "a logical op produces bool"
		}
	case v.Op == OpSelect:
		if v.Args[0].Type.DType != Bool {
			return "select condition must be bool"
		}
		if v.Args[1].Type.DType != d || v.Args[2].Type.DType != d {
			return "select branches must have the result dtype"
		}
	default:
		for _, a := range v.Args {
			if a.Type.DType != d {
				return fmt.Sprintf("operand dtype %s differs from result dtype %s", a.Type.DType, d)
			}
		}
		if info.Traits&FloatOnly != 0 && !d.IsFloat() {
			return fmt.Sprintf("%s needs a float dtype", info.Name)
		}
		if d == Bool {
			return fmt.Sprintf("%s does not take bool", info.Name)
		}
	}
	return ""
}

// checkSchedule checks the kernel declarations against the values placed in them.
func checkSchedule(f *Func) []string {
	if len(f.Schedule) == 0 {
		return nil
	}
	var errs []string
	for _, v := range f.Body {
		if v.Group == GroupNone || v.Group == GroupHost {
			continue
		}
		k := f.Kernel(v.Group)
		if k == nil {
			errs = append(errs, fmt.Sprintf("%s: kernel %s is not declared", FormatValue(v), v.Group))
			continue
		}
		if msg := fitsKernel(v, k); msg != "" {
			errs = append(errs, FormatValue(v)+": "+msg)
		}
	}
	return errs
}

// fitsKernel says why v cannot be computed by kernel k, or "".
func fitsKernel(v *Value, k *KernelDecl) string {
	s := v.Type.Shape
	switch k.Kind {
	case LoopKernel:
		if !s.Equal(k.Domain) || v.Op.Has(Reduction) || v.Op == OpGather {
			return fmt.Sprintf("a loop kernel over %s computes only elementwise values of that shape", k.Domain)
		}
	case RowKernel:
		row := s.Equal(k.Domain) || s.Equal(append(append(Shape{}, k.Domain...), ConstDim(1)))
		elem := len(s) == len(k.Domain)+1 && s[:len(s)-1].Equal(k.Domain)
		if !row && !elem {
			return fmt.Sprintf("shape %s is neither per-row nor per-element in a row kernel over rows %s", s, k.Domain)
		}
		if v.Op.Has(Reduction) {
			x := v.Args[0].Type.Shape
			if v.Axis != len(x)-1 || !x[:len(x)-1].Equal(k.Domain) {
				return fmt.Sprintf("a row kernel over rows %s reduces only the last axis of its rows", k.Domain)
			}
		}
	case AxisKernel:
		if !(v.Op.Has(Reduction) || v.Op == OpGather) || !v.Args[0].Type.Shape.Equal(k.Domain) {
			return fmt.Sprintf("an axis kernel over %s computes one reduction or gather of an operand of that shape", k.Domain)
		}
	default:
		return "unknown kernel kind"
	}
	return ""
}
