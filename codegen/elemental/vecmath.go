// This file lowers the f32 transcendental functions (exp, expm1, log, log1p,
// tanh, sigmoid, erf, erfc; sin and cos are in vecmath_trig.go) to inline
// code: fadd, fmul, fdiv, conversions, integer operations on the bits, and
// selects. A loop around them vectorises like plain arithmetic (a libm call
// is scalarised). f16 and bf16 compute in f32 registers and use them too; f64
// still calls libm (mathlib.go).
//
// Numerics (MATH.md §0, RATIONALE.md "Transcendental functions"): no
// fast-math flags and no FMA contraction; range reductions split ln 2 in two
// (Cody and Waite) and carry the rounding error of the reduced argument;
// special values (±0, ±inf, NaN, subnormals) are selected, never branched on.
// exp alone has a second form for CPUs with FMA, written with explicit fused
// multiply-adds (llvm.fma, rounded once by definition): it is the hot function
// of the losses, and half as long. Every other function computes the same bits
// on every CPU. erfc, sin and cos compute in f64 registers and round their
// result to f32 once. Every function is within 2 ulps of the correctly
// rounded result on every f32 input (vecmath_test.go sweeps them).
// The polynomial coefficients are minimax fits rounded to f32 one at a time,
// refitting the others (f64 ones for the f64 polynomials).
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

// vecMath32 is every inline f32 function by the IR op it computes. The
// elemental emitter lowers an op with an entry here inline on float registers
// (mathFunc), and calls its library function otherwise.
var vecMath32 = map[ir.Op]func(f fb, x value.Value) value.Value{
	ir.OpExp:     expF32,
	ir.OpExpm1:   expm1F32,
	ir.OpLog:     logF32,
	ir.OpLog1p:   log1pF32,
	ir.OpTanh:    tanhF32,
	ir.OpSigmoid: sigmoidF32,
	ir.OpErf:     erfF32,
	ir.OpErfc:    erfcF32,
	ir.OpSin:     sinF32,
	ir.OpCos:     cosF32,
}

// fb appends f32 and i32 instructions (and f64 and i64 ones) to a block: the
// vocabulary of this file.
// e declares intrinsics and says whether the target has FMA; nil means no FMA.
type fb struct {
	b *llir.Block
	e *Elemental
}

// hasFMA reports whether exp may use fused multiply-adds.
func (f fb) hasFMA() bool { return f.e != nil && f.e.fma }

// fma is x*y + z rounded once.
func (f fb) fma(x, y, z value.Value) value.Value {
	return f.b.NewCall(f.e.Intrinsic("llvm.fma.f32", types.Float, types.Float, types.Float, types.Float), x, y, z)
}

// rint rounds to the nearest integer, ties to even (vroundps).
func (f fb) rint(x value.Value) value.Value {
	return f.b.NewCall(f.e.Intrinsic("llvm.rint.f32", types.Float, types.Float), x)
}

// freeze turns a poison lane into some fixed value (llvm freeze).
func (f fb) freeze(x value.Value) value.Value {
	in := llir.NewInstFreeze(x)
	f.b.Insts = append(f.b.Insts, in)
	return in
}

// k is the f32 constant x, which must be exactly representable.
func (f fb) k(x float64) value.Value {
	if float64(float32(x)) != x && !math.IsNaN(x) {
		panic("f32 constant is not exact")
	}
	return constant.NewFloat(types.Float, x)
}
func (f fb) i(n int64) value.Value            { return constant.NewInt(types.I32, n) }
func (f fb) add(x, y value.Value) value.Value { return f.b.NewFAdd(x, y) }
func (f fb) sub(x, y value.Value) value.Value { return f.b.NewFSub(x, y) }
func (f fb) mul(x, y value.Value) value.Value { return f.b.NewFMul(x, y) }
func (f fb) div(x, y value.Value) value.Value { return f.b.NewFDiv(x, y) }
func (f fb) cmp(p enum.FPred, x, y value.Value) value.Value {
	return f.b.NewFCmp(p, x, y)
}
func (f fb) sel(c, x, y value.Value) value.Value { return f.b.NewSelect(c, x, y) }
func (f fb) bits(x value.Value) value.Value      { return f.b.NewBitCast(x, types.I32) }
func (f fb) float(n value.Value) value.Value     { return f.b.NewBitCast(n, types.Float) }

