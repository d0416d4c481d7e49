// This file widens scalar element code into vector code: each instruction of
// one element becomes the same instruction on vectors of `lanes` elements,
// lane i computing element j+i. The elemental emitter only writes scalar code
// (its constants are scalars), so row kernels emit each loop's element code
// once, as the scalar tail, and widen it into the vector loop instead of
// relying on LLVM's vectorisers, which do not vectorise reductions in floating
// point without reassociation, nor the online log-sum-exp at all.
//
// Values defined outside the element code (per-row values, scalars) are
// splatted once in the vector loop's preheader; constants become constant
// vectors. Loads and stores are described by memOps: consecutive elements
// become one vector load or store, a gather one scalar load per lane.
// Intrinsics become their vector forms; library calls are made once per lane;
// the rounding to bf16 uses the target's instruction where it has one
// (bf16round.go).
package cpu

import (
	"fmt"
	"strings"

	"dlc.dev/dlc/codegen/elemental"

	llir "github.com/llir/llvm/ir"
	"github.com/llir/llvm/ir/constant"
	"github.com/llir/llvm/ir/types"
	"github.com/llir/llvm/ir/value"
)

// widener turns scalar instructions into lanes-wide vector instructions.
type widener struct {
	e      *elemental.Elemental
	pre    *llir.Block // where splats go; it dominates b
	b      *llir.Block // where vector code goes
	mem    map[llir.Instruction]memOp
	m      map[value.Value]value.Value // scalar value -> its vector
	splats map[value.Value]value.Value
	code   map[value.Value]bool      // the instructions being widened
	j      value.Value               // the vector loop's element index (lane 0)
	forbid value.Value               // the scalar loop's index, which only memOps may use
	twins  map[*llir.Func]*llir.Func // outlined functions and their vector twins
	n      int                       // lanes per vector: `lanes` unless set otherwise
}

func newWidener(e *elemental.Elemental, pre, b *llir.Block, mem map[llir.Instruction]memOp) *widener {
	return &widener{e: e, pre: pre, b: b, mem: mem, m: map[value.Value]value.Value{}, splats: map[value.Value]value.Value{}, n: lanes}
}

func vec(t types.Type) *types.VectorType { return types.NewVector(lanes, t) }

// vec is the vector type of w's width with elements of type t.
func (w *widener) vec(t types.Type) *types.VectorType { return types.NewVector(uint64(w.n), t) }

func lane(i int) constant.Constant { return constant.NewInt(types.I32, int64(i)) }

// get returns the vector of scalar value x.
func (w *widener) get(x value.Value) (value.Value, error) {
	if v, ok := w.m[x]; ok {
		return v, nil
	}
	if x == w.forbid {
		return nil, fmt.Errorf("widen: the loop index is used by arithmetic")
	}
	if v, ok := w.splats[x]; ok {
		return v, nil
	}
	var v value.Value
	if c, ok := x.(constant.Constant); ok {
		if _, isVec := c.Type().(*types.VectorType); isVec {
			return nil, fmt.Errorf("widen: vector constant %s", c.Ident())
		}
		elems := make([]constant.Constant, w.n)
		for i := range elems {
			elems[i] = c
		}
		v = constant.NewVector(w.vec(c.Type()), elems...)
	} else {
		if w.code[x] {
			return nil, fmt.Errorf("widen: %s is used before it is widened", x.Ident())
		}
		vt := w.vec(x.Type())
		ins := w.pre.NewInsertElement(constant.NewUndef(vt), x, lane(0))
		v = w.pre.NewShuffleVector(ins, constant.NewUndef(vt), constant.NewZeroInitializer(w.vec(types.I32)))
	}
	w.splats[x] = v
	return v, nil
}

// run widens insts, in order, into w.b.
func (w *widener) run(insts []llir.Instruction) error {
	w.code = map[value.Value]bool{}
	for _, inst := range insts {
		if v, ok := inst.(value.Value); ok {
			w.code[v] = true
		}
	}
	for _, inst := range insts {
		if err := w.widen(inst); err != nil {
			return err
		}
	}
	return nil
}

