// This file checks what examples/exacttoy reports against the toy problem
// solved here independently.
package tests

import (
	"math"
	"regexp"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"
)

// checkExactToy requires, from the example's output: cross-entropy at its
// minimum (found here by bisection on the derivative) with 2 of 3 right;
// hinge on its flat minimum [0.75, 1] with 2 of 3 right; EXACT inside
// (0, 0.25), the thresholds that classify all three points.
func checkExactToy(t *testing.T, out, _ string) {
	got := map[string][2]float64{}
	re := regexp.MustCompile(`(?m)^(\w+)[^:\n]*: +b = (\S+), loss \S+, accuracy (\d)/3`)
	for _, m := range re.FindAllStringSubmatch(out, -1) {
		b, _ := strconv.ParseFloat(m[2], 64)
		n, _ := strconv.ParseFloat(m[3], 64)
		got[m[1]] = [2]float64{b, n}
	}
	require.Len(t, got, 3, out)
	sig := func(z float64) float64 { return 1 / (1 + math.Exp(-z)) }
	// d/db of the mean cross-entropy: negatives at -0.25 and 0, positive at 0.25.
	dce := func(b float64) float64 { return -sig(-0.25-b) - sig(-b) + sig(b-0.25) }
	lo, hi := 0.0, 2.0
	for range 60 {
		if mid := (lo + hi) / 2; dce(mid) < 0 {
			lo = mid
		} else {
			hi = mid
		}
	}
	require.InDelta(t, lo, got["sigmoid"][0], 2e-3, "cross-entropy's minimum is b = %.4f", lo)
	require.Equal(t, 2.0, got["sigmoid"][1])
	require.GreaterOrEqual(t, got["hinge"][0], 0.75)
	require.LessOrEqual(t, got["hinge"][0], 1.0)
	require.Equal(t, 2.0, got["hinge"][1])
	require.Greater(t, got["EXACT"][0], 0.0)
	require.Less(t, got["EXACT"][0], 0.25)
	require.Equal(t, 3.0, got["EXACT"][1])
}
