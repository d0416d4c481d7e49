// This file is the elemental emitter: it lowers one elementwise IR op on
// register values to LLVM instructions in one block. It knows nothing of loops,
// buffers or the kernel ABI, so the CPU loop (codegen/cpu) and a GPU thread
// body can both use it. Numerics follow MATH.md §0: no fast-math flags, no FMA
// contraction, NaN-propagating min/max, sign(±0) = ±0.
package elemental

import (
	"fmt"

	"dlc.dev/dlc/codegen"
	"dlc.dev/dlc/ir"

	llir "github.com/llir/llvm/ir"
	"github.com/llir/llvm/ir/constant"
	"github.com/llir/llvm/ir/enum"
	"github.com/llir/llvm/ir/types"
	"github.com/llir/llvm/ir/value"
)

// Elemental emits per-element computations into blocks of one LLVM module,
// declaring the intrinsics and library functions it needs there once.
type Elemental struct {
	mod   *llir.Module
	calls MathCalls
	decls map[string]*llir.Func
	t     codegen.Target // what the code is for
	fma   bool           // the target has FMA: exp uses llvm.fma (vecmath.go)
	f16c  bool           // the target converts f16 in hardware: f16 is stored as half (storage.go)
	// bf16Round: the target rounds vectors to bf16 in one instruction, so a
	// rounding is a call of BF16RoundName, which a backend that widens
	// element code can give that vector form (storage.go).
	bf16Round bool
	// bf16Bits maps a float that Round made from bf16 bits to those bits, so
	// that storing it reuses them instead of rounding it again (storage.go).
	bf16Bits map[value.Value]value.Value
	// outline holds the ops with an inline f32 form that are called instead,
	// by their MathCalls name; DefineInline gives that function the inline body.
	outline map[ir.Op]bool
}

// Outline makes the emitter call the f32 forms of ops through their MathCalls
// names instead of expanding them in place, for a target where each copy
// costs more than a call (a GPU whose driver compiles every copy at load).
// The caller gives each function called its body with DefineInline.
func (e *Elemental) Outline(ops ...ir.Op) {
	if e.outline == nil {
		e.outline = map[ir.Op]bool{}
	}
	for _, op := range ops {
		e.outline[op] = true
	}
}

// DefineInline gives f, a function float(float), the body of op's inline f32
// form: the instructions mathFunc would have expanded at the call, so a call
// computes the same bits. It fails for an op without an inline form.
func (e *Elemental) DefineInline(f *llir.Func, op ir.Op) error {
	form, ok := vecMath32[op]
	if !ok || len(f.Params) != 1 || !f.Sig.RetType.Equal(types.Float) || !f.Params[0].Type().Equal(types.Float) {
		return fmt.Errorf("%s has no inline f32 form to define %s with", op, f.Name())
	}
	b := f.NewBlock("")
	b.NewRet(form(fb{b, e}, f.Params[0]))
	return nil
}

// NewElemental returns an emitter for target t that declares functions in m
// and lowers transcendental ops to calls of the functions named by calls.
func NewElemental(m *llir.Module, calls MathCalls, t codegen.Target) *Elemental {
	return &Elemental{mod: m, calls: calls, decls: map[string]*llir.Func{}, t: t, fma: t.Caps.FMA, f16c: t.Caps.F16C,
		bf16Round: t.Caps.BF16Round, bf16Bits: map[value.Value]value.Value{}}
}

// Target is the target the emitter writes code for.
func (e *Elemental) Target() codegen.Target { return e.t }

// Define returns the function called name in the emitter's module, made by
// define the first time it is asked for: functions derived from the
// emitter's own (a vector form of one) are made once per module.
func (e *Elemental) Define(name string, define func(m *llir.Module) *llir.Func) *llir.Func {
	if f, ok := e.decls[name]; ok {
		return f
	}
	f := define(e.mod)
	e.decls[name] = f
	return f
}

// elemCtx is what a lowering sees: the op, its result and operand dtypes, the
// operands in register form, and the block to append to.
type elemCtx struct {
	e  *Elemental
	b  *llir.Block
	op ir.Op
	d  ir.DType   // result dtype
	in []ir.DType // operand dtypes
	x  []value.Value
}

// lowering appends the instructions computing one op and returns the result.
// A lowering never creates blocks: selects, not branches, so loops vectorise.
type lowering func(c *elemCtx) value.Value