func (w *widener) widen(inst llir.Instruction) error {
	if op, ok := w.mem[inst]; ok {
		return w.memory(inst, op)
	}
	b := w.b
	var args []value.Value
	get := func(xs ...value.Value) error {
		args = args[:0]
		for _, x := range xs {
			v, err := w.get(x)
			if err != nil {
				return err
			}
			args = append(args, v)
		}
		return nil
	}
	var r value.Value
	var err error
	switch in := inst.(type) {
	case *llir.InstFAdd:
		if err = get(in.X, in.Y); err == nil {
			x := b.NewFAdd(args[0], args[1])
			x.FastMathFlags = in.FastMathFlags
			r = x
		}
	case *llir.InstFSub:
		if err = get(in.X, in.Y); err == nil {
			x := b.NewFSub(args[0], args[1])
			x.FastMathFlags = in.FastMathFlags
			r = x
		}
	case *llir.InstFMul:
		if err = get(in.X, in.Y); err == nil {
			x := b.NewFMul(args[0], args[1])
			x.FastMathFlags = in.FastMathFlags
			r = x
		}
	case *llir.InstFDiv:
		if err = get(in.X, in.Y); err == nil {
			x := b.NewFDiv(args[0], args[1])
			x.FastMathFlags = in.FastMathFlags
			r = x
		}
	case *llir.InstFRem:
		if err = get(in.X, in.Y); err == nil {
			r = b.NewFRem(args[0], args[1])
		}
	case *llir.InstFNeg:
		if err = get(in.X); err == nil {
			x := b.NewFNeg(args[0])
			x.FastMathFlags = in.FastMathFlags
			r = x
		}
	case *llir.InstAdd:
		if err = get(in.X, in.Y); err == nil {
			x := b.NewAdd(args[0], args[1])
			x.OverflowFlags = in.OverflowFlags
			r = x
		}
	case *llir.InstSub:
		if err = get(in.X, in.Y); err == nil {
			x := b.NewSub(args[0], args[1])
			x.OverflowFlags = in.OverflowFlags
			r = x
		}
	case *llir.InstMul:
		if err = get(in.X, in.Y); err == nil {
			x := b.NewMul(args[0], args[1])
			x.OverflowFlags = in.OverflowFlags
			r = x
		}
	case *llir.InstSDiv:
		if err = get(in.X, in.Y); err == nil {
			x := b.NewSDiv(args[0], args[1])
			x.Exact = in.Exact
			r = x
		}
	case *llir.InstUDiv:
		if err = get(in.X, in.Y); err == nil {
			x := b.NewUDiv(args[0], args[1])
			x.Exact = in.Exact
			r = x
		}
	case *llir.InstSRem:
		if err = get(in.X, in.Y); err == nil {
			r = b.NewSRem(args[0], args[1])
		}
	case *llir.InstURem:
		if err = get(in.X, in.Y); err == nil {
			r = b.NewURem(args[0], args[1])
		}
	case *llir.InstShl:
		if err = get(in.X, in.Y); err == nil {
			x := b.NewShl(args[0], args[1])
			x.OverflowFlags = in.OverflowFlags
			r = x
		}
	case *llir.InstLShr:
		if err = get(in.X, in.Y); err == nil {
			x := b.NewLShr(args[0], args[1])
			x.Exact = in.Exact
			r = x
		}
	case *llir.InstAShr:
		if err = get(in.X, in.Y); err == nil {
			x := b.NewAShr(args[0], args[1])
			x.Exact = in.Exact
			r = x
		}
	case *llir.InstAnd:
		if err = get(in.X, in.Y); err == nil {
			r = b.NewAnd(args[0], args[1])
		}
	case *llir.InstOr:
		if err = get(in.X, in.Y); err == nil {
			r = b.NewOr(args[0], args[1])
		}
	case *llir.InstXor:
		if err = get(in.X, in.Y); err == nil {
			r = b.NewXor(args[0], args[1])
		}
	case *llir.InstFCmp:
		if err = get(in.X, in.Y); err == nil {
			x := b.NewFCmp(in.Pred, args[0], args[1])
			x.FastMathFlags = in.FastMathFlags
			r = x
		}
	case *llir.InstICmp:
		if err = get(in.X, in.Y); err == nil {
			r = b.NewICmp(in.Pred, args[0], args[1])
		}
	case *llir.InstSelect:
		if err = get(in.Cond, in.ValueTrue, in.ValueFalse); err == nil {
			x := b.NewSelect(args[0], args[1], args[2])
			x.FastMathFlags = in.FastMathFlags
			r = x
		}
	case *llir.InstBitCast:
		if err = get(in.From); err == nil {
			r = b.NewBitCast(args[0], w.vec(in.To))
		}
	case *llir.InstTrunc:
		if err = get(in.From); err == nil {
			r = b.NewTrunc(args[0], w.vec(in.To))
		}
	case *llir.InstZExt:
		if err = get(in.From); err == nil {
			r = b.NewZExt(args[0], w.vec(in.To))
		}
	case *llir.InstSExt:
		if err = get(in.From); err == nil {
			r = b.NewSExt(args[0], w.vec(in.To))
		}
	case *llir.InstFPTrunc:
		if err = get(in.From); err == nil {
			r = b.NewFPTrunc(args[0], w.vec(in.To))
		}
	case *llir.InstFPExt:
		if err = get(in.From); err == nil {
			r = b.NewFPExt(args[0], w.vec(in.To))
		}
	case *llir.InstSIToFP:
		if err = get(in.From); err == nil {
			r = b.NewSIToFP(args[0], w.vec(in.To))
		}
	case *llir.InstUIToFP:
		if err = get(in.From); err == nil {
			r = b.NewUIToFP(args[0], w.vec(in.To))
		}
	case *llir.InstFPToSI:
		if err = get(in.From); err == nil {
			r = b.NewFPToSI(args[0], w.vec(in.To))
		}
	case *llir.InstFPToUI:
		if err = get(in.From); err == nil {
			r = b.NewFPToUI(args[0], w.vec(in.To))
		}
	case *llir.InstFreeze:
		if err = get(in.X); err == nil {
			fr := llir.NewInstFreeze(args[0])
			b.Insts = append(b.Insts, fr)
			r = fr
		}
	case *llir.InstCall:
		r, err = w.call(in)
	default:
		return fmt.Errorf("widen: cannot widen %T", inst)
	}
	if err != nil {
		return err
	}
	w.m[inst.(value.Value)] = r
	return nil
}

