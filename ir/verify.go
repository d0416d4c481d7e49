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

// VerifyError is every problem the verifier found in one function, with
// the values at fault, so that a report can point at their source.
type VerifyError struct {
	Func     string
	Problems []string
	Values   []*Value // the values named by the problems, in order
}

func (e *VerifyError) Error() string {
	return fmt.Sprintf("func @%s:\n  %s", e.Func, strings.Join(e.Problems, "\n  "))
}

// VerifyFunc checks one function; m resolves calls and may be nil when f has
// none. Problems come back as a *VerifyError.
func VerifyFunc(m *Module, f *Func) error {
	var errs []string
	var at []*Value
	bad := func(v *Value, format string, args ...any) {
		where := ""
		if v != nil {
			where = FormatValue(v) + ": "
			at = append(at, v)
		}
		errs = append(errs, where+fmt.Sprintf(format, args...))
	}
	defined := map[*Value]bool{}
	ids := map[int]bool{}
	vars := map[string]bool{}
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
		vars[p.Name] = true
		defined[p] = true
	}
	for _, v := range f.Body {
		if ids[v.ID] {
			bad(v, "duplicate ID %d", v.ID)
		}
		ids[v.ID] = true
		if v.Var != "" {
			switch {
			case v.Op == OpParam:
			case !validVar(v.Var):
				bad(v, "invalid variable name %q", v.Var)
			case vars[v.Var]:
				bad(v, "variable name %s is used twice", v.Var)
			}
			vars[v.Var] = true
		}
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
	return &VerifyError{Func: f.Name, Problems: errs, Values: at}
}

// checkValue checks one body value: its op, attributes and placement, and its
// type against its op's type rule.
func checkValue(m *Module, v *Value) string {
	if v.Op == OpInvalid || v.Op == OpParam || v.Op >= numOps {
		return "invalid op in body"
	}
	if msg := checkAttrs(v); msg != "" {
		return msg
	}
	if msg := checkPlacement(v); msg != "" {
		return msg
	}
	if v.Op == OpCall && m == nil {
		return "" // the callee is not known here
	}
	in := make([]Type, len(v.Args))
	for i, a := range v.Args {
		in[i] = a.Type
	}
	t, err := InferType(v.Op, in, AttrsOf(m, v))
	if err != nil {
		return err.Error()
	}
	if !t.Equal(v.Type) {
		return fmt.Sprintf("declared type %s, but %s of these operands is %s", v.Type, v.Op, t)
	}
	return ""
}

// checkAttrs reports an attribute set on a value of an op that does not take it.
func checkAttrs(v *Value) string {
	var name string
	switch {
	case v.Axis != 0 && !v.Op.Takes(AttrAxis):
		name = "axis"
	case v.KeepDims && !v.Op.Takes(AttrKeepDims):
		name = "keepdims"
	case v.Index != 0 && !v.Op.Takes(AttrIndex):
		name = "index"
	case v.Name != "" && !v.Op.Takes(AttrName):
		name = "name"
	case v.Default != nil && !v.Op.Takes(AttrDefault):
		name = "default"
	case v.Const != 0 && !v.Op.Takes(AttrConst) && !v.Op.Takes(AttrInit):
		name = "constant"
	case !v.Dot.IsZero() && !v.Op.Takes(AttrDot):
		name = "dimension numbers"
	case v.Perm != nil && !v.Op.Takes(AttrPerm):
		name = "perm"
	default:
		return ""
	}
	return fmt.Sprintf("%s takes no %s attribute", v.Op, name)
}

// checkPlacement checks v's group: host values are scalars computed from
// host values, constants and scalar parameters.
func checkPlacement(v *Value) string {
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
	return ""
}

// checkSchedule checks the kernel declarations against the values placed in them.
func checkSchedule(f *Func) []string {
	if len(f.Schedule) == 0 {
		return nil
	}
	var errs []string
	count := map[string]int{}     // values per kernel
	contracts := map[string]int{} // contractions per kernel
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
		count[v.Group]++
		if v.Op.Has(Contraction) {
			contracts[v.Group]++
		}
	}
	for _, k := range f.Schedule {
		switch {
		case k.Kind == TransposeKernel && count[k.Group] != 1:
			errs = append(errs, fmt.Sprintf("kernel %s %s computes %d values; it computes exactly one", k.Group, k.Kind, count[k.Group]))
		case k.Kind == ContractionKernel && contracts[k.Group] != 1:
			errs = append(errs, fmt.Sprintf("kernel %s %s computes %d contractions; it computes exactly one", k.Group, k.Kind, contracts[k.Group]))
		}
	}
	return errs
}

// ownKernel is the kind of kernel that computes a value of op alone, or 0
// when op joins loop and row kernels: a contraction, or a transpose.
func OwnKernel(op Op) KernelKind {
	switch {
	case op.Has(Contraction):
		return ContractionKernel
	case op == OpTranspose:
		return TransposeKernel
	}
	return 0
}

// fitsKernel says why v cannot be computed by kernel k, or "".
func fitsKernel(v *Value, k *KernelDecl) string {
	s := v.Type.Shape
	if OwnKernel(v.Op) != 0 && OwnKernel(v.Op) != k.Kind {
		return fmt.Sprintf("%s is computed only by a %s kernel of its own", v.Op, OwnKernel(v.Op))
	}
	switch k.Kind {
	case LoopKernel:
		if !s.Equal(k.Domain) || v.Op.Has(AlongAxis) {
			return fmt.Sprintf("a loop kernel over %s computes only elementwise values of that shape", k.Domain)
		}
	case LoopsKernel:
		if len(s) == 0 || !s.IsConst() || v.Op.Has(AlongAxis) || !v.Op.Has(Elementwise) {
			return "a loops kernel computes only elementwise values of constant shapes"
		}
	case ContractionKernel:
		// Besides its contraction, elementwise values: the producers of an
		// operand, computed while it is packed, and the consumers of the
		// result, computed on its tiles.
		if v.Op.Has(Contraction) && !s.Equal(k.Domain) || !v.Op.Has(Contraction) && !v.Op.Has(Elementwise) {
			return fmt.Sprintf("a %s kernel over %s computes one contraction of that shape and elementwise values around it", k.Kind, k.Domain)
		}
	case TransposeKernel:
		if OwnKernel(v.Op) != k.Kind || !s.Equal(k.Domain) {
			return fmt.Sprintf("a %s kernel over %s computes one %s of that shape", k.Kind, k.Domain, k.Kind)
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
		// Besides its reduction, gather or scatter_add, reshapes of its
		// operands, which it reads in place.
		if v.Op != OpReshape && (!v.Op.Has(AlongAxis) || !v.Args[0].Type.Shape.Equal(k.Domain)) {
			return fmt.Sprintf("an axis kernel over %s computes one reduction or gather of an operand of that shape", k.Domain)
		}
	default:
		return "unknown kernel kind"
	}
	return ""
}
