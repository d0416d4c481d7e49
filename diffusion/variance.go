// This file computes the per-step coefficients of MATH.md §3.1–3.4 on the host
// in float64: the DDIM variance λ²(η), the DDPM posterior, and the optimal
// reverse variances of Analytic-DPM (scalar, from Γ_t) and of
// Extended-Analytic-DPM (per element, from a second-moment head). The kernels
// compute the same formulas from ᾱ; these are their reference and what the
// samplers pass as scalars.
package diffusion

import "math"

// PixelCap is the cap the Analytic-DPM reference sampler puts on σ² of the
// last noisy step for 8-bit images in [−1, 1]: (2·clip_pixel/255·√(π/2))²
// with clip_pixel = 2 (MATH.md §3.3).
var PixelCap = sq(2 * 2 / 255.0 * math.Sqrt(math.Pi/2))

func sq(x float64) float64 { return x * x }

// Lambda2 is the DDIM variance λ² = η²·(1−ᾱ_s)/(1−ᾱ_t)·β_{t|s} (MATH.md §3.2);
// η = 1 gives the DDPM posterior variance β̃, η = 0 gives 0.
func (st Step) Lambda2(eta float64) float64 {
	return eta * eta * st.OmS / st.OmT * st.BetaTS()
}

// PosteriorMean returns c0 and ct of the DDPM posterior mean c0·x0 + ct·x_t
// (MATH.md §3.1).
func (st Step) PosteriorMean() (c0, ct float64) {
	c0 = math.Sqrt(st.AbarS) * st.BetaTS() / st.OmT
	ct = math.Sqrt(st.AbarT/st.AbarS) * st.OmS / st.OmT
	return c0, ct
}

// covCoeff is the factor of Cov_x0 in σ*²:
// (√ᾱ_s − √((1−ᾱ_s−λ²)·ᾱ_t/(1−ᾱ_t)))².
func (st Step) covCoeff(lam2 float64) float64 {
	return sq(math.Sqrt(st.AbarS) - math.Sqrt(math.Max(st.OmS-lam2, 0)*st.AbarT/st.OmT))
}

// AnalyticVariance is Analytic-DPM's optimal scalar reverse variance
// (Bao et al. 2201.06503, Thm 1; MATH.md §3.3):
//
//	Cov_x0 = (1−ᾱ_t)/ᾱ_t·(1−Γ_t), clipped to [0, 1] when clip is set,
//	σ*²    = λ²(η) + (√ᾱ_s − √((1−ᾱ_s−λ²)·ᾱ_t/(1−ᾱ_t)))²·Cov_x0,
//
// with Γ_t = E‖ε_θ(x_t)‖²/d. On the last step (ᾱ_s = 1) it is Cov_x0, the
// variance of a Gaussian decoder; the samplers add no noise there.
func AnalyticVariance(st Step, eta, gamma float64, clip bool) float64 {
	lam2 := st.Lambda2(eta)
	cov := st.OmT / st.AbarT * (1 - gamma)
	if clip {
		cov = math.Min(math.Max(cov, 0), 1)
	}
	return lam2 + st.covCoeff(lam2)*cov
}

// ExtendedVariance is Extended-Analytic-DPM's per-element variance (Bao et al.
// 2206.07309; MATH.md §3.4) for one element: with SN, second is the head
// h ≈ E[ε²|x_t] and Cov_x0 = (1−ᾱ_t)/ᾱ_t·(h − ε̂²); with NPR (npr set), second
// is g ≈ E[(ε−ε̂)²|x_t] and Cov_x0 = (1−ᾱ_t)/ᾱ_t·g. Then as AnalyticVariance.
func ExtendedVariance(st Step, eta float64, eps, second float64, npr, clip bool) float64 {
	lam2 := st.Lambda2(eta)
	m := second
	if !npr {
		m = second - eps*eps
	}
	cov := st.OmT / st.AbarT * m
	if clip {
		cov = math.Min(math.Max(cov, 0), 1)
	}
	return lam2 + st.covCoeff(lam2)*cov
}
