package tests

import (
	"context"
	"encoding/json"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"dlc.dev/dlc/diffusion"
	"dlc.dev/dlc/runtime"
)

// diffusionRing is the 2-D mixture of examples/diffusion: 8 Gaussians on a
// circle of radius 0.7, std 0.08.
func diffusionRing(t testing.TB) *diffusion.GMM {
	w, mu, s := make([]float64, 8), make([][]float64, 8), make([]float64, 8)
	for i := range 8 {
		a := 2 * math.Pi * float64(i) / 8
		w[i], mu[i], s[i] = 1.0/8, []float64{0.7 * math.Cos(a), 0.7 * math.Sin(a)}, 0.08
	}
	g, err := diffusion.NewGMM(w, mu, s)
	require.NoError(t, err)
	return g
}

// diffusionModel returns gmm.dl compiled, or the float64 host truth with the
// reason when gmm.dl does not compile yet (its reductions need the row and
// axis kernels of the code generator).
func diffusionModel(t testing.TB, g *diffusion.GMM) (diffusion.Model, string) {
	e, err := diffusion.OpenGMM(context.Background(), diffusion.CompiledOnly)
	if err != nil {
		return g, "host truth; gmm.dl does not compile yet: " + err.Error()
	}
	p, err := diffusion.NewGMMProgram(e, g)
	require.NoError(t, err)
	return p, "compiled gmm.dl"
}

// TestDiffusionStepKernelsCompile: every step kernel of ddim.dl and
// variance.dl builds into exactly one kernel.
func TestDiffusionStepKernelsCompile(t *testing.T) {
	a := load(t, "stdlib/diffusion/variance.dl")
	for _, f := range a.Manifest().Functions {
		require.Len(t, f.Kernels, 1, "%s must be one fused kernel", f.Name)
	}
	for _, fn := range []string{"ddim_step_var", "ddpm_step_var", "extended_adpm_variance", "ddim_step_ext"} {
		_, err := a.Func(fn)
		require.NoError(t, err)
	}
}

// TestDiffusionVarianceVectors runs the compiled _var kernels on the ddim_step
// and ddpm_step vectors with sigma2 set to the vectors' variance, and
// extended_adpm_variance on the Extended-Analytic-DPM cases.
func TestDiffusionVarianceVectors(t *testing.T) {
	a := loadDev(t, "stdlib/diffusion/variance.dl")
	for _, name := range []string{"ddim_step", "ddpm_step"} {
		fn, err := a.Func(name + "_var")
		require.NoError(t, err)
		for _, c := range readVectors(t, name).Cases {
			hp, _ := c.hparams(t)
			var v float64
			require.NoError(t, json.Unmarshal(c.Expected["var"], &v))
			sc := map[string]float64{"abar_t": hp["abar_t"], "abar_prev": hp["abar_prev"], "clip_x0": hp["clip_x0"], "sigma2": v}
			if name == "ddim_step" {
				sc["eta"] = hp["eta"]
			}
			n := int64(len(c.Inputs["x_t"].Data))
			out := make([]float32, n)
			in := map[string]runtime.Tensor{}
			for _, k := range []string{"x_t", "eps", "z"} {
				in[k] = runtime.F32(c.Inputs[k].F32(), n)
			}
			require.NoError(t, runDev(t, fn, runtime.Args{Inputs: in, Scalars: sc, Outputs: map[string]runtime.Tensor{"x_prev": runtime.F32(out, n)}}))
			closeTo(t, name+"_var/"+c.Name, out, c.expected(t, "x_prev").F64(), c.Tolerance.RTol, c.Tolerance.ATol)
		}
	}
	fn, err := a.Func("extended_adpm_variance")
	require.NoError(t, err)
	// analytic_dpm.json has a case whose inputs are a table of rows, not
	// arrays, so it is read here rather than with readVectors.
	b, err := os.ReadFile(filepath.Join("testdata", "vectors", "analytic_dpm.json"))
	require.NoError(t, err)
	var file struct {
		Cases []struct {
			Name      string
			HParams   map[string]any
			Inputs    map[string]json.RawMessage
			Expected  map[string]json.RawMessage
			Tolerance struct{ RTol, ATol float64 }
		}
	}
	require.NoError(t, json.Unmarshal(b, &file))
	arr := func(raw json.RawMessage) jsonArray {
		var a jsonArray
		require.NoError(t, json.Unmarshal(raw, &a))
		return a
	}
	cases := 0
	for _, c := range file.Cases {
		if c.Name == "table" {
			continue // scalar rows: diffusion.AnalyticVariance is checked on them
		}
		cases++
		sc := map[string]float64{"npr": 0}
		for _, k := range []string{"abar_t", "abar_prev", "eta"} {
			sc[k] = c.HParams[k].(float64)
		}
		if c.HParams["clip_cov"].(bool) {
			sc["clip_cov"] = 1
		} else {
			sc["clip_cov"] = 0
		}
		if c.HParams["mode"] == "npr" {
			sc["npr"] = 1
		}
		eps, second := arr(c.Inputs["eps_pred"]), arr(c.Inputs["second_moment_pred"])
		n := int64(len(eps.Data))
		out := make([]float32, n)
		in := map[string]runtime.Tensor{"eps_pred": runtime.F32(eps.F32(), n), "second": runtime.F32(second.F32(), n)}
		require.NoError(t, runDev(t, fn, runtime.Args{Inputs: in, Scalars: sc, Outputs: map[string]runtime.Tensor{"sigma2": runtime.F32(out, n)}}))
		closeTo(t, c.Name, out, arr(c.Expected["sigma2"]).F64(), c.Tolerance.RTol, c.Tolerance.ATol)
	}
	require.Equal(t, 4, cases)
}

