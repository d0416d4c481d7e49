// This file tests the bf16 contraction kernel (gemm_bf16.go): chosen from
// the target's BF16Dot, within its error bound of the interpreter at odd
// sizes, in every stored layout, with batches and a fused cast while
// packing, with the same bits for any thread count and blocking; and the
// widening kernel that targets without BF16Dot run instead.
package cpu

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"dlc.dev/dlc/codegen"
	"dlc.dev/dlc/internal/gemm"
	"dlc.dev/dlc/ir"
)

// bf16DotTarget is an AVX-512 target with AVX512_BF16: x86-64-v4 and
// avx512_bf16, the features every CPU with vdpbf16ps has (Cooper Lake,
// Sapphire Rapids, Zen 4).
func bf16DotTarget() codegen.Target {
	flags := map[string]bool{"avx512_bf16": true}
	for _, f := range codegen.CPUTarget("x86-64-v4").CPUFeatures {
		flags[f] = true
	}
	return codegen.NativeTarget(codegen.Host{LLVMCPU: "x86-64-v4", Flags: flags})
}

// needBF16Dot skips a test that runs bf16 kernels on a machine without
// AVX512_BF16, saying so.
func needBF16Dot(t *testing.T) codegen.Target {
	t.Helper()
	tg := bf16DotTarget()
	if !hostHas(t, tg) {
		t.Skip("skipping: this machine cannot run vdpbf16ps (its CPU flags lack avx512_bf16 or AVX-512)")
	}
	return tg
}

// bf16Case is C = A @ B of bf16 operands with an f32 result: matmulCase's
// layouts with the result kept in f32, as the precision pass writes it.
func bf16Case(r *rand.Rand, batch, m, n, k int64, transA, transB bool) dotCase {
	c := matmulCase(r, ir.BF16, batch, m, n, k, transA, transB)
	out := "[M,N]"
	if batch > 0 {
		out = "[B,M,N]"
	}
	rep := strings.NewReplacer("-> (c: bf16"+out, "-> (c: f32"+out, ": bf16"+out+" @k0", ": f32"+out+" @k0")
	c.src = rep.Replace(c.src)
	c.abs = strings.NewReplacer("-> (c: bf16"+out, "-> (c: f32"+out, ": bf16"+out+"\n", ": f32"+out+"\n").Replace(c.abs)
	c.name = strings.Replace(c.name, "bf16/", "bf16dot/", 1)
	return c
}

// bf16Tol bounds the error of one element of a bf16 dot product computed
// with vdpbf16ps. A product of two bf16 values (8 significant bits each) is
// exact in f32 (24 bits) unless it falls below f32's normal range; each
// instruction adds a pair's two products to the accumulator one after the
// other, each addition rounded to nearest even. So the result is a
// recursive f32 summation of the K products in some order, whose error is
// at most gamma_K * sum_k |a_k b_k| (dotTol's bound, Higham §3.1), plus the
// final rounding of the interpreter's exact sum. vdpbf16ps also treats
// subnormal inputs as zero and flushes subnormal results: a term with a
// subnormal operand is lost (at most its |a_k b_k|, in sub), and each of
// the K+1 additions may lose a subnormal partial sum or product (less than
// 2^-126 each).
func bf16Tol(k int64, abs, sub, want float64) float64 {
	return dotTol(ir.F32, k, abs, want) + sub + float64(k+1)*math.Ldexp(1, -126)
}

