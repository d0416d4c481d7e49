// This file is the op table: one row per op of the graph IR, carrying what
// passes need to know about it: name, arity, traits, the attributes it takes,
// its type and shape rule (typerule.go), the float64 meaning of elementwise ops
// and reductions (eval.go), a cost class, a precision policy and a slot for its
// gradient rule. The printer, parser, verifier, interpreter, frontend, passes
// and backends all read it; adding an elementwise op is one row here plus its
// lowering in the code generator.
package ir

import "math"

// Op identifies an operation.
type Op uint16

// Trait is a set of properties of an op.
type Trait uint32

const (
	// Elementwise ops apply independently per element; scalar operands broadcast.
	Elementwise Trait = 1 << iota
	// Commutative binary ops may swap their operands.
	Commutative
	// Compare ops produce bool from two operands of one dtype.
	Compare
	// Logical ops take and produce bool.
	Logical
	// FloatOnly ops require floating-point operands.
	FloatOnly
	// Pure ops have no side effects and may be CSE'd, folded and removed when dead.
	Pure
	// Reduction ops combine the elements along one axis (Value.Axis), together
	// with an initial element (Value.Const), into one value per remaining index.
	Reduction
	// AlongAxis ops read their first operand across the elements of one axis
	// (Value.Axis): reductions and take_along_axis. A row kernel computes them
	// only along the last axis; along another they are a kernel of their own.
	AlongAxis
	// NoGrad ops pass no cotangent to their operands: the result is bool, or
	// piecewise constant in them (sign, floor), or does not depend on them.
	// Autodiff treats their operands' cotangents as zero (PyTorch's
	// derivative of sign and floor is zeros_like too).
	NoGrad
	// Contraction ops multiply two operands and sum the products over pairs of
	// axes (dot_general). Each is a kernel of its own (ContractionKernel):
	// fusion never puts one in a loop or row kernel.
	Contraction
)

// Attr is a set of attributes: the fields of a Value besides its operands and
// type that an op gives a meaning to. A value of an op that does not take an
// attribute leaves that field zero (the verifier checks it).
type Attr uint16

const (
	// AttrConst is Value.Const as the constant itself (const).
	AttrConst Attr = 1 << iota
	// AttrName is Value.Name: the parameter (param), callee (call) or symbolic dimension (dim).
	AttrName
	// AttrIndex is Value.Index: the parameter's position (param) or the tuple element (extract).
	AttrIndex
	// AttrDefault is Value.Default: a scalar parameter's default value (param).
	AttrDefault
	// AttrAxis is Value.Axis, non-negative: the axis a reduction, gather or iota works along.
	AttrAxis
	// AttrKeepDims is Value.KeepDims: a reduction keeps its axis with size 1.
	AttrKeepDims
	// AttrInit is Value.Const as a reduction's initial element (Identity when none is given).
	AttrInit
	// AttrDot is Value.Dot: the batch and contracting axes of each operand (dot_general).
	AttrDot
	// AttrPerm is Value.Perm: the operand axis of each result axis (transpose).
	AttrPerm
)

// Cost classes an op by the work it does per element, for decisions that
// trade recomputation against memory (fusion, sharing across lanes in row
// kernels). Classes are ordered: a higher one costs more.
type Cost uint8

const (
	// CostFree ops do no arithmetic: parameters, constants, reshapes,
	// broadcasts, transposes, dimension sizes, tuple access.
	CostFree Cost = iota
	// CostCheap ops are one or a few simple instructions per element: add,
	// compare, select, min, casts, a gather's load.
	CostCheap
	// CostDivide ops use the divider: division and square roots, with many
	// times an add's latency and a fraction of its throughput.
	CostDivide
	// CostTranscendental ops are a polynomial or a library call per element:
	// exp, log, tanh, pow, erf; reductions whose step is one (log-sum-exp).
	CostTranscendental
	// CostContraction ops do a multiply-add per element and contracted index:
	// their work grows with the contracted size, not with the result (dot_general).
	CostContraction
)

