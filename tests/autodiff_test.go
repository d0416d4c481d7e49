package tests

import (
	"math"
	"math/rand/v2"
	"os"
	"testing"

	"github.com/stretchr/testify/require"

	"dlc.dev/dlc/compiler"
	"dlc.dev/dlc/ir"
	"dlc.dev/dlc/runtime"
)

// adProgram holds the stdlib losses' forward formulas and their gradients by
// grad (kernels named NAME_fwd and NAME_ad).
const adProgram = "tests/testdata/autodiff_losses.dl"

// adCase pairs a gradient kernel of adProgram with the stdlib function whose
// hand-written gradient it must equal.
type adCase struct {
	ad      string            // the gradient kernel
	file    string            // the stdlib file of the reference
	ref     string            // the reference function
	outputs map[string]string // reference output -> gradient kernel output
	scalars []map[string]float64
	inputs  func(rng *rand.Rand, b, c int64) map[string]*ir.Array
	// refInputs makes the reference's inputs from the gradient kernel's; nil
	// when they are the same.
	refInputs func(in ir.Inputs) ir.Inputs
	// scale multiplies the reference (1/B for a batch mean); nil for 1.
	scale func(b int64) float64
	// interior names, for a gradient output, the input whose elements must lie
	// strictly inside (0, 1) for that element to be compared: the forward
	// formula leaves a class out of a sum by select where its weight t or
	// 1 - t is 0, so at t = 0 or 1 grad sees the one-sided derivative of the
	// select (0), while the hand-written gradient extends the smooth formula.
	interior map[string]string
}

func adCases() []adCase {
	ls := []map[string]float64{{"label_smoothing": 0}, {"label_smoothing": 0.1}}
	return []adCase{
		{ad: "zlpr_hard_ad", file: "stdlib/loss/zlpr.dl", ref: "zlpr_hard", outputs: map[string]string{"grad": "d_logits"},
			inputs: func(rng *rand.Rand, b, c int64) map[string]*ir.Array {
				return map[string]*ir.Array{"logits": masked(logitsOf(rng, b, c, 3), rng), "labels": zeroOne(rng, b, c)}
			}},
		{ad: "zlpr_soft_ad", file: "stdlib/loss/zlpr.dl", ref: "zlpr_soft", outputs: map[string]string{"grad_logits": "d_logits", "grad_targets": "d_targets"},
			inputs: func(rng *rand.Rand, b, c int64) map[string]*ir.Array {
				return map[string]*ir.Array{"logits": masked(logitsOf(rng, b, c, 3), rng), "targets": unitInterval(rng, b, c)}
			},
			interior: map[string]string{"d_targets": "targets"}},
		{ad: "zlpr_sparse_ad", file: "stdlib/loss/zlpr.dl", ref: "zlpr_hard", outputs: map[string]string{"grad": "d_logits"},
			scalars: []map[string]float64{{"mask_zero": 0}, {"mask_zero": 1}},
			inputs: func(rng *rand.Rand, b, c int64) map[string]*ir.Array {
				return map[string]*ir.Array{"logits": logitsOf(rng, b, c, 1), "pos_idx": distinctIndices(rng, b, c, 3)}
			},
			refInputs: denseLabels},
		{ad: "sigmoid_bce_ad", file: "stdlib/loss/bce.dl", ref: "sigmoid_bce", outputs: map[string]string{"grad": "d_logits"},
			inputs: func(rng *rand.Rand, b, c int64) map[string]*ir.Array {
				return map[string]*ir.Array{"logits": logitsOf(rng, b, c, 4), "targets": unitInterval(rng, b, c)}
			}},
		{ad: "softmax_ce_ad", file: "stdlib/loss/softmax_ce.dl", ref: "softmax_ce", outputs: map[string]string{"grad": "d_logits"}, scalars: ls,
			inputs: func(rng *rand.Rand, b, c int64) map[string]*ir.Array {
				return map[string]*ir.Array{"logits": logitsOf(rng, b, c, 3), "targets": rowsSumToOne(rng, b, c)}
			}},
		{ad: "softmax_ce_labels_ad", file: "stdlib/loss/softmax_ce.dl", ref: "softmax_ce_labels", outputs: map[string]string{"grad": "d_logits"}, scalars: ls,
			inputs: func(rng *rand.Rand, b, c int64) map[string]*ir.Array {
				return map[string]*ir.Array{"logits": logitsOf(rng, b, c, 3), "labels": classLabels(rng, b, c)}
			}},
		{ad: "softmax_ce_mean_ad", file: "stdlib/loss/softmax_ce.dl", ref: "softmax_ce_labels", outputs: map[string]string{"grad": "d_logits"},
			inputs: func(rng *rand.Rand, b, c int64) map[string]*ir.Array {
				return map[string]*ir.Array{"logits": logitsOf(rng, b, c, 3), "labels": classLabels(rng, b, c)}
			},
			scale: func(b int64) float64 { return 1 / float64(b) }},
		{ad: "exact_ad", file: "stdlib/loss/exact.dl", ref: "exact", outputs: map[string]string{"grad": "d_logits"},
			scalars: []map[string]float64{{"sigma": 1, "margin": 0}, {"sigma": 0.5, "margin": 0}, {"sigma": 2, "margin": 1.5}},
			inputs: func(rng *rand.Rand, b, c int64) map[string]*ir.Array {
				return map[string]*ir.Array{"logits": logitsOf(rng, b, c, 2), "labels": classLabels(rng, b, c)}
			}},
	}
}

