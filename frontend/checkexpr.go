// This file type-checks expressions: operators, names, literals and calls of
// kernels (calls of builtins are checked in checkbuiltin.go). Every expression
// gets an operand: an IR type, or an untyped constant that takes the dtype of
// what it meets.
package frontend

import (
	"fmt"
	"slices"
	"strings"

	"dlc.dev/dlc/ir"

	"github.com/alecthomas/participle/v2/lexer"
)

// opMode says what an operand is.
type opMode uint8

const (
	modeInvalid opMode = iota // an error was reported; stay quiet about it
	modeTyped                 // a value of type typ
	modeUntyped               // an untyped constant val
)

// operand is the checked type of an expression.
type operand struct {
	mode opMode
	typ  ir.Type // modeTyped
	val  cval    // modeUntyped
}

// typed returns the operand of a value of type t.
func typed(t ir.Type) operand { return operand{mode: modeTyped, typ: t} }

// typedOp returns the operand of an op's result of type t, or no operand
// when the op was refused (ok false: applyOp has reported why).
func typedOp(t ir.Type, ok bool) operand {
	if !ok {
		return operand{}
	}
	return typed(t)
}

// untyped returns the operand of a constant.
func untyped(c cval) operand { return operand{mode: modeUntyped, val: c} }

// weak reports whether op is an integer scalar, which converts implicitly to
// the float type it is combined with (like a weakly typed scalar in JAX).
func (op operand) weak() bool {
	return op.mode == modeTyped && op.typ.IsScalar() && op.typ.DType.IsInt()
}

// isBool reports whether op is a bool value or constant.
func (op operand) isBool() bool {
	return op.mode == modeTyped && op.typ.DType == ir.Bool || op.mode == modeUntyped && op.val.kind == constBool
}

// String describes the operand for messages: f32[N], or constant 1.5.
func (op operand) String() string {
	switch op.mode {
	case modeTyped:
		return op.typ.String()
	case modeUntyped:
		return "constant " + op.val.String()
	}
	return "invalid"
}

// termInfo records one "op operand" step of a Binary expression: the result
// so far, the dtype the operator computes in (its operands' dtype), and for
// @ how the product lowers.
type termInfo struct {
	res      operand
	opDT     ir.DType
	contract *contraction
}

// callInfo records how a call was resolved.
type callInfo struct {
	builtin  *builtin
	opDT     ir.DType // builtin: the dtype its value operands are converted to
	axis     int      // reductions, take_along_axis, expand_dims, squeeze, dim: the axis, non-negative
	keepDims bool     // reductions
	initial  *float64 // reductions: the initial element, when given
	kernel   *kernel
	args     []Expr       // kernel: the argument of each parameter (nil: the default); einsum, transpose: the operands
	argDT    []ir.DType   // kernel: the dtype each argument is converted to
	results  []ir.Type    // kernel: the result types, with the caller's dimensions
	contract *contraction // einsum, transpose: how the call lowers
}

// expr checks e and records its operand.
func (c *checker) expr(e Expr) operand {
	op := c.expr1(e)
	c.info.types[e] = op
	return op
}

func (c *checker) expr1(e Expr) operand {
	switch e := e.(type) {
	case Binary:
		return c.binary(e)
	case *Unary:
		if e.Primary != nil {
			return c.expr(e.Primary)
		}
		return c.unary(e)
	case *Number:
		v, err := makeNumber(e.Text)
		if err != nil {
			c.errs.add(e.Pos, "%v", err)
			return operand{}
		}
		return untyped(v)
	case *Bool:
		return untyped(makeBool(e.Text == "true"))
	case *Paren:
		if e.IsTuple() {
			c.errs.add(e.Pos, "a tuple is only the axes of transpose, as in transpose(x, (1, 0))")
			return operand{}
		}
		return c.expr(e.X)
	case *StringLit:
		c.errs.add(e.Pos, `a string is only the subscripts of einsum, as in einsum("ij,jk->ik", a, b)`)
		return operand{}
	case *Name:
		return c.name(e)
	case *Call:
		return c.call(e)
	}
	panic(fmt.Sprintf("unexpected expression %T", e))
}

// constant checks an expression that must be a constant.
func (c *checker) constant(e Expr) operand {
	op := c.expr(e)
	if op.mode == modeTyped {
		c.errs.add(e.Position(), "%s must be a constant", c.constWhat)
		return operand{}
	}
	return op
}

