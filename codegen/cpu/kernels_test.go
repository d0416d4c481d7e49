// This file runs whole fused functions: Lion, scalar arguments of every dtype,
// and several kernels passing temps; chunked and in-place calls must not change
// a single bit of the result.
package cpu

import (
	"math"
	"math/rand/v2"
	"os"
	"testing"

	"dlc.dev/dlc/ir"
)

// within reports whether got and want agree to 4 f32 ulps of scale, the
// magnitude of the terms that produced want (a chain of f32 ops rounds at each
// step while the oracle keeps float64).
func within(got, want, scale float64) bool {
	if math.IsNaN(want) || math.IsNaN(got) {
		return math.IsNaN(want) && math.IsNaN(got)
	}
	return math.Abs(got-want) <= 4*0x1p-24*scale
}

func randomArray(r *rand.Rand, d ir.DType, shape ...int64) *ir.Array {
	a := ir.NewArray(shape...)
	for i := range a.Data {
		a.Data[i] = ir.Convert(r.NormFloat64(), d)
	}
	return a
}

func sameBits(t *testing.T, what string, got, want map[string]*ir.Array) {
	t.Helper()
	for name, w := range want {
		g := got[name]
		for i := range w.Data {
			if math.Float64bits(g.Data[i]) != math.Float64bits(w.Data[i]) {
				t.Fatalf("%s: %s[%d] = %v, want %v as in one call", what, name, i, g.Data[i], w.Data[i])
			}
		}
	}
}

func TestLion(t *testing.T) {
	src, err := os.ReadFile("../../ir/testdata/lion.ir")
	if err != nil {
		t.Fatal(err)
	}
	lib := buildLibrary(t, string(src))
	r := rand.New(rand.NewPCG(3, 4))
	const n = 1003 // not a multiple of the vector width: the scalar epilogue runs too
	in := map[string]*ir.Array{
		"theta": randomArray(r, ir.F32, n),
		"grad":  randomArray(r, ir.F32, n),
		"m":     randomArray(r, ir.F32, n),
	}
	in["m"].Data[0], in["grad"].Data[0] = 0, 0 // c = 0: sign(0) = 0, only decay applies
	in["grad"].Data[1] = math.NaN()            // NaN propagates to theta' and m'
	scalars := map[string]float64{"lr": 1e-3, "wd": 0.1}
	want, err := ir.Interpret(lib.mod, "lion", ir.Inputs{Tensors: in, Scalars: scalars})
	if err != nil {
		t.Fatal(err)
	}
	got := lib.run(t, "lion", in, scalars, runOptions{})
	for i := range n {
		th, g, m := in["theta"].Data[i], in["grad"].Data[i], in["m"].Data[i]
		scale := math.Abs(th) + math.Abs(g) + math.Abs(m) + 1e-3
		if !within(got["theta_new"].Data[i], want["theta_new"].Data[i], scale) ||
			!within(got["m_new"].Data[i], want["m_new"].Data[i], scale) {
			t.Fatalf("element %d: got (%v, %v), want (%v, %v)", i,
				got["theta_new"].Data[i], got["m_new"].Data[i], want["theta_new"].Data[i], want["m_new"].Data[i])
		}
	}
	if th := in["theta"].Data[0]; got["theta_new"].Data[0] != float64(float32(th)-float32(1e-3)*(float32(0.1)*float32(th))) {
		t.Errorf("c = 0: theta' = %v, want only the decay", got["theta_new"].Data[0])
	}

	chunked := lib.run(t, "lion", in, scalars, runOptions{splits: []int64{1, 8, 9, 37, 500, 1000}})
	sameBits(t, "chunked", chunked, got)
	inPlace := lib.run(t, "lion", in, scalars, runOptions{inPlace: map[string]string{"theta_new": "theta", "m_new": "m"}})
	sameBits(t, "in place", inPlace, got)
}

// scalarsIR passes scalar parameters of several dtypes, a host value and a
// constant, computes scalar-typed values inside the kernel (once, before the
// loop) and returns one of them.
const scalarsIR = `
func @scalars(%x: f32[N], %h: f16[N], %g: bf16[N]; %a: f32 = 1.5, %k: i32 = 3, %flag: bool = true, %s: f16 = 0.3, %big: i64 = 5, %d: f64 = 0.25) -> (y: f32[N], z: i32[N], w: f16[N], v: bf16[N], c: f32, q: f64[N]) {
  %9 = const 2 : f32
  %10 = mul %a, %9 : f32 @host
  %11 = cast %k : f32 @k0
  %12 = add %11, %10 : f32 @k0
  %13 = mul %x, %12 : f32[N] @k0
  %14 = select %flag, %13, %x : f32[N] @k0
  %15 = cast %14 : i32[N] @k0
  %16 = add %15, %k : i32[N] @k0
  %17 = mul %h, %s : f16[N] @k0
  %18 = add %12, %10 : f32 @k0
  %19 = cast %big : bf16 @k0
  %20 = add %g, %19 : bf16[N] @k0
  %21 = cast %x : f64[N] @k0
  %22 = mul %21, %d : f64[N] @k0
  return y = %14, z = %16, w = %17, v = %20, c = %18, q = %22
}
`

