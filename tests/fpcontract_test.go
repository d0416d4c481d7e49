// This file checks floating-point contraction (dlc build -fp-contract fast,
// compiler.Options.FPContract): a kernel a*b + c built with it rounds once,
// exactly as a fused multiply-add computed independently with math/big, and
// built without it (or for a CPU without FMA) rounds twice; the stdlib's DDIM and DDPM steps and Lion
// built with it stay within error bounds derived from their expressions of
// the float64 interpreter, differ from the default build somewhere (so the
// option took effect), and give the same bits for any thread count, with
// or without streaming stores, wherever an element falls in the vector loop.
package tests

import (
	"context"
	"math"
	"math/big"
	"math/rand/v2"
	"os"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"

	"dlc.dev/dlc/codegen"
	"dlc.dev/dlc/compiler"
	"dlc.dev/dlc/ir"
	"dlc.dev/dlc/runtime"
)

// unitRoundoff is u = 2^-24, the largest relative error of one f32 rounding
// to nearest (of a normal result).
const unitRoundoff = 0x1p-24

// gamma is γ_k = k·u/(1 - k·u), which bounds the relative error that k
// roundings in a row leave (Higham, Accuracy and Stability of Numerical
// Algorithms, lemma 3.1).
func gamma(k int) float64 { return float64(k) * unitRoundoff / (1 - float64(k)*unitRoundoff) }

// buildContract builds source file rel with floating-point contraction c.
func buildContract(t *testing.T, rel string, c codegen.FPContract) []byte {
	t.Helper()
	return buildContractFor(t, rel, c, "")
}

// buildContractFor is buildContract for -cpu cpu.
func buildContractFor(t *testing.T, rel string, c codegen.FPContract, cpu string) []byte {
	t.Helper()
	needTools(t)
	src, err := os.ReadFile(rel)
	require.NoError(t, err)
	b, man, err := compiler.Build(context.Background(), rel, src, compiler.Options{CPU: cpu, FPContract: c})
	require.NoError(t, err)
	want := ""
	if c == codegen.ContractFast {
		want = "fast"
	}
	require.Equal(t, want, man.Targets[0].FPContract, "the cpu target records the contraction")
	return b
}

// runF32 runs function fn of artifact art on f32 inputs with scalars,
// returning its f32 outputs (each as long as the first input).
func runF32(t *testing.T, art []byte, cfg runtime.Config, fn string, in map[string][]float32, outs []string, scalars map[string]float64) map[string][]float32 {
	t.Helper()
	a, err := runtime.LoadBytes(art, cfg)
	require.NoError(t, err)
	defer a.Close()
	f, err := a.Func(fn)
	require.NoError(t, err)
	args := runtime.Args{Inputs: map[string]runtime.Tensor{}, Outputs: map[string]runtime.Tensor{}, Scalars: scalars}
	n := 0
	for name, x := range in {
		args.Inputs[name] = runtime.F32(x)
		n = len(x)
	}
	res := map[string][]float32{}
	for _, o := range outs {
		res[o] = make([]float32, n)
		args.Outputs[o] = runtime.F32(res[o])
	}
	require.NoError(t, f.Run(args))
	return res
}

// fusedF32 is fma(a, b, c) in f32: a*b + c computed exactly (a product of
// two f32 has 48 bits, and the inputs here keep the sum within 200), then
// rounded once to the nearest f32, ties to even.
func fusedF32(a, b, c float32) float32 {
	z := new(big.Float).SetPrec(200)
	z.Mul(big.NewFloat(float64(a)), big.NewFloat(float64(b)))
	z.Add(z, big.NewFloat(float64(c)))
	r, _ := z.Float32()
	return r
}

