// This file gives every elementwise op its float64 meaning, named by its row
// in the op table (ops.go). The interpreter, constant folding and host
// evaluation all use EvalOp, so they cannot disagree.
package ir

import (
	"fmt"
	"math"
)

// EvalOp applies an elementwise op with result dtype d to float64 operands:
// the meaning in its table row. Integers and bools are carried exactly in
// float64; bools are 0 or 1.
func EvalOp(op Op, d DType, a ...float64) float64 {
	eval := op.row().Eval
	if eval == nil {
		panic(fmt.Sprintf("EvalOp: %s is not elementwise", op))
	}
	return eval(d, a)
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

func evalNeg(d DType, x []float64) float64 { return wrapInt(d, -x[0]) }
func evalAbs(d DType, x []float64) float64 { return wrapInt(d, math.Abs(x[0])) }

// evalSign is +1, -1, or x itself for ±0 and NaN (MATH.md §0).
func evalSign(x float64) float64 {
	switch {
	case x > 0:
		return 1
	case x < 0:
		return -1
	}
	return x
}

func evalRsqrt(x float64) float64 { return 1 / math.Sqrt(x) }

// evalSigmoid is the logistic function without overflow for either sign.
func evalSigmoid(x float64) float64 {
	if x >= 0 {
		return 1 / (1 + math.Exp(-x))
	}
	e := math.Exp(x)
	return e / (1 + e)
}

func evalNot(x float64) float64 { return b2f(x == 0) }

// evalAdd, evalSub and evalMul compute integers in exact two's-complement
// arithmetic, wrapping like the kernels.
func evalAdd(d DType, a []float64) float64 {
	if d.IsInt() {
		return wrapInt64(d, int64(a[0])+int64(a[1]))
	}
	return a[0] + a[1]
}

func evalSub(d DType, a []float64) float64 {
	if d.IsInt() {
		return wrapInt64(d, int64(a[0])-int64(a[1]))
	}
	return a[0] - a[1]
}

func evalMul(d DType, a []float64) float64 {
	if d.IsInt() {
		return wrapInt64(d, int64(a[0])*int64(a[1]))
	}
	return a[0] * a[1]
}

// evalDiv divides; integer division truncates and x/0 is 0, as the kernels do.
func evalDiv(d DType, a []float64) float64 {
	x, y := a[0], a[1]
	if d.IsInt() {
		if y == 0 {
			return 0
		}
		return wrapInt(d, math.Trunc(x/y))
	}
	return x / y
}

func evalMin(_ DType, a []float64) float64 { return nanMin(a[0], a[1]) }
func evalMax(_ DType, a []float64) float64 { return nanMax(a[0], a[1]) }
func evalPow(_ DType, a []float64) float64 { return math.Pow(a[0], a[1]) }
func evalAnd(_ DType, a []float64) float64 { return b2f(a[0] != 0 && a[1] != 0) }
func evalOr(_ DType, a []float64) float64  { return b2f(a[0] != 0 || a[1] != 0) }
func evalEq(_ DType, a []float64) float64  { return b2f(a[0] == a[1]) }
func evalNe(_ DType, a []float64) float64  { return b2f(a[0] != a[1]) }
func evalLt(_ DType, a []float64) float64  { return b2f(a[0] < a[1]) }
func evalLe(_ DType, a []float64) float64  { return b2f(a[0] <= a[1]) }
func evalGt(_ DType, a []float64) float64  { return b2f(a[0] > a[1]) }
func evalGe(_ DType, a []float64) float64  { return b2f(a[0] >= a[1]) }

func evalSelect(_ DType, a []float64) float64 {
	if a[0] != 0 {
		return a[1]
	}
	return a[2]
}

func evalClamp(_ DType, a []float64) float64 { return nanMin(nanMax(a[0], a[1]), a[2]) }
func evalCast(d DType, a []float64) float64  { return Convert(a[0], d) }

// nanMin is the minimum that propagates NaN from either side (jnp.minimum).
func nanMin(x, y float64) float64 {
	if math.IsNaN(x) || math.IsNaN(y) {
		return math.NaN()
	}
	return math.Min(x, y)
}

// nanMax is the maximum that propagates NaN from either side (jnp.maximum).
func nanMax(x, y float64) float64 {
	if math.IsNaN(x) || math.IsNaN(y) {
		return math.NaN()
	}
	return math.Max(x, y)
}

// wrapInt64 is the integer r of dtype d, wrapped to 32 bits for i32.
func wrapInt64(d DType, r int64) float64 {
	if d == I32 {
		return float64(int32(r))
	}
	return float64(r)
}

func wrapInt(d DType, x float64) float64 {
	switch d {
	case I32:
		return float64(int32(int64(x)))
	}
	return x
}

// Convert rounds x to what dtype d can hold: floats to the nearest representable
// value (round to nearest even), integers toward zero (NaN to 0, saturating), bools to 0/1.
func Convert(x float64, d DType) float64 {
	switch d {
	case F32:
		return float64(float32(x))
	case F16:
		return float64(F16ToF32(F32ToF16(float32(x))))
	case BF16:
		return float64(BF16ToF32(F32ToBF16(float32(x))))
	case I32:
		if math.IsNaN(x) {
			return 0
		}
		return math.Max(math.MinInt32, math.Min(math.MaxInt32, math.Trunc(x)))
	case I64:
		if math.IsNaN(x) {
			return 0
		}
		return math.Max(math.MinInt64, math.Min(math.MaxInt64, math.Trunc(x)))
	case Bool:
		if x != 0 {
			return 1
		}
		return 0
	}
	return x
}

// F32ToBF16 rounds to bfloat16 with round-to-nearest-even. A NaN keeps its
// sign and the top 7 bits of its payload and is made quiet; a finite value
// from the largest bf16 plus half an ulp on becomes inf.
func F32ToBF16(f float32) uint16 {
	b := math.Float32bits(f)
	if f != f {
		return uint16(b>>16) | 0x40
	}
	b += 0x7fff + (b>>16)&1
	return uint16(b >> 16)
}

// BF16ToF32 widens a bfloat16 exactly: its bits are the top half of an f32
// (a signalling NaN stays signalling).
func BF16ToF32(h uint16) float32 { return math.Float32frombits(uint32(h) << 16) }

// F32ToF16 rounds to IEEE half precision with round-to-nearest-even. A NaN
// keeps its sign and the top 10 bits of its payload and is made quiet, as
// F16C's vcvtps2ph does (and the compiled kernels).
func F32ToF16(f float32) uint16 {
	b := math.Float32bits(f)
	sign := uint16(b>>16) & 0x8000
	exp := int32(b>>23) & 0xff
	man := b & 0x7fffff
	switch {
	case exp == 0xff: // inf or NaN
		if man != 0 {
			return sign | 0x7e00 | uint16(man>>13)
		}
		return sign | 0x7c00
	case exp-127 > 15: // overflow
		return sign | 0x7c00
	case exp-127 >= -14: // normal
		e := uint32(exp-127+15) << 10
		m := man >> 13
		h := e | m
		rest := man & 0x1fff
		if rest > 0x1000 || (rest == 0x1000 && h&1 == 1) {
			h++ // may carry into the exponent, up to inf: correct
		}
		return sign | uint16(h)
	case exp-127 >= -25: // subnormal half
		man |= 0x800000
		shift := uint32(-14-(exp-127)) + 13
		m := man >> shift
		rest := man & (1<<shift - 1)
		half := uint32(1) << (shift - 1)
		if rest > half || (rest == half && m&1 == 1) {
			m++
		}
		return sign | uint16(m)
	}
	return sign
}

// F16ToF32 widens a half exactly. A NaN keeps its sign and payload and is
// made quiet, as F16C's vcvtph2ps does (and the compiled kernels).
func F16ToF32(h uint16) float32 {
	sign := uint32(h&0x8000) << 16
	exp := uint32(h>>10) & 0x1f
	man := uint32(h & 0x3ff)
	switch {
	case exp == 0x1f && man != 0:
		return math.Float32frombits(sign | 0x7fc00000 | man<<13)
	case exp == 0x1f:
		return math.Float32frombits(sign | 0x7f800000)
	case exp == 0:
		if man == 0 {
			return math.Float32frombits(sign)
		}
		f := float32(man) / 1024 / 16384
		if sign != 0 {
			f = -f
		}
		return f
	}
	return math.Float32frombits(sign | (exp+127-15)<<23 | man<<13)
}
