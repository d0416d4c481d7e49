// This file parses the text form written by Print back into a Module.
package ir

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"
)

// ParseError is a syntax or reference error in IR text, with a 1-based line and column.
type ParseError struct {
	Line, Col int
	Msg       string
}

func (e *ParseError) Error() string { return fmt.Sprintf("ir:%d:%d: %s", e.Line, e.Col, e.Msg) }

type token struct {
	kind      tokKind
	text      string
	line, col int
}

type tokKind int

const (
	tEOF tokKind = iota
	tNewline
	tIdent   // names, keywords, numbers, inf, nan
	tPercent // %name or %12
	tAt      // @name
	tPunct   // ( ) [ ] { } , : ; = ->
	tString  // "a quoted file name", unquoted
)

func lex(src string) ([]token, error) {
	var toks []token
	line, col := 1, 1
	i := 0
	adv := func(n int) {
		for k := 0; k < n; k++ {
			if src[i] == '\n' {
				line, col = line+1, 1
			} else {
				col++
			}
			i++
		}
	}
	isWord := func(c byte) bool {
		return c == '_' || c == '.' || c == '+' || c == '-' || unicode.IsLetter(rune(c)) || unicode.IsDigit(rune(c))
	}
	for i < len(src) {
		c := src[i]
		switch {
		case c == '\n':
			toks = append(toks, token{tNewline, "\n", line, col})
			adv(1)
		case c == ' ' || c == '\t' || c == '\r':
			adv(1)
		case c == '/' && i+1 < len(src) && src[i+1] == '/':
			for i < len(src) && src[i] != '\n' {
				adv(1)
			}
		case c == '-' && i+1 < len(src) && src[i+1] == '>':
			toks = append(toks, token{tPunct, "->", line, col})
			adv(2)
		case c == '"':
			j := i + 1
			for j < len(src) && src[j] != '"' && src[j] != '\n' {
				if src[j] == '\\' {
					j++
				}
				j++
			}
			if j >= len(src) || src[j] != '"' {
				return nil, &ParseError{line, col, "unterminated string"}
			}
			text, err := strconv.Unquote(src[i : j+1])
			if err != nil {
				return nil, &ParseError{line, col, fmt.Sprintf("bad string %s", src[i:j+1])}
			}
			toks = append(toks, token{tString, text, line, col})
			adv(j + 1 - i)
		case strings.IndexByte("()[]{},:;=", c) >= 0:
			toks = append(toks, token{tPunct, string(c), line, col})
			adv(1)
		case c == '%' || c == '@':
			j := i + 1
			for j < len(src) && (src[j] == '_' || src[j] == '.' || unicode.IsLetter(rune(src[j])) || unicode.IsDigit(rune(src[j]))) {
				j++
			}
			if j == i+1 {
				return nil, &ParseError{line, col, fmt.Sprintf("expected a name after %q", c)}
			}
			k := tPercent
			if c == '@' {
				k = tAt
			}
			toks = append(toks, token{k, src[i+1 : j], line, col})
			adv(j - i)
		case isWord(c):
			j := i
			for j < len(src) && isWord(src[j]) {
				// "->" ends a word: f32[N])->(
				if src[j] == '-' && j+1 < len(src) && src[j+1] == '>' {
					break
				}
				j++
			}
			toks = append(toks, token{tIdent, src[i:j], line, col})
			adv(j - i)
		default:
			return nil, &ParseError{line, col, fmt.Sprintf("unexpected character %q", c)}
		}
	}
	toks = append(toks, token{tEOF, "", line, col})
	return toks, nil
}

type parser struct {
	toks []token
	pos  int
}

func (p *parser) peek() token { return p.toks[p.pos] }
func (p *parser) next() token {
	t := p.toks[p.pos]
	if t.kind != tEOF {
		p.pos++
	}
	return t
}

func (p *parser) errf(t token, format string, args ...any) error {
	return &ParseError{t.line, t.col, fmt.Sprintf(format, args...)}
}

func describe(t token) string {
	switch t.kind {
	case tEOF:
		return "end of input"
	case tNewline:
		return "end of line"
	case tPercent:
		return "%" + t.text
	case tAt:
		return "@" + t.text
	case tString:
		return "string " + strconv.Quote(t.text)
	}
	return strconv.Quote(t.text)
}

func (p *parser) expect(text string) (token, error) {
	t := p.next()
	if (t.kind == tPunct || t.kind == tIdent) && t.text == text {
		return t, nil
	}
	return t, p.errf(t, "expected %q, found %s", text, describe(t))
}

