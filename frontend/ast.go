// This file defines the syntax tree of a .dl source file. The grammar is the
// participle tags on the structs below; as EBNF (testdata/grammar.ebnf pins
// the form participle prints):
//
//	File       = Import* Kernel* .
//	Import     = "import" String .
//	Kernel     = Annotation* "kernel" Ident
//	             ( "=" (Grad | Train)
//	             | "(" (Param ("," Param)*)? (";" (Param ("," Param)*)?)? ")"
//	               "->" ("(" Output ("," Output)* ")" | Output)
//	               "{" Stmt* "}" ) .
//	Grad       = "grad" "(" Ident "," "wrt" "=" ("(" Ident ("," Ident)* ")" | Ident) ")" .
//	Train      = "train" "(" Ident "," "loss" "=" Ident "," "opt" "=" Ident ("(" (Arg ("," Arg)*)? ")")?
//	             ("," "precision" "=" Ident)? ")" .  // bf16, f16 or f32
//	Annotation = "@" (Ident | Keyword) ("(" (Arg ("," Arg)*)? ")")? .  // a keyword only to report it
//	Param      = Ident (":" Type)? ("=" Expr)? .      // tensors before ";", scalars after
//	Output     = Ident ":" Type .
//	Type       = Ident ("[" Dim ("," Dim)* "]")? .    // f32, f32[N], f32[B, 4]
//	Dim        = Ident | Int .
//	Stmt       = Let | Assign .
//	Let        = "let" Ident ("," Ident)* "=" Expr .
//	Assign     = Ident ("," Ident)* "=" Expr .
//	Expr       = AndExpr ("||" AndExpr)* .
//	AndExpr    = CmpExpr ("&&" CmpExpr)* .
//	CmpExpr    = AddExpr (("==" | "!=" | "<=" | ">=" | "<" | ">") AddExpr)* .  // chains are rejected by the checker
//	AddExpr    = MulExpr (("+" | "-") MulExpr)* .
//	MulExpr    = Unary (("*" | "/" | "@") Unary)* .    // @ is the matrix product
//	Unary      = ("-" | "+" | "!") Unary | Primary .
//	Primary    = Number | Bool | StringLit | Call | Name | Paren .
//	Number     = Float | Int | "inf" | "nan" .
//	Bool       = "true" | "false" .
//	StringLit  = String .                              // einsum's subscripts
//	Paren      = "(" Expr ("," Expr)* ","? ")" .       // a comma makes a tuple: transpose's axes
//	Call       = Ident "(" (Arg ("," Arg)* ","?)? ")" .
//	Arg        = (Ident "=")? Expr .
//	Name       = Ident .
//
// Comments run from "//" to the end of the line. Statements need no
// separator: an expression never continues with an identifier or "let".
// The keywords import, kernel, let, true, false, inf and nan cannot be names.
//
// Every node records its position, and String prints it back as valid DSL,
// so that parse(String(parse(src))) has the same String.
package frontend

import (
	"strconv"
	"strings"

	"github.com/alecthomas/participle/v2/lexer"
)

// Node is implemented by every syntax tree node.
type Node interface {
	Position() lexer.Position
	String() string
}

// Stmt is a statement of a kernel body: *Let or *Assign.
type Stmt interface {
	Node
	stmt()
}

// Expr is an expression: one of the precedence levels (*OrExpr ... *MulExpr),
// *Unary, or a Primary.
type Expr interface {
	Node
	expr()
}

// Primary is an operand of the unary operators: *Number, *Bool, *StringLit,
// *Call, *Name or *Paren.
type Primary interface {
	Expr
	primary()
}

// Binary is implemented by the binary precedence levels: an operand followed
// by zero or more "op operand" terms, applied left to right.
type Binary interface {
	Expr
	Terms() (first Expr, rest []Term)
}

// Term is one "op operand" step of a Binary expression.
type Term struct {
	Pos lexer.Position // of the operator
	Op  string
	Y   Expr
}

// File is a parsed source file.
type File struct {
	Pos     lexer.Position
	Imports []*Import `parser:"@@*"`
	Kernels []*Kernel `parser:"@@*"`
}

// Import names another source file: "std/..." for the standard library,
// otherwise a path relative to the importing file.
type Import struct {
	Pos  lexer.Position
	Path string `parser:"'import' @String"`
}

