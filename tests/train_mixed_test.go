// This file tests train steps in mixed precision (train(..., precision=bf16
// or f16), tests/testdata/train/mixed.dl): several compiled steps against the
// float64 interpreter, which rounds at the same casts; the f16 step's loss
// scaling (an overflow leaves every parameter and state bit-identical, the
// scale halves, grows after the interval, and checkpoints carry it); the
// mixed steps' kernels against the f32 step's; and Lion's bf16 momentum as
// train-step state.
package tests

import (
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
	"unsafe"

	"dlc.dev/dlc/artifact"
	"dlc.dev/dlc/compiler"
	"dlc.dev/dlc/ir"
	"dlc.dev/dlc/runtime"
	"dlc.dev/dlc/train"

	"github.com/stretchr/testify/require"
)

const mixedProgram = "tests/testdata/train/mixed.dl"

// mixedBatch is a batch of 16 rows of mixed.dl's toy task (the class is the
// largest of the first three of six features).
func mixedBatch(rng *rand.Rand) (x []float32, labels []int32) {
	for range 16 {
		best, arg := math.Inf(-1), 0
		for j := range 6 {
			v := 2 * rng.NormFloat64()
			x = append(x, float32(v))
			if j < 3 && v > best {
				best, arg = v, j
			}
		}
		labels = append(labels, int32(arg))
	}
	return x, labels
}

// unit16 is the largest spacing of low's numbers relative to their
// magnitude (2⁻⁷ for bf16's 8 significant bits, 2⁻¹⁰ for f16's 11), and
// tiny the spacing of its subnormals (0 for bf16, whose range is f32's).
func unit16(low ir.DType) (rel, tiny float64) {
	if low == ir.BF16 {
		return math.Ldexp(1, -7), 0
	}
	return math.Ldexp(1, -10), math.Ldexp(1, -24)
}

// mixedTolerances bounds how far a compiled step of mixed.dl may be from the
// interpreter's, both starting from the same parameters and state. The
// forward contraction x·w reads the same 16-bit roundings of the same f32
// parameters on both sides, and products of two 16-bit numbers are exact
// in f32, so the logits differ only by the order of the f32 sums; the loss
// adds exp and log (a few f32 ulps). The gradient dw = x̃ᵀ·dỹ reads dy
// rounded to 16 bits, and dy (the softmax minus the labels, over B, times
// the loss scale) is computed in f32 on both sides by different exp
// implementations: where the two f32 values straddle a 16-bit rounding
// boundary, dỹ differs by one 16-bit spacing (rel·|dy|, or tiny/S for f16
// subnormals). So |Δdw_kj| ≤ Σ_i |x̃_ik|·spacing(dy_ij) plus the sums'
// order, and db = Σ_i dy_ij (f32, not rounded) differs by the order of its
// sums. SGD then moves θ by lr times the gradient; f32 rounding of the
// update adds a few ulps of θ and of the momentum buffer.
func mixedTolerances(low ir.DType, x []float32, labels []int32, w, b []float64, scale float64) map[string][]float64 {
	const bsz, d, c, lr = 16, 6, 3, 0.1
	u := math.Ldexp(1, -24)
	rel, tiny := unit16(low)
	round := func(v float64) float64 { return ir.Convert(v, low) }
	dy := make([]float64, bsz*c)
	for i := range bsz {
		logits := make([]float64, c)
		m := math.Inf(-1)
		for j := range c {
			for k := range d {
				logits[j] += round(float64(x[i*d+k])) * round(w[k*c+j])
			}
			logits[j] += b[j]
			m = math.Max(m, logits[j])
		}
		z := 0.0
		for j := range c {
			z += math.Exp(logits[j] - m)
		}
		for j := range c {
			p := math.Exp(logits[j]-m) / z
			if int32(j) == labels[i] {
				p--
			}
			dy[i*c+j] = p / bsz
		}
	}
	tol := map[string][]float64{"w": make([]float64, d*c), "b": make([]float64, c)}
	for k := range d {
		for j := range c {
			flips, mag := 0.0, 0.0
			for i := range bsz {
				xa := math.Abs(round(float64(x[i*d+k])))
				flips += xa * (rel*math.Abs(dy[i*c+j]) + tiny/scale)
				mag += xa * math.Abs(dy[i*c+j])
			}
			tol["w"][k*c+j] = 2*flips + 2*(bsz+2)*u*mag
		}
	}
	for j := range c {
		mag := 0.0
		for i := range bsz {
			mag += math.Abs(dy[i*c+j])
		}
		tol["b"][j] = 2 * (bsz + 2) * u * mag
	}
	// θ' = θ − lr·buf'; the buffer's tolerance is the gradient's.
	for _, p := range []string{"w", "b"} {
		g := tol[p]
		tol[p+"_buf"] = append([]float64(nil), g...)
		tol[p] = make([]float64, len(g))
		for i := range g {
			tol[p][i] = lr * g[i]
		}
	}
	return tol
}

