// This file tests the update of a train step run over ranges of its
// loops (runtime.Args.Range), one loop per parameter even where parameters
// share a shape, with only the elements a range touches in memory.
package train

import (
	"slices"
	"strings"
	"testing"

	"dlc.dev/dlc/artifact"
	"dlc.dev/dlc/runtime"

	"github.com/stretchr/testify/require"
)

// src2 is src with a second hidden layer: its biases b and e share a
// shape, so the update's loops kernel must still keep one loop per
// parameter for a range to touch known elements.
const src2 = `
import "std/optim/adamw"
import "std/loss/softmax_ce"

kernel net(x: f32[B, 6], w: f32[5, 6] = glorot_uniform(), b: f32[5] = zeros(),
           u: f32[5, 5] = glorot_uniform(), e: f32[5] = zeros(),
           v: f32[3, 5] = normal(0.1), c: f32[3] = constant(0.5)) -> logits: f32[B, 3] {
    let h = relu(sum(expand_dims(x, axis=1) * w, axis=-1) + b)
    let h2 = relu(sum(expand_dims(h, axis=1) * u, axis=-1) + e)
    logits = sum(expand_dims(h2, axis=1) * v, axis=-1) + c
}

kernel ce(logits: f32[B, C], labels: i32[B]) -> loss: f32 {
    let l, _ = softmax_ce_labels(logits, labels)
    loss = mean(l)
}

kernel step = train(net, loss=ce, opt=adamw(lr=0.02, wd=0))
`

// TestUpdateLoops checks the loops the manifest records for src2's update:
// one per parameter, end to end, each over the parameter, its gradient and
// its two moments.
func TestUpdateLoops(t *testing.T) {
	art := loadSource(t, src2)
	k := findFunc(art.Manifest(), "step.update").Kernels[0]
	require.Equal(t, artifact.KindLoops, k.Kind)
	var got, want []string
	var off int64
	for _, p := range k.Parts {
		require.Equal(t, off, p.Offset)
		off += p.Size
		var names []string
		for _, j := range p.Buffers {
			if k.Buffers[j].Kind == artifact.BufInput {
				names = append(names, k.Buffers[j].Name)
			}
		}
		slices.Sort(names)
		got = append(got, strings.Join(names, " "))
	}
	for _, w := range []string{"w", "b", "u", "e", "v", "c"} {
		names := []string{"d_" + w, w, w + "_m", w + "_v"}
		slices.Sort(names)
		want = append(want, strings.Join(names, " "))
	}
	slices.Sort(got)
	slices.Sort(want)
	require.Equal(t, want, got)
	require.Equal(t, int64(30+5+25+5+15+3), off)
}

// updateArgs are step.update's arguments over vals (every parameter,
// state and gradient by name), whole, updated in place.
func updateArgs(t *testing.T, spec *artifact.Function, vals map[string][]float32) runtime.Args {
	a := runtime.Args{Inputs: map[string]runtime.Tensor{}, Outputs: map[string]runtime.Tensor{},
		Scalars: pick(map[string]float64{"step": 1, "grad_scale": 0.5, "lr": 0.01}, spec.Scalars)}
	for _, in := range spec.Inputs {
		a.Inputs[in.Name] = runtime.F32(vals[in.Name], shapeOf(t, in.Shape)...)
	}
	for _, o := range spec.Outputs {
		a.Outputs[o.Name] = a.Inputs[o.Updates]
	}
	return a
}

// TestUpdateRange runs step.update whole and as three ranges that cut
// loops in the middle, each with the gradients and state held only for the
// elements it touches (the parameters whole): the same bits, with AdamW and
// with Amos, whose eta is each parameter's own (its initializer's scale),
// so each element must get its parameter's loop. It also checks the
// mistakes Range refuses.
func TestUpdateRange(t *testing.T) {
	amos := strings.NewReplacer(`"std/optim/adamw"`, `"std/optim/amos"`, "adamw(lr=0.02, wd=0)", "amos(eta=init_scale)",
		"b: f32[5] = zeros()", "b: f32[5] = zeros(scale=0.5)", "e: f32[5] = zeros()", "e: f32[5] = zeros(scale=0.25)",
		"constant(0.5)", "constant(0.5, scale=0.125)").Replace(src2)
	testUpdateRange(t, loadSource(t, src2), true)
	testUpdateRange(t, loadSource(t, amos), false)
}

