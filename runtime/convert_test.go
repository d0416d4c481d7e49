// This file checks the f32 <-> bf16/f16 conversions bit for bit against a
// reference that rounds with the float64 adder instead of integer bit
// arithmetic, over every special value and a sweep of f32 bit patterns.
package runtime

import (
	"flag"
	"fmt"
	"math"
	"runtime"
	"sync"
	"testing"
)

// format describes a binary float format to the reference: p significand
// bits (with the implicit one), emin the exponent of its smallest normal,
// emaxPlus1 the exponent from which a rounded value overflows to inf, and its
// field widths for encoding.
type format struct {
	name       string
	p, emin    int
	overflowAt int // |rounded| >= 2^overflowAt is inf
	expBits    int
	manBits    int
	bias       int
}

var (
	bf16Format = format{name: "bf16", p: 8, emin: -126, overflowAt: 128, expBits: 8, manBits: 7, bias: 127}
	f16Format  = format{name: "f16", p: 11, emin: -14, overflowAt: 16, expBits: 5, manBits: 10, bias: 15}
)

// refRound is the reference: x rounded to the format by the float64 adder.
// With ulp 2^q (q from x's exponent, clamped at the subnormal range), adding
// and subtracting c = 1.5·2^(q+52), whose own ulp is 2^q and which dwarfs x,
// makes the FPU round x to a multiple of 2^q, to nearest even. The result is
// then encoded field by field. A NaN keeps its sign and the top payload bits
// that fit, with the quiet bit set.
func refRound(f format, x float32) uint16 {
	bits := math.Float32bits(x)
	sign := uint16(bits>>31) << 15
	expAll := uint16(1)<<f.expBits - 1
	switch {
	case x != x:
		payload := uint16((bits & 0x7fffff) >> (23 - f.manBits))
		return sign | expAll<<f.manBits | payload | 1<<(f.manBits-1)
	case math.IsInf(float64(x), 0):
		return sign | expAll<<f.manBits
	case x == 0:
		return sign
	}
	v := math.Abs(float64(x))
	e := int(math.Float64bits(v)>>52) - 1023 // exact: every f32 is a normal f64
	q := max(e, f.emin) - (f.p - 1)
	c := math.Float64frombits(uint64(q+52+1023)<<52 | 1<<51)
	r := (v + c) - c
	if r == 0 {
		return sign
	}
	if r >= math.Ldexp(1, f.overflowAt) {
		return sign | expAll<<f.manBits
	}
	re := int(math.Float64bits(r)>>52) - 1023
	if re < f.emin { // subnormal: the significand counts ulps of 2^(emin-manBits)
		return sign | uint16(r/math.Ldexp(1, f.emin-f.manBits))
	}
	man := uint16((r/math.Ldexp(1, re) - 1) * float64(uint(1)<<f.manBits))
	return sign | uint16(re+f.bias)<<f.manBits | man
}

// specials are f32 values at every edge of the two formats.
func specials() []uint32 {
	fs := []float32{0, 1, 1 + 0x1p-8, 1 + 3*0x1p-8, 1 + 0x1p-11, 1 + 3*0x1p-11, 0x1p-149, 0x1p-127, 0x1.fffffcp-127,
		0x1p-126, 0x1p-133, 0x1p-134, 0x1.8p-134, 0x1p-24, 0x1p-25, 0x1.8p-25, 0x1.000002p-25, 0x1p-14, 0x1.ff8p-15,
		0x1.ffcp-15, 65504, 65519, 65519.996, 65520, 65536, 0x1.fep127, 0x1.ff7ffep127, 0x1.ff8p127, math.MaxFloat32, float32(math.Inf(1))}
	var out []uint32
	for _, f := range fs {
		b := math.Float32bits(f)
		out = append(out, b, b|1<<31, b+1, b-1, (b+1)|1<<31, (b-1)|1<<31)
	}
	for _, nan := range []uint32{0x7f800001, 0x7f812345, 0x7fa00000, 0x7fbfffff, 0x7fc00000, 0x7fc01fff, 0x7fe00001, 0x7fffffff} {
		out = append(out, nan, nan|1<<31)
	}
	return out
}

