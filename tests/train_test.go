// This file tests compiled train steps (kernel step = train(...)) end to end:
// several steps against the float64 interpreter, the same bits on 1 and 2
// threads, and the optimizer update of every parameter in one launch.
package tests

import (
	"context"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"dlc.dev/dlc/artifact"
	"dlc.dev/dlc/compiler"
	"dlc.dev/dlc/ir"
	"dlc.dev/dlc/runtime"
	"dlc.dev/dlc/train"

	"github.com/stretchr/testify/require"
)

const trainProgram = "tests/testdata/train/linear.dl"

// trainBatch is a batch of the linear classifier's toy task: the class is
// the index of the largest of the first three features.
func trainBatch(rng *rand.Rand, b int) (x []float32, labels []int32) {
	for range b {
		best, arg := math.Inf(-1), 0
		for j := range 4 {
			v := rng.NormFloat64()
			x = append(x, float32(v))
			if j < 3 && v > best {
				best, arg = v, j
			}
		}
		labels = append(labels, int32(arg))
	}
	return x, labels
}

// loadTrain builds the train program and loads it with cfg.
func loadTrain(t *testing.T, cfg runtime.Config) *runtime.Artifact {
	t.Helper()
	needTools(t)
	path := filepath.Join("..", trainProgram)
	src, err := os.ReadFile(path)
	require.NoError(t, err)
	b, _, err := compiler.Build(context.Background(), path, src, compiler.Options{})
	require.NoError(t, err)
	a, err := runtime.LoadBytes(b, cfg)
	require.NoError(t, err)
	t.Cleanup(func() { a.Close() })
	return a
}

// TestTrainStepMatchesInterpreter runs five steps of each optimizer compiled
// (through a train.Trainer, in place) and in the float64 interpreter from
// the same initial parameters. The steps are smooth in the parameters
// (AdamW and Amos; Lion's sign is not, so it is compared on bits below),
// so f32 rounding (about 1e-7 relative per op) stays far below 1e-4.
func TestTrainStepMatchesInterpreter(t *testing.T) {
	art := load(t, trainProgram)
	m := lowerFile(t, trainProgram)
	for _, step := range []string{"step_adamw", "step_amos"} {
		tr, err := train.New(art, train.Options{Step: step, Seed: 7})
		require.NoError(t, err)
		ref := ir.Inputs{Tensors: trainerArrays(t, tr), Scalars: map[string]float64{}}
		rng := rand.New(rand.NewPCG(1, 2))
		for i := range 5 {
			x, labels := trainBatch(rng, 16)
			loss, err := tr.Step(map[string]runtime.Tensor{"x": runtime.F32(x, 16, 4), "labels": runtime.I32(labels, 16)})
			require.NoError(t, err)
			ref.Tensors["x"] = &ir.Array{Shape: []int64{16, 4}, Data: widen(x)}
			ref.Tensors["labels"] = &ir.Array{Shape: []int64{16}, Data: widenInts(labels)}
			ref.Scalars["step"] = float64(i + 1)
			out, err := ir.Interpret(m, step, ref)
			require.NoError(t, err)
			require.InDelta(t, out["loss"].Data[0], loss, 1e-5, "%s step %d: loss", step, i+1)
			for _, name := range append(tr.Params(), tr.State()...) {
				ref.Tensors[name] = out[name+"_new"]
				closeTo(t, step+"."+name, floatsOf(tr, name), out[name+"_new"].Data, 1e-4, 1e-6)
			}
		}
		require.EqualValues(t, 5, tr.Steps())
	}
}

