// This file checks std/nn/layers against independent float64 formulas, in
// the interpreter and compiled.
package tests

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"dlc.dev/dlc/ir"
	"dlc.dev/dlc/runtime"
	"dlc.dev/dlc/train"

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

// TestNNEmbedding checks embedding and embedding_seq against plain lookups,
// interpreted and compiled (a copy: exact), and that an id outside the
// table is an error before any kernel runs.
func TestNNEmbedding(t *testing.T) {
	const file = "stdlib/nn/dense.dl"
	m := lowerFile(t, file)
	art := load(t, file)
	rng := rand.New(rand.NewPCG(5, 6))
	const v, d, b, seq = 11, 7, 6, 3
	table := ir.NewArray(v, d)
	for i := range table.Data {
		table.Data[i] = float64(float32(rng.NormFloat64()))
	}
	ids := ir.NewArray(b, seq)
	for i := range ids.Data {
		ids.Data[i] = float64(rng.IntN(v))
	}
	ids.Data[0], ids.Data[1] = 0, v-1 // both ends of the table
	want := make([]float64, 0, b*seq*d)
	for _, id := range ids.Data {
		want = append(want, table.Data[int(id)*d:int(id+1)*d]...)
	}
	for _, c := range []struct {
		name  string
		ids   *ir.Array
		shape []int64
		want  []float64
	}{
		{"embedding", &ir.Array{Shape: []int64{b}, Data: ids.Data[:b]}, []int64{b, d}, want[:b*d]},
		{"embedding_seq", ids, []int64{b, seq, d}, want},
	} {
		in := ir.Inputs{Tensors: map[string]*ir.Array{"table": table, "ids": c.ids}}
		got, err := ir.Interpret(m, c.name, in)
		require.NoError(t, err)
		require.Equal(t, c.want, got["y"].Data, c.name+" interpreted")
		fn, err := art.Func(c.name)
		require.NoError(t, err)
		yd := make([]float32, len(c.want))
		y := runtime.F32(yd, c.shape...)
		idsT := runtime.I32(toI32(c.ids.Data), c.ids.Shape...)
		args := runtime.Args{Inputs: map[string]runtime.Tensor{"table": runtime.F32(toF32(table.Data), v, d), "ids": idsT},
			Outputs: map[string]runtime.Tensor{"y": y}}
		require.NoError(t, fn.Run(args))
		require.Equal(t, toF32(c.want), yd, c.name+" compiled")
		bad := toI32(c.ids.Data)
		bad[len(bad)-1] = v
		args.Inputs["ids"] = runtime.I32(bad, c.ids.Shape...)
		err = fn.Run(args)
		require.Error(t, err, c.name+" with id %d", v)
		require.Contains(t, err.Error(), fmt.Sprintf("input ids: index %d at", v))
	}
}

func toI32(xs []float64) []int32 {
	out := make([]int32, len(xs))
	for i, x := range xs {
		out[i] = int32(x)
	}
	return out
}

const bagProgram = "tests/testdata/train/bag.dl"

// bagBatch is a batch of the bag-of-embeddings toy task: seven token ids in
// [0, 16), the label 1 when more of them are below 8 than not.
func bagBatch(rng *rand.Rand, b int) (ids, labels []int32) {
	for range b {
		low := 0
		for range bagLen {
			id := rng.IntN(16)
			if id < 8 {
				low++
			}
			ids = append(ids, int32(id))
		}
		labels = append(labels, int32(map[bool]int{true: 1}[2*low > bagLen]))
	}
	return ids, labels
}

const bagLen = 7

// TestBagOfEmbeddingsStepsMatchInterpreter runs five AdamW steps of the
// bag-of-embeddings classifier compiled and in the float64 interpreter: the
// embedding's gradient (a scatter_add of the cotangent rows at their ids,
// summed over the sequence axis) and the update must agree within f32
// rounding, as the linear classifier's steps do (train_test.go).
func TestBagOfEmbeddingsStepsMatchInterpreter(t *testing.T) {
	art := load(t, bagProgram)
	m := lowerFile(t, bagProgram)
	tr, err := train.New(art, train.Options{Step: "step", Seed: 7})
	require.NoError(t, err)
	ref := ir.Inputs{Tensors: trainerArrays(t, tr), Scalars: map[string]float64{}}
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range 5 {
		ids, labels := bagBatch(rng, 16)
		loss, err := tr.Step(map[string]runtime.Tensor{"ids": runtime.I32(ids, 16, bagLen), "labels": runtime.I32(labels, 16)})
		require.NoError(t, err)
		ref.Tensors["ids"] = &ir.Array{Shape: []int64{16, bagLen}, Data: widenInts(ids)}
		ref.Tensors["labels"] = &ir.Array{Shape: []int64{16}, Data: widenInts(labels)}
		ref.Scalars["step"] = float64(i + 1)
		out, err := ir.Interpret(m, "step", ref)
		require.NoError(t, err)
		require.InDelta(t, out["loss"].Data[0], loss, 1e-5, "step %d: loss", i+1)
		for _, name := range append(tr.Params(), tr.State()...) {
			ref.Tensors[name] = out[name+"_new"]
			closeTo(t, name, floatsOf(tr, name), out[name+"_new"].Data, 1e-4, 1e-6)
		}
	}
}

// TestBagOfEmbeddingsTrains trains the classifier for 300 steps of 32
// sequences and requires at least 90% accuracy on 1024 fresh ones (chance is
// 50%; the task is linear in the mean embedding, so it is learnable exactly).
func TestBagOfEmbeddingsTrains(t *testing.T) {
	art := load(t, bagProgram)
	tr, err := train.New(art, train.Options{Step: "step", Predict: "bag", Seed: 1})
	require.NoError(t, err)
	rng := rand.New(rand.NewPCG(3, 4))
	for range 300 {
		ids, labels := bagBatch(rng, 32)
		_, err := tr.Step(map[string]runtime.Tensor{"ids": runtime.I32(ids, 32, bagLen), "labels": runtime.I32(labels, 32)})
		require.NoError(t, err)
	}
	const n = 1024
	ids, labels := bagBatch(rng, n)
	logits := make([]float32, 2*n)
	require.NoError(t, tr.Predict(map[string]runtime.Tensor{"ids": runtime.I32(ids, n, bagLen)},
		map[string]runtime.Tensor{"logits": runtime.F32(logits, n, 2)}))
	right := 0
	for i, l := range labels {
		if (logits[2*i+1] > logits[2*i]) == (l == 1) {
			right++
		}
	}
	acc := float64(right) / n
	t.Logf("accuracy after 300 steps: %.3f", acc)
	require.GreaterOrEqual(t, acc, 0.9)
}
