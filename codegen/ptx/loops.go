// This file emits a loops kernel (horizontal fusion) for the GPU: one
// grid-stride loop over the loops' common index space; each element finds
// its loop by the loops' upper bounds and computes that loop's values at its
// index within it.
package ptx

import (
	"dlc.dev/dlc/codegen/kernelir"
	"dlc.dev/dlc/ir"

	llir "github.com/llir/llvm/ir"
	"github.com/llir/llvm/ir/enum"
	"github.com/llir/llvm/ir/value"
)

// emitLoops emits loops kernel k.
func emitLoops(k *kernel) (err error) {
	defer catch(&err)
	p, e := k.p, k.e
	defer func() { k.p = p }()
	vals := map[*ir.Value]value.Value{}
	for s, x := range k.Scalars {
		vals[s] = x
	}
	b := k.entry
	kernelir.LoadInputs(e, b, kernelir.ScalarBuffers(p), func(i int) value.Value { return k.Ptrs[i] }, vals)
	var cerr error
	exit := k.gridLoop(b, "elem", func(b *llir.Block, i value.Value) *llir.Block {
		join := k.block("loops.join")
		cur := b
		for _, part := range p.Parts {
			in, next := k.block("loop"), k.block("loop.next")
			cur.NewCondBr(cur.NewICmp(enum.IPredSLT, i, i64(part.Offset+part.Size)), in, next)
			j := in.NewSub(i, i64(part.Offset))
			bufs := kernelir.PartBuffers(p, part.Bufs)
			at := func(bi int) value.Value { return k.elem(in, bi, j) }
			kernelir.LoadInputs(e, in, bufs, at, vals)
			k.p = part.Kernel
			cerr = k.e.EmitValues(in, k.p.Values, vals, false, func(v *ir.Value) value.Value { return iotaOf(k, in, v, j) }, nil)
			k.p = p
			if cerr != nil {
				return join
			}
			kernelir.StoreOutputs(e, in, bufs, at, vals)
			in.NewBr(join)
			cur = next
		}
		cur.NewBr(join)
		return join
	})
	if cerr != nil {
		return cerr
	}
	exit.NewRet(nil)
	return nil
}
