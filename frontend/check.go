// This file checks a loaded program: kernel declarations and signatures,
// annotations, statements and the call graph. Expressions are checked in
// checkexpr.go. The checker collects every error it finds and records the
// types and resolutions that lowering needs in a bodyInfo per kernel.
package frontend

import (
	"strconv"
	"strings"

	"dlc.dev/dlc/ir"

	"github.com/alecthomas/participle/v2/lexer"
)

// program is everything one compilation checks.
type program struct {
	files   []*srcFile         // imports before importers; the main file last
	kernels map[string]*kernel // every kernel of every file; names are unique
	order   []*kernel          // kernels by file, then in source order
	// precision is the build's mixed precision (Options.Precision).
	precision ir.DType
}

// kernel is a declared kernel and what the checker learned about it.
type kernel struct {
	decl    *Kernel
	file    *srcFile
	name    string
	params  []*param // tensors first, then scalars
	tensors int      // number of tensor parameters
	outputs []*output
	count   int  // @kernels(n); 0 when not demanded
	sigOK   bool // the signature is valid, so calls of it can be checked
	calls   []callSite
	info    *bodyInfo
	train   *trainInfo // a train step: what it combines
}

// param is a kernel parameter.
type param struct {
	name string
	pos  lexer.Position
	typ  ir.Type
	def  *float64 // default of a scalar parameter, if any
	init *ir.Init // initializer of a model parameter, if any
}

// output is a named kernel result.
type output struct {
	name string
	pos  lexer.Position
	typ  ir.Type
}

// callSite is a call of a kernel from a kernel body.
type callSite struct {
	callee *kernel
	pos    lexer.Position
}

// entityKind says what a name in a kernel body refers to.
type entityKind uint8

const (
	entParam entityKind = iota + 1
	entOutput
	entLet
)

// entity is a name in a kernel body: a parameter, an output or a let.
type entity struct {
	kind     entityKind
	name     string
	pos      lexer.Position  // where it is declared
	op       operand         // its type, or its value for an untyped constant let
	assigned *lexer.Position // outputs: where the output was assigned
}

// bodyInfo is what lowering needs to know about a checked kernel body.
type bodyInfo struct {
	types map[Expr]operand
	terms map[Binary][]termInfo
	calls map[*Call]*callInfo
	uses  map[*Name]*entity
	defs  map[*Ident]*entity // let names, and assigned output names
	ents  []*entity          // params and outputs, in declaration order
}

// checker checks the statements and expressions of one kernel body, or a
// constant expression (a default or an annotation argument) when k is nil.
type checker struct {
	prog      *program
	file      *srcFile
	k         *kernel
	errs      *errorSink
	scope     map[string]*entity
	info      *bodyInfo
	constWhat string // for constant expressions: what must be constant
}

// checkProgram checks every file of a compilation.
func checkProgram(files []*srcFile, precision ir.DType, errs *errorSink) *program {
	p := &program{files: files, kernels: map[string]*kernel{}, precision: precision}
	for _, f := range files {
		if f.ast == nil {
			continue
		}
		for _, d := range f.ast.Kernels {
			p.declare(f, d, errs)
		}
	}
	for _, f := range files {
		f.scope = map[string]*kernel{}
		for _, g := range append([]*srcFile{f}, f.imports...) {
			for _, k := range g.kernels {
				f.scope[k.name] = k
			}
		}
	}
	for _, k := range p.order {
		if k.decl.Grad == nil && k.decl.Train == nil {
			k.checkSignature(p, errs)
		}
	}
	for _, k := range p.order {
		if k.decl.Grad != nil {
			k.checkGradSignature(p, errs) // after the signature it takes
		}
	}
	for _, k := range p.order {
		if k.decl.Train != nil {
			k.checkTrainSignature(p, errs) // after the signatures it combines
		}
	}
	for _, k := range p.order {
		if k.decl.Grad == nil && k.decl.Train == nil {
			k.checkBody(p, errs)
		}
	}
	for _, k := range p.order {
		k.checkTrainBody(errs) // after the optimizer's body
	}
	p.checkRecursion(errs)
	return p
}

