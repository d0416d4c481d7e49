// This file widens the rounding of floats to bf16 on targets with
// Caps.BF16Round. There the elemental emitter writes each rounding as a call
// of elemental.BF16RoundName, whose body is the integer rounding; in element
// code the widener turns into vectors, the call becomes a call of its vector
// form, which rounds with AVX512_BF16's vcvtneps2bf16 (round to nearest even,
// NaNs made quiet as the integer code makes them). The instruction reads a
// subnormal input as zero, so the vector form also classifies its inputs
// (vfpclassps) and, only for a vector that holds a subnormal, rounds it with
// the integer code instead: a branch that is almost never taken, so the bits
// are ir.F32ToBF16's for every input at the cost of two instructions and a
// test per vector. Every other call inlines to the integer code.
package cpu

import (
	"fmt"

	"dlc.dev/dlc/codegen/elemental"

	llir "github.com/llir/llvm/ir"
	"github.com/llir/llvm/ir/constant"
	"github.com/llir/llvm/ir/enum"
	"github.com/llir/llvm/ir/types"
	"github.com/llir/llvm/ir/value"
)

// bf16RoundWidth is the width suffix of the rounding instruction's
// intrinsics for n lanes, and whether it has a form for n.
func bf16RoundWidth(n int) (string, bool) {
	switch n {
	case 8:
		return "256", true
	case 16:
		return "512", true
	}
	return "", false
}

// fpclassSubnormal is vfpclassps's immediate that selects subnormal inputs.
const fpclassSubnormal = 0x20

// roundBF16 widens a call of f, the scalar rounding, on x: a call of its
// vector form for w's lane count, or f's integer code widened in place for
// a lane count without one.
func (w *widener) roundBF16(f *llir.Func, x value.Value) (value.Value, error) {
	v, err := w.get(x)
	if err != nil {
		return nil, err
	}
	width, ok := bf16RoundWidth(w.n)
	if !ok {
		return widenBody(w.e, w.pre, w.b, w.n, f, v)
	}
	name := fmt.Sprintf("%s.v%d", elemental.BF16RoundName, w.n)
	tw := w.e.Define(name, func(m *llir.Module) *llir.Func {
		return defineBF16Round(w.e, m, name, f, w.n, width)
	})
	return w.b.NewCall(tw, v), nil
}

// defineBF16Round defines name, the n-lane vector form of the scalar
// rounding f: vcvtneps2bf16, and f's integer code for a vector holding a
// subnormal. It is always inlined, so the branch lands in the caller's loop.
func defineBF16Round(e *elemental.Elemental, m *llir.Module, name string, f *llir.Func, n int, width string) *llir.Func {
	vf, vh, vb := types.NewVector(uint64(n), types.Float), types.NewVector(uint64(n), types.I16), types.NewVector(uint64(n), types.I1)
	x := llir.NewParam("x", vf)
	tw := m.NewFunc(name, vh, x)
	tw.Linkage = enum.LinkageInternal
	tw.FuncAttrs = append([]llir.FuncAttribute{enum.FuncAttrAlwaysInline}, targetAttrs(e.Target())...)
	entry, sub, done := tw.NewBlock("entry"), tw.NewBlock("subnormal"), tw.NewBlock("done")

	h := entry.NewCall(e.Intrinsic("llvm.x86.avx512bf16.cvtneps2bf16."+width, vh, vf), x)
	class := entry.NewCall(e.Intrinsic("llvm.x86.avx512.fpclass.ps."+width, vb, vf, types.I32), x, constant.NewInt(types.I32, fpclassSubnormal))
	has := entry.NewCall(e.Intrinsic(fmt.Sprintf("llvm.vector.reduce.or.v%di1", n), types.I1, vb), class)
	rare := entry.NewCall(e.Intrinsic("llvm.expect.i1", types.I1, types.I1, types.I1), has, constant.False)
	entry.NewCondBr(rare, sub, done)

	exact, err := widenBody(e, sub, sub, n, f, x)
	if err != nil {
		elemental.Fail("%s: %v", name, err)
	}
	sub.NewBr(done)
	done.NewRet(done.NewPhi(llir.NewIncoming(h, entry), llir.NewIncoming(exact, sub)))
	return tw
}

// widenBody emits into b the n-lane vector form of f's body, one block of
// element code, for the vector argument x, and returns its result; constants
// it needs splatted go to pre.
func widenBody(e *elemental.Elemental, pre, b *llir.Block, n int, f *llir.Func, x value.Value) (value.Value, error) {
	w := newWidener(e, pre, b, nil)
	w.n = n
	w.m[f.Params[0]] = x
	body := f.Blocks[0]
	if err := w.run(body.Insts); err != nil {
		return nil, err
	}
	return w.get(body.Term.(*llir.TermRet).X)
}
