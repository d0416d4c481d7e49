// This file is the float64 truth of an isotropic Gaussian mixture under the
// forward process: samples, the density of x_t, and the exact moments of ε
// given x_t. gmm.dl computes the same in a compiled program; this is its
// reference and a Model of its own (host code, for when gmm.dl does not
// compile yet).
package diffusion

import (
	"fmt"
	"math"
	"math/rand/v2"
	goruntime "runtime"
	"sync"
)

// GMM is the data distribution Σ_k π_k N(μ_k, s_k² I) in D dimensions.
type GMM struct {
	Weights []float64   // π_k, positive, summing to 1
	Means   [][]float64 // μ_k, each of length D
	Std     []float64   // s_k > 0
}

// NewGMM checks and returns a mixture.
func NewGMM(weights []float64, means [][]float64, std []float64) (*GMM, error) {
	k := len(weights)
	if k == 0 || len(means) != k || len(std) != k {
		return nil, fmt.Errorf("gmm: %d weights, %d means and %d stds, want the same number >= 1", k, len(means), len(std))
	}
	sum := 0.0
	for i, w := range weights {
		if !(w > 0) {
			return nil, fmt.Errorf("gmm: weight %d is %v, want > 0", i, w)
		}
		if !(std[i] > 0) || math.IsInf(std[i], 0) {
			return nil, fmt.Errorf("gmm: std %d is %v, want > 0", i, std[i])
		}
		if len(means[i]) != len(means[0]) || len(means[i]) == 0 {
			return nil, fmt.Errorf("gmm: mean %d has %d dimensions, mean 0 has %d", i, len(means[i]), len(means[0]))
		}
		sum += w
	}
	if math.Abs(sum-1) > 1e-9 {
		return nil, fmt.Errorf("gmm: weights sum to %v, want 1", sum)
	}
	return &GMM{Weights: weights, Means: means, Std: std}, nil
}

// Dim is D.
func (g *GMM) Dim() int { return len(g.Means[0]) }

// Sample draws n points (n×D, row-major) and returns them with their components.
func (g *GMM) Sample(n int, rng *rand.Rand) ([]float32, []int) {
	d := g.Dim()
	x := make([]float32, n*d)
	comp := make([]int, n)
	for i := range n {
		u, k := rng.Float64(), 0
		for k < len(g.Weights)-1 && u >= g.Weights[k] {
			u -= g.Weights[k]
			k++
		}
		comp[i] = k
		for j := range d {
			x[i*d+j] = float32(g.Means[k][j] + g.Std[k]*rng.NormFloat64())
		}
	}
	return x, comp
}

// Moments is what GMM.Posterior computes for one point x_t.
type Moments struct {
	Eps    []float64 // E[ε | x_t]
	Second []float64 // E[ε² | x_t], per dimension
	Resid  []float64 // E[(ε − E[ε|x_t])² | x_t], per dimension
	LogP   float64   // log p_t(x_t)
}

// Posterior computes the exact moments of ε given x_t = x at ᾱ = abar. Given
// component k, x_t ~ N(√ᾱ μ_k, v_k I) with v_k = ᾱ s_k² + 1 − ᾱ, and ε is
// Gaussian with mean m_k = √(1−ᾱ)(x − √ᾱ μ_k)/v_k and variance c_k = ᾱ s_k²/v_k;
// the components are weighted by their posterior probabilities
// w_k(x) = softmax_k(log π_k − ‖x − √ᾱ μ_k‖²/(2 v_k) − (D/2) log(2π v_k)).
// The slices in out must have length D; w is scratch of length K (or nil).
func (g *GMM) Posterior(x []float64, abar float64, out *Moments, w []float64) {
	if len(w) < len(g.Weights) {
		w = make([]float64, len(g.Weights))
	}
	g.at(abar).posterior(x, out, w, true)
}

