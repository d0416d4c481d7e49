// This file checks the row-wise standard library (losses and Amos, whose
// kernels reduce along the last axis) against the float64 vectors of MATH.md
// in the reference interpreter, and the edge cases MATH.md names: masked
// classes, huge logits, empty label sets, NaN inputs, and soft ZLPR with
// targets in {0, 1} equal to hard ZLPR bit for bit.
package frontend

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"dlc.dev/dlc/ir"
)

// vecTol is how close the interpreter must be to the float64 vectors:
// both are float64 evaluations of the same formulas, so only rounding and
// the order of summation differ.
const vecRtol, vecAtol = 1e-9, 1e-12

// array converts a vector array to an interpreter array.
func (a vecArray) array() *ir.Array {
	return &ir.Array{Shape: append([]int64(nil), a.Shape...), Data: a.floats()}
}

// run interprets fn of m on the given tensors and scalars.
func run(t *testing.T, m *ir.Module, fn string, tensors map[string]*ir.Array, sc map[string]float64) map[string]*ir.Array {
	t.Helper()
	out, err := ir.Interpret(m, fn, ir.Inputs{Tensors: tensors, Scalars: sc})
	if err != nil {
		t.Fatalf("%s: %v", fn, err)
	}
	return out
}

// maxErr tracks the largest deviation from the vectors, for the test log:
// of the float64 interpreter, and of the f32 simulation.
type maxErr struct{ abs, rel, abs32, rel32 float64 }

func (e *maxErr) String() string {
	return fmt.Sprintf("float64: max abs error %.3g, max rel error %.3g; f32: max abs error %.3g, max rel error %.3g", e.abs, e.rel, e.abs32, e.rel32)
}

// compare checks got against want under atol + rtol·|want| (NaNs and
// infinities must match exactly) and records the error.
func (e *maxErr) compare(t *testing.T, what string, got *ir.Array, want []float64, rtol, atol float64, f32 bool) {
	t.Helper()
	if got == nil || len(got.Data) != len(want) {
		t.Errorf("%s: got %v, want %d values", what, got, len(want))
		return
	}
	if i, ok := closeTo(got.Data, want, rtol, atol); !ok {
		t.Errorf("%s[%d] = %v, want %v", what, i, at(got.Data, i), at(want, i))
	}
	abs, rel := &e.abs, &e.rel
	if f32 {
		abs, rel = &e.abs32, &e.rel32
	}
	for i, w := range want {
		d := math.Abs(got.Data[i] - w)
		if math.IsNaN(d) || math.IsInf(w, 0) {
			continue
		}
		*abs = max(*abs, d)
		if w != 0 {
			*rel = max(*rel, d/math.Abs(w))
		}
	}
}

// evaluate runs fn in the float64 interpreter, or in the f32 simulation.
func evaluate(t *testing.T, m *ir.Module, fn string, tensors map[string]*ir.Array, sc map[string]float64, f32 bool) map[string]*ir.Array {
	t.Helper()
	if !f32 {
		return run(t, m, fn, tensors, sc)
	}
	out, err := simulateF32Arrays(m, fn, tensors, sc)
	if err != nil {
		t.Fatalf("%s (f32): %v", fn, err)
	}
	return out
}

// checkCase runs one vector case and compares the outputs named in rename
// (vector name -> kernel output): in float64, close to the vectors, and in
// the f32 simulation, within the case's own tolerance.
func checkCase(t *testing.T, e *maxErr, m *ir.Module, fn string, c vecCase, tensors map[string]*ir.Array, sc map[string]float64, rename map[string]string) {
	t.Helper()
	for _, f32 := range []bool{false, true} {
		got := evaluate(t, m, fn, tensors, sc, f32)
		rtol, atol, mode := vecRtol, vecAtol, "float64"
		if f32 {
			rtol, atol, mode = c.Tolerance.Rtol, c.Tolerance.Atol, "f32"
		}
		for vec, out := range rename {
			e.compare(t, fmt.Sprintf("%s %s (%s) %s", fn, c.Name, mode, vec), got[out], c.Expected[vec].floats(), rtol, atol, f32)
		}
	}
}

func TestStdlibZLPRHard(t *testing.T) {
	m := compileStd(t, "loss/zlpr.dl")
	var e maxErr
	for _, c := range loadVectors(t, "zlpr_hard") {
		in := map[string]*ir.Array{"logits": c.Inputs["logits"].array(), "labels": c.Inputs["labels"].array()}
		checkCase(t, &e, m, "zlpr_hard", c, in, nil, map[string]string{"loss": "loss", "grad": "grad"})
	}
	t.Logf("zlpr_hard: %s", &e)
}

