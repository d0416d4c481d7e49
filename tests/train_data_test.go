// This file trains on real data: a short run on a slice of Fashion-MNIST
// must beat chance (10%) by a wide margin.
package tests

import (
	"math/rand/v2"
	"os"
	"testing"

	"dlc.dev/dlc/data/fashionmnist"
	"dlc.dev/dlc/runtime"
	"dlc.dev/dlc/train"

	"github.com/stretchr/testify/require"
)

// TestTrainSliceOfFashionMNIST trains a linear classifier for 3 epochs on the
// first 3,000 training images (batch 50) and requires at least 65% on the
// first 2,000 test images; such a classifier reaches about 80% on this slice.
func TestTrainSliceOfFashionMNIST(t *testing.T) {
	if _, err := os.Stat(fashionmnist.Dir); err != nil {
		t.Skipf("Fashion-MNIST is not installed (scripts/setup.sh installs it): %v", err)
	}
	trainSet, err := fashionmnist.Load(fashionmnist.Dir, "train")
	require.NoError(t, err)
	test, err := fashionmnist.Load(fashionmnist.Dir, "t10k")
	require.NoError(t, err)
	art := load(t, "tests/testdata/train/linear_fashion.dl")
	tr, err := train.New(art, train.Options{Step: "step", Predict: "linear", Seed: 1})
	require.NoError(t, err)
	const n, bs, px = 3000, 50, fashionmnist.Pixels
	rng := rand.New(rand.NewPCG(1, 2))
	perm := rng.Perm(n)
	x := make([]float32, bs*px)
	labels := make([]int32, bs)
	batch := map[string]runtime.Tensor{"x": runtime.F32(x, bs, px), "labels": runtime.I32(labels, bs)}
	var first, last float64
	for epoch := range 3 {
		for s := range n / bs {
			for r := range bs {
				i := perm[s*bs+r]
				copy(x[r*px:(r+1)*px], trainSet.Images[i*px:(i+1)*px])
				labels[r] = trainSet.Labels[i]
			}
			loss, err := tr.Step(batch)
			require.NoError(t, err)
			if epoch == 0 && s == 0 {
				first = loss
			}
			last = loss
		}
	}
	const m = 2000
	logits := make([]float32, m*10)
	require.NoError(t, tr.Predict(map[string]runtime.Tensor{"x": runtime.F32(test.Images[:m*px], m, px)}, map[string]runtime.Tensor{"logits": runtime.F32(logits, m, 10)}))
	right := 0
	for r := range m {
		best := 0
		for c := range 10 {
			if logits[r*10+c] > logits[r*10+best] {
				best = c
			}
		}
		if int32(best) == test.Labels[r] {
			right++
		}
	}
	acc := float64(right) / m
	t.Logf("loss %.3f -> %.3f, test accuracy %.1f%% on %d images", first, last, 100*acc, m)
	require.Greater(t, acc, 0.65)
}
