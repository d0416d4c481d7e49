// This file exports to the external tests (vecmath_test.go, which compiles
// through the CPU backend) what they need of the package's internals.
package elemental

import (
	"maps"
	"slices"

	"dlc.dev/dlc/ir"

	llir "github.com/llir/llvm/ir"
	"github.com/llir/llvm/ir/types"
	"github.com/llir/llvm/ir/value"
)

// InlineF32 emits the inline f32 function of vecmath.go for op on x into b.
func InlineF32(e *Elemental, op ir.Op, b *llir.Block, x value.Value) value.Value {
	return vecMath32[op](fb{b, e}, x)
}

// ErfcMax is where erfc's argument is clamped (its result there is +0).
const ErfcMax = erfcMax

// InlineOps are the ops with an inline f32 function, in op order.
func InlineOps() []ir.Op { return slices.Sorted(maps.Keys(vecMath32)) }

// Libcall declares (once) a pure library function.
func (e *Elemental) Libcall(name string, ret types.Type, params ...types.Type) *llir.Func {
	return e.libcall(name, ret, params...)
}
