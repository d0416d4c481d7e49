// This file lists the builtin functions of the language and the IR op each
// one lowers to. Value arguments are positional; options are named constants.
//
//	elementwise   every unary elementwise op of the IR op table, by its name
//	              (sign, abs, exp, log, sqrt, tanh, ...: see ir/ops.go), except
//	              neg, not and cast, written -x, !x and cast(x, dtype)
//	              softplus log_sigmoid  (stable composites: max(x,0) + log1p(exp(-|x|)))
//	              relu  (select(x <= 0, 0, x): its gradient at 0 is 0, as PyTorch's)
//	              min(x, y) max(x, y) pow(x, y) select(c, a, b) where(c, a, b)
//	              clamp(x, lo, hi) cast(x, dtype)
//	reductions    sum mean max min logsumexp (x, axis=-1, keepdims=false, initial=...)
//	              one axis, the last by default; negative axes count from the end.
//	              initial is an extra element: logsumexp(x, initial=0) is
//	              LSE(0, x) = log(1 + sum(exp(x))), the "implicit 0" of ZLPR;
//	              max(x, initial=0) is max(0, max(x)). mean takes no initial.
//	              max and min reduce when given one value, else are elementwise.
//	indexing      take_along_axis(x, idx, axis=-1), alias gather: NumPy's
//	              take_along_axis; idx is i32 or i64 with the rank of x
//	shape         expand_dims(x, axis=-1), squeeze(x, axis=-1): add or remove
//	              one dimension of size 1; dim(x, axis=-1): the size of an axis,
//	              a constant or an i32 scalar (a weak integer, like step: i32);
//	              iota(x, axis=-1): i32 of x's shape, each element its index along axis;
//	              transpose(x, axes): permute the axes (all reversed without axes)
//	contraction   einsum("bij,bjk->bik", a, b): one or two float operands; the
//	              matrix product is the operator a @ b
package frontend

import (
	"fmt"
	"strings"

	"dlc.dev/dlc/ir"
)

// builtinKind says how a builtin's arguments are typed.
type builtinKind uint8

const (
	bkUnary     builtinKind = iota + 1 // f(x): numeric, or float when the op is FloatOnly
	bkBinary                           // f(x, y): operands unify like x + y
	bkSelect                           // select(c, a, b): c bool, a and b unify
	bkClamp                            // clamp(x, lo, hi): all three unify
	bkCast                             // cast(x, dtype)
	bkReduce                           // sum(x, axis=-1, keepdims=false, initial=...)
	bkGather                           // take_along_axis(x, idx, axis=-1)
	bkReshape                          // expand_dims(x, axis=-1), squeeze(x, axis=-1)
	bkDim                              // dim(x, axis=-1): the size of an axis
	bkIota                             // iota(x, axis=-1): each element's index along an axis
	bkTranspose                        // transpose(x, axes): permute the axes
	bkEinsum                           // einsum(subscripts, a, b): a contraction
)

// builtin is a function provided by the language.
type builtin struct {
	name string
	op   ir.Op
	kind builtinKind
	// float marks a builtin that needs float operands although op does not
	// say so (composites such as softplus, and mean).
	float bool
	// options are the named arguments the builtin takes, in the order its
	// signature lists them; the value arguments are positional.
	options []string
}

// arity is the number of positional arguments the builtin takes.
func (b *builtin) arity() int {
	switch b.kind {
	case bkUnary, bkReduce, bkReshape, bkDim, bkIota, bkTranspose:
		return 1
	case bkBinary, bkCast, bkGather:
		return 2
	}
	return 3
}

// floatOnly reports whether the builtin needs floating-point operands.
func (b *builtin) floatOnly() bool { return b.float || b.op.Has(ir.FloatOnly) }