// TestTrainStepSameBitsOnThreads runs 20 Lion steps on 1 thread, on 2
// threads of an OpenMP team and on 2 threads of the Go pool, every kernel
// split into the smallest chunks, and requires the same bits.
func TestTrainStepSameBitsOnThreads(t *testing.T) {
	var got [3]map[string][]float32
	for i, cfg := range []runtime.Config{{Threads: 1}, {Threads: 2}, {Threads: 2, GoPool: true}} {
		cfg.MinChunk = 1
		art := loadTrain(t, cfg)
		tr, err := train.New(art, train.Options{Step: "step_lion", Seed: 3})
		require.NoError(t, err)
		rng := rand.New(rand.NewPCG(5, 6))
		for range 20 {
			x, labels := trainBatch(rng, 64)
			_, err := tr.Step(map[string]runtime.Tensor{"x": runtime.F32(x, 64, 4), "labels": runtime.I32(labels, 64)})
			require.NoError(t, err)
		}
		got[i] = map[string][]float32{}
		for _, name := range append(tr.Params(), tr.State()...) {
			got[i][name] = append([]float32(nil), floatsOf(tr, name)...)
		}
	}
	require.Equal(t, got[0], got[1], "OpenMP team")
	require.Equal(t, got[0], got[2], "Go pool")
}

// TestTrainStepOneUpdateLaunch checks that each train step updates all its
// parameters and state in one loops kernel, its last, which writes every
// updated tensor and nothing else; its update phase (step.update) is that
// kernel alone, and its gradient phase (step.grad) has none.
func TestTrainStepOneUpdateLaunch(t *testing.T) {
	art := load(t, trainProgram)
	for _, f := range art.Manifest().Functions {
		if f.Name == "linear" || f.Name == "ce" {
			continue
		}
		if strings.HasSuffix(f.Name, ".grad") {
			for _, k := range f.Kernels {
				require.NotEqual(t, artifact.KindLoops, k.Kind, f.Name)
			}
			continue
		}
		if strings.HasSuffix(f.Name, ".update") {
			require.Len(t, f.Kernels, 1, f.Name)
		}
		last := f.Kernels[len(f.Kernels)-1]
		require.Equal(t, artifact.KindLoops, last.Kind, f.Name)
		var written []string
		for _, b := range last.Buffers {
			if b.Writes {
				written = append(written, b.Name)
			}
		}
		var updated []string
		for _, o := range f.Outputs {
			if o.Updates != "" {
				updated = append(updated, o.Name)
			}
		}
		require.ElementsMatch(t, updated, written, f.Name)
		for _, k := range f.Kernels[:len(f.Kernels)-1] {
			require.NotEqual(t, artifact.KindLoops, k.Kind, f.Name)
			require.NotEqual(t, artifact.KindLoop, k.Kind, "%s: an update outside the loops kernel", f.Name)
		}
	}
}

// floatsOf returns the Trainer's f32 tensor name.
func floatsOf(tr *train.Trainer, name string) []float32 {
	xs, _ := tr.Float32(name)
	return xs
}

// trainerArrays copies every parameter and state tensor of tr into float64
// arrays (tensorArray), the interpreter's inputs for its next step.
func trainerArrays(t *testing.T, tr *train.Trainer) map[string]*ir.Array {
	m := map[string]*ir.Array{}
	for _, name := range append(tr.Params(), tr.State()...) {
		m[name] = tensorArray(t, tr, name)
	}
	return m
}

func widen(xs []float32) []float64 {
	out := make([]float64, len(xs))
	for i, x := range xs {
		out[i] = float64(x)
	}
	return out
}

func widenInts(xs []int32) []float64 {
	out := make([]float64, len(xs))
	for i, x := range xs {
		out[i] = float64(x)
	}
	return out
}

// TestTrainStepPTX builds the train steps for a GPU too: the loops kernel
// has a PTX entry (run on a device by the GPU checks, not here).
func TestTrainStepPTX(t *testing.T) {
	needTools(t)
	path := filepath.Join("..", trainProgram)
	src, err := os.ReadFile(path)
	require.NoError(t, err)
	_, man, err := compiler.Build(context.Background(), path, src, compiler.Options{GPU: "sm_80"})
	require.NoError(t, err)
	cuda := man.Target(artifact.TargetCUDA)
	require.NotNil(t, cuda)
	for _, f := range man.Functions {
		for _, k := range f.Kernels {
			if k.Kind == artifact.KindLoops {
				require.NotNil(t, cuda.Entry(f.Name, k.Name), "%s.%s", f.Name, k.Name)
			}
		}
	}
}
