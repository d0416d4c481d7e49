// This file checks mixed-precision builds end to end: a dense layer and its
// gradient built with -precision bf16 and f16 run through the contraction
// kernels and agree with the interpreter, which rounds where the casts are.
package tests

import (
	"context"
	"math"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"

	"dlc.dev/dlc/artifact"
	"dlc.dev/dlc/compiler"
	"dlc.dev/dlc/ir"
	"dlc.dev/dlc/runtime"
)

const precisionSource = "testdata/precision/dense.dl"

// denseInputs are the tensors of dense.dl for batch b, inputs d and outputs
// h: f32 values from a normal distribution.
func denseInputs(rng *rand.Rand, b, d, h int64) map[string]*ir.Array {
	in := map[string]*ir.Array{
		"x": ir.NewArray(b, d), "w": ir.NewArray(d, h), "b": ir.NewArray(h), "c": ir.NewArray(b, h),
	}
	for _, name := range []string{"x", "w", "b", "c"} {
		for i := range in[name].Data {
			in[name].Data[i] = ir.Convert(rng.NormFloat64(), ir.F32)
		}
	}
	return in
}

// absDot is sum_k |p(i,k)| |q(k,j)| over k < n with each factor rounded to
// low first: the magnitude that bounds the error of a contraction of the
// rounded operands summed in f32.
func absDot(low ir.DType, n int64, p, q func(k int64) float64) float64 {
	s := 0.0
	for k := int64(0); k < n; k++ {
		s += math.Abs(ir.Convert(p(k), low)) * math.Abs(ir.Convert(q(k), low))
	}
	return s
}

// denseTolerances bounds, element by element, how far the compiled results of
// ddense may be from the interpreter's: every contraction operand is a
// rounding of a value both hold bit for bit, and the products of two 16-bit
// values are exact in f32, so the two differ only by the order of the f32
// sums (contractTol; the loss sums B*H more terms).
func denseTolerances(low ir.DType, in map[string]*ir.Array, want map[string]*ir.Array, b, d, h int64) map[string][]float64 {
	x, w, bias, c := in["x"].Data, in["w"].Data, in["b"].Data, in["c"].Data
	tol := map[string][]float64{"d_x": make([]float64, b*d), "d_w": make([]float64, d*h)}
	lossMag := 0.0
	for i := int64(0); i < b; i++ {
		for j := int64(0); j < h; j++ {
			y := absDot(low, d, func(k int64) float64 { return x[i*d+k] }, func(k int64) float64 { return w[k*h+j] })
			lossMag += (y + math.Abs(bias[j])) * math.Abs(c[i*h+j])
		}
		for j := int64(0); j < d; j++ {
			// d_x = dy wᵀ with |dy| <= |c|.
			m := absDot(low, h, func(k int64) float64 { return c[i*h+k] }, func(k int64) float64 { return w[j*h+k] })
			tol["d_x"][i*d+j] = contractTol(ir.F32, h, m, want["d_x"].Data[i*d+j])
		}
	}
	for i := int64(0); i < d; i++ {
		for j := int64(0); j < h; j++ {
			// d_w = xᵀ dy.
			m := absDot(low, b, func(k int64) float64 { return x[k*d+i] }, func(k int64) float64 { return c[k*h+j] })
			tol["d_w"][i*h+j] = contractTol(ir.F32, b, m, want["d_w"].Data[i*h+j])
		}
	}
	tol["loss"] = []float64{contractTol(ir.F32, b*h+d, lossMag, want["loss"].Data[0])}
	return tol
}

