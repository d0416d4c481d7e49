// This file defines DType, the element type of a tensor, so that programs using the
// runtime need nothing from the compiler's IR. Its values and names are those of the
// IR's dtypes (a test keeps them in step), which makes converting between them free.
package runtime

import (
	"fmt"

	"dlc.dev/dlc/ir"
)

// DType is the element type of a tensor. Its names ("f32", "bf16", ...) are the ones
// dlc sources and artifact manifests use.
type DType uint8

// The dtypes. bf16 and f16 have no Go type: their elements are 16-bit patterns.
// A Boolean element is one byte, 0 or 1.
const (
	Float32  = DType(ir.F32)
	Float64  = DType(ir.F64)
	Float16  = DType(ir.F16)
	BFloat16 = DType(ir.BF16)
	Int32    = DType(ir.I32)
	Int64    = DType(ir.I64)
	Boolean  = DType(ir.Bool)
)

// dtypes lists every valid DType.
var dtypes = [...]DType{Float32, Float64, Float16, BFloat16, Int32, Int64, Boolean}

// ParseDType returns the dtype with the given name: f32, f64, f16, bf16, i32, i64 or bool.
func ParseDType(name string) (DType, error) {
	for _, d := range dtypes {
		if d.String() == name {
			return d, nil
		}
	}
	return 0, fmt.Errorf("unknown dtype %q (dtypes: f32 f64 f16 bf16 i32 i64 bool)", name)
}

// String is the dtype's name, e.g. "f32".
func (d DType) String() string {
	if !d.valid() {
		return fmt.Sprintf("dtype(%d)", uint8(d))
	}
	return ir.DType(d).String()
}

// Size is the size of one element in bytes; 0 for an invalid dtype.
func (d DType) Size() int {
	if !d.valid() {
		return 0
	}
	return ir.DType(d).Size()
}

func (d DType) valid() bool {
	switch d {
	case Float32, Float64, Float16, BFloat16, Int32, Int64, Boolean:
		return true
	}
	return false
}

// IsInt reports whether d is an integer dtype.
func (d DType) IsInt() bool { return d == Int32 || d == Int64 }
