// This file tests the deterministic mode: in one process against the
// phases run by hand, and under mpirun on 1, 2 and 4 ranks (bit-identical,
// and across checkpoints written and resumed on other rank counts).
package train

import (
	"path/filepath"
	"slices"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"
)

// detMicro is the microbatches of the deterministic tests: 4 of the 8 rows'
// 2 each, so 1, 2 and 4 ranks divide it.
const detMicro = 4

// newTrainerWith compiles src and returns a Trainer with opt.
func newTrainerWith(t *testing.T, opt Options) *Trainer {
	t.Helper()
	art := loadNet(t)
	tr, err := New(art, opt)
	require.NoError(t, err)
	return tr
}

// TestDeterministicByHand trains 5 steps in deterministic mode without MPI
// and checks every bit against the phases run by hand: step.grad on each
// 2-row microbatch, the gradients and losses summed in microbatch order in
// f32 here, step.update with grad_scale 1/4.
func TestDeterministicByHand(t *testing.T) {
	tr := newTrainerWith(t, Options{Step: "step", Seed: 3, Deterministic: true, Microbatches: detMicro})
	art := loadNet(t)
	hand := &phaseRun{t: t, art: art, vals: map[string][]float32{}}
	for k, v := range snapshot(tr) {
		hand.vals[k] = slices.Clone(v)
	}
	for i := range 5 {
		loss, err := tr.Step(batch(i))
		require.NoError(t, err)
		sums := map[string][]float32{}
		var lossSum float32
		for m := range detMicro {
			mb, err := cutRows(batch(i), m, detMicro, "microbatches")
			require.NoError(t, err)
			l := hand.run("step.grad", mb, nil)
			if m == 0 {
				lossSum = l
			} else {
				lossSum += l
			}
			for _, w := range tr.Params() {
				g := hand.vals["d_"+w]
				if m == 0 {
					sums[w] = slices.Clone(g)
					continue
				}
				for j := range g {
					sums[w][j] += g[j]
				}
			}
		}
		for w, s := range sums {
			hand.vals["d_"+w] = s
		}
		hand.run("step.update", nil, map[string]float64{"step": float64(i + 1), "grad_scale": 1.0 / detMicro})
		require.Equal(t, float64(lossSum)/detMicro, loss, "loss of step %d", i+1)
	}
	for k, v := range snapshot(tr) {
		require.Equal(t, hand.vals[k], v, "%s after 5 steps", k)
	}
}

// TestDeterministicOptions checks the mistakes New refuses.
func TestDeterministicOptions(t *testing.T) {
	art := loadNet(t)
	_, err := New(art, Options{Step: "step", Deterministic: true})
	require.ErrorContains(t, err, "Microbatches is 0")
	_, err = New(art, Options{Step: "step", Microbatches: 4})
	require.ErrorContains(t, err, "Deterministic is not set")
	tr, err := New(art, Options{Step: "step", Deterministic: true, Microbatches: 3})
	require.NoError(t, err)
	_, err = tr.Step(batch(0))
	require.ErrorContains(t, err, "multiple of the 3 microbatches")
}

// detLocal trains dpSteps deterministic steps of source without MPI in this process
// and returns the parameters and state, after checking the parameters
// against fused, dpSteps fused steps' of which params are parameters,
// within the rounding of another summation order.
func detLocal(t *testing.T, source string, fused []float32, params int) []float32 {
	t.Helper()
	tr := newTrainerOf(t, source, Options{Step: "step", Seed: 3, Deterministic: true, Microbatches: detMicro})
	for i := range dpSteps {
		_, err := tr.Step(batch(i))
		require.NoError(t, err)
	}
	var det []float32
	for _, n := range append(tr.Params(), tr.State()...) {
		xs, _ := tr.Float32(n)
		det = append(det, xs...)
	}
	d := maxDiff(fused[:params], det[:params])
	t.Logf("deterministic mode (%d microbatches) against the fused step after %d steps: parameters differ by at most %.3g", detMicro, dpSteps, d)
	require.Less(t, d, sumOrderBound)
	return det
}

// TestDeterministic trains dpSteps steps in deterministic mode on 1, 2 and
// 4 ranks: every run, and every rank of it, holds the bits of the same
// mode run in this process without MPI.
func TestDeterministic(t *testing.T) {
	fused, params, prog, art := dpSetup(t)
	want := detLocal(t, src, fused, params)
	micro := strconv.Itoa(detMicro)
	for _, np := range []int{1, 2, 4} {
		got, hashes := dpJob(t, prog, art, np, dpSteps, "-micro", micro)
		require.Equal(t, want, got, "%d ranks", np)
		for _, h := range hashes {
			require.Equal(t, hashes[0], h, "every rank of %d", np)
		}
	}
	got, _ := dpJob(t, prog, art, 2, dpSteps, "-micro", micro, "-bucket", "64")
	require.Equal(t, want, got, "the bucket size plays no part")
}

// TestDeterministicResume writes checkpoints after half the steps on 1 and
// 2 ranks and resumes each on another rank count (2 → 1, 2 → 4, 1 → 2): the
// bits of the uninterrupted run.
func TestDeterministicResume(t *testing.T) {
	fused, params, prog, art := dpSetup(t)
	want := detLocal(t, src, fused, params)
	micro := strconv.Itoa(detMicro)
	dir := t.TempDir()
	for _, from := range []int{1, 2} {
		ck := filepath.Join(dir, strconv.Itoa(from)+".safetensors")
		dpJob(t, prog, art, from, dpSteps/2, "-micro", micro, "-ckpt", ck)
		for _, to := range []int{1, 2, 4} {
			if to == from || (from == 1 && to == 4) {
				continue
			}
			got, _ := dpJob(t, prog, art, to, dpSteps, "-micro", micro, "-resume", ck)
			require.Equal(t, want, got, "written on %d ranks, resumed on %d", from, to)
		}
	}
}

// newTrainerOf compiles source and returns a Trainer with opt.
func newTrainerOf(t *testing.T, source string, opt Options) *Trainer {
	t.Helper()
	tr, err := New(loadSource(t, source), opt)
	require.NoError(t, err)
	return tr
}