// TestPrecisionDenseMatchesInterpreter builds dense.dl with -precision bf16
// and f16 and runs ddense, whose three contractions read 16-bit operands
// (one transposed each way) and keep f32 results, against the interpreter
// on the same lowered module. The tolerances are tight enough to see a
// missing rounding: the f32 program's interpreted results fall outside them.
func TestPrecisionDenseMatchesInterpreter(t *testing.T) {
	needTools(t)
	src, err := os.ReadFile(precisionSource)
	require.NoError(t, err)
	plain, err := compiler.Lower(precisionSource, src, compiler.Options{}, "")
	require.NoError(t, err)
	for _, low := range []ir.DType{ir.BF16, ir.F16} {
		opt := compiler.Options{Precision: low}
		m, err := compiler.Lower(precisionSource, src, opt, "")
		require.NoError(t, err)
		var fns []*runtime.Func
		// The AVX2 and the AVX-512 micro-kernels, where this machine runs them,
		// and this machine's: with avx512_bf16, bf16 products are summed in
		// pairs by vdpbf16ps, within the same bound of recursive f32 summation
		// (codegen/cpu/gemm_bf16_test.go; random normal operands make no
		// subnormal that it would flush).
		for _, cpu := range []string{"x86-64-v3", "x86-64-v4", "native"} {
			opt.CPU = cpu
			bin, man, err := compiler.Build(context.Background(), precisionSource, src, opt)
			require.NoError(t, err)
			if cpu == "native" && low == ir.BF16 && slices.Contains(man.Target(artifact.TargetCPU).Features, "avx512_bf16") {
				paired := 0
				for _, e := range man.Target(artifact.TargetCPU).Entries {
					if e.Function == "ddense" && e.KStep == 2 {
						paired++
					}
				}
				require.Equal(t, 3, paired, "contraction kernels of ddense that multiply bf16 pairs")
			}
			art, err := runtime.LoadBytes(bin, runtime.Config{Threads: 2})
			if err != nil {
				t.Logf("%s: not run here: %v", cpu, err)
				continue
			}
			defer art.Close()
			fn, err := art.Func("ddense")
			require.NoError(t, err)
			fns = append(fns, fn)
		}
		outside := 0 // elements of the f32 program outside the tolerances
		// Sizes of 1, and sizes that are not multiples of the register tile.
		for _, sz := range [][3]int64{{1, 1, 1}, {7, 5, 3}, {37, 67, 29}, {130, 257, 65}} {
			b, d, h := sz[0], sz[1], sz[2]
			name := low.String() + "/" + strconv.FormatInt(b, 10) + "x" + strconv.FormatInt(d, 10) + "x" + strconv.FormatInt(h, 10)
			rng := rand.New(rand.NewPCG(uint64(b), uint64(d*h)))
			in := denseInputs(rng, b, d, h)
			want, err := ir.Interpret(m, "ddense", ir.Inputs{Tensors: in})
			require.NoError(t, err)
			f32, err := ir.Interpret(plain, "ddense", ir.Inputs{Tensors: in})
			require.NoError(t, err)
			args := runtime.Args{Inputs: map[string]runtime.Tensor{}, Outputs: map[string]runtime.Tensor{}}
			for k, a := range in {
				args.Inputs[k] = toTensor(ir.F32, a)
			}
			got := map[string]runtime.Tensor{}
			for k, a := range want {
				got[k] = toTensor(ir.F32, ir.NewArray(a.Shape...))
				args.Outputs[k] = got[k]
			}
			tol := denseTolerances(low, in, want, b, d, h)
			for _, fn := range fns {
				require.NoError(t, fn.Run(args), name)
				for k, w := range want {
					closeWithin(t, name+" "+k, fromTensor(ir.F32, got[k]), w.Data, tol[k])
				}
			}
			for k, w := range want {
				for i := range w.Data {
					if math.Abs(f32[k].Data[i]-w.Data[i]) > tol[k][i] {
						outside++
					}
				}
			}
		}
		require.Positive(t, outside, "%s: the f32 program's results are within the tolerances, which therefore cannot see a missing rounding", low)
	}
}

// closeWithin reports the elements of got farther than tol from want.
func closeWithin(t *testing.T, what string, got, want, tol []float64) {
	t.Helper()
	bad := 0
	for i := range want {
		if !(math.Abs(got[i]-want[i]) <= tol[i]) {
			if bad++; bad <= 3 {
				t.Errorf("%s[%d] = %.9g, interpreter %.9g (tolerance %.3g)", what, i, got[i], want[i], tol[i])
			}
		}
	}
}
