package diffusion

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
)

// runStep runs one step kernel on flat vectors and returns x_prev.
func runStep(t *testing.T, e Engine, fn string, in map[string][]float32, sc map[string]float64) []float32 {
	t.Helper()
	n := int64(len(in["x_t"]))
	if n == 0 {
		n = int64(len(in["eps_pred"]))
	}
	args := Args{Inputs: map[string]Tensor{}, Scalars: sc}
	for name, v := range in {
		args.Inputs[name] = T(v, n)
	}
	out := make([]float32, n)
	res := "x_prev"
	if fn == "extended_adpm_variance" {
		res = "sigma2"
	}
	args.Outputs = map[string]Tensor{res: T(out, n)}
	require.NoError(t, e.Run(fn, args))
	return out
}

// TestStepVectors runs ddpm_step and ddim_step on the oracle's vectors, and
// ddpm_step_var / ddim_step_var with the vectors' variance as sigma2, which
// must give the same x_prev; with z = 0 every kernel returns the mean.
func TestStepVectors(t *testing.T) {
	for _, ec := range stepEngines(t) {
		t.Run(ec.name, func(t *testing.T) {
			for _, fn := range []string{"ddpm_step", "ddim_step"} {
				for _, c := range readVectors(t, fn) {
					sc := map[string]float64{"abar_t": c.num("abar_t"), "abar_prev": c.num("abar_prev"), "clip_x0": c.num("clip_x0")}
					if fn == "ddim_step" {
						sc["eta"] = c.num("eta")
					} else {
						sc["large_var"] = b2f(c.HParams["var_type"] == "large")
					}
					in := map[string][]float32{"x_t": c.in(t, "x_t").F32(), "eps": c.in(t, "eps").F32(), "z": c.in(t, "z").F32()}
					want := c.want(t, "x_prev").F64()
					rtol, atol := c.Tolerance.RTol, c.Tolerance.ATol
					closeTo(t, c.Name+" "+fn, runStep(t, ec.e, fn, in, sc), want, rtol, atol)

					var varSc map[string]float64
					if fn == "ddim_step" {
						varSc = map[string]float64{"abar_t": sc["abar_t"], "abar_prev": sc["abar_prev"], "eta": sc["eta"], "clip_x0": sc["clip_x0"]}
					} else {
						varSc = map[string]float64{"abar_t": sc["abar_t"], "abar_prev": sc["abar_prev"], "clip_x0": sc["clip_x0"]}
					}
					var v float64
					require.NoError(t, jsonNumber(c.Expected["var"], &v))
					varSc["sigma2"] = v
					closeTo(t, c.Name+" "+fn+"_var", runStep(t, ec.e, fn+"_var", in, varSc), want, rtol, atol)

					in["z"] = make([]float32, len(in["z"]))
					mean := c.want(t, "mean").F64()
					closeTo(t, c.Name+" "+fn+" mean", runStep(t, ec.e, fn, in, sc), mean, rtol, atol)
					closeTo(t, c.Name+" "+fn+"_var mean", runStep(t, ec.e, fn+"_var", in, varSc), mean, rtol, atol)
				}
			}
		})
	}
}

// TestExtendedKernelVectors runs extended_adpm_variance on the oracle's
// extended_* cases, and checks that the fused ddim_step_ext adds exactly
// √σ² z to the ddim_step mean.
func TestExtendedKernelVectors(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	for _, ec := range stepEngines(t) {
		t.Run(ec.name, func(t *testing.T) {
			for _, c := range readVectors(t, "analytic_dpm") {
				if c.Name == "table" {
					continue
				}
				npr := b2f(c.HParams["mode"] == "npr")
				sc := map[string]float64{"abar_t": c.num("abar_t"), "abar_prev": c.num("abar_prev"), "eta": c.num("eta"), "npr": npr, "clip_cov": c.num("clip_cov")}
				eps, second := c.in(t, "eps_pred").F32(), c.in(t, "second_moment_pred").F32()
				want := c.want(t, "sigma2").F64()
				got := runStep(t, ec.e, "extended_adpm_variance", map[string][]float32{"eps_pred": eps, "second": second}, sc)
				closeTo(t, c.Name, got, want, c.Tolerance.RTol, c.Tolerance.ATol)

				xt, z := make([]float32, len(eps)), make([]float32, len(eps))
				Noise(xt, rng)
				Noise(z, rng)
				ddimSc := map[string]float64{"abar_t": sc["abar_t"], "abar_prev": sc["abar_prev"], "eta": sc["eta"]}
				mean := runStep(t, ec.e, "ddim_step", map[string][]float32{"x_t": xt, "eps": eps, "z": make([]float32, len(eps))}, ddimSc)
				fused := runStep(t, ec.e, "ddim_step_ext", map[string][]float32{"x_t": xt, "eps": eps, "second": second, "z": z}, sc)
				expect := make([]float64, len(eps))
				for i := range expect {
					expect[i] = float64(mean[i]) + math.Sqrt(want[i])*float64(z[i])
				}
				closeTo(t, c.Name+" fused", fused, expect, 1e-5, 1e-5)
			}
		})
	}
}