// Kernel is a kernel definition: a signature and a body, the gradient of
// another kernel (Grad set, no signature or body), or a train step (Train set).
type Kernel struct {
	Pos         lexer.Position
	Annotations []*Annotation `parser:"@@*"`
	Name        *Ident        `parser:"'kernel' @@"`
	Grad        *Grad         `parser:"( '=' ( @@"`
	Train       *Train        `parser:"| @@ )"`
	Tensors     []*Param      `parser:"| '(' ( @@ ( ',' @@ )* )?"`
	Scalars     []*Param      `parser:"( ';' ( @@ ( ',' @@ )* )? )? ')'"`
	Outputs     []*Output     `parser:"'->' ( '(' @@ ( ',' @@ )* ')' | @@ )"`
	Body        []Stmt        `parser:"'{' @@* '}' )"`
}

// Grad defines a kernel as the gradient of kernel Of with respect to its
// tensor parameters Wrt: kernel df = grad(f, wrt=(x, w)).
type Grad struct {
	Pos lexer.Position
	Of  *Ident   `parser:"'grad' '(' @@ ','"`
	Wrt []*Ident `parser:"'wrt' '=' ( '(' @@ ( ',' @@ )* ')' | @@ ) ')'"`
}

// Train defines a kernel as one training step of model Model with loss
// kernel Loss and optimizer kernel Opt, whose scalars Args fix, in the
// precision Precision names when set (bf16 or f16 mixed precision, or f32):
// kernel step = train(mlp, loss=ce, opt=lion(lr=1e-3), precision=bf16).
type Train struct {
	Pos   lexer.Position
	Model *Ident `parser:"'train' '(' @@ ','"`
	Loss  *Ident `parser:"'loss' '=' @@ ','"`
	Opt   *Ident `parser:"'opt' '=' @@"`
	// Paren is set when the optimizer is written with parentheses, opt=lion().
	Paren bool   `parser:"( @'('"`
	Args  []*Arg `parser:"  ( @@ ( ',' @@ )* )? ')' )?"`
	// Precision is the step's precision, when the declaration sets it.
	Precision *Ident `parser:"( ',' 'precision' '=' @@ )? ')'"`
}

// Annotation is @name or @name(args) before a kernel.
type Annotation struct {
	Pos  lexer.Position
	Name string `parser:"'@' @( Ident | Keyword )"`
	Args []*Arg `parser:"( '(' ( @@ ( ',' @@ )* )? ')' )?"`
}

// Param is a kernel parameter. Tensor parameters need a type; scalar ones a
// type, a default, or both.
type Param struct {
	Pos     lexer.Position
	Name    string  `parser:"@Ident"`
	Type    *Type   `parser:"( ':' @@ )?"`
	Default *OrExpr `parser:"( '=' @@ )?"`
}

// Output is a named kernel result.
type Output struct {
	Pos  lexer.Position
	Name string `parser:"@Ident"`
	Type *Type  `parser:"':' @@"`
}

// Type is a dtype with an optional list of dimensions.
type Type struct {
	Pos   lexer.Position
	DType string `parser:"@Ident"`
	Dims  []*Dim `parser:"( '[' @@ ( ',' @@ )* ']' )?"`
}

// Dim is a symbolic (Name) or constant (Size) dimension.
type Dim struct {
	Pos  lexer.Position
	Name string `parser:"  @Ident"`
	Size string `parser:"| @Int"`
}

// Ident is a name being declared or assigned.
type Ident struct {
	Pos  lexer.Position
	Name string `parser:"@Ident"`
}

// Let declares immutable names: let x = e, or let a, b = f(...).
type Let struct {
	Pos   lexer.Position
	Names []*Ident `parser:"'let' @@ ( ',' @@ )*"`
	Value *OrExpr  `parser:"'=' @@"`
}

// Assign assigns kernel outputs: y = e, or a, b = f(...).
type Assign struct {
	Pos   lexer.Position
	Names []*Ident `parser:"@@ ( ',' @@ )*"`
	Value *OrExpr  `parser:"'=' @@"`
}

// OrExpr is the lowest precedence level: X || Y || ...
type OrExpr struct {
	Pos  lexer.Position
	X    *AndExpr  `parser:"@@"`
	Rest []*OrTerm `parser:"@@*"`
}

// OrTerm is one "|| operand" step.
type OrTerm struct {
	Pos lexer.Position
	Op  string   `parser:"@'||'"`
	Y   *AndExpr `parser:"@@"`
}

// AndExpr is X && Y && ...
type AndExpr struct {
	Pos  lexer.Position
	X    *CmpExpr   `parser:"@@"`
	Rest []*AndTerm `parser:"@@*"`
}

// AndTerm is one "&& operand" step.
type AndTerm struct {
	Pos lexer.Position
	Op  string   `parser:"@'&&'"`
	Y   *CmpExpr `parser:"@@"`
}