// binary checks X op Y op Z ..., left to right.
func (c *checker) binary(e Binary) operand {
	first, terms := e.Terms()
	acc := c.expr(first)
	infos := make([]termInfo, len(terms))
	for i, t := range terms {
		y := c.expr(t.Y)
		if i > 0 && isComparison(t.Op) {
			c.errs.add(t.Pos, "comparisons cannot be chained; write a %s b && b %s c", terms[0].Op, t.Op)
			acc = operand{}
		}
		acc, infos[i] = c.binaryOp(t.Pos, t.Op, acc, y)
	}
	c.info.terms[e] = infos
	return acc
}

// binaryOp types x op y.
func (c *checker) binaryOp(pos lexer.Position, op string, x, y operand) (operand, termInfo) {
	if x.mode == modeInvalid || y.mode == modeInvalid {
		return operand{}, termInfo{}
	}
	if op == "@" {
		return c.matmul(pos, x, y)
	}
	if x.mode == modeUntyped && y.mode == modeUntyped {
		v, msg := foldBinary(op, x.val, y.val)
		if msg != "" {
			c.errs.add(pos, "%s", msg)
			return operand{}, termInfo{}
		}
		return untyped(v), termInfo{res: untyped(v)}
	}
	switch {
	case op == "&&" || op == "||":
		for _, o := range []operand{x, y} {
			if !o.isBool() {
				c.errs.add(pos, "operator %s needs bool operands, got %s", op, o)
				return operand{}, termInfo{}
			}
		}
	case op == "==" || op == "!=":
	case isComparison(op):
		if x.isBool() || y.isBool() {
			c.errs.add(pos, "operator %s is not defined on bool", op)
			return operand{}, termInfo{}
		}
	default:
		if x.isBool() || y.isBool() {
			c.errs.add(pos, "operator %s is not defined on bool (use select(c, a, b) to choose values)", op)
			return operand{}, termInfo{}
		}
	}
	what := "operator " + op
	dt, ok := c.unify(pos, what, x, y)
	if !ok {
		return operand{}, termInfo{}
	}
	ops := []operand{x, y}
	t, ok := c.applyOp(binaryOp(op), what, pos, nil, ops, convertedTypes(ops, dt), ir.Attrs{})
	if !ok {
		return operand{}, termInfo{}
	}
	r := typed(t)
	return r, termInfo{res: r, opDT: dt}
}

// unary checks -x, +x and !x.
func (c *checker) unary(e *Unary) operand {
	x := c.expr(e.X)
	switch x.mode {
	case modeInvalid:
		return x
	case modeUntyped:
		v, msg := foldUnary(e.Op, x.val)
		if msg != "" {
			c.errs.add(e.Pos, "%s", msg)
			return operand{}
		}
		return untyped(v)
	}
	if e.Op == "!" && x.typ.DType != ir.Bool {
		c.errs.add(e.Pos, "operator ! needs a bool operand, got %s", x.typ)
		return operand{}
	}
	if e.Op != "!" && x.typ.DType == ir.Bool {
		c.errs.add(e.Pos, "operator %s is not defined on bool (use ! for logical not)", e.Op)
		return operand{}
	}
	op := ir.OpNeg
	if e.Op == "!" {
		op = ir.OpNot
	}
	return typedOp(c.applyOp(op, "operator "+e.Op, e.Pos, nil, []operand{x}, []ir.Type{x.typ}, ir.Attrs{}))
}

// name resolves a name in an expression.
func (c *checker) name(e *Name) operand {
	if c.k == nil {
		c.errs.add(e.Pos, "%s must be a constant, not %s", c.constWhat, e.Name)
		return operand{}
	}
	ent := c.scope[e.Name]
	if ent == nil {
		switch {
		case isDTypeName(e.Name):
			c.errs.add(e.Pos, "%s is a dtype, not a value", e.Name)
		case lookupBuiltin(e.Name) != nil || c.file.scope[e.Name] != nil:
			c.errs.add(e.Pos, "%s is a function; call it as %s(...)", e.Name, e.Name)
		default:
			c.errs.add(e.Pos, "unknown name %s%s", e.Name, didYouMean(e.Name, c.scopeNames()))
		}
		return operand{}
	}
	if ent.kind == entOutput && ent.assigned == nil {
		c.errs.add(e.Pos, "output %s is used before it is assigned", e.Name)
		return operand{}
	}
	c.info.uses[e] = ent
	return ent.op
}

