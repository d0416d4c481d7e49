// This file holds the gradient rule (VJP) of every differentiable op, named
// by its row in the op table (ops.go). Each rule appends the values that
// compute its operands' cotangents to a function and returns them; autodiff
// (autodiff.go) calls the rules in reverse order and sums cotangents over
// broadcast axes. The subgradients at kinks follow PyTorch's
// tools/autograd/derivatives.yaml, so that a model trained here and there
// sees the same gradient (RATIONALE.md, "Subgradients").
//
// Rules build their values with a vb, which computes each result type from
// the operand shapes; they never look at the op table, which lists them
// (a rule that read the table would make its initialization a cycle).
package ir

import "math"

// vb appends the values of one gradient rule to a function; d is the float
// dtype the rule computes in (the differentiated value's).
type vb struct {
	f *Func
	d DType
}

// rule returns the builder of the rule for v.
func rule(f *Func, v *Value) vb { return vb{f: f, d: v.Type.DType} }

// shapeOf is the broadcast shape of xs.
func shapeOf(xs []*Value) Shape {
	var s Shape
	for _, x := range xs {
		t, ok := BroadcastShapes(s, x.Type.Shape)
		if !ok {
			panic("vjp: operands do not broadcast: " + s.String() + " and " + x.Type.Shape.String())
		}
		s = t
	}
	return s
}

// op appends an elementwise op of dtype d over the broadcast shape of xs.
func (b vb) op(op Op, xs ...*Value) *Value {
	return b.f.NewValue(op, Type{DType: b.d, Shape: shapeOf(xs)}, xs...)
}

// cmp appends a comparison or logical op, whose result is bool.
func (b vb) cmp(op Op, x, y *Value) *Value {
	return b.f.NewValue(op, Type{DType: Bool, Shape: shapeOf([]*Value{x, y})}, x, y)
}

// c appends the scalar constant x of dtype d.
func (b vb) c(x float64) *Value {
	v := b.f.NewValue(OpConst, Scalar(b.d))
	v.Const = x
	return v
}

func (b vb) mul(x, y *Value) *Value { return b.op(OpMul, x, y) }
func (b vb) div(x, y *Value) *Value { return b.op(OpDiv, x, y) }
func (b vb) add(x, y *Value) *Value { return b.op(OpAdd, x, y) }
func (b vb) sub(x, y *Value) *Value { return b.op(OpSub, x, y) }
func (b vb) neg(x *Value) *Value    { return b.op(OpNeg, x) }

// sel is select(c, x, y) in dtype d.
func (b vb) sel(c, x, y *Value) *Value { return b.op(OpSelect, c, x, y) }

// where is select(c, x, 0): x where c holds, else zero.
func (b vb) where(c, x *Value) *Value { return b.sel(c, x, b.c(0)) }

// unless is select(c, 0, x): zero where c holds, else x.
func (b vb) unless(c, x *Value) *Value { return b.sel(c, b.c(0), x) }

// one returns the cotangent for a single operand.
func one(x *Value) []*Value { return []*Value{x} }

func vjpNeg(f *Func, v *Value, _ []*Value, ct *Value) []*Value {
	return one(rule(f, v).neg(ct))
}

// vjpAbs is ct·sign(x): 0 at x = 0, as torch.abs (grad * self.sgn()).
func vjpAbs(f *Func, v *Value, a []*Value, ct *Value) []*Value {
	b := rule(f, v)
	return one(b.mul(ct, b.op(OpSign, a[0])))
}

func vjpExp(f *Func, v *Value, _ []*Value, ct *Value) []*Value {
	return one(rule(f, v).mul(ct, v))
}

func vjpLog(f *Func, v *Value, a []*Value, ct *Value) []*Value {
	return one(rule(f, v).div(ct, a[0]))
}

func vjpLog1p(f *Func, v *Value, a []*Value, ct *Value) []*Value {
	b := rule(f, v)
	return one(b.div(ct, b.add(a[0], b.c(1))))
}

