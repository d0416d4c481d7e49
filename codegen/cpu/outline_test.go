package cpu

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"dlc.dev/dlc/codegen"
	"dlc.dev/dlc/ir"
)

// quadratureIR is a row kernel shaped like the EXACT loss: terms sums of
// one expensive per-element computation with another constant each (pass 0),
// then a per-element chain over the terms that reads each sum (pass 1).
func quadratureIR(terms int) string {
	var b strings.Builder
	b.WriteString("func @quad(%x: f32[B,C]) -> (p: f32[B,1], g: f32[B,C]) {\n  kernel k0 rows [B]\n")
	b.WriteString("  %half = const 0.5 : f32\n  %one = const 1 : f32\n  %lo = const -3 : f32\n")
	id := 0
	val := func(format string, args ...any) string {
		id++
		name := fmt.Sprintf("%%t%d", id)
		fmt.Fprintf(&b, "  %s = %s @k0\n", name, fmt.Sprintf(format, args...))
		return name
	}
	// term emits log(0.5*erfc(z)) or an asymptote below -3, z = c + x.
	term := func(k int) string {
		fmt.Fprintf(&b, "  %%c%d = const %g : f32\n", k, 0.3*float64(k)-4)
		z := val("add %%c%d, %%x : f32[B,C]", k)
		zz := val("mul %s, %s : f32[B,C]", z, z)
		e := val("erfc %s : f32[B,C]", z)
		h := val("mul %%half, %s : f32[B,C]", e)
		lg := val("log %s : f32[B,C]", h)
		n := val("neg %s : f32[B,C]", zz)
		a := val("mul %%half, %s : f32[B,C]", n)
		ng := val("neg %s : f32[B,C]", z)
		la := val("log1p %s : f32[B,C]", ng)
		as := val("sub %s, %s : f32[B,C]", a, la)
		c := val("gt %s, %%lo : bool[B,C]", z)
		return val("select %s, %s, %s : f32[B,C]", c, lg, as)
	}
	var sums []string
	for k := 0; k < terms; k++ {
		l := term(k)
		sums = append(sums, val("reduce_sum %s, axis=1, keepdims : f32[B,1]", l))
	}
	p := sums[0]
	for _, s := range sums[1:] {
		p = val("add %s, %s : f32[B,1]", p, s)
	}
	var g string
	for k := 0; k < terms; k++ {
		l := term(k + terms)
		d := val("sub %s, %s : f32[B,C]", sums[k], l)
		e := val("exp %s : f32[B,C]", d)
		w := val("mul %%one, %s : f32[B,C]", e)
		if g == "" {
			g = w
		} else {
			g = val("add %s, %s : f32[B,C]", g, w)
		}
	}
	fmt.Fprintf(&b, "  return p = %s, g = %s\n}\n", p, g)
	return b.String()
}

// TestOutlineSameBits checks that outlining repeated terms of a large row
// loop gives the same bits as the inline code, on rows long enough for the
// vector loops and the tail, and that the LLVM IR it writes is much smaller.
func TestOutlineSameBits(t *testing.T) {
	src := quadratureIR(48)
	m, err := ir.Parse(src)
	if err != nil {
		t.Fatalf("%v\n%s", err, src)
	}
	if err := ir.Verify(m); err != nil {
		t.Fatal(err)
	}
	tg := codegen.CPUTarget(codegen.DefaultCPU)
	outlined, _, _, err := emit(m, tg, emitOptions{outline: true, unswitch: true})
	if err != nil {
		t.Fatal(err)
	}
	inline, _, _, err := emit(m, tg, emitOptions{unswitch: true})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(outlined, "@dlc_quad_k0.body.o0.v8(") || strings.Contains(inline, ".o0") {
		t.Fatalf("want outlined functions (and none without outlining)")
	}
	if len(outlined)*4 > len(inline) {
		t.Errorf("outlined LLVM IR is %d bytes, inline %d: want at least 4x smaller", len(outlined), len(inline))
	}
	a := buildLibraryWith(t, src, tg, emitOptions{outline: true, unswitch: true})
	b := buildLibraryWith(t, src, tg, emitOptions{unswitch: true})
	r := rand.New(rand.NewPCG(7, 8))
	for _, c := range []int64{1, 7, 8, 37, 100} {
		x := ir.NewArray(3, c)
		for i := range x.Data {
			x.Data[i] = float64(float32(r.Float64()*8 - 4))
		}
		in := map[string]*ir.Array{"x": x}
		ga := a.run(t, "quad", in, nil, runOptions{})
		gb := b.run(t, "quad", in, nil, runOptions{})
		for name := range gb {
			for i := range gb[name].Data {
				if math.Float64bits(ga[name].Data[i]) != math.Float64bits(gb[name].Data[i]) {
					t.Fatalf("C=%d: %s[%d] is %v outlined, %v inline", c, name, i, ga[name].Data[i], gb[name].Data[i])
				}
			}
		}
	}
}
