// This file builds noise schedules and the trajectories a sampler walks, all in
// float64 on the host (MATH.md §3.0): β_n, ᾱ_n = Π_{i≤n}(1−β_i) and
// 1−ᾱ_n = −expm1(Σ_{i≤n} log1p(−β_i)), which keeps 1−ᾱ precise where ᾱ is
// close to 1.
package diffusion

import (
	"encoding/binary"
	"fmt"
	"hash/fnv"
	"math"
)

// Schedule is a discrete forward process with T steps. Index n runs from 0 to
// T; n = 0 is the data (ᾱ_0 = 1, β_0 = 0).
type Schedule struct {
	Name         string
	Beta         []float64 // β_n, len T+1
	Abar         []float64 // ᾱ_n, len T+1, strictly decreasing from ᾱ_0 = 1
	OneMinusAbar []float64 // 1−ᾱ_n, computed without cancellation
	key          string
}

// T is the number of diffusion steps.
func (s *Schedule) T() int { return len(s.Abar) - 1 }

// Key identifies the schedule by its name, length and values (a hash of the
// β bits), so that caches keyed by it never mix two schedules.
func (s *Schedule) Key() string { return s.key }

// Linear is the DDPM schedule: β linear from 1e-4·(1000/T) to 0.02·(1000/T)
// (Ho et al. 2006.11239; MATH.md §3.0).
func Linear(T int) (*Schedule, error) {
	if T < 1 {
		return nil, fmt.Errorf("linear schedule: T = %d, want at least 1", T)
	}
	scale := 1000 / float64(T)
	lo, hi := 1e-4*scale, 0.02*scale
	beta := make([]float64, T)
	for i := range beta {
		if T == 1 {
			beta[i] = lo
			continue
		}
		beta[i] = lo + (hi-lo)*float64(i)/float64(T-1)
	}
	return FromBetas(fmt.Sprintf("linear/%d", T), beta)
}

// Cosine is the schedule of Nichol & Dhariwal (2102.09672):
// β_n = min(1 − f(n/T)/f((n−1)/T), 0.999) with f(u) = cos²((u+0.008)/1.008·π/2).
func Cosine(T int) (*Schedule, error) {
	if T < 1 {
		return nil, fmt.Errorf("cosine schedule: T = %d, want at least 1", T)
	}
	f := func(u float64) float64 {
		c := math.Cos((u + 0.008) / 1.008 * math.Pi / 2)
		return c * c
	}
	beta := make([]float64, T)
	for n := 1; n <= T; n++ {
		beta[n-1] = math.Min(1-f(float64(n)/float64(T))/f(float64(n-1)/float64(T)), 0.999)
	}
	return FromBetas(fmt.Sprintf("cosine/%d", T), beta)
}

// FromBetas builds a schedule from β_1..β_T, each in (0, 1).
func FromBetas(name string, beta []float64) (*Schedule, error) {
	if len(beta) == 0 {
		return nil, fmt.Errorf("schedule %s: no steps", name)
	}
	T := len(beta)
	s := &Schedule{Name: name, Beta: make([]float64, T+1), Abar: make([]float64, T+1), OneMinusAbar: make([]float64, T+1)}
	s.Abar[0] = 1
	logAbar := 0.0
	for n, b := range beta {
		if !(b > 0 && b < 1) {
			return nil, fmt.Errorf("schedule %s: beta[%d] = %v, want 0 < beta < 1", name, n+1, b)
		}
		logAbar += math.Log1p(-b)
		s.Beta[n+1] = b
		s.Abar[n+1] = math.Exp(logAbar)
		s.OneMinusAbar[n+1] = -math.Expm1(logAbar)
	}
	s.key = scheduleKey(name, beta)
	return s, s.check()
}