// CmpExpr is a comparison X < Y. The grammar accepts chains so that the
// checker can explain why a < b < c is rejected.
type CmpExpr struct {
	Pos  lexer.Position
	X    *AddExpr   `parser:"@@"`
	Rest []*CmpTerm `parser:"@@*"`
}

// CmpTerm is one "cmp operand" step.
type CmpTerm struct {
	Pos lexer.Position
	Op  string   `parser:"@( '==' | '!=' | '<=' | '>=' | '<' | '>' )"`
	Y   *AddExpr `parser:"@@"`
}

// AddExpr is X + Y - ...
type AddExpr struct {
	Pos  lexer.Position
	X    *MulExpr   `parser:"@@"`
	Rest []*AddTerm `parser:"@@*"`
}

// AddTerm is one "+ operand" or "- operand" step.
type AddTerm struct {
	Pos lexer.Position
	Op  string   `parser:"@( '+' | '-' )"`
	Y   *MulExpr `parser:"@@"`
}

// MulExpr is X * Y / ... @ ...: the matrix product @ has the precedence of
// * and /, as in Python.
type MulExpr struct {
	Pos  lexer.Position
	X    *Unary     `parser:"@@"`
	Rest []*MulTerm `parser:"@@*"`
}

// MulTerm is one "* operand", "/ operand" or "@ operand" step.
type MulTerm struct {
	Pos lexer.Position
	Op  string `parser:"@( '*' | '/' | '@' )"`
	Y   *Unary `parser:"@@"`
}

// Unary is -X, +X, !X, or a primary expression (Op empty, Primary set).
type Unary struct {
	Pos     lexer.Position
	Op      string  `parser:"  ( @( '-' | '+' | '!' )"`
	X       *Unary  `parser:"    @@ )"`
	Primary Primary `parser:"| @@"`
}

// Number is a numeric literal: Int, Float, inf or nan.
type Number struct {
	Pos  lexer.Position
	Text string `parser:"@( Float | Int | 'inf' | 'nan' )"`
}

// Bool is true or false.
type Bool struct {
	Pos  lexer.Position
	Text string `parser:"@( 'true' | 'false' )"`
}

// StringLit is a string constant, such as einsum's subscripts "ij,jk->ik".
// Value is the string without its quotes.
type StringLit struct {
	Pos   lexer.Position
	Value string `parser:"@String"`
}

// Call calls a builtin or a kernel.
type Call struct {
	Pos  lexer.Position
	Func string `parser:"@Ident '('"`
	Args []*Arg `parser:"( @@ ( ',' @@ )* ','? )? ')'"`
}

// Arg is a call or annotation argument, positional or named (Name set).
type Arg struct {
	Pos   lexer.Position
	Name  string  `parser:"( @Ident '=' )?"`
	Value *OrExpr `parser:"@@"`
}

// Name refers to a parameter, output or let.
type Name struct {
	Pos  lexer.Position
	Name string `parser:"@Ident"`
}

// Paren is a parenthesized expression (X), or, with a comma, a tuple:
// (X, Y, ...) or (X,). Tuples are the axes of transpose. One node serves
// both so that the parser needs no lookahead past the first element.
type Paren struct {
	Pos   lexer.Position
	X     *OrExpr   `parser:"'(' @@"`
	Rest  []*OrExpr `parser:"( ',' @@ )*"`
	Comma bool      `parser:"@','? ')'"`
}

// IsTuple reports whether the parentheses hold a tuple.
func (n *Paren) IsTuple() bool { return n.Comma || len(n.Rest) > 0 }

// Elems returns the elements of a tuple (or the one expression).
func (n *Paren) Elems() []*OrExpr { return append([]*OrExpr{n.X}, n.Rest...) }

var (
	_ Stmt    = (*Let)(nil)
	_ Stmt    = (*Assign)(nil)
	_ Binary  = (*OrExpr)(nil)
	_ Binary  = (*AndExpr)(nil)
	_ Binary  = (*CmpExpr)(nil)
	_ Binary  = (*AddExpr)(nil)
	_ Binary  = (*MulExpr)(nil)
	_ Expr    = (*Unary)(nil)
	_ Primary = (*Number)(nil)
	_ Primary = (*Bool)(nil)
	_ Primary = (*StringLit)(nil)
	_ Primary = (*Call)(nil)
	_ Primary = (*Name)(nil)
	_ Primary = (*Paren)(nil)
)

func (*Let) stmt()    {}
func (*Assign) stmt() {}

