// This file defines Model, the noise predictor a sampler calls once per step,
// and GMMProgram, the exact mixture denoiser of gmm.dl run by an Engine.
package diffusion

import (
	"fmt"
	"math"
)

// Model predicts ε from x_t. x holds n points of Dim() values, row-major; t is
// the timestep and abar = ᾱ_t (a network takes t, the exact mixture model ᾱ).
type Model interface {
	Dim() int
	// Eps writes ε̂(x_t) into eps.
	Eps(x, eps []float32, t int, abar float64) error
	// Moments writes ε̂ and, where the slices are not nil, the second-moment
	// heads: second ≈ E[ε²|x_t] (SN) and resid ≈ E[(ε−ε̂)²|x_t] (NPR).
	Moments(x []float32, t int, abar float64, eps, second, resid []float32) error
	// SumSqEps is Σ ε̂(x_t)² over points and dimensions for
	// x_t = √ᾱ x0 + √(1−ᾱ) noise: one Monte Carlo batch of Γ_t.
	SumSqEps(x0, noise []float32, t int, abar float64) (float64, error)
}

var (
	_ Model = (*GMM)(nil)
	_ Model = (*GMMProgram)(nil)
)

// GMMProgram is the mixture's exact denoiser run by gmm.dl on an engine. It
// keeps scratch buffers, so one GMMProgram serves one goroutine at a time.
type GMMProgram struct {
	e             Engine
	d, k          int
	mu, s2, logpi Tensor
	logp          []float32 // scratch for gmm_moments' log-density output
	sumsq         []float32
}

// NewGMMProgram binds the mixture's parameters to an engine running gmm.dl.
func NewGMMProgram(e Engine, g *GMM) (*GMMProgram, error) {
	for _, fn := range []string{"gmm_eps", "gmm_moments", "gmm_sumsq"} {
		if !e.Has(fn) {
			return nil, fmt.Errorf("gmm model: the engine has no %s", fn)
		}
	}
	d, k := g.Dim(), len(g.Weights)
	p := &GMMProgram{e: e, d: d, k: k, sumsq: make([]float32, 1)}
	mu := make([]float32, 0, k*d)
	s2 := make([]float32, k)
	logpi := make([]float32, k)
	for i := range k {
		for _, m := range g.Means[i] {
			mu = append(mu, float32(m))
		}
		s2[i] = float32(g.Std[i] * g.Std[i])
		logpi[i] = float32(math.Log(g.Weights[i]))
	}
	p.mu, p.s2, p.logpi = T(mu, int64(k), int64(d)), T(s2, int64(k)), T(logpi, int64(k))
	return p, nil
}

// Dim is D.
func (p *GMMProgram) Dim() int { return p.d }

// Engine is the engine the model runs on.
func (p *GMMProgram) Engine() Engine { return p.e }

func (p *GMMProgram) inputs(x Tensor) map[string]Tensor {
	return map[string]Tensor{"x": x, "mu": p.mu, "s2": p.s2, "logpi": p.logpi}
}

// Eps runs gmm_eps.
func (p *GMMProgram) Eps(x, eps []float32, t int, abar float64) error {
	if err := checkBatch(p.d, x, eps); err != nil {
		return err
	}
	n := int64(len(x) / p.d)
	return p.e.Run("gmm_eps", Args{
		Inputs:  p.inputs(T(x, n, int64(p.d))),
		Outputs: map[string]Tensor{"eps": T(eps, n, int64(p.d))},
		Scalars: map[string]float64{"abar": abar},
	})
}

// Moments runs gmm_moments; nil heads are computed into scratch and dropped.
func (p *GMMProgram) Moments(x []float32, t int, abar float64, eps, second, resid []float32) error {
	if err := checkBatch(p.d, x, eps, second, resid); err != nil {
		return err
	}
	n := len(x) / p.d
	if cap(p.logp) < 3*len(x)+n {
		p.logp = make([]float32, 3*len(x)+n)
	}
	scratch := p.logp[:3*len(x)+n]
	if second == nil {
		second = scratch[len(x) : 2*len(x)]
	}
	if resid == nil {
		resid = scratch[2*len(x) : 3*len(x)]
	}
	shape := []int64{int64(n), int64(p.d)}
	return p.e.Run("gmm_moments", Args{
		Inputs: p.inputs(T(x, shape...)),
		Outputs: map[string]Tensor{
			"eps": T(eps, shape...), "second": T(second, shape...), "resid": T(resid, shape...),
			"logp": T(scratch[3*len(x):], int64(n)),
		},
		Scalars: map[string]float64{"abar": abar},
	})
}

// SumSqEps runs gmm_sumsq: noising, the model and the reduction in one program.
func (p *GMMProgram) SumSqEps(x0, noise []float32, t int, abar float64) (float64, error) {
	if err := checkBatch(p.d, x0, noise); err != nil {
		return 0, err
	}
	shape := []int64{int64(len(x0) / p.d), int64(p.d)}
	in := map[string]Tensor{"x0": T(x0, shape...), "noise": T(noise, shape...), "mu": p.mu, "s2": p.s2, "logpi": p.logpi}
	err := p.e.Run("gmm_sumsq", Args{Inputs: in, Outputs: map[string]Tensor{"sumsq": T(p.sumsq)}, Scalars: map[string]float64{"abar": abar}})
	return float64(p.sumsq[0]), err
}