// scopeNames lists the names visible in the body, for suggestions.
func (c *checker) scopeNames() []string {
	var names []string
	for n := range c.scope {
		names = append(names, n)
	}
	return names
}

// unify returns the dtype that operands combine in. Untyped constants take
// the dtype of the typed operands and must fit it; an integer scalar meets a
// float operand by converting to it; any other difference is an error.
func (c *checker) unify(pos lexer.Position, what string, ops ...operand) (ir.DType, bool) {
	var strong, weak ir.DType
	for _, op := range ops {
		if op.mode != modeTyped {
			continue
		}
		d := op.typ.DType
		switch {
		case op.weak() && weak == ir.Invalid:
			weak = d
		case op.weak() && weak == d:
		case op.weak():
			c.errs.add(pos, "mismatched dtypes %s and %s in %s (convert one with cast(x, %s))", weak, d, what, weak)
			return ir.Invalid, false
		case strong == ir.Invalid:
			strong = d
		case strong != d:
			c.errs.add(pos, "mismatched dtypes %s and %s in %s (convert one with cast(x, %s))", strong, d, what, strong)
			return ir.Invalid, false
		}
	}
	switch {
	case strong == ir.Invalid && weak == ir.Invalid:
		// Only constants: the widest constant kind decides.
		strong = ir.I32
		for _, op := range ops {
			if op.mode == modeUntyped && op.val.kind == constFloat {
				strong = ir.F32
			}
		}
		for _, op := range ops {
			if op.mode == modeUntyped && op.val.kind == constBool {
				strong = ir.Bool
			}
		}
	case strong == ir.Invalid:
		strong = weak
	case weak != ir.Invalid && weak != strong && !strong.IsFloat():
		c.errs.add(pos, "mismatched dtypes %s and %s in %s (convert one with cast(x, %s))", strong, weak, what, strong)
		return ir.Invalid, false
	}
	for _, op := range ops {
		if op.mode != modeUntyped {
			continue
		}
		if _, msg := op.val.represent(strong); msg != "" {
			if op.val.kind == constBool || strong == ir.Bool {
				msg = fmt.Sprintf("mismatched operands %s and %s in %s", op.val, strong, what)
			}
			c.errs.add(pos, "%s", msg)
			return ir.Invalid, false
		}
	}
	return strong, true
}

// applyOp types op applied to operands ops with the op's own type rule
// (ir.InferType), given their types in after the conversions the language
// makes (convertedTypes). A broken rule is reported in the rule's words with
// the language's hint, operands described as the user wrote them ("constant
// 1"): at the argument at fault when args are given and the rule names one,
// else at pos. Shapes that do not broadcast are the operation's fault: pos.
func (c *checker) applyOp(op ir.Op, what string, pos lexer.Position, args []*Arg, ops []operand, in []ir.Type, a ir.Attrs) (ir.Type, bool) {
	t, err := ir.InferType(op, in, a)
	if err == nil {
		return t, true
	}
	if args != nil && err.Arg >= 0 && err.Arg < len(args) && err.Kind != ir.ErrBroadcast {
		pos = args[err.Arg].Pos
	}
	msg := err.Format(what, func(i int) string {
		if i < len(ops) && ops[i].mode != modeInvalid {
			return ops[i].String()
		}
		return in[i].String()
	})
	c.errs.add(pos, "%s%s", msg, typeHint(op, err, in))
	return ir.Type{}, false
}

// typeHint is what the language suggests for a broken type rule, or "".
func typeHint(op ir.Op, err *ir.TypeError, in []ir.Type) string {
	switch err.Kind {
	case ir.ErrFloat:
		return " (convert with cast(x, f32))"
	case ir.ErrCondition:
		return " (compare, as in x > 0)"
	case ir.ErrBool:
		if op.Has(ir.Reduction) {
			return " (convert with cast(x, i32) to count)"
		}
	case ir.ErrIndexRank:
		if len(in[1].Shape)+1 == len(in[0].Shape) {
			return " (add the axis with expand_dims(idx, axis=-1))"
		}
	}
	return ""
}