// The f64 vocabulary: sin, cos and erfc compute in double registers between
// an f32 argument and an f32 result (RATIONALE.md).

// dk is the f64 constant x.
func (f fb) dk(x float64) value.Value { return constant.NewFloat(types.Double, x) }

// l is the i64 constant n.
func (f fb) l(n int64) value.Value { return constant.NewInt(types.I64, n) }

// ext widens an f32 to f64, exactly.
func (f fb) ext(x value.Value) value.Value { return f.b.NewFPExt(x, types.Double) }

// narrow rounds an f64 to f32, once (to nearest even, subnormals and
// overflow as IEEE 754 says).
func (f fb) narrow(x value.Value) value.Value { return f.b.NewFPTrunc(x, types.Float) }

// bits64 is the bit pattern of an f64, and double the f64 of a pattern.
func (f fb) bits64(x value.Value) value.Value { return f.b.NewBitCast(x, types.I64) }
func (f fb) double(n value.Value) value.Value { return f.b.NewBitCast(n, types.Double) }

// kOf is the constant x in the float type t (f32 or f64).
func (f fb) kOf(t types.Type, x float64) value.Value {
	if t.Equal(types.Double) {
		return f.dk(x)
	}
	return f.k(x)
}

// poly evaluates c[0] + x*(c[1] + x*(c[2] + ...)) by Horner's rule, in x's
// type (f32 or f64).
func (f fb) poly(x value.Value, c ...float64) value.Value {
	t := x.Type()
	p := f.kOf(t, c[len(c)-1])
	for i := len(c) - 2; i >= 0; i-- {
		p = f.add(f.kOf(t, c[i]), f.mul(x, p))
	}
	return p
}

// estrin evaluates c[0] + x*c[1] + ... by Estrin's scheme, given x2 = x*x:
// pairs c[i] + x*c[i+1] combined in powers of x2, a dependency chain of
// depth about 2 log2(n) operations instead of Horner's 2n.
func (f fb) estrin(x, x2 value.Value, c ...float64) value.Value {
	t := x.Type()
	terms := make([]value.Value, 0, (len(c)+1)/2)
	for i := 0; i < len(c); i += 2 {
		if i+1 < len(c) {
			terms = append(terms, f.add(f.kOf(t, c[i]), f.mul(x, f.kOf(t, c[i+1]))))
		} else {
			terms = append(terms, f.kOf(t, c[i]))
		}
	}
	for p := x2; len(terms) > 1; p = f.mul(p, p) {
		next := make([]value.Value, 0, (len(terms)+1)/2)
		for i := 0; i < len(terms); i += 2 {
			if i+1 < len(terms) {
				next = append(next, f.add(terms[i], f.mul(p, terms[i+1])))
			} else {
				next = append(next, terms[i])
			}
		}
		terms = next
	}
	return terms[0]
}

// abs is |x|, by masking the sign bit (NaN stays NaN).
func (f fb) abs(x value.Value) value.Value {
	return f.float(f.b.NewAnd(f.bits(x), f.i(0x7fffffff)))
}

// signBit is the sign bit of x, as i32.
func (f fb) signBit(x value.Value) value.Value {
	return f.b.NewAnd(f.bits(x), f.i(-0x80000000))
}

// withSign ors a sign bit into a non-negative value.
func (f fb) withSign(a, sign value.Value) value.Value {
	return f.float(f.b.NewOr(f.bits(a), sign))
}

