// This file tests the parser: the grammar golden, the String round trip of
// every source in the repository, precedence and literals.
package frontend

import (
	"flag"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"dlc.dev/dlc/stdlib"
)

var update = flag.Bool("update", false, "rewrite golden files")

func TestGrammarGolden(t *testing.T) {
	p, err := newParser()
	if err != nil {
		t.Fatal(err)
	}
	got := p.String() + "\n"
	const golden = "testdata/grammar.ebnf"
	if *update {
		if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("grammar changed (run go test -update if intended):\n%s", lineDiff(string(want), got))
	}
}

// sources returns every .dl source of the repository that the frontend
// tests know about: the standard library and testdata.
func sources(t testing.TB) map[string][]byte {
	t.Helper()
	srcs := map[string][]byte{}
	err := fs.WalkDir(stdlib.FS(), ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".dl") {
			return err
		}
		srcs["std/"+p], err = fs.ReadFile(stdlib.FS(), p)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	err = filepath.WalkDir("testdata", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".dl") {
			return err
		}
		srcs[p], err = os.ReadFile(p)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return srcs
}

func TestRoundTrip(t *testing.T) {
	n := 0
	for name, src := range sources(t) {
		f, err := ParseFile(name, src)
		if err != nil {
			if strings.Contains(name, "testdata/errors/") {
				continue // a syntax error test
			}
			t.Errorf("%v", err)
			continue
		}
		once := f.String()
		g, err := ParseFile(name, []byte(once))
		if err != nil {
			t.Errorf("%s: String() does not parse: %v\n%s", name, err, once)
			continue
		}
		if twice := g.String(); twice != once {
			t.Errorf("%s: String() does not round-trip:\n%s", name, lineDiff(once, twice))
		}
		n++
	}
	if n < 30 {
		t.Errorf("round-tripped only %d files", n)
	}
}

// shape prints an expression with every operation parenthesized, so that
// tests can see how it was grouped.
func shape(e Expr) string {
	switch e := e.(type) {
	case Binary:
		first, terms := e.Terms()
		s := shape(first)
		for _, t := range terms {
			s = "(" + s + " " + t.Op + " " + shape(t.Y) + ")"
		}
		return s
	case *Unary:
		if e.Primary != nil {
			return shape(e.Primary)
		}
		return "(" + e.Op + shape(e.X) + ")"
	case *Paren:
		if !e.IsTuple() {
			return shape(e.X)
		}
		elems := make([]string, len(e.Elems()))
		for i, x := range e.Elems() {
			elems[i] = shape(x)
		}
		if len(elems) == 1 {
			return "(" + elems[0] + ",)"
		}
		return "(" + strings.Join(elems, ", ") + ")"
	case *Call:
		args := make([]string, len(e.Args))
		for i, a := range e.Args {
			args[i] = shape(a.Value)
			if a.Name != "" {
				args[i] = a.Name + "=" + args[i]
			}
		}
		return e.Func + "(" + strings.Join(args, ", ") + ")"
	}
	return e.String()
}

// parseExpr parses one expression through a kernel body.
func parseExpr(t *testing.T, src string) Expr {
	t.Helper()
	f, err := ParseFile("e.dl", []byte("kernel f() -> y: f32 {\n    y = "+src+"\n}\n"))
	if err != nil {
		t.Fatalf("%s: %v", src, err)
	}
	return f.Kernels[0].Body[0].(*Assign).Value
}

