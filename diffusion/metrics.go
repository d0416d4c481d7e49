// This file measures how far samples are from the data: the sliced
// Wasserstein-2 distance between two point sets. GMM.MeanLogDensity gives the
// other measure, the exact log-likelihood of samples under the data density.
package diffusion

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
)

// SlicedW2 is the sliced Wasserstein-2 distance between the empirical
// distributions of a and b (each n×d, the same n): the root mean, over
// projections on proj random unit directions, of the squared 1-D
// Wasserstein-2 distance, which is the mean squared difference of the sorted
// projections.
func SlicedW2(a, b []float32, d, proj int, rng *rand.Rand) (float64, error) {
	if d < 1 || len(a)%d != 0 || len(a) == 0 || len(a) != len(b) {
		return 0, fmt.Errorf("sliced W2: %d and %d values, want the same positive number of %d-dimensional points", len(a), len(b), d)
	}
	if proj < 1 {
		return 0, fmt.Errorf("sliced W2: %d projections, want at least 1", proj)
	}
	n := len(a) / d
	pa, pb := make([]float64, n), make([]float64, n)
	dir := make([]float64, d)
	total := 0.0
	for range proj {
		norm := 0.0
		for j := range dir {
			dir[j] = rng.NormFloat64()
			norm += dir[j] * dir[j]
		}
		norm = math.Sqrt(norm)
		for i := range n {
			sa, sb := 0.0, 0.0
			for j := range d {
				sa += float64(a[i*d+j]) * dir[j]
				sb += float64(b[i*d+j]) * dir[j]
			}
			pa[i], pb[i] = sa/norm, sb/norm
		}
		slices.Sort(pa)
		slices.Sort(pb)
		w := 0.0
		for i := range n {
			w += (pa[i] - pb[i]) * (pa[i] - pb[i])
		}
		total += w / float64(n)
	}
	return math.Sqrt(total / float64(proj)), nil
}

// Spread measures how wide samples are around the mixture's components:
// each point of x (n×D) goes to its most likely component, and the result is
// the mean over components of √(mean squared distance per dimension to the
// true mean μ_k)/s_k. The data give 1; below 1 the samples are too
// concentrated, above 1 too wide. Components that receive no point are skipped.
func (g *GMM) Spread(x []float32) float64 {
	d, K := g.Dim(), len(g.Weights)
	sum, count := make([]float64, K), make([]float64, K)
	for i := 0; i+d <= len(x); i += d {
		best, bk := math.Inf(-1), 0
		for k := range K {
			r2 := 0.0
			for j := range d {
				r := float64(x[i+j]) - g.Means[k][j]
				r2 += r * r
			}
			l := math.Log(g.Weights[k]) - r2/(2*g.Std[k]*g.Std[k]) - float64(d)*math.Log(g.Std[k])
			if l > best {
				best, bk = l, k
			}
		}
		for j := range d {
			r := float64(x[i+j]) - g.Means[bk][j]
			sum[bk] += r * r
		}
		count[bk] += float64(d)
	}
	total, used := 0.0, 0
	for k := range K {
		if count[k] > 0 {
			total += math.Sqrt(sum[k]/count[k]) / g.Std[k]
			used++
		}
	}
	return total / float64(used)
}