// pow2 is 2^n for an i32 n in [-126, 127], built from its exponent bits.
func (f fb) pow2(n value.Value) value.Value {
	return f.float(f.b.NewShl(f.b.NewAdd(n, f.i(127)), f.i(23)))
}

// ln 2 split in two: ln2Hi has 15 significant bits, so k*ln2Hi is exact for
// |k| < 256 (every exponent of an f32), and ln2Hi + ln2Lo is ln 2 to 40 bits.
const (
	ln2Hi = 0x1.62e4p-1
	ln2Lo = 0x1.7f7d1cp-20
	log2e = 0x1.715476p+0
	// roundMagic added to |y| < 2^22 rounds it to an integer, which is then
	// both y + roundMagic - roundMagic and the low bits of y + roundMagic.
	roundMagic = 0x1.8p23
)

// expQ is the minimax fit of (e^r - 1 - r)/r^2 on |r| <= 0.347, weighted for
// the relative error of expm1(r): at most 2^-28.2 relative error in e^r - 1.
var expQ = []float64{0x1p-1, 0x1.55552cp-3, 0x1.555502p-5, 0x1.1155a8p-7, 0x1.6d2e4ap-10, 0x1.3b8accp-13}

// expReduction is x = k ln2 + r + c with k an integer, |r| <= ln2/2 (a
// little more, since k comes from a rounded product) and c the rounding error
// of r. Then e^x = 2^k (1 + p + pl), where p + pl = r + q exactly and
// q = e^(r+c) - 1 - r to about 2^-28 relative; and 1 + p = yh + yl exactly.
type expReduction struct {
	kf, ki value.Value // k as f32 and as i32
	p, pl  value.Value
	yh, yl value.Value
	y      value.Value // fl(1 + p + pl) by a shorter path, for exp alone
	s1, s2 value.Value // 2^k = s1 * s2, both normal for k in [-150, 128]
}

// reduceExp reduces x, which must lie in [-2^21, 2^21] or be NaN.
func reduceExp(f fb, x value.Value) expReduction {
	t := f.add(f.mul(x, f.k(log2e)), f.k(roundMagic))
	kf := f.sub(t, f.k(roundMagic))
	ki := f.b.NewSub(f.bits(t), f.i(int64(math.Float32bits(roundMagic))))
	hi := f.sub(x, f.mul(kf, f.k(ln2Hi))) // exact: Sterbenz
	lo := f.mul(kf, f.k(ln2Lo))
	r := f.sub(hi, lo)
	c := f.sub(f.sub(hi, r), lo) // what r lost to rounding
	r2 := f.mul(r, r)
	q0 := f.mul(r2, f.estrin(r, r2, expQ...))
	q := f.add(q0, c)
	// Two Fast2Sums: |r| >= |q| and 1 >= |p|.
	p := f.add(r, q)
	pl := f.add(f.sub(r, p), q)
	yh := f.add(f.k(1), p)
	yl := f.add(f.add(f.sub(f.k(1), yh), p), pl)
	// 1 + r = ah + al exactly (Fast2Sum), off the polynomial's path, so
	// that e^r rounded once is ah + ((al + c) + q0): two additions after
	// the polynomial instead of three.
	ah := f.add(f.k(1), r)
	al := f.add(f.sub(f.k(1), ah), r)
	y := f.add(ah, f.add(f.add(al, c), q0))
	k1 := f.b.NewAShr(ki, f.i(1))
	return expReduction{kf: kf, ki: ki, p: p, pl: pl, yh: yh, yl: yl, y: y,
		s1: f.pow2(k1), s2: f.pow2(f.b.NewSub(ki, k1))}
}

// scale is y * 2^k with a single rounding: y in [0.7, 1.5] times s1 is exact,
// so overflow gives inf and underflow rounds correctly to a subnormal or 0.
func (e expReduction) scale(f fb, y value.Value) value.Value {
	return f.mul(f.mul(y, e.s1), e.s2)
}

