// This file maps IR dtypes to LLVM types in registers and in memory, and converts
// between the two: loads widen, stores narrow, scalar arguments arrive as doubles.
package elemental

import (
	"fmt"
	"math"

	"dlc.dev/dlc/ir"

	llir "github.com/llir/llvm/ir"
	"github.com/llir/llvm/ir/constant"
	"github.com/llir/llvm/ir/enum"
	"github.com/llir/llvm/ir/types"
	"github.com/llir/llvm/ir/value"
)

// dtypeLayout says how one dtype lives in registers (where arithmetic happens)
// and in memory (one stored element).
type dtypeLayout struct {
	reg types.Type
	mem types.Type
}

// dtypeLayouts is the layout of every dtype. f16 and bf16 compute in float and
// are rounded when stored or cast; bf16 is stored as i16 because LLVM 14's
// bfloat does not lower on x86; bool is stored as one byte holding 0 or 1.
// f16 is stored as half on targets with F16C; without it LLVM lowers half
// conversions to library calls that no system library provides, so there it
// is stored as i16 and converted with integer code (f16Layout).
var dtypeLayouts = map[ir.DType]dtypeLayout{
	ir.F32:  {reg: types.Float, mem: types.Float},
	ir.F64:  {reg: types.Double, mem: types.Double},
	ir.F16:  {reg: types.Float, mem: types.Half},
	ir.BF16: {reg: types.Float, mem: types.I16},
	ir.I32:  {reg: types.I32, mem: types.I32},
	ir.I64:  {reg: types.I64, mem: types.I64},
	ir.Bool: {reg: types.I1, mem: types.I8},
}

// f16Bits is the layout of f16 on targets without F16C: its bits in an i16.
var f16Bits = dtypeLayout{reg: types.Float, mem: types.I16}

// RegType is the LLVM type a value of dtype d has in registers, on every target.
func RegType(d ir.DType) types.Type { return layoutOf(d).reg }

// MemType is the LLVM type of one element of dtype d in memory on the
// emitter's target.
func (e *Elemental) MemType(d ir.DType) types.Type {
	if d == ir.F16 && !e.f16c {
		return f16Bits.mem
	}
	return layoutOf(d).mem
}

func layoutOf(d ir.DType) dtypeLayout {
	l, ok := dtypeLayouts[d]
	if !ok {
		panic(fmt.Sprintf("no layout for dtype %s", d))
	}
	return l
}

// Const materialises the constant x of dtype d in its register type, rounded as
// ir.Convert rounds it (an f16 constant is a float that f16 can hold exactly).
func Const(d ir.DType, x float64) constant.Constant {
	x = ir.Convert(x, d)
	switch d {
	case ir.F64:
		return constant.NewFloat(types.Double, x)
	case ir.F32, ir.F16, ir.BF16:
		return constant.NewFloat(types.Float, x)
	case ir.I32:
		return constant.NewInt(types.I32, int64(x))
	case ir.I64:
		if x >= math.MaxInt64 {
			return constant.NewInt(types.I64, math.MaxInt64)
		}
		return constant.NewInt(types.I64, int64(x))
	case ir.Bool:
		return constant.NewBool(x != 0)
	}
	panic(fmt.Sprintf("no constant of dtype %s", d))
}

// Widen converts a loaded element of dtype d to its register form.
func (e *Elemental) Widen(b *llir.Block, d ir.DType, x value.Value) value.Value {
	if d == ir.F16 && !e.f16c {
		return f16ToFloat(b, x)
	}
	switch d {
	case ir.F16:
		return b.NewFPExt(x, types.Float)
	case ir.BF16:
		return bf16ToFloat(b, x)
	case ir.Bool:
		return b.NewICmp(enum.IPredNE, x, constant.NewInt(types.I8, 0))
	}
	return x
}

// Narrow converts a register value of dtype d to its memory form, rounding
// f16 and bf16 to nearest even. A bf16 value that Round produced is stored
// as the bits it was made from: rounding it again would give the same bits
// (its NaNs are quiet already), at the cost of a second rounding per element.
func (e *Elemental) Narrow(b *llir.Block, d ir.DType, x value.Value) value.Value {
	if d == ir.F16 && !e.f16c {
		return floatToF16(b, x)
	}
	if h, ok := e.bf16Bits[x]; ok && d == ir.BF16 {
		return h
	}
	switch d {
	case ir.F16:
		return b.NewFPTrunc(x, types.Half)
	case ir.BF16:
		return e.toBF16(b, x)
	case ir.Bool:
		return b.NewZExt(x, types.I8)
	}
	return x
}

