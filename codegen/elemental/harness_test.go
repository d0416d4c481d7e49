// This file has the helpers of the external tests: the LLVM tools, the
// attributes the CPU backend gives a kernel, and f32 values in order.
package elemental_test

import (
	"math"
	"strings"
	"testing"

	"dlc.dev/dlc/codegen"
	"dlc.dev/dlc/codegen/llvmtool"
	"dlc.dev/dlc/ir"

	llir "github.com/llir/llvm/ir"
	"github.com/llir/llvm/ir/enum"
)

// needTools returns the LLVM tools or skips the test with the reason.
func needTools(t testing.TB) *llvmtool.Tools {
	t.Helper()
	tools, err := llvmtool.FindTools()
	if err != nil {
		t.Skipf("skipping: cannot compile kernels: %v", err)
	}
	return tools
}

// funcAttrs are the attributes the CPU backend gives a kernel for target t.
func funcAttrs(t codegen.Target) []llir.FuncAttribute {
	attrs := []llir.FuncAttribute{enum.FuncAttrNoUnwind, llir.AttrPair{Key: "target-cpu", Value: t.CPU}}
	if len(t.Attrs) > 0 {
		attrs = append(attrs, llir.AttrPair{Key: "target-features", Value: strings.Join(t.Attrs, ",")})
	}
	return attrs
}

// ordered maps an f32 value to an integer such that adjacent floats differ
// by one (-0 and +0 are the same value).
func ordered(d ir.DType, x float64) int64 {
	if d != ir.F32 {
		panic("ordered: only f32")
	}
	b := int64(math.Float32bits(float32(x)))
	if b&(1<<31) != 0 {
		return -(b &^ (1 << 31))
	}
	return b
}