// TestFPContractFusesMultiplyAdd builds y = a*b + c both ways and checks
// every element's bits: fl(a*b + c) with contraction, fl(fl(a*b) + c)
// without. Among the inputs is (1+2^-12)² - (1+2^-11), whose product
// rounds to 1+2^-11 (a tie, to even): 0 unfused, 2^-24 fused. The length
// leaves a scalar tail after the vector loop. On a CPU without FMA
// (-cpu x86-64) there is nothing to fuse with: fast gives the unfused bits.
func TestFPContractFusesMultiplyAdd(t *testing.T) {
	dir := t.TempDir()
	src := dir + "/fma.dl"
	require.NoError(t, os.WriteFile(src, []byte("kernel fma(a: f32[N], b: f32[N], c: f32[N]) -> y: f32[N] {\n    y = a * b + c\n}\n"), 0o644))
	const n = 4099
	rng := rand.New(rand.NewPCG(7, 8))
	a, b, c := make([]float32, n), make([]float32, n), make([]float32, n)
	for i := range a {
		a[i], b[i] = float32(4*rng.Float64()-2), float32(4*rng.Float64()-2)
		// c near -a*b for a third of the elements: the sum cancels, and the
		// product's rounding error becomes most of the result.
		c[i] = float32(8*rng.Float64() - 4)
		if i%3 == 0 {
			c[i] = -a[i] * b[i] * float32(1+rng.Float64()*0x1p-20)
		}
	}
	a[0], b[0], c[0] = 1+0x1p-12, 1+0x1p-12, -(1 + 0x1p-11)
	in := map[string][]float32{"a": a, "b": b, "c": c}
	cfg := runtime.Config{Threads: 2, MinChunk: 1024}
	fast := runF32(t, buildContract(t, src, codegen.ContractFast), cfg, "fma", in, []string{"y"}, nil)["y"]
	off := runF32(t, buildContract(t, src, codegen.ContractOff), cfg, "fma", in, []string{"y"}, nil)["y"]
	noFMA := runF32(t, buildContractFor(t, src, codegen.ContractFast, "x86-64"), cfg, "fma", in, []string{"y"}, nil)["y"]
	require.Equal(t, off, noFMA, "-fp-contract fast for a CPU without FMA")
	require.Equal(t, float32(0x1p-24), fast[0], "(1+2^-12)² - (1+2^-11) fused")
	require.Equal(t, float32(0), off[0], "(1+2^-12)² - (1+2^-11) rounded twice")
	differ := 0
	for i := range a {
		wantFast := fusedF32(a[i], b[i], c[i])
		wantOff := float32(a[i]*b[i]) + c[i] // the conversion rounds the product: Go never fuses across it
		if math.Float32bits(fast[i]) != math.Float32bits(wantFast) {
			t.Fatalf("fast: fma(%g, %g, %g) = %g, want %g", a[i], b[i], c[i], fast[i], wantFast)
		}
		if math.Float32bits(off[i]) != math.Float32bits(wantOff) {
			t.Fatalf("off: %g*%g + %g = %g, want %g", a[i], b[i], c[i], off[i], wantOff)
		}
		if wantFast != wantOff {
			differ++
		}
	}
	t.Logf("%d of %d elements differ between the fused and the unfused result", differ, n)
	require.Greater(t, differ, n/10, "the inputs tell a fused result from an unfused one")
}

// fusedCase is a stdlib function run with contraction against the
// interpreter. bound gives, for element i of output out, the largest error
// the f32 evaluation may make, from the interpreter's float64 values of the
// inputs and scalars; skip reports an element whose output is not bounded
// that way (a sign taken of a value within its own rounding error of 0).
type fusedCase struct {
	src, fn string
	inputs  []string
	outputs []string
	scalars map[string]float64
	bound   func(out string, in map[string][]float64, s map[string]float64, i int) float64
	skip    func(out string, in map[string][]float64, s map[string]float64, i int, got float64) bool
}

// ddimBound bounds the error of x_prev = c_x0·x0 + c_eps·eps + sigma·z with
// x0 = (x_t - s·eps)·inv in f32, fused or not. Each coefficient is computed
// on the host in float64 and rounded to f32 once; the longest path from a
// leaf to x_prev is s's: its rounding, s·eps, the subtraction, ·inv, ·c_x0
// (whose own rounding is on a shorter path), and the two additions: 7, and
// 8 counting c_x0's rounding along. A fused multiply-add rounds once where
// the unfused pair rounds twice, so the bound holds for both: γ_8 times the
// sum of the magnitudes of the products, |c_x0|(|x_t| + |s·eps|)|inv| +
// |c_eps·eps| + |sigma·z| (Higham, §3.1).
func ddimBound(cx0, ceps, sigma, s, inv, x, e, z float64) float64 {
	return gamma(8) * (math.Abs(cx0)*(math.Abs(x)+math.Abs(s*e))*math.Abs(inv) + math.Abs(ceps*e) + math.Abs(sigma*z))
}

// lionC is Lion's c = beta1·m + (1-beta1)·g and the bound on its f32 error:
// the coefficient's rounding, the product and the sum, γ_3 of the terms.
func lionC(in map[string][]float64, s map[string]float64, i int) (c, bound float64) {
	t1, t2 := s["beta1"]*in["m"][i], (1-s["beta1"])*in["grad"][i]
	return t1 + t2, gamma(3) * (math.Abs(t1) + math.Abs(t2))
}

