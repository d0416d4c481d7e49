// This file holds the type and shape rule of every op: the result type from
// the operand types and attributes, or a TypeError naming the operand that
// breaks the rule. The verifier checks each value against its op's rule, and
// the frontend checker types each operator and builtin call with the same
// rule, adding the source position to the message.
package ir

import "fmt"

// TypeRule is an op's type and shape rule. r is the op's row; in are the
// operand types, after any implicit conversion the language makes.
type TypeRule func(r OpInfo, in []Type, a Attrs) (Type, *TypeError)

// Attrs are what a type rule reads besides the operand types: the value's
// attributes (those its op takes, see Attr), and, for ops whose result type
// is itself an attribute (const, cast, dim, iota, reshape, broadcast,
// scatter_add), the declared type. A call's rule also reads the callee.
type Attrs struct {
	Axis     int
	KeepDims bool
	Index    int
	Name     string
	Type     Type  // const, dim, iota: the type; cast: the dtype; reshape, broadcast, scatter_add: the shape
	Callee   *Func // call: the function called, nil when unknown
	Dot      DotDims
	Perm     []int
}

// AttrsOf returns the attributes of v; m resolves a call's callee and may be nil.
func AttrsOf(m *Module, v *Value) Attrs {
	a := Attrs{Axis: v.Axis, KeepDims: v.KeepDims, Index: v.Index, Name: v.Name, Type: v.Type, Dot: v.Dot, Perm: v.Perm}
	if v.Op == OpCall && m != nil {
		a.Callee = m.Func(v.Name)
	}
	return a
}

// InferType applies op's type rule to operand types in and attributes a.
func InferType(op Op, in []Type, a Attrs) (Type, *TypeError) {
	r := *op.row()
	if r.Type == nil {
		return Type{}, typeErr(ErrOther, -1, "%s cannot appear in a function body", r.Name)
	}
	if r.Arity >= 0 && len(in) != r.Arity {
		return Type{}, typeErr(ErrOther, -1, "%s takes %d operands, has %d", r.Name, r.Arity, len(in))
	}
	for i, t := range in {
		if t.IsTuple() && op != OpExtract {
			return Type{}, typeErr(ErrOther, i, "operand %d of %s is a tuple", i, r.Name)
		}
	}
	t, err := r.Type(r, in, a)
	if err != nil {
		err.in, err.op = in, r.Name
	}
	return t, err
}

// TypeErrorKind says which rule a TypeError breaks, so that a frontend can
// point at the right place and add a hint in its own language.
type TypeErrorKind uint8

const (
	ErrOther     TypeErrorKind = iota
	ErrBroadcast               // operand shapes do not broadcast (NumPy rules)
	ErrDType                   // operands that must share a dtype differ
	ErrFloat                   // a float operand is required
	ErrBool                    // the op is not defined on bool
	ErrCondition               // a select's condition is not bool
	ErrAxis                    // the axis is out of range
	ErrIndices                 // a gather's indices are not integers
	ErrIndexRank               // a gather's indices differ in rank from its operand
	ErrIndexDim                // a gather's indices differ in a dimension other than the axis
	ErrContract                // a contraction pairs contracted axes of different sizes
	ErrBatch                   // a contraction pairs batch axes of different sizes
)

// TypeError is a broken type rule: which rule, the operand at fault (-1 when
// the attributes are), and how to say it.
type TypeError struct {
	Kind TypeErrorKind
	Arg  int
	// say words the error given what the op is called ("add", "operator +",
	// "clamp") and how to describe operand i.
	say func(what string, operand func(i int) string) string
	in  []Type
	op  string
}

// Error words the error with the op's IR name and the operand types.
func (e *TypeError) Error() string { return e.Format(e.op, nil) }

// Format words the error, calling the op what; operand describes operand i
// (nil: by its type), so a frontend can say "constant 1" where the rule saw i32.
func (e *TypeError) Format(what string, operand func(i int) string) string {
	if operand == nil {
		operand = func(i int) string { return e.in[i].String() }
	}
	return e.say(what, operand)
}

// typeErr is a TypeError with a fixed message.
func typeErr(k TypeErrorKind, arg int, format string, args ...any) *TypeError {
	msg := fmt.Sprintf(format, args...)
	return &TypeError{Kind: k, Arg: arg, say: func(string, func(int) string) string { return msg }}
}