// TestMixedStepsMatchInterpreter runs five steps of the bf16 and the f16
// train step compiled (through a train.Trainer, in place) and in the
// interpreter on the module the build compiles, each step from the
// compiled step's parameters and state, within mixedTolerances (plus a few
// f32 ulps of each value). The loss is held to the f32 sums' order alone,
// which the f32 step's loss misses: the test sees a rounding left out.
func TestMixedStepsMatchInterpreter(t *testing.T) {
	art := load(t, mixedProgram)
	src, err := os.ReadFile(filepath.Join("..", mixedProgram))
	require.NoError(t, err)
	m, err := compiler.Lower(filepath.Join("..", mixedProgram), src, compiler.Options{}, "")
	require.NoError(t, err)
	u := math.Ldexp(1, -24)
	for _, tc := range []struct {
		step string
		low  ir.DType
	}{{"step_bf16", ir.BF16}, {"step_f16", ir.F16}} {
		tr, err := train.New(art, train.Options{Step: tc.step, Seed: 11})
		require.NoError(t, err)
		rng := rand.New(rand.NewPCG(3, 4))
		missed := 0 // steps whose f32 loss is outside the loss tolerance
		for i := range 5 {
			x, labels := mixedBatch(rng)
			ref := ir.Inputs{Tensors: trainerArrays(t, tr), Scalars: map[string]float64{"step": float64(i + 1)}}
			ref.Tensors["x"] = &ir.Array{Shape: []int64{16, 6}, Data: widen(x)}
			ref.Tensors["labels"] = &ir.Array{Shape: []int64{16}, Data: widenInts(labels)}
			scale := 1.0
			if tc.low == ir.F16 {
				scale = ref.Tensors[train.LossScale].Data[0]
			}
			tol := mixedTolerances(tc.low, x, labels, ref.Tensors["w"].Data, ref.Tensors["b"].Data, scale)
			want, err := ir.Interpret(m, tc.step, ref)
			require.NoError(t, err)
			plain, err := ir.Interpret(m, "step_f32", ref)
			require.NoError(t, err)
			loss, err := tr.Step(map[string]runtime.Tensor{"x": runtime.F32(x, 16, 6), "labels": runtime.I32(labels, 16)})
			require.NoError(t, err)
			lossTol := 64 * u * math.Abs(want["loss"].Data[0])
			require.InDelta(t, want["loss"].Data[0], loss, lossTol, "%s step %d: loss", tc.step, i+1)
			if math.Abs(plain["loss"].Data[0]-want["loss"].Data[0]) > lossTol {
				missed++
			}
			for _, name := range []string{"w", "b", "w_buf", "b_buf"} {
				got := tensorArray(t, tr, name).Data
				w := want[name+"_new"].Data
				tl := make([]float64, len(w))
				for j := range w {
					tl[j] = tol[name][j] + 4*u*(math.Abs(w[j])+math.Abs(ref.Tensors[name].Data[j]))
				}
				closeWithin(t, tc.step+" "+name, got, w, tl)
			}
			if tc.low == ir.F16 {
				require.Equal(t, want[train.LossScale+"_new"].Data, tensorArray(t, tr, train.LossScale).Data, "loss scale")
				require.Equal(t, want[train.LossScaleTracker+"_new"].Data, tensorArray(t, tr, train.LossScaleTracker).Data, "loss-scale counter")
			}
		}
		require.Positive(t, missed, "%s: the f32 step's loss is within the tolerance, which cannot see a missing rounding", tc.step)
	}
}

