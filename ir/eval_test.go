package ir

import (
	"math"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestEvalOpIntegersWrapExactly(t *testing.T) {
	require.Equal(t, 1.0, EvalOp(OpMul, I32, math.MaxInt32, math.MaxInt32))
	require.Equal(t, float64(math.MinInt32), EvalOp(OpAdd, I32, math.MaxInt32, 1))
	require.Equal(t, -3.0, EvalOp(OpDiv, I32, -7, 2))
	require.Equal(t, 0.0, EvalOp(OpDiv, I32, 7, 0))
}

func TestEvalOpSignAndNaN(t *testing.T) {
	require.True(t, math.Signbit(EvalOp(OpSign, F32, math.Copysign(0, -1))))
	require.True(t, math.IsNaN(EvalOp(OpSign, F32, math.NaN())))
	require.True(t, math.IsNaN(EvalOp(OpMax, F32, math.NaN(), 1)))
	require.True(t, math.IsNaN(EvalOp(OpMin, F32, 1, math.NaN())))
	require.Equal(t, 1.0, EvalOp(OpNe, Bool, math.NaN(), math.NaN()))
}

func TestHalfConversions(t *testing.T) {
	require.Equal(t, uint16(0x3c00), F32ToF16(1))
	require.Equal(t, uint16(0x7bff), F32ToF16(65504))
	require.Equal(t, uint16(0x7c00), F32ToF16(65520)) // rounds up to inf
	require.Equal(t, uint16(0x0001), F32ToF16(float32(math.Ldexp(1, -24))))
	require.Equal(t, float32(65504), F16ToF32(0x7bff))
	require.Equal(t, uint16(0x3f80), F32ToBF16(1))
	require.Equal(t, uint16(0x3f80), F32ToBF16(1+1.0/256)) // tie to even: down
	require.Equal(t, uint16(0x3f82), F32ToBF16(1+3.0/256)) // tie to even: up
	for h := 0; h < 1<<16; h++ {                           // every half round-trips through f32
		f := F16ToF32(uint16(h))
		if f != f {
			continue
		}
		require.Equal(t, uint16(h), F32ToF16(f), "half %#04x", h)
	}
}
