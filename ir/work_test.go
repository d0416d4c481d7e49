// This file tests work counting: polynomials of dimensions, and the work of
// each cost class, against counts made by hand.
package ir

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestCount(t *testing.T) {
	c := CountOf(Shape{SymDim("B"), ConstDim(4), SymDim("C")}) // 4*B*C
	c.Add(CountOf(Shape{SymDim("B")}).Scale(3))                // + 3*B
	c.Add(Count{"": 7})
	require.Equal(t, "4*B*C + 3*B + 7", c.String())
	n, err := EvalCount(c.String(), map[string]int64{"B": 2, "C": 10})
	require.NoError(t, err)
	require.Equal(t, int64(4*2*10+3*2+7), n)
	_, err = EvalCount(c.String(), map[string]int64{"B": 2})
	require.ErrorContains(t, err, "dimension C is not given")
	require.Equal(t, "0", Count{}.String())
	require.Equal(t, "2*K*M*N", CountOf(Shape{SymDim("N"), SymDim("M")}).Mul(CountOf(Shape{SymDim("K")})).Scale(2).String())
}

func TestWork(t *testing.T) {
	m, err := Parse(`func @w(%x: f32[B,C], %a: f32[M,K], %b: f32[K,N]) -> (s: f32[B], e: f32[B,C], y: f32[M,N], d: f32[B,C], r: f32[C,B]) {
  %4 = reduce_sum %x, axis=1 : f32[B]
  %5 = exp %x : f32[B,C]
  %6 = dot_general %a, %b contract=[1]x[0] : f32[M,N]
  %7 = div %5, %x : f32[B,C]
  %8 = transpose %x perm=[1,0] : f32[C,B]
  return s = %4, e = %5, y = %6, d = %7, r = %8
}
`)
	require.NoError(t, err)
	want := map[Op][2]string{
		OpReduceSum:  {"B*C", "0"},     // one add per element reduced
		OpExp:        {"B*C", "B*C"},   // one call per element
		OpDotGeneral: {"2*K*M*N", "0"}, // a multiply and an add per contracted index
		OpDiv:        {"B*C", "0"},
	}
	seen := 0
	for _, v := range m.Funcs[0].Body {
		ops, trans := Work(v)
		w, ok := want[v.Op]
		if !ok {
			require.Equal(t, "0", ops.String(), "%s does no arithmetic", v.Op)
			continue
		}
		seen++
		require.Equal(t, w[0], ops.String(), "%s ops", v.Op)
		require.Equal(t, w[1], trans.String(), "%s transcendentals", v.Op)
	}
	require.Equal(t, len(want), seen)
}