func (p *parser) accept(text string) bool {
	t := p.peek()
	if (t.kind == tPunct || t.kind == tIdent) && t.text == text {
		p.pos++
		return true
	}
	return false
}

func (p *parser) skipNewlines() {
	for p.peek().kind == tNewline {
		p.pos++
	}
}

// Parse reads IR text into a module. Calls are resolved by name within the module.
func Parse(src string) (*Module, error) {
	toks, err := lex(src)
	if err != nil {
		return nil, err
	}
	p := &parser{toks: toks}
	m := &Module{}
	for {
		p.skipNewlines()
		if p.peek().kind == tEOF {
			break
		}
		f, err := p.parseFunc()
		if err != nil {
			return nil, err
		}
		if m.Func(f.Name) != nil {
			return nil, fmt.Errorf("ir: duplicate function @%s", f.Name)
		}
		m.Funcs = append(m.Funcs, f)
	}
	return m, nil
}

func (p *parser) parseType() (Type, error) {
	if p.accept("(") {
		t := Type{Elems: []Type{}}
		for !p.accept(")") {
			if len(t.Elems) > 0 {
				if _, err := p.expect(","); err != nil {
					return t, err
				}
			}
			e, err := p.parseType()
			if err != nil {
				return t, err
			}
			t.Elems = append(t.Elems, e)
		}
		return t, nil
	}
	tok := p.next()
	d, ok := ParseDType(tok.text)
	if tok.kind != tIdent || !ok {
		return Type{}, p.errf(tok, "expected a dtype, found %s", describe(tok))
	}
	t := Type{DType: d}
	if p.peek().text == "[" {
		s, err := p.parseShape()
		if err != nil {
			return t, err
		}
		t.Shape = s
	}
	return t, nil
}

// parseShape reads [N, 4]; [] is the empty shape.
func (p *parser) parseShape() (Shape, error) {
	if _, err := p.expect("["); err != nil {
		return nil, err
	}
	var s Shape
	for !p.accept("]") {
		if len(s) > 0 {
			if _, err := p.expect(","); err != nil {
				return s, err
			}
		}
		dt := p.next()
		if dt.kind != tIdent {
			return s, p.errf(dt, "expected a dimension, found %s", describe(dt))
		}
		if n, err := strconv.ParseInt(dt.text, 10, 64); err == nil {
			if n < 0 {
				return s, p.errf(dt, "negative dimension %d", n)
			}
			s = append(s, ConstDim(n))
		} else {
			s = append(s, SymDim(dt.text))
		}
	}
	return s, nil
}

// parseFunc reads one function: its signature, its body of kernel
// declarations and values, and its return line.
func (p *parser) parseFunc() (*Func, error) {
	if _, err := p.expect("func"); err != nil {
		return nil, err
	}
	f := &Func{}
	if p.accept("private") {
		f.Private = true
	}
	name := p.next()
	if name.kind != tAt {
		return nil, p.errf(name, "expected @name, found %s", describe(name))
	}
	f.Name = name.text
	vals := map[string]*Value{}
	if err := p.parseParams(f, vals); err != nil {
		return nil, err
	}
	decls, err := p.parseResultDecls()
	if err != nil {
		return nil, err
	}
	if p.accept("kernels") {
		if _, err := p.expect("="); err != nil {
			return nil, err
		}
		kt := p.next()
		n, err := strconv.Atoi(kt.text)
		if err != nil || n < 1 {
			return nil, p.errf(kt, "kernels= needs a positive integer, found %s", describe(kt))
		}
		f.Kernels = n
	}
	loc, err := p.parseLoc()
	if err != nil {
		return nil, err
	}
	f.Pos = loc.First()
	if len(loc) > 1 {
		return nil, p.errf(name, "a function has one position, found %d", len(loc))
	}
	if _, err := p.expect("{"); err != nil {
		return nil, err
	}
	if err := p.parseBody(f, vals); err != nil {
		return nil, err
	}
	numberNamed(f)
	if err := p.parseReturn(f, vals, decls); err != nil {
		return nil, err
	}
	p.skipNewlines()
	if _, err := p.expect("}"); err != nil {
		return nil, err
	}
	return f, nil
}