// sayErr is a TypeError worded when it is reported.
func sayErr(k TypeErrorKind, arg int, say func(what string, operand func(int) string) string) *TypeError {
	return &TypeError{Kind: k, Arg: arg, say: say}
}

// broadcastAll is the shape of an elementwise op over operands of shapes in
// (NumPy rules, BroadcastShapes). When operand i does not fit, it names an
// earlier operand that clashes with it on its own, or else the shape the
// earlier ones broadcast to.
func broadcastAll(in []Type) (Shape, *TypeError) {
	var shape Shape
	for i, t := range in {
		s, ok := BroadcastShapes(shape, t.Shape)
		if !ok {
			other, with := shape, -1
			for j, prev := range in[:i] {
				if _, ok := BroadcastShapes(prev.Shape, t.Shape); !ok {
					with = j
					break
				}
			}
			return nil, sayErr(ErrBroadcast, i, func(what string, operand func(int) string) string {
				o := "shape " + other.String()
				if with >= 0 {
					o = operand(with)
				}
				return fmt.Sprintf("cannot broadcast %s with %s in %s", o, operand(i), what)
			})
		}
		shape = s
	}
	return shape, nil
}

// elementwiseType is the rule of elementwise ops: the result has the
// broadcast shape of the operands and their common dtype, bool for a
// comparison. Logical ops take bool, FloatOnly ops floats, the others any
// numeric dtype; comparisons take bool too.
func elementwiseType(r OpInfo, in []Type, _ Attrs) (Type, *TypeError) {
	shape, err := broadcastAll(in)
	if err != nil {
		return Type{}, err
	}
	d, err := sameDType(in, 0)
	if err != nil {
		return Type{}, err
	}
	switch {
	case r.Traits&Logical != 0:
		if d != Bool {
			return Type{}, sayErr(ErrDType, 0, func(what string, operand func(int) string) string {
				return fmt.Sprintf("%s needs bool operands, got %s", what, operand(0))
			})
		}
	case r.Traits&FloatOnly != 0 && !d.IsFloat():
		return Type{}, sayErr(ErrFloat, -1, func(what string, _ func(int) string) string {
			return fmt.Sprintf("%s needs a float operand, got %s", what, d)
		})
	case d == Bool && r.Traits&Compare == 0:
		return Type{}, sayErr(ErrBool, -1, func(what string, _ func(int) string) string {
			return what + " is not defined on bool"
		})
	}
	if r.Traits&Compare != 0 {
		d = Bool
	}
	return Type{DType: d, Shape: shape}, nil
}

// sameDType returns the dtype of in[from:], which must all have it.
func sameDType(in []Type, from int) (DType, *TypeError) {
	d := in[from].DType
	for i := from + 1; i < len(in); i++ {
		if e := in[i].DType; e != d {
			return Invalid, sayErr(ErrDType, i, func(what string, _ func(int) string) string {
				return fmt.Sprintf("mismatched dtypes %s and %s in %s", d, e, what)
			})
		}
	}
	return d, nil
}

// selectType is the rule of select(c, a, b): c is bool, a and b share any
// dtype, which is the result's; the shape is the broadcast of all three.
func selectType(_ OpInfo, in []Type, _ Attrs) (Type, *TypeError) {
	if in[0].DType != Bool {
		return Type{}, sayErr(ErrCondition, 0, func(what string, operand func(int) string) string {
			return fmt.Sprintf("the condition of %s must be bool, got %s", what, operand(0))
		})
	}
	shape, err := broadcastAll(in)
	if err != nil {
		return Type{}, err
	}
	d, err := sameDType(in, 1)
	if err != nil {
		return Type{}, err
	}
	return Type{DType: d, Shape: shape}, nil
}

// castType is the rule of cast: any dtype to the declared one, same shape.
func castType(_ OpInfo, in []Type, a Attrs) (Type, *TypeError) {
	if a.Type.DType == Invalid || a.Type.IsTuple() {
		return Type{}, typeErr(ErrOther, -1, "cast needs a result dtype")
	}
	return Type{DType: a.Type.DType, Shape: in[0].Shape}, nil
}

// checkAxis reports an axis outside the rank of t (operand arg).
func checkAxis(arg int, axis int, t Type) *TypeError {
	if axis >= 0 && axis < len(t.Shape) {
		return nil
	}
	return sayErr(ErrAxis, arg, func(_ string, operand func(int) string) string {
		return fmt.Sprintf("axis %d is out of range for %s, which has axes %d..%d", axis, operand(arg), -len(t.Shape), len(t.Shape)-1)
	})
}

