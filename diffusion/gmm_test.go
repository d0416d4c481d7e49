package diffusion

import (
	"context"
	"math"
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"dlc.dev/dlc/codegen/llvmtool"
)

// testGMM is a 3-D mixture of 3 components whose means and variances are
// exact in f32, so that the .dl model (f32 parameters) and the float64 truth
// describe the same distribution.
func testGMM(t testing.TB) *GMM {
	g, err := NewGMM([]float64{0.5, 0.3, 0.2},
		[][]float64{{0.5, -0.25, 0.125}, {-0.75, 0.5, 0}, {0.25, 0.75, -0.5}},
		[]float64{0.25, 0.5, 0.125})
	require.NoError(t, err)
	return g
}

var testAbars = []float64{4.035829765375676e-05, 0.07858724288177824, 0.5, 0.9981052047858344, 0.9999, 1}

// TestGMMEpsIsScaledScore: ε(x) = −√(1−ᾱ)·∇ log p_t(x), checked with central
// differences of the log-density (step 1e-5: truncation ~1e-10, roundoff
// ~1e-11 on log p ~ 10).
func TestGMMEpsIsScaledScore(t *testing.T) {
	g := testGMM(t)
	rng := rand.New(rand.NewPCG(1, 2))
	m := Moments{Eps: make([]float64, 3), Second: make([]float64, 3), Resid: make([]float64, 3)}
	for _, abar := range testAbars[:5] {
		for range 20 {
			x := []float64{rng.NormFloat64(), rng.NormFloat64(), rng.NormFloat64()}
			g.Posterior(x, abar, &m, nil)
			require.InDelta(t, g.LogDensity(x, abar), m.LogP, 1e-12)
			const h = 1e-5
			for j := range x {
				xp, xm := append([]float64(nil), x...), append([]float64(nil), x...)
				xp[j] += h
				xm[j] -= h
				grad := (g.LogDensity(xp, abar) - g.LogDensity(xm, abar)) / (2 * h)
				want := -math.Sqrt(1-abar) * grad
				require.InDelta(t, want, m.Eps[j], 1e-6*(1+math.Abs(want)), "abar=%v x=%v dim %d", abar, x, j)
			}
		}
	}
}

// TestGMMSecondMomentIsHessian: Cov(ε|x_t) = I + (1−ᾱ)∇² log p_t (second-order
// Tweedie), so E[ε_j²|x] − ε̂_j² = 1 + (1−ᾱ)·∂²_jj log p_t; and the NPR head
// equals the SN head minus ε̂² for the exact mean.
func TestGMMSecondMomentIsHessian(t *testing.T) {
	g := testGMM(t)
	rng := rand.New(rand.NewPCG(3, 4))
	m := Moments{Eps: make([]float64, 3), Second: make([]float64, 3), Resid: make([]float64, 3)}
	for _, abar := range testAbars[:5] {
		for range 20 {
			x := []float64{rng.NormFloat64(), rng.NormFloat64(), rng.NormFloat64()}
			g.Posterior(x, abar, &m, nil)
			const h = 1e-4
			f0 := g.LogDensity(x, abar)
			for j := range x {
				xp, xm := append([]float64(nil), x...), append([]float64(nil), x...)
				xp[j] += h
				xm[j] -= h
				d2 := (g.LogDensity(xp, abar) - 2*f0 + g.LogDensity(xm, abar)) / (h * h)
				want := 1 + (1-abar)*d2
				got := m.Second[j] - m.Eps[j]*m.Eps[j]
				require.InDelta(t, want, got, 2e-5*(1+math.Abs(want)), "abar=%v dim %d", abar, j)
				require.InDelta(t, got, m.Resid[j], 1e-12*(1+m.Second[j]))
			}
		}
	}
}

