// This file tests the tensor constructors and views.
package runtime

import (
	"fmt"
	"slices"
	"testing"

	"dlc.dev/dlc/ir"
)

func TestTensorConstructors(t *testing.T) {
	x := []float32{1, 2, 3, 4, 5, 6}
	tests := []struct {
		t     Tensor
		dt    DType
		shape []int64
		len   int
	}{
		{F32(x), Float32, []int64{6}, 24},
		{F32(x, 2, 3), Float32, []int64{2, 3}, 24},
		{F64(make([]float64, 2)), Float64, []int64{2}, 16},
		{I32(make([]int32, 3)), Int32, []int64{3}, 12},
		{I64(make([]int64, 3)), Int64, []int64{3}, 24},
		{Bool(make([]bool, 5)), Boolean, []int64{5}, 5},
		{FromBytes(BFloat16, []int64{2}, make([]byte, 4)), BFloat16, []int64{2}, 4},
		{F32(nil), Float32, []int64{0}, 0},
	}
	for _, tt := range tests {
		if tt.t.DType != tt.dt || !slices.Equal(tt.t.Shape, tt.shape) || tt.t.Len != tt.len || len(tt.t.Bytes()) != tt.len {
			t.Errorf("got %v %v len %d, want %v %v len %d", tt.t.DType, tt.t.Shape, tt.t.Len, tt.dt, tt.shape, tt.len)
		}
	}
	b := F32(x).Bytes()
	b[0], b[1], b[2], b[3] = 0, 0, 0x20, 0x41 // 10.0
	if x[0] != 10 {
		t.Errorf("Bytes is not a view: x[0] = %v", x[0])
	}
}

func TestTensorElementsAndDevice(t *testing.T) {
	for _, tt := range []struct {
		shape []int64
		want  int64
	}{{nil, 1}, {[]int64{0, 5}, 0}, {[]int64{2, 3, 4}, 24}, {[]int64{-1}, -1}, {[]int64{1 << 32, 1 << 32}, -1}} {
		if got := (Tensor{Shape: tt.shape}).Elements(); got != tt.want {
			t.Errorf("Elements(%v) = %d, want %d", tt.shape, got, tt.want)
		}
	}
	dev := F32([]float32{1, 2})
	dev.Device = CUDADevice(1)
	if dev.Bytes() != nil {
		t.Error("Bytes of device memory is not nil")
	}
	if got := fmt.Sprint(Device{}, " ", CUDADevice(1)); got != "host cuda:1" {
		t.Errorf("device names: %q", got)
	}
}

// TestDTypes checks that DType and the IR's dtypes agree on every value, name and size,
// so converting between them is a plain conversion.
func TestDTypes(t *testing.T) {
	n := 0
	for i := range 256 {
		d := ir.DType(i)
		if d == ir.Invalid || d.Size() == 0 {
			continue
		}
		n++
		r, err := ParseDType(d.String())
		if err != nil || uint8(r) != uint8(d) || r.Size() != d.Size() || r.String() != d.String() || r.IsInt() != d.IsInt() {
			t.Errorf("ir dtype %s: runtime has %v (size %d), %v", d, r, r.Size(), err)
		}
	}
	if n != len(dtypes) {
		t.Errorf("the IR has %d dtypes, the runtime %d", n, len(dtypes))
	}
	if _, err := ParseDType("f8"); err == nil || err.Error() != `unknown dtype "f8" (dtypes: f32 f64 f16 bf16 i32 i64 bool)` {
		t.Errorf("ParseDType(f8): %v", err)
	}
	if got := DType(200).String(); got != "dtype(200)" || DType(200).Size() != 0 {
		t.Errorf("invalid dtype: %s size %d", got, DType(200).Size())
	}
}
