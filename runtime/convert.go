// This file converts host data between f32 and the 16-bit float dtypes, with
// the rounding the compiled kernels use when they store or cast: round to
// nearest, ties to even.
package runtime

import (
	"encoding/binary"
	"fmt"
	"math"
	"unsafe"

	"dlc.dev/dlc/ir"
)

// BF16 wraps bf16 bit patterns as a bf16 tensor; see F32. BF16FromF32 fills
// such a slice from float32 values.
func BF16(data []uint16, shape ...int64) Tensor {
	return Tensor{DType: BFloat16, Shape: shapeOr(shape, len(data)), Data: unsafe.Pointer(unsafe.SliceData(data)), Len: len(data) * 2}
}

// F16 wraps IEEE half-precision bit patterns as an f16 tensor; see F32.
func F16(data []uint16, shape ...int64) Tensor {
	return Tensor{DType: Float16, Shape: shapeOr(shape, len(data)), Data: unsafe.Pointer(unsafe.SliceData(data)), Len: len(data) * 2}
}

// BF16FromF32 rounds src[i] to bf16 into dst[i], to nearest even, for i below
// min(len(dst), len(src)), and returns that count (like copy). A finite value
// of magnitude at least the largest bf16 plus half its ulp becomes ±inf;
// subnormals round like any other value; a NaN keeps its sign and the top 7
// bits of its payload and is made quiet (bit 6 set). These are the bits a
// kernel stores when it writes an f32 value to bf16.
func BF16FromF32(dst []uint16, src []float32) int {
	n := min(len(dst), len(src))
	for i, x := range src[:n] {
		dst[i] = ir.F32ToBF16(x)
	}
	return n
}

// F32FromBF16 widens src[i] into dst[i], exactly, for i below
// min(len(dst), len(src)), and returns that count. A bf16 is the top half of
// an f32, so every pattern, NaN payloads included, keeps its bits.
func F32FromBF16(dst []float32, src []uint16) int {
	n := min(len(dst), len(src))
	for i, h := range src[:n] {
		dst[i] = math.Float32frombits(uint32(h) << 16)
	}
	return n
}

// F16FromF32 rounds src[i] to IEEE half precision into dst[i], to nearest
// even, for i below min(len(dst), len(src)), and returns that count. From
// 65520 in magnitude on a finite value becomes ±inf; below 2^-14 it rounds
// to a subnormal half or to ±0; a NaN keeps its sign and the top 10 bits of
// its payload and is made quiet (bit 9 set), as F16C's vcvtps2ph does.
func F16FromF32(dst []uint16, src []float32) int {
	n := min(len(dst), len(src))
	for i, x := range src[:n] {
		dst[i] = ir.F32ToF16(x)
	}
	return n
}

// F32FromF16 widens src[i] into dst[i], exactly, for i below
// min(len(dst), len(src)), and returns that count. A NaN keeps its sign and
// payload and is made quiet, as F16C's vcvtph2ps does.
func F32FromF16(dst []float32, src []uint16) int {
	n := min(len(dst), len(src))
	for i, h := range src[:n] {
		dst[i] = ir.F16ToF32(h)
	}
	return n
}

// ConvertFloat returns a new host tensor of dtype to with t's shape and
// elements: f32 rounded to bf16 or f16 (BF16FromF32, F16FromF32), bf16 or
// f16 widened to f32, or a copy when the dtypes are the same. Other pairs,
// and memory that is not on the host, are errors.
func ConvertFloat(t Tensor, to DType) (Tensor, error) {
	n := t.Elements()
	b := t.Bytes()
	if n < 0 || int64(len(b)) < n*int64(t.DType.Size()) {
		return Tensor{}, fmt.Errorf("convert %s%v to %s: the tensor's host memory does not hold its elements", t.DType, t.Shape, to)
	}
	shape := append([]int64{}, t.Shape...)
	out := make([]byte, n*int64(to.Size()))
	le := binary.LittleEndian
	switch {
	case t.DType == to:
		copy(out, b)
	case t.DType == Float32 && to == BFloat16:
		for i := range n {
			le.PutUint16(out[2*i:], ir.F32ToBF16(math.Float32frombits(le.Uint32(b[4*i:]))))
		}
	case t.DType == Float32 && to == Float16:
		for i := range n {
			le.PutUint16(out[2*i:], ir.F32ToF16(math.Float32frombits(le.Uint32(b[4*i:]))))
		}
	case t.DType == BFloat16 && to == Float32:
		for i := range n {
			le.PutUint32(out[4*i:], uint32(le.Uint16(b[2*i:]))<<16)
		}
	case t.DType == Float16 && to == Float32:
		for i := range n {
			le.PutUint32(out[4*i:], math.Float32bits(ir.F16ToF32(le.Uint16(b[2*i:]))))
		}
	default:
		return Tensor{}, fmt.Errorf("cannot convert %s to %s (conversions: f32 to bf16 or f16, bf16 or f16 to f32)", t.DType, to)
	}
	return FromBytes(to, shape, out), nil
}