var fusedCases = []fusedCase{
	{
		src: "../stdlib/diffusion/ddim.dl", fn: "ddim_step", inputs: []string{"x_t", "eps", "z"}, outputs: []string{"x_prev"},
		scalars: map[string]float64{"abar_t": 0.5, "abar_prev": 0.6, "eta": 0.5},
		bound: func(_ string, in map[string][]float64, s map[string]float64, i int) float64 {
			at, as, eta := s["abar_t"], s["abar_prev"], s["eta"]
			l2 := eta * eta * (1 - as) / (1 - at) * (1 - at/as)
			return ddimBound(math.Sqrt(as), math.Sqrt(max(1-as-l2, 0)), math.Sqrt(l2), math.Sqrt(1-at), 1/math.Sqrt(at), in["x_t"][i], in["eps"][i], in["z"][i])
		},
	},
	{
		// The same shape as ddim_step: c0·x0 + ct·x_t + sigma·z, the x_t term
		// on a path as short as c_eps's.
		src: "../stdlib/diffusion/ddim.dl", fn: "ddpm_step", inputs: []string{"x_t", "eps", "z"}, outputs: []string{"x_prev"},
		scalars: map[string]float64{"abar_t": 0.5, "abar_prev": 0.6},
		bound: func(_ string, in map[string][]float64, s map[string]float64, i int) float64 {
			at, as := s["abar_t"], s["abar_prev"]
			bts := 1 - at/as
			c0, ct := math.Sqrt(as)*bts/(1-at), math.Sqrt(at/as)*(1-as)/(1-at)
			sigma := math.Sqrt(bts * (1 - as) / (1 - at))
			x, e := in["x_t"][i], in["eps"][i]
			return gamma(8) * (math.Abs(c0)*(math.Abs(x)+math.Abs(math.Sqrt(1-at)*e))/math.Sqrt(at) + math.Abs(ct*x) + math.Abs(sigma*in["z"][i]))
		},
	},
	{
		src: "../stdlib/optim/lion.dl", fn: "lion", inputs: []string{"theta", "grad", "m"}, outputs: []string{"theta_new", "m_new"},
		scalars: map[string]float64{"lr": 1e-3, "beta1": 0.9, "beta2": 0.99, "wd": 0.1},
		bound: func(out string, in map[string][]float64, s map[string]float64, i int) float64 {
			th, g, m := in["theta"][i], in["grad"][i], in["m"][i]
			if out == "m_new" {
				// beta2·m + (1-beta2)·g: as c.
				return gamma(3) * (math.Abs(s["beta2"]*m) + math.Abs((1-s["beta2"])*g))
			}
			// theta - lr·(sign(c) + wd·theta), the sign as the interpreter
			// has it: wd's rounding, ·theta, +sign, lr's rounding, ·lr and
			// the subtraction, γ_6 of |theta| + |lr|(1 + |wd·theta|).
			return gamma(6) * (math.Abs(th) + math.Abs(s["lr"])*(1+math.Abs(s["wd"]*th)))
		},
		skip: func(out string, in map[string][]float64, s map[string]float64, i int, got float64) bool {
			c, cb := lionC(in, s, i)
			if out != "theta_new" || math.Abs(c) > cb {
				return false
			}
			// c is within its rounding error of 0: the kernel's sign may be
			// any of -1, 0, 1. got must still be one of those updates.
			th := in["theta"][i]
			b := gamma(6) * (math.Abs(th) + math.Abs(s["lr"])*(1+math.Abs(s["wd"]*th)))
			for _, sg := range []float64{-1, 0, 1} {
				if math.Abs(got-(th-s["lr"]*(sg+s["wd"]*th))) <= b {
					return true
				}
			}
			return false
		},
	},
}