func TestStdlibZLPRSoft(t *testing.T) {
	m := compileStd(t, "loss/zlpr.dl")
	var e maxErr
	for _, c := range loadVectors(t, "zlpr_soft") {
		in := map[string]*ir.Array{"logits": c.Inputs["logits"].array(), "targets": c.Inputs["targets"].array()}
		checkCase(t, &e, m, "zlpr_soft", c, in, nil,
			map[string]string{"loss": "loss", "grad_logits": "grad_logits", "grad_targets": "grad_targets"})
		if closed, ok := c.Expected["loss_closed_form"]; ok {
			// The minimiser s* = log(t/(1-t))/2 was rounded to f32, so the loss
			// meets the closed form L* only within the vector's tolerance.
			got := run(t, m, "zlpr_soft", in, nil)
			var ce maxErr
			ce.compare(t, c.Name+" loss vs closed form", got["loss"], closed.floats(), c.Tolerance.Rtol, c.Tolerance.Atol, false)
		}
	}
	t.Logf("zlpr_soft: %s", &e)
}

func TestStdlibZLPRSparse(t *testing.T) {
	m := compileStd(t, "loss/zlpr.dl")
	var e maxErr
	for _, c := range loadVectors(t, "zlpr_sparse") {
		in := map[string]*ir.Array{"logits": c.Inputs["logits"].array(), "pos_idx": c.Inputs["pos_idx"].array()}
		checkCase(t, &e, m, "zlpr_sparse", c, in, scalars(c.Hparams), map[string]string{"loss": "loss"})
	}
	t.Logf("zlpr_sparse: %s", &e)
}

func TestStdlibSigmoidBCE(t *testing.T) {
	m := compileStd(t, "loss/bce.dl")
	var e maxErr
	for _, c := range loadVectors(t, "sigmoid_bce") {
		in := map[string]*ir.Array{"logits": c.Inputs["logits"].array(), "targets": c.Inputs["targets"].array()}
		checkCase(t, &e, m, "sigmoid_bce", c, in, nil, map[string]string{"loss": "loss", "grad": "grad"})
	}
	t.Logf("sigmoid_bce: %s", &e)
}

// TestStdlibSoftmaxCE runs every softmax_ce vector through the soft-target
// kernel; integer labels become one-hot targets, which label smoothing then
// mixes with the uniform distribution as the labels form does.
func TestStdlibSoftmaxCE(t *testing.T) {
	m := compileStd(t, "loss/softmax_ce.dl")
	var e maxErr
	for _, c := range loadVectors(t, "softmax_ce") {
		logits := c.Inputs["logits"].array()
		targets, ok := c.Inputs["targets"]
		in := map[string]*ir.Array{"logits": logits}
		if ok {
			in["targets"] = targets.array()
		} else {
			in["targets"] = oneHot(c.Inputs["labels"].floats(), logits.Shape[1])
		}
		checkCase(t, &e, m, "softmax_ce", c, in, scalars(c.Hparams), map[string]string{"loss": "loss", "grad": "grad"})
	}
	t.Logf("softmax_ce: %s", &e)
}

// TestStdlibSoftmaxCELabels runs the integer-label vectors through
// softmax_ce_labels, which builds the one-hot row itself with iota.
func TestStdlibSoftmaxCELabels(t *testing.T) {
	m := compileStd(t, "loss/softmax_ce.dl")
	var e maxErr
	n := 0
	for _, c := range loadVectors(t, "softmax_ce") {
		labels, ok := c.Inputs["labels"]
		if !ok {
			continue
		}
		n++
		in := map[string]*ir.Array{"logits": c.Inputs["logits"].array(), "labels": labels.array()}
		checkCase(t, &e, m, "softmax_ce_labels", c, in, scalars(c.Hparams), map[string]string{"loss": "loss", "grad": "grad"})
	}
	if n == 0 {
		t.Fatal("no integer-label vectors")
	}
	t.Logf("softmax_ce_labels: %s", &e)
}

// oneHot returns the [len(labels), n] one-hot rows of labels.
func oneHot(labels []float64, n int64) *ir.Array {
	a := ir.NewArray(int64(len(labels)), n)
	for i, l := range labels {
		a.Data[i*int(n)+int(l)] = 1
	}
	return a
}