// parseParams reads (%t: f32[N], ...; %s: f32 = 1) into f.Params and vals.
func (p *parser) parseParams(f *Func, vals map[string]*Value) error {
	if _, err := p.expect("("); err != nil {
		return err
	}
	scalars := false
	for !p.accept(")") {
		if p.accept(";") {
			scalars = true
			continue
		}
		if len(f.Params) > 0 && !(scalars && len(f.ScalarParams()) == 0) {
			if _, err := p.expect(","); err != nil {
				return err
			}
		}
		pt := p.next()
		if pt.kind != tPercent {
			return p.errf(pt, "expected %%param, found %s", describe(pt))
		}
		if _, err := p.expect(":"); err != nil {
			return err
		}
		t, err := p.parseType()
		if err != nil {
			return err
		}
		if scalars != t.IsScalar() {
			return p.errf(pt, "parameter %%%s: tensors go before ';', scalars after it", pt.text)
		}
		// Parameters get negative IDs so they never clash with body IDs; Renumber normalises.
		v := &Value{Op: OpParam, Name: pt.text, Type: t, Index: len(f.Params), ID: -1 - len(f.Params)}
		if p.accept("=") {
			ct := p.next()
			x, err := ParseConst(ct.text)
			if err != nil {
				return p.errf(ct, "bad default %s", describe(ct))
			}
			v.Default = &x
		}
		if v.Pos, err = p.parseLoc(); err != nil {
			return err
		}
		if vals[pt.text] != nil {
			return p.errf(pt, "duplicate parameter %%%s", pt.text)
		}
		vals[pt.text] = v
		f.Params = append(f.Params, v)
	}
	return nil
}

// resultDecl is one result of a signature: -> (name: type, ...).
type resultDecl struct {
	name string
	t    Type
}

// parseResultDecls reads -> (name: type, ...).
func (p *parser) parseResultDecls() ([]resultDecl, error) {
	if _, err := p.expect("->"); err != nil {
		return nil, err
	}
	if _, err := p.expect("("); err != nil {
		return nil, err
	}
	var decls []resultDecl
	for !p.accept(")") {
		if len(decls) > 0 {
			if _, err := p.expect(","); err != nil {
				return nil, err
			}
		}
		rt := p.next()
		if rt.kind != tIdent {
			return nil, p.errf(rt, "expected a result name, found %s", describe(rt))
		}
		if _, err := p.expect(":"); err != nil {
			return nil, err
		}
		t, err := p.parseType()
		if err != nil {
			return nil, err
		}
		decls = append(decls, resultDecl{rt.text, t})
	}
	return decls, nil
}

// parseBody reads kernel declarations and values up to the word return.
func (p *parser) parseBody(f *Func, vals map[string]*Value) error {
	for {
		p.skipNewlines()
		if p.accept("return") {
			return nil
		}
		if p.accept("kernel") {
			k, err := p.parseKernelDecl()
			if err != nil {
				return err
			}
			if f.Kernel(k.Group) != nil {
				return fmt.Errorf("ir: @%s: kernel %s declared twice", f.Name, k.Group)
			}
			f.Schedule = append(f.Schedule, k)
			continue
		}
		v, err := p.parseValue(vals)
		if err != nil {
			return err
		}
		f.Body = append(f.Body, v)
	}
}

// parseReturn reads name = %v, ... after return: the results, in the order
// and with the types the signature declares.
func (p *parser) parseReturn(f *Func, vals map[string]*Value, decls []resultDecl) error {
	for i := 0; p.peek().kind != tNewline && p.peek().text != "}"; i++ {
		if i > 0 {
			if _, err := p.expect(","); err != nil {
				return err
			}
		}
		rt := p.next()
		if i >= len(decls) || rt.text != decls[i].name {
			return p.errf(rt, "return: result %s does not match the signature", describe(rt))
		}
		if _, err := p.expect("="); err != nil {
			return err
		}
		ref := p.next()
		v := vals[ref.text]
		if ref.kind != tPercent || v == nil {
			return p.errf(ref, "undefined value %s", describe(ref))
		}
		if !v.Type.Equal(decls[i].t) {
			return p.errf(ref, "result %s has type %s in the signature but %s is %s", rt.text, decls[i].t, describe(ref), v.Type)
		}
		f.Results = append(f.Results, Result{Name: rt.text, Value: v})
	}
	if len(f.Results) != len(decls) {
		return p.errf(p.peek(), "return lists %d results, the signature %d", len(f.Results), len(decls))
	}
	return nil
}