// Precision is what an op asks of a mixed-precision pass (MATH.md §4, after
// XLA's FloatSupport and PyTorch autocast's op lists).
type Precision uint8

const (
	// PrecisionFollow ops compute in the precision of their operands: most
	// elementwise arithmetic, selects, casts and data movement.
	PrecisionFollow Precision = iota
	// PrecisionF32 ops compute in f32 (or wider) whatever their operands:
	// every reduction, log-sum-exp, exp/log/pow and their relatives, whose
	// errors a loss or an optimizer amplifies.
	PrecisionF32
	// PrecisionLow ops may run in f16/bf16 with f32 accumulation: contractions
	// (dot_general; later convolution).
	PrecisionLow
)

// VJP is an op's gradient rule: the vector–Jacobian product. Given value v,
// its operands args (v.Args, or their counterparts in the function being
// built) and the cotangent ct of v (v's type), it appends to f the values
// computing the cotangent of each operand and returns them, one per operand:
// nil for an operand that receives none (a bool or integer operand, a
// select's condition, a gather's indices). A returned cotangent has the
// operand's dtype and either the operand's shape or one the operand
// broadcasts to (typically v's); autodiff sums it over the broadcast axes
// (autodiff.go). Ops without a rule that are not NoGrad cannot be
// differentiated (autodiff reports where). The rules are in vjp.go.
type VJP func(f *Func, v *Value, args []*Value, ct *Value) []*Value

// OpInfo is one row of the op table.
type OpInfo struct {
	Name   string
	Arity  int // number of operands; -1 for variadic
	Traits Trait
	Attrs  Attr // the attributes the op takes
	// Type is the type and shape rule: the result type from the operand types
	// and attributes, or the operand that breaks the rule (typerule.go). Nil
	// only for invalid and param, which never appear in a body.
	Type TypeRule
	// Eval is the float64 meaning of an elementwise op with result dtype d
	// (eval.go): integers and bools are carried exactly, bools as 0 or 1.
	Eval func(d DType, x []float64) float64
	// Reduce is the float64 meaning of a reduction: init combined with xs.
	Reduce func(d DType, init float64, xs []float64) float64
	// Identity is a reduction's initial element when none is given.
	Identity  float64
	Cost      Cost
	Precision Precision
	// VJP is the gradient rule (vjp.go); nil for NoGrad ops and for the
	// structural ops autodiff handles itself (param, call, extract, grad).
	VJP VJP
}

