// This file tests the tensor constructors and views.
package runtime

import (
	"slices"
	"testing"

	"dlc.dev/dlc/ir"
)

func TestTensorConstructors(t *testing.T) {
	x := []float32{1, 2, 3, 4, 5, 6}
	tests := []struct {
		t     Tensor
		dt    ir.DType
		shape []int64
		len   int
	}{
		{F32(x), ir.F32, []int64{6}, 24},
		{F32(x, 2, 3), ir.F32, []int64{2, 3}, 24},
		{F64(make([]float64, 2)), ir.F64, []int64{2}, 16},
		{I32(make([]int32, 3)), ir.I32, []int64{3}, 12},
		{I64(make([]int64, 3)), ir.I64, []int64{3}, 24},
		{Bool(make([]bool, 5)), ir.Bool, []int64{5}, 5},
		{FromBytes(ir.BF16, []int64{2}, make([]byte, 4)), ir.BF16, []int64{2}, 4},
		{F32(nil), ir.F32, []int64{0}, 0},
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