// TestGMMMonteCarlo checks the moments against the forward process itself:
// for x_t = √ᾱ x0 + √(1−ᾱ) ε, E[E[ε²|x_t]] = 1, E[ε̂] = 0 and E[ε·ε̂] = E[ε̂²]
// (ε̂ is a conditional mean), each within 5 standard errors.
func TestGMMMonteCarlo(t *testing.T) {
	g := testGMM(t)
	rng := rand.New(rand.NewPCG(5, 6))
	const n = 20000
	for _, abar := range []float64{0.02, 0.5, 0.98} {
		x0, _ := g.Sample(n, rng)
		var second, eps, cross []float64
		m := Moments{Eps: make([]float64, 3), Second: make([]float64, 3), Resid: make([]float64, 3)}
		for i := range n {
			e := []float64{rng.NormFloat64(), rng.NormFloat64(), rng.NormFloat64()}
			x := make([]float64, 3)
			for j := range x {
				x[j] = math.Sqrt(abar)*float64(x0[i*3+j]) + math.Sqrt(1-abar)*e[j]
			}
			g.Posterior(x, abar, &m, nil)
			for j := range x {
				second = append(second, m.Second[j])
				eps = append(eps, m.Eps[j])
				cross = append(cross, e[j]*m.Eps[j]-m.Eps[j]*m.Eps[j])
			}
		}
		for _, c := range []struct {
			name string
			xs   []float64
			want float64
		}{{"E[second]", second, 1}, {"E[eps_hat]", eps, 0}, {"E[eps eps_hat - eps_hat^2]", cross, 0}} {
			mean, se := meanSE(c.xs)
			require.InDelta(t, c.want, mean, 5*se, "abar=%v %s", abar, c.name)
		}
	}
}

func meanSE(xs []float64) (float64, float64) {
	mean := 0.0
	for _, x := range xs {
		mean += x
	}
	mean /= float64(len(xs))
	v := 0.0
	for _, x := range xs {
		v += (x - mean) * (x - mean)
	}
	return mean, math.Sqrt(v / float64(len(xs)-1) / float64(len(xs)))
}

// engineCase is one way of running a program in the tests.
type engineCase struct {
	name string
	e    Engine
	rtol float64 // against the float64 truth
}

var compiledCache sync.Map // source name -> compiledResult

type compiledResult struct {
	e   Engine
	err error
}

// engines returns the interpreter and, when the LLVM tools are present and
// the program compiles, the compiled engine for a program opened by open.
// A program that does not compile yet (compiler.Build reports an op the
// code generator lacks) is logged and its compiled case skipped.
func engines(t *testing.T, name string, open func(Mode) (Engine, error)) []engineCase {
	t.Helper()
	in, err := open(InterpretedOnly)
	require.NoError(t, err, "%s must lower for the interpreter", name)
	out := []engineCase{{"interpreted", in, 2e-6}}
	if _, err := llvmtool.FindTools(); err != nil {
		t.Logf("%s: compiled case skipped: %v", name, err)
		return out
	}
	r, ok := compiledCache.Load(name)
	if !ok {
		e, err := open(CompiledOnly)
		r = compiledResult{e, err}
		compiledCache.Store(name, r)
	}
	cr := r.(compiledResult)
	if cr.err != nil {
		t.Logf("%s: compiled case skipped, compiler.Build fails: %v", name, cr.err)
		return out
	}
	return append(out, engineCase{"compiled", cr.e, 1e-4})
}

func gmmEngines(t *testing.T) []engineCase {
	return engines(t, "gmm.dl", func(m Mode) (Engine, error) { return OpenGMM(context.Background(), m) })
}

func stepEngines(t *testing.T) []engineCase {
	return engines(t, "steps", func(m Mode) (Engine, error) { return OpenSteps(context.Background(), m) })
}