// subnormalTerms is, for every element of the result of c, the sum of
// |a_k b_k| over the terms with a subnormal factor (a subnormal f32: bf16
// has f32's exponent range).
func subnormalTerms(t *testing.T, c dotCase) []float64 {
	t.Helper()
	tiny := func(x float64) float64 {
		if x != 0 && math.Abs(x) < math.Ldexp(1, -126) {
			return x
		}
		return 0
	}
	in := map[string]*ir.Array{}
	for name, a := range c.inputs {
		in[name] = ir.NewArray(a.Shape...)
		for i, x := range a.Data {
			in[name].Data[i] = tiny(x)
		}
	}
	// sum |a||b| over terms with a subnormal factor is at most
	// sum |tiny(a)||b| + sum |a||tiny(b)|.
	am, err := ir.Parse(c.abs)
	if err != nil {
		t.Fatal(err)
	}
	run := func(a, b *ir.Array) []float64 {
		out, err := ir.Interpret(am, "abs", ir.Inputs{Tensors: map[string]*ir.Array{"a": a, "b": b}})
		if err != nil {
			t.Fatal(err)
		}
		return out["c"].Data
	}
	x, y := run(in["a"], c.inputs["b"]), run(c.inputs["a"], in["b"])
	for i := range x {
		x[i] += y[i]
	}
	return x
}

// checkBF16Dot runs c on lib and compares every element of its result with
// the interpreter within bf16Tol; it returns the outputs.
func checkBF16Dot(t *testing.T, lib *library, c dotCase, opt runOptions) map[string]*ir.Array {
	t.Helper()
	want, abs := dotReference(t, lib, c)
	sub := subnormalTerms(t, c)
	got := lib.run(t, "f", c.inputs, nil, opt)
	w, g := want["c"], got["c"]
	bad := 0
	for i := range w.Data {
		if tol := bf16Tol(c.k, abs["c"].Data[i], sub[i], w.Data[i]); !(math.Abs(g.Data[i]-w.Data[i]) <= tol) {
			if bad++; bad <= 3 {
				t.Errorf("%s: c[%d] = %v, want %v (tolerance %.3g)", c.name, i, g.Data[i], w.Data[i], tol)
			}
		}
	}
	if bad > 3 {
		t.Errorf("%s: %d of %d elements out of tolerance", c.name, bad, len(w.Data))
	}
	return got
}

// TestBF16DotChosenFromCaps emits the same bf16 product for targets with
// and without BF16Dot: only the first multiplies pairs with vdpbf16ps and
// records a K step of 2; llc compiles both, whatever this machine is.
func TestBF16DotChosenFromCaps(t *testing.T) {
	tools := needTools(t)
	c := bf16Case(rand.New(rand.NewPCG(1, 1)), 0, 1, 1, 1, false, false)
	m, err := ir.Parse(c.src)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		tg    codegen.Target
		pairs bool
	}{
		{bf16DotTarget(), true},
		{codegen.CPUTarget("cooperlake"), true},
		{codegen.CPUTarget("x86-64-v4"), false},
		{codegen.CPUTarget(codegen.DefaultCPU), false},
	} {
		ll, _, entries, err := emit(m, tc.tg, emitOptions{outline: true})
		if err != nil {
			t.Fatalf("%s: %v", tc.tg.Name(), err)
		}
		if got := strings.Contains(ll, dpbf16); got != tc.pairs {
			t.Errorf("%s (BF16Dot %v): the kernel calls %s: %v", tc.tg.Name(), tc.tg.Caps.BF16Dot, dpbf16, got)
		}
		if want := map[bool]int64{true: 2, false: 1}[tc.pairs]; len(entries) != 1 || entries[0].KStep != want {
			t.Errorf("%s: entries %+v, want one with K step %d", tc.tg.Name(), entries, want)
		}
		if _, _, err := Compile(t.Context(), ll, Options{Target: tc.tg, Tools: tools}); err != nil {
			t.Errorf("%s: %v", tc.tg.Name(), err)
		}
	}
}

