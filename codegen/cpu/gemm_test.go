package cpu

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"dlc.dev/dlc/codegen"
	"dlc.dev/dlc/internal/gemm"
	"dlc.dev/dlc/internal/hostcpu"
	"dlc.dev/dlc/ir"
)

// dotTol is how far an element of a compiled contraction may be from the
// float64 interpreter's (the exact sum, rounded once): the kernel sums K
// products in the working precision, one fused multiply-add (or a multiply
// and an add) per step, so by the standard bound for recursive summation
// (Higham, Accuracy and Stability of Numerical Algorithms, §3.1) its error
// is at most gamma_K * sum_k |a_k||b_k| with gamma_K = K*u/(1-K*u), u the
// unit roundoff (2^-24 for f32, 2^-53 for f64), plus the final rounding
// u*|c|. abs is sum_k |a_k||b_k|; twice the bound keeps a margin for the
// products' own roundings without FMA.
func dotTol(d ir.DType, k int64, abs, want float64) float64 {
	u := math.Ldexp(1, -24)
	if d == ir.F64 {
		u = math.Ldexp(1, -53)
	}
	return 2*(float64(k)*u*abs+u*math.Abs(want)) + 1e-300
}

// dotCase is one contraction test: a function of IR text (scheduled), its
// inputs and the companion function that computes sum |a||b| per element.
type dotCase struct {
	name   string
	src    string // the scheduled function @f
	abs    string // @abs: the same contraction of |a| and |b|, unscheduled
	inputs map[string]*ir.Array
	k      int64
	d      ir.DType
}

// matmulCase is C = A @ B with A stored [M,K] or [K,M] (transA) and B
// stored [K,N] or [N,K] (transB), optionally batched.
func matmulCase(r *rand.Rand, d ir.DType, batch, m, n, k int64, transA, transB bool) dotCase {
	ash, bsh := []int64{m, k}, []int64{k, n}
	ac, bc := 1, 0
	if transA {
		ash, ac = []int64{k, m}, 0
	}
	if transB {
		bsh, bc = []int64{n, k}, 1
	}
	dims := fmt.Sprintf("contract=[%d]x[%d]", ac, bc)
	outShape := "[M,N]"
	if batch > 0 {
		ash, bsh = append([]int64{batch}, ash...), append([]int64{batch}, bsh...)
		dims = fmt.Sprintf("batch=[0]x[0] contract=[%d]x[%d]", ac+1, bc+1)
		outShape = "[B,M,N]"
	}
	sym := func(sh []int64, trans bool, rows string) string {
		names := []string{rows, "K"}
		if rows == "N" {
			names = []string{"K", "N"}
		}
		if trans {
			names[0], names[1] = names[1], names[0]
		}
		if len(sh) == 3 {
			names = append([]string{"B"}, names...)
		}
		return "[" + strings.Join(names, ",") + "]"
	}
	ts := d.String()
	at, bt := ts+sym(ash, transA, "M"), ts+sym(bsh, transB, "N")
	src := fmt.Sprintf("func @f(%%a: %s, %%b: %s) -> (c: %s%s) {\n  kernel k0 contraction %s\n  %%2 = dot_general %%a, %%b %s : %s%s @k0\n  return c = %%2\n}\n",
		at, bt, ts, outShape, outShape, dims, ts, outShape)
	abs := fmt.Sprintf("func @abs(%%a: %s, %%b: %s) -> (c: %s%s) {\n  %%2 = abs %%a : %s\n  %%3 = abs %%b : %s\n  %%4 = dot_general %%2, %%3 %s : %s%s\n  return c = %%4\n}\n",
		at, bt, ts, outShape, at, bt, dims, ts, outShape)
	return dotCase{
		name: fmt.Sprintf("%s/b%d/%dx%dx%d/ta=%v,tb=%v", d, batch, m, k, n, transA, transB),
		src:  src, abs: abs, k: k, d: d,
		inputs: map[string]*ir.Array{"a": randomArray(r, d, ash...), "b": randomArray(r, d, bsh...)},
	}
}

