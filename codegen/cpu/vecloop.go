// This file builds a loop kernel's element code once, as scalar code at an
// index of its own, and widens it into a vector loop (widen.go): for the
// loops whose vector form dlc writes itself instead of leaving it to opt's
// loop vectoriser, the streaming variant (stream.go) and, on targets with
// Caps.BF16Round, a loop that rounds to bf16 (emitBody).
package cpu

import (
	"dlc.dev/dlc/codegen"
	"dlc.dev/dlc/codegen/elemental"
	"dlc.dev/dlc/codegen/plan"
	"dlc.dev/dlc/ir"

	llir "github.com/llir/llvm/ir"
	"github.com/llir/llvm/ir/constant"
	"github.com/llir/llvm/ir/enum"
	"github.com/llir/llvm/ir/types"
	"github.com/llir/llvm/ir/value"
)

// elementCode is a loop kernel's scalar element code in a block of no
// function, with its loads and stores described for the widener.
type elementCode struct {
	insts []llir.Instruction
	mem   map[llir.Instruction]memOp
	j     *llir.Param // the element index; only memory operations use it
}

// newElementCode builds the element code of loop kernel p: it loads the
// element inputs from ptrs (per buffer), computes p's values from vals (the
// scalar values, known already) and stores the element outputs outs (buffer
// indices). It is nil if a value cannot be computed.
func newElementCode(e *elemental.Elemental, p *plan.Kernel, ptrs []value.Value, vals map[*ir.Value]value.Value, outs []int) *elementCode {
	code := llir.NewBlock("")
	c := &elementCode{mem: map[llir.Instruction]memOp{}, j: llir.NewParam("j", types.I64)}
	known := map[*ir.Value]value.Value{}
	for v, x := range vals {
		known[v] = x
	}
	elem := func(i int) (*llir.InstGetElementPtr, types.Type) {
		mt := e.MemType(p.Buffers[i].Value.Type.DType)
		g := code.NewGetElementPtr(mt, ptrs[i], c.j)
		g.InBounds = true
		c.mem[g] = memOp{kind: memSkip}
		return g, mt
	}
	for i, b := range p.Buffers {
		if !b.Ref.Writes && !b.Value.Type.IsScalar() {
			g, mt := elem(i)
			ld := code.NewLoad(mt, g)
			c.mem[ld] = memOp{kind: memLoad, ptr: ptrs[i], typ: mt}
			known[b.Value] = e.Widen(code, b.Value.Type.DType, ld)
		}
	}
	if err := e.EmitValues(code, p.Values, known, false, nil, nameIR); err != nil {
		return nil
	}
	for _, i := range outs {
		v := p.Buffers[i].Value
		x := e.Narrow(code, v.Type.DType, known[v])
		g, mt := elem(i)
		st := code.NewStore(x, g)
		c.mem[st] = memOp{kind: memStore, ptr: ptrs[i], val: x, typ: mt}
	}
	c.insts = code.Insts
	return c
}

// elementOutputs are the buffers of p that a loop writes element by element.
func elementOutputs(p *plan.Kernel) []int {
	var outs []int
	for i, b := range p.Buffers {
		if b.Ref.Writes && !b.Value.Type.IsScalar() {
			outs = append(outs, i)
		}
	}
	return outs
}

