// This file checks std/nn/layers against independent float64 formulas, in
// the interpreter and compiled.
package tests

import (
	"math"
	"math/rand/v2"
	"testing"

	"dlc.dev/dlc/ir"

	"github.com/stretchr/testify/require"
)

const nnProgram = "stdlib/nn/layers.dl"

// nnReference computes each layer of a [b, n] input row by row with the
// textbook formulas.
func nnReference(name string, x []float64, b, n int, gamma, beta []float64) []float64 {
	out := make([]float64, len(x))
	for r := range b {
		row := x[r*n : (r+1)*n]
		switch name {
		case "gelu":
			for j, v := range row {
				out[r*n+j] = 0.5 * v * (1 + math.Erf(v/math.Sqrt2))
			}
		case "gelu_tanh":
			for j, v := range row {
				out[r*n+j] = 0.5 * v * (1 + math.Tanh(math.Sqrt(2/math.Pi)*(v+0.044715*v*v*v)))
			}
		case "softmax":
			m, s := math.Inf(-1), 0.0
			for _, v := range row {
				m = math.Max(m, v)
			}
			for _, v := range row {
				s += math.Exp(v - m)
			}
			for j, v := range row {
				out[r*n+j] = math.Exp(v-m) / s
			}
		case "layer_norm":
			mu, v2 := 0.0, 0.0
			for _, v := range row {
				mu += v / float64(n)
			}
			for _, v := range row {
				v2 += (v - mu) * (v - mu) / float64(n)
			}
			for j, v := range row {
				out[r*n+j] = (v-mu)/math.Sqrt(v2+1e-5)*gamma[j] + beta[j]
			}
		}
	}
	return out
}

func TestNNLayers(t *testing.T) {
	m := lowerFile(t, nnProgram)
	art := load(t, nnProgram)
	const b, n = 5, 37
	rng := rand.New(rand.NewPCG(11, 12))
	x := &ir.Array{Shape: []int64{b, n}, Data: make([]float64, b*n)}
	for i := range x.Data {
		x.Data[i] = float64(float32(3 * rng.NormFloat64()))
	}
	gamma := &ir.Array{Shape: []int64{n}, Data: make([]float64, n)}
	beta := &ir.Array{Shape: []int64{n}, Data: make([]float64, n)}
	for j := range n {
		gamma.Data[j] = float64(float32(1 + 0.1*rng.NormFloat64()))
		beta.Data[j] = float64(float32(rng.NormFloat64()))
	}
	for _, name := range []string{"gelu", "gelu_tanh", "softmax", "layer_norm"} {
		in := ir.Inputs{Tensors: map[string]*ir.Array{"x": x, "gamma": gamma, "beta": beta}}
		if name != "layer_norm" {
			in.Tensors = map[string]*ir.Array{"x": x}
		}
		want := nnReference(name, x.Data, b, n, gamma.Data, beta.Data)
		got, err := ir.Interpret(m, name, in)
		require.NoError(t, err)
		requireRowsClose(t, name+" interpreted", n, got["y"].Data, want, 1e-12)
		compiled := runCompiled(t, art, m.Func(name), in, b, n)
		closeTo(t, name+" compiled", toF32(compiled["y"]), want, 2e-5, 1e-6)
	}
}

// TestNNDense checks dense against plain loops, interpreted and compiled.
func TestNNDense(t *testing.T) {
	const file = "stdlib/nn/dense.dl"
	m := lowerFile(t, file)
	art := load(t, file)
	rng := rand.New(rand.NewPCG(3, 4))
	rnd := func(shape ...int64) *ir.Array {
		a := ir.NewArray(shape...)
		for i := range a.Data {
			a.Data[i] = float64(float32(rng.NormFloat64()))
		}
		return a
	}
	const b, in, out = 6, 33, 17
	x, w, bias := rnd(b, in), rnd(in, out), rnd(out)
	want := make([]float64, b*out)
	for r := range b {
		for o := range out {
			s := bias.Data[o]
			for k := range in {
				s += x.Data[r*in+k] * w.Data[k*out+o]
			}
			want[r*out+o] = s
		}
	}
	dense := ir.Inputs{Tensors: map[string]*ir.Array{"x": x, "w": w, "b": bias}}
	got, err := ir.Interpret(m, "dense", dense)
	require.NoError(t, err)
	requireRowsClose(t, "dense interpreted", out, got["y"].Data, want, 2e-7) // rounded once to f32
	closeTo(t, "dense compiled", toF32(runCompiled(t, art, m.Func("dense"), dense, b, out)["y"]), want, 2e-5, 1e-5)

}