// dotReference interprets c: the outputs of lib's f and of c.abs's abs (the
// sums of |a|·|b| the tolerances scale with).
func dotReference(t *testing.T, lib *library, c dotCase) (want, abs map[string]*ir.Array) {
	t.Helper()
	want, err := ir.Interpret(lib.mod, "f", ir.Inputs{Tensors: c.inputs})
	if err != nil {
		t.Fatal(err)
	}
	am, err := ir.Parse(c.abs)
	if err != nil {
		t.Fatal(err)
	}
	abs, err = ir.Interpret(am, "abs", ir.Inputs{Tensors: c.inputs})
	if err != nil {
		t.Fatal(err)
	}
	return want, abs
}

// checkDot runs c on lib (built from c.src) and compares every
// output with the interpreter within dotTol; it returns the outputs.
func checkDot(t *testing.T, lib *library, c dotCase, opt runOptions) map[string]*ir.Array {
	t.Helper()
	want, abs := dotReference(t, lib, c)
	got := lib.run(t, "f", c.inputs, nil, opt)
	for name, w := range want {
		g := got[name]
		bad := 0
		for i := range w.Data {
			a := abs["c"].Data[i%len(abs["c"].Data)]
			if tol := dotTol(c.d, c.k, a, w.Data[i]); !(math.Abs(g.Data[i]-w.Data[i]) <= tol) {
				if bad++; bad <= 3 {
					t.Errorf("%s: %s[%d] = %v, want %v (tolerance %.3g)", c.name, name, i, g.Data[i], w.Data[i], tol)
				}
			}
		}
		if bad > 3 {
			t.Errorf("%s: %s: %d of %d elements out of tolerance", c.name, name, bad, len(w.Data))
		}
	}
	return got
}

// TestMatmulAgainstInterpreter compiles plain products in every stored
// layout and compares them with the interpreter on sizes that are 1, prime
// or not multiples of the register tile, with and without batches.
func TestMatmulAgainstInterpreter(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, d := range []ir.DType{ir.F32, ir.F64} {
		for _, ta := range []bool{false, true} {
			for _, tb := range []bool{false, true} {
				for _, batch := range []int64{0, 3} {
					c := matmulCase(r, d, batch, 1, 1, 1, ta, tb)
					lib := buildLibrary(t, c.src)
					for _, sz := range [][3]int64{{1, 1, 1}, {7, 13, 5}, {6, 16, 8}, {37, 41, 29}, {64, 130, 3}, {3, 0, 4}} {
						c := matmulCase(r, d, batch, sz[0], sz[2], sz[1], ta, tb)
						checkDot(t, lib, c, runOptions{})
					}
				}
			}
		}
	}
}

// TestMatmulBlockingSameBits checks that the result's bits depend on
// nothing but the operands: not on the thread count the call is planned
// for, the tile sizes, the K blocking or where each operand is packed.
func TestMatmulBlockingSameBits(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	c := matmulCase(r, ir.F32, 2, 61, 75, 300, false, false)
	lib := buildLibrary(t, c.src)
	ref := checkDot(t, lib, c, runOptions{threads: 1})
	for _, threads := range []int{2, 3, 8} {
		sameBits(t, fmt.Sprintf("%d threads", threads), lib.run(t, "f", c.inputs, nil, runOptions{threads: threads}), ref)
	}
	for _, bl := range []struct {
		mc, nc, kc   int64
		packA, packB bool
		describe     string
	}{
		{6, 16, 7, true, true, "one tile per unit, K in blocks of 7, both packed by the launch"},
		{12, 32, 64, false, false, "K in blocks of 64, packed per unit"},
		{60, 80, 300, true, false, "A by the launch, B per unit"},
		{18, 200, 100, false, true, "A per unit, B by the launch"},
	} {
		got := lib.run(t, "f", c.inputs, nil, runOptions{reblock: func(p *gemm.Plan) {
			p.Reblock(bl.mc, bl.nc, bl.kc, bl.packA, bl.packB)
		}})
		sameBits(t, bl.describe, got, ref)
	}
}

