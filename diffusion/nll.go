// This file estimates the variational bound on the negative log-likelihood of
// a K-step reverse process with the DDPM mean, for several reverse variances at
// once (common random numbers), with exact Gaussian KLs and Monte Carlo over
// data.
package diffusion

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// Bound is the variational bound of one method, in nats per dimension:
// NatsPerDim = Prior + Transitions + Decoder. StdErr is the Monte Carlo
// standard error of NatsPerDim over the data points, and PerPoint the bound
// of each point; all methods of one NLL call share their noise, so paired
// differences of PerPoint are much more precise than either StdErr.
type Bound struct {
	Method                      Method
	NatsPerDim, StdErr          float64
	Prior, Transitions, Decoder float64
	PerPoint                    []float64
}

// minDecoderVar keeps the decoder's log-density finite where a per-element
// Cov_x0 is clipped to 0.
const minDecoderVar = 1e-12

// NLL estimates, for a trajectory τ_K > … > τ_1 > τ_0 = 0 and each method,
//
//	−E log p(x0) ≤ E_q[ KL(q(x_τK|x0) ‖ N(0,I))
//	                  + Σ_{i=2..K} KL(q(x_τ(i−1)|x_τi,x0) ‖ p(x_τ(i−1)|x_τi))
//	                  − log N(x0; x̂0(x_τ1), σ_1²) ] / d,
//
// where q(x_s|x_t,x0) = N(c0·x0 + ct·x_t, β̃ I) is the DDPM posterior
// (MATH.md §3.1) and p(x_s|x_t) = N(c0·x̂0 + ct·x_t, σ² I) has the same mean
// with the model's x̂0 = (x_t − √(1−ᾱ_t)ε̂)/√ᾱ_t and the method's variance:
// each KL is 1/2 Σ_d [β̃/σ² − 1 + log(σ²/β̃) + c0²(x0 − x̂0)²/σ²]. The last
// step is a continuous Gaussian decoder with σ_1² = 1−ᾱ_τ1 (DDPMLarge), the β̃
// of the step into τ_1 (DDPM: β̃ is 0 on the last step; Nichol & Dhariwal
// clip it the same way), Cov_x0 (Analytic: σ*² at ᾱ_s = 1), or the per-element
// Cov_x0 (Extended, at least 1e-12). Every term draws a fresh x_τi ~ q(x_τi|x0)
// for each point of x0 (n×d), shared by all methods. Methods must have the DDPM
// mean (η = 1; DDPM and DDPMLarge always do) and no caps.
func NLL(model Model, gamma *GammaTable, tr *Trajectory, x0 []float32, methods []Method, rng *rand.Rand) ([]Bound, error) {
	d := model.Dim()
	if err := checkBatch(d, x0); err != nil {
		return nil, fmt.Errorf("nll: x0: %w", err)
	}
	if err := tr.Validate(); err != nil {
		return nil, fmt.Errorf("nll: %w", err)
	}
	moments := false
	for _, m := range methods {
		if err := m.Validate(); err != nil {
			return nil, fmt.Errorf("nll: %w", err)
		}
		switch {
		case m.Kind == DDIM || ((m.Kind == Analytic || m.extended()) && m.Eta != 1):
			return nil, fmt.Errorf("nll: %s: the bound needs the DDPM mean and a positive variance (eta = 1)", m)
		case m.Cap != 0 || m.ClipX0:
			return nil, fmt.Errorf("nll: %s: the bound is for the unclipped, uncapped Gaussian model", m)
		case m.Kind == Analytic && (gamma == nil || tr.Schedule == nil):
			return nil, fmt.Errorf("nll: %s: needs a GammaTable and a trajectory of a schedule", m)
		}
		moments = moments || m.extended()
	}
	var gammas []float64
	if gamma != nil && tr.Schedule != nil {
		var err error
		if gammas, err = gamma.Table(tr); err != nil {
			return nil, err
		}
	}
	n := len(x0) / d
	xt := make([]float32, len(x0))
	noise := make([]float64, len(x0))
	eps := make([]float32, len(x0))
	var second, resid []float32
	if moments {
		second, resid = make([]float32, len(x0)), make([]float32, len(x0))
	}
	out := make([]Bound, len(methods))
	perPoint := make([][]float64, len(methods)) // each point's bound, in nats
	for i := range out {
		out[i].Method = methods[i]
		perPoint[i] = make([]float64, n)
	}

	// Prior: KL(N(√ᾱ_T x0, (1−ᾱ_T) I) ‖ N(0, I)), the same for every method.
	first := tr.Steps[0]
	prior := 0.0
	for j, v := range x0 {
		x := float64(v)
		p := 0.5 * (first.OmT + first.AbarT*x*x - 1 - math.Log(first.OmT))
		prior += p
		for mi := range methods {
			perPoint[mi][j/d] += p
		}
	}

	K := len(tr.Steps)
	for i, st := range tr.Steps {
		sa, so := math.Sqrt(st.AbarT), math.Sqrt(st.OmT)
		for j, v := range x0 {
			noise[j] = rng.NormFloat64()
			xt[j] = float32(sa*float64(v) + so*noise[j])
		}
		var err error
		if moments {
			err = model.Moments(xt, st.T, st.AbarT, eps, second, resid)
		} else {
			err = model.Eps(xt, eps, st.T, st.AbarT)
		}
		if err != nil {
			return nil, fmt.Errorf("nll: step t=%d: %w", st.T, err)
		}
		c0, _ := st.PosteriorMean()
		post := st.Lambda2(1) // β̃, the variance of q(x_s | x_t, x0)
		for mi, m := range methods {
			var scalar float64 // the method's variance when it is one number
			switch m.Kind {
			case DDPM:
				scalar = post
				if st.Last() {
					scalar = st.OmT // K = 1: no step into τ_1 to borrow β̃ from
					if K > 1 {
						scalar = tr.Steps[i-1].Lambda2(1)
					}
				}
			case DDPMLarge:
				scalar = st.BetaTS()
			case Analytic:
				scalar = AnalyticVariance(st, 1, gammas[i], !m.NoClipCov)
			}
			sum := 0.0
			for j, v := range x0 {
				x := float64(v)
				xhat := (float64(xt[j]) - so*float64(eps[j])) / sa
				s2 := scalar
				switch m.Kind {
				case ExtendedSN:
					s2 = ExtendedVariance(st, 1, float64(eps[j]), float64(second[j]), false, !m.NoClipCov)
				case ExtendedNPR:
					s2 = ExtendedVariance(st, 1, float64(eps[j]), float64(resid[j]), true, !m.NoClipCov)
				}
				var term float64
				if st.Last() {
					s2 = math.Max(s2, minDecoderVar)
					term = 0.5 * ((x-xhat)*(x-xhat)/s2 + math.Log(2*math.Pi*s2))
				} else {
					diff := c0 * (x - xhat)
					term = 0.5 * (post/s2 - 1 + math.Log(s2/post) + diff*diff/s2)
				}
				sum += term
				perPoint[mi][j/d] += term
			}
			if st.Last() {
				out[mi].Decoder += sum
			} else {
				out[mi].Transitions += sum
			}
		}
	}
	for i := range out {
		b := &out[i]
		nd := float64(n * d)
		b.Prior = prior / nd
		b.Transitions /= nd
		b.Decoder /= nd
		b.NatsPerDim = b.Prior + b.Transitions + b.Decoder
		for j := range perPoint[i] {
			perPoint[i][j] /= float64(d)
		}
		b.PerPoint = perPoint[i]
		_, b.StdErr = MeanStdErr(b.PerPoint)
	}
	return out, nil
}

// MeanStdErr returns the mean of xs and its standard error.
func MeanStdErr(xs []float64) (mean, se float64) {
	for _, x := range xs {
		mean += x
	}
	mean /= float64(len(xs))
	if len(xs) < 2 {
		return mean, 0
	}
	v := 0.0
	for _, x := range xs {
		v += (x - mean) * (x - mean)
	}
	return mean, math.Sqrt(v / float64(len(xs)-1) / float64(len(xs)))
}
