package ir

import (
	"math"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestInterpretShapes(t *testing.T) {
	m, err := Parse(`func @f(%x: f32[B,C], %idx: i32[B,K], %w: f32[C]) -> (lse: f32[B], lse0: f32[B,1], g: f32[B,K], col: f32[1,C], io: i32[B,C], e: f32[B,C], mx: f32[B]) {
  %3 = reduce_lse %x, axis=1 : f32[B]
  %4 = reduce_lse %x, axis=1, keepdims, init=0 : f32[B,1]
  %5 = take_along_axis %x, %idx, axis=1 : f32[B,K]
  %6 = reduce_sum %x, axis=0, keepdims : f32[1,C]
  %7 = iota axis=1 : i32[B,C]
  %8 = sub %x, %4 : f32[B,C]
  %9 = add %8, %w : f32[B,C]
  %10 = reduce_max %x, axis=1 : f32[B]
  return lse = %3, lse0 = %4, g = %5, col = %6, io = %7, e = %9, mx = %10
}
`)
	require.NoError(t, err)
	ninf := math.Inf(-1)
	x := &Array{Shape: []int64{2, 3}, Data: []float64{1, 2, 3, ninf, ninf, ninf}}
	idx := &Array{Shape: []int64{2, 2}, Data: []float64{2, 0, 1, 1}}
	w := &Array{Shape: []int64{3}, Data: []float64{10, 20, 30}}
	out, err := Interpret(m, "f", Inputs{Tensors: map[string]*Array{"x": x, "idx": idx, "w": w}})
	require.NoError(t, err)
	lse := math.Log(math.E + math.Exp(2) + math.Exp(3))
	require.InDelta(t, lse, out["lse"].Data[0], 1e-15)
	require.True(t, math.IsInf(out["lse"].Data[1], -1), "an all-absent row has LSE -inf")
	require.InDelta(t, math.Log(1+math.E+math.Exp(2)+math.Exp(3)), out["lse0"].Data[0], 1e-15)
	require.Equal(t, 0.0, out["lse0"].Data[1], "LSE(0, all absent) = 0")
	require.Equal(t, []float64{3, 1, ninf, ninf}, out["g"].Data)
	require.Equal(t, []float64{ninf, ninf, ninf}, out["col"].Data)
	require.Equal(t, []float64{0, 1, 2, 0, 1, 2}, out["io"].Data)
	require.InDelta(t, 1-out["lse0"].Data[0]+10, out["e"].Data[0], 1e-12)
	require.Equal(t, []float64{3, ninf}, out["mx"].Data)

	idx.Data[0] = 3
	_, err = Interpret(m, "f", Inputs{Tensors: map[string]*Array{"x": x, "idx": idx, "w": w}})
	require.ErrorContains(t, err, "index 3 out of range [0, 3)")
}

func TestReduceNaN(t *testing.T) {
	nan := math.NaN()
	for _, op := range []Op{OpReduceSum, OpReduceMax, OpReduceMin, OpReduceLSE} {
		require.True(t, math.IsNaN(Reduce(op, F32, ReductionIdentity(op), []float64{1, nan, 2})), op.String())
	}
	require.True(t, math.IsInf(Reduce(OpReduceLSE, F32, 0, []float64{math.Inf(1), 1}), 1))
}
