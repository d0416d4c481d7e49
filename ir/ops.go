// This file is the op table: every op of the graph IR, with its arity and traits.
// The printer, parser, verifier, interpreter, passes and backends all read it;
// a new op is one row here plus its lowerings.
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
)

// OpInfo describes one op.
type OpInfo struct {
	Name   string
	Arity  int // number of operands; -1 for variadic
	Traits Trait
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
	numOps
)

const ew = Elementwise | Pure

var opTable = [numOps]OpInfo{
	OpInvalid: {"invalid", 0, 0},
	OpParam:   {"param", 0, 0},
	OpConst:   {"const", 0, Pure},
	OpNeg:     {"neg", 1, ew},
	OpAbs:     {"abs", 1, ew},
	OpSign:    {"sign", 1, ew},
	OpExp:     {"exp", 1, ew | FloatOnly},
	OpLog:     {"log", 1, ew | FloatOnly},
	OpLog1p:   {"log1p", 1, ew | FloatOnly},
	OpSqrt:    {"sqrt", 1, ew | FloatOnly},
	OpRsqrt:   {"rsqrt", 1, ew | FloatOnly},
	OpTanh:    {"tanh", 1, ew | FloatOnly},
	OpSigmoid: {"sigmoid", 1, ew | FloatOnly},
	OpFloor:   {"floor", 1, ew | FloatOnly},
	OpNot:     {"not", 1, ew | Logical},
	OpAdd:     {"add", 2, ew | Commutative},
	OpSub:     {"sub", 2, ew},
	OpMul:     {"mul", 2, ew | Commutative},
	OpDiv:     {"div", 2, ew},
	OpMin:     {"min", 2, ew | Commutative},
	OpMax:     {"max", 2, ew | Commutative},
	OpPow:     {"pow", 2, ew | FloatOnly},
	OpAnd:     {"and", 2, ew | Commutative | Logical},
	OpOr:      {"or", 2, ew | Commutative | Logical},
	OpEq:      {"eq", 2, ew | Commutative | Compare},
	OpNe:      {"ne", 2, ew | Commutative | Compare},
	OpLt:      {"lt", 2, ew | Compare},
	OpLe:      {"le", 2, ew | Compare},
	OpGt:      {"gt", 2, ew | Compare},
	OpGe:      {"ge", 2, ew | Compare},
	OpSelect:  {"select", 3, ew},
	OpClamp:   {"clamp", 3, ew},
	OpCast:    {"cast", 1, ew},
	OpCall:    {"call", -1, 0},
	OpExtract: {"extract", 1, Pure},
	OpErf:     {"erf", 1, ew | FloatOnly},
	OpExpm1:   {"expm1", 1, ew | FloatOnly},

	OpReduceSum: {"reduce_sum", 1, Pure | Reduction},
	OpReduceMax: {"reduce_max", 1, Pure | Reduction},
	OpReduceMin: {"reduce_min", 1, Pure | Reduction},
	OpReduceLSE: {"reduce_lse", 1, Pure | Reduction | FloatOnly},
	OpGather:    {"take_along_axis", 2, Pure},
	OpReshape:   {"reshape", 1, Pure},
	OpBroadcast: {"broadcast", 1, Pure},
	OpDim:       {"dim", 0, Pure},
	OpIota:      {"iota", 0, Pure},
	OpErfc:      {"erfc", 1, ew | FloatOnly},

	OpReduceNanMax: {"reduce_nanmax", 1, Pure | Reduction},
	OpReduceNanMin: {"reduce_nanmin", 1, Pure | Reduction},
}

// ReductionIdentity is the initial element a reduction has when none is given.
func ReductionIdentity(op Op) float64 {
	switch op {
	case OpReduceSum:
		return 0
	case OpReduceMin, OpReduceNanMin:
		return math.Inf(1)
	}
	return math.Inf(-1)
}

// Info returns the table row of op.
func (op Op) Info() OpInfo {
	if op >= numOps {
		return opTable[OpInvalid]
	}
	return opTable[op]
}

func (op Op) String() string { return op.Info().Name }

// Has reports whether op has all traits t.
func (op Op) Has(t Trait) bool { return op.Info().Traits&t == t }

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