func (*OrExpr) expr()    {}
func (*AndExpr) expr()   {}
func (*CmpExpr) expr()   {}
func (*AddExpr) expr()   {}
func (*MulExpr) expr()   {}
func (*Unary) expr()     {}
func (*Number) expr()    {}
func (*Bool) expr()      {}
func (*StringLit) expr() {}
func (*Call) expr()      {}
func (*Name) expr()      {}
func (*Paren) expr()     {}

func (*Number) primary()    {}
func (*Bool) primary()      {}
func (*StringLit) primary() {}
func (*Call) primary()      {}
func (*Name) primary()      {}
func (*Paren) primary()     {}

// Position returns where the node starts.
func (n *File) Position() lexer.Position       { return n.Pos }
func (n *Import) Position() lexer.Position     { return n.Pos }
func (n *Kernel) Position() lexer.Position     { return n.Pos }
func (n *Grad) Position() lexer.Position       { return n.Pos }
func (n *Train) Position() lexer.Position      { return n.Pos }
func (n *Annotation) Position() lexer.Position { return n.Pos }
func (n *Param) Position() lexer.Position      { return n.Pos }
func (n *Output) Position() lexer.Position     { return n.Pos }
func (n *Type) Position() lexer.Position       { return n.Pos }
func (n *Dim) Position() lexer.Position        { return n.Pos }
func (n *Ident) Position() lexer.Position      { return n.Pos }
func (n *Let) Position() lexer.Position        { return n.Pos }
func (n *Assign) Position() lexer.Position     { return n.Pos }
func (n *OrExpr) Position() lexer.Position     { return n.Pos }
func (n *AndExpr) Position() lexer.Position    { return n.Pos }
func (n *CmpExpr) Position() lexer.Position    { return n.Pos }
func (n *AddExpr) Position() lexer.Position    { return n.Pos }
func (n *MulExpr) Position() lexer.Position    { return n.Pos }
func (n *Unary) Position() lexer.Position      { return n.Pos }
func (n *Number) Position() lexer.Position     { return n.Pos }
func (n *Bool) Position() lexer.Position       { return n.Pos }
func (n *StringLit) Position() lexer.Position  { return n.Pos }
func (n *Call) Position() lexer.Position       { return n.Pos }
func (n *Arg) Position() lexer.Position        { return n.Pos }
func (n *Name) Position() lexer.Position       { return n.Pos }
func (n *Paren) Position() lexer.Position      { return n.Pos }

// Terms returns the operands and operators of X || Y || ...
func (n *OrExpr) Terms() (Expr, []Term) {
	ts := make([]Term, len(n.Rest))
	for i, t := range n.Rest {
		ts[i] = Term{t.Pos, t.Op, t.Y}
	}
	return n.X, ts
}

// Terms returns the operands and operators of X && Y && ...
func (n *AndExpr) Terms() (Expr, []Term) {
	ts := make([]Term, len(n.Rest))
	for i, t := range n.Rest {
		ts[i] = Term{t.Pos, t.Op, t.Y}
	}
	return n.X, ts
}

// Terms returns the operands and operators of a comparison.
func (n *CmpExpr) Terms() (Expr, []Term) {
	ts := make([]Term, len(n.Rest))
	for i, t := range n.Rest {
		ts[i] = Term{t.Pos, t.Op, t.Y}
	}
	return n.X, ts
}

// Terms returns the operands and operators of X + Y - ...
func (n *AddExpr) Terms() (Expr, []Term) {
	ts := make([]Term, len(n.Rest))
	for i, t := range n.Rest {
		ts[i] = Term{t.Pos, t.Op, t.Y}
	}
	return n.X, ts
}

// Terms returns the operands and operators of X * Y / ...
func (n *MulExpr) Terms() (Expr, []Term) {
	ts := make([]Term, len(n.Rest))
	for i, t := range n.Rest {
		ts[i] = Term{t.Pos, t.Op, t.Y}
	}
	return n.X, ts
}

// String prints the file with one blank line between declarations.
func (n *File) String() string {
	var b strings.Builder
	for _, im := range n.Imports {
		b.WriteString(im.String())
		b.WriteString("\n")
	}
	for i, k := range n.Kernels {
		if i > 0 || len(n.Imports) > 0 {
			b.WriteString("\n")
		}
		b.WriteString(k.String())
	}
	return b.String()
}

func (n *Import) String() string { return "import " + strconv.Quote(n.Path) }