// reductionType is the rule of reductions: a numeric tensor reduced along an
// axis, keeping it with size 1 when asked; float only for log-sum-exp.
func reductionType(r OpInfo, in []Type, a Attrs) (Type, *TypeError) {
	x := in[0]
	switch {
	case x.DType == Bool:
		return Type{}, sayErr(ErrBool, 0, func(what string, _ func(int) string) string {
			return what + " is not defined on bool"
		})
	case r.Traits&FloatOnly != 0 && !x.DType.IsFloat():
		return Type{}, sayErr(ErrFloat, 0, func(what string, operand func(int) string) string {
			return fmt.Sprintf("%s needs a float operand, got %s", what, operand(0))
		})
	}
	if err := checkAxis(0, a.Axis, x); err != nil {
		return Type{}, err
	}
	return Type{DType: x.DType, Shape: ReduceShape(x.Shape, a.Axis, a.KeepDims)}, nil
}

// gatherType is the rule of take_along_axis(x, idx): integer indices of the
// rank of x that, in every dimension but the axis, equal x or broadcast
// against it (NumPy's take_along_axis: either side may be of constant size
// 1 there). The result has the dtype of x, the axis of idx and, elsewhere,
// the broadcast size (GatherShape).
func gatherType(_ OpInfo, in []Type, a Attrs) (Type, *TypeError) {
	x, idx := in[0], in[1]
	if !idx.DType.IsInt() {
		return Type{}, sayErr(ErrIndices, 1, func(what string, operand func(int) string) string {
			return fmt.Sprintf("the indices of %s must be i32 or i64, got %s", what, operand(1))
		})
	}
	if len(x.Shape) != len(idx.Shape) {
		return Type{}, sayErr(ErrIndexRank, 1, func(what string, operand func(int) string) string {
			return fmt.Sprintf("%s needs indices of the rank of %s, got %s", what, operand(0), operand(1))
		})
	}
	if err := checkAxis(0, a.Axis, x); err != nil {
		return Type{}, err
	}
	for i := range x.Shape {
		if xd, id := x.Shape[i], idx.Shape[i]; i != a.Axis && xd != id && xd != ConstDim(1) && id != ConstDim(1) {
			return Type{}, sayErr(ErrIndexDim, 1, func(what string, operand func(int) string) string {
				return fmt.Sprintf("%s: dimension %d of %s and %s differ (%s and %s); only the axis %d may differ, or either may be 1",
					what, i, operand(0), operand(1), xd, id, a.Axis)
			})
		}
	}
	return Type{DType: x.DType, Shape: GatherShape(x.Shape, idx.Shape, a.Axis)}, nil
}

// GatherShape is the shape of take_along_axis(x, idx) along axis for
// operands that pass gatherType: idx's size along the axis and, in every
// other dimension, the size that is not a broadcast 1.
func GatherShape(x, idx Shape, axis int) Shape {
	out := make(Shape, len(idx))
	for i := range idx {
		out[i] = idx[i]
		if i != axis && idx[i] == ConstDim(1) {
			out[i] = x[i]
		}
	}
	return out
}

// GatherBroadcasts reports whether take_along_axis v broadcasts an operand:
// x or its indices are of size 1 in a dimension where the result is not.
func GatherBroadcasts(v *Value) bool {
	out := v.Type.Shape
	for _, a := range v.Args {
		for i, d := range a.Type.Shape {
			if i != v.Axis && d != out[i] {
				return true
			}
		}
	}
	return false
}