func vjpExpm1(f *Func, v *Value, _ []*Value, ct *Value) []*Value {
	b := rule(f, v)
	return one(b.mul(ct, b.add(v, b.c(1))))
}

// vjpSqrt is ct/(2·sqrt(x)), +inf at x = 0 as in PyTorch.
func vjpSqrt(f *Func, v *Value, _ []*Value, ct *Value) []*Value {
	b := rule(f, v)
	return one(b.div(ct, b.mul(v, b.c(2))))
}

// vjpRsqrt is -ct·rsqrt(x)³/2.
func vjpRsqrt(f *Func, v *Value, _ []*Value, ct *Value) []*Value {
	b := rule(f, v)
	return one(b.mul(b.mul(ct, b.c(-0.5)), b.mul(b.mul(v, v), v)))
}

func vjpTanh(f *Func, v *Value, _ []*Value, ct *Value) []*Value {
	b := rule(f, v)
	return one(b.mul(ct, b.sub(b.c(1), b.mul(v, v))))
}

func vjpSigmoid(f *Func, v *Value, _ []*Value, ct *Value) []*Value {
	b := rule(f, v)
	return one(b.mul(ct, b.mul(v, b.sub(b.c(1), v))))
}

// vjpErf is ct·2/√π·exp(-x²); erfc's is its negation.
func vjpErf(f *Func, v *Value, a []*Value, ct *Value) []*Value {
	return one(gaussian(rule(f, v), a[0], ct, 2/math.SqrtPi))
}

func vjpErfc(f *Func, v *Value, a []*Value, ct *Value) []*Value {
	return one(gaussian(rule(f, v), a[0], ct, -2/math.SqrtPi))
}

// gaussian is ct·k·exp(-x²).
func gaussian(b vb, x, ct *Value, k float64) *Value {
	return b.mul(b.mul(ct, b.c(k)), b.op(OpExp, b.neg(b.mul(x, x))))
}

func vjpSin(f *Func, v *Value, a []*Value, ct *Value) []*Value {
	b := rule(f, v)
	return one(b.mul(ct, b.op(OpCos, a[0])))
}

func vjpCos(f *Func, v *Value, a []*Value, ct *Value) []*Value {
	b := rule(f, v)
	return one(b.neg(b.mul(ct, b.op(OpSin, a[0]))))
}

func vjpAdd(_ *Func, _ *Value, _ []*Value, ct *Value) []*Value {
	return []*Value{ct, ct}
}

func vjpSub(f *Func, v *Value, _ []*Value, ct *Value) []*Value {
	return []*Value{ct, rule(f, v).neg(ct)}
}

func vjpMul(f *Func, v *Value, a []*Value, ct *Value) []*Value {
	b := rule(f, v)
	return []*Value{b.mul(ct, a[1]), b.mul(ct, a[0])}
}

// vjpDiv is ct/y for x and -ct·(x/y)/y for y, PyTorch's
// div_tensor_other_backward.
func vjpDiv(f *Func, v *Value, a []*Value, ct *Value) []*Value {
	b := rule(f, v)
	return []*Value{b.div(ct, a[1]), b.neg(b.mul(ct, b.div(v, a[1])))}
}

// vjpMax gives ct to the larger operand and splits it evenly on a tie, as
// torch.maximum: at::where(self == other, grad / 2, grad) with the smaller
// side zeroed. A NaN operand passes ct to both.
func vjpMax(f *Func, v *Value, a []*Value, ct *Value) []*Value {
	return extremumPair(rule(f, v), a[0], a[1], ct, OpLt, OpGt)
}

// vjpMin is torch.minimum's: the larger side is zeroed.
func vjpMin(f *Func, v *Value, a []*Value, ct *Value) []*Value {
	return extremumPair(rule(f, v), a[0], a[1], ct, OpGt, OpLt)
}

