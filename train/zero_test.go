// This file tests ZeRO-1 sharding: in one process against the fused step,
// and under mpirun against plain data parallelism, with each rank's share
// of the optimizer state and checkpoints that cross between the two.
package train

import (
	"path/filepath"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestZeROOneProcess trains 5 steps with ZeRO-1 in one process (one block,
// the whole update): the fused step's bits, state included.
func TestZeROOneProcess(t *testing.T) {
	fused := newTrainerOf(t, src2, Options{Step: "step", Seed: 3})
	zero := newTrainerOf(t, src2, Options{Step: "step", Seed: 3, ZeRO: true})
	for i := range 5 {
		want, err := fused.Step(batch(i))
		require.NoError(t, err)
		got, err := zero.Step(batch(i))
		require.NoError(t, err)
		require.Equal(t, want, got, "loss of step %d", i+1)
	}
	require.Equal(t, snapshot(fused), snapshot(zero))
}

// TestZeRO trains dpSteps steps of src2 with ZeRO-1 on 2 and 4 ranks
// against plain data parallelism on as many. On 2 ranks each sum is one
// addition, the same in both, so the parameters have the same bits; on 4,
// MPI's reduce-scatter and all-reduce add the four ranks' gradients in
// different orders, so they agree within the rounding of that order. Each
// rank holds its share of the optimizer state, and together every element.
// With the deterministic mode too, 2 and 4 ranks give the bits of one
// process.
func TestZeRO(t *testing.T) {
	fused, params, prog, art := dpSetupWith(t, src2)
	stateTotal := len(fused) - params
	for _, np := range []int{2, 4} {
		plain, _ := dpJob(t, prog, art, np, dpSteps)
		zero, hashes, held := dpJobHeld(t, prog, art, np, dpSteps, "-zero")
		t.Logf("%d ranks: ZeRO-1 against plain data parallelism: parameters differ by at most %.3g; state held per rank %v of %d", np, maxDiff(plain[:params], zero), held, stateTotal)
		if np == 2 {
			require.Equal(t, plain[:params], zero, "%d ranks", np)
		} else {
			require.Less(t, maxDiff(plain[:params], zero), sumOrderBound, "%d ranks", np)
		}
		sum := 0
		for r, h := range held {
			require.Equal(t, hashes[0], hashes[r], "every rank holds the same parameters")
			// Each rank's block of the parameters, padded to 16 elements
			// each, holds at most its share; the state is twice that (AdamW).
			require.LessOrEqual(t, h, 2*(params+16*(6+np))/np, "rank %d's state", r)
			sum += h
		}
		require.Equal(t, stateTotal, sum, "the ranks hold every element of the state once")
	}
	want := detLocal(t, src2, fused, params)
	for _, np := range []int{2, 4} {
		got, _ := dpJob(t, prog, art, np, dpSteps, "-zero", "-micro", strconv.Itoa(detMicro))
		require.Equal(t, want[:params], got, "deterministic with ZeRO-1 on %d ranks", np)
	}
}

// TestZeROCheckpoint saves after half the steps with ZeRO-1 on 2 ranks
// (rank 0 gathers the state) and resumes with plain data parallelism, and
// the reverse (each rank loads its block): the bits of the uninterrupted
// plain run, whose state the first check compares whole.
func TestZeROCheckpoint(t *testing.T) {
	_, params, prog, art := dpSetupWith(t, src2)
	plain, _ := dpJob(t, prog, art, 2, dpSteps)
	dir := t.TempDir()
	fromZero := filepath.Join(dir, "zero.safetensors")
	dpJob(t, prog, art, 2, dpSteps/2, "-zero", "-ckpt", fromZero)
	got, _ := dpJob(t, prog, art, 2, dpSteps, "-resume", fromZero)
	require.Equal(t, plain, got, "written with ZeRO-1, resumed without")
	fromPlain := filepath.Join(dir, "plain.safetensors")
	dpJob(t, prog, art, 2, dpSteps/2, "-ckpt", fromPlain)
	got, _ = dpJob(t, prog, art, 2, dpSteps, "-zero", "-resume", fromPlain)
	require.Equal(t, plain[:params], got, "written without ZeRO-1, resumed with it")
}
