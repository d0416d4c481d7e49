// This file emits a loops kernel (horizontal fusion): one exported function
// with the runtime's ABI over the loops' common index space [0, total) that
// clips the chunk [begin, end) to each loop's range and calls that loop's
// body, a plain loop kernel body over its own buffers.
package cpu

import (
	"dlc.dev/dlc/codegen"
	"dlc.dev/dlc/codegen/elemental"
	"dlc.dev/dlc/codegen/plan"

	llir "github.com/llir/llvm/ir"
	"github.com/llir/llvm/ir/constant"
	"github.com/llir/llvm/ir/enum"
	"github.com/llir/llvm/ir/types"
	"github.com/llir/llvm/ir/value"
)

// emitLoops emits loops kernel p: a body per loop and the exported entry.
func emitLoops(e *elemental.Elemental, mod *llir.Module, p *plan.Kernel, t codegen.Target) error {
	bodies := make([]*llir.Func, len(p.Parts))
	for i, part := range p.Parts {
		b, err := emitBody(e, mod, part.Kernel, t)
		if err != nil {
			return err
		}
		bodies[i] = b
	}
	a := newABIFunc(e, mod, p, Symbol(p.Fn.Name, p.Group), t)
	cur := a.entry
	for i, part := range p.Parts {
		off := constant.NewInt(types.I64, part.Offset)
		stop := constant.NewInt(types.I64, part.Offset+part.Size)
		lo := cur.NewSelect(cur.NewICmp(enum.IPredSGT, a.begin, off), a.begin, off)
		hi := cur.NewSelect(cur.NewICmp(enum.IPredSLT, a.end, stop), a.end, stop)
		call, next := a.fn.NewBlock(""), a.fn.NewBlock("")
		cur.NewCondBr(cur.NewICmp(enum.IPredSLT, lo, hi), call, next)
		args := []value.Value{call.NewSub(lo, off), call.NewSub(hi, off)}
		for _, j := range part.Bufs {
			args = append(args, a.ptrs[j])
		}
		args = append(args, a.scalars...)
		call.NewCall(bodies[i], args...)
		call.NewBr(next)
		cur = next
	}
	cur.NewRet(nil)
	return nil
}