// clampExp limits x to 89 (NaN passes), above which e^x is inf in f32
// anyway, and reduces it. Below -104, where e^x is +0 in f32 (and f16 and
// bf16), under is true and x is replaced by 0: the scaling there would reach
// +0 through subnormal products, which cost a microcode assist per lane on
// common x86 CPUs (about 100 cycles measured on AMD EPYC), and exp(-inf) is
// the common case of a masked class in a loss. Callers select +0 on under.
func clampExp(f fb, x value.Value) (e expReduction, under value.Value) {
	x = f.sel(f.cmp(enum.FPredOGT, x, f.k(89)), f.k(89), x)
	under = f.cmp(enum.FPredOLT, x, f.k(-104))
	x = f.sel(under, f.k(0), x)
	return reduceExp(f, x), under
}

// expF32 is e^x = 2^k * fl(1 + p); the scaling overflows and underflows as
// IEEE 754 does, and below -104 the result is selected +0.
func expF32(f fb, x value.Value) value.Value {
	if f.hasFMA() {
		return expF32FMA(f, x)
	}
	e, under := clampExp(f, x)
	return f.sel(under, f.k(0), e.scale(f, e.y))
}

// expP is the minimax fit of (e^r - 1 - r)/r^2 on |r| <= 0.347, weighted for
// the relative error of e^r: 2^-28.2.
var expP = []float64{0x1.fffffcp-02, 0x1.55548ap-03, 0x1.55584ep-05, 0x1.123f3p-07, 0x1.6ad158p-10}

// expF32FMA is exp with fused multiply-adds: k = rint(x log2e);
// r = fma(k, -ln2lo, fma(k, -ln2hi, x)), the first exact (k ln2hi is, and
// Sterbenz), the second rounded once; e^r = 1 + fma(r^2, P(r), r) with P by
// Horner's rule in fmas; times 2^k as in expF32. Clamping, the +0 below -104
// and the special values are expF32's. 24 vector instructions against 39, and
// a dependency chain about half as long: the loops that call it (a loss's
// gradient pass) are bound by both. Within 1.02 ulp (1.013 over all 2^32
// inputs with -dlc.exhaustive).
func expF32FMA(f fb, x value.Value) value.Value {
	x = f.sel(f.cmp(enum.FPredOGT, x, f.k(89)), f.k(89), x)
	under := f.cmp(enum.FPredOLT, x, f.k(-104))
	x = f.sel(under, f.k(0), x)
	kf := f.rint(f.mul(x, f.k(log2e)))
	// kf is an integer in [-151, 129], or NaN, whose conversion is poison:
	// frozen, that lane's scale is some number, and NaN times it is NaN.
	ki := f.freeze(f.b.NewFPToSI(kf, types.I32))
	r := f.fma(kf, f.k(-ln2Hi), x)
	r = f.fma(kf, f.k(-ln2Lo), r)
	p := f.k(expP[len(expP)-1])
	for i := len(expP) - 2; i >= 0; i-- {
		p = f.fma(p, r, f.k(expP[i]))
	}
	y := f.add(f.k(1), f.fma(f.mul(r, r), p, r))
	k1 := f.b.NewAShr(ki, f.i(1))
	y = f.mul(f.mul(y, f.pow2(k1)), f.pow2(f.b.NewSub(ki, k1)))
	return f.sel(under, f.k(0), y)
}

// expParts is e^x as an unevaluated sum eh + el, eh = expF32(x), for callers
// that add e^x to something and would otherwise lose el (up to half an ulp).
func expParts(f fb, x value.Value) (eh, el value.Value) {
	e, under := clampExp(f, x)
	return f.sel(under, f.k(0), e.scale(f, e.yh)), f.sel(under, f.k(0), e.scale(f, e.yl))
}

