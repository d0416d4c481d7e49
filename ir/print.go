// This file prints the graph IR as text; Parse reads the same text back.
//
// The format, one function after another:
//
//	func @lion(%theta: f32[N], %grad: f32[N], %m: f32[N]; %lr: f32 = 0.0001, %step: i32) -> (theta_new: f32[N], m_new: f32[N]) kernels=1 {
//	  %7 = const 1 : f32
//	  %8 = sub %7, %beta1 : f32 @host
//	  %9 = mul %beta1, %m : f32[N] @k0
//	  %10 = call @other(%theta, %grad, %lr) : (f32[N], f32[N])
//	  %11 = extract %10, 0 : f32[N]
//	  return theta_new = %9, m_new = %11
//	}
//
//	%12 = dot_general %9, %11 batch=[0]x[0] contract=[2]x[1] : f32[B,M,N]
//	%13 = transpose %12 perm=[0,2,1] : f32[B,N,M]
//
// Attributes follow the operands: axis=K, keepdims and init=X after a comma,
// the lists of axes (batch=, contract=, perm=) after a space.
// After fusion, "kernel k0 rows [B]" lines open the body: the kernels in launch
// order, each with how it iterates and over what domain.
// Parameters are referred to by name, values bound to a source variable by
// that name (%c for let c = ...; names are unique within a function), other
// values by ID. Tensor parameters come before the semicolon, scalar parameters
// (with optional defaults) after it. A trailing @host or @kN is the value's
// placement. "func private @f" marks a function that is not an entry point.
// Lines starting with // are comments.
//
// Source positions follow a parameter, a function's signature and a value's
// line: loc("lion.dl":5:13), or several, first the one that made the value:
//
//	%c = add %9, %11 : f32[N] @k0 loc("lion.dl":5:13, "train.dl":9:7)
package ir

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Print returns the text form of m.
func Print(m *Module) string {
	var b strings.Builder
	for i, f := range m.Funcs {
		if i > 0 {
			b.WriteByte('\n')
		}
		printFunc(&b, f)
	}
	return b.String()
}

// PrintFunc returns the text form of one function.
func PrintFunc(f *Func) string {
	var b strings.Builder
	printFunc(&b, f)
	return b.String()
}

func printFunc(b *strings.Builder, f *Func) {
	b.WriteString("func ")
	if f.Private {
		b.WriteString("private ")
	}
	fmt.Fprintf(b, "@%s(", f.Name)
	sep := ""
	semi := false
	for _, p := range f.Params {
		if p.Type.IsScalar() && !semi {
			b.WriteString("; ")
			semi, sep = true, ""
		}
		fmt.Fprintf(b, "%s%%%s: %s", sep, p.Name, p.Type)
		if p.Default != nil {
			fmt.Fprintf(b, " = %s", FormatConst(*p.Default, p.Type.DType))
		}
		b.WriteString(formatLoc(p.Pos))
		sep = ", "
	}
	b.WriteString(") -> (")
	for i, r := range f.Results {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(b, "%s: %s", r.Name, r.Value.Type)
	}
	b.WriteString(")")
	if f.Kernels > 0 {
		fmt.Fprintf(b, " kernels=%d", f.Kernels)
	}
	b.WriteString(formatLoc(At(f.Pos)))
	b.WriteString(" {\n")
	for _, k := range f.Schedule {
		fmt.Fprintf(b, "  kernel %s %s %s\n", k.Group, k.Kind, k.Domain)
	}
	for _, v := range f.Body {
		b.WriteString("  ")
		b.WriteString(FormatValue(v))
		b.WriteByte('\n')
	}
	b.WriteString("  return")
	for i, r := range f.Results {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(b, " %s = %s", r.Name, Ref(r.Value))
	}
	b.WriteString("\n}\n")
}

// Ref is how v is referred to in text: %name for a parameter, %var for a
// value bound to a source variable, %ID otherwise.
func Ref(v *Value) string {
	switch {
	case v == nil:
		return "%<nil>"
	case v.Op == OpParam:
		return "%" + v.Name
	case v.Var != "":
		return "%" + v.Var
	}
	return "%" + strconv.Itoa(v.ID)
}