// TestBF16DotAgainstInterpreter runs bf16 products with vdpbf16ps in every
// stored layout, with and without batches, on sizes that are 1, prime, odd
// in K or not multiples of the register tile, and on operands with
// subnormal and tiny values.
func TestBF16DotAgainstInterpreter(t *testing.T) {
	tg := needBF16Dot(t)
	r := rand.New(rand.NewPCG(21, 22))
	sizes := [][3]int64{{1, 1, 1}, {7, 13, 5}, {6, 16, 64}, {37, 41, 29}, {64, 130, 3}, {3, 0, 4}, {13, 33, 131}, {2, 1031, 67}}
	for _, ta := range []bool{false, true} {
		for _, tb := range []bool{false, true} {
			for _, batch := range []int64{0, 3} {
				lib := buildLibraryFor(t, bf16Case(r, batch, 1, 1, 1, ta, tb).src, tg)
				for _, sz := range sizes {
					c := bf16Case(r, batch, sz[0], sz[2], sz[1], ta, tb)
					checkBF16Dot(t, lib, c, runOptions{})
				}
				c := bf16Case(r, batch, 9, 70, 35, ta, tb)
				for name, a := range c.inputs {
					for i := range a.Data {
						switch i % 7 {
						case 1: // subnormal in f32 and bf16: read as zero
							a.Data[i] = ir.Convert(math.Ldexp(a.Data[i], -130), ir.BF16)
						case 3: // normal, but products with each other underflow
							a.Data[i] = ir.Convert(math.Ldexp(a.Data[i], -70), ir.BF16)
						}
					}
					c.inputs[name] = a
				}
				c.name += "/tiny"
				checkBF16Dot(t, lib, c, runOptions{})
			}
		}
	}
}

// TestBF16DotStrided runs a batched bf16 product whose left operand has
// its batch axis innermost, so that it is contiguous neither along its
// rows nor along k and is packed one pair at a time.
func TestBF16DotStrided(t *testing.T) {
	tg := needBF16Dot(t)
	src := `func @f(%a: bf16[M,K,B], %b: bf16[B,K,N]) -> (c: f32[B,M,N]) {
  kernel k0 contraction [B,M,N]
  %2 = dot_general %a, %b batch=[2]x[0] contract=[1]x[1] : f32[B,M,N] @k0
  return c = %2
}
`
	abs := `func @abs(%a: bf16[M,K,B], %b: bf16[B,K,N]) -> (c: f32[B,M,N]) {
  %2 = abs %a : bf16[M,K,B]
  %3 = abs %b : bf16[B,K,N]
  %4 = dot_general %2, %3 batch=[2]x[0] contract=[1]x[1] : f32[B,M,N]
  return c = %4
}
`
	lib := buildLibraryFor(t, src, tg)
	r := rand.New(rand.NewPCG(27, 28))
	for _, sz := range [][4]int64{{1, 1, 1, 1}, {2, 7, 13, 5}, {3, 37, 41, 70}} {
		b, m, k, n := sz[0], sz[1], sz[2], sz[3]
		c := dotCase{name: fmt.Sprintf("strided/%v", sz), src: src, abs: abs, k: k, d: ir.F32,
			inputs: map[string]*ir.Array{"a": randomArray(r, ir.BF16, m, k, b), "b": randomArray(r, ir.BF16, b, k, n)}}
		checkBF16Dot(t, lib, c, runOptions{})
	}
}

// castProduct is (a, b f32) -> (cast(a) * cast(a)) @ cast(b) with the
// bf16 prologue in KC (the contraction kernel, or loop kernels of their
// own that store the operands). The bf16 product is computed in f32
// registers and rounded where it is stored or packed.
const castProduct = `func @f(%a: f32[M,K], %b: f32[K,N]) -> (c: f32[M,N]) {
  KERNELS
  %2 = cast %a : bf16[M,K] @KA
  %3 = mul %2, %2 : bf16[M,K] @KA
  %4 = cast %b : bf16[K,N] @KC
  %5 = dot_general %3, %4 contract=[1]x[0] : f32[M,N] @k1
  return c = %5
}
`