// FromDouble converts a double (a scalar argument of the kernel ABI, or a
// converted integer) to the register form of dtype d, with ir.Convert's rules:
// floats round to nearest even (f16 and bf16 through f32, as ir.Convert does),
// integers truncate toward zero and saturate (NaN becomes 0), bools are x != 0.
func (e *Elemental) FromDouble(b *llir.Block, d ir.DType, x value.Value) value.Value {
	switch d {
	case ir.F64:
		return x
	case ir.F32:
		return b.NewFPTrunc(x, types.Float)
	case ir.F16, ir.BF16:
		return e.Round(b, d, b.NewFPTrunc(x, types.Float))
	case ir.I32, ir.I64:
		return e.fptosiSat(b, d, x)
	case ir.Bool:
		return b.NewFCmp(enum.FPredUNE, x, constant.NewFloat(types.Double, 0))
	}
	panic(fmt.Sprintf("no conversion from double to %s", d))
}

// Round rounds a float to the precision of dtype d and returns it as a float:
// the identity for f32, a round trip through half for f16 and through the
// bf16 bit pattern for bf16.
func (e *Elemental) Round(b *llir.Block, d ir.DType, x value.Value) value.Value {
	if d == ir.F16 && !e.f16c {
		return f16ToFloat(b, floatToF16(b, x))
	}
	switch d {
	case ir.F16:
		return b.NewFPExt(b.NewFPTrunc(x, types.Half), types.Float)
	case ir.BF16:
		h := e.toBF16(b, x)
		r := bf16ToFloat(b, h)
		e.bf16Bits[r] = h
		return r
	}
	return x
}

// fptosiSat converts a float or double to an integer dtype like ir.Convert:
// toward zero, saturating, NaN to 0 (llvm.fptosi.sat never yields poison).
func (e *Elemental) fptosiSat(b *llir.Block, d ir.DType, x value.Value) value.Value {
	to := RegType(d)
	f := e.Intrinsic("llvm.fptosi.sat."+TypeSuffix(to)+"."+TypeSuffix(x.Type()), to, x.Type())
	return b.NewCall(f, x)
}

// bf16ToFloat widens bf16 bits exactly: they are the top half of a float.
func bf16ToFloat(b *llir.Block, x value.Value) value.Value {
	w := b.NewZExt(x, types.I32)
	s := b.NewShl(w, constant.NewInt(types.I32, 16))
	return b.NewBitCast(s, types.Float)
}

// BF16RoundName is the function i16(float) that rounds a float to bf16
// bits on targets with Caps.BF16Round: floatToBF16's integer code, called
// instead of written out, and always inlined. A backend that widens element
// code into vectors recognises its calls (IsBF16Round) and gives them the
// vector form that uses the instruction; every other call inlines to the
// same code a target without it gets.
const BF16RoundName = "dlc.f32_to_bf16"

// toBF16 rounds a float to bf16 bits: floatToBF16's code in place, or on a
// target with Caps.BF16Round a call of BF16RoundName.
func (e *Elemental) toBF16(b *llir.Block, x value.Value) value.Value {
	if !e.bf16Round {
		return floatToBF16(b, x)
	}
	f := e.Define(BF16RoundName, func(m *llir.Module) *llir.Func {
		p := llir.NewParam("x", types.Float)
		f := m.NewFunc(BF16RoundName, types.I16, p)
		f.Linkage = enum.LinkageInternal
		f.FuncAttrs = []llir.FuncAttribute{enum.FuncAttrAlwaysInline, enum.FuncAttrNoUnwind, enum.FuncAttrReadNone, enum.FuncAttrWillReturn}
		entry := f.NewBlock("entry")
		entry.NewRet(floatToBF16(entry, p))
		return f
	})
	return b.NewCall(f, x)
}

// IsBF16Round reports whether f is this module's BF16RoundName.
func (e *Elemental) IsBF16Round(f *llir.Func) bool {
	return e.bf16Round && f != nil && e.decls[BF16RoundName] == f
}

