// This file type-checks calls of builtin functions: elementwise builtins,
// cast, reductions (sum, mean, max, min, logsumexp), take_along_axis, the
// reshapes expand_dims and squeeze, dim and iota (transpose and einsum are
// in checkcontract.go). Value arguments are
// positional; options (axis, keepdims, initial) are named constants. The
// checker handles what belongs to the language (arguments, options, untyped
// constants, implicit conversions); the type and shape of each op it emits
// come from the op's rule in the IR op table (applyOp).
package frontend

import (
	"fmt"
	"slices"
	"strings"

	"dlc.dev/dlc/ir"

	"github.com/alecthomas/participle/v2/lexer"
)

// option is a named argument of a builtin call, checked as an expression.
type option struct {
	arg *Arg
	op  operand
}

// builtinCall checks a call of a builtin function.
func (c *checker) builtinCall(e *Call, b *builtin) operand {
	b = resolveBuiltin(b, e)
	info := &callInfo{builtin: b}
	c.info.calls[e] = info
	switch b.kind {
	case bkTranspose:
		return c.transposeCall(e, info)
	case bkEinsum:
		return c.einsumCall(e, info)
	}
	var vals []operand
	var valArgs []*Arg
	opts := map[string]option{}
	bad, named := false, false
	for _, a := range e.Args {
		if a.Name == "" {
			if named {
				c.errs.add(a.Pos, "positional argument after named arguments in call to %s", b.name)
				bad = true
			}
			valArgs = append(valArgs, a)
			if b.kind == bkCast && len(valArgs) == 2 {
				vals = append(vals, operand{}) // a dtype, not a value
				continue
			}
			op := c.expr(a.Value)
			vals = append(vals, op)
			bad = bad || op.mode == modeInvalid
			continue
		}
		named = true
		op := c.expr(a.Value)
		ok := false
		switch _, dup := opts[a.Name]; {
		case op.mode == modeInvalid:
		case len(b.options) == 0:
			hint := ""
			if b.op == ir.OpMax || b.op == ir.OpMin {
				hint = fmt.Sprintf(" (%s(x, y) is elementwise; %s(x, axis=-1) reduces one tensor)", b.name, b.name)
			}
			c.errs.add(a.Pos, "builtin %s takes no named arguments%s", b.name, hint)
		case !slices.Contains(b.options, a.Name):
			c.errs.add(a.Pos, "unknown argument %s to %s%s (%s)", a.Name, b.name, didYouMean(a.Name, b.options), builtinSignature(b))
		case dup:
			c.errs.add(a.Pos, "duplicate argument %s to %s", a.Name, b.name)
		default:
			opts[a.Name] = option{a, op}
			ok = true
		}
		bad = bad || !ok
	}
	if n := len(valArgs); n != b.arity() {
		if n > b.arity() && len(b.options) > 0 {
			extra := valArgs[b.arity()]
			c.errs.add(extra.Pos, "%s takes its options by name: write %s=%s (%s)", b.name, b.options[0], extra.Value, builtinSignature(b))
		} else {
			c.errs.add(e.Pos, "wrong number of arguments to %s: want %d, got %d (%s)", b.name, b.arity(), n, builtinSignature(b))
		}
		return operand{}
	}
	if bad {
		return operand{}
	}
	switch b.kind {
	case bkCast:
		return c.cast(e, info, vals[0])
	case bkReduce:
		return c.reduction(e, info, vals[0], opts)
	case bkGather:
		return c.gather(e, info, vals[0], vals[1], opts)
	case bkReshape:
		return c.reshape(e, info, vals[0], opts)
	case bkDim:
		return c.dim(e, info, vals[0], opts)
	case bkIota:
		return c.iota(e, info, vals[0], opts)
	}
	return c.elementwiseBuiltin(e, info, vals)
}

// elementwiseBuiltin checks sign(x), max(x, y), select(c, a, b) and the other
// builtins that apply per element: the language unifies the value operands'
// dtypes, then the op's type rule types the call.
func (c *checker) elementwiseBuiltin(e *Call, info *callInfo, ops []operand) operand {
	b := info.builtin
	vals := ops
	if b.kind == bkSelect {
		vals = ops[1:]
	}
	dt, ok := c.unify(e.Pos, b.name, vals...)
	if !ok {
		return operand{}
	}
	allConst := true
	for _, op := range vals {
		allConst = allConst && op.mode == modeUntyped
	}
	if b.floatOnly() && allConst && dt.IsInt() {
		dt = ir.F32 // exp(1) means exp(1.0)
	}
	info.opDT = dt
	in := convertedTypes(ops, dt)
	if b.kind == bkSelect {
		in[0] = ownType(ops[0])
	}
	if b.op == ir.OpInvalid { // a composite: float operands, the operand's shape
		if !dt.IsFloat() {
			c.errs.add(e.Pos, "%s needs a float operand, got %s (convert with cast(x, f32))", b.name, dt)
			return operand{}
		}
		return typed(in[0])
	}
	return typedOp(c.applyOp(b.op, b.name, e.Pos, e.Args, ops, in, ir.Attrs{}))
}

