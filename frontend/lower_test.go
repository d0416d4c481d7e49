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

	"dlc/ir"
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
		if !v.Pos.IsValid() || v.Pos.File != "testdata/programs/lib/helpers.dl" {
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
		if v.Pos != want[v.Op] {
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
		"model.dl":     "import \"nn/act\"\nimport \"util\"\nimport \"nn/act.dl\"\nkernel f(x: f32[N]) -> y: f32[N] { y = relu(x) * 2 + zero(x) }\n",
		"nn/act.dl":    "import \"../util\"\nkernel relu(x: f32[N]) -> y: f32[N] { y = max(x, zero(x)) }\n",
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
	if strings.Join(got, " ") != "f zero relu" {
		t.Errorf("functions %v, want f, then relu's dependencies first", got)
	}
}
