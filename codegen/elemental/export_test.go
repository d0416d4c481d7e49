// This file exports to the external tests (vecmath_test.go, which compiles
// through the CPU backend) what they need of the package's internals.
package elemental

import (
	llir "github.com/llir/llvm/ir"
	"github.com/llir/llvm/ir/types"
	"github.com/llir/llvm/ir/value"
)

// InlineF32 emits the inline f32 function name of vecmath.go on x into b.
func InlineF32(e *Elemental, name string, b *llir.Block, x value.Value) value.Value {
	return vecMath32[name](fb{b, e}, x)
}

// Libcall declares (once) a pure library function.
func (e *Elemental) Libcall(name string, ret types.Type, params ...types.Type) *llir.Func {
	return e.libcall(name, ret, params...)
}