// TestDDIMEtaOneIsDDPM: DDIM with η = 1 is the DDPM posterior step with β̃,
// skips included (MATH.md §3.2), in the kernels and in the host formulas;
// and the _var kernels with the built-in variances are the original kernels.
func TestDDIMEtaOneIsDDPM(t *testing.T) {
	s, _ := Linear(1000)
	rng := rand.New(rand.NewPCG(13, 14))
	const n = 257
	xt, eps, z := make([]float32, n), make([]float32, n), make([]float32, n)
	Noise(xt, rng)
	Noise(eps, rng)
	Noise(z, rng)
	in := map[string][]float32{"x_t": xt, "eps": eps, "z": z}
	pairs := [][2]int{{1000, 999}, {1000, 900}, {500, 480}, {500, 1}, {100, 99}, {20, 0}, {1, 0}}
	for _, ec := range stepEngines(t) {
		t.Run(ec.name, func(t *testing.T) {
			for _, p := range pairs {
				tr, err := s.Trajectory(trajectoryThrough(p[1], p[0]))
				require.NoError(t, err)
				st := tr.Steps[0]
				sc := map[string]float64{"abar_t": st.AbarT, "abar_prev": st.AbarS}
				ddpm := runStep(t, ec.e, "ddpm_step", in, sc)
				ddim := runStep(t, ec.e, "ddim_step", in, with(sc, "eta", 1))
				closeTo(t, "ddim(eta=1) vs ddpm", ddim, f64s(ddpm), 2e-5, 2e-5)

				// the host formulas agree to float64 precision
				c0, ct := st.PosteriorMean()
				lam2 := st.Lambda2(1)
				a := math.Sqrt(st.AbarS / st.AbarT)
				b := math.Sqrt(math.Max(st.OmS-lam2, 0)) - math.Sqrt(st.AbarS*st.OmT/st.AbarT)
				// DDPM: c0·(x − √(1−ᾱ_t)ε)/√ᾱ_t + ct·x; DDIM: a·x + b·ε
				require.InDelta(t, c0/math.Sqrt(st.AbarT)+ct, a, 1e-11*a, "x coefficient %v", p)
				require.InDelta(t, -c0*math.Sqrt(st.OmT/st.AbarT), b, 1e-11*(1+math.Abs(b)), "eps coefficient %v", p)

				for _, eta := range []float64{0, 0.3, 1} {
					got := runStep(t, ec.e, "ddim_step_var", in, with(with(sc, "eta", eta), "sigma2", st.Lambda2(eta)))
					want := runStep(t, ec.e, "ddim_step", in, with(sc, "eta", eta))
					closeTo(t, "ddim_step_var(lambda2)", got, f64s(want), 1e-5, 1e-5)
				}
				got := runStep(t, ec.e, "ddpm_step_var", in, with(sc, "sigma2", st.BetaTS()))
				want := runStep(t, ec.e, "ddpm_step", in, with(sc, "large_var", 1))
				closeTo(t, "ddpm_step_var(beta)", got, f64s(want), 1e-5, 1e-5)
			}
		})
	}
}

// trajectoryThrough returns the increasing timesteps {s, t} without 0.
func trajectoryThrough(s, t int) []int {
	if s == 0 {
		return []int{t}
	}
	return []int{s, t}
}

func with(m map[string]float64, k string, v float64) map[string]float64 {
	out := map[string]float64{k: v}
	for kk, vv := range m {
		if kk != k {
			out[kk] = vv
		}
	}
	return out
}

func f64s(x []float32) []float64 {
	out := make([]float64, len(x))
	for i, v := range x {
		out[i] = float64(v)
	}
	return out
}