// declare adds a kernel to the program; kernel names are unique across all
// files of a compilation because every kernel becomes one IR function. A
// kernel with a clashing name is still checked, but cannot be called.
func (p *program) declare(f *srcFile, d *Kernel, errs *errorSink) {
	name := d.Name.Name
	k := &kernel{decl: d, file: f, name: name}
	p.order = append(p.order, k)
	switch prev := p.kernels[name]; {
	case prev != nil:
		errs.add(d.Name.Pos, "kernel %s is already defined at %s", name, posString(prev.decl.Name.Pos))
	case lookupBuiltin(name) != nil:
		errs.add(d.Name.Pos, "kernel %s has the name of a builtin function; choose another name", name)
	default:
		p.kernels[name] = k
		f.kernels = append(f.kernels, k)
	}
}

// checkSignature checks annotations, parameters and outputs.
func (k *kernel) checkSignature(p *program, errs *errorSink) {
	n := errs.count()
	k.checkAnnotations(p, errs)
	seen := map[string]lexer.Position{}
	declare := func(name string, pos lexer.Position, what string) {
		if prev, ok := seen[name]; ok {
			errs.add(pos, "duplicate %s %s (already declared at %s)", what, name, posString(prev))
		} else if isDTypeName(name) {
			errs.add(pos, "cannot use dtype name %s as a name", name)
		}
		seen[name] = pos
	}
	syms := map[string]bool{}
	for _, d := range k.decl.Tensors {
		declare(d.Name, d.Pos, "parameter")
		pr := &param{name: d.Name, pos: d.Pos}
		switch {
		case d.Type == nil && d.Default != nil:
			errs.add(d.Pos, "parameter %s has a default, so it is a scalar; scalar parameters go after ';'", d.Name)
		case d.Type == nil:
			errs.add(d.Pos, "tensor parameter %s needs a type such as f32[N]", d.Name)
		case len(d.Type.Dims) == 0:
			errs.add(d.Type.Pos, "parameter %s has scalar type %s; scalar parameters go after ';'", d.Name, d.Type)
		default:
			var ok bool
			pr.typ, ok = checkType(d.Type, errs)
			if d.Default != nil && ok {
				pr.init = k.checkInit(p, d, pr.typ, errs)
			}
			for _, dim := range pr.typ.Shape {
				if dim.IsSym() {
					syms[dim.Sym] = true
				}
			}
		}
		k.params = append(k.params, pr)
	}
	k.tensors = len(k.params)
	for _, d := range k.decl.Scalars {
		declare(d.Name, d.Pos, "parameter")
		k.params = append(k.params, k.checkScalarParam(p, d, errs))
	}
	for _, d := range k.decl.Outputs {
		declare(d.Name, d.Pos, "output")
		t, ok := checkType(d.Type, errs)
		for _, dim := range t.Shape {
			if ok && dim.IsSym() && !syms[dim.Sym] {
				errs.add(d.Type.Pos, "dimension %s of output %s is not the dimension of any tensor parameter, so its size is unknown", dim.Sym, d.Name)
				ok = false
			}
		}
		if !ok {
			t.DType = ir.Invalid // the body is checked without this output's type
		}
		k.outputs = append(k.outputs, &output{name: d.Name, pos: d.Pos, typ: t})
	}
	k.sigOK = errs.count() == n
}