// adSizes are the (B, C) of the comparisons: one row, a few, many short rows
// and a few long ones.
var adSizes = [][2]int64{{1, 4}, {5, 7}, {37, 19}, {3, 300}}

// TestAutodiffLossesInterpreted compares, in the float64 interpreter, the
// gradient grad computes from each stdlib loss's forward formula with the
// loss's hand-written gradient, on valid random inputs. Both are the same
// mathematics evaluated in another order, so they agree to rounding: a few
// ulps of float64 on the terms of a row, 1e-12 relative to the largest
// gradient of the row covers rows of 300 classes with margin. zlpr_sparse
// is compared with zlpr_hard on the labels its indices mark: the
// same function while 1 - e^(P-A) stays above eps (MATH.md §2.3), which
// logits of scale 1 over at least 4 classes with 3 positives keep it.
func TestAutodiffLossesInterpreted(t *testing.T) {
	adm := lowerFile(t, adProgram)
	refs := map[string]*ir.Module{}
	for _, c := range adCases() {
		if refs[c.file] == nil {
			refs[c.file] = lowerFile(t, c.file)
		}
		for si, sc := range scalarSets(c) {
			for _, sz := range adSizes {
				rng := rand.New(rand.NewPCG(uint64(sz[0]), uint64(sz[1]+int64(si))))
				in := ir.Inputs{Tensors: c.inputs(rng, sz[0], sz[1]), Scalars: sc}
				got, err := ir.Interpret(adm, c.ad, in)
				require.NoError(t, err)
				want, err := ir.Interpret(refs[c.file], c.ref, c.refIn(in))
				require.NoError(t, err)
				for ro, ao := range c.outputs {
					g, w := c.comparable(ao, in, got[ao].Data, scaled(want[ro].Data, c, sz[0]))
					requireRowsClose(t, c.ad+"."+ao, sz[1], g, w, 1e-12)
					t.Logf("%s.%s %v %dx%d: largest difference %.3g", c.ad, ao, sc, sz[0], sz[1], largestDiff(g, w))
				}
			}
		}
	}
}

// TestAutodiffLossesCompiled runs the same comparison compiled: the f32
// gradient kernel against the f32 hand-written one. Each is within
// TestCompiledMatchesInterpreter's 2e-5 relative + 1e-6 absolute of its
// float64 value, so they may differ by twice that.
func TestAutodiffLossesCompiled(t *testing.T) {
	adm, adArt := lowerFile(t, adProgram), load(t, adProgram)
	for _, c := range adCases() {
		refm, refArt := lowerFile(t, c.file), load(t, c.file)
		for si, sc := range scalarSets(c) {
			for _, sz := range adSizes {
				rng := rand.New(rand.NewPCG(uint64(sz[0]), uint64(sz[1]+int64(si))))
				in := ir.Inputs{Tensors: c.inputs(rng, sz[0], sz[1]), Scalars: sc}
				got := runCompiled(t, adArt, adm.Func(c.ad), in, sz[0], sz[1])
				want := runCompiled(t, refArt, refm.Func(c.ref), c.refIn(in), sz[0], sz[1])
				for ro, ao := range c.outputs {
					g, w := c.comparable(ao, in, got[ao], scaled(want[ro], c, sz[0]))
					closeTo(t, c.ad+"."+ao, toF32(g), w, 4e-5, 2e-6)
					t.Logf("%s.%s %v %dx%d: largest difference %.3g", c.ad, ao, sc, sz[0], sz[1], largestDiff(g, w))
				}
			}
		}
	}
}

