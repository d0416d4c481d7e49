package ir

import (
	"math"
	"testing"
)

// allFiniteFunc is a function of three gradients of different shapes and
// dtypes whose result is AllFinite of them.
func allFiniteFunc(t *testing.T) *Module {
	t.Helper()
	m, err := Parse("func @check(%a: f32[A,B], %b: bf16[N], %c: f64[K]) -> (g: f32[A,B]) {\n  return g = %a\n}\n")
	if err != nil {
		t.Fatal(err)
	}
	f := m.Funcs[0]
	ok := AllFinite(f, f.Params[0], f.Params[1], f.Params[2])
	f.Results = append(f.Results, Result{Name: "ok", Value: ok})
	if err := Verify(m); err != nil {
		t.Fatalf("%v\n%s", err, Print(m))
	}
	return m
}

// TestAllFinite injects inf, -inf and NaN at every position of every
// tensor, one at a time, among finite values at the edges of each dtype
// (±0, the largest finite, subnormals), and checks the flag.
func TestAllFinite(t *testing.T) {
	m := allFiniteFunc(t)
	finite := map[string][]float64{
		"a": {0, math.Copysign(0, -1), math.MaxFloat32, -math.MaxFloat32, 0x1p-149, -1.5},
		"b": {float64(BF16ToF32(0x7f7f)), -0x1p-133, 3},
		"c": {math.MaxFloat64, -math.SmallestNonzeroFloat64},
	}
	shapes := map[string][]int64{"a": {2, 3}, "b": {3}, "c": {2}}
	run := func(bad string, at int, x float64) bool {
		in := Inputs{Tensors: map[string]*Array{}}
		for name, data := range finite {
			a := &Array{Shape: shapes[name], Data: append([]float64(nil), data...)}
			if name == bad {
				a.Data[at] = x
			}
			in.Tensors[name] = a
		}
		out, err := Interpret(m, "check", in)
		if err != nil {
			t.Fatal(err)
		}
		return out["ok"].Data[0] == 1
	}
	if !run("", 0, 0) {
		t.Fatal("finite gradients are reported non-finite")
	}
	for name, data := range finite {
		for i := range data {
			for _, x := range []float64{math.Inf(1), math.Inf(-1), math.NaN()} {
				if run(name, i, x) {
					t.Errorf("%v at %s[%d] is not found", x, name, i)
				}
			}
		}
	}
}

// TestAllFiniteOfNothing is true: no gradient, no overflow.
func TestAllFiniteOfNothing(t *testing.T) {
	f := &Func{Name: "f"}
	if v := AllFinite(f); v.Op != OpConst || v.Const != 1 || v.Type.DType != Bool {
		t.Fatalf("AllFinite() = %s", FormatValue(v))
	}
}