// vectorIntrinsics are the intrinsics with a vector form, by name without
// type suffixes, and how many overloaded types their name carries (the
// result's, then the first operand's); immarg operands stay scalar.
var vectorIntrinsics = map[string]struct {
	suffixes int
	immarg   int // index of an operand that must stay a scalar constant, or -1
}{
	"llvm.fabs":       {1, -1},
	"llvm.fma":        {1, -1},
	"llvm.sqrt":       {1, -1},
	"llvm.floor":      {1, -1},
	"llvm.ceil":       {1, -1},
	"llvm.trunc":      {1, -1},
	"llvm.rint":       {1, -1},
	"llvm.round":      {1, -1},
	"llvm.copysign":   {1, -1},
	"llvm.abs":        {1, 1},
	"llvm.smin":       {1, -1},
	"llvm.smax":       {1, -1},
	"llvm.fptosi.sat": {2, -1},
	"llvm.fptoui.sat": {2, -1},
}

// vectorIntrinsicBase returns the name without type suffixes of the
// intrinsic called name, when it has a vector form.
func vectorIntrinsicBase(name string) (string, bool) {
	for base, info := range vectorIntrinsics {
		if strings.HasPrefix(name, base+".") && strings.Count(name[len(base):], ".") == info.suffixes {
			return base, true
		}
	}
	return "", false
}