// TestBF16DotSameBits checks that the bf16 kernel's bits depend on the
// operands only: not on the thread count, the tiles, the K blocking (odd
// depths asked for are rounded up to whole pairs) or where each operand is
// packed; and that computing and rounding the operands to bf16 while they
// are packed gives the bits of storing them from kernels of their own.
func TestBF16DotSameBits(t *testing.T) {
	tg := needBF16Dot(t)
	r := rand.New(rand.NewPCG(23, 24))
	c := bf16Case(r, 2, 61, 75, 301, false, false)
	lib := buildLibraryFor(t, c.src, tg)
	ref := checkBF16Dot(t, lib, c, runOptions{threads: 1})
	for _, threads := range []int{2, 3, 8} {
		sameBits(t, fmt.Sprintf("%d threads", threads), lib.run(t, "f", c.inputs, nil, runOptions{threads: threads}), ref)
	}
	reblocks := []struct {
		mc, nc, kc   int64
		packA, packB bool
		describe     string
	}{
		{6, 64, 7, true, true, "one tile per unit, K in blocks of 8 (7 asked), both packed by the launch"},
		{12, 128, 64, false, false, "K in blocks of 64, packed per unit"},
		{60, 64, 301, true, false, "A by the launch, B per unit"},
		{18, 192, 100, false, true, "A per unit, B by the launch"},
	}
	for _, bl := range reblocks {
		got := lib.run(t, "f", c.inputs, nil, runOptions{reblock: func(p *gemm.Plan) {
			p.Reblock(bl.mc, bl.nc, bl.kc, bl.packA, bl.packB)
		}})
		sameBits(t, bl.describe, got, ref)
	}

	fused := strings.NewReplacer("KERNELS", "kernel k1 contraction [M,N]", "@KA", "@k1", "@KC", "@k1").Replace(castProduct)
	unfused := strings.NewReplacer("KERNELS", "kernel k0 loop [M,K]\n  kernel k2 loop [K,N]\n  kernel k1 contraction [M,N]", "@KA", "@k0", "@KC", "@k2").Replace(castProduct)
	lf, lu := buildLibraryFor(t, fused, tg), buildLibraryFor(t, unfused, tg)
	for _, sz := range [][3]int64{{1, 1, 1}, {5, 3, 7}, {40, 70, 33}, {7, 200, 130}} {
		in := map[string]*ir.Array{"a": randomArray(r, ir.F32, sz[0], sz[1]), "b": randomArray(r, ir.F32, sz[1], sz[2])}
		in["a"].Data[0] = math.NaN()
		want := lu.run(t, "f", in, nil, runOptions{})
		for _, pk := range [][2]bool{{true, true}, {false, false}, {true, false}, {false, true}} {
			got := lf.run(t, "f", in, nil, runOptions{reblock: func(p *gemm.Plan) { p.Reblock(12, 64, 10, pk[0], pk[1]) }})
			sameBits(t, fmt.Sprintf("%v packed %v, cast while packing", sz, pk), got, want)
		}
	}
}

// TestBF16DotWidened runs the bf16 product on targets without BF16Dot,
// which widen the operands to f32 while packing them and sum with fmas:
// the products are exact, so the f32 summation bound of the f32 kernel
// holds, with no subnormal flushing.
func TestBF16DotWidened(t *testing.T) {
	r := rand.New(rand.NewPCG(25, 26))
	for _, tg := range []codegen.Target{codegen.CPUTarget(codegen.DefaultCPU), codegen.CPUTarget("x86-64-v4")} {
		if !hostHas(t, tg) {
			continue
		}
		for _, tb := range []bool{false, true} {
			lib := buildLibraryFor(t, bf16Case(r, 0, 1, 1, 1, false, tb).src, tg)
			for _, sz := range [][3]int64{{1, 1, 1}, {37, 41, 29}, {13, 33, 131}} {
				c := bf16Case(r, 0, sz[0], sz[2], sz[1], false, tb)
				c.d = ir.F32
				checkDot(t, lib, c, runOptions{})
			}
		}
	}
}