// checkScalarParam checks "name: dtype = default" after the ';'.
func (k *kernel) checkScalarParam(p *program, d *Param, errs *errorSink) *param {
	pr := &param{name: d.Name, pos: d.Pos}
	if d.Type != nil {
		if len(d.Type.Dims) > 0 {
			errs.add(d.Type.Pos, "scalar parameter %s cannot have tensor type %s; tensor parameters go before ';'", d.Name, d.Type)
		} else {
			pr.typ, _ = checkType(d.Type, errs)
		}
	}
	if d.Default == nil {
		if d.Type == nil {
			errs.add(d.Pos, "scalar parameter %s needs a type or a default, such as %s: f32 or %s = 0.0", d.Name, d.Name, d.Name)
		}
		return pr
	}
	c := &checker{prog: p, file: k.file, errs: errs, info: newBodyInfo(), constWhat: "the default of " + d.Name}
	op := c.constant(d.Default)
	if op.mode != modeUntyped {
		return pr
	}
	if d.Type == nil {
		pr.typ = ir.Scalar(op.val.defaultDType())
	}
	if pr.typ.DType == ir.Invalid {
		return pr
	}
	v, msg := op.val.represent(pr.typ.DType)
	if msg != "" {
		errs.add(d.Default.Pos, "%s", msg)
		return pr
	}
	pr.def = &v
	return pr
}

// checkAnnotations checks the annotations before the kernel keyword.
func (k *kernel) checkAnnotations(p *program, errs *errorSink) {
	seen := map[string]bool{}
	for _, a := range k.decl.Annotations {
		if seen[a.Name] {
			errs.add(a.Pos, "duplicate annotation @%s", a.Name)
			continue
		}
		seen[a.Name] = true
		if a.Name != "kernels" {
			hint := ""
			if closest(a.Name, []string{"kernels"}) != "" {
				hint = " (did you mean @kernels?)"
			}
			errs.add(a.Pos, "unknown annotation @%s%s", a.Name, hint)
			continue
		}
		if len(a.Args) != 1 || a.Args[0].Name != "" {
			errs.add(a.Pos, "@kernels takes one argument, the number of kernels the function must compile to, as in @kernels(1)")
			continue
		}
		c := &checker{prog: p, file: k.file, errs: errs, info: newBodyInfo(), constWhat: "the argument of @kernels"}
		op := c.constant(a.Args[0].Value)
		if op.mode != modeUntyped {
			continue
		}
		if op.val.kind != constInt {
			errs.add(a.Args[0].Pos, "@kernels needs an integer, got %s", op.val)
			continue
		}
		n, msg := op.val.represent(ir.I32)
		switch {
		case msg != "":
			errs.add(a.Args[0].Pos, "@kernels: %s", msg)
		case n < 1:
			errs.add(a.Args[0].Pos, "@kernels(%s): a function needs at least one kernel", op.val)
		default:
			k.count = int(n)
		}
	}
}

// checkType converts a type expression to an IR type.
func checkType(t *Type, errs *errorSink) (ir.Type, bool) {
	ok := true
	dt, known := ir.ParseDType(t.DType)
	if !known {
		errs.add(t.Pos, "unknown dtype %s%s", t.DType, dtypeHint(t.DType))
		ok = false
	}
	var shape ir.Shape
	for _, d := range t.Dims {
		if d.Name != "" {
			shape = append(shape, ir.SymDim(d.Name))
			continue
		}
		n, err := strconv.ParseInt(d.Size, 10, 64)
		if err != nil || n < 1 {
			errs.add(d.Pos, "dimension %s must be a positive integer or a name", d.Size)
			ok = false
			continue
		}
		shape = append(shape, ir.ConstDim(n))
	}
	return ir.Type{DType: dt, Shape: shape}, ok
}

// checkBody checks the statements of a kernel. Parameters and outputs whose
// declarations had errors are in scope with an invalid type, which keeps
// their uses quiet.
func (k *kernel) checkBody(p *program, errs *errorSink) {
	c := &checker{prog: p, file: k.file, k: k, errs: errs, scope: map[string]*entity{}, info: newBodyInfo()}
	k.info = c.info
	for _, pr := range k.params {
		e := &entity{kind: entParam, name: pr.name, pos: pr.pos, op: typed(pr.typ)}
		if pr.typ.DType == ir.Invalid {
			e.op = operand{}
		}
		c.declareEntity(e)
	}
	for _, o := range k.outputs {
		e := &entity{kind: entOutput, name: o.name, pos: o.pos, op: typed(o.typ)}
		if o.typ.DType == ir.Invalid {
			e.op = operand{}
		}
		c.declareEntity(e)
	}
	for _, s := range k.decl.Body {
		switch s := s.(type) {
		case *Let:
			c.let(s)
		case *Assign:
			c.assign(s)
		}
	}
	for _, e := range c.info.ents {
		if e.kind == entOutput && e.assigned == nil {
			errs.add(e.pos, "output %s is never assigned", e.name)
		}
	}
}

