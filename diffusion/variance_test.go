package diffusion

import (
	"encoding/json"
	"math"
	"testing"

	"github.com/stretchr/testify/require"
)

// stepOf builds the step between two ᾱ values, 1−ᾱ by subtraction.
func stepOf(abarT, abarS float64) Step {
	return Step{T: 2, S: 1, AbarT: abarT, AbarS: abarS, OmT: 1 - abarT, OmS: 1 - abarS}
}

// TestAnalyticVarianceTable checks σ*², its unclipped value and λ² against
// the oracle's table (analytic_dpm.json, case "table"), and the unclipped
// value against the paper's Theorem 1 form.
func TestAnalyticVarianceTable(t *testing.T) {
	var table vecCase
	for _, c := range readVectors(t, "analytic_dpm") {
		if c.Name == "table" {
			table = c
		}
	}
	var rows, want []map[string]float64
	require.NoError(t, json.Unmarshal(table.Inputs["rows"], &rows))
	require.NoError(t, json.Unmarshal(table.Expected["rows"], &want))
	require.Len(t, rows, 9)
	for i, in := range rows {
		w := want[i]
		st := stepOf(in["abar_t"], in["abar_prev"])
		eta, gamma := in["eta"], in["gamma"]
		require.InDelta(t, w["lam2"], st.Lambda2(eta), 1e-9*w["lam2"], "row %d lam2", i)
		require.InEpsilon(t, w["sigma2"], AnalyticVariance(st, eta, gamma, true), 1e-9, "row %d sigma2", i)
		noclip := AnalyticVariance(st, eta, gamma, false)
		require.InEpsilon(t, w["sigma2_noclip"], noclip, 1e-9, "row %d sigma2_noclip", i)
		// Theorem 1: σ*² = λ² + (√((1−ᾱ_t)/α_{t|s}) − √(1−ᾱ_s−λ²))²·(1−γ)
		lam2 := st.Lambda2(eta)
		thm := lam2 + sq(math.Sqrt(st.OmT*st.AbarS/st.AbarT)-math.Sqrt(math.Max(st.OmS-lam2, 0)))*(1-gamma)
		require.InEpsilon(t, thm, noclip, 1e-9, "row %d Theorem 1", i)
		if eta == 1 { // DDPM: the coefficient is ᾱ_s β_{t|s}²/(1−ᾱ_t)²
			cov := st.OmT / st.AbarT * (1 - gamma)
			require.InEpsilon(t, lam2+st.AbarS*sq(st.BetaTS())/sq(st.OmT)*cov, noclip, 1e-9, "row %d DDPM form", i)
		}
	}
}

// TestExtendedVarianceVectors checks the host reference of §3.4 against the
// extended_* cases, and that SN with h − ε̂² ≡ 1−Γ reduces to Analytic-DPM.
func TestExtendedVarianceVectors(t *testing.T) {
	n := 0
	for _, c := range readVectors(t, "analytic_dpm") {
		if c.Name == "table" {
			continue
		}
		n++
		st := stepOf(c.num("abar_t"), c.num("abar_prev"))
		npr := c.HParams["mode"] == "npr"
		eps, second := c.in(t, "eps_pred").F64(), c.in(t, "second_moment_pred").F64()
		want := c.want(t, "sigma2").F64()
		for i := range eps {
			got := ExtendedVariance(st, c.num("eta"), eps[i], second[i], npr, c.num("clip_cov") == 1)
			require.InDelta(t, want[i], got, 1e-9*math.Abs(want[i])+1e-15, "%s[%d]", c.Name, i)
		}
	}
	require.Equal(t, 4, n)
	st := stepOf(0.07858724288177824, 0.09579421869163277)
	for _, gamma := range []float64{0.3, 0.9, 0.999} {
		for _, eta := range []float64{0, 0.5, 1} {
			e := 0.7
			sn := ExtendedVariance(st, eta, e, e*e+1-gamma, false, true)
			require.InEpsilon(t, AnalyticVariance(st, eta, gamma, true), sn, 1e-12)
		}
	}
}

// TestVarianceSpecialCases: λ²(1) is β̃; λ²(0) is 0; on the last step
// σ*² is the clipped Cov_x0; Γ > 1 gives λ²; the posterior mean at ᾱ_s = 1
// is x̂0.
func TestVarianceSpecialCases(t *testing.T) {
	s, _ := Linear(1000)
	tr, _ := s.Respace(10)
	st := tr.Steps[3]
	require.InEpsilon(t, st.BetaTS()*st.OmS/st.OmT, st.Lambda2(1), 1e-15)
	require.Equal(t, 0.0, st.Lambda2(0))
	require.Equal(t, st.Lambda2(1), AnalyticVariance(st, 1, 1.3, true))
	last := tr.Steps[9]
	require.InEpsilon(t, last.OmT/last.AbarT*(1-0.9), AnalyticVariance(last, 1, 0.9, true), 1e-12)
	require.InEpsilon(t, last.OmT/last.AbarT*(1-0.9), AnalyticVariance(last, 0, 0.9, true), 1e-12)
	c0, ct := last.PosteriorMean()
	require.InEpsilon(t, 1, c0, 1e-15)
	require.Equal(t, 0.0, ct)
	// β_{t|s} from 1−ᾱ differences equals 1 − ᾱ_t/ᾱ_s
	require.InEpsilon(t, 1-st.AbarT/st.AbarS, st.BetaTS(), 1e-13)
}
