// This file lowers f32 sin and cos to inline code like vecmath.go's
// functions: no branch and no call, so loops around them vectorise. Every
// argument, up to 3.4e38, is reduced exactly modulo pi/2 by a branch-free
// Payne–Hanek reduction: the bits of 2/pi that matter for the argument's
// exponent are picked from a constant string by selects and shifts, and
// multiplied by the argument's significand in exact f64 products. The
// reduced argument and the polynomials are f64, and the result is rounded to
// f32 once (RATIONALE.md "sin and cos").
package elemental

import (
	"math"

	"github.com/llir/llvm/ir/enum"
	"github.com/llir/llvm/ir/types"
	"github.com/llir/llvm/ir/value"
)

// twoOverPiBits are 32 zero bits followed by the first 224 bits of 2/pi,
// most significant first: bit 32 of the string (the top bit of word 1) is the
// 2^-1 digit of 2/pi = 0.a2f9836e...
var twoOverPiBits = [8]uint32{0, 0xa2f9836e, 0x4e441529, 0xfc2757d1, 0xf534ddc0, 0xdb629599, 0x3c439041, 0xfe5163ab}

// quarterPiBits are the bits of the largest f32 below pi/4 (0.78539815).
// Below and at it, the argument is its own reduction.
const quarterPiBits = 0x3f490fda

// sinS is the minimax fit of (sin r - r)/(r z) in z = r^2 on |r| <= pi/4
// (z <= 0.617), relative error 2^-37.5 in sin r; f64 coefficients.
var sinS = []float64{-0x1.5555554c6f985p-03, 0x1.11110868c2f3p-07, -0x1.a00f7dd9d555ep-13, 0x1.6cd1a27db0fe9p-19}

// cosC is the minimax fit of (cos r - 1 + z/2)/z^2 in z = r^2 on
// |r| <= pi/4, relative error 2^-31.8 in cos r; f64 coefficients.
var cosC = []float64{0x1.55554ee0d2e8dp-05, -0x1.6c0e7788da797p-10, 0x1.9a6f082d581bp-16}

// sinF32 is sin(x): sin(-x) = -sin(x), so |x| is reduced and the sign bit of
// x ored back; sin(±0) = ±0, ±inf and NaN give NaN.
func sinF32(f fb, x value.Value) value.Value {
	return sinCos(f, x, false)
}

// cosF32 is cos(x) = cos(|x|); ±inf and NaN give NaN.
func cosF32(f fb, x value.Value) value.Value {
	return sinCos(f, x, true)
}

// sinCos reduces |x| = (n + f) pi/2 with |f| <= 1/2, evaluates sin and cos
// of r = f pi/2 in f64 and picks by quadrant: sin|x| is sin r, cos r, -sin r,
// -cos r for n mod 4 = 0, 1, 2, 3, and cos|x| is sin|x| a quadrant later.
func sinCos(f fb, x value.Value, cos bool) value.Value {
	u := f.b.NewAnd(f.bits(x), f.i(0x7fffffff))
	r, n := reducePiOver2(f, u)
	small := f.b.NewICmp(enum.IPredULE, u, f.i(quarterPiBits))
	r = f.sel(small, f.ext(f.float(u)), r)
	n = f.sel(small, f.i(0), n)
	z := f.mul(r, r)
	z2 := f.mul(z, z)
	s := f.add(r, f.mul(f.mul(r, z), f.estrin(z, z2, sinS...)))
	c := f.add(f.dk(1), f.add(f.mul(z, f.dk(-0.5)), f.mul(z2, f.estrin(z, z2, cosC...))))
	if cos {
		n = f.b.NewAdd(n, f.i(1))
	}
	odd := f.b.NewICmp(enum.IPredNE, f.b.NewAnd(n, f.i(1)), f.i(0))
	y := f.bits(f.narrow(f.sel(odd, c, s)))
	// Bit 1 of n is the sign of the quadrant, moved to bit 31.
	var sign value.Value = f.b.NewShl(f.b.NewAnd(n, f.i(2)), f.i(30))
	if !cos {
		sign = f.b.NewXor(sign, f.signBit(x))
	}
	y = f.float(f.b.NewXor(y, sign))
	finite := f.b.NewICmp(enum.IPredULT, u, f.i(0x7f800000))
	return f.sel(finite, y, f.sub(x, x))
}