// FormatValue prints one definition line (without indentation).
func FormatValue(v *Value) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s = %s", Ref(v), v.Op)
	switch v.Op {
	case OpConst:
		fmt.Fprintf(&b, " %s", FormatConst(v.Const, v.Type.DType))
	case OpCall:
		fmt.Fprintf(&b, " @%s(", v.Name)
		for i, a := range v.Args {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(Ref(a))
		}
		b.WriteString(")")
	case OpExtract:
		fmt.Fprintf(&b, " %s, %d", Ref(v.Args[0]), v.Index)
	case OpDim:
		fmt.Fprintf(&b, " %s", v.Name)
	default:
		items := make([]string, 0, len(v.Args)+3)
		for _, a := range v.Args {
			items = append(items, Ref(a))
		}
		items = append(items, formatAttrs(v)...)
		if len(items) > 0 {
			b.WriteString(" " + strings.Join(items, ", "))
		}
		if l := formatListAttrs(v); l != "" {
			b.WriteString(" " + l)
		}
	}
	fmt.Fprintf(&b, " : %s", v.Type)
	if v.Group != GroupNone {
		fmt.Fprintf(&b, " @%s", v.Group)
	}
	b.WriteString(formatLoc(v.Pos))
	return b.String()
}

// formatLoc is the " loc(...)" suffix of positions l, or "" when l is empty.
func formatLoc(l PosList) string {
	if !l.IsValid() {
		return ""
	}
	var b strings.Builder
	b.WriteString(" loc(")
	n := 0
	for _, p := range l {
		if !p.IsValid() {
			continue
		}
		if n > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%s:%d:%d", strconv.Quote(p.File), p.Line, p.Col)
		n++
	}
	b.WriteString(")")
	return b.String()
}

// formatAttrs prints the attributes after the operands, those v's op takes:
// axis=K, keepdims when set, init=X when not the identity.
func formatAttrs(v *Value) []string {
	var out []string
	if v.Op.Takes(AttrAxis) {
		out = append(out, fmt.Sprintf("axis=%d", v.Axis))
	}
	if v.Op.Takes(AttrKeepDims) && v.KeepDims {
		out = append(out, "keepdims")
	}
	if v.Op.Takes(AttrInit) {
		if id := v.Op.row().Identity; v.Const != id || math.Signbit(v.Const) != math.Signbit(id) {
			out = append(out, "init="+FormatConst(v.Const, v.Type.DType))
		}
	}
	return out
}

// formatListAttrs prints the attributes that are lists of axes, after the
// others and separated by spaces: batch=[0]x[0] contract=[2]x[1] for
// dot_general, perm=[1,0] for transpose.
func formatListAttrs(v *Value) string {
	switch {
	case v.Op.Takes(AttrDot):
		return v.Dot.String()
	case v.Op.Takes(AttrPerm):
		return "perm=" + FormatInts(v.Perm)
	}
	return ""
}

// FormatConst prints a constant of dtype d so that ParseConst reads back the same float64.
func FormatConst(x float64, d DType) string {
	switch {
	case d == Bool:
		if x != 0 {
			return "true"
		}
		return "false"
	case math.IsNaN(x):
		return "nan"
	case math.IsInf(x, 1):
		return "inf"
	case math.IsInf(x, -1):
		return "-inf"
	case x == 0 && math.Signbit(x):
		return "-0"
	}
	return strconv.FormatFloat(x, 'g', -1, 64)
}

// ParseConst reads a constant printed by FormatConst.
func ParseConst(s string) (float64, error) {
	switch s {
	case "true":
		return 1, nil
	case "false":
		return 0, nil
	case "nan":
		return math.NaN(), nil
	case "inf", "+inf":
		return math.Inf(1), nil
	case "-inf":
		return math.Inf(-1), nil
	}
	return strconv.ParseFloat(s, 64)
}
