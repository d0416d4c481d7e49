package ir

import (
	"math"
	"testing"

	"github.com/stretchr/testify/require"
)

// gradOf interprets function name of src (which may use grad values) on the
// tensors given and returns its results.
func gradOf(t *testing.T, src, name string, tensors map[string][]float64, scalars map[string]float64) map[string][]float64 {
	t.Helper()
	m, err := Parse(src)
	require.NoError(t, err)
	require.NoError(t, Verify(m))
	in := Inputs{Tensors: map[string]*Array{}, Scalars: scalars}
	f := m.Func(name)
	for _, p := range f.TensorParams() {
		d := tensors[p.Name]
		shape := []int64{int64(len(d))}
		if len(p.Type.Shape) == 2 {
			shape = []int64{2, int64(len(d) / 2)}
		}
		in.Tensors[p.Name] = &Array{Shape: shape, Data: d}
	}
	out, err := Interpret(m, name, in)
	require.NoError(t, err)
	res := map[string][]float64{}
	for k, v := range out {
		res[k] = v.Data
	}
	return res
}

var nan, inf = math.NaN(), math.Inf(1)

// TestSubgradients pins the gradient at every kink to PyTorch's
// (tools/autograd/derivatives.yaml and FunctionsManual.cpp): abs'(0) = 0,
// relu'(0) = 0, ties of maximum and minimum split evenly, clamp passes the
// gradient at its bounds, sign and floor pass zero, amax and amin split ties
// evenly, and the exponent of 0^y gets nothing for y >= 0.
func TestSubgradients(t *testing.T) {
	const src = `
func @abs(%x: f64[N]) -> (d: f64[N]) {
  %1 = abs %x : f64[N]
  %2 = reduce_sum %1, axis=0 : f64
  %3 = grad %2, %x : f64[N]
  return d = %3
}

func @relu(%x: f64[N]) -> (d: f64[N]) {
  %1 = const 0 : f64
  %2 = le %x, %1 : bool[N]
  %3 = select %2, %1, %x : f64[N]
  %4 = reduce_sum %3, axis=0 : f64
  %5 = grad %4, %x : f64[N]
  return d = %5
}

func @maxmin(%x: f64[N], %y: f64[N]) -> (dx: f64[N], dy: f64[N], ex: f64[N], ey: f64[N]) {
  %2 = max %x, %y : f64[N]
  %3 = reduce_sum %2, axis=0 : f64
  %4 = grad %3, %x : f64[N]
  %5 = grad %3, %y : f64[N]
  %6 = min %x, %y : f64[N]
  %7 = reduce_sum %6, axis=0 : f64
  %8 = grad %7, %x : f64[N]
  %9 = grad %7, %y : f64[N]
  return dx = %4, dy = %5, ex = %8, ey = %9
}

func @clamp(%x: f64[N]; %lo: f64, %hi: f64) -> (dx: f64[N], dlo: f64, dhi: f64) {
  %3 = clamp %x, %lo, %hi : f64[N]
  %4 = reduce_sum %3, axis=0 : f64
  %5 = grad %4, %x : f64[N]
  %6 = grad %4, %lo : f64
  %7 = grad %4, %hi : f64
  return dx = %5, dlo = %6, dhi = %7
}

func @piecewise(%x: f64[N]) -> (dsign: f64[N], dfloor: f64[N]) {
  %1 = sign %x : f64[N]
  %2 = mul %x, %1 : f64[N]
  %3 = reduce_sum %2, axis=0 : f64
  %4 = grad %3, %x : f64[N]
  %5 = floor %x : f64[N]
  %6 = sub %x, %5 : f64[N]
  %7 = reduce_sum %6, axis=0 : f64
  %8 = grad %7, %x : f64[N]
  return dsign = %4, dfloor = %8
}

func @pow(%x: f64[N], %y: f64[N]) -> (dx: f64[N], dy: f64[N]) {
  %2 = pow %x, %y : f64[N]
  %3 = reduce_sum %2, axis=0 : f64
  %4 = grad %3, %x : f64[N]
  %5 = grad %3, %y : f64[N]
  return dx = %4, dy = %5
}

func @sqrt(%x: f64[N]) -> (d: f64[N]) {
  %1 = sqrt %x : f64[N]
  %2 = reduce_sum %1, axis=0 : f64
  %3 = grad %2, %x : f64[N]
  return d = %3
}
`
	sc := map[string]float64{"lo": 0, "hi": 1}
	require.Equal(t, []float64{0, 0, 1, -1}, gradOf(t, src, "abs", map[string][]float64{"x": {0, math.Copysign(0, -1), 2, -3}}, nil)["d"])
	require.Equal(t, []float64{0, 0, 1}, gradOf(t, src, "relu", map[string][]float64{"x": {-1, 0, 2}}, nil)["d"])
	mm := gradOf(t, src, "maxmin", map[string][]float64{"x": {1, 2, 3}, "y": {1, 1, 4}}, nil)
	require.Equal(t, []float64{0.5, 1, 0}, mm["dx"])
	require.Equal(t, []float64{0.5, 0, 1}, mm["dy"])
	require.Equal(t, []float64{0.5, 0, 1}, mm["ex"])
	require.Equal(t, []float64{0.5, 1, 0}, mm["ey"])
	cl := gradOf(t, src, "clamp", map[string][]float64{"x": {0, 0.5, 1, -1, 2, -3}}, sc)
	require.Equal(t, []float64{1, 1, 1, 0, 0, 0}, cl["dx"], "the gradient passes at both bounds")
	require.Equal(t, []float64{2}, cl["dlo"], "lo gets the gradient of the elements below it")
	require.Equal(t, []float64{1}, cl["dhi"])
	cl = gradOf(t, src, "clamp", map[string][]float64{"x": {0, 0.5, 2}}, map[string]float64{"lo": 1, "hi": 0})
	require.Equal(t, []float64{0, 0, 0}, cl["dx"], "lo > hi: the result is hi")
	require.Equal(t, []float64{0}, cl["dlo"])
	require.Equal(t, []float64{3}, cl["dhi"])
	pw := gradOf(t, src, "piecewise", map[string][]float64{"x": {2, -3, 0, 1.5}}, nil)
	require.Equal(t, []float64{1, -1, 0, 1}, pw["dsign"], "d(x·sign x)/dx = sign x: sign passes zero")
	require.Equal(t, []float64{1, 1, 1, 1}, pw["dfloor"], "d(x - floor x)/dx = 1: floor passes zero")
	pp := gradOf(t, src, "pow", map[string][]float64{"x": {0, 0, 0, 2}, "y": {0, 2, -1, 3}}, nil)
	require.Equal(t, []float64{0, 0, math.Inf(-1), 12}, pp["dx"], "d 0^0/dx = 0; d 0^2/dx = 0; d 0^-1/dx = -inf")
	require.Equal(t, 0.0, pp["dy"][0])
	require.Equal(t, 0.0, pp["dy"][1])
	require.Equal(t, math.Inf(-1), pp["dy"][2], "0^-1 · log 0 = inf · -inf")
	require.InDelta(t, 8*math.Log(2), pp["dy"][3], 1e-15)
	require.Equal(t, []float64{inf, 0.25}, gradOf(t, src, "sqrt", map[string][]float64{"x": {0, 4}}, nil)["d"])
}