const (
	OpInvalid Op = iota
	OpParam      // a function parameter (Name, Index, Default)
	OpConst      // a constant (Const)
	OpNeg
	OpAbs
	OpSign
	OpExp
	OpLog
	OpLog1p
	OpSqrt
	OpRsqrt
	OpTanh
	OpSigmoid
	OpFloor
	OpNot
	OpAdd
	OpSub
	OpMul
	OpDiv
	OpMin
	OpMax
	OpPow
	OpAnd
	OpOr
	OpEq
	OpNe
	OpLt
	OpLe
	OpGt
	OpGe
	OpSelect  // select(cond, a, b)
	OpClamp   // clamp(x, lo, hi)
	OpCast    // convert to the result dtype
	OpCall    // call of another function (Name); result is a tuple
	OpExtract // element Index of a tuple
	OpErf
	OpExpm1
	OpReduceSum // sum along Axis, plus Const (default 0)
	OpReduceMax // max along Axis and Const (default -inf); NaN propagates
	OpReduceMin // min along Axis and Const (default +inf); NaN propagates
	OpReduceLSE // log-sum-exp along Axis and Const (default -inf: no extra element)
	OpGather    // take_along_axis(x, idx) along Axis; idx is i32 or i64
	OpReshape   // same elements, new shape (inserts or removes size-1 dims)
	OpBroadcast // repeat the operand to the result shape (NumPy rules)
	OpDim       // the size of the symbolic dimension Name, as a scalar
	OpIota      // each element's index along Axis (integer result, no operands)
	OpErfc      // 1 - erf(x), accurate where erf(x) is near 1
	// nanmax/nanmin along Axis and Const: NaN elements are left out (IEEE
	// 754-2008 maxNum/minNum), so the result is NaN only for a NaN Const; a
	// zero result may have either sign. A stabiliser that only shifts what a
	// sum then propagates NaN through costs one instruction per vector.
	OpReduceNanMax
	OpReduceNanMin
	OpSin // sine of radians
	OpCos // cosine of radians
	// dot_general: products of two operands summed over pairs of contracted
	// axes, per pair of batch axes (Dot; XLA's DotGeneral). The result has the
	// batch axes, then the free axes of the left operand, then of the right.
	OpDotGeneral
	OpTranspose // permute the axes: result axis i is operand axis Perm[i]
	// grad(y, x): the gradient of the 0-d float y with respect to x, of x's
	// type. The autodiff pass replaces it with the reverse sweep (autodiff.go).
	OpGrad
	// scatter_add(upd, idx) along Axis: zeros of the declared type, plus each
	// element of upd added at the position idx gives along the axis, in
	// increasing order of its position in upd. The gradient of take_along_axis.
	OpScatterAdd
	// stop_gradient(x): x, through which autodiff passes no gradient (JAX's
	// stop_gradient, PyTorch's detach). The simplify pass, which runs after
	// autodiff, replaces it by its operand.
	OpStopGradient
	numOps
)

const (
	ew          = Elementwise | Pure
	reductionTr = Reduction | AlongAxis | Pure
	reductionAt = AttrAxis | AttrKeepDims | AttrInit
	f32         = PrecisionF32
	follow      = PrecisionFollow
)

// unary is the row of an elementwise op of one operand with float64 meaning
// fn and gradient rule vjp.
func unary(name string, traits Trait, fn func(float64) float64, vjp VJP, cost Cost, p Precision) OpInfo {
	eval := func(_ DType, x []float64) float64 { return fn(x[0]) }
	return OpInfo{Name: name, Arity: 1, Traits: ew | traits, Type: elementwiseType, Eval: eval, VJP: vjp, Cost: cost, Precision: p}
}

// elementwise is the row of an elementwise op of n operands.
func elementwise(name string, n int, traits Trait, eval func(DType, []float64) float64, vjp VJP, cost Cost, p Precision) OpInfo {
	return OpInfo{Name: name, Arity: n, Traits: ew | traits, Type: elementwiseType, Eval: eval, VJP: vjp, Cost: cost, Precision: p}
}

// withType is row r with type rule t.
func withType(r OpInfo, t TypeRule) OpInfo {
	r.Type = t
	return r
}

// reduction is the row of a reduction whose element combination costs cost.
func reduction(name string, traits Trait, identity float64, fold func(DType, float64, []float64) float64, vjp VJP, cost Cost) OpInfo {
	return OpInfo{Name: name, Arity: 1, Traits: reductionTr | traits, Attrs: reductionAt, Type: reductionType,
		Reduce: fold, Identity: identity, VJP: vjp, Cost: cost, Precision: f32}
}