// TestStdlibAmos runs the Amos vectors: per-element slots with amos, slots
// reduced over the last axis with amos_rows, and a slot shared by the whole
// tensor with amos_rows on the tensor viewed as one row.
func TestStdlibAmos(t *testing.T) {
	m := compileStd(t, "optim/amos.dl")
	var e maxErr
	for _, c := range loadVectors(t, "amos") {
		sc := scalars(c.Hparams)
		grads, traj := c.Inputs["grads"]
		if !traj {
			sc["step"] = float64(c.Inputs["step"].Data[0])
			in := map[string]*ir.Array{}
			for _, k := range []string{"theta", "grad", "v", "b"} {
				in[k] = c.Inputs[k].array()
			}
			checkCase(t, &e, m, "amos", c, in, sc, map[string]string{"theta": "theta_new", "v": "v_new", "b": "b_new"})
			continue
		}
		theta := c.Inputs["theta"].array()
		rows, cols := theta.Shape[0], theta.Shape[1]
		fn, shape, slot := "amos", []int64{rows * cols}, []int64{rows * cols} // the stdlib works on flattened tensors
		switch vs := c.Hparams["v_shape"].(map[string]any)["data"].([]any); {
		case len(vs) == 0: // one slot for the tensor
			fn, shape, slot = "amos_rows", []int64{1, rows * cols}, []int64{1, 1}
		case vs[1].(float64) == 1: // one slot per row
			fn, shape, slot = "amos_rows", []int64{rows, cols}, []int64{rows, 1}
		}
		for _, f32 := range []bool{false, true} {
			rtol, atol := vecRtol, vecAtol
			if f32 {
				rtol, atol = c.Tolerance.Rtol, c.Tolerance.Atol
			}
			st := map[string]*ir.Array{"theta": {Shape: shape, Data: theta.Data}, "v": ir.NewArray(slot...), "b": ir.NewArray(slot...)}
			for k := range int(grads.Shape[0]) {
				sc["step"] = float64(k + 1)
				in := map[string]*ir.Array{"theta": st["theta"], "v": st["v"], "b": st["b"], "grad": {Shape: shape, Data: grads.step(k)}}
				got := evaluate(t, m, fn, in, sc, f32)
				for vec, out := range map[string]string{"theta": "theta_new", "v": "v_new", "b": "b_new"} {
					e.compare(t, fmt.Sprintf("%s %s step %d %s (f32 %v)", fn, c.Name, k+1, vec, f32), got[out], c.Expected[vec].step(k), rtol, atol, f32)
					st[vec] = got[out]
				}
			}
		}
	}
	t.Logf("amos: %s", &e)
}

// randomRows returns a [b, c] array of logits drawn from rng.
func randomRows(rng *rand.Rand, b, c int64, scale float64) *ir.Array {
	a := ir.NewArray(b, c)
	for i := range a.Data {
		a.Data[i] = float64(float32(rng.NormFloat64() * scale))
	}
	return a
}

// TestZLPRSoftEqualsHard checks MATH.md §2.2: with targets in {0, 1} the soft
// loss and gradient are bit for bit the hard ones, on random rows and on
// rows with huge, masked, zero and NaN logits and empty label sets.
func TestZLPRSoftEqualsHard(t *testing.T) {
	m := compileStd(t, "loss/zlpr.dl")
	rng := rand.New(rand.NewPCG(1, 2))
	inf, nan, negz := math.Inf(1), math.NaN(), math.Copysign(0, -1)
	logits := randomRows(rng, 40, 9, 3)
	edge := [][]float64{
		{1e4, -1e4, 1e4, -1e4, 0, 0, negz, 2, -3},
		{-inf, -inf, 1, 2, -1e4, 1e4, 0, negz, 5},
		{-inf, -inf, -inf, -inf, -inf, -inf, -inf, -inf, -inf},
		{nan, 1, 2, 3, 4, 5, 6, 7, 8},
		{88, 89, 90, -88, -89, -90, 700, -700, 0},
	}
	for i, row := range edge {
		copy(logits.Data[i*9:], row)
	}
	labels := ir.NewArray(40, 9)
	for i := range labels.Data {
		if rng.IntN(2) == 1 {
			labels.Data[i] = 1
		}
	}
	for j := range 9 {
		labels.Data[5*9+j] = 0 // no positives
		labels.Data[6*9+j] = 1 // no negatives
	}
	hard := run(t, m, "zlpr_hard", map[string]*ir.Array{"logits": logits, "labels": labels}, nil)
	soft := run(t, m, "zlpr_soft", map[string]*ir.Array{"logits": logits, "targets": labels}, nil)
	for _, pair := range [][2]string{{"loss", "loss"}, {"grad", "grad_logits"}} {
		h, s := hard[pair[0]].Data, soft[pair[1]].Data
		for i := range h {
			if math.Float64bits(h[i]) != math.Float64bits(s[i]) {
				t.Errorf("%s[%d]: hard %v (%#x), soft %v (%#x)", pair[0], i, h[i], math.Float64bits(h[i]), s[i], math.Float64bits(s[i]))
			}
		}
	}
}