// extremumPair is the gradient of max or min of x and y: ct/2 where they
// tie, else ct, zeroed for x where loseX(x, y) and for y where loseY(x, y).
func extremumPair(b vb, x, y, ct *Value, loseX, loseY Op) []*Value {
	tie := b.cmp(OpEq, x, y)
	half := b.mul(ct, b.c(0.5))
	return []*Value{
		b.sel(tie, half, b.unless(b.cmp(loseX, x, y), ct)),
		b.sel(tie, half, b.unless(b.cmp(loseY, x, y), ct)),
	}
}

// vjpPow is PyTorch's pow_backward_self and pow_backward_exponent:
// ct·y·x^(y-1) for x, zero where y = 0 (so 0^0 passes nothing), and
// ct·x^y·log(x) for y, zero where x = 0 and y >= 0.
func vjpPow(f *Func, v *Value, a []*Value, ct *Value) []*Value {
	b := rule(f, v)
	x, y := a[0], a[1]
	dx := b.unless(b.cmp(OpEq, y, b.c(0)), b.mul(ct, b.mul(y, b.op(OpPow, x, b.sub(y, b.c(1))))))
	zeroBase := b.cmp(OpAnd, b.cmp(OpEq, x, b.c(0)), b.cmp(OpGe, y, b.c(0)))
	dy := b.mul(ct, b.unless(zeroBase, b.mul(v, b.op(OpLog, x))))
	return []*Value{dx, dy}
}

// vjpSelect passes ct to the chosen operand; the condition gets none.
func vjpSelect(f *Func, v *Value, a []*Value, ct *Value) []*Value {
	b := rule(f, v)
	return []*Value{nil, b.where(a[0], ct), b.unless(a[0], ct)}
}

// vjpClamp is PyTorch's clamp_backward and clamp_backward_min_max: x gets ct
// where lo <= x <= hi, bounds included (the subgradient 1 at a bound), lo
// where x < lo < hi, and hi where x > hi or hi < lo (then the result is hi).
func vjpClamp(f *Func, v *Value, a []*Value, ct *Value) []*Value {
	b := rule(f, v)
	x, lo, hi := a[0], a[1], a[2]
	inside := b.cmp(OpAnd, b.cmp(OpGe, x, lo), b.cmp(OpLe, x, hi))
	below := b.cmp(OpAnd, b.cmp(OpLt, x, lo), b.cmp(OpLt, lo, hi))
	above := b.cmp(OpOr, b.cmp(OpGt, x, hi), b.cmp(OpLt, hi, lo))
	return []*Value{b.where(inside, ct), b.where(below, ct), b.where(above, ct)}
}

// vjpCast converts ct back to the operand's float dtype. A cast from or to an
// integer or bool passes nothing: integers carry no gradient.
func vjpCast(f *Func, v *Value, a []*Value, ct *Value) []*Value {
	from := a[0].Type.DType
	if !from.IsFloat() || !v.Type.DType.IsFloat() {
		return []*Value{nil}
	}
	return one(f.NewValue(OpCast, ct.Type.WithDType(from), ct))
}

// kept returns x, the cotangent or result of reduction v, with v's reduced
// axis restored as size 1, so that it broadcasts against v's operand.
func kept(f *Func, v, x *Value) *Value {
	if v.KeepDims {
		return x
	}
	shape := ReduceShape(v.Args[0].Type.Shape, v.Axis, true)
	return f.NewValue(OpReshape, Type{DType: x.Type.DType, Shape: shape}, x)
}

// vjpReduceSum spreads ct over the reduced axis.
func vjpReduceSum(f *Func, v *Value, a []*Value, ct *Value) []*Value {
	c := kept(f, v, ct)
	if c.Type.Shape.Equal(a[0].Type.Shape) { // the axis had size 1
		return one(c)
	}
	return one(f.NewValue(OpBroadcast, a[0].Type, c))
}

