// This file is the arithmetic of reductions: an accumulator state, its
// initial value, the step that adds one element, the combination of two
// states (lanes) and the final value. Row kernels run it in vector lanes,
// axis kernels per output position; both emit it as scalar code.
//
// sum, max and min keep one accumulator in the register type of the dtype
// (float for f32, f16 and bf16; so f16 and bf16 accumulate in f32). max and
// min propagate NaN like ir.Reduce. log-sum-exp is online: a running maximum
// m and a sum s of e^(x-m), with one exp per element:
//
//	d = x - m;  e = exp(-|d|)
//	s = d > 0 ? s*e + 1 : s + e;  m = max(m, x)
//
// An absent element (x = -inf) leaves s unchanged (it would give NaN when m
// is -inf too), a NaN makes m NaN, +inf makes m +inf; the result is m itself
// when m is NaN or infinite, else m + log(s). The initial element c (the
// reduction's Const) starts the state at (c, 1), or at (-inf, 0) when c is
// -inf (no element). Two states combine by the same rule with s's weights.
package elemental

import (
	"math"

	"dlc.dev/dlc/ir"

	llir "github.com/llir/llvm/ir"
	"github.com/llir/llvm/ir/constant"
	"github.com/llir/llvm/ir/enum"
	"github.com/llir/llvm/ir/types"
	"github.com/llir/llvm/ir/value"
)

// State is an accumulator: [acc], or [m, s] for log-sum-exp.
type State []value.Value

// Reduction emits the arithmetic of one reduction value.
type Reduction struct {
	e     *Elemental
	Value *ir.Value // the reduction
	Op    ir.Op     // its op
	d     ir.DType
}

// NewReduction returns the arithmetic of reduction value v.
func NewReduction(e *Elemental, v *ir.Value) *Reduction {
	return &Reduction{e: e, Value: v, Op: v.Op, d: v.Type.DType}
}

// Emit applies elementwise op to register values of the reduction's dtype.
func (r *Reduction) Emit(b *llir.Block, op ir.Op, args ...value.Value) value.Value {
	v := &ir.Value{Op: op, Type: ir.Scalar(r.d), Args: make([]*ir.Value, len(args))}
	for i := range args {
		v.Args[i] = &ir.Value{Op: ir.OpParam, Type: ir.Scalar(r.d)}
	}
	x, err := r.e.Emit(b, v, args)
	if err != nil {
		fail("%s: %v", ir.FormatValue(r.Value), err)
	}
	return x
}

func (r *Reduction) c(x float64) constant.Constant { return Const(r.d, x) }

// Identity is the state of an empty lane.
func (r *Reduction) Identity() []constant.Constant {
	switch r.Op {
	case ir.OpReduceSum:
		if r.d.IsFloat() {
			return []constant.Constant{r.c(math.Copysign(0, -1))}
		}
		return []constant.Constant{r.c(0)}
	case ir.OpReduceMax, ir.OpReduceNanMax:
		return []constant.Constant{r.c(math.Inf(-1))}
	case ir.OpReduceMin, ir.OpReduceNanMin:
		return []constant.Constant{r.c(math.Inf(1))}
	case ir.OpReduceLSE:
		return []constant.Constant{r.c(math.Inf(-1)), r.c(0)}
	}
	fail("%s: no reduction arithmetic for %s", ir.FormatValue(r.Value), r.Op)
	return nil
}

// Initial is the state holding only the initial element.
func (r *Reduction) Initial() []constant.Constant {
	c := r.Value.Const
	if r.Op == ir.OpReduceLSE {
		if math.IsInf(c, -1) {
			return r.Identity()
		}
		return []constant.Constant{r.c(c), r.c(1)}
	}
	return []constant.Constant{r.c(c)}
}

// Init is the initial state as values.
func (r *Reduction) Init() State {
	var s State
	for _, x := range r.Initial() {
		s = append(s, x)
	}
	return s
}

// VectorInit is the initial state of vectors of the given number of lanes: lane 0 holds the initial
// element, the others are empty.
func (r *Reduction) VectorInit(lanes int) State {
	in, id := r.Initial(), r.Identity()
	var s State
	for c := range in {
		elems := make([]constant.Constant, lanes)
		elems[0] = in[c]
		for i := 1; i < lanes; i++ {
			elems[i] = id[c]
		}
		s = append(s, constant.NewVector(types.NewVector(uint64(lanes), in[c].Type()), elems...))
	}
	return s
}

