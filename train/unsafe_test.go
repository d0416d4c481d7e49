// This file views a runtime tensor's memory as a Go slice, for the tests.
package train

import (
	"unsafe"

	"dlc.dev/dlc/runtime"
)

func unsafeSliceI32(ts runtime.Tensor) []int32 {
	return unsafe.Slice((*int32)(ts.Data), ts.Len/4)
}

func unsafeSliceF32(ts runtime.Tensor) []float32 {
	return unsafe.Slice((*float32)(ts.Data), ts.Len/4)
}
