// This file tests the phases of a train step, step.grad and step.update:
// run one after the other they give the fused step's bits, and grad_scale
// multiplies every gradient.
package train

import (
	"context"
	"fmt"
	"math"
	"slices"
	"testing"

	"dlc.dev/dlc/codegen/llvmtool"
	"dlc.dev/dlc/compiler"
	"dlc.dev/dlc/runtime"

	"github.com/stretchr/testify/require"
)

// loadNet compiles src and loads it on one thread.
func loadNet(t *testing.T) *runtime.Artifact {
	t.Helper()
	return loadSource(t, src)
}

// loadSource compiles source and loads it on one thread.
func loadSource(t *testing.T, source string) *runtime.Artifact {
	t.Helper()
	if _, err := llvmtool.FindTools(); err != nil {
		t.Skipf("compiling needs the LLVM tools: %v", err)
	}
	b, _, err := compiler.Build(context.Background(), "net.dl", []byte(source), compiler.Options{})
	require.NoError(t, err)
	art, err := runtime.LoadBytes(b, runtime.Config{Threads: 1})
	require.NoError(t, err)
	t.Cleanup(func() { art.Close() })
	return art
}

// phaseRun runs the functions of net.dl by hand on tensors it keeps by name.
type phaseRun struct {
	t    *testing.T
	art  *runtime.Artifact
	vals map[string][]float32
}

// run calls fn with the named values as inputs (the batch added), writes
// every output into the value of its name (an output X_new into X) and
// returns the loss, if fn has one.
func (p *phaseRun) run(fn string, batch map[string]runtime.Tensor, scalars map[string]float64) float32 {
	f, err := p.art.Func(fn)
	require.NoError(p.t, err)
	spec := findFunc(p.art.Manifest(), fn)
	args := runtime.Args{Inputs: map[string]runtime.Tensor{}, Outputs: map[string]runtime.Tensor{}, Scalars: scalars}
	for _, in := range spec.Inputs {
		if x, ok := batch[in.Name]; ok {
			args.Inputs[in.Name] = x
			continue
		}
		args.Inputs[in.Name] = runtime.F32(p.vals[in.Name], shapeOf(p.t, in.Shape)...)
	}
	loss := make([]float32, 1)
	for _, o := range spec.Outputs {
		if len(o.Shape) == 0 {
			args.Outputs[o.Name] = runtime.Tensor{DType: runtime.Float32, Shape: []int64{}, Data: runtime.F32(loss).Data, Len: 4}
			continue
		}
		name := o.Name
		if o.Updates != "" {
			name = o.Updates
		} else if p.vals[name] == nil {
			p.vals[name] = make([]float32, int(product(shapeOf(p.t, o.Shape))))
		}
		args.Outputs[o.Name] = runtime.F32(p.vals[name], shapeOf(p.t, o.Shape)...)
	}
	require.NoError(p.t, f.Run(args))
	return loss[0]
}

func shapeOf(t *testing.T, dims []string) []int64 {
	var s []int64
	for _, d := range dims {
		var x int64
		_, err := fmt.Sscan(d, &x)
		require.NoError(t, err)
		s = append(s, x)
	}
	return s
}

func product(s []int64) int64 {
	n := int64(1)
	for _, x := range s {
		n *= x
	}
	return n
}

// TestPhasesEqualStep runs 5 AdamW steps fused and as step.grad then
// step.update (grad_scale 1, so every gradient is used unchanged): the same
// kernels compute every value in the same order, so the loss, the
// parameters and the state agree bit for bit.
func TestPhasesEqualStep(t *testing.T) {
	art := loadNet(t)
	tr := newTrainer(t, 3)
	start := snapshot(tr)
	split := &phaseRun{t: t, art: art, vals: map[string][]float32{}}
	for k, v := range start {
		split.vals[k] = slices.Clone(v)
	}
	for i := range 5 {
		fused, err := tr.Step(batch(i))
		require.NoError(t, err)
		loss := split.run("step.grad", batch(i), nil)
		split.run("step.update", nil, map[string]float64{"step": float64(i + 1)})
		require.Equal(t, math.Float32bits(float32(fused)), math.Float32bits(loss), "loss of step %d", i+1)
	}
	for k, v := range snapshot(tr) {
		require.Equal(t, v, split.vals[k], "%s after 5 steps", k)
		require.NotEqual(t, start[k], v, "%s moved", k)
	}
}

// TestGradScale doubles every gradient between the phases and halves it with
// grad_scale, exact in binary floating point: the update is the same to the
// bit; with grad_scale 1 it is not.
func TestGradScale(t *testing.T) {
	art := loadNet(t)
	tr := newTrainer(t, 5)
	runs := map[float64]*phaseRun{}
	for _, scale := range []float64{0.5, 1} {
		p := &phaseRun{t: t, art: art, vals: map[string][]float32{}}
		for k, v := range snapshot(tr) {
			p.vals[k] = slices.Clone(v)
		}
		p.run("step.grad", batch(0), nil)
		for _, w := range tr.Params() {
			for j := range p.vals["d_"+w] {
				p.vals["d_"+w][j] *= 2
			}
		}
		p.run("step.update", nil, map[string]float64{"step": 1, "grad_scale": scale})
		runs[scale] = p
	}
	_, err := tr.Step(batch(0))
	require.NoError(t, err)
	for k, v := range snapshot(tr) {
		require.Equal(t, v, runs[0.5].vals[k], "%s with the gradient doubled and scaled by 0.5", k)
	}
	w, _ := tr.Float32("v_v")
	require.NotEqual(t, w, runs[1.0].vals["v_v"], "the second moment sees the doubled gradient when grad_scale is 1")
}