func TestPrecedence(t *testing.T) {
	for _, tc := range []struct{ src, want string }{
		{"a + b * c", "(a + (b * c))"},
		{"a - b - c", "((a - b) - c)"},
		{"a / b / c * d", "(((a / b) / c) * d)"},
		{"a || b && c", "(a || (b && c))"},
		{"a && b || c && d", "((a && b) || (c && d))"},
		{"a < b + c", "(a < (b + c))"},
		{"a == b || c != d", "((a == b) || (c != d))"},
		{"!a && b", "((!a) && b)"},
		{"-a * b", "((-a) * b)"},
		{"- -a", "(-(-a))"},
		{"-(a + b) * c", "((-(a + b)) * c)"},
		{"a * -b", "(a * (-b))"},
		{"a >= b && b <= c", "((a >= b) && (b <= c))"},
		{"f(a, g(b) + 1, lr=c * 2)", "f(a, (g(b) + 1), lr=(c * 2))"},
		{"select(x > 0, 1, -inf)", "select((x > 0), 1, (-inf))"},
		{"+a * b", "((+a) * b)"},
		{"a - +b", "(a - (+b))"},
		{"max(x, 0, +inf)", "max(x, 0, (+inf))"},
		{"sum(x * y, axis=-1, keepdims=true)", "sum((x * y), axis=(-1), keepdims=true)"},
		{"1 - beta1", "(1 - beta1)"},
		{"a @ b * c", "((a @ b) * c)"},
		{"a + b @ c", "(a + (b @ c))"},
		{"a @ b @ c", "((a @ b) @ c)"},
		{"a * b @ c / d", "(((a * b) @ c) / d)"},
		{"-a @ b", "((-a) @ b)"},
		{"(a + b) @ c", "((a + b) @ c)"},
		{"x @ w + b", "((x @ w) + b)"},
		{"transpose(x, (1, 0, 2))", "transpose(x, (1, 0, 2))"},
		{"transpose(x, (0,))", "transpose(x, (0,))"},
		{"transpose(x, (2, 1, 0,))", "transpose(x, (2, 1, 0))"},
		{"transpose(x, axes=(1, -2))", "transpose(x, axes=(1, (-2)))"},
		{`einsum("ij,jk->ik", a, b)`, `einsum("ij,jk->ik", a, b)`},
	} {
		if got := shape(parseExpr(t, tc.src)); got != tc.want {
			t.Errorf("%s: got %s, want %s", tc.src, got, tc.want)
		}
	}
}

func TestLiterals(t *testing.T) {
	for _, tc := range []struct{ src, want string }{
		{"1e-4", "0.0001"},
		{".5", "0.5"},
		{"2.", "2"},
		{"1.5e3", "1500"},
		{"42", "42"},
		{"inf", "inf"},
		{"-inf", "-inf"},
		{"+inf", "inf"},
		{"-(+inf)", "-inf"},
		{"+ -1.5", "-1.5"},
		{"nan", "nan"},
		{"1/2", "0.5"},
		{"1 + 2 * 3", "7"},
		{"true && !false", "true"},
		{"2 < 3", "true"},
	} {
		e := parseExpr(t, tc.src)
		c := &checker{info: newBodyInfo(), errs: &errorSink{}, constWhat: "x"}
		op := c.constant(e)
		if err := c.errs.err(); err != nil {
			t.Errorf("%s: %v", tc.src, err)
			continue
		}
		if got := op.val.String(); got != tc.want {
			t.Errorf("%s: got %s, want %s", tc.src, got, tc.want)
		}
	}
}

func TestParsePositions(t *testing.T) {
	src := "kernel f(x: f32[N]) -> y: f32[N] {\n    y = x * 2\n}\n"
	f, err := ParseFile("p.dl", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	k := f.Kernels[0]
	if p := k.Name.Pos; p.Line != 1 || p.Column != 8 {
		t.Errorf("kernel name at %v", p)
	}
	a := k.Body[0].(*Assign)
	if p := a.Pos; p.Line != 2 || p.Column != 5 {
		t.Errorf("assignment at %v", p)
	}
	mul := a.Value.X.X.X.X
	if p := mul.Rest[0].Pos; p.Line != 2 || p.Column != 11 {
		t.Errorf("operator * at %v", p)
	}
}

// lineDiff shows the first differing line of two texts.
func lineDiff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := 0; i < len(w) || i < len(g); i++ {
		var a, b string
		if i < len(w) {
			a = w[i]
		}
		if i < len(g) {
			b = g[i]
		}
		if a != b {
			return "line " + strconv.Itoa(i+1) + ":\n- " + a + "\n+ " + b
		}
	}
	return "(no difference)"
}