// TestReductionSubgradients pins the ties of max, min, nanmax and nanmin (an
// even split, as torch.amax, with the initial element as one of the tied
// elements), NaN rows, and log-sum-exp over absent (-inf) elements.
func TestReductionSubgradients(t *testing.T) {
	const src = `
func @red(%x: f64[B,C]) -> (max: f64[B,C], max0: f64[B,C], min: f64[B,C], nanmax: f64[B,C], nanmin0: f64[B,C], lse: f64[B,C], lse0: f64[B,C]) {
  %1 = reduce_max %x, axis=1 : f64[B]
  %2 = reduce_sum %1, axis=0 : f64
  %3 = grad %2, %x : f64[B,C]
  %4 = reduce_max %x, axis=1, keepdims, init=0 : f64[B,1]
  %5 = reduce_sum %4, axis=0 : f64[1]
  %6 = reshape %5 : f64
  %7 = grad %6, %x : f64[B,C]
  %8 = reduce_min %x, axis=1 : f64[B]
  %9 = reduce_sum %8, axis=0 : f64
  %10 = grad %9, %x : f64[B,C]
  %11 = reduce_nanmax %x, axis=1 : f64[B]
  %12 = reduce_sum %11, axis=0 : f64
  %13 = grad %12, %x : f64[B,C]
  %14 = reduce_nanmin %x, axis=1, init=0 : f64[B]
  %15 = reduce_sum %14, axis=0 : f64
  %16 = grad %15, %x : f64[B,C]
  %17 = reduce_lse %x, axis=1 : f64[B]
  %18 = reduce_sum %17, axis=0 : f64
  %19 = grad %18, %x : f64[B,C]
  %20 = reduce_lse %x, axis=1, init=0 : f64[B]
  %21 = reduce_sum %20, axis=0 : f64
  %22 = grad %21, %x : f64[B,C]
  return max = %3, max0 = %7, min = %10, nanmax = %13, nanmin0 = %16, lse = %19, lse0 = %22
}
`
	x := func(xs ...float64) map[string][]float64 { return map[string][]float64{"x": xs} }
	r := gradOf(t, src, "red", x(1, 3, 3, 0, -1, -2), nil)
	require.Equal(t, []float64{0, 0.5, 0.5, 1, 0, 0}, r["max"], "ties split evenly")
	require.Equal(t, []float64{0, 0.5, 0.5, 0.5, 0, 0}, r["max0"], "0 ties with initial=0, whose share goes nowhere")
	require.Equal(t, []float64{1, 0, 0, 0, 0, 1}, r["min"])
	require.Equal(t, []float64{0, 0, 0, 0, 0, 1}, r["nanmin0"], "initial=0 is the minimum of the first row")

	r = gradOf(t, src, "red", x(nan, 1, 2, nan, nan, nan), nil)
	for _, d := range r["max"][:3] {
		require.True(t, math.IsNaN(d), "max propagates NaN, and so does its gradient (as torch.amax)")
	}
	require.Equal(t, []float64{0, 0, 1, 0, 0, 0}, r["nanmax"], "nanmax leaves NaN out: a NaN row passes nothing")

	r = gradOf(t, src, "red", x(-inf, -inf, -inf, -inf, 0, math.Log(3)), nil)
	require.Equal(t, []float64{0, 0, 0}, r["lse"][:3], "an all-absent row passes nothing (exp(-inf - -inf) would be NaN)")
	require.InDeltaSlice(t, []float64{0, 0.25, 0.75}, r["lse"][3:], 1e-15)
	require.Equal(t, []float64{0, 0, 0}, r["lse0"][:3])
	require.InDeltaSlice(t, []float64{0, 0.2, 0.6}, r["lse0"][3:], 1e-15, "with initial=0 the softmax includes e^0")
}

