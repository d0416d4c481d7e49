// This file holds the index arithmetic of gathers and scatters, in row and
// axis kernels alike: an index widened to i64 and clamped into its axis, and
// the masked step of a scatter_add.
package kernelir

import (
	"dlc.dev/dlc/ir"

	llir "github.com/llir/llvm/ir"
	"github.com/llir/llvm/ir/enum"
	"github.com/llir/llvm/ir/types"
	"github.com/llir/llvm/ir/value"
)

// IndexBounds is, in b, whether an axis of n elements (i64) has any, and the
// last valid index along it (0 when it has none).
func IndexBounds(b *llir.Block, n value.Value) (nonEmpty, hi value.Value) {
	nonEmpty = b.NewICmp(enum.IPredSGT, n, i64(0))
	return nonEmpty, b.NewSelect(nonEmpty, b.NewSub(n, i64(1)), i64(0))
}

// Index64 is index x, of integer dtype d, as an i64.
func Index64(b *llir.Block, x value.Value, d ir.DType) value.Value {
	if d != ir.I64 {
		return b.NewSExt(x, types.I64)
	}
	return x
}

// Clamp is index ix (i64) clamped into [0, hi]: the runtime checks index
// inputs before any kernel runs, and a computed index is clamped so that no
// kernel ever reads out of bounds.
func Clamp(b *llir.Block, ix, hi value.Value) value.Value {
	ix = b.NewSelect(b.NewICmp(enum.IPredSLT, ix, i64(0)), i64(0), ix)
	return b.NewSelect(b.NewICmp(enum.IPredSGT, ix, hi), hi, ix)
}

// ScatterStep is one update x of a scatter_add at output position j: the
// accumulator acc (an alloca of register type reg) adds x when the update's
// index ix is j, and keeps its value otherwise.
func ScatterStep(b *llir.Block, reg types.Type, acc, ix, j, x value.Value) {
	sum := b.NewFAdd(b.NewLoad(reg, acc), x)
	b.NewStore(b.NewSelect(b.NewICmp(enum.IPredEQ, ix, j), sum, b.NewLoad(reg, acc)), acc)
}