// parseValue reads one definition: %ID = op operands and attributes : type @group.
func (p *parser) parseValue(vals map[string]*Value) (*Value, error) {
	dt := p.next()
	if dt.kind != tPercent {
		return nil, p.errf(dt, "expected %%ID = ..., found %s", describe(dt))
	}
	v := &Value{ID: -1}
	if id, err := strconv.Atoi(dt.text); err == nil {
		v.ID = id
	} else if validVar(dt.text) {
		v.Var = dt.text
	} else {
		return nil, p.errf(dt, "a value is named by a number or a source variable, found %%%s", dt.text)
	}
	if vals[dt.text] != nil {
		return nil, p.errf(dt, "%%%s is defined twice", dt.text)
	}
	if _, err := p.expect("="); err != nil {
		return nil, err
	}
	ot := p.next()
	op, ok := OpByName(ot.text)
	if ot.kind != tIdent || !ok || op == OpParam {
		return nil, p.errf(ot, "unknown op %s", describe(ot))
	}
	v.Op = op
	if err := p.parseOperands(v, vals); err != nil {
		return nil, err
	}
	if _, err := p.expect(":"); err != nil {
		return nil, err
	}
	var err error
	if v.Type, err = p.parseType(); err != nil {
		return nil, err
	}
	if p.peek().kind == tAt {
		v.Group = p.next().text
	}
	if v.Pos, err = p.parseLoc(); err != nil {
		return nil, err
	}
	if t := p.peek(); t.kind != tNewline {
		return nil, p.errf(t, "expected end of line, found %s", describe(t))
	}
	vals[dt.text] = v
	return v, nil
}

// parseLoc reads the positions loc("file":line:col, ...), if there are any.
func (p *parser) parseLoc() (PosList, error) {
	if t := p.peek(); t.kind != tIdent || t.text != "loc" {
		return nil, nil
	}
	p.next()
	if _, err := p.expect("("); err != nil {
		return nil, err
	}
	var l PosList
	for !p.accept(")") {
		if len(l) > 0 {
			if _, err := p.expect(","); err != nil {
				return nil, err
			}
		}
		ft := p.next()
		if ft.kind != tString {
			return nil, p.errf(ft, "expected a quoted file name, found %s", describe(ft))
		}
		pos := Pos{File: ft.text}
		for _, n := range []*int{&pos.Line, &pos.Col} {
			if _, err := p.expect(":"); err != nil {
				return nil, err
			}
			nt := p.next()
			x, err := strconv.Atoi(nt.text)
			if nt.kind != tIdent || err != nil || x < 1 {
				return nil, p.errf(nt, "expected a positive line or column, found %s", describe(nt))
			}
			*n = x
		}
		if containsPos(l, pos) {
			return nil, p.errf(ft, "position %s is given twice", pos)
		}
		l = append(l, pos)
	}
	if len(l) == 0 {
		return nil, p.errf(p.peek(), "loc() names no position")
	}
	return l, nil
}

// numberNamed gives the values that the text names by their source variable
// IDs after every numbered value's, in body order.
func numberNamed(f *Func) {
	next := 0
	for _, v := range append(append([]*Value{}, f.Params...), f.Body...) {
		next = max(next, v.ID+1)
	}
	for _, v := range f.Body {
		if v.ID < 0 {
			v.ID = next
			next++
		}
	}
}

// parseOperands reads what follows the op's name up to the colon: a
// constant, a call's @callee(args), an extract's tuple and index, a dim's
// name, or the operands and then the attributes of any other op.
func (p *parser) parseOperands(v *Value, vals map[string]*Value) error {
	ref := func() (*Value, error) {
		t := p.next()
		a := vals[t.text]
		if t.kind != tPercent || a == nil {
			return nil, p.errf(t, "undefined value %s", describe(t))
		}
		return a, nil
	}
	switch v.Op {
	case OpConst:
		ct := p.next()
		x, err := ParseConst(ct.text)
		if err != nil {
			return p.errf(ct, "bad constant %s", describe(ct))
		}
		v.Const = x
	case OpCall:
		ct := p.next()
		if ct.kind != tAt {
			return p.errf(ct, "expected @callee, found %s", describe(ct))
		}
		v.Name = ct.text
		if _, err := p.expect("("); err != nil {
			return err
		}
		for !p.accept(")") {
			if len(v.Args) > 0 {
				if _, err := p.expect(","); err != nil {
					return err
				}
			}
			a, err := ref()
			if err != nil {
				return err
			}
			v.Args = append(v.Args, a)
		}
	case OpExtract:
		a, err := ref()
		if err != nil {
			return err
		}
		if _, err := p.expect(","); err != nil {
			return err
		}
		it := p.next()
		n, err := strconv.Atoi(it.text)
		if err != nil {
			return p.errf(it, "expected an index, found %s", describe(it))
		}
		v.Args, v.Index = []*Value{a}, n
	case OpDim:
		nt := p.next()
		if nt.kind != tIdent {
			return p.errf(nt, "expected a dimension name, found %s", describe(nt))
		}
		v.Name = nt.text
	default:
		if v.Op.Takes(AttrInit) {
			v.Const = v.Op.row().Identity
		}
		for first := true; p.peek().text != ":"; first = false {
			// Operands are separated by commas; an attribute may also follow a space.
			if !first && !p.accept(",") && p.peek().kind != tIdent {
				if _, err := p.expect(","); err != nil {
					return err
				}
			}
			if t := p.peek(); t.kind == tIdent {
				if err := p.parseAttr(v); err != nil {
					return err
				}
				continue
			}
			a, err := ref()
			if err != nil {
				return err
			}
			v.Args = append(v.Args, a)
		}
	}
	return nil
}