// expm1F32 is e^x - 1, accurate near 0. With s = 2^k and k <= 24, T = s-1 and
// s*p are exact and their sum is split exactly (Fast2Sum, |T| >= |s p| but
// for k = 0, where T = 0), so the result is rounded once:
// (T + s p) + (lo + s pl). For k > 24 it is s yh + (s yl - 1). Inputs are
// clamped to [-20, 89] (the result there is -1, or inf). expm1(-0) = -0.
func expm1F32(f fb, x value.Value) value.Value {
	xc := f.sel(f.cmp(enum.FPredOGT, x, f.k(89)), f.k(89), x)
	xc = f.sel(f.cmp(enum.FPredOLT, xc, f.k(-20)), f.k(-20), xc)
	e := reduceExp(f, xc)
	s := f.pow2(e.ki) // garbage for k > 127, but then not selected
	t := f.sub(s, f.k(1))
	sp := f.mul(s, e.p)
	ah := f.add(t, sp)
	al := f.add(f.sub(t, ah), sp)
	small := f.add(ah, f.add(al, f.mul(s, e.pl)))
	large := f.add(e.scale(f, e.yh), f.sub(e.scale(f, e.yl), f.k(1)))
	y := f.sel(f.cmp(enum.FPredOGT, e.kf, f.k(24)), large, small)
	return f.sel(f.cmp(enum.FPredOEQ, x, f.k(0)), x, y)
}

// logR is the minimax fit of (2 atanh(s) - 2s)/(s z), z = s^2, on
// |s| <= (sqrt2-1)/(sqrt2+1), weighted for the error of log1p: 2^-35.2.
var logR = []float64{0x1.555554p-1, 0x1.999c28p-2, 0x1.23d312p-2, 0x1.f161d2p-3}

// logCore is k ln2 + log1p(f) + c for f in [sqrt(1/2)-1, sqrt(2)-1] and a
// small correction c: with s = f/(2+f), log1p(f) = 2 atanh(s) =
// f - (f^2/2 - s (f^2/2 + R(s^2))), which keeps f exact and adds only the
// small correction to it.
func logCore(f fb, fr, kf, c value.Value) value.Value {
	s := f.div(fr, f.add(f.k(2), fr))
	z := f.mul(s, s)
	r := f.mul(z, f.poly(z, logR...))
	hfsq := f.mul(f.mul(f.k(0.5), fr), fr)
	lo := f.add(f.mul(kf, f.k(ln2Lo)), c)
	t := f.add(f.mul(s, f.add(hfsq, r)), lo)
	return f.add(f.mul(kf, f.k(ln2Hi)), f.sub(fr, f.sub(hfsq, t)))
}

// sqrtHalfBits are the bits of the f32 nearest sqrt(1/2) (just below it).
const sqrtHalfBits = 0x3f3504f3

// splitLog writes a positive normal u as 2^k * m with m in [sqrt(1/2), sqrt(2)):
// subtracting the bits of sqrt(1/2) carries into the exponent exactly when the
// significand is at least sqrt(1/2).
func splitLog(f fb, u value.Value) (k, m value.Value) {
	ix := f.b.NewSub(f.bits(u), f.i(sqrtHalfBits))
	k = f.b.NewAShr(ix, f.i(23))
	m = f.float(f.b.NewAdd(f.b.NewAnd(ix, f.i(0x7fffff)), f.i(sqrtHalfBits)))
	return k, m
}

// logF32 is the natural logarithm. Subnormals are scaled by 2^23 first;
// log(±0) = -inf, log(x<0) = NaN, log(inf) = inf, NaN gives itself.
func logF32(f fb, x value.Value) value.Value {
	sub := f.cmp(enum.FPredOLT, x, f.k(0x1p-126))
	xs := f.sel(sub, f.mul(x, f.k(0x1p23)), x)
	k, m := splitLog(f, xs)
	k = f.b.NewSub(k, f.sel(sub, f.i(23), f.i(0)))
	kf := f.b.NewSIToFP(k, types.Float)
	y := logCore(f, f.sub(m, f.k(1)), kf, f.k(0))
	y = f.sel(f.cmp(enum.FPredOEQ, x, f.k(math.Inf(1))), x, y)
	y = f.sel(f.cmp(enum.FPredOEQ, x, f.k(0)), f.k(math.Inf(-1)), y)
	y = f.sel(f.cmp(enum.FPredOLT, x, f.k(0)), f.k(math.NaN()), y)
	return f.sel(f.cmp(enum.FPredUNO, x, x), x, y)
}