// elementalOps is the lowering of every elementwise op.
var elementalOps = map[ir.Op]lowering{
	ir.OpNeg:  emitNeg,
	ir.OpAbs:  emitAbs,
	ir.OpSign: emitSign,
	// simplify removes stop_gradient; IR that skipped it still compiles.
	ir.OpStopGradient: func(c *elemCtx) value.Value { return c.x[0] },
	ir.OpExp:          mathFunc,
	ir.OpLog:          mathFunc,
	ir.OpLog1p:        mathFunc,
	ir.OpSqrt:         floatIntrinsic("llvm.sqrt"),
	ir.OpRsqrt:        emitRsqrt,
	ir.OpTanh:         mathFunc,
	ir.OpSigmoid:      emitSigmoid,
	ir.OpFloor:        floatIntrinsic("llvm.floor"),
	ir.OpNot:          emitNot,
	ir.OpAdd:          arith((*llir.Block).NewFAdd, (*llir.Block).NewAdd),
	ir.OpSub:          arith((*llir.Block).NewFSub, (*llir.Block).NewSub),
	ir.OpMul:          arith((*llir.Block).NewFMul, (*llir.Block).NewMul),
	ir.OpDiv:          emitDiv,
	ir.OpMin:          emitMin,
	ir.OpMax:          emitMax,
	ir.OpPow:          callMath,
	ir.OpErf:          mathFunc,
	ir.OpErfc:         mathFunc,
	ir.OpExpm1:        mathFunc,
	ir.OpSin:          mathFunc,
	ir.OpCos:          mathFunc,
	ir.OpAnd:          logical((*llir.Block).NewAnd),
	ir.OpOr:           logical((*llir.Block).NewOr),
	ir.OpEq:           compare(enum.FPredOEQ, enum.IPredEQ, enum.IPredEQ),
	ir.OpNe:           compare(enum.FPredUNE, enum.IPredNE, enum.IPredNE),
	ir.OpLt:           compare(enum.FPredOLT, enum.IPredSLT, enum.IPredULT),
	ir.OpLe:           compare(enum.FPredOLE, enum.IPredSLE, enum.IPredULE),
	ir.OpGt:           compare(enum.FPredOGT, enum.IPredSGT, enum.IPredUGT),
	ir.OpGe:           compare(enum.FPredOGE, enum.IPredSGE, enum.IPredUGE),
	ir.OpSelect:       emitSelect,
	ir.OpClamp:        emitClamp,
	ir.OpCast:         emitCast,
}

// Bug is what emitters panic with on a broken invariant (a compiler bug)
// found deep in a recursion; the backend recovers it as an error.
type Bug struct{ Err error }

// Fail panics with a Bug: the emitters' way out of a deep recursion. A
// backend's entry points turn it back into an error with Recovered.
func Fail(format string, args ...any) {
	panic(Bug{fmt.Errorf(format, args...)})
}

func fail(format string, args ...any) { Fail(format, args...) }

// Recovered turns r, a value recovered from a panic, back into the error of a
// Bug; any other panic goes on. The caller recovers:
//
//	defer func() {
//		if r := recover(); r != nil {
//			*err = elemental.Recovered(r)
//		}
//	}()
func Recovered(r any) error {
	if b, ok := r.(Bug); ok {
		return b.Err
	}
	panic(r)
}

// Supports reports whether op has an elemental lowering.
func Supports(op ir.Op) bool {
	_, ok := elementalOps[op]
	return ok
}

// Emit appends the computation of v to b, given its operands in register form
// (see RegType), and returns the result in register form.
func (e *Elemental) Emit(b *llir.Block, v *ir.Value, args []value.Value) (value.Value, error) {
	lower, ok := elementalOps[v.Op]
	if !ok {
		return nil, fmt.Errorf("%s: op %s has no elemental lowering", ir.FormatValue(v), v.Op)
	}
	if len(args) != len(v.Args) {
		return nil, fmt.Errorf("%s: %d operands given, want %d", ir.FormatValue(v), len(args), len(v.Args))
	}
	in := make([]ir.DType, len(v.Args))
	for i, a := range v.Args {
		in[i] = a.Type.DType
	}
	return lower(&elemCtx{e: e, b: b, op: v.Op, d: v.Type.DType, in: in, x: args}), nil
}