// cast checks cast(x, dtype).
func (c *checker) cast(e *Call, info *callInfo, x operand) operand {
	dtArg := e.Args[1].Value
	name, _ := asName(dtArg)
	dt, ok := ir.ParseDType(name)
	if !ok {
		msg := "the second argument of cast must be a dtype (" + strings.Join(dtypeNames(), ", ") + ")"
		if name != "" {
			msg = fmt.Sprintf("unknown dtype %s in cast%s", name, dtypeHint(name))
		}
		c.errs.add(dtArg.Pos, "%s", msg)
		return operand{}
	}
	info.opDT = dt
	if x.mode == modeUntyped {
		if _, msg := x.val.represent(dt); msg != "" {
			c.errs.add(e.Args[0].Pos, "%s", msg)
			return operand{}
		}
		return typed(ir.Scalar(dt))
	}
	return typedOp(c.applyOp(ir.OpCast, "cast", e.Pos, nil, []operand{x}, []ir.Type{x.typ}, ir.Attrs{Type: ir.Scalar(dt)}))
}

// reduction checks sum, mean, max, min and logsumexp of one tensor along
// one axis (the last by default): the options, then the op's type rule.
func (c *checker) reduction(e *Call, info *callInfo, x operand, opts map[string]option) operand {
	b := info.builtin
	if !c.needTensor(e.Args[0].Pos, b.name, x) {
		return operand{}
	}
	axis, ok := c.axisOption(opts, x.typ, len(x.typ.Shape), false)
	if !ok {
		return operand{}
	}
	keep, ok := c.boolOption(opts, "keepdims")
	if !ok {
		return operand{}
	}
	t, ok := c.applyOp(b.op, b.name, e.Pos, e.Args, []operand{x}, []ir.Type{x.typ}, ir.Attrs{Axis: axis, KeepDims: keep})
	if !ok {
		return operand{}
	}
	dt := x.typ.DType
	if b.float && !dt.IsFloat() {
		c.errs.add(e.Args[0].Pos, "%s needs a float operand, got %s (convert with cast(x, f32))", b.name, x.typ)
		return operand{}
	}
	if o, given := opts["initial"]; given {
		if o.op.mode != modeUntyped || o.op.val.kind == constBool {
			c.errs.add(o.arg.Value.Pos, "initial must be a numeric constant, got %s", o.op)
			return operand{}
		}
		v, msg := o.op.val.represent(dt)
		if msg != "" {
			c.errs.add(o.arg.Value.Pos, "initial: %s", msg)
			return operand{}
		}
		info.initial = &v
	}
	info.opDT, info.axis, info.keepDims = dt, axis, keep
	return typed(t)
}

// gather checks take_along_axis(x, idx, axis=-1) with its op's type rule:
// idx holds integer indices into the axis of x and has the rank of x; the
// other dimensions match. The result has the dtype of x and the shape of idx.
func (c *checker) gather(e *Call, info *callInfo, x, idx operand, opts map[string]option) operand {
	b := info.builtin
	if !c.needTensor(e.Args[0].Pos, b.name, x) || !c.needTensor(e.Args[1].Pos, b.name, idx) {
		return operand{}
	}
	axis, ok := c.axisOption(opts, x.typ, len(x.typ.Shape), false)
	if !ok {
		return operand{}
	}
	t, ok := c.applyOp(ir.OpGather, b.name, e.Pos, e.Args, []operand{x, idx}, []ir.Type{x.typ, idx.typ}, ir.Attrs{Axis: axis})
	if !ok {
		return operand{}
	}
	info.opDT, info.axis = x.typ.DType, axis
	return typed(t)
}

// reshape checks expand_dims(x, axis) and squeeze(x, axis), which add or
// remove one dimension of size 1.
func (c *checker) reshape(e *Call, info *callInfo, x operand, opts map[string]option) operand {
	b := info.builtin
	if x.mode != modeTyped {
		c.errs.add(e.Args[0].Pos, "%s needs a typed value, got %s", b.name, x)
		return operand{}
	}
	s := x.typ.Shape
	var out ir.Shape
	if b.name == "expand_dims" {
		axis, ok := c.axisOption(opts, x.typ, len(s)+1, true)
		if !ok {
			return operand{}
		}
		out = append(append(append(ir.Shape{}, s[:axis]...), ir.ConstDim(1)), s[axis:]...)
		info.axis = axis
	} else {
		if !c.needTensor(e.Args[0].Pos, b.name, x) {
			return operand{}
		}
		axis, ok := c.axisOption(opts, x.typ, len(s), false)
		if !ok {
			return operand{}
		}
		if s[axis] != ir.ConstDim(1) {
			c.errs.add(e.Pos, "cannot squeeze axis %d of %s: its size is %s, not 1", axis, x.typ, s[axis])
			return operand{}
		}
		out = append(append(ir.Shape{}, s[:axis]...), s[axis+1:]...)
		if len(out) == 0 {
			out = nil
		}
		info.axis = axis
	}
	info.opDT = x.typ.DType
	return typedOp(c.applyOp(ir.OpReshape, b.name, e.Pos, e.Args, []operand{x}, []ir.Type{x.typ}, ir.Attrs{Type: ir.Type{DType: x.typ.DType, Shape: out}}))
}