// testUpdateRange is TestUpdateRange on art; mistakes says whether to try
// the mistakes (with AdamW's names).
func testUpdateRange(t *testing.T, art *runtime.Artifact, mistakes bool) {
	spec := findFunc(art.Manifest(), "step.update")
	k := spec.Kernels[0]
	start := map[string][]float32{}
	for i, in := range spec.Inputs {
		xs := make([]float32, product(shapeOf(t, in.Shape)))
		for j := range xs {
			xs[j] = float32((i*31+j*7)%13)/13 - 0.4
			if in.Init == nil && !strings.HasPrefix(in.Name, gradPrefix) {
				xs[j] = float32(j%5) / 50 // moments are not negative
			}
		}
		start[in.Name] = xs
	}
	clone := func() map[string][]float32 {
		out := map[string][]float32{}
		for n, xs := range start {
			out[n] = slices.Clone(xs)
		}
		return out
	}
	f, err := art.Func("step.update")
	require.NoError(t, err)
	whole := clone()
	require.NoError(t, f.Run(updateArgs(t, spec, whole)))

	cur := clone()
	total := k.Parts[len(k.Parts)-1].Offset + k.Parts[len(k.Parts)-1].Size
	cuts := []int64{0, 17, 52, total}
	for c := range len(cuts) - 1 {
		r := runtime.Range{Begin: cuts[c], End: cuts[c+1]}
		a := updateArgs(t, spec, cur)
		a.Range = &r
		shorts := map[string][]float32{}
		los := map[string]int64{}
		for _, p := range k.Parts {
			lo, hi := max(r.Begin, p.Offset)-p.Offset, min(r.End, p.Offset+p.Size)-p.Offset
			for _, j := range p.Buffers {
				b := k.Buffers[j]
				if b.Kind != artifact.BufInput || isParam(spec, b.Name) {
					continue
				}
				x := a.Inputs[b.Name]
				if lo < hi {
					shorts[b.Name], los[b.Name] = slices.Clone(cur[b.Name][lo:hi]), lo
					x.Data, x.Len = runtime.F32(shorts[b.Name]).Data, int(4*(hi-lo))
				} else {
					x.Data, x.Len = nil, 0
				}
				a.Inputs[b.Name] = x
				for _, o := range spec.Outputs {
					if o.Updates == b.Name {
						a.Outputs[o.Name] = x
					}
				}
			}
		}
		require.NoError(t, f.Run(a), "range %v", r)
		for n, xs := range shorts {
			copy(cur[n][los[n]:], xs)
		}
	}
	for n := range whole {
		require.Equal(t, whole[n], cur[n], "%s", n)
		if !strings.HasPrefix(n, "d_") {
			require.NotEqual(t, start[n], cur[n], "%s moved", n)
		}
	}

	if !mistakes {
		return
	}
	a := updateArgs(t, spec, clone())
	a.Range = &runtime.Range{Begin: 0, End: total + 1}
	require.ErrorContains(t, f.Run(a), "not within its kernel's 83 units")
	a.Range = &runtime.Range{Begin: 0, End: 10}
	x := a.Inputs["w_m"]
	x.Len = 36
	a.Inputs["w_m"], a.Outputs["w_m_new"] = x, x
	require.ErrorContains(t, f.Run(a), "input w_m holds 36 bytes; units [0, 10) touch its elements [0, 10), 40 bytes")
	a.Range = nil
	require.ErrorContains(t, f.Run(a), "input w_m: buffer holds 36 bytes")
}

// isParam says whether name is a parameter of fn (it has an initializer).
func isParam(fn *artifact.Function, name string) bool {
	for _, in := range fn.Inputs {
		if in.Name == name {
			return in.Init != nil
		}
	}
	return false
}