// log1pF32 is log(1+x). When 1+x lies in [sqrt(1/2), sqrt(2)), x itself is the
// reduced argument (exact, so tiny x gives x); otherwise u = 1+x is split
// and the rounding error of u is added back as (x - (u-1))/u.
// log1p(-1) = -inf, below -1 NaN, log1p(inf) = inf, log1p(±0) = ±0.
func log1pF32(f fb, x value.Value) value.Value {
	u := f.add(f.k(1), x)
	k, m := splitLog(f, u)
	k0 := f.b.NewICmp(enum.IPredEQ, k, f.i(0))
	fr := f.sel(k0, x, f.sub(m, f.k(1)))
	c := f.sel(k0, f.k(0), f.div(f.sub(x, f.sub(u, f.k(1))), u))
	y := logCore(f, fr, f.b.NewSIToFP(k, types.Float), c)
	y = f.sel(f.cmp(enum.FPredOEQ, x, f.k(math.Inf(1))), x, y)
	y = f.sel(f.cmp(enum.FPredOEQ, x, f.k(-1)), f.k(math.Inf(-1)), y)
	y = f.sel(f.cmp(enum.FPredOLT, x, f.k(-1)), f.k(math.NaN()), y)
	y = f.sel(f.cmp(enum.FPredUNO, x, x), x, y)
	return f.sel(f.cmp(enum.FPredOEQ, x, f.k(0)), x, y)
}

// tanhP is the minimax fit of (tanh(x) - x)/x^3 in z = x^2 on |x| <= 0.625,
// relative error 2^-32.4.
var tanhP = []float64{-0x1.555554p-2, 0x1.11107ap-3, -0x1.b9f188p-5, 0x1.63a55p-6, -0x1.0c5edp-7, 0x1.1a2816p-9}

// tanhSmall is where tanh switches from its polynomial to 1 - 2/(e^2x + 1).
const tanhSmall = 0.625

// tanhF32 is tanh(x) = sign(x) * (|x| + |x|^3 P(x^2)) for |x| < 0.625, else
// sign(x) * (1 - 2/(e^(2|x|) + 1)), which is 1 from |x| > 9 and for inf.
// ±0 gives ±0, NaN gives NaN.
func tanhF32(f fb, x value.Value) value.Value {
	a, sign := f.abs(x), f.signBit(x)
	z := f.mul(a, a)
	small := f.add(a, f.mul(a, f.mul(z, f.poly(z, tanhP...))))
	// e^2a + 1 = den + lo exactly (Fast2Sum, e^2a >= 1), and
	// 2/(den+lo) = t - t*(lo/den) with 1/den = t/2; |x| is clamped to 10,
	// where tanh is 1 already, so that e^2a stays finite.
	ac := f.sel(f.cmp(enum.FPredOGT, a, f.k(10)), f.k(10), a)
	eh, el := expParts(f, f.add(ac, ac))
	den := f.add(eh, f.k(1))
	lo := f.add(f.add(f.sub(eh, den), f.k(1)), el)
	t := f.div(f.k(2), den)
	t = f.sub(t, f.mul(t, f.mul(lo, f.mul(t, f.k(0.5)))))
	large := f.sub(f.k(1), t)
	return f.withSign(f.sel(f.cmp(enum.FPredOLT, a, f.k(tanhSmall)), small, large), sign)
}

