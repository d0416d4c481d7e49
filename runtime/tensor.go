// This file defines Tensor, a view of caller-owned memory that Run reads or writes.
package runtime

import (
	"math"
	"unsafe"
)

// Tensor describes a caller-owned buffer: its dtype, its shape (row-major), its memory
// and the device that memory is on.
//
// The runtime reads and writes Data only during Run and keeps no reference to it once
// Run returns. Host memory at Data must be memory the Go garbage collector will not
// move (any heap-allocated slice qualifies; the constructors below take slices) or
// memory outside the Go heap. A Tensor whose Device is not the host holds a device
// address in Data; only a launcher for that device accepts it.
type Tensor struct {
	DType  DType
	Shape  []int64
	Data   unsafe.Pointer
	Len    int    // bytes available at Data
	Device Device // where Data points; the zero value is host memory
}

// shapeOr returns shape, or [n] when shape is empty.
func shapeOr(shape []int64, n int) []int64 {
	if len(shape) == 0 {
		return []int64{int64(n)}
	}
	return shape
}

// F32 wraps data as an f32 tensor. The shape defaults to [len(data)]; pass no
// dimensions for a vector. The shape slice is used as is, not copied.
func F32(data []float32, shape ...int64) Tensor {
	return Tensor{DType: Float32, Shape: shapeOr(shape, len(data)), Data: unsafe.Pointer(unsafe.SliceData(data)), Len: len(data) * 4}
}

// F64 wraps data as an f64 tensor; see F32.
func F64(data []float64, shape ...int64) Tensor {
	return Tensor{DType: Float64, Shape: shapeOr(shape, len(data)), Data: unsafe.Pointer(unsafe.SliceData(data)), Len: len(data) * 8}
}

// I32 wraps data as an i32 tensor; see F32.
func I32(data []int32, shape ...int64) Tensor {
	return Tensor{DType: Int32, Shape: shapeOr(shape, len(data)), Data: unsafe.Pointer(unsafe.SliceData(data)), Len: len(data) * 4}
}

// I64 wraps data as an i64 tensor; see F32.
func I64(data []int64, shape ...int64) Tensor {
	return Tensor{DType: Int64, Shape: shapeOr(shape, len(data)), Data: unsafe.Pointer(unsafe.SliceData(data)), Len: len(data) * 8}
}

// Bool wraps data as a bool tensor (one byte per element, 0 or 1); see F32.
func Bool(data []bool, shape ...int64) Tensor {
	return Tensor{DType: Boolean, Shape: shapeOr(shape, len(data)), Data: unsafe.Pointer(unsafe.SliceData(data)), Len: len(data)}
}

// FromBytes wraps raw little-endian element bytes in host memory, for dtypes without
// a Go type (f16, and bf16 as its 16-bit pattern) or data read from a file. An empty
// shape is a 0-d tensor (one element).
func FromBytes(dt DType, shape []int64, data []byte) Tensor {
	return Tensor{DType: dt, Shape: shape, Data: unsafe.Pointer(unsafe.SliceData(data)), Len: len(data)}
}

// Elements is the number of elements of the shape (1 for a 0-d tensor), or -1 if a
// dimension is negative or the product overflows an int64.
func (t Tensor) Elements() int64 {
	n := int64(1)
	for _, d := range t.Shape {
		if d < 0 || (d != 0 && n > math.MaxInt64/d) {
			return -1
		}
		n *= d
	}
	return n
}

// Bytes returns the tensor's host memory as a byte slice of Len bytes: a view, not a
// copy. It is nil for memory on a device, which the process cannot read directly.
func (t Tensor) Bytes() []byte {
	if t.Data == nil || t.Len <= 0 || t.Device.Kind != Host {
		return nil
	}
	return unsafe.Slice((*byte)(t.Data), t.Len)
}