// builtins returns the builtin table. It is rebuilt per call rather than
// kept in a package variable. Every unary elementwise op of the IR op table is
// a builtin of its name (unaryBuiltins), so a new one needs nothing here. max
// and min appear twice: with two values they are elementwise, with one tensor
// they reduce (see resolveBuiltin).
func builtins() []*builtin {
	reduce := []string{"axis", "keepdims", "initial"}
	axis := []string{"axis"}
	return append(unaryBuiltins(), []*builtin{
		// composites: no op of their own; lowering expands them by name
		{name: "softplus", kind: bkUnary, float: true},
		{name: "log_sigmoid", kind: bkUnary, float: true},
		{name: "relu", kind: bkUnary, float: true},
		{name: "min", op: ir.OpMin, kind: bkBinary},
		{name: "max", op: ir.OpMax, kind: bkBinary},
		{name: "pow", op: ir.OpPow, kind: bkBinary},
		{name: "select", op: ir.OpSelect, kind: bkSelect},
		{name: "where", op: ir.OpSelect, kind: bkSelect},
		{name: "clamp", op: ir.OpClamp, kind: bkClamp},
		{name: "cast", op: ir.OpCast, kind: bkCast},
		{name: "sum", op: ir.OpReduceSum, kind: bkReduce, options: reduce},
		{name: "mean", op: ir.OpReduceSum, kind: bkReduce, float: true, options: []string{"axis", "keepdims"}},
		{name: "max", op: ir.OpReduceMax, kind: bkReduce, options: reduce},
		{name: "min", op: ir.OpReduceMin, kind: bkReduce, options: reduce},
		{name: "nanmax", op: ir.OpReduceNanMax, kind: bkReduce, options: reduce},
		{name: "nanmin", op: ir.OpReduceNanMin, kind: bkReduce, options: reduce},
		{name: "logsumexp", op: ir.OpReduceLSE, kind: bkReduce, options: reduce},
		{name: "take_along_axis", op: ir.OpGather, kind: bkGather, options: axis},
		{name: "gather", op: ir.OpGather, kind: bkGather, options: axis},
		{name: "expand_dims", op: ir.OpReshape, kind: bkReshape, options: axis},
		{name: "squeeze", op: ir.OpReshape, kind: bkReshape, options: axis},
		{name: "dim", op: ir.OpDim, kind: bkDim, options: axis},
		{name: "iota", op: ir.OpIota, kind: bkIota, options: axis},
		{name: "transpose", op: ir.OpTranspose, kind: bkTranspose, options: []string{"axes"}},
		{name: "einsum", op: ir.OpDotGeneral, kind: bkEinsum},
	}...)
}

// unaryBuiltins returns a builtin f(x) for every unary elementwise op of the
// IR op table, named as the op, except those the language writes otherwise:
// -x (neg), !x (not) and cast(x, dtype).
func unaryBuiltins() []*builtin {
	var bs []*builtin
	for _, op := range ir.AllOps() {
		if !op.Has(ir.Elementwise) || op.Info().Arity != 1 {
			continue
		}
		switch op {
		case ir.OpNeg, ir.OpNot, ir.OpCast:
			continue
		}
		bs = append(bs, &builtin{name: op.String(), op: op, kind: bkUnary})
	}
	return bs
}

// lookupBuiltin returns the builtin named name, or nil. For max and min it
// returns the elementwise form.
func lookupBuiltin(name string) *builtin {
	for _, b := range builtins() {
		if b.name == name {
			return b
		}
	}
	return nil
}

// resolveBuiltin picks the form of a builtin that a call means: max(x, y) is
// elementwise; max(x) and max(x, axis=0), with one value, reduce.
func resolveBuiltin(b *builtin, e *Call) *builtin {
	if b.kind != bkBinary || (b.op != ir.OpMax && b.op != ir.OpMin) {
		return b
	}
	positional := 0
	for _, a := range e.Args {
		if a.Name == "" {
			positional++
		}
	}
	if positional != 1 {
		return b
	}
	for _, r := range builtins() {
		if r.name == b.name && r.kind == bkReduce {
			return r
		}
	}
	return b
}

// builtinNames returns the names of all builtins, for suggestions.
func builtinNames() []string {
	var names []string
	seen := map[string]bool{}
	for _, b := range builtins() {
		if !seen[b.name] {
			seen[b.name] = true
			names = append(names, b.name)
		}
	}
	return names
}

// builtinSignature prints how a builtin is called.
func builtinSignature(b *builtin) string {
	switch b.kind {
	case bkUnary:
		return b.name + "(x)"
	case bkBinary:
		return b.name + "(x, y)"
	case bkSelect:
		return b.name + "(cond, a, b)"
	case bkClamp:
		return b.name + "(x, lo, hi)"
	case bkCast:
		return b.name + "(x, dtype)"
	case bkGather:
		return b.name + "(x, idx, axis=-1)"
	case bkTranspose:
		return b.name + "(x, axes)"
	case bkEinsum:
		return b.name + `("ij,jk->ik", a, b)`
	}
	defaults := map[string]string{"axis": "-1", "keepdims": "false", "initial": "..."}
	parts := []string{"x"}
	for _, o := range b.options {
		parts = append(parts, o+"="+defaults[o])
	}
	return b.name + "(" + strings.Join(parts, ", ") + ")"
}

// dtypeHint suggests the dtype meant by a misspelled or foreign dtype name,
// such as float for f32.
func dtypeHint(name string) string {
	foreign := map[string]string{
		"float": "f32", "float32": "f32", "double": "f64", "float64": "f64",
		"half": "f16", "float16": "f16", "bfloat16": "bf16",
		"int": "i32", "int32": "i32", "long": "i64", "int64": "i64",
	}
	if d, ok := foreign[name]; ok {
		return fmt.Sprintf(" (did you mean %q?)", d)
	}
	return didYouMean(name, dtypeNames())
}

// dtypeNames returns the names of all dtypes, for suggestions.
func dtypeNames() []string {
	return []string{"f32", "f64", "f16", "bf16", "i32", "i64", "bool"}
}