// FromAbar builds a schedule from ᾱ_1..ᾱ_T, which must decrease strictly
// and lie in (0, 1). 1−ᾱ is computed as 1−ᾱ here: pass β with FromBetas
// when ᾱ is within a few ulps of 1.
func FromAbar(name string, abar []float64) (*Schedule, error) {
	if len(abar) == 0 {
		return nil, fmt.Errorf("schedule %s: no steps", name)
	}
	T := len(abar)
	s := &Schedule{Name: name, Beta: make([]float64, T+1), Abar: make([]float64, T+1), OneMinusAbar: make([]float64, T+1)}
	s.Abar[0] = 1
	for n, a := range abar {
		s.Abar[n+1] = a
		s.OneMinusAbar[n+1] = 1 - a
		s.Beta[n+1] = 1 - a/s.Abar[n]
	}
	if err := s.check(); err != nil {
		return nil, err
	}
	s.key = scheduleKey(name, s.Beta[1:])
	return s, nil
}

// check verifies 0 < ᾱ_n < ᾱ_{n−1} ≤ 1 for every step.
func (s *Schedule) check() error {
	for n := 1; n < len(s.Abar); n++ {
		a, prev := s.Abar[n], s.Abar[n-1]
		switch {
		case math.IsNaN(a) || a <= 0 || a >= 1:
			return fmt.Errorf("schedule %s: abar[%d] = %v, want 0 < abar < 1", s.Name, n, a)
		case a >= prev:
			return fmt.Errorf("schedule %s: abar must decrease strictly, but abar[%d] = %v >= abar[%d] = %v", s.Name, n, a, n-1, prev)
		}
	}
	return nil
}

func scheduleKey(name string, beta []float64) string {
	h := fnv.New64a()
	var b [8]byte
	for _, x := range beta {
		binary.LittleEndian.PutUint64(b[:], math.Float64bits(x))
		h.Write(b[:])
	}
	return fmt.Sprintf("%s/T=%d/%016x", name, len(beta), h.Sum64())
}

// Step is one reverse step from timestep T to the earlier timestep S < T
// (steps may be skipped; S = 0 on the last step, where ᾱ_S = 1).
type Step struct {
	T, S         int
	AbarT, AbarS float64
	OmT, OmS     float64 // 1−ᾱ_T and 1−ᾱ_S, precise
}

// BetaTS is β_{t|s} = 1 − ᾱ_t/ᾱ_s, written as ((1−ᾱ_t) − (1−ᾱ_s))/ᾱ_s.
func (st Step) BetaTS() float64 { return (st.OmT - st.OmS) / st.AbarS }

// Last reports whether this step ends at the data (ᾱ_S = 1).
func (st Step) Last() bool { return st.AbarS == 1 }

// check verifies 0 < ᾱ_t < ᾱ_s ≤ 1 and that 1−ᾱ agrees with ᾱ.
func (st Step) check() error {
	switch {
	case math.IsNaN(st.AbarT) || st.AbarT <= 0 || st.AbarT >= 1:
		return fmt.Errorf("step t=%d -> s=%d: abar_t = %v, want 0 < abar_t < 1", st.T, st.S, st.AbarT)
	case math.IsNaN(st.AbarS) || st.AbarS > 1:
		return fmt.Errorf("step t=%d -> s=%d: abar_prev = %v, want abar_prev <= 1", st.T, st.S, st.AbarS)
	case st.AbarS <= st.AbarT:
		return fmt.Errorf("step t=%d -> s=%d: abar_prev = %v must exceed abar_t = %v", st.T, st.S, st.AbarS, st.AbarT)
	case !(st.OmT > st.OmS) || math.Abs(st.OmT-(1-st.AbarT)) > 1e-9 || math.Abs(st.OmS-(1-st.AbarS)) > 1e-9:
		return fmt.Errorf("step t=%d -> s=%d: 1-abar values (%v, %v) do not match abar (%v, %v)", st.T, st.S, st.OmT, st.OmS, st.AbarT, st.AbarS)
	}
	return nil
}

