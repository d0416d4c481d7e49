// This file tests lowering: every program in testdata/programs compiles to
// verified IR that matches its .ir golden, and the Go API of the result
// (parameters, defaults, positions, private functions) is as documented.
package frontend

import (
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"dlc.dev/dlc/ir"
)

// compileFile compiles a testdata file, reading its imports from disk.
func compileFile(t *testing.T, file string) *ir.Module {
	t.Helper()
	src, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	m, err := Compile(file, src, Options{})
	if err != nil {
		t.Fatalf("%s:\n%v", file, err)
	}
	if err := ir.Verify(m); err != nil {
		t.Fatalf("%s: invalid IR: %v\n%s", file, err, ir.Print(m))
	}
	return m
}

func TestLowerGolden(t *testing.T) {
	files, err := filepath.Glob("testdata/programs/*.dl")
	if err != nil {
		t.Fatal(err)
	}
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			m := compileFile(t, file)
			got := ir.Print(m)
			golden := strings.TrimSuffix(file, ".dl") + ".ir"
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
				t.Errorf("IR differs from %s (run go test -update if intended):\n%s\ngot:\n%s", golden, lineDiff(string(want), got), got)
			}
			back, err := ir.Parse(got)
			if err != nil {
				t.Fatalf("printed IR does not parse: %v", err)
			}
			if again := ir.Print(back); again != got {
				t.Errorf("printed IR does not round-trip:\n%s", lineDiff(got, again))
			}
		})
	}
}

func TestLowerStdlib(t *testing.T) {
	for name, src := range sources(t) {
		if !strings.HasPrefix(name, "std/") {
			continue
		}
		m, err := Compile(name, src, Options{})
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if err := ir.Verify(m); err != nil {
			t.Errorf("%s: %v", name, err)
		}
		for _, f := range m.Funcs {
			if f.Private || f.Kernels != 1 {
				t.Errorf("%s: @%s private=%v kernels=%d, want an entry point with @kernels(1)", name, f.Name, f.Private, f.Kernels)
			}
		}
	}
}

func TestLowerAPI(t *testing.T) {
	m := compileFile(t, "testdata/programs/transitive.dl")
	var names []string
	for _, f := range m.Funcs {
		names = append(names, f.Name)
	}
	if got := strings.Join(names, " "); got != "train lion lion_twice" && got != "train lion_twice lion" {
		t.Fatalf("functions %q, want train first, then the private lion_twice and lion", got)
	}
	train, helper, lion := m.Func("train"), m.Func("lion_twice"), m.Func("lion")
	if train.Private || !helper.Private || !lion.Private {
		t.Errorf("private: train=%v lion_twice=%v lion=%v", train.Private, helper.Private, lion.Private)
	}
	if want := (ir.Pos{File: "testdata/programs/transitive.dl", Line: 4, Col: 8}); train.Pos != want {
		t.Errorf("train at %v, want %v", train.Pos, want)
	}
	if lion.Kernels != 1 || lion.Pos.File != "std/optim/lion.dl" {
		t.Errorf("lion: kernels=%d pos=%v", lion.Kernels, lion.Pos)
	}
	want := []struct {
		name string
		typ  string
		def  float64 // NaN: no default
	}{
		{"theta", "f32[N]", math.NaN()}, {"grad", "f32[N]", math.NaN()}, {"m", "f32[N]", math.NaN()},
		{"lr", "f32", 1e-4}, {"beta1", "f32", 0.9}, {"beta2", "f32", 0.99}, {"wd", "f32", 0},
	}
	if len(lion.Params) != len(want) {
		t.Fatalf("lion has %d params", len(lion.Params))
	}
	for i, p := range lion.Params {
		w := want[i]
		if p.Op != ir.OpParam || p.Name != w.name || p.Type.String() != w.typ || p.Index != i || p.ID != i {
			t.Errorf("param %d: %s %s index=%d id=%d", i, p.Name, p.Type, p.Index, p.ID)
		}
		switch {
		case math.IsNaN(w.def) && p.Default != nil:
			t.Errorf("param %s has a default", p.Name)
		case !math.IsNaN(w.def) && (p.Default == nil || *p.Default != w.def):
			t.Errorf("param %s default %v, want %v", p.Name, p.Default, w.def)
		}
		if !p.Pos.IsValid() {
			t.Errorf("param %s has no position", p.Name)
		}
	}
	for _, v := range helper.Body {
		if !v.Pos.IsValid() || v.Pos.First().File != "testdata/programs/lib/helpers.dl" {
			t.Errorf("%s at %v", ir.FormatValue(v), v.Pos)
		}
	}
	if r := lion.Results; len(r) != 2 || r[0].Name != "theta_new" || r[1].Name != "m_new" {
		t.Errorf("lion results %v", r)
	}
}