// Update adds element x to state st.
func (r *Reduction) Update(b *llir.Block, st State, x value.Value) State {
	switch r.Op {
	case ir.OpReduceSum:
		return State{r.Emit(b, ir.OpAdd, st[0], x)}
	case ir.OpReduceMax:
		return State{r.Emit(b, ir.OpMax, st[0], x)}
	case ir.OpReduceMin:
		return State{r.Emit(b, ir.OpMin, st[0], x)}
	case ir.OpReduceNanMax, ir.OpReduceNanMin:
		return State{r.nanMinMax(b, st[0], x)}
	case ir.OpReduceLSE:
		return r.lse(b, st[0], st[1], x, nil)
	}
	fail("%s: no reduction arithmetic for %s", ir.FormatValue(r.Value), r.Op)
	return nil
}

// nanMinMax is acc' = x > acc ? x : acc (x < acc for nanmin): a NaN x fails
// the compare and is left out, and acc is never NaN unless it starts so,
// when it stays NaN, like ir.Reduce. One vmaxps/vminps per vector on x86.
func (r *Reduction) nanMinMax(b *llir.Block, acc, x value.Value) value.Value {
	if !r.d.IsFloat() {
		op := ir.OpMax
		if r.Op == ir.OpReduceNanMin {
			op = ir.OpMin
		}
		return r.Emit(b, op, acc, x)
	}
	pred := enum.FPredOGT
	if r.Op == ir.OpReduceNanMin {
		pred = enum.FPredOLT
	}
	return b.NewSelect(b.NewFCmp(pred, x, acc), x, acc)
}

// Combine merges state y into state x.
func (r *Reduction) Combine(b *llir.Block, x, y State) State {
	if r.Op == ir.OpReduceLSE {
		return r.lse(b, x[0], x[1], y[0], y[1])
	}
	return r.Update(b, x, y[0])
}

// lse adds (m2, s2) to (m1, s1); s2 == nil means one element m2 (s2 = 1).
func (r *Reduction) lse(b *llir.Block, m1, s1, m2, s2 value.Value) State {
	d, absent, arg := r.LSEArg(b, m1, m2)
	return r.LSEStep(b, m1, s1, m2, s2, d, absent, r.Emit(b, ir.OpExp, arg))
}

// LSEArg starts a step of log-sum-exp: d = m2 - m1, whether m2 is absent
// (-inf), and the argument of the step's exp, -|d|. An absent element's exp
// is not used: it takes exp(0) rather than exp(-inf), whose underflowing
// steps are slow on some CPUs.
func (r *Reduction) LSEArg(b *llir.Block, m1, m2 value.Value) (d, absent, arg value.Value) {
	d = b.NewFSub(m2, m1)
	absent = b.NewFCmp(enum.FPredOEQ, m2, r.c(math.Inf(-1)))
	arg = b.NewSelect(absent, r.c(0), b.NewFNeg(r.Emit(b, ir.OpAbs, d)))
	return d, absent, arg
}

// LSEStep finishes the step given e = exp(arg).
func (r *Reduction) LSEStep(b *llir.Block, m1, s1, m2, s2, d, absent, e value.Value) State {
	gt := b.NewFCmp(enum.FPredOGT, d, r.c(0))
	var up, keep value.Value
	if s2 == nil {
		up = b.NewFAdd(b.NewFMul(s1, e), r.c(1))
		keep = b.NewFAdd(s1, e)
	} else {
		up = b.NewFAdd(b.NewFMul(s1, e), s2)
		keep = b.NewFAdd(s1, b.NewFMul(s2, e))
	}
	s := b.NewSelect(absent, s1, b.NewSelect(gt, up, keep))
	isNaN := b.NewFCmp(enum.FPredUNO, m2, m2)
	m := b.NewSelect(isNaN, m2, b.NewSelect(gt, m2, m1))
	return State{m, s}
}

// Finish is the reduction's value from its final state.
func (r *Reduction) Finish(b *llir.Block, st State) value.Value {
	if r.Op != ir.OpReduceLSE {
		return st[0]
	}
	m, s := st[0], st[1]
	sum := b.NewFAdd(m, r.Emit(b, ir.OpLog, s))
	inf := b.NewFCmp(enum.FPredOEQ, r.Emit(b, ir.OpAbs, m), r.c(math.Inf(1)))
	return b.NewSelect(inf, m, sum)
}