// TestAutodiffLossVectors checks the compiled gradient kernels against the
// stdlib losses' test vectors (gradients from an independent float64
// implementation), with each case's own tolerance. zlpr_sparse's vectors
// have no gradient, and the batch mean none of its own.
func TestAutodiffLossVectors(t *testing.T) {
	adm, art := lowerFile(t, adProgram), load(t, adProgram)
	for _, c := range adCases() {
		vf := c.ref
		if vf == "softmax_ce_labels" {
			vf = "softmax_ce"
		}
		if c.refInputs != nil || c.scale != nil {
			continue
		}
		for _, vc := range readVectors(t, vf).Cases {
			if !sameInputs(vc, c) {
				continue
			}
			t.Run(c.ad+"/"+vc.Name, func(t *testing.T) {
				in := ir.Inputs{Tensors: map[string]*ir.Array{}}
				for name, a := range vc.Inputs {
					in.Tensors[name] = &ir.Array{Shape: a.Shape, Data: a.F64()}
				}
				in.Scalars, _ = vc.hparams(t)
				shape := vc.Inputs["logits"].Shape
				got := runCompiled(t, art, adm.Func(c.ad), in, shape[0], shape[1])
				for ro, ao := range c.outputs {
					g, w := c.comparable(ao, in, got[ao], vc.expected(t, ro).F64())
					closeTo(t, ao, toF32(g), w, vc.Tolerance.RTol, vc.Tolerance.ATol)
				}
			})
		}
	}
}

// sameInputs reports whether a vector case has exactly the inputs of c's
// reference (softmax_ce's vectors mix soft targets and labels).
func sameInputs(vc vectorCase, c adCase) bool {
	in := c.inputs(rand.New(rand.NewPCG(1, 1)), 1, 4)
	if len(in) != len(vc.Inputs) {
		return false
	}
	for name := range in {
		if _, ok := vc.Inputs[name]; !ok {
			return false
		}
	}
	return true
}

// comparable returns got and want of gradient output out with the elements
// that c.interior leaves out set to zero in both.
func (c adCase) comparable(out string, in ir.Inputs, got, want []float64) ([]float64, []float64) {
	name, ok := c.interior[out]
	if !ok {
		return got, want
	}
	g, w := append([]float64(nil), got...), append([]float64(nil), want...)
	for i, t := range in.Tensors[name].Data {
		if t <= 0 || t >= 1 {
			g[i], w[i] = 0, 0
		}
	}
	return g, w
}

func (c adCase) refIn(in ir.Inputs) ir.Inputs {
	if c.refInputs == nil {
		return in
	}
	return c.refInputs(in)
}

func scalarSets(c adCase) []map[string]float64 {
	if c.scalars == nil {
		return []map[string]float64{{}}
	}
	return c.scalars
}

func scaled(xs []float64, c adCase, b int64) []float64 {
	if c.scale == nil {
		return xs
	}
	out := make([]float64, len(xs))
	for i, x := range xs {
		out[i] = x * c.scale(b)
	}
	return out
}

// requireRowsClose checks got against want row by row (rows of n), each
// element within tol times the largest |want| of its row; NaN matches NaN.
func requireRowsClose(t *testing.T, what string, n int64, got, want []float64, tol float64) {
	t.Helper()
	require.Len(t, got, len(want), what)
	for r := 0; r < len(want); r += int(n) {
		scale := 0.0
		for _, w := range want[r : r+int(n)] {
			scale = math.Max(scale, math.Abs(w))
		}
		for i := r; i < r+int(n); i++ {
			if math.IsNaN(want[i]) && math.IsNaN(got[i]) {
				continue
			}
			require.InDelta(t, want[i], got[i], tol*scale, "%s[%d]", what, i)
		}
	}
}

// largestDiff is the largest |got - want| over the elements where both are
// finite.
func largestDiff(got, want []float64) float64 {
	d := 0.0
	for i := range want {
		if x := math.Abs(got[i] - want[i]); !math.IsNaN(x) && !math.IsInf(x, 0) {
			d = math.Max(d, x)
		}
	}
	return d
}

// lowerFile lowers a file of the repository to unoptimized IR.
func lowerFile(t *testing.T, rel string) *ir.Module {
	t.Helper()
	src, err := os.ReadFile("../" + rel)
	require.NoError(t, err)
	m, err := compiler.Lower("../"+rel, src, compiler.Options{}, "input")
	require.NoError(t, err)
	return m
}