// TestMatmulAVX512 runs a product compiled for x86-64-v4 (a tile of 6 x 64
// in zmm registers) when this machine has AVX-512, and checks that it gives
// the bits of the x86-64-v3 kernel: a lane of a 512-bit fma rounds like one
// of a 256-bit fma.
func TestMatmulAVX512(t *testing.T) {
	tg := codegen.CPUTarget("x86-64-v4")
	if !hostHas(t, tg) {
		t.Skip("this machine has no AVX-512")
	}
	r := rand.New(rand.NewPCG(5, 6))
	c := matmulCase(r, ir.F32, 0, 70, 133, 150, false, true)
	v4 := buildLibraryFor(t, c.src, tg)
	v3 := buildLibrary(t, c.src)
	sameBits(t, "x86-64-v4 against x86-64-v3", checkDot(t, v4, c, runOptions{}), v3.run(t, "f", c.inputs, nil, runOptions{}))
}

// hostHas reports whether this machine has every feature of target tg.
func hostHas(t *testing.T, tg codegen.Target) bool {
	flags, err := hostcpu.Flags()
	if err != nil {
		return false
	}
	for _, f := range tg.CPUFeatures {
		if !flags[f] {
			return false
		}
	}
	return true
}

// epilogueBody is a dense layer and more around one product: a bias add
// broadcast over the rows, relu, scaling by a scalar argument and by a
// per-row factor, a residual add, tanh and the erf of the exact gelu, and a
// cast to bf16. The pre-activation h is an output too.
const epilogueBody = `
  %8 = dot_general %x, %w contract=[1]x[0] : f32[M,N] @k0
  %9 = add %8, %b : f32[M,N] @KE
  %10 = const 0 : f32
  %11 = max %9, %10 : f32[M,N] @KE
  %12 = mul %11, %s : f32[M,N] @KE
  %13 = add %12, %r : f32[M,N] @KE
  %14 = mul %13, %rs : f32[M,N] @KE
  %15 = tanh %9 : f32[M,N] @KE
  %16 = const 0.7071067811865476 : f32
  %17 = mul %9, %16 : f32[M,N] @KE
  %18 = erf %17 : f32[M,N] @KE
  %19 = const 1 : f32
  %20 = add %18, %19 : f32[M,N] @KE
  %21 = mul %9, %20 : f32[M,N] @KE
  %22 = cast %14 : bf16[M,N] @KE
  return h = %9, y = %14, t = %15, g = %21, c = %22
}
`

const epilogueHead = "func @f(%x: f32[M,K], %w: f32[K,N], %b: f32[N], %r: f32[M,N], %rs: f32[M,1]; %s: f32 = 0.5) -> (h: f32[M,N], y: f32[M,N], t: f32[M,N], g: f32[M,N], c: bf16[M,N]) {\n"