// sigmoidF32 is the stable logistic with one exp: e = exp(-|x|),
// x >= 0 ? 1/(1+e) : e/(1+e); for very negative x it is e itself, accurate
// down to the subnormals. e = eh + el, and 1 + eh = den + lo exactly
// (Fast2Sum, eh <= 1), so each quotient is corrected: 1/(den+lo) =
// inv - inv*(lo/den), (eh+el)/(den+lo) = q + el/den - q*(lo/den). That takes
// the error from 2.3 ulps (plain quotients of exp's result) to 1.1.
// NaN fails x >= 0 and gives NaN.
func sigmoidF32(f fb, x value.Value) value.Value {
	a := f.abs(x)
	eh, el := expParts(f, f.b.NewFNeg(a))
	den := f.add(f.k(1), eh)
	lo := f.add(f.add(f.sub(f.k(1), den), eh), el)
	inv := f.div(f.k(1), den)
	corr := f.mul(lo, inv)
	pos := f.sub(inv, f.mul(inv, corr))
	q := f.div(eh, den)
	neg := f.add(q, f.sub(f.mul(el, inv), f.mul(q, corr)))
	return f.sel(f.cmp(enum.FPredOGE, x, f.k(0)), pos, neg)
}

// erfP is the minimax fit of erf(x)/x - 1 in z = x^2 on |x| <= 1, relative
// error 2^-29.4.
var erfP = []float64{0x1.06eba8p-3, -0x1.81273ep-2, 0x1.ce2ce6p-4, -0x1.b7f71ap-6, 0x1.53f224p-8, -0x1.a3515ep-11, 0x1.4771fep-14}

// erfcxT is the minimax fit of e^(x^2) erfc(x) in t = 1/(1+x) on 1 <= x <= 4,
// weighted by e^(-x^2) (the error of erf = 1 - e^(-x^2) erfcx): 2^-30.
var erfcxT = []float64{0x1.961b42p-11, 0x1.1cf1e8p-1, 0x1.2727e6p-1, 0x1.a61114p-2, -0x1.f274cep-1, 0x1.c280dap-2}

// erfF32 is the error function: sign(x) * (|x| + |x| P(x^2)) for |x| < 1,
// else sign(x) * (1 - e^(-x^2) R(1/(1+|x|))) with |x| clamped to 4, where erf
// is 1 in f32 (it is from 3.92). ±0 gives ±0, ±inf ±1, NaN NaN.
func erfF32(f fb, x value.Value) value.Value {
	a, sign := f.abs(x), f.signBit(x)
	z := f.mul(a, a)
	small := f.add(a, f.mul(a, f.poly(z, erfP...)))
	ac := f.sel(f.cmp(enum.FPredOGT, a, f.k(4)), f.k(4), a)
	t := f.div(f.k(1), f.add(f.k(1), ac))
	// ac^2 = zh + zl exactly (Dekker: ah, the top 12 bits of ac, and
	// al = ac - ah multiply exactly), and e^-(zh+zl) = (eh + el)(1 - zl).
	ah := f.float(f.b.NewAnd(f.bits(ac), f.i(-0x1000)))
	al := f.sub(ac, ah)
	zh := f.mul(ac, ac)
	zl := f.add(f.add(f.sub(f.mul(ah, ah), zh), f.mul(f.add(ah, ah), al)), f.mul(al, al))
	eh, el := expParts(f, f.b.NewFNeg(zh))
	r := f.poly(t, erfcxT...)
	large := f.sub(f.k(1), f.add(f.mul(eh, r), f.mul(f.sub(el, f.mul(eh, zl)), r)))
	return f.withSign(f.sel(f.cmp(enum.FPredOLT, a, f.k(1)), small, large), sign)
}

// erfcMax is where erfc's argument is clamped: erfc(10.125) is below half the
// smallest subnormal, so the result there rounds to +0.
const erfcMax = 10.125