// convertedTypes are the types operands have once the language has converted
// them to dtype dt: constants become scalars of dt, integer scalars meeting a
// float convert to it (unify decided dt), and every other value has it already.
func convertedTypes(ops []operand, dt ir.DType) []ir.Type {
	in := make([]ir.Type, len(ops))
	for i, op := range ops {
		in[i] = ir.Scalar(dt)
		if op.mode == modeTyped {
			in[i] = op.typ.WithDType(dt)
		}
	}
	return in
}

// ownType is the type of an operand unconverted: a constant's is a scalar of
// its default dtype.
func ownType(op operand) ir.Type {
	if op.mode == modeTyped {
		return op.typ
	}
	return ir.Scalar(op.val.defaultDType())
}

// call checks a call used as a value: a builtin, or a kernel with one output.
func (c *checker) call(e *Call) operand {
	if c.k == nil {
		c.errs.add(e.Pos, "%s must be a constant, not a call of %s", c.constWhat, e.Func)
		return operand{}
	}
	if b := lookupBuiltin(e.Func); b != nil {
		return c.builtinCall(e, b)
	}
	types, ok := c.callResults(e)
	if !ok {
		return operand{}
	}
	if len(types) != 1 {
		k := c.info.calls[e].kernel
		c.errs.add(e.Pos, "%s returns %d values (%s); use let %s = %s(...)", e.Func, len(types), outputList(k), outputList(k), e.Func)
		return operand{}
	}
	return typed(types[0])
}

// callResults checks a call in a context that takes all its results, and
// returns their types.
func (c *checker) callResults(e *Call) ([]ir.Type, bool) {
	if b := lookupBuiltin(e.Func); b != nil {
		op := c.builtinCall(e, b)
		if op.mode == modeInvalid {
			return nil, false
		}
		if op.mode == modeUntyped {
			return []ir.Type{ir.Scalar(op.val.defaultDType())}, true
		}
		return []ir.Type{op.typ}, true
	}
	k := c.file.scope[e.Func]
	if k == nil {
		for _, a := range e.Args {
			if gradHint(e.Func) != "" {
				break // grad(f, ...) names a kernel: only the call is wrong
			}
			if p := asParen(a.Value); p != nil && p.IsTuple() {
				continue // the function's own kind of argument, for all we know
			}
			if _, ok := asString(a.Value); !ok {
				c.check(a.Value)
			}
		}
		c.unknownFunction(e)
		return nil, false
	}
	return c.kernelCall(e, k)
}

// unknownFunction reports a call of an undefined function.
func (c *checker) unknownFunction(e *Call) {
	if k := c.prog.kernels[e.Func]; k != nil {
		c.errs.add(e.Pos, "unknown function %s: it is defined in %s, which this file does not import (add import %q)", e.Func, k.file.name, k.file.importPathFrom(c.file))
		return
	}
	if hint := foreignFunction(e.Func); hint != "" {
		c.errs.add(e.Pos, "unknown function %q (%s)", e.Func, hint)
		return
	}
	names := builtinNames()
	for n := range c.file.scope {
		names = append(names, n)
	}
	c.errs.add(e.Pos, "unknown function %q%s%s", e.Func, didYouMean(e.Func, names), gradHint(e.Func))
}

// kernelCall checks a call of kernel k: arguments bind to parameters by
// position, then by name; symbolic dimensions of k bind to the caller's.
func (c *checker) kernelCall(e *Call, k *kernel) ([]ir.Type, bool) {
	ops := make([]operand, len(e.Args))
	for i, a := range e.Args {
		ops[i] = c.expr(a.Value)
	}
	c.k.calls = append(c.k.calls, callSite{k, e.Pos})
	if !k.sigOK {
		return nil, false
	}
	slots, ok := c.callSlots(e, k)
	if !ok {
		return nil, false
	}
	info := &callInfo{kernel: k, args: make([]Expr, len(k.params)), argDT: make([]ir.DType, len(k.params))}
	c.info.calls[e] = info
	bind, ok := c.callArgs(e, k, info, slots, ops)
	if !ok {
		return nil, false
	}
	for _, o := range k.outputs {
		info.results = append(info.results, bind.Apply(o.typ))
	}
	return info.results, true
}