// Trajectory is the sequence of reverse steps a sampler takes, from the
// largest timestep down to 0.
type Trajectory struct {
	Schedule *Schedule // nil for a trajectory built from raw steps
	Steps    []Step
}

// K is the number of steps.
func (tr *Trajectory) K() int { return len(tr.Steps) }

// Respace returns the K-step trajectory through the uniformly spaced
// timesteps τ_i = round(1 + (i−1)·(T−1)/(K−1)), i = K..1 (linspace(1, T, K)),
// followed by the last step τ_1 = 1 → 0 (ᾱ = 1); K = 1 is the single step
// T → 0 and K = T the full chain. Sampling starts at τ_K = T, where x_T is
// nearly N(0, I), and the last step, which returns x̂0 without noise, only
// removes the noise of x_1 (β_1): a trajectory whose last state were x_{T/K}
// would end with the posterior mean E[x0|x_{T/K}], visibly too concentrated
// for data with fine structure at small K.
func (s *Schedule) Respace(K int) (*Trajectory, error) {
	T := s.T()
	if K < 1 || K > T {
		return nil, fmt.Errorf("schedule %s: K = %d steps, want 1 <= K <= T = %d", s.Name, K, T)
	}
	if K == 1 {
		return s.Trajectory([]int{T})
	}
	ts := make([]int, K)
	for i := range ts {
		ts[i] = int(math.Round(1 + float64(i)*float64(T-1)/float64(K-1)))
	}
	return s.Trajectory(ts)
}

// Trajectory returns the trajectory through the timesteps ts, given in
// increasing order (τ_1 < … < τ_K ≤ T, τ_1 ≥ 1); it runs from τ_K down to 0.
func (s *Schedule) Trajectory(ts []int) (*Trajectory, error) {
	if len(ts) == 0 {
		return nil, fmt.Errorf("schedule %s: empty trajectory", s.Name)
	}
	for i, t := range ts {
		if t < 1 || t > s.T() {
			return nil, fmt.Errorf("schedule %s: timestep %d at position %d is outside [1, T = %d]", s.Name, t, i, s.T())
		}
		if i > 0 && t <= ts[i-1] {
			return nil, fmt.Errorf("schedule %s: timesteps must increase, but %d follows %d", s.Name, t, ts[i-1])
		}
	}
	tr := &Trajectory{Schedule: s, Steps: make([]Step, len(ts))}
	for i := range ts {
		t := ts[len(ts)-1-i]
		prev := 0
		if j := len(ts) - 2 - i; j >= 0 {
			prev = ts[j]
		}
		tr.Steps[i] = Step{T: t, S: prev, AbarT: s.Abar[t], AbarS: s.Abar[prev], OmT: s.OneMinusAbar[t], OmS: s.OneMinusAbar[prev]}
	}
	return tr, tr.Validate()
}

// Validate checks every step (0 < ᾱ_t < ᾱ_s ≤ 1), that consecutive steps
// join, and that the last step ends at ᾱ = 1.
func (tr *Trajectory) Validate() error {
	if tr == nil || len(tr.Steps) == 0 {
		return fmt.Errorf("empty trajectory")
	}
	for i, st := range tr.Steps {
		if err := st.check(); err != nil {
			return fmt.Errorf("trajectory step %d: %w", i, err)
		}
		if i > 0 && (tr.Steps[i-1].S != st.T || tr.Steps[i-1].AbarS != st.AbarT) {
			return fmt.Errorf("trajectory step %d starts at t=%d (abar %v) but step %d ended at s=%d (abar %v)",
				i, st.T, st.AbarT, i-1, tr.Steps[i-1].S, tr.Steps[i-1].AbarS)
		}
	}
	if last := tr.Steps[len(tr.Steps)-1]; !last.Last() {
		return fmt.Errorf("trajectory ends at abar_prev = %v, want 1 (the data)", last.AbarS)
	}
	return nil
}