func TestLowerOperatorPositions(t *testing.T) {
	src := "kernel f(x: f32[N], y: f32[N]) -> z: f32[N] {\n    z = x * y + sqrt(x)\n}\n"
	m, err := Compile("p.dl", []byte(src), Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := map[ir.Op]ir.Pos{
		ir.OpMul:  {File: "p.dl", Line: 2, Col: 11},
		ir.OpAdd:  {File: "p.dl", Line: 2, Col: 15},
		ir.OpSqrt: {File: "p.dl", Line: 2, Col: 17},
	}
	for _, v := range m.Funcs[0].Body {
		if len(v.Pos) != 1 || v.Pos[0] != want[v.Op] {
			t.Errorf("%s at %v, want %v", ir.FormatValue(v), v.Pos, want[v.Op])
		}
	}
}

// TestLowerMeaning runs lowered programs in the reference interpreter, so
// that conversions, constants and calls are checked by value, not by text.
func TestLowerMeaning(t *testing.T) {
	m := compileFile(t, "testdata/programs/weak.dl")
	x := &ir.Array{Shape: []int64{3}, Data: []float64{1.5, -2, 4}}
	y := &ir.Array{Shape: []int64{3}, Data: []float64{1, 3, 4}}
	out, err := ir.Interpret(m, "weak", ir.Inputs{
		Tensors: map[string]*ir.Array{"x": x, "y": y},
		Scalars: map[string]float64{"step": 3},
	})
	if err != nil {
		t.Fatal(err)
	}
	check := func(name string, want ...float64) {
		t.Helper()
		got := out[name].Data
		for i := range want {
			if math.Abs(got[i]-want[i]) > 1e-12 {
				t.Errorf("%s = %v, want %v", name, got, want)
				return
			}
		}
	}
	check("a", 1.5*3+4, -2*3+4, 4*3+4)
	check("b", 1-math.Pow(0.9, 3))
	check("c", 1.0/3, 12.0/3, 16.0/3) // where(x > y, min, max(x, 4y)) / clamp(3, 1, 10)
	check("d", 11)
	check("e", 1+3, -2+3, 4+3)

	m = compileFile(t, "testdata/programs/calls.dl")
	p := &ir.Array{Shape: []int64{2}, Data: []float64{1, 2}}
	q := &ir.Array{Shape: []int64{2}, Data: []float64{10, 20}}
	out, err = ir.Interpret(m, "main", ir.Inputs{Tensors: map[string]*ir.Array{"p": p, "q": q}, Scalars: map[string]float64{"k": 2}})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 2 {
		r := 2*p.Data[i] + q.Data[i] + 0.5*q.Data[i] + p.Data[i]
		mu := 0.5 * r * 2
		s := 0.25 * (mu + r) * 1
		if got := out["r"].Data[i]; got != r {
			t.Errorf("r[%d] = %v, want %v", i, got, r)
		}
		if got := out["t"].Data[i]; math.Abs(got-s*s) > 1e-9 {
			t.Errorf("t[%d] = %v, want %v", i, got, s*s)
		}
	}
}

// TestCompileSourceInMemory compiles files served from memory; util is
// imported twice, directly and through nn/act, and nn/act twice by one file.
func TestCompileSourceInMemory(t *testing.T) {
	files := map[string]string{
		"model.dl":     "import \"nn/act\"\nimport \"util\"\nimport \"nn/act.dl\"\nkernel f(x: f32[N]) -> y: f32[N] { y = rectify(x) * 2 + zero(x) }\n",
		"nn/act.dl":    "import \"../util\"\nkernel rectify(x: f32[N]) -> y: f32[N] { y = max(x, zero(x)) }\n",
		"util.dl":      "kernel zero(x: f32[N]) -> y: f32[N] { y = 0 * x }\n",
		"nn/unused.dl": "kernel broken( {\n",
	}
	m, err := Compile("model.dl", []byte(files["model.dl"]), Options{ReadFile: mapFiles(files)})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range m.Funcs {
		got = append(got, f.Name)
	}
	if strings.Join(got, " ") != "f zero rectify" {
		t.Errorf("functions %v, want f, then rectify's dependencies first", got)
	}
}

// TestLowerRowsMeaning runs the reduction, broadcasting and gather programs
// in the reference interpreter and checks them by value.
func TestLowerRowsMeaning(t *testing.T) {
	x := &ir.Array{Shape: []int64{2, 3}, Data: []float64{1, -2, 3, 0.5, 4, -6}}
	check := func(out map[string]*ir.Array, name string, shape []int64, want ...float64) {
		t.Helper()
		got := out[name]
		if got == nil || len(got.Shape) != len(shape) || len(got.Data) != len(want) {
			t.Errorf("%s = %v, want shape %v", name, got, shape)
			return
		}
		for i := range shape {
			if got.Shape[i] != shape[i] {
				t.Errorf("%s has shape %v, want %v", name, got.Shape, shape)
			}
		}
		for i := range want {
			g, w := got.Data[i], want[i]
			if math.IsInf(w, 0) || math.IsNaN(w) || math.IsInf(g, 0) || math.IsNaN(g) {
				if g != w && !(math.IsNaN(g) && math.IsNaN(w)) {
					t.Errorf("%s = %v, want %v", name, got.Data, want)
					return
				}
				continue
			}
			if math.Abs(g-w) > 1e-12*math.Max(1, math.Abs(w)) {
				t.Errorf("%s = %v, want %v", name, got.Data, want)
				return
			}
		}
	}
	lse := func(xs ...float64) float64 {
		s := 0.0
		for _, v := range xs {
			s += math.Exp(v)
		}
		return math.Log(s)
	}

	m := compileFile(t, "testdata/programs/reduce.dl")
	y := &ir.Array{Shape: []int64{2, 4}, Data: []float64{1, 2, 3, 4, 5, 6, 7, 8}}
	i := &ir.Array{Shape: []int64{2, 3}, Data: []float64{-1, -2, -3, 4, 5, 6}}
	out, err := ir.Interpret(m, "reduce", ir.Inputs{Tensors: map[string]*ir.Array{"x": x, "y": y, "i": i}})
	if err != nil {
		t.Fatal(err)
	}
	check(out, "s", []int64{2}, 2, -1.5)
	check(out, "m", []int64{2, 1}, 2.0/3, -0.5)
	check(out, "mx", []int64{3}, 1, 4, 3)
	check(out, "mn", []int64{2}, -2, -6) // initial 0 takes part
	check(out, "l", []int64{2}, lse(1, -2, 3), lse(0.5, 4, -6))
	check(out, "l0", []int64{2}, lse(0, 1, -2, 3), lse(0, 0.5, 4, -6))
	check(out, "my", []int64{2}, 2.5, 6.5)
	check(out, "mb", []int64{1, 3}, 0.75, 1, -1.5)
	check(out, "si", []int64{2}, 0-6, 6+15)

	m = compileFile(t, "testdata/programs/broadcast.dl")
	r := &ir.Array{Shape: []int64{2, 1}, Data: []float64{10, 100}}
	c := &ir.Array{Shape: []int64{3}, Data: []float64{1, 2, 3}}
	v := &ir.Array{Shape: []int64{2}, Data: []float64{7, 8}}
	out, err = ir.Interpret(m, "rows", ir.Inputs{Tensors: map[string]*ir.Array{"x": x, "r": r, "c": c, "v": v}, Scalars: map[string]float64{"s": 0.5}})
	if err != nil {
		t.Fatal(err)
	}
	check(out, "y", []int64{2, 3}, 10+1-0.5, -20+2-0.5, 30+3-0.5, 50+1-0.5, 400+2-0.5, -600+3-0.5)
	check(out, "z", []int64{2}, 10, 100)
	check(out, "w", []int64{2, 1}, 7, 8)
	check(out, "zero", []int64{2, 3}, 0, 0, 0, 0, 0, 0)
	check(out, "col", []int64{2, 3}, 1, 2, 3, 1, 2, 3)
	check(out, "fill", []int64{2}, math.Inf(-1), math.Inf(-1))
	x3 := &ir.Array{Shape: []int64{2, 3}, Data: []float64{0, 0, 0, 1, 2, 3}}
	out, err = ir.Interpret(m, "caller", ir.Inputs{Tensors: map[string]*ir.Array{"x": x3}})
	if err != nil {
		t.Fatal(err)
	}
	l0, l1 := math.Log(3), lse(1, 2, 3)
	check(out, "loss", []int64{2}, l0, l1)
	check(out, "grad", []int64{2, 3}, 1.0/3, 1.0/3, 1.0/3, math.Exp(1-l1), math.Exp(2-l1), math.Exp(3-l1))
	l2 := lse(2, 4, 6)
	check(out, "both", []int64{2, 3}, l0/3, l0/3, l0/3, math.Exp(2-l2)*l2, math.Exp(4-l2)*l2, math.Exp(6-l2)*l2)

	m = compileFile(t, "testdata/programs/builtins.dl")
	out, err = ir.Interpret(m, "pick", ir.Inputs{Tensors: map[string]*ir.Array{
		"x":      x,
		"labels": {Shape: []int64{2}, Data: []float64{2, 0}},
		"idx":    {Shape: []int64{2, 4}, Data: []float64{0, 0, 1, 2, 2, 2, 2, 1}},
		"cols":   {Shape: []int64{2, 3}, Data: []float64{1, 0, 1, 0, 0, 0}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	check(out, "picked", []int64{2}, 3, 0.5)
	check(out, "many", []int64{2, 4}, 1, 1, -2, 3, -6, -6, -6, 4)
	check(out, "rows", []int64{2, 3}, 0.5, -2, -6, 1, -2, 3)
	check(out, "n", []int64{2}, 0.5/3*2+2, 0.5/3*2+0)
	check(out, "c", []int64{2}, 2+3, 2+0.5)
	xs := &ir.Array{Shape: []int64{4}, Data: []float64{-1e4, -0.5, 3, 1e4}}
	out, err = ir.Interpret(m, "special", ir.Inputs{Tensors: map[string]*ir.Array{"x": xs, "h": {Shape: []int64{4}, Data: []float64{1, 2, 3, 4}}}})
	if err != nil {
		t.Fatal(err)
	}
	check(out, "a", []int64{4}, -1-1, math.Erf(-0.5)+math.Expm1(-0.5), math.Erf(3)+math.Expm1(3), math.Inf(1))
	check(out, "b", []int64{4}, 0, math.Log1p(math.Exp(-0.5)), 3+math.Log1p(math.Exp(-3)), 1e4)
	check(out, "c", []int64{4}, -1e4, -math.Log1p(math.Exp(0.5)), -math.Log1p(math.Exp(-3)), 0)
	check(out, "d", []int64{4}, 2, 4, 6, 8)
}

// TestLowerReductionIR pins the attributes lowering gives reductions and
// gathers: the axis is non-negative, keepdims and initial are kept, and a
// mean over a constant axis folds 1/n.
func TestLowerReductionIR(t *testing.T) {
	src := "kernel f(x: f32[B, 4], i: i32[B, 2]) -> (a: f32[B, 1], b: f32[B], c: f32[B, 2]) {\n" +
		"    a = logsumexp(x, axis=-1, keepdims=true, initial=0)\n" +
		"    b = mean(x)\n" +
		"    c = take_along_axis(x, i, axis=-1)\n}\n"
	m, err := Compile("r.dl", []byte(src), Options{})
	if err != nil {
		t.Fatal(err)
	}
	var lse, gather, fold *ir.Value
	for _, v := range m.Funcs[0].Body {
		switch v.Op {
		case ir.OpReduceLSE:
			lse = v
		case ir.OpGather:
			gather = v
		case ir.OpConst:
			if v.Const == 0.25 {
				fold = v
			}
		case ir.OpDim:
			t.Errorf("mean over a constant axis emits %s", ir.FormatValue(v))
		}
	}
	if lse == nil || lse.Axis != 1 || !lse.KeepDims || lse.Const != 0 || lse.Pos.First().Line != 2 {
		t.Errorf("logsumexp lowered to %v", lse)
	}
	if gather == nil || gather.Axis != 1 {
		t.Errorf("take_along_axis lowered to %v", gather)
	}
	if fold == nil {
		t.Errorf("mean over 4 elements does not multiply by 0.25:\n%s", ir.Print(m))
	}
}