func TestScalarArguments(t *testing.T) {
	lib := buildLibrary(t, scalarsIR)
	r := rand.New(rand.NewPCG(5, 6))
	const n = 77
	in := map[string]*ir.Array{
		"x": randomArray(r, ir.F32, n),
		"h": randomArray(r, ir.F16, n),
		"g": randomArray(r, ir.BF16, n),
	}
	for _, scalars := range []map[string]float64{
		nil,
		{"a": -0.75, "k": -2, "flag": 0, "s": 1e-3, "big": 1 << 40, "d": -3},
		{"k": 2.9, "flag": 2, "s": 1e-3}, // the kernel truncates k, tests flag != 0
	} {
		want, err := ir.Interpret(lib.mod, "scalars", ir.Inputs{Tensors: in, Scalars: scalars})
		if err != nil {
			t.Fatal(err)
		}
		got := lib.run(t, "scalars", in, scalars, runOptions{splits: []int64{5, 40}})
		f := lib.mod.Func("scalars")
		for _, res := range f.Results {
			// Every op here is one correctly rounded step, so results are exact,
			// except that the oracle keeps the f16 scalar s in float64 while the
			// kernel rounds it to f16 (its declared dtype) first.
			tol := int64(0)
			if res.Name == "w" {
				tol = 1
			}
			for i, w := range want[res.Name].Data {
				w = ir.Convert(w, res.Value.Type.DType)
				if g := got[res.Name].Data[i]; !agree(res.Value.Type.DType, g, w, tol) {
					t.Fatalf("scalars %v: %s[%d] = %v, want %v", scalars, res.Name, i, g, w)
				}
			}
		}
	}
}

// twoIR has three kernels: k1 reads a temp of k0 (%5), a result of k0 (u) and
// a scalar computed in k0 (s, also a result); k2 has another domain.
const twoIR = `
func @two(%x: f32[N,4], %y: f32[N,4], %z: f64[M]; %a: f32 = 2, %k: i32 = 3) -> (u: f32[N,4], v: f32[N,4], w: f64[M], s: f32) {
  %5 = mul %x, %a : f32[N,4] @k0
  %6 = add %5, %y : f32[N,4] @k0
  %7 = mul %a, %a : f32 @k0
  %8 = const 1 : f32
  %9 = sub %a, %8 : f32 @host
  %10 = mul %5, %6 : f32[N,4] @k1
  %11 = sub %10, %9 : f32[N,4] @k1
  %12 = mul %11, %7 : f32[N,4] @k1
  %13 = exp %z : f64[M] @k2
  %14 = cast %k : f64 @k2
  %15 = mul %13, %14 : f64[M] @k2
  return u = %6, v = %12, w = %15, s = %7
}
`

func TestSeveralKernels(t *testing.T) {
	lib := buildLibrary(t, twoIR)
	r := rand.New(rand.NewPCG(7, 8))
	in := map[string]*ir.Array{
		"x": randomArray(r, ir.F32, 29, 4),
		"y": randomArray(r, ir.F32, 29, 4),
		"z": randomArray(r, ir.F64, 13),
	}
	scalars := map[string]float64{"a": 1.25}
	want, err := ir.Interpret(lib.mod, "two", ir.Inputs{Tensors: in, Scalars: scalars})
	if err != nil {
		t.Fatal(err)
	}
	got := lib.run(t, "two", in, scalars, runOptions{})
	for i := range in["x"].Data {
		x, y := math.Abs(in["x"].Data[i]), math.Abs(in["y"].Data[i])
		if !within(got["u"].Data[i], want["u"].Data[i], x+y) || !within(got["v"].Data[i], want["v"].Data[i], 4*(x+y)*(x+y)+1) {
			t.Fatalf("element %d: got u=%v v=%v, want u=%v v=%v", i, got["u"].Data[i], got["v"].Data[i], want["u"].Data[i], want["v"].Data[i])
		}
	}
	for i, w := range want["w"].Data {
		if !agree(ir.F64, got["w"].Data[i], w, 4) {
			t.Fatalf("w[%d] = %v, want %v", i, got["w"].Data[i], w)
		}
	}
	if got["s"].Data[0] != want["s"].Data[0] {
		t.Fatalf("s = %v, want %v", got["s"].Data[0], want["s"].Data[0])
	}
	chunked := lib.run(t, "two", in, scalars, runOptions{splits: []int64{3, 4, 50}})
	sameBits(t, "chunked", chunked, got)
}