// TestConversionsPinned checks values whose bits are known by hand.
func TestConversionsPinned(t *testing.T) {
	for _, c := range []struct {
		x        uint32
		bf16, f6 uint16
	}{
		{0x00000000, 0x0000, 0x0000},
		{0x80000000, 0x8000, 0x8000},
		{0x3f800000, 0x3f80, 0x3c00}, // 1
		{0x3f808000, 0x3f80, 0x3c04}, // 1 + 2^-8: a bf16 tie, to even (down)
		{0x3f818000, 0x3f82, 0x3c0c}, // 1 + 3·2^-8: a bf16 tie, to even (up)
		{0x3f801000, 0x3f80, 0x3c00}, // 1 + 2^-11: an f16 tie, to even (down)
		{0x477fe000, 0x4780, 0x7bff}, // 65504, the largest f16
		{0x477ff000, 0x4780, 0x7c00}, // 65520: an f16 tie, to even: inf
		{0x477fefff, 0x4780, 0x7bff}, // just below it
		{0x33800000, 0x3380, 0x0001}, // 2^-24, the smallest f16
		{0x33000000, 0x3300, 0x0000}, // 2^-25: a tie, to even: +0
		{0x33400000, 0x3340, 0x0001}, // 1.5·2^-25
		{0x00000001, 0x0000, 0x0000}, // the smallest f32 subnormal
		{0x00008000, 0x0000, 0x0000}, // a bf16 tie at 0, to even
		{0x00018000, 0x0002, 0x0000}, // a bf16 tie in the subnormals, to even (up)
		{0x007fffff, 0x0080, 0x0000}, // the largest f32 subnormal rounds to the smallest normal bf16
		{0x7f7fffff, 0x7f80, 0x7c00}, // the largest f32 overflows both
		{0x7f7f7fff, 0x7f7f, 0x7c00}, // the largest f32 below bf16's overflow tie
		{0xff800000, 0xff80, 0xfc00}, // -inf
		{0x7f800001, 0x7fc0, 0x7e00}, // a signalling NaN is made quiet
		{0xffa12345, 0xffe1, 0xff09}, // a negative NaN keeps its sign and top payload bits
		{0x7fc01fff, 0x7fc0, 0x7e00}, // low payload bits are dropped
		{0x7fffffff, 0x7fff, 0x7fff}, // every kept payload bit set
		{0x7f802000, 0x7fc0, 0x7e01}, // payload bit 13 survives in f16 only
		{0xc0490fdb, 0xc049, 0xc248}, // -π
		{0x4b7fffff, 0x4b80, 0x7c00}, // 16777215 rounds up in bf16
	} {
		x := math.Float32frombits(c.x)
		var h [1]uint16
		BF16FromF32(h[:], []float32{x})
		if h[0] != c.bf16 {
			t.Errorf("f32 %#08x to bf16: got %#04x, want %#04x", c.x, h[0], c.bf16)
		}
		F16FromF32(h[:], []float32{x})
		if h[0] != c.f6 {
			t.Errorf("f32 %#08x to f16: got %#04x, want %#04x", c.x, h[0], c.f6)
		}
		if got := refRound(bf16Format, x); got != c.bf16 {
			t.Errorf("reference: f32 %#08x to bf16: got %#04x, want %#04x", c.x, got, c.bf16)
		}
		if got := refRound(f16Format, x); got != c.f6 {
			t.Errorf("reference: f32 %#08x to f16: got %#04x, want %#04x", c.x, got, c.f6)
		}
	}
}