// reducePiOver2 is the Payne–Hanek reduction of the finite f32 |x| >= pi/4
// with bits u: |x| = (n + fr) pi/2, n an integer and |fr| <= 1/2 (and a
// little more: n is rounded from a sum), returned as r = fr pi/2 in f64 and
// n's low 32 bits. Other lanes get some finite r.
//
// With |x| = m 2^E (m the 24-bit significand, E = e - 150), |x| 2/pi =
// m sum b_i 2^(E-i) over the bits b_i of 2/pi, and the terms with i <= E-2
// are multiples of 4, which change neither sin nor cos. The next 87 bits,
// from i = E-1, are three 29-bit integers c0, c1, c2, so that |x| 2/pi mod 4
// = m c0 2^-27 + m c1 2^-56 + m c2 2^-85 + a tail below 2^-61; each product
// has at most 53 bits, so it is exact in f64. Over all f32 inputs, fr is at
// least 2^-29.9 (at x = 7.729179e28), so the tail is at most 2^-31 of it.
func reducePiOver2(f fb, u value.Value) (r, n value.Value) {
	e := f.b.NewLShr(u, f.i(23))
	m := f.b.NewOr(f.b.NewAnd(u, f.i(0x7fffff)), f.i(0x800000))
	// Bit i of 2/pi is bit i+31 of twoOverPiBits, so the window starts at
	// p = E-1+31 = e-120, in word q = p/32 (0 to 4 for e in [126, 254]) at
	// bit p%32.
	p := f.b.NewSub(e, f.i(120))
	q := f.b.NewAShr(p, f.i(5))
	sh := f.b.NewAnd(p, f.i(31))
	// word[k] = twoOverPiBits[q+k], by a tree of selects on the bits of q.
	bit := func(b int64) value.Value {
		return f.b.NewICmp(enum.IPredNE, f.b.NewAnd(q, f.i(b)), f.i(0))
	}
	b0, b1, b2 := bit(1), bit(2), bit(4)
	c := func(j int) value.Value { return f.i(int64(twoOverPiBits[j])) }
	var word [4]value.Value
	for k := range word {
		lo := f.sel(b1, f.sel(b0, c(k+3), c(k+2)), f.sel(b0, c(k+1), c(k)))
		word[k] = f.sel(b2, c(k+4), lo)
	}
	// window(k) is bits p+32k to p+32k+31: the high word shifted left by sh
	// and the next one right by 32-sh, in two steps so that no shift is 32.
	window := func(k int) value.Value {
		hi := f.b.NewShl(word[k], sh)
		lo := f.b.NewLShr(f.b.NewLShr(word[k+1], f.i(1)), f.b.NewSub(f.i(31), sh))
		return f.b.NewOr(hi, lo)
	}
	w0, w1, w2 := window(0), window(1), window(2)
	c0 := f.b.NewLShr(w0, f.i(3))
	c1 := f.b.NewOr(f.b.NewShl(f.b.NewAnd(w0, f.i(7)), f.i(26)), f.b.NewLShr(w1, f.i(6)))
	c2 := f.b.NewOr(f.b.NewShl(f.b.NewAnd(w1, f.i(63)), f.i(23)), f.b.NewLShr(w2, f.i(9)))
	md := f.b.NewSIToFP(m, types.Double)
	term := func(c value.Value, scale float64) value.Value {
		return f.mul(f.mul(md, f.dk(scale)), f.b.NewSIToFP(c, types.Double))
	}
	t0, t1, t2 := term(c0, 0x1p-27), term(c1, 0x1p-56), term(c2, 0x1p-85)
	// n = round(t0 + t1) by adding 1.5*2^52 (t0 < 2^26), whose low bits are
	// then n's. t0 - n is exact (both are multiples of 2^-27 and it is at
	// most 1), and so is adding t1 when the sum is small, so cancellation
	// costs no accuracy.
	const magic = 0x1.8p52
	y := f.add(f.add(t0, t1), f.dk(magic))
	n = f.b.NewTrunc(f.bits64(y), types.I32)
	fr := f.add(f.add(f.sub(t0, f.sub(y, f.dk(magic))), t1), t2)
	return f.mul(fr, f.dk(math.Pi/2)), n
}