// call widens a call: an intrinsic to its vector form, anything else to one
// call per lane.
func (w *widener) call(in *llir.InstCall) (value.Value, error) {
	callee, ok := in.Callee.(*llir.Func)
	if !ok {
		return nil, fmt.Errorf("widen: indirect call")
	}
	if w.e.IsBF16Round(callee) {
		return w.roundBF16(callee, in.Args[0])
	}
	if tw, ok := w.twins[callee]; ok {
		args := make([]value.Value, len(in.Args))
		for i, a := range in.Args {
			v, err := w.get(a)
			if err != nil {
				return nil, err
			}
			args[i] = v
		}
		return w.b.NewCall(tw, args...), nil
	}
	if base, ok := vectorIntrinsicBase(callee.Name()); ok {
		info := vectorIntrinsics[base]
		var args []value.Value
		var params []types.Type
		for i, a := range in.Args {
			if i == info.immarg {
				args = append(args, a)
				params = append(params, a.Type())
				continue
			}
			v, err := w.get(a)
			if err != nil {
				return nil, err
			}
			args = append(args, v)
			params = append(params, v.Type())
		}
		ret := w.vec(in.Type())
		vname := base + "." + vectorSuffix(ret)
		if info.suffixes == 2 {
			vname += "." + vectorSuffix(params[0])
		}
		return w.b.NewCall(w.e.Intrinsic(vname, ret, params...), args...), nil
	}
	// One call per lane.
	vargs := make([]value.Value, len(in.Args))
	for i, a := range in.Args {
		v, err := w.get(a)
		if err != nil {
			return nil, err
		}
		vargs[i] = v
	}
	var r value.Value = constant.NewUndef(w.vec(in.Type()))
	for l := 0; l < w.n; l++ {
		args := make([]value.Value, len(vargs))
		for i, v := range vargs {
			args[i] = w.b.NewExtractElement(v, lane(l))
		}
		c := w.b.NewCall(callee, args...)
		r = w.b.NewInsertElement(r, c, lane(l))
	}
	return r, nil
}

// vectorSuffix is the overload suffix of a vector type, e.g. v8f32.
func vectorSuffix(t types.Type) string {
	vt := t.(*types.VectorType)
	return fmt.Sprintf("v%d%s", vt.Len, elemental.TypeSuffix(vt.ElemType))
}

// memory widens a load or store of element code.
func (w *widener) memory(inst llir.Instruction, op memOp) error {
	b := w.b
	switch op.kind {
	case memSkip:
		return nil
	case memLoad:
		gep := b.NewGetElementPtr(op.typ, op.ptr, w.j)
		gep.InBounds = true
		p := b.NewBitCast(gep, types.NewPointer(w.vec(op.typ)))
		ld := b.NewLoad(w.vec(op.typ), p)
		ld.Align = llir.Align(memSize(op.typ))
		w.m[inst.(value.Value)] = ld
	case memGather:
		idx, err := w.get(op.idx)
		if err != nil {
			return err
		}
		var r value.Value = constant.NewUndef(w.vec(op.typ))
		for l := 0; l < w.n; l++ {
			gep := b.NewGetElementPtr(op.typ, op.ptr, b.NewExtractElement(idx, lane(l)))
			gep.InBounds = true
			r = b.NewInsertElement(r, b.NewLoad(op.typ, gep), lane(l))
		}
		w.m[inst.(value.Value)] = r
	case memIota:
		idx := make([]constant.Constant, w.n)
		for i := range idx {
			idx[i] = constant.NewInt(types.I64, int64(i))
		}
		// j changes every iteration: splat it here, not in the preheader.
		vt := w.vec(types.I64)
		j := b.NewShuffleVector(b.NewInsertElement(constant.NewUndef(vt), w.j, lane(0)), constant.NewUndef(vt), constant.NewZeroInitializer(w.vec(types.I32)))
		w.m[inst.(value.Value)] = b.NewAdd(j, constant.NewVector(vt, idx...))
	case memStore:
		x, err := w.get(op.val)
		if err != nil {
			return err
		}
		gep := b.NewGetElementPtr(op.typ, op.ptr, w.j)
		gep.InBounds = true
		p := b.NewBitCast(gep, types.NewPointer(w.vec(op.typ)))
		st := b.NewStore(x, p)
		st.Align = llir.Align(memSize(op.typ))
	}
	return nil
}

// memSize is the size in bytes of a memory type.
func memSize(t types.Type) int {
	switch t := t.(type) {
	case *types.IntType:
		return int(t.BitSize+7) / 8
	case *types.FloatType:
		switch t.Kind {
		case types.FloatKindHalf:
			return 2
		case types.FloatKindFloat:
			return 4
		}
		return 8
	}
	panic(fmt.Sprintf("no size for %s", t))
}