// dim checks dim(x, axis=-1), the size of an axis of x: a constant for a
// constant dimension, else an i32 scalar known when the kernel runs.
func (c *checker) dim(e *Call, info *callInfo, x operand, opts map[string]option) operand {
	axis, ok := c.indexAxis(e, info, x, opts)
	if !ok {
		return operand{}
	}
	if d := x.typ.Shape[axis]; !d.IsSym() {
		v, err := makeNumber(fmt.Sprint(d.N))
		if err != nil {
			panic(err) // a positive integer always parses
		}
		return untyped(v)
	}
	a := ir.Attrs{Name: x.typ.Shape[axis].Sym, Type: ir.Scalar(ir.I32)}
	return typedOp(c.applyOp(ir.OpDim, info.builtin.name, e.Pos, nil, nil, nil, a))
}

// iota checks iota(x, axis=-1): an i32 tensor of x's shape whose elements are
// their index along axis (for one-hot masks: iota(logits) == labels).
func (c *checker) iota(e *Call, info *callInfo, x operand, opts map[string]option) operand {
	axis, ok := c.indexAxis(e, info, x, opts)
	if !ok {
		return operand{}
	}
	a := ir.Attrs{Axis: axis, Type: ir.Type{DType: ir.I32, Shape: x.typ.Shape}}
	return typedOp(c.applyOp(ir.OpIota, info.builtin.name, e.Pos, nil, nil, nil, a))
}

// indexAxis checks the argument of a builtin whose result is an i32 index
// along an axis of tensor x (dim, iota) and its axis= option (default -1),
// and records both in info.
func (c *checker) indexAxis(e *Call, info *callInfo, x operand, opts map[string]option) (axis int, ok bool) {
	if !c.needTensor(e.Args[0].Pos, info.builtin.name, x) {
		return 0, false
	}
	if axis, ok = c.axisOption(opts, x.typ, len(x.typ.Shape), false); !ok {
		return 0, false
	}
	info.axis, info.opDT = axis, ir.I32
	return axis, true
}

// needTensor reports whether op is a tensor value, and says why not.
func (c *checker) needTensor(pos lexer.Position, what string, op operand) bool {
	if op.mode == modeTyped && !op.typ.IsScalar() {
		return true
	}
	if op.mode == modeTyped {
		c.errs.add(pos, "%s needs a tensor, got scalar %s", what, op.typ)
	} else {
		c.errs.add(pos, "%s needs a tensor, got %s", what, op)
	}
	return false
}

// axisOption returns the axis= option, -1 by default, as a non-negative
// axis into rank dimensions; negative axes count from the end. newAxis says
// that the axis is one to insert into t (expand_dims), not one of t's.
func (c *checker) axisOption(opts map[string]option, t ir.Type, rank int, newAxis bool) (int, bool) {
	o, given := opts["axis"]
	if !given {
		return rank - 1, true
	}
	pos := o.arg.Value.Pos
	if o.op.mode != modeUntyped || o.op.val.kind != constInt {
		c.errs.add(pos, "axis must be a constant integer, got %s", o.op)
		return 0, false
	}
	a, msg := o.op.val.represent(ir.I32)
	if msg != "" || a < float64(-rank) || a >= float64(rank) {
		if newAxis {
			c.errs.add(pos, "axis %s is out of range for expand_dims of %s: the new axis can be %d..%d", o.op.val, t, -rank, rank-1)
		} else {
			c.errs.add(pos, "axis %s is out of range for %s, which has axes %d..%d", o.op.val, t, -rank, rank-1)
		}
		return 0, false
	}
	if a < 0 {
		a += float64(rank)
	}
	return int(a), true
}

// boolOption returns a named bool option, false by default.
func (c *checker) boolOption(opts map[string]option, name string) (bool, bool) {
	o, given := opts[name]
	if !given {
		return false, true
	}
	if o.op.mode != modeUntyped || o.op.val.kind != constBool {
		c.errs.add(o.arg.Value.Pos, "%s must be true or false, got %s", name, o.op)
		return false, false
	}
	return o.op.val.float() != 0, true
}

// asName returns the identifier when e is nothing but a name.
func asName(e Expr) (string, bool) {
	n, ok := bare(e).(*Name)
	if !ok {
		return "", false
	}
	return n.Name, true
}