// TestGMMProgramMatchesTruth runs gmm.dl (interpreted, and compiled when it
// compiles) against the float64 truth: every output of gmm_moments, gmm_eps
// and gmm_sumsq, at ᾱ from near 0 to exactly 1.
func TestGMMProgramMatchesTruth(t *testing.T) {
	g := testGMM(t)
	rng := rand.New(rand.NewPCG(7, 8))
	const n, d = 37, 3
	x := make([]float32, n*d)
	Noise(x, rng)
	for _, ec := range gmmEngines(t) {
		t.Run(ec.name, func(t *testing.T) {
			p, err := NewGMMProgram(ec.e, g)
			require.NoError(t, err)
			for _, abar := range testAbars {
				want := Moments{Eps: make([]float64, d), Second: make([]float64, d), Resid: make([]float64, d)}
				eps, second, resid := make([]float32, n*d), make([]float32, n*d), make([]float32, n*d)
				require.NoError(t, p.Moments(x, 0, abar, eps, second, resid))
				eps2 := make([]float32, n*d)
				require.NoError(t, p.Eps(x, eps2, 0, abar))
				for i := range n {
					pt := []float64{float64(x[i*d]), float64(x[i*d+1]), float64(x[i*d+2])}
					g.Posterior(pt, abar, &want, nil)
					closeTo(t, "eps", eps[i*d:(i+1)*d], want.Eps, ec.rtol, ec.rtol)
					closeTo(t, "gmm_eps", eps2[i*d:(i+1)*d], want.Eps, ec.rtol, ec.rtol)
					closeTo(t, "second", second[i*d:(i+1)*d], want.Second, ec.rtol, ec.rtol)
					closeTo(t, "resid", resid[i*d:(i+1)*d], want.Resid, ec.rtol, ec.rtol)
					_ = want.LogP
				}
				x0, noise := make([]float32, n*d), make([]float32, n*d)
				Noise(x0, rng)
				Noise(noise, rng)
				got, err := p.SumSqEps(x0, noise, 0, abar)
				require.NoError(t, err)
				ref, _ := g.SumSqEps(x0, noise, 0, abar)
				require.InDelta(t, ref, got, 10*ec.rtol*ref+1e-6, "sumsq at abar=%v", abar)
			}
		})
	}
}

// TestGMMLogDensityOutput checks gmm_moments' logp output: log p_t(x).
func TestGMMLogDensityOutput(t *testing.T) {
	g := testGMM(t)
	rng := rand.New(rand.NewPCG(9, 10))
	const n, d = 11, 3
	x := make([]float32, n*d)
	Noise(x, rng)
	for _, ec := range gmmEngines(t) {
		t.Run(ec.name, func(t *testing.T) {
			for _, abar := range testAbars {
				logp := make([]float32, n)
				out := map[string]Tensor{"logp": T(logp, n)}
				for _, name := range []string{"eps", "second", "resid"} {
					out[name] = T(make([]float32, n*d), n, d)
				}
				p, err := NewGMMProgram(ec.e, g)
				require.NoError(t, err)
				require.NoError(t, ec.e.Run("gmm_moments", Args{Inputs: p.inputs(T(x, n, d)), Outputs: out, Scalars: map[string]float64{"abar": abar}}))
				want := make([]float64, n)
				for i := range n {
					want[i] = g.LogDensity([]float64{float64(x[i*d]), float64(x[i*d+1]), float64(x[i*d+2])}, abar)
				}
				closeTo(t, "logp", logp, want, ec.rtol, 10*ec.rtol)
			}
		})
	}
}

func TestGMMBadInput(t *testing.T) {
	_, err := NewGMM([]float64{0.5, 0.6}, [][]float64{{0}, {1}}, []float64{1, 1})
	require.ErrorContains(t, err, "weights sum to 1.1")
	_, err = NewGMM([]float64{0.5, 0.5}, [][]float64{{0}, {1, 2}}, []float64{1, 1})
	require.ErrorContains(t, err, "mean 1 has 2 dimensions")
	_, err = NewGMM([]float64{1}, [][]float64{{0}}, []float64{0})
	require.ErrorContains(t, err, "std 0 is 0")
	g := testGMM(t)
	require.ErrorContains(t, g.Eps(make([]float32, 7), make([]float32, 7), 1, 0.5), "7 values is not a positive number of 3-dimensional points")
	require.ErrorContains(t, g.Eps(make([]float32, 6), make([]float32, 3), 1, 0.5), "has 3 values, want 6")
}