// TestGradErrors checks that a gradient that cannot be computed is an error at
// the right place: the grad value when the result does not depend on x, the
// op where the gradient stops when it depends on x only through ops that pass
// none.
func TestGradErrors(t *testing.T) {
	for _, c := range []struct{ name, body, want string }{
		{"unused", "%9 = reduce_sum %w, axis=0 : f64", "g.dl:9:1: cannot differentiate with respect to x: the result does not depend on it"},
		{"floor", "%2 = floor %x : f64[N]\n  %9 = reduce_sum %2, axis=0 : f64",
			"g.dl:7:3: cannot differentiate with respect to x (grad at line 9:1): the result depends on it only through floor here, which is piecewise constant: its gradient is zero wherever it is defined"},
		{"compare", "%2 = const 1 : f64\n  %3 = gt %x, %2 : bool[N]\n  %4 = select %3, %2, %w : f64[N]\n  %9 = reduce_sum %4, axis=0 : f64",
			"g.dl:8:3: cannot differentiate with respect to x (grad at line 9:1): the result depends on it only through gt here, a comparison, whose bool result carries no gradient"},
		{"int", "%2 = cast %x : i32[N]\n  %3 = cast %2 : f64[N]\n  %9 = reduce_sum %3, axis=0 : f64",
			"g.dl:7:3: cannot differentiate with respect to x (grad at line 9:1): the result depends on it only through cast here, whose result is i32, and integers and bools carry no gradient"},
	} {
		t.Run(c.name, func(t *testing.T) {
			src := "func @f(%x: f64[N], %w: f64[N]) -> (d: f64[N]) {\n  " + c.body + "\n  %10 = grad %9, %x : f64[N]\n  return d = %10\n}\n"
			m, err := Parse(src)
			require.NoError(t, err)
			g := m.Funcs[0]
			for i, v := range g.Body {
				v.Pos = At(Pos{File: "g.dl", Line: 7 + i, Col: 3})
			}
			g.Body[len(g.Body)-1].Pos = At(Pos{File: "g.dl", Line: 9, Col: 1})
			_, err = Interpret(m, "f", Inputs{Tensors: map[string]*Array{"x": NewArray(2), "w": NewArray(2)}})
			require.EqualError(t, err, c.want, "the interpreter differentiates as the pass does")
			err = Differentiate(m, g)
			var ge *GradError
			require.ErrorAs(t, err, &ge)
			require.Equal(t, c.want, ge.Error())
		})
	}
}

