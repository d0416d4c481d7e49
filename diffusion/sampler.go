// This file runs the reverse process: ancestral DDPM (β̃ or β variance),
// DDIM(η), Analytic-DPM (Analytic-DDPM, Analytic-DDIM) and
// Extended-Analytic-DPM (SN and NPR), batched, K steps, one model call and one
// step kernel per step. Every per-step coefficient is a float64 scalar
// computed on the host, so a new step or a new K never recompiles.
package diffusion

import (
	"fmt"
	"math"
	"math/rand/v2"
	"time"
)

// Kind selects a sampler's reverse variance.
type Kind uint8

const (
	// DDPM is ancestral sampling with the posterior variance β̃ ("small").
	DDPM Kind = iota + 1
	// DDPMLarge is ancestral sampling with σ² = β_{t|s} ("large").
	DDPMLarge
	// DDIM uses σ² = λ²(η); η = 0 is deterministic, η = 1 is DDPM.
	DDIM
	// Analytic uses Analytic-DPM's optimal scalar variance σ*²(Γ_t); η = 1 is
	// Analytic-DDPM, η = 0 Analytic-DDIM. Needs a GammaTable.
	Analytic
	// ExtendedSN uses the per-element variance from E[ε²|x_t] (SN-DPM).
	ExtendedSN
	// ExtendedNPR uses the per-element variance from E[(ε−ε̂)²|x_t] (NPR-DPM).
	ExtendedNPR
)

// Method is a sampler: its variance and, through η, its mean.
type Method struct {
	Kind Kind
	// Eta sets the mean for DDIM, Analytic and the Extended kinds: 1 is the
	// DDPM posterior mean, 0 the DDIM mean. DDPM and DDPMLarge ignore it.
	Eta float64
	// ClipX0 clips x̂0 to [−1, 1] in the mean.
	ClipX0 bool
	// NoClipCov keeps Cov_x0 unclipped (Analytic, Extended); by default it
	// is clipped to [0, 1], the bound for data in [−1, 1].
	NoClipCov bool
	// Cap, if positive, caps σ² of the last noisy step (the one into τ_1) for
	// Analytic; PixelCap is the reference sampler's value for 8-bit images.
	Cap float64
}

// String names the method the way the papers do.
func (m Method) String() string {
	mean := func(prefix string) string {
		switch m.Eta {
		case 1:
			return prefix + "-DDPM"
		case 0:
			return prefix + "-DDIM"
		}
		return fmt.Sprintf("%s-DPM(η=%g)", prefix, m.Eta)
	}
	switch m.Kind {
	case DDPM:
		return "DDPM β̃"
	case DDPMLarge:
		return "DDPM β"
	case DDIM:
		if m.Eta == 0 {
			return "DDIM"
		}
		return fmt.Sprintf("DDIM(η=%g)", m.Eta)
	case Analytic:
		return mean("Analytic")
	case ExtendedSN:
		return mean("SN")
	case ExtendedNPR:
		return mean("NPR")
	}
	return fmt.Sprintf("Kind(%d)", m.Kind)
}

// Validate checks the method's settings.
func (m Method) Validate() error {
	if m.Kind < DDPM || m.Kind > ExtendedNPR {
		return fmt.Errorf("unknown sampler kind %d", m.Kind)
	}
	if !(m.Eta >= 0 && m.Eta <= 1) {
		return fmt.Errorf("%s: eta = %v, want 0 <= eta <= 1", m, m.Eta)
	}
	if m.Cap < 0 || math.IsNaN(m.Cap) {
		return fmt.Errorf("%s: cap = %v, want >= 0", m, m.Cap)
	}
	if m.Cap > 0 && m.Kind != Analytic {
		return fmt.Errorf("%s: a variance cap applies to Analytic only", m)
	}
	return nil
}

// kernel is the step kernel a method runs.
func (m Method) kernel() string {
	switch m.Kind {
	case DDPM, DDPMLarge:
		return "ddpm_step"
	case DDIM:
		return "ddim_step"
	case Analytic:
		if m.Eta == 1 {
			return "ddpm_step_var"
		}
		return "ddim_step_var"
	}
	return "ddim_step_ext"
}

func (m Method) extended() bool { return m.Kind == ExtendedSN || m.Kind == ExtendedNPR }

// noisy reports whether the method adds noise on a step that is not the last.
func (m Method) noisy() bool { return !(m.Kind == DDIM && m.Eta == 0) }

// Stats accumulates where a sampler's time went.
type Stats struct {
	Total time.Duration // whole Sample calls
	Model time.Duration // model calls (kernels, when the model is compiled)
	Step  time.Duration // step kernel calls
	Gamma time.Duration // estimating the Γ_t an Analytic call lacked
	Steps int           // steps taken
}

// Outside is the time spent outside model, step and Γ_t calls: noise,
// scalars, argument maps, validation.
func (s Stats) Outside() time.Duration { return s.Total - s.Model - s.Step - s.Gamma }

// Sampler runs the reverse process with a model and the step kernels. It
// keeps its buffers between calls; use one Sampler per goroutine.
type Sampler struct {
	Steps Engine      // the step kernels; see OpenSteps
	Model Model       // ε̂ and, for the Extended kinds, the second-moment heads
	Gamma *GammaTable // Γ_t for Analytic
	Stats Stats

	eps, second, z []float32
}

