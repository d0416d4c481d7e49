package ir

import (
	"math"
	"os"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestRowsAreComplete checks every row of the op table for what its traits
// promise: a type rule for every op that can appear in a body, a float64
// meaning for every elementwise op and reduction, and consistent attributes.
func TestRowsAreComplete(t *testing.T) {
	names := map[string]bool{}
	for _, op := range AllOps() {
		r := op.Info()
		require.False(t, names[r.Name], "duplicate name %s", r.Name)
		names[r.Name] = true
		back, ok := OpByName(r.Name)
		require.True(t, ok && back == op, r.Name)
		if op == OpParam {
			continue
		}
		require.NotNil(t, r.Type, "%s has no type rule", op)
		require.Equal(t, op.Has(Elementwise), r.Eval != nil, "%s: a float64 meaning exactly when elementwise", op)
		require.Equal(t, op.Has(Reduction), r.Reduce != nil, "%s: a reduction meaning exactly when a reduction", op)
		require.Equal(t, op.Has(Reduction), op.Takes(AttrInit|AttrKeepDims), "%s: reductions take init and keepdims", op)
		if op.Has(AlongAxis) {
			require.True(t, op.Takes(AttrAxis), "%s works along an axis but takes none", op)
		}
		if op.Has(Reduction) {
			require.Equal(t, PrecisionF32, r.Precision, "%s: every reduction stays in f32 (MATH.md §4)", op)
		}
		require.Equal(t, op.Has(Contraction), r.Cost == CostContraction, "%s: the contraction cost class is for contractions", op)
		require.Equal(t, op.Has(Contraction), r.Precision == PrecisionLow,
			"%s: exactly the contractions may run in low precision, accumulating in f32 (MATH.md §4)", op)
		if op.Has(Contraction) {
			require.True(t, op.Takes(AttrDot) && r.Arity == 2 && r.VJP != nil, "%s: a contraction of two operands with dimension numbers and a gradient", op)
		}
		if op.Has(NoGrad) {
			require.Nil(t, r.VJP, "%s is NoGrad but has a gradient rule", op)
		}
		if op.Has(Elementwise) && op.Has(FloatOnly) && r.Arity == 1 {
			require.GreaterOrEqual(t, r.Cost, CostCheap, op.String())
		}
	}
}

// TestEveryOpInTestdata checks that testdata/ops.ir and contract.ir together
// use every op, so that the round trip, the verifier and the interpreter
// cover each one, and compares some results of ops.ir with values computed
// independently (contract_test.go does so for contract.ir). The code
// generator runs ops.ir; contract.ir holds the ops it does not compile yet.
func TestEveryOpInTestdata(t *testing.T) {
	used := map[Op]bool{}
	var m *Module
	for _, file := range []string{"testdata/contract.ir", "testdata/ops.ir"} {
		src, err := os.ReadFile(file)
		require.NoError(t, err)
		m, err = Parse(string(src))
		require.NoError(t, err)
		require.NoError(t, Verify(m))
		for _, f := range m.Funcs {
			for _, v := range f.Body {
				used[v.Op] = true
			}
		}
	}
	for _, op := range AllOps() {
		if op != OpParam && !used[op] {
			t.Errorf("neither testdata/ops.ir nor contract.ir uses %s", op)
		}
	}
	x := &Array{Shape: []int64{2, 3}, Data: []float64{0.5, -1.25, 2, 3, math.Inf(-1), -0.75}}
	i := &Array{Shape: []int64{2, 2}, Data: []float64{2, 0, 1, 1}}
	n := &Array{Shape: []int64{2, 3}, Data: []float64{1, -2, 3, 4, 5, 6}}
	out, err := Interpret(m, "ops", Inputs{Tensors: map[string]*Array{"x": x, "i": i, "n": n}})
	require.NoError(t, err)
	require.Equal(t, []float64{2, 0.5, math.Inf(-1), math.Inf(-1)}, out["pick"].Data)
	require.Equal(t, []float64{0.5, 0, 2, 0, math.Inf(-1), 0}, out["scat"].Data, "pick added back where it was read")
	for j, v := range x.Data { // d/dx sum(x*stop_gradient(x)) = x, not 2x
		require.Equal(t, v, out["dx"].Data[j])
	}
	require.Equal(t, []float64{0, 1, 2, 0, 1, 2}, out["cols"].Data)
	require.Equal(t, []float64{1, -2.5, 4, 6, math.Inf(-1), -1.5}, out["call"].Data)
	for j, v := range x.Data[:3] { // sin x cos x = sin(2x)/2
		require.InDelta(t, math.Sin(2*v)/2, out["trig"].Data[j], 1e-15)
	}
	require.Equal(t, 1.25+2-1.25, out["red"].Data[0]) // sum + max(0, x...) + min
	require.Equal(t, 2.0+(-1.25), out["nan"].Data[0])
}

// TestSinCos checks sin and cos at exact points, their symmetries, and
// special values.
func TestSinCos(t *testing.T) {
	for _, d := range []DType{F32, F64} {
		require.Equal(t, 0.0, EvalOp(OpSin, d, 0))
		require.True(t, math.Signbit(EvalOp(OpSin, d, math.Copysign(0, -1))), "sin(-0) = -0")
		require.Equal(t, 1.0, EvalOp(OpCos, d, 0))
		require.InDelta(t, 0.5, EvalOp(OpSin, d, math.Pi/6), 1e-15)
		require.InDelta(t, 0.5, EvalOp(OpCos, d, math.Pi/3), 1e-15)
		require.InDelta(t, 1, EvalOp(OpSin, d, math.Pi/2), 1e-15)
		require.InDelta(t, -1, EvalOp(OpCos, d, math.Pi), 1e-15)
		for _, x := range []float64{0.1, 1, 2.5, 10, 1e3, 1e6, 12345.678} {
			s, c := EvalOp(OpSin, d, x), EvalOp(OpCos, d, x)
			require.Equal(t, -s, EvalOp(OpSin, d, -x), "sin is odd")
			require.Equal(t, c, EvalOp(OpCos, d, -x), "cos is even")
			require.InDelta(t, 1, s*s+c*c, 1e-14)
		}
		for _, x := range []float64{math.NaN(), math.Inf(1), math.Inf(-1)} {
			require.True(t, math.IsNaN(EvalOp(OpSin, d, x)))
			require.True(t, math.IsNaN(EvalOp(OpCos, d, x)))
		}
	}
}