// tensorArray is the Trainer's tensor name (f32, bf16 or i32) as float64s.
func tensorArray(t *testing.T, tr *train.Trainer, name string) *ir.Array {
	ts, ok := tr.Tensor(name)
	require.True(t, ok, name)
	n := int(ts.Elements())
	a := &ir.Array{Shape: append([]int64(nil), ts.Shape...), Data: make([]float64, n)}
	switch ts.DType {
	case runtime.Float32:
		for i, v := range unsafe.Slice((*float32)(ts.Data), n) {
			a.Data[i] = float64(v)
		}
	case runtime.BFloat16:
		for i, v := range unsafe.Slice((*uint16)(ts.Data), n) {
			a.Data[i] = float64(math.Float32frombits(uint32(v) << 16))
		}
	case runtime.Int32:
		for i, v := range unsafe.Slice((*int32)(ts.Data), n) {
			a.Data[i] = float64(v)
		}
	default:
		t.Fatalf("%s is %s", name, ts.DType)
	}
	return a
}

// snapshot copies the bytes of every parameter and state tensor of tr.
func snapshot(t *testing.T, tr *train.Trainer) map[string][]byte {
	s := map[string][]byte{}
	for _, name := range append(tr.Params(), tr.State()...) {
		ts, ok := tr.Tensor(name)
		require.True(t, ok)
		s[name] = append([]byte(nil), ts.Bytes()...)
	}
	return s
}

// setF32 sets the f32 tensor name of tr to x everywhere.
func setF32(t *testing.T, tr *train.Trainer, name string, x float32) {
	ts, ok := tr.Tensor(name)
	require.True(t, ok, name)
	for i := range unsafe.Slice((*float32)(ts.Data), ts.Elements()) {
		unsafe.Slice((*float32)(ts.Data), ts.Elements())[i] = x
	}
}

// TestF16StepSkipsOverflow checks the loss scaling of the f16 step (MATH.md
// §4): a scale so large that the scaled cotangents overflow f16, and a batch
// with an inf and one with a NaN, each leave every parameter and optimizer
// state bit-identical while the scale halves and the counter restarts; clean
// steps count up and double the scale after growth_interval of them; and a
// checkpoint carries the scale and the counter.
func TestF16StepSkipsOverflow(t *testing.T) {
	art := load(t, mixedProgram)
	tr, err := train.New(art, train.Options{Step: "step_f16", Seed: 5, Scalars: map[string]float64{"growth_interval": 3}})
	require.NoError(t, err)
	require.Contains(t, tr.State(), train.LossScale)
	require.Contains(t, tr.State(), train.LossScaleTracker)
	require.NotContains(t, tr.Params(), train.LossScale)
	scaleOf := func() (float64, float64) {
		return tensorArray(t, tr, train.LossScale).Data[0], tensorArray(t, tr, train.LossScaleTracker).Data[0]
	}
	s, c := scaleOf()
	require.Equal(t, [2]float64{65536, 0}, [2]float64{s, c}, "the scale starts at 2^16")
	rng := rand.New(rand.NewPCG(8, 9))
	step := func(x []float32, labels []int32) {
		_, err := tr.Step(map[string]runtime.Tensor{"x": runtime.F32(x, 16, 6), "labels": runtime.I32(labels, 16)})
		require.NoError(t, err)
	}
	x, labels := mixedBatch(rng)
	step(x, labels)
	s, c = scaleOf()
	require.Equal(t, [2]float64{65536, 1}, [2]float64{s, c}, "a clean step counts")

	// dy·S with S = 2^40 is far beyond f16's 65504: the gradients are inf.
	setF32(t, tr, train.LossScale, float32(math.Ldexp(1, 40)))
	before := snapshot(t, tr)
	step(x, labels)
	after := snapshot(t, tr)
	s, c = scaleOf()
	require.Equal(t, [2]float64{math.Ldexp(1, 39), 0}, [2]float64{s, c}, "an overflow halves the scale and restarts the counter")
	delete(before, train.LossScale)
	delete(before, train.LossScaleTracker)
	for name, b := range before {
		require.Equal(t, b, after[name], "%s changed in a skipped step", name)
	}

	setF32(t, tr, train.LossScale, 1024)
	for _, bad := range []float32{float32(math.Inf(1)), float32(math.NaN())} {
		xb := append([]float32(nil), x...)
		xb[7] = bad
		before := snapshot(t, tr)
		step(xb, labels)
		after := snapshot(t, tr)
		for name, b := range before {
			if name != train.LossScale && name != train.LossScaleTracker {
				require.Equal(t, b, after[name], "%s changed in a step with %v in the batch", name, bad)
			}
		}
	}
	s, c = scaleOf()
	require.Equal(t, [2]float64{256, 0}, [2]float64{s, c})

	// Three clean steps double the scale; the counter restarts.
	for i, want := range [][2]float64{{256, 1}, {256, 2}, {512, 0}} {
		x, labels := mixedBatch(rng)
		step(x, labels)
		s, c = scaleOf()
		require.Equal(t, want, [2]float64{s, c}, "clean step %d", i+1)
	}
	x, labels = mixedBatch(rng)
	step(x, labels)
	path := filepath.Join(t.TempDir(), "f16.safetensors")
	require.NoError(t, tr.Save(path))
	saved := snapshot(t, tr)
	tr.Init(5)
	s, c = scaleOf()
	require.Equal(t, [2]float64{65536, 0}, [2]float64{s, c}, "Init restarts the scale")
	require.NoError(t, tr.Load(path))
	require.Equal(t, saved, snapshot(t, tr), "the checkpoint carries the scale and the counter")
	s, c = scaleOf()
	require.Equal(t, [2]float64{512, 1}, [2]float64{s, c})
}