// callSlots matches the arguments of a call of k to its parameters, by
// position, then by name: the argument index + 1 of each parameter, 0 for
// one left to its default.
func (c *checker) callSlots(e *Call, k *kernel) ([]int, bool) {
	ok := true
	slots := make([]int, len(k.params))
	named := false
	for i, a := range e.Args {
		if a.Name == "" {
			if named {
				c.errs.add(a.Pos, "positional argument after named arguments in call to %s", k.name)
				return nil, false
			}
			if i >= len(k.params) {
				c.errs.add(a.Pos, "too many arguments in call to %s: it takes %d (%s)", k.name, len(k.params), paramList(k))
				return nil, false
			}
			slots[i] = i + 1
			continue
		}
		named = true
		j := slices.IndexFunc(k.params, func(p *param) bool { return p.name == a.Name })
		switch {
		case j < 0:
			var names []string
			for _, p := range k.params {
				names = append(names, p.name)
			}
			c.errs.add(a.Pos, "unknown argument %s in call to %s%s", a.Name, k.name, didYouMean(a.Name, names))
			ok = false
		case slots[j] != 0:
			c.errs.add(a.Pos, "duplicate argument %s in call to %s", a.Name, k.name)
			ok = false
		default:
			slots[j] = i + 1
		}
	}
	var missing []string
	for j, p := range k.params {
		if slots[j] == 0 && p.def == nil {
			missing = append(missing, p.name)
		}
	}
	if len(missing) > 0 {
		c.errs.add(e.Pos, "missing %s %s in call to %s (%s)", plural(len(missing), "argument"), strings.Join(missing, ", "), k.name, paramList(k))
		ok = false
	}
	return slots, ok
}

// callArgs checks each argument against its parameter and records it in
// info: scalars must be assignable, tensors must have the parameter's dtype
// and rank, with its symbolic dimensions bound consistently (ir.DimBinding,
// the rule of the IR's call op).
func (c *checker) callArgs(e *Call, k *kernel, info *callInfo, slots []int, ops []operand) (*ir.DimBinding, bool) {
	ok := true
	bind := ir.NewDimBinding()
	for j, p := range k.params {
		info.argDT[j] = p.typ.DType
		if slots[j] == 0 {
			continue
		}
		a := e.Args[slots[j]-1]
		info.args[j] = a.Value
		op := ops[slots[j]-1]
		if op.mode == modeInvalid {
			ok = false
			continue
		}
		what := fmt.Sprintf("argument %s of %s", p.name, k.name)
		if j >= k.tensors {
			if op.mode == modeTyped && !op.typ.IsScalar() {
				c.errs.add(a.Pos, "%s must be a scalar %s, got %s", what, p.typ, op.typ)
				ok = false
			} else if !c.assignable(a.Pos, op, p.typ, what) {
				ok = false
			}
			continue
		}
		if op.mode != modeTyped || op.typ.IsScalar() {
			c.errs.add(a.Pos, "%s must be a tensor %s, got %s", what, p.typ, op)
			ok = false
			continue
		}
		if err := bind.Bind(j, p.typ, op.typ); err != nil {
			if err.Sym == "" {
				c.errs.add(a.Pos, "%s must be %s, got %s", what, p.typ, op.typ)
			} else {
				c.errs.add(a.Pos, "%s has shape %s, but dimension %s of %s is already %s (from argument %s)", what, op.typ.Shape, err.Sym, k.name, err.Was, k.params[err.Prev].name)
			}
			ok = false
		}
	}
	return bind, ok
}

// isComparison reports whether op compares.
func isComparison(op string) bool {
	switch op {
	case "==", "!=", "<", "<=", ">", ">=":
		return true
	}
	return false
}

// outputList prints a kernel's output names: theta_new, m_new.
func outputList(k *kernel) string {
	var names []string
	for _, o := range k.outputs {
		names = append(names, o.name)
	}
	return strings.Join(names, ", ")
}

// paramList prints a kernel's parameters for a call error.
func paramList(k *kernel) string {
	var parts []string
	for _, p := range k.params {
		s := p.name + ": " + p.typ.String()
		if p.def != nil {
			s += " = " + fmt.Sprint(*p.def)
		}
		parts = append(parts, s)
	}
	return k.name + "(" + strings.Join(parts, ", ") + ")"
}