// floatToBF16 rounds a float to bf16 bits with round-to-nearest-even in integer
// arithmetic, exactly as ir.F32ToBF16: a NaN keeps its top bits and is made quiet.
func floatToBF16(b *llir.Block, x value.Value) value.Value {
	i32 := func(n int64) constant.Constant { return constant.NewInt(types.I32, n) }
	bits := b.NewBitCast(x, types.I32)
	hi := b.NewLShr(bits, i32(16))
	odd := b.NewAnd(hi, i32(1))
	bias := b.NewAdd(odd, i32(0x7fff))
	rounded := b.NewLShr(b.NewAdd(bits, bias), i32(16))
	quiet := b.NewOr(hi, i32(0x40))
	isNaN := b.NewFCmp(enum.FPredUNO, x, x)
	r := b.NewSelect(isNaN, quiet, rounded)
	return b.NewTrunc(r, types.I16)
}

// f16ToFloat widens f16 bits exactly, as F16C's vcvtph2ps does: a normal
// number is rebiased, a subnormal is its significand times 2^-24 (both exact),
// inf stays inf, and a NaN keeps its payload and is made quiet.
func f16ToFloat(b *llir.Block, x value.Value) value.Value {
	i32 := func(n int64) constant.Constant { return constant.NewInt(types.I32, n) }
	w := b.NewZExt(x, types.I32)
	sign := b.NewShl(b.NewAnd(w, i32(0x8000)), i32(16))
	em := b.NewAnd(w, i32(0x7fff)) // exponent and significand
	exp := b.NewAnd(w, i32(0x7c00))
	normal := b.NewAdd(b.NewShl(em, i32(13)), i32((127-15)<<23))
	var special value.Value = b.NewAdd(b.NewShl(em, i32(13)), i32((255-31)<<23))
	special = b.NewSelect(b.NewICmp(enum.IPredUGT, em, i32(0x7c00)), b.NewOr(special, i32(0x400000)), special)
	sub := b.NewFMul(b.NewUIToFP(em, types.Float), constant.NewFloat(types.Float, 0x1p-24))
	var r value.Value = b.NewSelect(b.NewICmp(enum.IPredEQ, exp, i32(0x7c00)), special, normal)
	r = b.NewSelect(b.NewICmp(enum.IPredEQ, exp, i32(0)), b.NewBitCast(sub, types.I32), r)
	return b.NewBitCast(b.NewOr(r, sign), types.Float)
}

// floatToF16 rounds a float to f16 bits to nearest even, as F16C's vcvtps2ph
// does: a normal result by adding half an ulp (less one, plus the kept
// lowest bit) below the 10 kept bits; a subnormal one by adding 0.5, whose
// ulp is f16's smallest subnormal, so that the FPU rounds; from 65520 on, inf;
// a NaN keeps its top payload bits and is made quiet.
func floatToF16(b *llir.Block, x value.Value) value.Value {
	i32 := func(n int64) constant.Constant { return constant.NewInt(types.I32, n) }
	bits := b.NewBitCast(x, types.I32)
	sign := b.NewAnd(b.NewLShr(bits, i32(16)), i32(0x8000))
	a := b.NewAnd(bits, i32(0x7fffffff))
	odd := b.NewAnd(b.NewLShr(a, i32(13)), i32(1))
	normal := b.NewSub(b.NewLShr(b.NewAdd(b.NewAdd(a, i32(0xfff)), odd), i32(13)), i32((127-15)<<10))
	half := b.NewFAdd(b.NewBitCast(a, types.Float), constant.NewFloat(types.Float, 0.5))
	sub := b.NewSub(b.NewBitCast(half, types.I32), i32(0x3f000000))
	nan := b.NewOr(b.NewAnd(b.NewLShr(a, i32(13)), i32(0x3ff)), i32(0x7e00))
	var h value.Value = b.NewSelect(b.NewICmp(enum.IPredULT, a, i32(0x38800000)), sub, normal)
	h = b.NewSelect(b.NewICmp(enum.IPredUGE, a, i32(0x477ff000)), i32(0x7c00), h)
	h = b.NewSelect(b.NewICmp(enum.IPredUGT, a, i32(0x7f800000)), nan, h)
	return b.NewTrunc(b.NewOr(h, sign), types.I16)
}

// TypeSuffix is the overload suffix of an intrinsic for a scalar type.
func TypeSuffix(t types.Type) string {
	if ft, ok := t.(*types.FloatType); ok {
		switch ft.Kind {
		case types.FloatKindHalf:
			return "f16"
		case types.FloatKindFloat:
			return "f32"
		case types.FloatKindDouble:
			return "f64"
		}
	}
	if it, ok := t.(*types.IntType); ok {
		return fmt.Sprintf("i%d", it.BitSize)
	}
	panic(fmt.Sprintf("no intrinsic suffix for %s", t))
}