// gmmAt holds what Posterior needs per component at one ᾱ.
type gmmAt struct {
	d     int
	so    float64     // √(1−ᾱ)
	smu   [][]float64 // √ᾱ μ_k
	logc  []float64   // log π_k − (D/2) log(2π v_k)
	inv2v []float64   // 1/(2 v_k)
	soInv []float64   // √(1−ᾱ)/v_k
	c     []float64   // ᾱ s_k²/v_k
}

func (g *GMM) at(abar float64) *gmmAt {
	K, d := len(g.Weights), g.Dim()
	a := &gmmAt{d: d, so: math.Sqrt(1 - abar), smu: make([][]float64, K), logc: make([]float64, K),
		inv2v: make([]float64, K), soInv: make([]float64, K), c: make([]float64, K)}
	sa := math.Sqrt(abar)
	for k := range K {
		s2 := g.Std[k] * g.Std[k]
		v := abar*s2 + 1 - abar
		a.smu[k] = make([]float64, d)
		for j := range d {
			a.smu[k][j] = sa * g.Means[k][j]
		}
		a.logc[k] = math.Log(g.Weights[k]) - float64(d)/2*math.Log(2*math.Pi*v)
		a.inv2v[k] = 1 / (2 * v)
		a.soInv[k] = a.so / v
		a.c[k] = abar * s2 / v
	}
	return a
}

// posterior computes out.Eps, and with full also Second, Resid and LogP.
func (a *gmmAt) posterior(x []float64, out *Moments, w []float64, full bool) {
	K, d := len(a.logc), a.d
	top := math.Inf(-1)
	for k := range K {
		r2 := 0.0
		for j, m := range a.smu[k] {
			r := x[j] - m
			r2 += r * r
		}
		w[k] = a.logc[k] - r2*a.inv2v[k]
		top = max(top, w[k])
	}
	sum := 0.0
	for k := range K {
		w[k] = math.Exp(w[k] - top)
		sum += w[k]
	}
	for j := range d {
		out.Eps[j] = 0
		if full {
			out.Second[j], out.Resid[j] = 0, 0
		}
	}
	for k := range K {
		w[k] /= sum
		for j, m := range a.smu[k] {
			e := a.soInv[k] * (x[j] - m)
			out.Eps[j] += w[k] * e
			if full {
				out.Second[j] += w[k] * (e*e + a.c[k])
			}
		}
	}
	if !full {
		return
	}
	out.LogP = top + math.Log(sum)
	for k := range K {
		for j, m := range a.smu[k] {
			dm := a.soInv[k]*(x[j]-m) - out.Eps[j]
			out.Resid[j] += w[k] * (dm*dm + a.c[k])
		}
	}
}

// LogDensity is log p_t(x) at ᾱ = abar; abar = 1 is the data density.
func (g *GMM) LogDensity(x []float64, abar float64) float64 {
	d := g.Dim()
	lse := math.Inf(-1)
	for k := range g.Weights {
		v := abar*g.Std[k]*g.Std[k] + 1 - abar
		r2 := 0.0
		for j := range d {
			r := x[j] - math.Sqrt(abar)*g.Means[k][j]
			r2 += r * r
		}
		lse = logAddExp(lse, math.Log(g.Weights[k])-r2/(2*v)-float64(d)/2*math.Log(2*math.Pi*v))
	}
	return lse
}

// MeanLogDensity is the mean of log p_0 over the points of x (n×D): the exact
// log-likelihood of samples under the data density.
func (g *GMM) MeanLogDensity(x []float32) float64 {
	d := g.Dim()
	n := len(x) / d
	parts := make([]float64, n)
	a := g.at(1)
	parallel(n, func(lo, hi int) {
		p := make([]float64, d)
		m := Moments{Eps: make([]float64, d), Second: make([]float64, d), Resid: make([]float64, d)}
		w := make([]float64, len(g.Weights))
		for i := lo; i < hi; i++ {
			for j := range d {
				p[j] = float64(x[i*d+j])
			}
			a.posterior(p, &m, w, true)
			parts[i] = m.LogP
		}
	})
	return kahanMean(parts)
}