// isFloat reports whether the operation computes on floating-point registers.
func (c *elemCtx) isFloat() bool { return c.d.IsFloat() }

// fconst is a float constant of the result's register type.
func (c *elemCtx) fconst(x float64) constant.Constant {
	return constant.NewFloat(RegType(c.d).(*types.FloatType), x)
}

func emitNeg(c *elemCtx) value.Value {
	if c.isFloat() {
		return c.b.NewFNeg(c.x[0])
	}
	return c.b.NewSub(Const(c.d, 0), c.x[0])
}

func emitAbs(c *elemCtx) value.Value {
	if c.isFloat() {
		return floatIntrinsic("llvm.fabs")(c)
	}
	// llvm.abs with is_int_min_poison = false wraps abs(MinInt) to MinInt, as ir.EvalOp does.
	t := RegType(c.d)
	f := c.e.Intrinsic("llvm.abs."+TypeSuffix(t), t, t, types.I1)
	return c.b.NewCall(f, c.x[0], constant.False)
}

// emitSign is select(x>0, 1, select(x<0, -1, x)): ±0 and NaN give themselves.
func emitSign(c *elemCtx) value.Value {
	x := c.x[0]
	var gt, lt value.Value
	if c.isFloat() {
		gt = c.b.NewFCmp(enum.FPredOGT, x, Const(c.d, 0))
		lt = c.b.NewFCmp(enum.FPredOLT, x, Const(c.d, 0))
	} else {
		gt = c.b.NewICmp(enum.IPredSGT, x, Const(c.d, 0))
		lt = c.b.NewICmp(enum.IPredSLT, x, Const(c.d, 0))
	}
	return c.b.NewSelect(gt, Const(c.d, 1), c.b.NewSelect(lt, Const(c.d, -1), x))
}

// floatIntrinsic lowers a unary op to an overloaded LLVM intrinsic on the register type.
func floatIntrinsic(name string) lowering {
	return func(c *elemCtx) value.Value {
		t := RegType(c.d)
		return c.b.NewCall(c.e.Intrinsic(name+"."+TypeSuffix(t), t, t), c.x[0])
	}
}

// emitRsqrt is 1/sqrt(x), correctly rounded twice; never an approximation.
func emitRsqrt(c *elemCtx) value.Value {
	s := floatIntrinsic("llvm.sqrt")(c)
	return c.b.NewFDiv(c.fconst(1), s)
}

// mathFunc lowers a unary transcendental op: on float registers (f32, f16,
// bf16) to its inline function of vecmath.go when it has one, else, and on
// double, to a call of its library function (mathlib.go).
func mathFunc(c *elemCtx) value.Value {
	if f, ok := vecMath32[c.op]; ok && c.d != ir.F64 && !c.e.outline[c.op] {
		return f(fb{c.b, c.e}, c.x[0])
	}
	return callMath(c)
}

// emitSigmoid is the stable logistic with one exp: e = exp(-|x|),
// x >= 0 ? 1/(1+e) : e/(1+e). NaN fails x >= 0 and gives NaN/NaN. Float
// registers use sigmoidF32: the same formula with the inline exp, corrected
// for the rounding of e and of 1+e.
func emitSigmoid(c *elemCtx) value.Value {
	if c.d != ir.F64 {
		return sigmoidF32(fb{c.b, c.e}, c.x[0])
	}
	x := c.x[0]
	negAbs := c.b.NewFNeg(floatIntrinsic("llvm.fabs")(c))
	e := callMath(&elemCtx{e: c.e, b: c.b, op: ir.OpExp, d: c.d, in: c.in, x: []value.Value{negAbs}})
	den := c.b.NewFAdd(c.fconst(1), e)
	pos := c.b.NewFDiv(c.fconst(1), den)
	neg := c.b.NewFDiv(e, den)
	ge := c.b.NewFCmp(enum.FPredOGE, x, c.fconst(0))
	return c.b.NewSelect(ge, pos, neg)
}

func emitNot(c *elemCtx) value.Value { return c.b.NewXor(c.x[0], constant.True) }