// TestConversionsSpecial checks every special value against the reference.
func TestConversionsSpecial(t *testing.T) {
	in := specials()
	xs := make([]float32, len(in))
	for i, b := range in {
		xs[i] = math.Float32frombits(b)
	}
	bf, h := make([]uint16, len(xs)), make([]uint16, len(xs))
	if n := BF16FromF32(bf, xs); n != len(xs) {
		t.Fatalf("BF16FromF32 converted %d of %d", n, len(xs))
	}
	F16FromF32(h, xs)
	for i, x := range xs {
		if want := refRound(bf16Format, x); bf[i] != want {
			t.Errorf("f32 %#08x to bf16: got %#04x, reference %#04x", in[i], bf[i], want)
		}
		if want := refRound(f16Format, x); h[i] != want {
			t.Errorf("f32 %#08x to f16: got %#04x, reference %#04x", in[i], h[i], want)
		}
	}
}

// fullSweep makes TestConversionsSweep check all 2^32 f32 patterns (minutes
// on two cores) instead of a stride of them.
var fullSweep = flag.Bool("full-sweep", false, "compare the conversions with the reference over all 2^32 f32 patterns")

// roundingLows are low halves of f32 patterns that decide every rounding of a
// normal value: bf16 keeps bit 16 and rounds on bit 15, f16 keeps bit 13 and
// rounds on bit 12, each with the bits below as a sticky part (zero, one, all).
func roundingLows() []uint32 {
	var lows []uint32
	for _, b15 := range []uint32{0, 1 << 15} {
		for _, b13 := range []uint32{0, 1 << 13} {
			for _, b12 := range []uint32{0, 1 << 12} {
				for _, sticky := range []uint32{0, 1, 0xfff} {
					lows = append(lows, b15|b13|b12|sticky)
				}
			}
		}
	}
	return append(lows, 0x7fff, 0x8001, 0xffff)
}

// sweepPatterns returns the f32 patterns TestConversionsSweep checks, as a
// count and the i-th one: every upper half with each of roundingLows, then
// every 127th pattern (every 4099th with -short), or all of them with
// -full-sweep.
func sweepPatterns() (int64, func(int64) uint32) {
	if *fullSweep {
		return 1 << 32, func(i int64) uint32 { return uint32(i) }
	}
	lows := roundingLows()
	nl := int64(len(lows))
	stride := int64(127)
	if testing.Short() {
		stride = 4099
	}
	structured := nl << 16
	return structured + (1<<32)/stride, func(i int64) uint32 {
		if i < structured {
			return uint32(i/nl)<<16 | lows[i%nl]
		}
		return uint32((i - structured) * stride)
	}
}