// runCompiled runs function f of art on in (floats as f32, integers as i32)
// and returns its outputs as float64; every output is f32, of shape [B, C],
// [B] or a scalar.
func runCompiled(t *testing.T, art *runtime.Artifact, f *ir.Func, in ir.Inputs, b, c int64) map[string][]float64 {
	t.Helper()
	fn, err := art.Func(f.Name)
	require.NoError(t, err)
	args := runtime.Args{Inputs: map[string]runtime.Tensor{}, Outputs: map[string]runtime.Tensor{}, Scalars: in.Scalars}
	for _, p := range f.TensorParams() {
		args.Inputs[p.Name] = toTensor(p.Type.DType, in.Tensors[p.Name])
	}
	out := map[string][]float32{}
	for _, r := range f.Results {
		shape := []int64{b, c}[:len(r.Value.Type.Shape)]
		n := int64(1)
		for _, d := range shape {
			n *= d
		}
		out[r.Name] = make([]float32, n)
		ts := runtime.F32(out[r.Name])
		ts.Shape = append([]int64{}, shape...)
		args.Outputs[r.Name] = ts
	}
	require.NoError(t, fn.Run(args))
	res := map[string][]float64{}
	for name, xs := range out {
		res[name] = make([]float64, len(xs))
		for i, x := range xs {
			res[name][i] = float64(x)
		}
	}
	return res
}

func toF32(xs []float64) []float32 {
	out := make([]float32, len(xs))
	for i, x := range xs {
		out[i] = float32(x)
	}
	return out
}

// logitsOf draws normal logits of standard deviation s, rounded to f32 so
// that the interpreter and the kernels see the same numbers.
func logitsOf(rng *rand.Rand, b, c int64, s float64) *ir.Array {
	a := ir.NewArray(b, c)
	for i := range a.Data {
		a.Data[i] = float64(float32(s * rng.NormFloat64()))
	}
	return a
}

// masked sets about one logit in 17 to -inf: a masked class.
func masked(a *ir.Array, rng *rand.Rand) *ir.Array {
	for i := range a.Data {
		if rng.IntN(17) == 0 {
			a.Data[i] = math.Inf(-1)
		}
	}
	return a
}

func zeroOne(rng *rand.Rand, b, c int64) *ir.Array {
	a := ir.NewArray(b, c)
	for i := range a.Data {
		a.Data[i] = float64(rng.IntN(2))
	}
	return a
}

// unitInterval draws targets in [0, 1], a fifth of them exactly 0 or 1.
func unitInterval(rng *rand.Rand, b, c int64) *ir.Array {
	a := ir.NewArray(b, c)
	for i := range a.Data {
		switch rng.IntN(10) {
		case 0:
			a.Data[i] = 0
		case 1:
			a.Data[i] = 1
		default:
			a.Data[i] = float64(float32(rng.Float64()))
		}
	}
	return a
}

// rowsSumToOne draws soft targets whose rows sum to 1 (up to f32 rounding).
func rowsSumToOne(rng *rand.Rand, b, c int64) *ir.Array {
	a := ir.NewArray(b, c)
	for r := int64(0); r < b; r++ {
		row := a.Data[r*c : (r+1)*c]
		sum := 0.0
		for i := range row {
			row[i] = rng.ExpFloat64()
			sum += row[i]
		}
		for i := range row {
			row[i] = float64(float32(row[i] / sum))
		}
	}
	return a
}

func classLabels(rng *rand.Rand, b, c int64) *ir.Array {
	a := ir.NewArray(b)
	for i := range a.Data {
		a.Data[i] = float64(rng.IntN(int(c)))
	}
	return a
}

// distinctIndices draws k distinct classes per row (k < c).
func distinctIndices(rng *rand.Rand, b, c int64, k int) *ir.Array {
	a := ir.NewArray(b, int64(k))
	for r := int64(0); r < b; r++ {
		perm := rng.Perm(int(c))
		for j := 0; j < k; j++ {
			a.Data[r*int64(k)+int64(j)] = float64(perm[j])
		}
	}
	return a
}

// denseLabels turns zlpr_sparse's inputs into zlpr_hard's: label 1 at each
// index, and with mask_zero class 0 masked (-inf) and index 0 padding.
func denseLabels(in ir.Inputs) ir.Inputs {
	logits, idx := in.Tensors["logits"], in.Tensors["pos_idx"]
	b, c, k := logits.Shape[0], logits.Shape[1], idx.Shape[1]
	mask := in.Scalars["mask_zero"] != 0
	l := &ir.Array{Shape: logits.Shape, Data: append([]float64(nil), logits.Data...)}
	labels := ir.NewArray(b, c)
	for r := int64(0); r < b; r++ {
		for j := int64(0); j < k; j++ {
			if i := int64(idx.Data[r*k+j]); !(mask && i == 0) {
				labels.Data[r*c+i] = 1
			}
		}
		if mask {
			l.Data[r*c] = math.Inf(-1)
		}
	}
	return ir.Inputs{Tensors: map[string]*ir.Array{"logits": l, "labels": labels}}
}