// TestDiffusionGMMCompiled compares compiled gmm.dl with the float64 truth;
// it is skipped, with the code generator's reason, while gmm.dl does not
// compile.
func TestDiffusionGMMCompiled(t *testing.T) {
	needTools(t)
	e, err := diffusion.OpenGMM(context.Background(), diffusion.CompiledOnly)
	if err != nil {
		t.Skipf("gmm.dl does not compile yet (reductions over the mixture): %v", err)
	}
	g := diffusionRing(t)
	p, err := diffusion.NewGMMProgram(e, g)
	require.NoError(t, err)
	rng := rand.New(rand.NewPCG(1, 2))
	const n = 1037
	x := make([]float32, 2*n)
	diffusion.Noise(x, rng)
	for _, abar := range []float64{4e-5, 0.08, 0.5, 0.998, 0.9999, 1} {
		eps, second, resid := make([]float32, 2*n), make([]float32, 2*n), make([]float32, 2*n)
		require.NoError(t, p.Moments(x, 0, abar, eps, second, resid))
		we, ws, wr := make([]float32, 2*n), make([]float32, 2*n), make([]float32, 2*n)
		require.NoError(t, g.Moments(x, 0, abar, we, ws, wr))
		// f32 exp/log and sums over 8 components: 1e-4 relative
		closeTo(t, "eps", eps, f64s(we), 1e-4, 1e-5)
		closeTo(t, "second", second, f64s(ws), 1e-4, 1e-5)
		closeTo(t, "resid", resid, f64s(wr), 1e-4, 1e-5)
		noise := make([]float32, 2*n)
		diffusion.Noise(noise, rng)
		got, err := p.SumSqEps(x, noise, 0, abar)
		require.NoError(t, err)
		want, _ := g.SumSqEps(x, noise, 0, abar)
		require.InDelta(t, want, got, 1e-4*want+1e-6, "sumsq at abar %v", abar) // 0 at abar = 1
	}
}