// attrWord returns the attribute a word of the text form names, after the operands.
func attrWord(s string) (Attr, bool) {
	switch s {
	case "axis":
		return AttrAxis, true
	case "keepdims":
		return AttrKeepDims, true
	case "init":
		return AttrInit, true
	case "batch", "contract":
		return AttrDot, true
	case "perm":
		return AttrPerm, true
	}
	return 0, false
}

// parseAttr reads one attribute the op's row says it takes: axis=K,
// keepdims, init=X, batch=[..]x[..], contract=[..]x[..], perm=[..].
func (p *parser) parseAttr(v *Value) error {
	t := p.next()
	a, known := attrWord(t.text)
	switch {
	case !known:
		return p.errf(t, "unknown attribute %s", describe(t))
	case !v.Op.Takes(a):
		return p.errf(t, "%s takes no attribute %s", v.Op, describe(t))
	case a == AttrKeepDims:
		v.KeepDims = true
		return nil
	}
	if _, err := p.expect("="); err != nil {
		return err
	}
	switch a {
	case AttrDot:
		return p.parseDotAttr(v, t)
	case AttrPerm:
		if v.Perm != nil {
			return p.errf(t, "perm is given twice")
		}
		perm, err := p.parseAxes()
		v.Perm = perm
		return err
	}
	xt := p.next()
	if a == AttrAxis {
		n, err := strconv.Atoi(xt.text)
		if err != nil || n < 0 {
			return p.errf(xt, "axis must be a non-negative integer, found %s", describe(xt))
		}
		v.Axis = n
		return nil
	}
	x, err := ParseConst(xt.text)
	if err != nil {
		return p.errf(xt, "bad init %s", describe(xt))
	}
	v.Const = x
	return nil
}

// parseDotAttr reads the [..]x[..] of batch= or contract= (token t).
func (p *parser) parseDotAttr(v *Value, t token) error {
	lhs, err := p.parseAxes()
	if err != nil {
		return err
	}
	if _, err := p.expect("x"); err != nil {
		return err
	}
	rhs, err := p.parseAxes()
	if err != nil {
		return err
	}
	l, r := &v.Dot.LhsContract, &v.Dot.RhsContract
	if t.text == "batch" {
		l, r = &v.Dot.LhsBatch, &v.Dot.RhsBatch
	}
	if *l != nil {
		return p.errf(t, "%s is given twice", t.text)
	}
	*l, *r = lhs, rhs
	return nil
}

// parseAxes reads a list of axes, [2,0,1]; [] is the empty list, which is
// not nil, so that an attribute given twice is told from one given once.
func (p *parser) parseAxes() ([]int, error) {
	if _, err := p.expect("["); err != nil {
		return nil, err
	}
	axes := []int{}
	for !p.accept("]") {
		if len(axes) > 0 {
			if _, err := p.expect(","); err != nil {
				return nil, err
			}
		}
		at := p.next()
		n, err := strconv.Atoi(at.text)
		if at.kind != tIdent || err != nil || n < 0 {
			return nil, p.errf(at, "expected a non-negative axis, found %s", describe(at))
		}
		axes = append(axes, n)
	}
	return axes, nil
}

// parseKernelDecl reads "k0 rows [B]" after the word kernel.
func (p *parser) parseKernelDecl() (KernelDecl, error) {
	gt := p.next()
	if gt.kind != tIdent {
		return KernelDecl{}, p.errf(gt, "expected a kernel group name, found %s", describe(gt))
	}
	kt := p.next()
	k := KernelDecl{Group: gt.text}
	switch kt.text {
	case "loop":
		k.Kind = LoopKernel
	case "rows":
		k.Kind = RowKernel
	case "axis":
		k.Kind = AxisKernel
	case "contraction":
		k.Kind = ContractionKernel
	case "transpose":
		k.Kind = TransposeKernel
	default:
		return k, p.errf(kt, "kernel kind must be loop, rows, axis, contraction or transpose, found %s", describe(kt))
	}
	d, err := p.parseShape()
	k.Domain = d
	return k, err
}