// arith lowers a binary op with a float and a wrapping integer instruction
// (plain fadd/fmul: LLVM never contracts them into an FMA without flags).
func arith[F, I value.Value](f func(*llir.Block, value.Value, value.Value) F, i func(*llir.Block, value.Value, value.Value) I) lowering {
	return func(c *elemCtx) value.Value {
		if c.isFloat() {
			return f(c.b, c.x[0], c.x[1])
		}
		return i(c.b, c.x[0], c.x[1])
	}
}

// emitDiv divides; integer division truncates, x/0 is 0 (as ir.EvalOp) and
// MinInt/-1 wraps to MinInt, so sdiv never sees a divisor that traps.
func emitDiv(c *elemCtx) value.Value {
	x, y := c.x[0], c.x[1]
	if c.isFloat() {
		return c.b.NewFDiv(x, y)
	}
	zero := c.b.NewICmp(enum.IPredEQ, y, Const(c.d, 0))
	minus1 := c.b.NewICmp(enum.IPredEQ, y, Const(c.d, -1))
	unsafe := c.b.NewOr(zero, minus1)
	safeY := c.b.NewSelect(unsafe, Const(c.d, 1), y)
	q := c.b.NewSDiv(x, safeY)
	negX := c.b.NewSub(Const(c.d, 0), x)
	return c.b.NewSelect(zero, Const(c.d, 0), c.b.NewSelect(minus1, negX, q))
}

func emitMin(c *elemCtx) value.Value { return minMax(c, c.x[0], c.x[1], true) }
func emitMax(c *elemCtx) value.Value { return minMax(c, c.x[0], c.x[1], false) }

// emitClamp is min(max(x, lo), hi) with the same NaN rule.
func emitClamp(c *elemCtx) value.Value {
	return minMax(c, minMax(c, c.x[0], c.x[1], false), c.x[2], true)
}

// minMax is IEEE 754-2019 minimum/maximum (what ir.EvalOp computes): NaN in
// either operand gives NaN, and -0 < +0. LLVM 14 cannot select llvm.minimum on
// x86, so it is spelled out with compares and selects, which vectorise:
// x<y ? x : y, then equal operands merge their sign bits (or for min, and for
// max), then a NaN x is returned as is (a NaN y already won the first select).
func minMax(c *elemCtx, x, y value.Value, isMin bool) value.Value {
	b := c.b
	if !c.isFloat() {
		pred := enum.IPredSGT
		if isMin {
			pred = enum.IPredSLT
		}
		return b.NewSelect(b.NewICmp(pred, x, y), x, y)
	}
	pred := enum.FPredOGT
	if isMin {
		pred = enum.FPredOLT
	}
	r := value.Value(b.NewSelect(b.NewFCmp(pred, x, y), x, y))
	t := RegType(c.d)
	bt := types.NewInt(uint64(8 * sizeOf(t)))
	xb, yb := b.NewBitCast(x, bt), b.NewBitCast(y, bt)
	var merged value.Value
	if isMin {
		merged = b.NewOr(xb, yb)
	} else {
		merged = b.NewAnd(xb, yb)
	}
	r = b.NewSelect(b.NewFCmp(enum.FPredOEQ, x, y), b.NewBitCast(merged, t), r)
	return b.NewSelect(b.NewFCmp(enum.FPredUNO, x, x), x, r)
}

// sizeOf is the byte size of a float register type.
func sizeOf(t types.Type) int {
	if t.(*types.FloatType).Kind == types.FloatKindDouble {
		return 8
	}
	return 4
}

// logical lowers and/or on i1.
func logical[I value.Value](f func(*llir.Block, value.Value, value.Value) I) lowering {
	return func(c *elemCtx) value.Value { return f(c.b, c.x[0], c.x[1]) }
}

// compare lowers a comparison: ordered float predicates (NaN compares false),
// except ne, which is unordered (NaN != NaN is true); signed for integers,
// unsigned for bools (false < true).
func compare(fp enum.FPred, sp, up enum.IPred) lowering {
	return func(c *elemCtx) value.Value {
		switch d := c.in[0]; {
		case d.IsFloat():
			return c.b.NewFCmp(fp, c.x[0], c.x[1])
		case d == ir.Bool:
			return c.b.NewICmp(up, c.x[0], c.x[1])
		}
		return c.b.NewICmp(sp, c.x[0], c.x[1])
	}
}

func emitSelect(c *elemCtx) value.Value { return c.b.NewSelect(c.x[0], c.x[1], c.x[2]) }