// TestConversionsSweep compares both roundings with the reference over the
// patterns of sweepPatterns, split over the CPUs.
func TestConversionsSweep(t *testing.T) {
	total, pattern := sweepPatterns()
	workers := int64(runtime.GOMAXPROCS(0))
	const chunk = 1 << 16
	errs := make([]error, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			xs := make([]float32, 0, chunk)
			bf, h := make([]uint16, chunk), make([]uint16, chunk)
			for start := w * chunk; start < total; start += workers * chunk {
				xs = xs[:0]
				for i := start; i < min(start+chunk, total); i++ {
					xs = append(xs, math.Float32frombits(pattern(i)))
				}
				BF16FromF32(bf, xs)
				F16FromF32(h, xs)
				if errs[w] = compareWithReference(xs, bf, h); errs[w] != nil {
					return
				}
			}
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("%d f32 patterns rounded to bf16 and f16 as the reference does", total)
}

// compareWithReference returns the first element of bf and h that is not
// refRound of xs.
func compareWithReference(xs []float32, bf, h []uint16) error {
	for i, x := range xs {
		if want := refRound(bf16Format, x); bf[i] != want {
			return fmt.Errorf("f32 %#08x to bf16: got %#04x, reference %#04x", math.Float32bits(x), bf[i], want)
		}
		if want := refRound(f16Format, x); h[i] != want {
			return fmt.Errorf("f32 %#08x to f16: got %#04x, reference %#04x", math.Float32bits(x), h[i], want)
		}
	}
	return nil
}

// TestWideningIsExactAndInverts checks every 16-bit pattern: widening to f32
// is exact (a non-NaN rounds back to itself), NaNs stay NaN with their sign
// and payload (bf16 keeps all its bits; f16 is made quiet).
func TestWideningIsExactAndInverts(t *testing.T) {
	src := make([]uint16, 1<<16)
	for i := range src {
		src[i] = uint16(i)
	}
	wb, wh := make([]float32, len(src)), make([]float32, len(src))
	F32FromBF16(wb, src)
	F32FromF16(wh, src)
	back := make([]uint16, len(src))
	BF16FromF32(back, wb)
	for i, h := range src {
		if math.Float32bits(wb[i]) != uint32(h)<<16 {
			t.Fatalf("bf16 %#04x widens to %#08x", h, math.Float32bits(wb[i]))
		}
		if wb[i] == wb[i] && back[i] != h {
			t.Fatalf("bf16 %#04x does not round-trip: %#04x", h, back[i])
		}
	}
	F16FromF32(back, wh)
	for i, h := range src {
		b := math.Float32bits(wh[i])
		if h&0x7c00 == 0x7c00 && h&0x3ff != 0 {
			if want := uint32(h&0x8000)<<16 | 0x7fc00000 | uint32(h&0x3ff)<<13; b != want {
				t.Fatalf("f16 NaN %#04x widens to %#08x, want %#08x", h, b, want)
			}
			if back[i] != h|0x200 {
				t.Fatalf("f16 NaN %#04x round-trips to %#04x, want the quiet %#04x", h, back[i], h|0x200)
			}
			continue
		}
		if back[i] != h || refRound(f16Format, wh[i]) != h {
			t.Fatalf("f16 %#04x widens to %v, which rounds back to %#04x", h, wh[i], back[i])
		}
	}
}

// TestConvertFloat checks tensor conversion: shapes kept, 0-d and empty
// tensors, and the pairs it refuses.
func TestConvertFloat(t *testing.T) {
	x := []float32{1, 1 + 0x1p-8, -65520, float32(math.NaN())}
	bf, err := ConvertFloat(F32(x, 2, 2), BFloat16)
	if err != nil {
		t.Fatal(err)
	}
	want := make([]uint16, len(x))
	BF16FromF32(want, x)
	got := bf.Bytes()
	for i, w := range want {
		if g := uint16(got[2*i]) | uint16(got[2*i+1])<<8; g != w {
			t.Errorf("element %d: %#04x, want %#04x", i, g, w)
		}
	}
	if bf.DType != BFloat16 || fmt.Sprint(bf.Shape) != "[2 2]" {
		t.Errorf("got %s%v", bf.DType, bf.Shape)
	}
	back, err := ConvertFloat(bf, Float32)
	if err != nil {
		t.Fatal(err)
	}
	if b := back.Bytes(); len(b) != 16 || math.Float32frombits(uint32(b[4])|uint32(b[5])<<8|uint32(b[6])<<16|uint32(b[7])<<24) != 1 {
		t.Errorf("1 + 2^-8 through bf16: % x", b)
	}
	h, err := ConvertFloat(FromBytes(Float32, nil, []byte{0, 0, 0x80, 0x3f}), Float16)
	if err != nil || len(h.Shape) != 0 || h.Len != 2 || h.Bytes()[1] != 0x3c {
		t.Errorf("0-d f32 1 to f16: %v % x (%v)", h.Shape, h.Bytes(), err)
	}
	if e, err := ConvertFloat(F32(nil, 0), Float16); err != nil || e.Elements() != 0 {
		t.Errorf("empty: %v %v", e, err)
	}
	for _, c := range []struct {
		t  Tensor
		to DType
	}{{F64([]float64{1}), BFloat16}, {I32([]int32{1}), Float16}, {BF16([]uint16{1}), Float16}} {
		if _, err := ConvertFloat(c.t, c.to); err == nil {
			t.Errorf("%s to %s converted", c.t.DType, c.to)
		}
	}
	if _, err := ConvertFloat(Tensor{DType: Float32, Shape: []int64{4}, Len: 0}, BFloat16); err == nil {
		t.Error("a tensor without memory converted")
	}
}
