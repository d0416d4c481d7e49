package diffusion

import (
	"math"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestLinearMatchesVectors checks ᾱ of the linear schedule against the values
// the oracle used in tests/testdata/vectors (ddpm_step, ddim_step).
func TestLinearMatchesVectors(t *testing.T) {
	s, err := Linear(1000)
	require.NoError(t, err)
	for n, want := range map[int]float64{
		1: 0.9999, 10: 0.9981052047858344, 20: 0.9942309516861578,
		480: 0.09579421869163277, 499: 0.07938426407160627, 500: 0.07858724288177824,
		900: 0.00027520591190339843, 961: 8.741305391053614e-05, 980: 6.021910415675225e-05,
		981: 5.9037513708533784e-05, 999: 4.118193638138445e-05, 1000: 4.035829765375676e-05,
	} {
		require.InEpsilon(t, want, s.Abar[n], 1e-12, "abar[%d]", n)
	}
	require.Equal(t, 1.0, s.Abar[0])
	require.InDelta(t, 1e-4, s.Beta[1], 1e-18)
	require.InDelta(t, 0.02, s.Beta[1000], 1e-15)
}

func TestCosineValues(t *testing.T) {
	const T = 1000
	s, err := Cosine(T)
	require.NoError(t, err)
	f := func(u float64) float64 { c := math.Cos((u + 0.008) / 1.008 * math.Pi / 2); return c * c }
	clipped := false
	for n := 1; n <= T; n++ {
		if s.Beta[n] == 0.999 {
			clipped = true // from here on ᾱ departs from f(n/T)/f(0)
		}
		if !clipped {
			require.InEpsilon(t, f(float64(n)/T)/f(0), s.Abar[n], 1e-11, "abar[%d]", n)
		}
	}
	require.True(t, clipped, "the cosine schedule clips its last beta at 0.999")
	require.InEpsilon(t, 0.999, s.Beta[T], 1e-15)
}

// TestScheduleInvariants: ᾱ decreases strictly in (0, 1), 1−ᾱ agrees with ᾱ,
// and 1−ᾱ keeps full relative precision where ᾱ is close to 1.
func TestScheduleInvariants(t *testing.T) {
	for _, mk := range []func(int) (*Schedule, error){Linear, Cosine} {
		for _, T := range []int{1, 60, 1000, 4000} { // linear needs T >= 40: β_T = 20/T
			s, err := mk(T)
			require.NoError(t, err)
			require.Equal(t, T, s.T())
			for n := 1; n <= T; n++ {
				require.Less(t, s.Abar[n], s.Abar[n-1], "%s abar[%d]", s.Name, n)
				require.Greater(t, s.Abar[n], 0.0)
				require.InDelta(t, 1, s.Abar[n]+s.OneMinusAbar[n], 1e-15, "%s n=%d", s.Name, n)
			}
			// 1 − ᾱ_1 = β_1 exactly in real arithmetic; the expm1 form gets it to an ulp
			// (1 − ᾱ_1 in floating point would lose about 12 digits at β = 1e-4·1000/T).
			require.InEpsilon(t, s.Beta[1], s.OneMinusAbar[1], 4e-16, "%s", s.Name)
			// two steps: 1 − (1−β1)(1−β2) = β1 + β2 − β1β2
			if T >= 2 {
				want := s.Beta[1] + s.Beta[2] - s.Beta[1]*s.Beta[2]
				require.InEpsilon(t, want, s.OneMinusAbar[2], 1e-15, "%s", s.Name)
			}
		}
	}
}

func TestScheduleKeys(t *testing.T) {
	a, _ := Linear(1000)
	b, _ := Linear(1000)
	c, _ := Cosine(1000)
	d, _ := Linear(500)
	require.Equal(t, a.Key(), b.Key())
	require.NotEqual(t, a.Key(), c.Key())
	require.NotEqual(t, a.Key(), d.Key())
}

func TestRespace(t *testing.T) {
	s, err := Linear(1000)
	require.NoError(t, err)
	tr, err := s.Respace(10)
	require.NoError(t, err)
	require.Equal(t, 10, tr.K())
	want := []int{1000, 889, 778, 667, 556, 445, 334, 223, 112, 1} // linspace(1, 1000, 10), descending
	for i, st := range tr.Steps {
		require.Equal(t, want[i], st.T)
		if i < 9 {
			require.Equal(t, want[i+1], st.S)
		}
		require.Equal(t, s.Abar[st.T], st.AbarT)
	}
	last := tr.Steps[9]
	require.Equal(t, 1.0, last.AbarS, "the last step ends at abar_prev = 1")
	require.Equal(t, 0.0, last.OmS)
	require.True(t, last.Last())

	full, err := s.Respace(1000)
	require.NoError(t, err)
	for i, st := range full.Steps {
		require.Equal(t, 1000-i, st.T)
	}
	// non-divisible K: strictly decreasing, ends at T and at 0
	odd, err := s.Respace(7)
	require.NoError(t, err)
	require.Equal(t, 1000, odd.Steps[0].T)
	require.Equal(t, 1, odd.Steps[6].T)
	require.Equal(t, 0, odd.Steps[6].S)
	one, err := s.Respace(1)
	require.NoError(t, err)
	require.Equal(t, []Step{{T: 1000, S: 0, AbarT: s.Abar[1000], AbarS: 1, OmT: s.OneMinusAbar[1000], OmS: 0}}, one.Steps)
}

func TestBadSchedules(t *testing.T) {
	s, _ := Linear(100)
	for _, c := range []struct {
		name string
		err  func() error
		want string
	}{
		{"K > T", func() error { _, err := s.Respace(101); return err }, "K = 101 steps, want 1 <= K <= T = 100"},
		{"K = 0", func() error { _, err := s.Respace(0); return err }, "K = 0"},
		{"abar increasing", func() error { _, err := FromAbar("bad", []float64{0.9, 0.8, 0.85}); return err }, "abar[3] = 0.85 >= abar[2] = 0.8"},
		{"abar repeated", func() error { _, err := FromAbar("flat", []float64{0.9, 0.9}); return err }, "abar[2] = 0.9 >= abar[1] = 0.9"},
		{"abar above 1", func() error { _, err := FromAbar("big", []float64{1.5}); return err }, "abar[1] = 1.5"},
		{"beta 0", func() error { _, err := FromBetas("zero", []float64{0.1, 0}); return err }, "beta[2] = 0"},
		{"beta NaN", func() error { _, err := FromBetas("nan", []float64{math.NaN()}); return err }, "beta[1] = NaN"},
		{"T = 0", func() error { _, err := Linear(0); return err }, "T = 0"},
		{"linear T too small", func() error { _, err := Linear(10); return err }, "beta[6] = 1.11"},
		{"timesteps not increasing", func() error { _, err := s.Trajectory([]int{10, 10}); return err }, "10 follows 10"},
		{"timestep beyond T", func() error { _, err := s.Trajectory([]int{10, 200}); return err }, "timestep 200"},
		{"abar_prev = abar_t", func() error {
			tr := &Trajectory{Steps: []Step{
				{T: 2, S: 1, AbarT: 0.5, AbarS: 0.5, OmT: 0.5, OmS: 0.5},
				{T: 1, S: 0, AbarT: 0.5, AbarS: 1, OmT: 0.5, OmS: 0},
			}}
			return tr.Validate()
		}, "abar_prev = 0.5 must exceed abar_t = 0.5"},
		{"not ending at the data", func() error {
			tr := &Trajectory{Steps: []Step{{T: 2, S: 1, AbarT: 0.5, AbarS: 0.7, OmT: 0.5, OmS: 0.3}}}
			return tr.Validate()
		}, "want 1"},
		{"steps that do not join", func() error {
			tr := &Trajectory{Steps: []Step{
				{T: 3, S: 2, AbarT: 0.4, AbarS: 0.6, OmT: 0.6, OmS: 0.4},
				{T: 1, S: 0, AbarT: 0.7, AbarS: 1, OmT: 0.3, OmS: 0},
			}}
			return tr.Validate()
		}, "step 1 starts at t=1"},
	} {
		t.Run(c.name, func(t *testing.T) {
			err := c.err()
			require.Error(t, err)
			require.Contains(t, err.Error(), c.want)
		})
	}
}