// scatterAddType is the rule of scatter_add(upd, idx): float updates and
// integer indices of one shape, except that the indices may be of size 1 in
// a dimension other than the axis (broadcast along it); the declared result has their rank and the
// dtype of upd, and equals them in every dimension but the axis (the shape
// of the take_along_axis operand it is the gradient of).
func scatterAddType(_ OpInfo, in []Type, a Attrs) (Type, *TypeError) {
	upd, idx := in[0], in[1]
	t := Type{DType: upd.DType, Shape: a.Type.Shape}
	if !upd.DType.IsFloat() {
		return Type{}, sayErr(ErrFloat, 0, func(what string, operand func(int) string) string {
			return fmt.Sprintf("%s adds float updates, got %s", what, operand(0))
		})
	}
	if !idx.DType.IsInt() {
		return Type{}, sayErr(ErrIndices, 1, func(what string, operand func(int) string) string {
			return fmt.Sprintf("the indices of %s must be i32 or i64, got %s", what, operand(1))
		})
	}
	if err := checkAxis(0, a.Axis, upd); err != nil {
		return Type{}, err
	}
	if len(idx.Shape) != len(upd.Shape) || !BroadcastsTo(idx.Shape, upd.Shape) || idx.Shape[a.Axis] != upd.Shape[a.Axis] {
		return Type{}, typeErr(ErrIndexDim, 1, "scatter_add needs indices of the shape of its updates %s (or of size 1 in a dimension other than the axis), got %s", upd, idx)
	}
	if len(t.Shape) != len(upd.Shape) {
		return Type{}, typeErr(ErrIndexRank, -1, "scatter_add of %s cannot make %s: the ranks differ", upd, t)
	}
	for i := range t.Shape {
		if i != a.Axis && t.Shape[i] != upd.Shape[i] {
			return Type{}, typeErr(ErrIndexDim, -1, "scatter_add of %s cannot make %s: dimension %d differs, and only the axis %d may", upd, t, i, a.Axis)
		}
	}
	return t, nil
}

// gradType is the rule of grad(y, x): y is a 0-d float, x a float value,
// and the gradient has the type of x.
func gradType(_ OpInfo, in []Type, _ Attrs) (Type, *TypeError) {
	y, x := in[0], in[1]
	if !y.IsScalar() || !y.DType.IsFloat() {
		return Type{}, typeErr(ErrFloat, 0, "grad differentiates a 0-d float, not %s", y)
	}
	if !x.DType.IsFloat() {
		return Type{}, typeErr(ErrFloat, 1, "grad differentiates with respect to a float value, not %s", x)
	}
	return x, nil
}

// reshapeType is the rule of reshape: the same elements in the same order,
// so only dimensions of size 1 may be added or removed.
func reshapeType(_ OpInfo, in []Type, a Attrs) (Type, *TypeError) {
	t := Type{DType: in[0].DType, Shape: a.Type.Shape}
	if !SqueezeOnes(in[0].Shape).Equal(SqueezeOnes(t.Shape)) {
		return Type{}, typeErr(ErrOther, 0, "cannot reshape %s to %s: only size-1 dimensions may be added or removed", in[0], t)
	}
	return t, nil
}

// broadcastType is the rule of broadcast: the operand stretches to the
// declared shape by NumPy rules.
func broadcastType(_ OpInfo, in []Type, a Attrs) (Type, *TypeError) {
	t := Type{DType: in[0].DType, Shape: a.Type.Shape}
	if !BroadcastsTo(in[0].Shape, t.Shape) {
		return Type{}, typeErr(ErrBroadcast, 0, "%s does not broadcast to %s", in[0], t)
	}
	return t, nil
}

// constType is the rule of const: a scalar of any dtype.
func constType(_ OpInfo, _ []Type, a Attrs) (Type, *TypeError) {
	if !a.Type.IsScalar() || a.Type.DType == Invalid {
		return Type{}, typeErr(ErrOther, -1, "a constant must be a scalar, not %s", a.Type)
	}
	return a.Type, nil
}

// dimType is the rule of dim: a named dimension's size as a numeric scalar.
func dimType(_ OpInfo, _ []Type, a Attrs) (Type, *TypeError) {
	if a.Name == "" || !a.Type.IsScalar() || a.Type.DType == Bool || a.Type.DType == Invalid {
		return Type{}, typeErr(ErrOther, -1, "dim needs a dimension name and a numeric scalar type")
	}
	return a.Type, nil
}

// iotaType is the rule of iota: an integer tensor, indexed along an axis of it.
func iotaType(_ OpInfo, _ []Type, a Attrs) (Type, *TypeError) {
	if !a.Type.DType.IsInt() || a.Type.IsTuple() {
		return Type{}, typeErr(ErrOther, -1, "iota needs an integer tensor type, not %s", a.Type)
	}
	if a.Axis < 0 || a.Axis >= len(a.Type.Shape) {
		return Type{}, typeErr(ErrAxis, -1, "iota axis %d is out of range for %s", a.Axis, a.Type)
	}
	return a.Type, nil
}

