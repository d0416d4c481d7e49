// This file emits the body of a transpose kernel: a blocked copy. Its units
// are the rows of the output (every axis but the last). When the input's
// last axis is the output's second-to-last one (a matrix transposed, or a
// batch of them), 8 consecutive rows are copied together in blocks of 8 x 8
// elements: 8 vector loads along the input's contiguous axis, a transpose in
// registers, 8 vector stores along the output's. Otherwise, and for the
// rows left over, one row at a time (a row that is contiguous in the input
// is a plain copy, which opt vectorises).
package cpu

import (
	"dlc.dev/dlc/codegen"
	"dlc.dev/dlc/codegen/elemental"
	"dlc.dev/dlc/codegen/plan"
	"dlc.dev/dlc/ir"

	llir "github.com/llir/llvm/ir"
	"github.com/llir/llvm/ir/enum"
	"github.com/llir/llvm/ir/types"
	"github.com/llir/llvm/ir/value"
)

// emitTranspose emits the body of transpose kernel p.
func emitTranspose(e *elemental.Elemental, mod *llir.Module, p *plan.Kernel, t codegen.Target) (fn *llir.Func, err error) {
	defer catch(&err)
	bf := newBody(e, mod, p, t)
	v := p.Values[0]
	in, out := -1, -1
	for i, b := range p.Buffers {
		if b.Ref.Writes {
			out = i
		} else if b.Value == v.Args[0] {
			in = i
		}
	}
	if in < 0 || out < 0 {
		fail("%s: the transpose kernel's buffers are not its input and output (compiler bug)", ir.FormatValue(v))
	}
	f := &fnb{fn: bf.fn}
	entry := f.block("entry")
	s, os := v.Args[0].Type.Shape, v.Type.Shape
	r := len(os)
	mt := e.MemType(v.Type.DType)
	dim := bf.Dim
	product := func(b *llir.Block, sh ir.Shape) value.Value {
		var x value.Value = i64(1)
		for _, d := range sh {
			x = mul(b, x, dim(d))
		}
		return x
	}
	// The input stride of each output axis.
	ostr := make([]value.Value, r)
	for i, a := range v.Perm {
		ostr[i] = product(entry, s[a+1:])
	}
	cols := dim(os[r-1])
	src, dst := bf.Ptrs[in], bf.Ptrs[out]
	// base is the input offset of the first element of output row u.
	base := func(b *llir.Block, u value.Value) value.Value {
		var off value.Value = i64(0)
		rest := u
		for i := r - 2; i >= 0; i-- {
			idx := rest
			if i > 0 {
				idx = b.NewSRem(rest, dim(os[i]))
				rest = b.NewSDiv(rest, dim(os[i]))
			}
			off = add(b, off, mul(b, idx, ostr[i]))
		}
		return off
	}
	oneRow := func(b *llir.Block, u value.Value) *llir.Block {
		from, to := base(b, u), mul(b, u, cols)
		return f.step(b, "c", i64(0), cols, i64(1), func(b *llir.Block, c value.Value) *llir.Block {
			x := loadAt(b, mt, src, add(b, from, mul(b, c, ostr[r-1])))
			storeAt(b, x, dst, add(b, to, c))
			return b
		})
	}
	blocked := v.Perm[r-2] == len(s)-1 && memSize(mt) == 4
	exit := f.loop(entry, "row", bf.begin, bf.end, func(b *llir.Block, u value.Value) (*llir.Block, value.Value) {
		if !blocked {
			return oneRow(b, u), add(b, u, i64(1))
		}
		// Eight rows at once when they are consecutive along the output's
		// second-to-last axis and all in this chunk.
		pos := b.NewSRem(u, dim(os[r-2]))
		fits := b.NewAnd(b.NewICmp(enum.IPredSLE, add(b, pos, i64(8)), dim(os[r-2])),
			b.NewICmp(enum.IPredSLE, add(b, u, i64(8)), bf.end))
		eight, one, join := f.block("eight"), f.block("one"), f.block("next")
		b.NewCondBr(fits, eight, one)
		endEight := transposeEight(f, eight, mt, src, dst, base(eight, u), mul(eight, u, cols), cols, ostr[r-1])
		endEight.NewBr(join)
		endOne := oneRow(one, u)
		endOne.NewBr(join)
		next := join.NewPhi(llir.NewIncoming(add(endEight, u, i64(8)), endEight), llir.NewIncoming(add(endOne, u, i64(1)), endOne))
		return join, next
	})
	exit.NewRet(nil)
	return bf.fn, nil
}

// transposeEight copies 8 output rows starting at output offset to (row
// length cols) whose elements of column c are 8 consecutive input elements
// at from + c*sc: in 8 x 8 blocks through registers, then the last columns
// one at a time. It returns the block it ends in.
func transposeEight(f *fnb, b *llir.Block, mt types.Type, src, dst, from, to, cols, sc value.Value) *llir.Block {
	vt := types.NewVector(8, mt)
	c8 := b.NewAnd(cols, i64(-8))
	blocks := f.step(b, "c8", i64(0), c8, i64(8), func(b *llir.Block, c value.Value) *llir.Block {
		var rows [8]value.Value
		for t := range rows {
			rows[t] = vload(b, vt, src, add(b, from, mul(b, add(b, c, i64(int64(t))), sc)))
		}
		out := transpose8(b, rows)
		for j, x := range out {
			vstore(b, x, dst, add(b, add(b, to, mul(b, i64(int64(j)), cols)), c))
		}
		return b
	})
	return f.step(blocks, "ct", c8, cols, i64(1), func(b *llir.Block, c value.Value) *llir.Block {
		for j := 0; j < 8; j++ {
			x := loadAt(b, mt, src, add(b, add(b, from, i64(int64(j))), mul(b, c, sc)))
			storeAt(b, x, dst, add(b, add(b, to, mul(b, i64(int64(j)), cols)), c))
		}
		return b
	})
}
