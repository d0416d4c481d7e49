package main

import (
	"math"
	"os"
	"strings"
	"testing"
)

// TestGaussHermiteIsExact checks the rule integrates x^(2j) exp(-x²) exactly,
// Γ(j + 1/2), for j up to n-1.
func TestGaussHermiteIsExact(t *testing.T) {
	for _, n := range []int{2, 16, 32, 64} {
		x, w, err := GaussHermite(n)
		if err != nil {
			t.Fatal(err)
		}
		for j := 0; j < min(n, 20); j++ {
			got := 0.0
			for i := range x {
				got += w[i] * math.Pow(x[i], float64(2*j))
			}
			want := math.Gamma(float64(j) + 0.5)
			if math.Abs(got-want) > 1e-12*want {
				t.Errorf("n=%d: integral of x^%d exp(-x^2) = %.17g, want %.17g", n, 2*j, got, want)
			}
		}
	}
}

// TestExactSourceIsCurrent checks that stdlib/loss/exact.dl is what the
// generator writes today.
func TestExactSourceIsCurrent(t *testing.T) {
	x, w, err := GaussHermite(64)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	write(&b, x, w)
	have, err := os.ReadFile("../../exact.dl")
	if err != nil {
		t.Fatal(err)
	}
	if string(have) != b.String() {
		t.Fatal("stdlib/loss/exact.dl is stale: go run ./stdlib/loss/internal/genexact > stdlib/loss/exact.dl")
	}
}
