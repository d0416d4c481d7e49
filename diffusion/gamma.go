// This file estimates Analytic-DPM's per-timestep table Γ_t = E‖ε_θ(x_t,t)‖²/d
// by Monte Carlo over training data (MATH.md §3.3), once per timestep, and
// caches it in memory keyed by schedule and timestep.
package diffusion

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sync"
)

// GammaTable holds Γ_t for one model and one training set. The sum of ε̂² of
// each batch runs in the model's own program (gmm_sumsq for the mixture), so
// noising, the model and the reduction are one compiled call.
type GammaTable struct {
	model Model
	data  []float32 // training points x0, n×d
	batch int
	seed  uint64

	mu    sync.Mutex
	cache map[gammaKey]float64
	evals int // estimates computed (cache misses)
}

type gammaKey struct {
	schedule string
	t        int
}

// NewGammaTable estimates with every point of data (n×d) and fresh noise per
// timestep, drawn from a stream fixed by seed and t, so a value does not
// depend on which timesteps were asked for before.
func NewGammaTable(model Model, data []float32, seed uint64) (*GammaTable, error) {
	if err := checkBatch(model.Dim(), data); err != nil {
		return nil, fmt.Errorf("gamma table: training data: %w", err)
	}
	return &GammaTable{model: model, data: data, batch: 8192, seed: seed, cache: map[gammaKey]float64{}}, nil
}

// Evals is the number of Γ_t values estimated so far (not served from cache).
func (g *GammaTable) Evals() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.evals
}

// Gamma returns Γ_t of schedule s, estimating it on first use.
func (g *GammaTable) Gamma(s *Schedule, t int) (float64, error) {
	if t < 1 || t > s.T() {
		return 0, fmt.Errorf("gamma: timestep %d outside [1, %d]", t, s.T())
	}
	key := gammaKey{s.Key(), t}
	g.mu.Lock()
	defer g.mu.Unlock()
	if v, ok := g.cache[key]; ok {
		return v, nil
	}
	v, err := g.estimate(s, t)
	if err != nil {
		return 0, err
	}
	g.cache[key] = v
	g.evals++
	return v, nil
}

// Table returns Γ_t for every step of a trajectory, in step order.
func (g *GammaTable) Table(tr *Trajectory) ([]float64, error) {
	out := make([]float64, len(tr.Steps))
	for i, st := range tr.Steps {
		v, err := g.Gamma(tr.Schedule, st.T)
		if err != nil {
			return nil, err
		}
		out[i] = v
	}
	return out, nil
}

func (g *GammaTable) estimate(s *Schedule, t int) (float64, error) {
	d := g.model.Dim()
	rng := rand.New(rand.NewPCG(g.seed, uint64(t)))
	noise := make([]float32, min(len(g.data), g.batch*d))
	total := 0.0
	for lo := 0; lo < len(g.data); lo += len(noise) {
		x0 := g.data[lo:min(len(g.data), lo+len(noise))]
		z := noise[:len(x0)]
		for i := range z {
			z[i] = float32(rng.NormFloat64())
		}
		sum, err := g.model.SumSqEps(x0, z, t, s.Abar[t])
		if err != nil {
			return 0, fmt.Errorf("gamma at t=%d: %w", t, err)
		}
		total += sum
	}
	gamma := total / float64(len(g.data))
	if math.IsNaN(gamma) || math.IsInf(gamma, 0) || gamma < 0 {
		return 0, fmt.Errorf("gamma at t=%d: estimate is %v", t, gamma)
	}
	return gamma, nil
}
