// This file checks the phases of a train step, step.grad and step.update,
// in the float64 interpreter against the step itself, and the compiled
// gradients of step.grad against the interpreter's.
package tests

import (
	"math/rand/v2"
	"testing"

	"dlc.dev/dlc/ir"
	"dlc.dev/dlc/runtime"
	"dlc.dev/dlc/train"

	"github.com/stretchr/testify/require"
)

// TestTrainPhasesMatchInterpreter interprets step.grad then step.update for
// each optimizer of the train program and requires the step's own results
// exactly: the same float64 operations in the same order, the gradients
// multiplied by grad_scale 1. With the gradients scaled by 4 between the
// phases and grad_scale 0.25 (both exact) the update is still exact. The
// compiled step.grad's gradients agree with the interpreter's within f32
// rounding (1e-4 relative, as for the whole step).
func TestTrainPhasesMatchInterpreter(t *testing.T) {
	art := load(t, trainProgram)
	m := lowerFile(t, trainProgram)
	for _, step := range []string{"step_adamw", "step_amos", "step_lion"} {
		tr, err := train.New(art, train.Options{Step: step, Seed: 7})
		require.NoError(t, err)
		in := ir.Inputs{Tensors: trainerArrays(t, tr), Scalars: map[string]float64{"step": 1}}
		x, labels := trainBatch(rand.New(rand.NewPCG(3, 4)), 16)
		in.Tensors["x"] = &ir.Array{Shape: []int64{16, 4}, Data: widen(x)}
		in.Tensors["labels"] = &ir.Array{Shape: []int64{16}, Data: widenInts(labels)}
		whole, err := ir.Interpret(m, step, in)
		require.NoError(t, err)
		grads, err := ir.Interpret(m, step+".grad", in)
		require.NoError(t, err)
		require.Equal(t, whole["loss"].Data, grads["loss"].Data, step)
		for _, scale := range []float64{1, 0.25} {
			upd := ir.Inputs{Tensors: map[string]*ir.Array{}, Scalars: map[string]float64{"step": 1, "grad_scale": scale}}
			for k, v := range in.Tensors {
				upd.Tensors[k] = v
			}
			for _, p := range tr.Params() {
				g := grads["d_"+p]
				d := &ir.Array{Shape: g.Shape, Data: make([]float64, len(g.Data))}
				for i, v := range g.Data {
					d.Data[i] = v / scale
				}
				upd.Tensors["d_"+p] = d
			}
			out, err := ir.Interpret(m, step+".update", upd)
			require.NoError(t, err)
			for _, name := range append(tr.Params(), tr.State()...) {
				require.Equal(t, whole[name+"_new"].Data, out[name+"_new"].Data, "%s: %s, grad_scale %v", step, name, scale)
			}
		}
		checkCompiledGrads(t, art, tr, step, x, labels, grads)
	}
}

// checkCompiledGrads runs the compiled step.grad on the trainer's
// parameters and compares its gradients with the interpreter's.
func checkCompiledGrads(t *testing.T, art *runtime.Artifact, tr *train.Trainer, step string, x []float32, labels []int32, want map[string]*ir.Array) {
	t.Helper()
	f, err := art.Func(step + ".grad")
	require.NoError(t, err)
	args := runtime.Args{Inputs: map[string]runtime.Tensor{"x": runtime.F32(x, 16, 4), "labels": runtime.I32(labels, 16)}, Outputs: map[string]runtime.Tensor{}}
	got := map[string][]float32{}
	for _, p := range tr.Params() {
		ts, _ := tr.Tensor(p)
		args.Inputs[p] = ts
		got[p] = make([]float32, len(floatsOf(tr, p)))
		args.Outputs["d_"+p] = runtime.F32(got[p], ts.Shape...)
	}
	loss := runtime.F32(make([]float32, 1))
	loss.Shape = []int64{}
	args.Outputs["loss"] = loss
	require.NoError(t, f.Run(args))
	for _, p := range tr.Params() {
		closeTo(t, step+".grad d_"+p, got[p], want["d_"+p].Data, 1e-4, 1e-6)
	}
}