// extractType is the rule of extract: element Index of a tuple.
func extractType(_ OpInfo, in []Type, a Attrs) (Type, *TypeError) {
	t := in[0]
	if !t.IsTuple() || a.Index < 0 || a.Index >= len(t.Elems) {
		return Type{}, typeErr(ErrOther, 0, "extract index %d out of range for %s", a.Index, t)
	}
	return t.Elems[a.Index], nil
}

// callType is the rule of call: one argument per parameter of the callee,
// each of the parameter's dtype and rank, its constant dimensions equal and
// its symbolic ones bound consistently (DimBinding); the result is the tuple
// of the callee's result types with the caller's dimensions.
func callType(_ OpInfo, in []Type, a Attrs) (Type, *TypeError) {
	f := a.Callee
	if f == nil {
		return Type{}, typeErr(ErrOther, -1, "call of unknown function @%s", a.Name)
	}
	if len(in) != len(f.Params) {
		return Type{}, typeErr(ErrOther, -1, "@%s takes %d arguments, has %d", f.Name, len(f.Params), len(in))
	}
	b := NewDimBinding()
	for i, p := range f.Params {
		if err := b.Bind(i, p.Type, in[i]); err != nil {
			return Type{}, err.typeError(f.Name, f.Params)
		}
	}
	t := Type{Elems: []Type{}}
	for _, r := range f.Results {
		t.Elems = append(t.Elems, b.Apply(r.Value.Type))
	}
	return t, nil
}

// DimBinding binds the symbolic dimensions of a callee's parameters to the
// dimensions of the arguments, one argument after another.
type DimBinding struct {
	dims map[string]Dim
	by   map[string]int // the argument that bound each dimension
}

// NewDimBinding returns a binding with nothing bound.
func NewDimBinding() *DimBinding {
	return &DimBinding{dims: map[string]Dim{}, by: map[string]int{}}
}

// BindError is an argument that does not fit its parameter.
type BindError struct {
	Arg int
	// Sym is the symbolic dimension already bound to another size by
	// argument Prev; empty when the dtype, rank or a constant dimension differs.
	Sym  string
	Was  Dim
	Prev int
}

func (e *BindError) Error() string {
	if e.Sym == "" {
		return fmt.Sprintf("argument %d does not fit its parameter", e.Arg)
	}
	return fmt.Sprintf("argument %d binds dimension %s, already %s from argument %d", e.Arg, e.Sym, e.Was, e.Prev)
}

// Bind matches argument i of type arg against a parameter of type param, and
// says why it does not fit.
func (b *DimBinding) Bind(i int, param, arg Type) *BindError {
	if param.DType != arg.DType || len(param.Shape) != len(arg.Shape) || arg.IsTuple() {
		return &BindError{Arg: i}
	}
	for d, want := range param.Shape {
		got := arg.Shape[d]
		switch was, bound := b.dims[want.Sym]; {
		case !want.IsSym():
			if got != want {
				return &BindError{Arg: i}
			}
		case !bound:
			b.dims[want.Sym], b.by[want.Sym] = got, i
		case was != got:
			return &BindError{Arg: i, Sym: want.Sym, Was: was, Prev: b.by[want.Sym]}
		}
	}
	return nil
}

// Apply returns t with its bound symbolic dimensions replaced.
func (b *DimBinding) Apply(t Type) Type {
	shape := make(Shape, len(t.Shape))
	for i, d := range t.Shape {
		if x, ok := b.dims[d.Sym]; ok && d.IsSym() {
			d = x
		}
		shape[i] = d
	}
	if len(shape) == 0 {
		shape = nil
	}
	return Type{DType: t.DType, Shape: shape}
}

// typeError words a bind error of a call of @name.
func (e *BindError) typeError(name string, params []*Value) *TypeError {
	p := params[e.Arg]
	if e.Sym == "" {
		return sayErr(ErrOther, e.Arg, func(_ string, operand func(int) string) string {
			return fmt.Sprintf("argument %s of @%s must be %s, got %s", p.Name, name, p.Type, operand(e.Arg))
		})
	}
	return sayErr(ErrOther, e.Arg, func(_ string, operand func(int) string) string {
		return fmt.Sprintf("argument %s of @%s is %s, but dimension %s of @%s is already %s (from argument %s)",
			p.Name, name, operand(e.Arg), e.Sym, name, e.Was, params[e.Prev].Name)
	})
}
