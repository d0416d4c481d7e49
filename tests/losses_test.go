package tests

import (
	"math"
	"testing"
	"unsafe"

	"github.com/stretchr/testify/require"

	"dlc.dev/dlc/runtime"
)

// lossCase names a compiled function, the vector file that checks it and how
// vector names map to the function's outputs.
type lossCase struct {
	file, fn, vectors string
	outputs           map[string]string // vector name -> output name
	skip              func(c vectorCase) bool
}

// runVectorCase runs fn on a vector case's inputs (integers as i32, floats as
// f32, the case's numeric hparams as scalars) and returns the outputs as float32.
func runVectorCase(t *testing.T, fn *runtime.Func, c vectorCase, outShapes map[string][]int64) map[string][]float32 {
	t.Helper()
	args := runtime.Args{Inputs: map[string]runtime.Tensor{}, Outputs: map[string]runtime.Tensor{}, Scalars: map[string]float64{}}
	for name, a := range c.Inputs {
		if a.DType == "int64" {
			xs := make([]int32, len(a.Data))
			for i, x := range a.Data {
				xs[i] = int32(x)
			}
			args.Inputs[name] = runtime.I32(xs, a.Shape...)
			continue
		}
		args.Inputs[name] = runtime.F32(a.F32(), a.Shape...)
	}
	hp, _ := c.hparams(t)
	for k, x := range hp {
		args.Scalars[k] = x
	}
	out := map[string][]float32{}
	for name, shape := range outShapes {
		n := int64(1)
		for _, d := range shape {
			n *= d
		}
		out[name] = make([]float32, n)
		args.Outputs[name] = runtime.F32(out[name], shape...)
	}
	require.NoError(t, runDev(t, fn, args))
	return out
}

func TestLossVectors(t *testing.T) {
	rowsOf := func(c vectorCase) int64 { return c.Inputs["logits"].Shape[0] }
	cases := []lossCase{
		{file: "stdlib/loss/zlpr.dl", fn: "zlpr_hard", vectors: "zlpr_hard", outputs: map[string]string{"loss": "loss", "grad": "grad"}},
		{file: "stdlib/loss/zlpr.dl", fn: "zlpr_soft", vectors: "zlpr_soft", outputs: map[string]string{"loss": "loss", "grad_logits": "grad_logits", "grad_targets": "grad_targets"}},
		{file: "stdlib/loss/zlpr.dl", fn: "zlpr_sparse", vectors: "zlpr_sparse", outputs: map[string]string{"loss": "loss"}},
		{file: "stdlib/loss/bce.dl", fn: "sigmoid_bce", vectors: "sigmoid_bce", outputs: map[string]string{"loss": "loss", "grad": "grad"}},
		{file: "stdlib/loss/softmax_ce.dl", fn: "softmax_ce", vectors: "softmax_ce", outputs: map[string]string{"loss": "loss", "grad": "grad"},
			skip: func(c vectorCase) bool { _, ok := c.Inputs["targets"]; return !ok }},
		{file: "stdlib/loss/softmax_ce.dl", fn: "softmax_ce_labels", vectors: "softmax_ce", outputs: map[string]string{"loss": "loss", "grad": "grad"},
			skip: func(c vectorCase) bool { _, ok := c.Inputs["labels"]; return !ok }},
		{file: "stdlib/loss/exact.dl", fn: "exact", vectors: "exact", outputs: map[string]string{"loss": "loss", "grad": "grad"}},
	}
	for _, lc := range cases {
		art := loadDev(t, lc.file)
		fn, err := art.Func(lc.fn)
		require.NoError(t, err)
		for _, c := range readVectors(t, lc.vectors).Cases {
			if lc.skip != nil && lc.skip(c) {
				continue
			}
			t.Run(lc.fn+"/"+c.Name, func(t *testing.T) {
				shapes := map[string][]int64{}
				for vec, out := range lc.outputs {
					if out == "loss" {
						shapes[out] = []int64{rowsOf(c)}
					} else {
						shapes[out] = c.expected(t, vec).Shape
					}
				}
				got := runVectorCase(t, fn, c, shapes)
				for vec, out := range lc.outputs {
					closeTo(t, out, got[out], c.expected(t, vec).F64(), c.Tolerance.RTol, c.Tolerance.ATol)
				}
			})
		}
	}
}