// TestEpilogueSameBitsAsUnfused compiles the same function twice: with its
// elementwise consumers applied on the product's tiles (one contraction
// kernel), and with them in a row kernel of their own that reads the
// product from memory. Both must give the same bits (the product's bits do
// not depend on the kernel, and the epilogue's code is the elemental
// emitter's either way), and the product must agree with the interpreter.
func TestEpilogueSameBitsAsUnfused(t *testing.T) {
	fused := epilogueHead + "  kernel k0 contraction [M,N]\n" + strings.ReplaceAll(epilogueBody, "@KE", "@k0")
	unfused := epilogueHead + "  kernel k0 contraction [M,N]\n  kernel k1 rows [M]\n" + strings.ReplaceAll(epilogueBody, "@KE", "@k1")
	r := rand.New(rand.NewPCG(7, 8))
	for _, tg := range []codegen.Target{codegen.CPUTarget(codegen.DefaultCPU), codegen.CPUTarget("x86-64-v4")} {
		if tg.Caps.VectorBits == 512 && !hostHas(t, tg) {
			continue
		}
		lf, lu := buildLibraryFor(t, fused, tg), buildLibraryFor(t, unfused, tg)
		for _, sz := range [][3]int64{{1, 1, 1}, {13, 17, 70}, {64, 96, 128}} {
			m, k, n := sz[0], sz[1], sz[2]
			in := map[string]*ir.Array{"x": randomArray(r, ir.F32, m, k), "w": randomArray(r, ir.F32, k, n),
				"b": randomArray(r, ir.F32, n), "r": randomArray(r, ir.F32, m, n), "rs": randomArray(r, ir.F32, m, 1)}
			in["x"].Data[0] = math.NaN() // a NaN row: relu and tanh keep it
			sc := map[string]float64{"s": 0.75}
			got := lf.run(t, "f", in, sc, runOptions{})
			sameBits(t, fmt.Sprintf("%s %v fused against unfused", tg.CPU, sz), got, lu.run(t, "f", in, sc, runOptions{}))
			want, err := ir.Interpret(lf.mod, "f", ir.Inputs{Tensors: in, Scalars: sc})
			if err != nil {
				t.Fatal(err)
			}
			for i, w := range want["g"].Data {
				if g := got["g"].Data[i]; !(math.Abs(g-w) <= 1e-4*(1+math.Abs(w))) && !(math.IsNaN(g) && math.IsNaN(w)) {
					t.Fatalf("%v: g[%d] = %v, want %v", sz, i, g, w)
				}
			}
		}
	}
}

// prologueFunc computes (dy * select(h > 0, 1, 0)) @ transpose(w) with the
// mask in KP and the product in k1.
const prologueFunc = `func @f(%dy: f32[B,H], %h: f32[B,H], %w: f32[D,H]) -> (dx: f32[B,D]) {
  KERNELS
  %4 = const 0 : f32
  %5 = gt %h, %4 : bool[B,H] @KP
  %6 = const 1 : f32
  %7 = select %5, %6, %4 : f32[B,H] @KP
  %8 = mul %dy, %7 : f32[B,H] @KP
  %9 = dot_general %8, %w contract=[1]x[1] : f32[B,D] @k1
  return dx = %9
}
`

// TestPrologueSameBitsAsUnfused compiles a masked gradient product with the
// mask computed while the left operand is packed, and with the mask in a
// loop kernel of its own: the same bits, for every way of packing.
func TestPrologueSameBitsAsUnfused(t *testing.T) {
	fused := strings.NewReplacer("KERNELS", "kernel k1 contraction [B,D]", "@KP", "@k1").Replace(prologueFunc)
	unfused := strings.NewReplacer("KERNELS", "kernel k0 loop [B,H]\n  kernel k1 contraction [B,D]", "@KP", "@k0").Replace(prologueFunc)
	lf, lu := buildLibrary(t, fused), buildLibrary(t, unfused)
	r := rand.New(rand.NewPCG(9, 10))
	for _, sz := range [][3]int64{{5, 3, 7}, {40, 70, 33}} {
		in := map[string]*ir.Array{"dy": randomArray(r, ir.F32, sz[0], sz[1]), "h": randomArray(r, ir.F32, sz[0], sz[1]), "w": randomArray(r, ir.F32, sz[2], sz[1])}
		want := lu.run(t, "f", in, nil, runOptions{})
		for _, pk := range [][2]bool{{true, true}, {false, false}, {true, false}, {false, true}} {
			got := lf.run(t, "f", in, nil, runOptions{reblock: func(p *gemm.Plan) { p.Reblock(12, 16, 9, pk[0], pk[1]) }})
			sameBits(t, fmt.Sprintf("%v packed %v", sz, pk), got, want)
		}
	}
}