// vectorLoop emits loop, entered from b, over elements [from, to), whose
// length is a multiple of n*unroll: each iteration computes unroll vectors
// of n elements with the element code widened, the conditions in fixed
// taken as known. Splats go to pre, which dominates b; after the loop it
// branches to done. It fails if the code cannot be widened.
func (c *elementCode) vectorLoop(e *elemental.Elemental, pre, b, loop, done *llir.Block, from, to value.Value, n, unroll int, fixed map[value.Value]bool) error {
	b.NewBr(loop)
	jv := loop.NewPhi(llir.NewIncoming(from, b))
	for u := 0; u < unroll; u++ {
		at := value.Value(jv)
		if u > 0 {
			add := loop.NewAdd(jv, i64(int64(u*n)))
			add.OverflowFlags = []enum.OverflowFlag{enum.OverflowFlagNUW, enum.OverflowFlagNSW}
			at = add
		}
		w := newWidener(e, pre, loop, c.mem)
		w.forbid, w.j, w.n = c.j, at, n
		for cond, v := range fixed {
			w.m[cond] = splatN(constant.NewBool(v), n)
		}
		if err := w.run(c.insts); err != nil {
			return err
		}
	}
	next := loop.NewAdd(jv, i64(int64(unroll*n)))
	next.OverflowFlags = []enum.OverflowFlag{enum.OverflowFlagNUW, enum.OverflowFlagNSW}
	loop.NewCondBr(loop.NewICmp(enum.IPredSLT, next, to), loop, done)
	jv.Incs = append(jv.Incs, llir.NewIncoming(next, loop))
	return nil
}

// splatN is the vector of n copies of c.
func splatN(c constant.Constant, n int) value.Value {
	elems := make([]constant.Constant, n)
	for i := range elems {
		elems[i] = c
	}
	return constant.NewVector(types.NewVector(uint64(n), c.Type()), elems...)
}

// roundsToBF16 reports whether the element code rounds a float to bf16 by
// a call that the widener gives the target's instruction (bf16round.go).
func (c *elementCode) roundsToBF16(e *elemental.Elemental) bool {
	for _, in := range c.insts {
		if call, ok := in.(*llir.InstCall); ok {
			if f, ok := call.Callee.(*llir.Func); ok && e.IsBF16Round(f) {
				return true
			}
		}
	}
	return false
}

// bf16LoopLanes is the width of a loop kernel's vector loop for
// Caps.BF16Round: a target with it has AVX-512, and one zmm vector per
// iteration rounds with one vcvtneps2bf16 and one test. Lion with bf16
// momentum in cache, on one thread, took 8.7–9.0 µs per 32 768 elements this
// way, 11.5–12.5 µs with ymm vectors (one to four per iteration) and 9.5–9.8
// µs as opt vectorises the integer rounding.
const bf16LoopLanes = 16

// bf16Loop emits, after head, the vector loop of loop kernel p's body that
// rounds to bf16 with the target's instruction, when the target has
// Caps.BF16Round and p's element code rounds to bf16: opt's loop vectoriser
// would widen the integer rounding instead. The loop covers the whole
// vectors of [begin, end); it returns where the scalar loop starts, the
// block that enters it, and whether it is a tail after a vector loop (then
// opt should leave it scalar). Without such a loop, that is begin and head.
// vals are the scalar values known before the loop.
func (bf *bodyFunc) bf16Loop(e *elemental.Elemental, p *plan.Kernel, t codegen.Target, head *llir.Block, vals map[*ir.Value]value.Value) (value.Value, *llir.Block, bool, error) {
	if !t.Caps.BF16Round || hasIota(p) {
		return bf.begin, head, false, nil
	}
	code := newElementCode(e, p, bf.Ptrs, vals, elementOutputs(p))
	if code == nil || !code.roundsToBF16(e) {
		return bf.begin, head, false, nil
	}
	step := i64(bf16LoopLanes)
	count := head.NewMul(head.NewSDiv(head.NewSub(bf.end, bf.begin), step), step)
	some := head.NewICmp(enum.IPredSGT, count, i64(0))
	vend := head.NewSelect(some, head.NewAdd(bf.begin, count), bf.begin)
	pre, loop, tail := bf.fn.NewBlock("vec.pre"), bf.fn.NewBlock("vec"), bf.fn.NewBlock("tail")
	head.NewCondBr(some, pre, tail)
	if err := code.vectorLoop(e, pre, pre, loop, tail, bf.begin, vend, bf16LoopLanes, 1, nil); err != nil {
		return nil, nil, false, err
	}
	return vend, tail, true, nil
}

// hasIota reports whether p computes an iota, whose index arithmetic the
// widener does not widen.
func hasIota(p *plan.Kernel) bool {
	for _, v := range p.Values {
		if v.Op == ir.OpIota {
			return true
		}
	}
	return false
}