// TestZLPRSoftEqualsHard checks that soft ZLPR with targets in {0, 1} gives the
// same bits as hard ZLPR, compiled, including ±1e4 logits and masked classes.
func TestZLPRSoftEqualsHard(t *testing.T) {
	art := load(t, "stdlib/loss/zlpr.dl")
	hard, err := art.Func("zlpr_hard")
	require.NoError(t, err)
	soft, err := art.Func("zlpr_soft")
	require.NoError(t, err)
	const B, C = 9, 37
	logits := make([]float32, B*C)
	labels := make([]float32, B*C)
	for i := range logits {
		logits[i] = float32(math.Sin(float64(i)*0.7)) * 6
		if i%5 == 0 {
			labels[i] = 1
		}
	}
	for c := 0; c < C; c++ {
		labels[1*C+c] = 0    // no positives
		labels[2*C+c] = 1    // no negatives
		logits[3*C+c] *= 1e4 // huge logits
	}
	logits[4*C+3] = float32(math.Inf(-1)) // a masked class
	lh, gh := make([]float32, B), make([]float32, B*C)
	ls, gs, gt := make([]float32, B), make([]float32, B*C), make([]float32, B*C)
	in := map[string]runtime.Tensor{"logits": runtime.F32(logits, B, C), "labels": runtime.F32(labels, B, C)}
	require.NoError(t, hard.Run(runtime.Args{Inputs: in, Outputs: map[string]runtime.Tensor{"loss": runtime.F32(lh, B), "grad": runtime.F32(gh, B, C)}}))
	require.NoError(t, soft.Run(runtime.Args{
		Inputs:  map[string]runtime.Tensor{"logits": in["logits"], "targets": in["labels"]},
		Outputs: map[string]runtime.Tensor{"loss": runtime.F32(ls, B), "grad_logits": runtime.F32(gs, B, C), "grad_targets": runtime.F32(gt, B, C)}}))
	require.Equal(t, lh, ls, "loss")
	require.Equal(t, gh, gs, "grad")
	require.Zero(t, gh[4*C+3], "a masked class gets a zero gradient")
	for i, x := range lh {
		require.False(t, math.IsNaN(float64(x)), "row %d loss is NaN", i)
	}
}

// TestBatchMeanDeterministic checks that a batch mean of per-row losses gives
// the same bits whatever the number of threads.
func TestBatchMeanDeterministic(t *testing.T) {
	needTools(t)
	b := buildProgram(t, "programs/batch_mean.dl")
	const B, C = 3000, 129
	logits, labels := make([]float32, B*C), make([]float32, B*C)
	for i := range logits {
		logits[i] = float32(math.Sin(float64(i)*1.3)) * 4
		if i%7 == 0 {
			labels[i] = 1
		}
	}
	var first []float32
	for _, threads := range []int{1, 2, 3, 8} {
		art, err := runtime.LoadBytes(b, runtime.Config{Threads: threads})
		require.NoError(t, err)
		fn, err := art.Func("zlpr_mean")
		require.NoError(t, err)
		mean, grad := make([]float32, 1), make([]float32, B*C)
		require.NoError(t, fn.Run(runtime.Args{
			Inputs:  map[string]runtime.Tensor{"logits": runtime.F32(logits, B, C), "labels": runtime.F32(labels, B, C)},
			Outputs: map[string]runtime.Tensor{"mean_loss": scalarF32(&mean[0]), "grad": runtime.F32(grad, B, C)},
		}))
		got := append(mean, grad...)
		if first == nil {
			first = got
			continue
		}
		require.Equal(t, first, got, "%d threads differ from 1 thread", threads)
		require.NoError(t, art.Close())
	}
}

// scalarF32 is a 0-d f32 tensor over *x.
func scalarF32(x *float32) runtime.Tensor {
	return runtime.Tensor{DType: runtime.Float32, Shape: []int64{}, Data: unsafe.Pointer(x), Len: 4}
}
