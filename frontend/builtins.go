// This file lists the builtin functions of the language and the IR op each
// one lowers to.
package frontend

import (
	"fmt"

	"dlc/ir"
)

// builtinKind says how a builtin's arguments are typed.
type builtinKind uint8

const (
	bkUnary  builtinKind = iota + 1 // f(x): numeric, or float when the op is FloatOnly
	bkBinary                        // f(x, y): operands unify like x + y
	bkSelect                        // select(c, a, b): c bool, a and b unify
	bkClamp                         // clamp(x, lo, hi): all three unify
	bkCast                          // cast(x, dtype)
)

// builtin is a function provided by the language.
type builtin struct {
	name string
	op   ir.Op
	kind builtinKind
}

// arity is the number of arguments the builtin takes.
func (b *builtin) arity() int {
	switch b.kind {
	case bkUnary:
		return 1
	case bkBinary, bkCast:
		return 2
	}
	return 3
}

// floatOnly reports whether the builtin needs floating-point operands.
func (b *builtin) floatOnly() bool { return b.op.Has(ir.FloatOnly) }

// builtins returns the builtin table. It is rebuilt per call rather than
// kept in a package variable.
func builtins() []*builtin {
	return []*builtin{
		{"sign", ir.OpSign, bkUnary},
		{"abs", ir.OpAbs, bkUnary},
		{"exp", ir.OpExp, bkUnary},
		{"log", ir.OpLog, bkUnary},
		{"log1p", ir.OpLog1p, bkUnary},
		{"sqrt", ir.OpSqrt, bkUnary},
		{"rsqrt", ir.OpRsqrt, bkUnary},
		{"tanh", ir.OpTanh, bkUnary},
		{"sigmoid", ir.OpSigmoid, bkUnary},
		{"floor", ir.OpFloor, bkUnary},
		{"min", ir.OpMin, bkBinary},
		{"max", ir.OpMax, bkBinary},
		{"pow", ir.OpPow, bkBinary},
		{"select", ir.OpSelect, bkSelect},
		{"where", ir.OpSelect, bkSelect},
		{"clamp", ir.OpClamp, bkClamp},
		{"cast", ir.OpCast, bkCast},
	}
}

// lookupBuiltin returns the builtin named name, or nil.
func lookupBuiltin(name string) *builtin {
	for _, b := range builtins() {
		if b.name == name {
			return b
		}
	}
	return nil
}

// builtinNames returns the names of all builtins, for suggestions.
func builtinNames() []string {
	var names []string
	for _, b := range builtins() {
		names = append(names, b.name)
	}
	return names
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