// Sample runs method m along trajectory tr. x holds the starting points x_T
// (n×d, usually N(0, I) draws; see Noise) and receives the samples. The noise
// of every step comes from rng. Every argument is checked before any kernel
// runs; Analytic then estimates the Γ_t it lacks before the first step.
func (s *Sampler) Sample(m Method, tr *Trajectory, x []float32, rng *rand.Rand) error {
	start := time.Now()
	defer func() { s.Stats.Total += time.Since(start) }()
	if err := s.check(m, tr, x, rng); err != nil {
		return err
	}
	var gammas []float64
	if m.Kind == Analytic {
		t0 := time.Now()
		var err error
		gammas, err = s.Gamma.Table(tr)
		s.Stats.Gamma += time.Since(t0)
		if err != nil {
			return err
		}
	}
	n := len(x)
	s.eps = grow(s.eps, n)
	s.z = grow(s.z, n)
	clear(s.z)
	if m.extended() {
		s.second = grow(s.second, n)
	}
	flat := T(x, int64(n))
	fn := m.kernel()
	for i, st := range tr.Steps {
		t0 := time.Now()
		var err error
		switch m.Kind {
		case ExtendedSN:
			err = s.Model.Moments(x, st.T, st.AbarT, s.eps, s.second, nil)
		case ExtendedNPR:
			err = s.Model.Moments(x, st.T, st.AbarT, s.eps, nil, s.second)
		default:
			err = s.Model.Eps(x, s.eps, st.T, st.AbarT)
		}
		t1 := time.Now()
		s.Stats.Model += t1.Sub(t0)
		if err != nil {
			return fmt.Errorf("%s, step %d (t=%d): model: %w", m, i, st.T, err)
		}
		if m.noisy() && !st.Last() {
			for j := range s.z {
				s.z[j] = float32(rng.NormFloat64())
			}
		}
		sc := map[string]float64{"abar_t": st.AbarT, "abar_prev": st.AbarS, "clip_x0": b2f(m.ClipX0)}
		in := map[string]Tensor{"x_t": flat, "eps": T(s.eps, int64(n)), "z": T(s.z, int64(n))}
		switch m.Kind {
		case DDPMLarge:
			sc["large_var"] = 1
		case DDIM:
			sc["eta"] = m.Eta
		case Analytic:
			sigma2 := AnalyticVariance(st, m.Eta, gammas[i], !m.NoClipCov)
			if m.Cap > 0 && i == len(tr.Steps)-2 {
				sigma2 = math.Min(sigma2, m.Cap)
			}
			sc["sigma2"] = sigma2
			if m.Eta != 1 {
				sc["eta"] = m.Eta
			}
		case ExtendedSN, ExtendedNPR:
			sc["eta"], sc["npr"], sc["clip_cov"] = m.Eta, b2f(m.Kind == ExtendedNPR), b2f(!m.NoClipCov)
			in["second"] = T(s.second, int64(n))
		}
		t2 := time.Now()
		err = s.Steps.Run(fn, Args{Inputs: in, Outputs: map[string]Tensor{"x_prev": flat}, Scalars: sc})
		s.Stats.Step += time.Since(t2)
		if err != nil {
			return fmt.Errorf("%s, step %d (t=%d): %w", m, i, st.T, err)
		}
		s.Stats.Steps++
	}
	return nil
}

// check validates everything Sample needs before any kernel runs.
func (s *Sampler) check(m Method, tr *Trajectory, x []float32, rng *rand.Rand) error {
	if err := m.Validate(); err != nil {
		return err
	}
	if s.Model == nil || s.Steps == nil {
		return fmt.Errorf("%s: the sampler needs a model and the step kernels", m)
	}
	if tr == nil {
		return fmt.Errorf("%s: no trajectory", m)
	}
	if err := tr.Validate(); err != nil {
		return fmt.Errorf("%s: %w", m, err)
	}
	if err := checkBatch(s.Model.Dim(), x); err != nil {
		return fmt.Errorf("%s: x: %w", m, err)
	}
	if rng == nil && m.noisy() && len(tr.Steps) > 1 {
		return fmt.Errorf("%s: adds noise but has no random source", m)
	}
	if !s.Steps.Has(m.kernel()) {
		return fmt.Errorf("%s: the step engine has no %s", m, m.kernel())
	}
	if m.Kind == Analytic {
		if s.Gamma == nil {
			return fmt.Errorf("%s: needs a GammaTable for Gamma_t", m)
		}
		if tr.Schedule == nil {
			return fmt.Errorf("%s: needs a trajectory of a schedule (Gamma_t is keyed by it)", m)
		}
		if s.Gamma.model.Dim() != s.Model.Dim() {
			return fmt.Errorf("%s: the GammaTable's model has %d dimensions, the sampler's %d", m, s.Gamma.model.Dim(), s.Model.Dim())
		}
	}
	return nil
}

// Noise fills x with N(0, I) draws: the start x_T of the reverse process.
func Noise(x []float32, rng *rand.Rand) {
	for i := range x {
		x[i] = float32(rng.NormFloat64())
	}
}

func grow(b []float32, n int) []float32 {
	if cap(b) < n {
		return make([]float32, n)
	}
	return b[:n]
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