func logAddExp(a, b float64) float64 {
	if a < b {
		a, b = b, a
	}
	if math.IsInf(b, -1) {
		return a
	}
	return a + math.Log1p(math.Exp(b-a))
}

func kahanMean(xs []float64) float64 {
	var s, c float64
	for _, x := range xs {
		y := x - c
		t := s + y
		c = (t - s) - y
		s = t
	}
	return s / float64(len(xs))
}

// The methods below make the truth a Model: float64 inside, f32 at the edges.

// Eps writes E[ε | x_t] for every point of x.
func (g *GMM) Eps(x, eps []float32, t int, abar float64) error {
	return g.Moments(x, t, abar, eps, nil, nil)
}

// Moments writes E[ε|x_t] and, where the slices are not nil, E[ε²|x_t] and
// E[(ε−ε̂)²|x_t].
func (g *GMM) Moments(x []float32, t int, abar float64, eps, second, resid []float32) error {
	d := g.Dim()
	if err := checkBatch(d, x, eps, second, resid); err != nil {
		return err
	}
	a := g.at(abar)
	full := second != nil || resid != nil
	parallel(len(x)/d, func(lo, hi int) {
		p := make([]float64, d)
		m := Moments{Eps: make([]float64, d), Second: make([]float64, d), Resid: make([]float64, d)}
		w := make([]float64, len(g.Weights))
		for i := lo; i < hi; i++ {
			for j := range d {
				p[j] = float64(x[i*d+j])
			}
			a.posterior(p, &m, w, full)
			for j := range d {
				eps[i*d+j] = float32(m.Eps[j])
				if second != nil {
					second[i*d+j] = float32(m.Second[j])
				}
				if resid != nil {
					resid[i*d+j] = float32(m.Resid[j])
				}
			}
		}
	})
	return nil
}

// SumSqEps is Σ ε̂(x_t)² over all points and dimensions, with
// x_t = √ᾱ x0 + √(1−ᾱ) noise.
func (g *GMM) SumSqEps(x0, noise []float32, t int, abar float64) (float64, error) {
	d := g.Dim()
	if err := checkBatch(d, x0, noise); err != nil {
		return 0, err
	}
	n := len(x0) / d
	sums := make([]float64, n)
	sa, so := math.Sqrt(abar), math.Sqrt(1-abar)
	a := g.at(abar)
	parallel(n, func(lo, hi int) {
		p := make([]float64, d)
		m := Moments{Eps: make([]float64, d), Second: make([]float64, d), Resid: make([]float64, d)}
		w := make([]float64, len(g.Weights))
		for i := lo; i < hi; i++ {
			for j := range d {
				p[j] = sa*float64(x0[i*d+j]) + so*float64(noise[i*d+j])
			}
			a.posterior(p, &m, w, false)
			for j := range d {
				sums[i] += m.Eps[j] * m.Eps[j]
			}
		}
	})
	return kahanMean(sums) * float64(n), nil
}

// checkBatch checks that x holds whole points of d dimensions and that every
// other non-nil slice has the same length.
func checkBatch(d int, x []float32, others ...[]float32) error {
	if len(x) == 0 || len(x)%d != 0 {
		return fmt.Errorf("batch of %d values is not a positive number of %d-dimensional points", len(x), d)
	}
	for i, o := range others {
		if o != nil && len(o) != len(x) {
			return fmt.Errorf("buffer %d has %d values, want %d (as x)", i+1, len(o), len(x))
		}
	}
	return nil
}

// parallel runs fn over [0, n) in contiguous chunks on every CPU.
func parallel(n int, fn func(lo, hi int)) {
	workers := goruntime.GOMAXPROCS(0)
	if n < 1024 || workers == 1 {
		fn(0, n)
		return
	}
	chunk := (n + workers - 1) / workers
	var wg sync.WaitGroup
	for lo := 0; lo < n; lo += chunk {
		wg.Add(1)
		go func(lo, hi int) {
			defer wg.Done()
			fn(lo, hi)
		}(lo, min(n, lo+chunk))
	}
	wg.Wait()
}