func newBodyInfo() *bodyInfo {
	return &bodyInfo{
		types: map[Expr]operand{},
		terms: map[Binary][]termInfo{},
		calls: map[*Call]*callInfo{},
		uses:  map[*Name]*entity{},
		defs:  map[*Ident]*entity{},
	}
}

// declareEntity adds a parameter or output to the body scope. Duplicates
// were reported with the signature and are left out.
func (c *checker) declareEntity(e *entity) {
	if _, dup := c.scope[e.name]; dup {
		return
	}
	c.scope[e.name] = e
	c.info.ents = append(c.info.ents, e)
}

// let checks "let x = e" and "let a, b = f(...)".
func (c *checker) let(s *Let) {
	ops := c.rhs(s.Value, len(s.Names))
	for i, id := range s.Names {
		if id.Name == "_" {
			continue
		}
		if prev := c.scope[id.Name]; prev != nil {
			c.errs.add(id.Pos, "%s is already defined at %s; names cannot be redefined or shadowed", id.Name, posString(prev.pos))
			continue
		}
		if isDTypeName(id.Name) {
			c.errs.add(id.Pos, "cannot use dtype name %s as a name", id.Name)
			continue
		}
		e := &entity{kind: entLet, name: id.Name, pos: id.Pos}
		if ops != nil {
			e.op = ops[i]
		}
		c.scope[id.Name] = e
		c.info.defs[id] = e
	}
}

// assign checks "y = e" and "a, b = f(...)", where the names are outputs.
func (c *checker) assign(s *Assign) {
	ops := c.rhs(s.Value, len(s.Names))
	for i, id := range s.Names {
		if id.Name == "_" {
			continue
		}
		e := c.scope[id.Name]
		switch {
		case e == nil:
			c.errs.add(id.Pos, "unknown output %s%s; declare new names with let", id.Name, didYouMean(id.Name, c.outputNames()))
			continue
		case e.kind == entParam:
			c.errs.add(id.Pos, "cannot assign to parameter %s; parameters are read-only (declare a new name with let, or add an output)", id.Name)
			continue
		case e.kind == entLet:
			c.errs.add(id.Pos, "cannot assign to %s: names declared with let are immutable", id.Name)
			continue
		case e.assigned != nil:
			c.errs.add(id.Pos, "output %s is assigned twice (first at %s)", id.Name, posString(*e.assigned))
			continue
		}
		pos := id.Pos
		e.assigned = &pos
		c.info.defs[id] = e
		if ops != nil && e.op.mode == modeTyped {
			c.assignable(s.Value.Pos, ops[i], e.op.typ, "output "+e.name)
		}
	}
}

// rhs checks the right side of a let or an assignment with n names. It
// returns one operand per name, or nil after an error.
func (c *checker) rhs(e *OrExpr, n int) []operand {
	if n == 1 {
		op := c.expr(e)
		if op.mode == modeInvalid {
			return nil
		}
		return []operand{op}
	}
	call := asCall(e)
	if call == nil {
		c.check(e)
		c.errs.add(e.Pos, "assignment mismatch: %d names but one value; only a kernel call returns several values", n)
		return nil
	}
	types, ok := c.callResults(call)
	if !ok {
		return nil
	}
	if len(types) != n {
		c.errs.add(e.Pos, "assignment mismatch: %d names but %s returns %d %s", n, call.Func, len(types), plural(len(types), "value"))
		return nil
	}
	ops := make([]operand, n)
	for i, t := range types {
		ops[i] = typed(t)
	}
	return ops
}

// check checks an expression for its errors only.
func (c *checker) check(e Expr) { c.expr(e) }