// emitCast converts between any two dtypes with ir.Convert's rules. An f16 or
// bf16 register holds a float; casting to f16 or bf16 rounds it to that
// precision, casting from them takes the float as it is.
func emitCast(c *elemCtx) value.Value {
	from, to, x, b := c.in[0], c.d, c.x[0], c.b
	switch {
	case from == to:
		return x
	case to == ir.Bool:
		if from.IsFloat() {
			return b.NewFCmp(enum.FPredUNE, x, Const(from, 0))
		}
		return b.NewICmp(enum.IPredNE, x, Const(from, 0))
	case from == ir.Bool:
		if to.IsFloat() {
			return b.NewUIToFP(x, RegType(to))
		}
		return b.NewZExt(x, RegType(to))
	case from.IsInt() && to.IsInt():
		if to == ir.I64 {
			return b.NewSExt(x, types.I64)
		}
		// i64 -> i32 saturates, as ir.Convert does.
		lo, hi := Const(ir.I64, -1<<31), Const(ir.I64, 1<<31-1)
		x = b.NewSelect(b.NewICmp(enum.IPredSLT, x, lo), lo, x)
		x = b.NewSelect(b.NewICmp(enum.IPredSGT, x, hi), hi, x)
		return b.NewTrunc(x, types.I32)
	case from.IsInt():
		// Through double, as ir.Convert(float64(x), to); exact for i32.
		return c.e.FromDouble(b, to, b.NewSIToFP(x, types.Double))
	case to.IsInt():
		return c.e.fptosiSat(b, to, x)
	case from == ir.F64:
		return c.e.FromDouble(b, to, x)
	case to == ir.F64:
		return b.NewFPExt(x, types.Double)
	}
	return c.e.Round(b, to, x)
}

// EmitValues emits, in order, the values of vs whose type is scalar (or, with
// scalar false, the per-element ones) into b, reading operands from vals and
// adding the results to it: a loop kernel's body. iota gives the value of an
// iota; name, when not nil, is told each value emitted (to name it in the IR).
func (e *Elemental) EmitValues(b *llir.Block, vs []*ir.Value, vals map[*ir.Value]value.Value, scalar bool, iota func(*ir.Value) value.Value, name func(*ir.Value, value.Value)) error {
	for _, v := range vs {
		if v.Type.IsScalar() != scalar {
			continue
		}
		if v.Op == ir.OpIota {
			vals[v] = iota(v)
			continue
		}
		args := make([]value.Value, len(v.Args))
		for i, a := range v.Args {
			if a.Op == ir.OpConst {
				args[i] = Const(a.Type.DType, a.Const)
				continue
			}
			x, ok := vals[a]
			if !ok {
				return fmt.Errorf("%s: operand %s has no value (compiler bug)", ir.FormatValue(v), ir.Ref(a))
			}
			args[i] = x
		}
		r, err := e.Emit(b, v, args)
		if err != nil {
			return err
		}
		if name != nil {
			name(v, r)
		}
		vals[v] = r
	}
	return nil
}

// Product is the product of the dimensions of s as an i64, multiplied in b;
// dim gives a dimension's value. Unit dimensions are skipped, and a product
// of none is the constant 1.
func Product(b *llir.Block, s ir.Shape, dim func(ir.Dim) value.Value) value.Value {
	var x value.Value = constant.NewInt(types.I64, 1)
	for _, d := range s {
		if d == ir.ConstDim(1) {
			continue
		}
		if c, ok := x.(*constant.Int); ok && c.X.Int64() == 1 {
			x = dim(d)
			continue
		}
		x = b.NewMul(x, dim(d))
	}
	return x
}

// BroadcastStrides returns, in block b, the row-major stride of each axis of
// shape s as an i64, 0 along an axis of constant size 1, so that an index
// space of any size there reads the operand broadcast along it; dim gives a
// dimension's value.
func BroadcastStrides(b *llir.Block, s ir.Shape, dim func(ir.Dim) value.Value) []value.Value {
	st := make([]value.Value, len(s))
	var run value.Value = constant.NewInt(types.I64, 1)
	for d := len(s) - 1; d >= 0; d-- {
		st[d] = run
		if s[d] == ir.ConstDim(1) {
			st[d] = constant.NewInt(types.I64, 0)
			continue
		}
		run = b.NewMul(run, dim(s[d]))
	}
	return st
}
