// This file exports the builtin table for the language reference
// (docs/language.md, written by internal/tools/gendocs): one row per form of
// each builtin, with its signature, the operands it takes and the IR op it
// lowers to.
package frontend

//go:generate go run ../internal/tools/gendocs -root ..

// BuiltinDoc describes one form of a builtin function.
type BuiltinDoc struct {
	Name      string // as called
	Group     string // elementwise, reduction, indexing, shape or contraction
	Signature string // how it is called, options with their defaults
	Operands  string // what its value arguments may be
	Op        string // the IR op it lowers to; "" for a composite of several ops
}

// BuiltinDocs returns the builtin table in its order. max and min appear
// twice: elementwise with two values, reducing with one.
func BuiltinDocs() []BuiltinDoc {
	var docs []BuiltinDoc
	for _, b := range builtins() {
		d := BuiltinDoc{Name: b.name, Signature: builtinSignature(b), Group: "elementwise", Operands: "numeric"}
		if b.op != 0 {
			d.Op = b.op.String()
		}
		switch b.kind {
		case bkReduce:
			d.Group = "reduction"
		case bkGather:
			d.Group, d.Operands = "indexing", "x: any; idx: i32 or i64"
		case bkReshape, bkDim, bkIota:
			d.Group, d.Operands = "shape", "any tensor"
		case bkSelect:
			d.Operands = "cond: bool; a, b: any, unified"
		case bkCast:
			d.Operands = "any; dtype: a dtype name"
		case bkTranspose:
			d.Group, d.Operands = "shape", "any tensor; axes: a tuple of constant integers"
		case bkEinsum:
			d.Group = "contraction"
		}
		if b.floatOnly() {
			d.Operands = "float"
		}
		if b.kind == bkEinsum {
			d.Operands = "subscripts: a string; a, b: float tensors of one dtype"
		}
		docs = append(docs, d)
	}
	return docs
}