var opTable = [numOps]OpInfo{
	OpInvalid: {Name: "invalid"},
	OpParam:   {Name: "param", Attrs: AttrName | AttrIndex | AttrDefault},
	OpConst:   {Name: "const", Traits: Pure | NoGrad, Attrs: AttrConst, Type: constType},

	OpNeg:  elementwise("neg", 1, 0, evalNeg, vjpNeg, CostCheap, follow),
	OpAbs:  elementwise("abs", 1, 0, evalAbs, vjpAbs, CostCheap, follow),
	OpSign: unary("sign", NoGrad, evalSign, nil, CostCheap, follow),
	// stop_gradient is removed by simplify before fusion; where it is not,
	// it is as cheap as any elementwise op.
	OpStopGradient: unary("stop_gradient", NoGrad, func(x float64) float64 { return x }, nil, CostCheap, follow),
	OpExp:          unary("exp", FloatOnly, math.Exp, vjpExp, CostTranscendental, f32),
	OpLog:          unary("log", FloatOnly, math.Log, vjpLog, CostTranscendental, f32),
	OpLog1p:        unary("log1p", FloatOnly, math.Log1p, vjpLog1p, CostTranscendental, f32),
	OpExpm1:        unary("expm1", FloatOnly, math.Expm1, vjpExpm1, CostTranscendental, f32),
	OpSqrt:         unary("sqrt", FloatOnly, math.Sqrt, vjpSqrt, CostDivide, follow),
	OpRsqrt:        unary("rsqrt", FloatOnly, evalRsqrt, vjpRsqrt, CostDivide, f32),
	OpTanh:         unary("tanh", FloatOnly, math.Tanh, vjpTanh, CostTranscendental, follow),
	OpSigmoid:      unary("sigmoid", FloatOnly, evalSigmoid, vjpSigmoid, CostTranscendental, follow),
	OpErf:          unary("erf", FloatOnly, math.Erf, vjpErf, CostTranscendental, follow),
	OpErfc:         unary("erfc", FloatOnly, math.Erfc, vjpErfc, CostTranscendental, follow),
	OpSin:          unary("sin", FloatOnly, math.Sin, vjpSin, CostTranscendental, follow),
	OpCos:          unary("cos", FloatOnly, math.Cos, vjpCos, CostTranscendental, follow),
	OpFloor:        unary("floor", FloatOnly|NoGrad, math.Floor, nil, CostCheap, follow),
	OpNot:          unary("not", Logical|NoGrad, evalNot, nil, CostCheap, follow),

	OpAdd:    elementwise("add", 2, Commutative, evalAdd, vjpAdd, CostCheap, follow),
	OpSub:    elementwise("sub", 2, 0, evalSub, vjpSub, CostCheap, follow),
	OpMul:    elementwise("mul", 2, Commutative, evalMul, vjpMul, CostCheap, follow),
	OpDiv:    elementwise("div", 2, 0, evalDiv, vjpDiv, CostDivide, follow),
	OpMin:    elementwise("min", 2, Commutative, evalMin, vjpMin, CostCheap, follow),
	OpMax:    elementwise("max", 2, Commutative, evalMax, vjpMax, CostCheap, follow),
	OpPow:    elementwise("pow", 2, FloatOnly, evalPow, vjpPow, CostTranscendental, f32),
	OpAnd:    elementwise("and", 2, Commutative|Logical|NoGrad, evalAnd, nil, CostCheap, follow),
	OpOr:     elementwise("or", 2, Commutative|Logical|NoGrad, evalOr, nil, CostCheap, follow),
	OpEq:     elementwise("eq", 2, Commutative|Compare|NoGrad, evalEq, nil, CostCheap, follow),
	OpNe:     elementwise("ne", 2, Commutative|Compare|NoGrad, evalNe, nil, CostCheap, follow),
	OpLt:     elementwise("lt", 2, Compare|NoGrad, evalLt, nil, CostCheap, follow),
	OpLe:     elementwise("le", 2, Compare|NoGrad, evalLe, nil, CostCheap, follow),
	OpGt:     elementwise("gt", 2, Compare|NoGrad, evalGt, nil, CostCheap, follow),
	OpGe:     elementwise("ge", 2, Compare|NoGrad, evalGe, nil, CostCheap, follow),
	OpSelect: withType(elementwise("select", 3, 0, evalSelect, vjpSelect, CostCheap, follow), selectType),
	OpClamp:  elementwise("clamp", 3, 0, evalClamp, vjpClamp, CostCheap, follow),
	OpCast:   withType(elementwise("cast", 1, 0, evalCast, vjpCast, CostCheap, follow), castType),

	OpCall:    {Name: "call", Arity: -1, Attrs: AttrName, Type: callType},
	OpExtract: {Name: "extract", Arity: 1, Traits: Pure, Attrs: AttrIndex, Type: extractType},

	OpReduceSum:    reduction("reduce_sum", 0, 0, reduceSum, vjpReduceSum, CostCheap),
	OpReduceMax:    reduction("reduce_max", 0, math.Inf(-1), reduceMax, vjpReduceExtremum, CostCheap),
	OpReduceMin:    reduction("reduce_min", 0, math.Inf(1), reduceMin, vjpReduceExtremum, CostCheap),
	OpReduceLSE:    reduction("reduce_lse", FloatOnly, math.Inf(-1), reduceLSE, vjpReduceLSE, CostTranscendental),
	OpReduceNanMax: reduction("reduce_nanmax", 0, math.Inf(-1), reduceNanMax, vjpReduceExtremum, CostCheap),
	OpReduceNanMin: reduction("reduce_nanmin", 0, math.Inf(1), reduceNanMin, vjpReduceExtremum, CostCheap),

	OpGather:     {Name: "take_along_axis", Arity: 2, Traits: Pure | AlongAxis, Attrs: AttrAxis, Type: gatherType, VJP: vjpGather, Cost: CostCheap},
	OpScatterAdd: {Name: "scatter_add", Arity: 2, Traits: Pure | AlongAxis, Attrs: AttrAxis, Type: scatterAddType, VJP: vjpScatterAdd, Cost: CostCheap},
	OpReshape:    {Name: "reshape", Arity: 1, Traits: Pure, Type: reshapeType, VJP: vjpReshape},
	OpBroadcast:  {Name: "broadcast", Arity: 1, Traits: Pure, Type: broadcastType, VJP: vjpBroadcast},
	OpDim:        {Name: "dim", Traits: Pure | NoGrad, Attrs: AttrName, Type: dimType},
	OpIota:       {Name: "iota", Traits: Pure | NoGrad, Attrs: AttrAxis, Type: iotaType, Cost: CostCheap},
	OpGrad:       {Name: "grad", Arity: 2, Traits: Pure, Type: gradType},

	OpDotGeneral: {Name: "dot_general", Arity: 2, Traits: Pure | FloatOnly | Contraction, Attrs: AttrDot, Type: dotGeneralType,
		Cost: CostContraction, Precision: PrecisionLow, VJP: vjpDotGeneral},
	OpTranspose: {Name: "transpose", Arity: 1, Traits: Pure, Attrs: AttrPerm, Type: transposeType, VJP: vjpTranspose},
}

// ReductionIdentity is the initial element a reduction has when none is given.
func ReductionIdentity(op Op) float64 { return op.row().Identity }

// Info returns a copy of the table row of op.
func (op Op) Info() OpInfo { return *op.row() }

// row is the table row of op, read in place.
func (op Op) row() *OpInfo {
	if op >= numOps {
		return &opTable[OpInvalid]
	}
	return &opTable[op]
}

func (op Op) String() string { return op.row().Name }

// Has reports whether op has all traits t.
func (op Op) Has(t Trait) bool { return op.row().Traits&t == t }

// Takes reports whether op takes every attribute in a.
func (op Op) Takes(a Attr) bool { return op.row().Attrs&a == a }

// OpByName returns the op with the given printed name.
func OpByName(name string) (Op, bool) {
	for i := Op(1); i < numOps; i++ {
		if opTable[i].Name == name {
			return i, true
		}
	}
	return OpInvalid, false
}

// AllOps returns every op except OpInvalid, in table order.
func AllOps() []Op {
	ops := make([]Op, 0, numOps-1)
	for i := Op(1); i < numOps; i++ {
		ops = append(ops, i)
	}
	return ops
}