// TestFPContractStdlibWithinBounds runs DDIM, DDPM and Lion built with
// contraction on random normal inputs and checks every element against the
// interpreter within its bound; it logs the largest error as a fraction of
// the bound.
func TestFPContractStdlibWithinBounds(t *testing.T) {
	for _, c := range fusedCases {
		t.Run(c.fn, func(t *testing.T) {
			src, err := os.ReadFile(c.src)
			require.NoError(t, err)
			ref, err := compiler.Lower(c.src, src, compiler.Options{}, "input")
			require.NoError(t, err)
			const n = 70001
			rng := rand.New(rand.NewPCG(3, 4))
			in := ir.Inputs{Tensors: map[string]*ir.Array{}, Scalars: c.scalars}
			in32, in64 := map[string][]float32{}, map[string][]float64{}
			for _, name := range c.inputs {
				a := ir.NewArray(n)
				x := make([]float32, n)
				for i := range x {
					x[i] = float32(rng.NormFloat64())
					a.Data[i] = float64(x[i])
				}
				in.Tensors[name], in32[name], in64[name] = a, x, a.Data
			}
			want, err := ir.Interpret(ref, c.fn, in)
			require.NoError(t, err)
			cfg := runtime.Config{Threads: 2, MinChunk: 1024}
			fast := runF32(t, buildContract(t, c.src, codegen.ContractFast), cfg, c.fn, in32, c.outputs, c.scalars)
			off := runF32(t, buildContract(t, c.src, codegen.ContractOff), cfg, c.fn, in32, c.outputs, c.scalars)
			for _, out := range c.outputs {
				worst, differ, skipped := 0.0, 0, 0
				for i, w := range want[out].Data {
					got := float64(fast[out][i])
					if fast[out][i] != off[out][i] {
						differ++
					}
					if c.skip != nil && c.skip(out, in64, c.scalars, i, got) {
						skipped++
						continue
					}
					b := c.bound(out, in64, c.scalars, i)
					if err := math.Abs(got - w); err > b {
						t.Fatalf("%s[%d] = %.9g, interpreter %.9g: error %.3g above the bound %.3g", out, i, got, w, err, b)
					} else if b > 0 {
						worst = max(worst, err/b)
					}
				}
				t.Logf("%s: largest error %.3f of the bound; %d of %d elements differ from the default build; %d signs within rounding of 0",
					out, worst, differ, n, skipped)
				require.Positive(t, differ, "%s: contraction changes no element", out)
			}
		})
	}
}

// shapesCase is testdata/fpcontract.dl: more ways for a multiply to meet an
// add than the stdlib's, for TestFPContractSameBitsEverywhere.
var shapesCase = fusedCase{src: "testdata/fpcontract.dl", fn: "shapes", inputs: []string{"a", "b", "c"}, outputs: []string{"y1", "y2", "y3", "y4", "y5"}}

// TestFPContractSameBitsEverywhere checks that contraction keeps results
// independent of how the work is split: 1 and 2 threads in small chunks,
// streaming stores forced and refused, and every input shifted by one to
// three elements, which moves each element to another lane of the vector
// loop or into its scalar peel or tail, must all give the same bits. llc
// fuses the scalar and the vector forms of an expression alike; this is
// where that would show if it did not.
func TestFPContractSameBitsEverywhere(t *testing.T) {
	for _, c := range append(slices.Clone(fusedCases), shapesCase) {
		t.Run(c.fn, func(t *testing.T) {
			art := buildContract(t, c.src, codegen.ContractFast)
			const n = 10007
			rng := rand.New(rand.NewPCG(5, 6))
			in := map[string][]float32{}
			for _, name := range c.inputs {
				x := make([]float32, n)
				for i := range x {
					x[i] = float32(rng.NormFloat64())
				}
				in[name] = x
			}
			base := runF32(t, art, runtime.Config{Threads: 1}, c.fn, in, c.outputs, c.scalars)
			off := runF32(t, buildContract(t, c.src, codegen.ContractOff), runtime.Config{Threads: 1}, c.fn, in, c.outputs, c.scalars)
			require.NotEqual(t, off, base, "contraction changes some element")
			for _, cfg := range []runtime.Config{{Threads: 2, MinChunk: 512}, {Threads: 2, MinChunk: 512, StreamBytes: 1}, {Threads: 2, StreamBytes: -1}} {
				require.Equal(t, base, runF32(t, art, cfg, c.fn, in, c.outputs, c.scalars), "config %+v", cfg)
			}
			for _, shift := range []int{1, 2, 3} {
				sub := map[string][]float32{}
				for name, x := range in {
					sub[name] = slices.Clone(x[shift:]) // a fresh buffer: another alignment too
				}
				got := runF32(t, art, runtime.Config{Threads: 2, MinChunk: 512}, c.fn, sub, c.outputs, c.scalars)
				for _, out := range c.outputs {
					require.Equal(t, base[out][shift:], got[out], "%s with the inputs shifted by %d", out, shift)
				}
			}
		})
	}
}