// erfcP is the minimax fit of log(erfc(x) (1 + x/2)) + x^2 in t = 1/(1 + x/2)
// on 0 <= x <= erfcMax, absolute error 2^-32.6, which is the relative error
// it gives erfc = t e^(-x^2 + P(t)) (the form of Numerical Recipes' erfcc,
// refitted). The coefficients are f64: the polynomial is evaluated in f64.
var erfcP = []float64{-0x1.43f833ff6e201p+00, 0x1.ffe2f88ee33b3p-01, 0x1.83a7e96c75da7p-02, 0x1.95fde99f41f7cp-05, 0x1.f7860a7894d46p-04, -0x1.086edf066396p+00, 0x1.49848d393f671p+01, -0x1.67153a5fd89fcp+02, 0x1.0c0ca6642c78dp+03, -0x1.f042b4e488bebp+02, 0x1.1542f78ec3868p+02, -0x1.5aa10d062e5fep+00, 0x1.774f55c16c6fp-03}

// erfcF32 is the complementary error function, computed in f64 registers
// and rounded to f32 once: for a = |x| clamped to erfcMax, t = 1/(1 + a/2)
// and y = t e^(-a^2 + P(t)), where a^2 is exact in f64 and e^w is exp64;
// erfc(x) = y for x >= 0 and 2 - y below. The f64 result is within about
// 2^-32 of erfc(x) relative, so the one rounding to f32 (subnormal results
// included) leaves it within about half an ulp. erfc(±0) = 1, erfc(inf) =
// +0, erfc(-inf) = 2, NaN gives NaN.
func erfcF32(f fb, x value.Value) value.Value {
	a := f.abs(x)
	a = f.sel(f.cmp(enum.FPredOGT, a, f.k(erfcMax)), f.k(erfcMax), a) // NaN passes
	ad := f.ext(a)
	t := f.div(f.dk(1), f.add(f.dk(1), f.mul(ad, f.dk(0.5))))
	y := f.mul(t, exp64(f, f.sub(f.estrin(t, f.mul(t, t), erfcP...), f.mul(ad, ad))))
	y = f.sel(f.cmp(enum.FPredOGE, x, f.k(0)), y, f.sub(f.dk(2), y)) // NaN fails x >= 0
	return f.narrow(y)
}

// exp64Q is the minimax fit of (e^r - 1 - r)/r^2 on |r| <= 0.3466 in f64,
// relative error 2^-33.2 in e^r.
var exp64Q = []float64{0x1.00000045704b5p-01, 0x1.555555742e15ep-03, 0x1.55547094ccd57p-05, 0x1.1110ab71c9b96p-07, 0x1.6da76708c29adp-10, 0x1.a17e03f33aac2p-13}

// exp64 is e^w for an f64 w in [-1000, 1000], to about 2^-33 relative
// (the accuracy an f32 result needs, not an f64 one): k = round(w log2e) by
// adding 1.5*2^52, r = w - k ln2 (one constant: |k ln2| < 1000 loses at most
// 2^-43 of r), e^r = 1 + (r + r^2 Q(r)), times 2^k built from k's bits, which
// the rounding leaves in the low bits of the sum.
func exp64(f fb, w value.Value) value.Value {
	const magic = 0x1.8p52
	kd := f.add(f.mul(w, f.dk(math.Log2E)), f.dk(magic))
	r := f.sub(w, f.mul(f.sub(kd, f.dk(magic)), f.dk(math.Ln2)))
	r2 := f.mul(r, r)
	p := f.add(f.dk(1), f.add(r, f.mul(r2, f.estrin(r, r2, exp64Q...))))
	// bits(kd) = bits(magic) + k, whose low 12 bits are those of k: shifted
	// to the exponent field and added to the bits of 1.0, they make 2^k.
	s := f.double(f.b.NewAdd(f.b.NewShl(f.bits64(kd), f.l(52)), f.l(0x3ff0000000000000)))
	return f.mul(p, s)
}