// TestSecondDerivative differentiates a gradient: grad values are expanded in
// body order, so d/dx sum(d/dx sum(x³)) = 6x.
func TestSecondDerivative(t *testing.T) {
	const src = `
func @f(%x: f64[N]) -> (d1: f64[N], d2: f64[N]) {
  %1 = mul %x, %x : f64[N]
  %2 = mul %1, %x : f64[N]
  %3 = reduce_sum %2, axis=0 : f64
  %4 = grad %3, %x : f64[N]
  %5 = reduce_sum %4, axis=0 : f64
  %6 = grad %5, %x : f64[N]
  return d1 = %4, d2 = %6
}
`
	r := gradOf(t, src, "f", map[string][]float64{"x": {-1, 0.5, 2}}, nil)
	require.Equal(t, []float64{3, 0.75, 12}, r["d1"])
	require.Equal(t, []float64{-6, 3, 12}, r["d2"])
}

// TestGradThroughCall differentiates through a call of another function
// (inlined first) whose dimensions are named differently, and checks that
// the uses of x are summed in a fixed order: the same IR every time.
func TestGradThroughCall(t *testing.T) {
	const src = `
func private @sq(%a: f64[M]) -> (s: f64, t: f64[M]) {
  %1 = mul %a, %a : f64[M]
  %2 = reduce_sum %1, axis=0 : f64
  return s = %2, t = %1
}

func @f(%x: f64[N], %w: f64[N]) -> (l: f64, dx: f64[N], dw: f64[N]) {
  %2 = mul %x, %w : f64[N]
  %3 = call @sq(%2) : (f64, f64[N])
  %4 = extract %3, 0 : f64
  %5 = exp %x : f64[N]
  %6 = reduce_sum %5, axis=0 : f64
  %7 = add %4, %6 : f64
  %8 = grad %7, %x : f64[N]
  %9 = grad %7, %w : f64[N]
  return l = %7, dx = %8, dw = %9
}
`
	xs, ws := []float64{1, -2}, []float64{0.5, 3}
	r := gradOf(t, src, "f", map[string][]float64{"x": xs, "w": ws}, nil)
	for i := range xs {
		require.InDelta(t, 2*xs[i]*ws[i]*ws[i]+math.Exp(xs[i]), r["dx"][i], 1e-15)
		require.InDelta(t, 2*xs[i]*xs[i]*ws[i], r["dw"][i], 1e-15)
	}
	var printed []string
	for range 3 {
		m, err := Parse(src)
		require.NoError(t, err)
		require.NoError(t, Differentiate(m, m.Func("f")))
		require.NoError(t, Verify(m))
		require.False(t, HasGrad(m.Func("f")))
		printed = append(printed, PrintFunc(m.Func("f")))
	}
	require.Equal(t, printed[0], printed[1])
	require.Equal(t, printed[0], printed[2])
}

// TestUnchosenBranch checks that the zero cotangent of a select's unchosen
// branch stays zero: log(0) and exp(inf) there would make 0/0 and 0·∞ NaN,
// and the contributions leaving the branch (and a gradient whose every use
// is in it) are masked with the condition.
func TestUnchosenBranch(t *testing.T) {
	const src = `
func @f(%x: f64[N], %t: f64[N]) -> (dx: f64[N], dt: f64[N]) {
  %2 = const 0 : f64
  %3 = gt %x, %2 : bool[N]
  %4 = log %x : f64[N]
  %5 = select %3, %4, %2 : f64[N]
  %6 = neg %x : f64[N]
  %7 = exp %6 : f64[N]
  %8 = mul %t, %7 : f64[N]
  %9 = ne %x, %6 : bool[N]
  %10 = select %9, %8, %2 : f64[N]
  %11 = add %5, %10 : f64[N]
  %12 = add %11, %t : f64[N]
  %13 = reduce_sum %12, axis=0 : f64
  %14 = grad %13, %x : f64[N]
  %15 = grad %13, %t : f64[N]
  return dx = %14, dt = %15
}
`
	r := gradOf(t, src, "f", map[string][]float64{"x": {0, -inf, 2, -1}, "t": {3, 5, 0.5, 1}}, nil)
	// x = 0: log's branch is not chosen and neither is exp's (x == -x).
	// x = -inf: log's branch is not chosen; exp(inf)'s is, and its gradient is -inf.
	require.Equal(t, 0.0, r["dx"][0])
	require.Equal(t, 1.0, r["dt"][0])
	require.Equal(t, math.Inf(-1), r["dx"][1])
	require.Equal(t, math.Inf(1), r["dt"][1])
	require.InDelta(t, 0.5-0.5*math.Exp(-2), r["dx"][2], 1e-15)
	require.InDelta(t, 1+math.Exp(-2), r["dt"][2], 1e-15)
	require.InDelta(t, -math.E, r["dx"][3], 1e-15)
}