// String prints the kernel with its body indented by four spaces.
func (n *Kernel) String() string {
	var b strings.Builder
	for _, a := range n.Annotations {
		b.WriteString(a.String())
		b.WriteString("\n")
	}
	b.WriteString("kernel ")
	b.WriteString(n.Name.String())
	if n.Grad != nil {
		return b.String() + " = " + n.Grad.String() + "\n"
	}
	if n.Train != nil {
		return b.String() + " = " + n.Train.String() + "\n"
	}
	b.WriteString("(")
	b.WriteString(joinNodes(n.Tensors, ", "))
	if len(n.Scalars) > 0 {
		b.WriteString("; ")
		b.WriteString(joinNodes(n.Scalars, ", "))
	}
	b.WriteString(") -> ")
	if len(n.Outputs) == 1 {
		b.WriteString(n.Outputs[0].String())
	} else {
		b.WriteString("(" + joinNodes(n.Outputs, ", ") + ")")
	}
	b.WriteString(" {\n")
	for _, s := range n.Body {
		b.WriteString("    ")
		b.WriteString(s.String())
		b.WriteString("\n")
	}
	b.WriteString("}\n")
	return b.String()
}

func (n *Grad) String() string {
	return "grad(" + n.Of.String() + ", wrt=(" + joinNodes(n.Wrt, ", ") + "))"
}

func (n *Train) String() string {
	s := "train(" + n.Model.String() + ", loss=" + n.Loss.String() + ", opt=" + n.Opt.String()
	if n.Paren {
		s += "(" + joinNodes(n.Args, ", ") + ")"
	}
	if n.Precision != nil {
		s += ", precision=" + n.Precision.String()
	}
	return s + ")"
}

func (n *Annotation) String() string {
	if n.Args == nil {
		return "@" + n.Name
	}
	return "@" + n.Name + "(" + joinNodes(n.Args, ", ") + ")"
}

func (n *Param) String() string {
	s := n.Name
	if n.Type != nil {
		s += ": " + n.Type.String()
	}
	if n.Default != nil {
		s += " = " + n.Default.String()
	}
	return s
}

func (n *Output) String() string { return n.Name + ": " + n.Type.String() }

func (n *Type) String() string {
	if len(n.Dims) == 0 {
		return n.DType
	}
	return n.DType + "[" + joinNodes(n.Dims, ", ") + "]"
}

func (n *Dim) String() string {
	if n.Name != "" {
		return n.Name
	}
	return n.Size
}

func (n *Ident) String() string { return n.Name }

func (n *Let) String() string {
	return "let " + joinNodes(n.Names, ", ") + " = " + n.Value.String()
}

func (n *Assign) String() string {
	return joinNodes(n.Names, ", ") + " = " + n.Value.String()
}

func (n *OrExpr) String() string  { return binaryString(n) }
func (n *AndExpr) String() string { return binaryString(n) }
func (n *CmpExpr) String() string { return binaryString(n) }
func (n *AddExpr) String() string { return binaryString(n) }
func (n *MulExpr) String() string { return binaryString(n) }

func (n *Unary) String() string {
	if n.Primary != nil {
		return n.Primary.String()
	}
	x := n.X.String()
	if n.Op != "!" && (strings.HasPrefix(x, "-") || strings.HasPrefix(x, "+")) {
		return n.Op + " " + x // keep "- -x" and "+ -x" readable
	}
	return n.Op + x
}

func (n *Number) String() string    { return n.Text }
func (n *Bool) String() string      { return n.Text }
func (n *StringLit) String() string { return strconv.Quote(n.Value) }

func (n *Call) String() string { return n.Func + "(" + joinNodes(n.Args, ", ") + ")" }

func (n *Arg) String() string {
	if n.Name != "" {
		return n.Name + "=" + n.Value.String()
	}
	return n.Value.String()
}

func (n *Name) String() string { return n.Name }

// String prints (x), or a tuple as (a, b) and (a,).
func (n *Paren) String() string {
	s := joinNodes(n.Elems(), ", ")
	if n.Comma && len(n.Rest) == 0 {
		s += ","
	}
	return "(" + s + ")"
}

// binaryString prints X op Y op Z with spaces around each operator.
func binaryString(n Binary) string {
	x, terms := n.Terms()
	s := x.String()
	for _, t := range terms {
		s += " " + t.Op + " " + t.Y.String()
	}
	return s
}

// joinNodes prints nodes separated by sep.
func joinNodes[N Node](nodes []N, sep string) string {
	parts := make([]string, len(nodes))
	for i, n := range nodes {
		parts[i] = n.String()
	}
	return strings.Join(parts, sep)
}