// TestDiffusionSamplingEndToEnd samples the ring with the compiled step
// kernels (and compiled gmm.dl when it compiles): DDIM, Analytic-DDIM and
// SN-DDIM at K = 50. Measured on 4000 points: spreads 0.96, 1.22, 1.14 and
// sliced W2 1.9–2.1 (x100) against 0.9 between two true sample sets; the
// bounds below leave room for sampling error at 2000 points.
func TestDiffusionSamplingEndToEnd(t *testing.T) {
	needTools(t)
	g := diffusionRing(t)
	model, how := diffusionModel(t, g)
	t.Log("model:", how)
	steps, err := diffusion.OpenSteps(context.Background(), diffusion.CompiledOnly)
	require.NoError(t, err)
	s, _ := diffusion.Linear(1000)
	tr, err := s.Respace(50)
	require.NoError(t, err)
	train, _ := g.Sample(4096, rand.New(rand.NewPCG(3, 3)))
	gamma, err := diffusion.NewGammaTable(model, train, 3)
	require.NoError(t, err)
	ref, _ := g.Sample(2000, rand.New(rand.NewPCG(4, 4)))
	sm := &diffusion.Sampler{Steps: steps, Model: model, Gamma: gamma}
	for _, m := range []diffusion.Method{{Kind: diffusion.DDIM}, {Kind: diffusion.Analytic}, {Kind: diffusion.ExtendedSN}} {
		x := make([]float32, 2*2000)
		rng := rand.New(rand.NewPCG(5, 5))
		diffusion.Noise(x, rng)
		require.NoError(t, sm.Sample(m, tr, x, rng))
		sw, err := diffusion.SlicedW2(x, ref, 2, 64, rand.New(rand.NewPCG(6, 6)))
		require.NoError(t, err)
		spread := g.Spread(x)
		t.Logf("%s: sliced W2 %.4f, spread %.3f", m, sw, spread)
		require.Less(t, sw, 0.04, m.String())
		require.InDelta(t, 1.1, spread, 0.25, m.String())
	}
}

// BenchmarkDiffusionDDIM50 is a full 50-step DDIM sampling of 65,536 2-D
// points of the ring, model included: with compiled gmm.dl (skipped, with the
// reason, while it does not compile) and with the float64 host truth on every
// CPU. It reports, per sampling, the time in model calls, in step-kernel calls
// and outside both (noise, scalars, argument maps, checks).
func BenchmarkDiffusionDDIM50(b *testing.B) {
	needTools(b)
	g := diffusionRing(b)
	steps, err := diffusion.OpenSteps(context.Background(), diffusion.CompiledOnly)
	require.NoError(b, err)
	s, _ := diffusion.Linear(1000)
	tr, err := s.Respace(50)
	require.NoError(b, err)
	b.Run("model=compiled", func(b *testing.B) {
		model, how := diffusionModel(b, g)
		if model == diffusion.Model(g) {
			b.Skip(how)
		}
		benchDDIM50(b, steps, model, tr)
	})
	b.Run("model=host", func(b *testing.B) { benchDDIM50(b, steps, g, tr) })
}

func benchDDIM50(b *testing.B, steps diffusion.Engine, model diffusion.Model, tr *diffusion.Trajectory) {
	const n = 65536
	x := make([]float32, 2*n)
	sm := &diffusion.Sampler{Steps: steps, Model: model}
	rng := rand.New(rand.NewPCG(7, 7))
	for b.Loop() {
		b.StopTimer()
		diffusion.Noise(x, rng)
		b.StartTimer()
		if err := sm.Sample(diffusion.Method{Kind: diffusion.DDIM}, tr, x, rng); err != nil {
			b.Fatal(err)
		}
	}
	st := sm.Stats
	runs := float64(st.Steps) / 50
	b.ReportMetric(st.Model.Seconds()*1e3/runs, "model-ms/op")
	b.ReportMetric(st.Step.Seconds()*1e3/runs, "steps-ms/op")
	b.ReportMetric(st.Outside().Seconds()*1e3/runs, "outside-ms/op")
	b.ReportMetric(100*st.Outside().Seconds()/st.Total.Seconds(), "outside-%")
	b.Logf("per sampling: total %v, model %v, step kernels %v, outside both %v (%.1f%%)",
		time.Duration(float64(st.Total)/runs), time.Duration(float64(st.Model)/runs),
		time.Duration(float64(st.Step)/runs), time.Duration(float64(st.Outside())/runs), 100*st.Outside().Seconds()/st.Total.Seconds())
}

func f64s(x []float32) []float64 {
	out := make([]float64, len(x))
	for i, v := range x {
		out[i] = float64(v)
	}
	return out
}
