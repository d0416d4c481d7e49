// This file turns source text into a syntax tree: the lexer, the participle
// parser built from the grammar in ast.go, and syntax error reporting.
package frontend

import (
	"bytes"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/alecthomas/participle/v2"
	"github.com/alecthomas/participle/v2/lexer"
)

// newLexer returns the token definitions of the language. Keywords are lexed
// before identifiers so that they can never be captured as names.
func newLexer() (*lexer.StatefulDefinition, error) {
	return lexer.NewSimple([]lexer.SimpleRule{
		{Name: "Comment", Pattern: `//[^\n]*`},
		{Name: "Whitespace", Pattern: `[ \t\r\n]+`},
		{Name: "String", Pattern: `"(\\.|[^"\\\n])*"`},
		{Name: "Float", Pattern: `(\d+\.\d*|\.\d+)([eE][+-]?\d+)?|\d+[eE][+-]?\d+`},
		{Name: "Int", Pattern: `\d+`},
		{Name: "Keyword", Pattern: `(import|kernel|let|true|false|inf|nan)\b`},
		{Name: "Ident", Pattern: `[A-Za-z_][A-Za-z0-9_]*`},
		{Name: "Punct", Pattern: `->|\|\||&&|==|!=|<=|>=|[-+*/<>=!(),;:\[\]{}@]`},
	})
}

// newParser builds the parser. Building takes about a millisecond; it is
// built once per compilation rather than kept in a package variable, which
// keeps the package free of shared state.
func newParser() (*participle.Parser[File], error) {
	lex, err := newLexer()
	if err != nil {
		return nil, err
	}
	return participle.Build[File](
		participle.Lexer(lex),
		participle.Elide("Comment", "Whitespace"),
		participle.Unquote("String"),
		participle.Union[Stmt](&Let{}, &Assign{}),
		participle.Union[Primary](&Number{}, &Bool{}, &StringLit{}, &Call{}, &Name{}, &Paren{}),
	)
}

// ParseFile parses one source file. A syntax error is returned as an
// ErrorList holding one positioned error.
func ParseFile(filename string, src []byte) (*File, error) {
	p, err := newParser()
	if err != nil {
		return nil, fmt.Errorf("build parser: %w", err)
	}
	return parseWith(p, filename, src)
}

// parseWith parses a file with a parser built by newParser.
func parseWith(p *participle.Parser[File], filename string, src []byte) (*File, error) {
	f, err := p.ParseBytes(filename, src)
	if err != nil {
		return nil, ErrorList{syntaxError(p, filename, src, err)}
	}
	return f, nil
}

// syntaxError turns a participle or lexer error into a positioned Error with
// a lower-case message.
func syntaxError(p *participle.Parser[File], filename string, src []byte, err error) *Error {
	var pe participle.Error
	if !errors.As(err, &pe) {
		return &Error{Pos: irPos(lexer.Position{Filename: filename}), Msg: "syntax error: " + err.Error()}
	}
	pos := pe.Position()
	if pos.Filename == "" {
		pos.Filename = filename
	}
	msg := pe.Message()
	var ute *participle.UnexpectedTokenError
	switch {
	case errors.As(err, &ute):
		if at, m, ok := refineUnexpected(p, filename, src, ute.Unexpected); ok {
			pos, msg = at.Pos, m
		} else {
			msg = unexpectedMessage(ute)
		}
	case strings.Contains(msg, "invalid input text"):
		r, _ := utf8.DecodeRune(src[min(pos.Offset, len(src)):])
		msg = fmt.Sprintf("invalid character %q", r)
	}
	if inGradDecl(src, pos.Offset) {
		if i := strings.Index(msg, ", expected"); i >= 0 {
			msg = msg[:i]
		}
		msg += "; a gradient kernel is declared as kernel df = grad(f, wrt=(x, w))"
	}
	return &Error{Pos: irPos(pos), Msg: "syntax error: " + msg}
}

// inGradDecl reports whether offset is within a declaration kernel df = ...,
// before any brace. It runs only on a syntax error.
func inGradDecl(src []byte, offset int) bool {
	decl := regexp.MustCompile(`\bkernel\s+[A-Za-z_][A-Za-z0-9_]*\s*=[^{}]*$`)
	end := min(offset, len(src))
	return decl.Match(src[max(0, end-200):end])
}

// refineUnexpected improves two errors that participle reports at the wrong
// token, because it backtracks over a one-token prefix before failing:
// "x + }" blames the operator, and "let let" blames the first let. It
// returns the token the error belongs to and a message for it.
func refineUnexpected(p *participle.Parser[File], filename string, src []byte, tok lexer.Token) (lexer.Token, string, bool) {
	all, err := p.Lex(filename, bytes.NewReader(src))
	if err != nil {
		return lexer.Token{}, "", false
	}
	names := lexer.SymbolsByRune(p.Lexer())
	var toks []lexer.Token
	for _, t := range all {
		if n := names[t.Type]; n != "Whitespace" && n != "Comment" {
			toks = append(toks, t)
		}
	}
	i := slices.IndexFunc(toks, func(t lexer.Token) bool { return t.Pos.Offset == tok.Pos.Offset && !t.EOF() })
	if i < 0 || i+1 >= len(toks) {
		return lexer.Token{}, "", false
	}
	next := toks[i+1]
	nextKind := names[next.Type]
	switch tok.Value {
	case "let":
		if nextKind != "Ident" {
			return next, fmt.Sprintf("unexpected %s after \"let\", expected a name", describeToken(next)), true
		}
	case "+", "-", "*", "/", "@", "||", "&&", "==", "!=", "<", "<=", ">", ">=", "!":
		startsOperand := nextKind == "Ident" || nextKind == "Int" || nextKind == "Float" ||
			nextKind == "String" || next.Value == "(" || next.Value == "-" || next.Value == "+" || next.Value == "!" ||
			nextKind == "Keyword" && next.Value != "let" && next.Value != "kernel" && next.Value != "import"
		if !startsOperand {
			return next, fmt.Sprintf("unexpected %s after %q, expected an operand", describeToken(next), tok.Value), true
		}
	}
	return lexer.Token{}, "", false
}

// describeToken names a token in an error message.
func describeToken(t lexer.Token) string {
	if t.EOF() {
		return "end of file"
	}
	return fmt.Sprintf("%q", t.Value)
}

// unexpectedMessage describes an unexpected token; participle's description
// of what was expected is kept only when it is short enough to read.
func unexpectedMessage(e *participle.UnexpectedTokenError) string {
	msg := "unexpected " + describeToken(e.Unexpected)
	full := e.Message()
	if i := strings.Index(full, " (expected "); i >= 0 {
		want := strings.TrimSuffix(full[i+len(" (expected "):], ")")
		if len(want) <= 24 {
			msg += ", expected " + want
		}
	}
	return msg
}