// TestMixedStepsKernels checks in the artifact that every bf16 step, its
// phases and the Lion-bf16 step have exactly the f32 step's kernels, kind
// for kind, and that the f16 step and its update phase still update every
// parameter, state and the loss scale in one loops kernel, their last.
func TestMixedStepsKernels(t *testing.T) {
	man := load(t, mixedProgram).Manifest()
	fn := func(name string) *artifact.Function {
		for i := range man.Functions {
			if man.Functions[i].Name == name {
				return &man.Functions[i]
			}
		}
		t.Fatalf("no function %s", name)
		return nil
	}
	kinds := func(f *artifact.Function) []string {
		var ks []string
		for _, k := range f.Kernels {
			ks = append(ks, k.Kind)
		}
		return ks
	}
	for _, suffix := range []string{"", ".grad", ".update"} {
		plain := kinds(fn("step_f32" + suffix))
		require.Equal(t, plain, kinds(fn("step_bf16"+suffix)), "step_bf16%s", suffix)
		require.Equal(t, plain, kinds(fn("step_lion_bf16"+suffix)), "step_lion_bf16%s", suffix)
	}
	for _, name := range []string{"step_f16", "step_f16.update"} {
		f := fn(name)
		last := f.Kernels[len(f.Kernels)-1]
		require.Equal(t, artifact.KindLoops, last.Kind, name)
		var written, updated []string
		for _, b := range last.Buffers {
			if b.Writes {
				written = append(written, b.Name)
			}
		}
		for _, o := range f.Outputs {
			if o.Updates != "" {
				updated = append(updated, o.Name)
			}
		}
		require.ElementsMatch(t, updated, written, name)
		for _, k := range f.Kernels[:len(f.Kernels)-1] {
			require.NotEqual(t, artifact.KindLoops, k.Kind, name)
			require.NotEqual(t, artifact.KindLoop, k.Kind, "%s: an update outside the loops kernel", name)
		}
	}
}