// assignable reports whether op can be stored in an output, or passed as a
// scalar argument, of type t; what names the destination. A value of another
// shape is stored when it broadcasts to t, or differs from t only in
// dimensions of size 1 (an f32[B,1] row value in an f32[B] output); see fits.
func (c *checker) assignable(pos lexer.Position, op operand, t ir.Type, what string) bool {
	switch op.mode {
	case modeInvalid:
		return false
	case modeUntyped:
		// A constant fills a tensor (lowered as a broadcast).
		if _, msg := op.val.represent(t.DType); msg != "" {
			c.errs.add(pos, "%s", msg)
			return false
		}
		return true
	}
	if !fits(op.typ.Shape, t.Shape) {
		c.errs.add(pos, "cannot assign %s to %s of type %s: the shapes differ and do not broadcast", op.typ, what, t)
		return false
	}
	if op.typ.DType != t.DType && !(op.weak() && t.DType.IsFloat()) {
		c.errs.add(pos, "cannot use %s as %s of type %s (convert with cast(..., %s))", op.typ, what, t, t.DType)
		return false
	}
	return true
}

// fits reports whether a value of shape s can be stored in one of shape t:
// the shapes are equal, hold the same elements in the same order (they
// differ only in dimensions of size 1; lowered as a reshape), or s
// broadcasts to t (lowered as a broadcast).
func fits(s, t ir.Shape) bool {
	return s.Equal(t) || ir.SqueezeOnes(s).Equal(ir.SqueezeOnes(t)) || ir.BroadcastsTo(s, t)
}

// outputNames lists the outputs of the kernel, for suggestions.
func (c *checker) outputNames() []string {
	var names []string
	for _, e := range c.info.ents {
		if e.kind == entOutput {
			names = append(names, e.name)
		}
	}
	return names
}

// checkRecursion reports calls that make a kernel call itself.
func (p *program) checkRecursion(errs *errorSink) {
	const (
		white = iota
		grey
		black
	)
	color := map[*kernel]int{}
	var stack []*kernel
	var visit func(k *kernel)
	visit = func(k *kernel) {
		color[k] = grey
		stack = append(stack, k)
		for _, cs := range k.calls {
			switch color[cs.callee] {
			case grey:
				// The cycle is stack[i:], entered at callee; name it from the caller.
				i := len(stack) - 1
				for stack[i] != cs.callee {
					i--
				}
				names := []string{k.name}
				for _, g := range stack[i : len(stack)-1] {
					names = append(names, g.name)
				}
				names = append(names, k.name)
				errs.add(cs.pos, "recursive call: %s; kernels cannot call themselves", strings.Join(names, " calls "))
			case white:
				visit(cs.callee)
			}
		}
		stack = stack[:len(stack)-1]
		color[k] = black
	}
	for _, k := range p.order {
		if color[k] == white {
			visit(k)
		}
	}
}

// isDTypeName reports whether name is a dtype.
func isDTypeName(name string) bool {
	_, ok := ir.ParseDType(name)
	return ok
}

// posString prints a position for "already defined at" notes.
func posString(p lexer.Position) string { return irPos(p).String() }

// plural returns "1 value" style nouns.
func plural(n int, noun string) string {
	if n == 1 {
		return noun
	}
	return noun + "s"
}

// asCall returns the call when e is nothing but a call, f(...) or (f(...)).
func asCall(e Expr) *Call {
	for {
		switch x := bare(e).(type) {
		case *Paren:
			if x.IsTuple() {
				return nil
			}
			e = x.X
		case *Call:
			return x
		default:
			return nil
		}
	}
}

// bare returns what e stands for once the precedence levels that hold a
// single operand and no operator are looked through: the primary of a
// plain name, call or parenthesized expression, or e itself.
func bare(e Expr) Expr {
	for {
		switch x := e.(type) {
		case Binary:
			first, rest := x.Terms()
			if len(rest) > 0 {
				return e
			}
			e = first
		case *Unary:
			if x.Primary == nil {
				return e
			}
			e = x.Primary
		default:
			return e
		}
	}
}