// TestZLPREdges checks the cases of MATH.md §2.1-2.2 by value: masked
// classes get a zero gradient and no NaN appears, empty sets give LSE(0, ...),
// and NaN logits propagate to their row.
func TestZLPREdges(t *testing.T) {
	m := compileStd(t, "loss/zlpr.dl")
	inf, nan := math.Inf(1), math.NaN()
	logits := &ir.Array{Shape: []int64{5, 4}, Data: []float64{
		-inf, 2, -inf, -1, // masked classes, one of them labelled positive
		1, -2, 0.5, 3, // all negative: L = LSE(0, s)
		1, -2, 0.5, 3, // all positive: L = LSE(0, -s)
		-inf, -inf, -inf, -inf, // everything masked: L = 0
		1, nan, 0, 2, // NaN propagates to the row only
	}}
	labels := &ir.Array{Shape: []int64{5, 4}, Data: []float64{
		1, 1, 0, 0,
		0, 0, 0, 0,
		1, 1, 1, 1,
		1, 0, 1, 0,
		1, 0, 0, 1,
	}}
	lse0 := func(xs ...float64) float64 {
		s := 1.0
		for _, x := range xs {
			s += math.Exp(x)
		}
		return math.Log(s)
	}
	wantLoss := []float64{lse0(-1) + lse0(-2), lse0(1, -2, 0.5, 3), lse0(-1, 2, -0.5, -3), 0, nan}
	for _, fn := range []string{"zlpr_hard", "zlpr_soft"} {
		in := map[string]*ir.Array{"logits": logits, "labels": labels}
		grad := "grad"
		if fn == "zlpr_soft" {
			in = map[string]*ir.Array{"logits": logits, "targets": labels}
			grad = "grad_logits"
		}
		out := run(t, m, fn, in, nil)
		if i, ok := closeTo(out["loss"].Data, wantLoss, 1e-15, 0); !ok {
			t.Errorf("%s: loss[%d] = %v, want %v", fn, i, out["loss"].Data[i], wantLoss[i])
		}
		g := out[grad].Data
		for _, i := range []int{0, 2, 12, 13, 14, 15} {
			if g[i] != 0 {
				t.Errorf("%s: gradient of masked class %d is %v, want 0", fn, i, g[i])
			}
		}
		for i, x := range g {
			if nanRow := i/4 == 4; math.IsNaN(x) != nanRow {
				t.Errorf("%s: %s[%d] = %v", fn, grad, i, x)
			}
		}
		if fn == "zlpr_soft" {
			for i, x := range out["grad_targets"].Data {
				switch {
				case i/4 == 4:
				case math.IsNaN(x) || math.IsInf(x, 0):
					t.Errorf("zlpr_soft: grad_targets[%d] = %v", i, x)
				case logits.Data[i] == -inf && x != 0:
					t.Errorf("zlpr_soft: grad_targets[%d] of a masked class = %v, want 0", i, x)
				}
			}
		}
		// The gradient of a row sums to (#neg mass) - (#pos mass): check one
		// entry against the closed form instead.
		if want := math.Exp(-1 - lse0(-1)); math.Abs(g[3]-want) > 1e-15 {
			t.Errorf("%s: grad[3] = %v, want %v", fn, g[3], want)
		}
	}
}

