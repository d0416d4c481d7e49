package ir

import (
	"math"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestVJPShape writes two gradient rules as a row's VJP field would hold
// them, applies them in reverse to y = exp(x) * w, and compares the
// cotangents with central differences of the interpreter: the slot's type is
// enough to express rules that emit IR.
func TestVJPShape(t *testing.T) {
	rules := map[Op]VJP{
		OpMul: func(f *Func, v *Value, args []*Value, ct *Value) []*Value {
			return []*Value{f.NewValue(OpMul, v.Type, ct, args[1]), f.NewValue(OpMul, v.Type, ct, args[0])}
		},
		OpExp: func(f *Func, v *Value, args []*Value, ct *Value) []*Value {
			return []*Value{f.NewValue(OpMul, v.Type, ct, v)}
		},
	}
	src := "func @f(%x: f64[N], %w: f64[N]) -> (y: f64[N]) {\n  %2 = exp %x : f64[N]\n  %3 = mul %2, %w : f64[N]\n  return y = %3\n}\n"
	m, err := Parse(src)
	require.NoError(t, err)
	f := m.Funcs[0]
	one := f.NewValue(OpConst, Scalar(F64))
	one.Const = 1
	ct := map[*Value]*Value{f.Results[0].Value: one}
	for i := len(f.Body) - 2; i >= 0; i-- { // the forward values, last first
		v := f.Body[i]
		for j, g := range rules[v.Op](f, v, v.Args, ct[v]) {
			ct[v.Args[j]] = g // each operand is used once here
		}
	}
	f.Results = append(f.Results, Result{Name: "dx", Value: ct[f.Params[0]]}, Result{Name: "dw", Value: ct[f.Params[1]]})
	require.NoError(t, Verify(m))
	x := &Array{Shape: []int64{3}, Data: []float64{-1, 0.5, 2}}
	w := &Array{Shape: []int64{3}, Data: []float64{3, -2, 0.25}}
	out, err := Interpret(m, "f", Inputs{Tensors: map[string]*Array{"x": x, "w": w}})
	require.NoError(t, err)
	const h = 1e-6
	for i := range x.Data {
		y := func(dx, dw float64) float64 { return math.Exp(x.Data[i]+dx) * (w.Data[i] + dw) }
		require.InDelta(t, (y(h, 0)-y(-h, 0))/(2*h), out["dx"].Data[i], 1e-8)
		require.InDelta(t, (y(0, h)-y(0, -h))/(2*h), out["dw"].Data[i], 1e-8)
	}
}
