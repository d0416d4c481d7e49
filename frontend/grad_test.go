// This file tests gradient kernels: their signature, and their values in the
// reference interpreter against gradients worked out by hand.
package frontend

import (
	"math"
	"testing"

	"dlc.dev/dlc/ir"
)

// TestGradKernels interprets the gradient kernels of grad.dl. dpick
// differentiates sum(s·g²) with g = take_along_axis(x, idx), whose gradient
// adds 2·s·g back at each index (twice where an index repeats); dsq
// differentiates an imported mean((p - t)²): 2(p - t)/N and its negation.
func TestGradKernels(t *testing.T) {
	m := compileFile(t, "testdata/programs/grad.dl")
	f := m.Func("dpick")
	var names []string
	for _, r := range f.Results {
		names = append(names, r.Name+": "+r.Value.Type.String())
	}
	if got := names; len(got) != 2 || got[0] != "total: f32" || got[1] != "d_x: f32[B,C]" {
		t.Fatalf("dpick returns %v, want total: f32 then d_x: f32[B,C]", got)
	}
	if f.Kernels != 3 || len(f.Params) != 3 || f.Params[2].Default == nil || *f.Params[2].Default != 0.5 {
		t.Errorf("dpick must keep @kernels and pick's parameters with their defaults: %s", ir.PrintFunc(f))
	}
	x := &ir.Array{Shape: []int64{2, 3}, Data: []float64{1, -2, 3, 0.5, 4, -1}}
	idx := &ir.Array{Shape: []int64{2, 2}, Data: []float64{2, 0, 1, 1}}
	out, err := ir.Interpret(m, "dpick", ir.Inputs{Tensors: map[string]*ir.Array{"x": x, "idx": idx}, Scalars: map[string]float64{"s": 3}})
	if err != nil {
		t.Fatal(err)
	}
	want := []float64{2 * 3 * 1, 0, 2 * 3 * 3, 0, 2 * (2 * 3 * 4), 0}
	total := 3 * (3*3 + 1*1 + 4*4 + 4*4)
	if out["total"].Data[0] != float64(total) {
		t.Errorf("total = %v, want %v", out["total"].Data[0], total)
	}
	for i, w := range want {
		if out["d_x"].Data[i] != w {
			t.Errorf("d_x[%d] = %v, want %v", i, out["d_x"].Data[i], w)
		}
	}

	p := &ir.Array{Shape: []int64{3}, Data: []float64{1, 2, -4}}
	q := &ir.Array{Shape: []int64{3}, Data: []float64{0.5, 2, 1}}
	out, err = ir.Interpret(m, "dsq", ir.Inputs{Tensors: map[string]*ir.Array{"pred": p, "target": q}})
	if err != nil {
		t.Fatal(err)
	}
	for i := range p.Data {
		d := 2 * (p.Data[i] - q.Data[i]) / 3
		if got := out["d_pred"].Data[i]; math.Abs(got-d) > 1e-15 {
			t.Errorf("d_pred[%d] = %v, want %v", i, got, d)
		}
		if got := out["d_target"].Data[i]; math.Abs(got+d) > 1e-15 {
			t.Errorf("d_target[%d] = %v, want %v", i, got, -d)
		}
	}

	out, err = ir.Interpret(m, "step", ir.Inputs{Tensors: map[string]*ir.Array{"x": x, "idx": idx}})
	if err != nil {
		t.Fatal(err)
	}
	for i := range want {
		if got, w := out["x_new"].Data[i], x.Data[i]-0.1*want[i]*2/3; math.Abs(got-w) > 1e-15 {
			t.Errorf("step: x_new[%d] = %v, want %v (s = 2 there)", i, got, w)
		}
	}
}

// TestSubgradientsInTheLanguage checks each builtin's gradient at its kink,
// as PyTorch gives it: relu(x) 0 at 0 (torch.relu), max(x, 0) 1/2 (a tie of
// torch.maximum), abs 0 (torch.abs), clamp 1 at both bounds (torch.clamp),
// sign and floor 0, softplus 1/2 = sigmoid(0), and x·sign(x) sign(x).
func TestSubgradientsInTheLanguage(t *testing.T) {
	const src = `
kernel kinks(x: f32[N]) -> total: f32 {
    total = sum(relu(x) + 2 * max(x, 0) + 4 * abs(x) + 8 * clamp(x, 0, 1)
        + 16 * softplus(x) + 32 * x * sign(x) + 64 * floor(x))
}

kernel d = grad(kinks, wrt=(x))
`
	m, err := Compile("kinks.dl", []byte(src), Options{})
	if err != nil {
		t.Fatal(err)
	}
	xs := []float64{0, 1, -1, 0.5, 3}
	out, err := ir.Interpret(m, "d", ir.Inputs{Tensors: map[string]*ir.Array{"x": {Shape: []int64{5}, Data: xs}}})
	if err != nil {
		t.Fatal(err)
	}
	sigmoid := func(x float64) float64 { return 1 / (1 + math.Exp(-x)) }
	want := []float64{
		0 + 2*0.5 + 4*0 + 8*1 + 16*0.5 + 32*0, // the kinks of x = 0
		1 + 2 + 4 + 8 + 16*sigmoid(1) + 32,    // x = 1: clamp's upper bound passes
		0 + 0 - 4 + 0 + 16*sigmoid(-1) - 32,
		1 + 2 + 4 + 8 + 16*sigmoid(0.5) + 32,
		1 + 2 + 4 + 0 + 16*sigmoid(3) + 32,
	}
	for i, w := range want {
		if got := out["d_x"].Data[i]; math.Abs(got-w) > 1e-14 {
			t.Errorf("d/dx at %v = %v, want %v", xs[i], got, w)
		}
	}
}

// TestStopGradient interprets grad.dl's dlse: the gradient of a row's
// log-sum-exp shifted by stop_gradient(max) is the row's softmax, as without
// the shift, but the reverse sweep never reaches the max: no tie mask (eq)
// and no reduce_max in the backward part.
func TestStopGradient(t *testing.T) {
	m := compileFile(t, "testdata/programs/grad.dl")
	x := &ir.Array{Shape: []int64{2, 3}, Data: []float64{1, -2, 3, 0.5, 4, 4}}
	out, err := ir.Interpret(m, "dlse", ir.Inputs{Tensors: map[string]*ir.Array{"x": x}})
	if err != nil {
		t.Fatal(err)
	}
	for r := 0; r < 2; r++ {
		row := x.Data[3*r : 3*r+3]
		z := 0.0
		for _, v := range row {
			z += math.Exp(v)
		}
		for j, v := range row {
			if got, want := out["d_x"].Data[3*r+j], math.Exp(v)/z; math.Abs(got-want) > 1e-15 {
				t.Errorf("d_x[%d,%d] = %v, want softmax %v", r, j, got, want)
			}
		}
	}
	d := m.Func("dlse").Clone()
	if err := ir.Differentiate(m, d); err != nil {
		t.Fatal(err)
	}
	maxes := 0
	for _, v := range d.Body {
		if v.Op == ir.OpEq {
			t.Errorf("the sweep differentiates the stopped max: %s", ir.FormatValue(v))
		}
		if v.Op == ir.OpReduceMax {
			maxes++
		}
	}
	if maxes != 1 {
		t.Errorf("%d reduce_max after autodiff, want the forward's one:\n%s", maxes, ir.PrintFunc(d))
	}
}