// vjpReduceExtremum is the gradient of max, min, nanmax and nanmin along an
// axis: ct split evenly among the elements equal to the result, as
// torch.amax and torch.amin (scale_grad_by_count), not torch.max(dim), which
// gives it all to one index. The initial element counts as one of the tied
// elements when it equals the result, and its share goes nowhere, so
// max(x, initial=0) of a row of negatives passes nothing. A NaN element is
// never equal: a row that max makes NaN gets NaN (0·∞, as in PyTorch), and
// one that nanmax leaves NaN out of passes nothing to its NaNs.
func vjpReduceExtremum(f *Func, v *Value, a []*Value, ct *Value) []*Value {
	b := rule(f, v)
	x := a[0]
	r := kept(f, v, v)
	tie := b.cmp(OpEq, x, r)
	ties := f.NewValue(OpCast, Type{DType: b.d, Shape: tie.Type.Shape}, tie)
	count := f.NewValue(OpReduceSum, r.Type, ties)
	count.Axis, count.KeepDims = v.Axis, true
	initTie := b.cmp(OpEq, b.c(v.Const), r)
	count = b.add(count, f.NewValue(OpCast, Type{DType: b.d, Shape: r.Type.Shape}, initTie))
	return one(b.mul(ties, b.div(kept(f, v, ct), count)))
}

// vjpReduceLSE is ct·exp(x - r), the softmax of the row with the initial
// element, as PyTorch's logsumexp_backward; an absent element (-inf) gets 0
// even when every element is absent, where exp(-inf - (-inf)) would be NaN.
func vjpReduceLSE(f *Func, v *Value, a []*Value, ct *Value) []*Value {
	b := rule(f, v)
	x := a[0]
	w := b.op(OpExp, b.sub(x, kept(f, v, v)))
	return one(b.unless(b.cmp(OpEq, x, b.c(math.Inf(-1))), b.mul(kept(f, v, ct), w)))
}

// vjpGather adds ct back at the positions it was read from: a scatter_add
// along the axis. With one index along the axis (take_along_axis(x,
// expand_dims(labels))) that is select(iota == idx, ct, 0), elementwise, so
// it fuses with its neighbours. Either way the cotangent has x's shape with
// the result's size in every other dimension, so autodiff sums it over the
// axes x was broadcast along (fit).
func vjpGather(f *Func, v *Value, a []*Value, ct *Value) []*Value {
	x, idx := a[0], a[1]
	xs := append(Shape{}, v.Type.Shape...)
	xs[v.Axis] = x.Type.Shape[v.Axis]
	if idx.Type.Shape[v.Axis] == ConstDim(1) {
		b := rule(f, v)
		io := f.NewValue(OpIota, Type{DType: idx.Type.DType, Shape: xs})
		io.Axis = v.Axis
		return []*Value{b.where(b.cmp(OpEq, io, idx), ct), nil}
	}
	s := f.NewValue(OpScatterAdd, Type{DType: ct.Type.DType, Shape: xs}, ct, idx)
	s.Axis = v.Axis
	return []*Value{s, nil}
}

// vjpScatterAdd reads ct back where the updates were added.
func vjpScatterAdd(f *Func, v *Value, a []*Value, ct *Value) []*Value {
	g := f.NewValue(OpGather, a[0].Type.WithDType(ct.Type.DType), ct, a[1])
	g.Axis = v.Axis
	return []*Value{g, nil}
}

// vjpReshape reshapes ct back.
func vjpReshape(f *Func, _ *Value, a []*Value, ct *Value) []*Value {
	return one(f.NewValue(OpReshape, a[0].Type.WithDType(ct.Type.DType), ct))
}

// vjpBroadcast returns ct as it is: autodiff sums a cotangent over the axes
// its operand was broadcast along (autodiff.go, fit).
func vjpBroadcast(_ *Func, _ *Value, _ []*Value, ct *Value) []*Value {
	return one(ct)
}