// TestVectorProducts compiles products with no free axes left (a scalar
// result) and a matrix-vector product, with an epilogue.
func TestVectorProducts(t *testing.T) {
	src := `func @f(%a: f32[K], %b: f32[K], %m: f32[N,K]) -> (s: f32, u: f32[N]) {
  kernel k0 contraction []
  kernel k1 contraction [N]
  %3 = dot_general %a, %b contract=[0]x[0] : f32 @k0
  %4 = dot_general %m, %b contract=[1]x[0] : f32[N] @k1
  %5 = mul %4, %4 : f32[N] @k1
  return s = %3, u = %5
}
`
	lib := buildLibrary(t, src)
	r := rand.New(rand.NewPCG(11, 12))
	in := map[string]*ir.Array{"a": randomArray(r, ir.F32, 77), "b": randomArray(r, ir.F32, 77), "m": randomArray(r, ir.F32, 9, 77)}
	got := lib.run(t, "f", in, nil, runOptions{})
	want, err := ir.Interpret(lib.mod, "f", ir.Inputs{Tensors: in})
	if err != nil {
		t.Fatal(err)
	}
	for name, w := range want {
		for i := range w.Data {
			if math.Abs(got[name].Data[i]-w.Data[i]) > 1e-4*(1+math.Abs(w.Data[i])) {
				t.Errorf("%s[%d] = %v, want %v", name, i, got[name].Data[i], w.Data[i])
			}
		}
	}
}

// TestTransposeKernels copies tensors with their axes permuted, in the
// blocked 8 x 8 way (32-bit elements, the input's last axis becoming the
// output's second-to-last) and row by row, chunked at odd unit boundaries;
// a copy must be exact.
func TestTransposeKernels(t *testing.T) {
	src := `func @f(%a: f32[M,N], %b: f32[P,M,N], %c: f64[M,N], %d: bool[P,M,N], %e: i32[P,M,N]) -> (at: f32[N,M], bt: f32[N,P,M], ct: f64[N,M], dt: bool[M,N,P], et: i32[P,N,M]) {
  kernel k0 transpose [N,M]
  kernel k1 transpose [N,P,M]
  kernel k2 transpose [N,M]
  kernel k3 transpose [M,N,P]
  kernel k4 transpose [P,N,M]
  %6 = transpose %a perm=[1,0] : f32[N,M] @k0
  %7 = transpose %b perm=[2,0,1] : f32[N,P,M] @k1
  %8 = transpose %c perm=[1,0] : f64[N,M] @k2
  %9 = transpose %d perm=[1,2,0] : bool[M,N,P] @k3
  %10 = transpose %e perm=[0,2,1] : i32[P,N,M] @k4
  return at = %6, bt = %7, ct = %8, dt = %9, et = %10
}
`
	lib := buildLibrary(t, src)
	r := rand.New(rand.NewPCG(13, 14))
	for _, sz := range [][3]int64{{1, 1, 1}, {3, 37, 21}, {2, 64, 40}} {
		p, m, n := sz[0], sz[1], sz[2]
		in := map[string]*ir.Array{"a": randomArray(r, ir.F32, m, n), "b": randomArray(r, ir.F32, p, m, n), "c": randomArray(r, ir.F64, m, n),
			"d": randomArray(r, ir.Bool, p, m, n), "e": randomArray(r, ir.I32, p, m, n)}
		for i := range in["e"].Data {
			in["e"].Data[i] += 0 // an integer has no -0
		}
		want, err := ir.Interpret(lib.mod, "f", ir.Inputs{Tensors: in})
		if err != nil {
			t.Fatal(err)
		}
		sameBits(t, fmt.Sprintf("%v", sz), lib.run(t, "f", in, nil, runOptions{}), want)
		sameBits(t, fmt.Sprintf("%v chunked", sz), lib.run(t, "f", in, nil, runOptions{splits: []int64{1, 3, 12, 13, 29}}), want)
	}
}