// TestZLPRSparseMatchesDense checks zlpr_sparse against zlpr_hard on the
// dense labels of the same positives, away from the cancellation eps bounds.
func TestZLPRSparseMatchesDense(t *testing.T) {
	m := compileStd(t, "loss/zlpr.dl")
	rng := rand.New(rand.NewPCG(3, 4))
	const b, c, k = 16, 12, 3
	logits := randomRows(rng, b, c, 2)
	for _, maskZero := range []bool{false, true} {
		idx := ir.NewArray(b, k)
		labels := ir.NewArray(b, c)
		for r := range b {
			perm := rng.Perm(c - 1)
			for j := range k {
				cls := perm[j] + 1
				if maskZero && j == k-1 && r%2 == 0 {
					cls = 0 // padding
				}
				idx.Data[r*k+j] = float64(cls)
				if cls != 0 || !maskZero {
					labels.Data[r*c+cls] = 1
				}
			}
		}
		dl := logits
		if maskZero { // the dense equivalent leaves class 0 out
			dl = &ir.Array{Shape: logits.Shape, Data: append([]float64(nil), logits.Data...)}
			for r := range b {
				dl.Data[r*c] = math.Inf(-1)
			}
		}
		on := 0.0
		if maskZero {
			on = 1
		}
		sparse := run(t, m, "zlpr_sparse", map[string]*ir.Array{"logits": logits, "pos_idx": idx}, map[string]float64{"mask_zero": on})
		dense := run(t, m, "zlpr_hard", map[string]*ir.Array{"logits": dl, "labels": labels}, nil)
		if i, ok := closeTo(sparse["loss"].Data, dense["loss"].Data, 1e-9, 1e-12); !ok {
			t.Errorf("mask_zero=%v: loss[%d] sparse %v, dense %v", maskZero, i, sparse["loss"].Data[i], dense["loss"].Data[i])
		}
	}
}

// TestLossEdges checks sigmoid_bce and softmax_ce on huge logits, masked
// classes and NaN by value.
func TestLossEdges(t *testing.T) {
	inf, nan := math.Inf(1), math.NaN()
	bce := compileStd(t, "loss/bce.dl")
	out := run(t, bce, "sigmoid_bce", map[string]*ir.Array{
		"logits":  {Shape: []int64{2, 3}, Data: []float64{1e4, -1e4, 0, nan, 1, 2}},
		"targets": {Shape: []int64{2, 3}, Data: []float64{1, 0, 0.5, 1, 0, 0}},
	}, nil)
	if l := out["loss"].Data; l[0] != math.Log(2) || !math.IsNaN(l[1]) {
		t.Errorf("sigmoid_bce loss %v, want [log 2, NaN]", l)
	}
	if g := out["grad"].Data; g[0] != 0 || g[1] != 0 || g[2] != 0 || !math.IsNaN(g[3]) || math.IsNaN(g[4]) {
		t.Errorf("sigmoid_bce grad %v", g)
	}

	ce := compileStd(t, "loss/softmax_ce.dl")
	out = run(t, ce, "softmax_ce", map[string]*ir.Array{
		"logits":  {Shape: []int64{2, 3}, Data: []float64{-inf, 1, 1, nan, 0, 0}},
		"targets": {Shape: []int64{2, 3}, Data: []float64{0, 0.5, 0.5, 0, 1, 0}},
	}, nil)
	if l := out["loss"].Data; math.Abs(l[0]-math.Log(2)) > 1e-15 || !math.IsNaN(l[1]) {
		t.Errorf("softmax_ce loss %v, want [log 2, NaN]", l)
	}
	if g := out["grad"].Data; g[0] != 0 || math.Abs(g[1]) > 1e-15 || math.Abs(g[2]) > 1e-15 || !math.IsNaN(g[4]) {
		t.Errorf("softmax_ce grad %v, want a zero first row and NaN in the second", g)
	}
}

// TestStdlibExact runs the EXACT vectors in float64. The 64-node quadrature is
// accurate to about 1e-8 (MATH.md §2.6), so the vectors' own tolerance applies
// rather than the float64-exact one. (The f32 simulation does not follow kernel
// calls; the compiled f32 kernel is compared with the vectors in tests/.)
func TestStdlibExact(t *testing.T) {
	m := compileStd(t, "loss/exact.dl")
	var e maxErr
	for _, c := range loadVectors(t, "exact") {
		in := map[string]*ir.Array{"logits": c.Inputs["logits"].array(), "labels": c.Inputs["labels"].array()}
		got := evaluate(t, m, "exact", in, scalars(c.Hparams), false)
		for _, name := range []string{"loss", "grad"} {
			e.compare(t, fmt.Sprintf("exact %s %s", c.Name, name), got[name], c.Expected[name].floats(), c.Tolerance.Rtol, c.Tolerance.Atol, false)
		}
		if closed, ok := c.Expected["loss_closed_form"]; ok {
			e.compare(t, "exact "+c.Name+" closed form", got["loss"], closed.floats(), c.Tolerance.Rtol, c.Tolerance.Atol, false)
		}
	}
	t.Logf("exact: %s", &e)
}