// TestLionBF16Step trains with Lion's momentum in bf16 as train-step state:
// the momentum is a bf16 tensor of the Trainer, each step's parameters and
// momentum match the interpreter's (Lion's sign makes θ' exact up to the
// sign of c, which the same bf16 operands give both sides unless c is within
// a few f32 ulps of 0), and a checkpoint keeps the momentum in bf16.
func TestLionBF16Step(t *testing.T) {
	art := load(t, mixedProgram)
	src, err := os.ReadFile(filepath.Join("..", mixedProgram))
	require.NoError(t, err)
	m, err := compiler.Lower(filepath.Join("..", mixedProgram), src, compiler.Options{}, "")
	require.NoError(t, err)
	tr, err := train.New(art, train.Options{Step: "step_lion_bf16", Seed: 2})
	require.NoError(t, err)
	ts, ok := tr.Tensor("w_m")
	require.True(t, ok)
	require.Equal(t, runtime.BFloat16, ts.DType)
	rng := rand.New(rand.NewPCG(6, 7))
	flips := 0
	for range 5 {
		x, labels := mixedBatch(rng)
		ref := ir.Inputs{Tensors: trainerArrays(t, tr)}
		ref.Tensors["x"] = &ir.Array{Shape: []int64{16, 6}, Data: widen(x)}
		ref.Tensors["labels"] = &ir.Array{Shape: []int64{16}, Data: widenInts(labels)}
		want, err := ir.Interpret(m, "step_lion_bf16", ref)
		require.NoError(t, err)
		_, err = tr.Step(map[string]runtime.Tensor{"x": runtime.F32(x, 16, 6), "labels": runtime.I32(labels, 16)})
		require.NoError(t, err)
		for _, name := range []string{"w", "b"} {
			got, w := tensorArray(t, tr, name).Data, want[name+"_new"].Data
			for i := range w {
				// lr = 0.01: a sign flip of c moves θ' by 2·lr.
				if math.Abs(got[i]-w[i]) > 1e-6 {
					require.InDelta(t, w[i], got[i], 0.02+1e-6, "%s[%d]", name, i)
					flips++
				}
			}
			gm, wm := tensorArray(t, tr, name+"_m").Data, want[name+"_m_new"].Data
			for i := range wm {
				// m' is rounded to bf16 on both sides from f32 values that
				// differ by the gradient's f32 error: at most one spacing.
				require.InDelta(t, wm[i], gm[i], math.Ldexp(math.Abs(wm[i]), -7)+1e-30, "%s_m[%d]", name, i)
			}
		}
	}
	require.LessOrEqual(t, flips, 2, "more sign flips than near-zero momenta explain")
	path := filepath.Join(t.TempDir(), "lion.safetensors")
	require.NoError(t, tr.Save(path))
	saved := snapshot(t, tr)
	tr.Init(9)
	require.NoError(t, tr.Load(path))
	require.Equal(t, saved, snapshot(t, tr))
}

// TestF16PhasesMatchStep interprets step_f16.grad then step_f16.update and
// requires step_f16's own results exactly, on a clean batch and with a
// scale that overflows: step.grad returns the gradients of the scaled loss,
// and step.update unscales, checks, skips and moves the scale as the step
// does, so data-parallel ranks that sum scaled gradients skip together.
func TestF16PhasesMatchStep(t *testing.T) {
	art := load(t, mixedProgram)
	src, err := os.ReadFile(filepath.Join("..", mixedProgram))
	require.NoError(t, err)
	m, err := compiler.Lower(filepath.Join("..", mixedProgram), src, compiler.Options{}, "")
	require.NoError(t, err)
	tr, err := train.New(art, train.Options{Step: "step_f16", Seed: 4})
	require.NoError(t, err)
	x, labels := mixedBatch(rand.New(rand.NewPCG(1, 1)))
	for _, scale := range []float64{65536, math.Ldexp(1, 40)} {
		in := ir.Inputs{Tensors: trainerArrays(t, tr), Scalars: map[string]float64{"step": 1}}
		in.Tensors[train.LossScale] = &ir.Array{Shape: []int64{1}, Data: []float64{scale}}
		in.Tensors["x"] = &ir.Array{Shape: []int64{16, 6}, Data: widen(x)}
		in.Tensors["labels"] = &ir.Array{Shape: []int64{16}, Data: widenInts(labels)}
		whole, err := ir.Interpret(m, "step_f16", in)
		require.NoError(t, err)
		grads, err := ir.Interpret(m, "step_f16.grad", in)
		require.NoError(t, err)
		require.Equal(t, whole["loss"].Data, grads["loss"].Data)
		for _, p := range tr.Params() {
			in.Tensors["d_"+p] = grads["d_"+p]
		}
		out, err := ir.Interpret(m, "step_f16.update", in)
		require.NoError(t, err)
		for _, name := range append(tr.Params(), tr.State()...) {
			require.Equal(t, whole[name+"_new"].Data, out[name+"_new"].Data, "scale %v: %s", scale, name)
		}
		require.Equal(t, scale/2 == whole[train.LossScale+"_new"].Data[0], scale > 65536, "scale %v: the overflow halves it", scale)
	}
}
