// This file refits the polynomial coefficients of vecmath.go, so they can be
// checked and changed: go test ./codegen/elemental -run TestVecMathRefit -dlc.refit -v
// prints each table with its error and says whether vecmath.go holds it.
//
// Each fit is a weighted minimax (Remez exchange, in float64) of a function
// g by a polynomial, minimising max |w (g - p)| over an interval, where w
// turns the error of p into the relative error of the function it serves.
// Coefficients are then rounded to f32 one at a time, lowest degree first,
// refitting the remaining ones after each, which keeps most of the accuracy;
// the polynomials evaluated in f64 (sin, cos, erfc) keep f64 coefficients.
package elemental

import (
	"flag"
	"fmt"
	"math"
	"slices"
	"sort"
	"testing"
)

var refit = flag.Bool("dlc.refit", false, "refit the polynomial coefficients of vecmath.go")

// fitProblem is: minimise max over [a, b] of |w(v) (g(v) - sum_j c_j v^j)|, j < n.
type fitProblem struct {
	name string
	a, b float64
	g, w func(v float64) float64
	n    int
	have []float64 // the table in vecmath.go
	f64  bool      // evaluated in f64: coefficients are not rounded to f32
}

// expQuotient is (e^r - 1 - r)/r^2, by its series near 0.
func expQuotient(r float64) float64 {
	if math.Abs(r) < 1e-3 {
		s, t := 0.0, 0.5
		for n := 2; n < 12; n++ {
			s += t
			t *= r / float64(n+1)
		}
		return s
	}
	return (math.Expm1(r) - r) / (r * r)
}

func fitProblems() []fitProblem {
	sm := (math.Sqrt2 - 1) / (math.Sqrt2 + 1)
	return []fitProblem{
		{name: "expQ", a: -0.347, b: 0.347, n: len(expQ), have: expQ,
			g: expQuotient,
			w: func(r float64) float64 {
				if r == 0 {
					return 0
				}
				return r * r / math.Abs(math.Expm1(r))
			}},
		{name: "expP", a: -0.347, b: 0.347, n: len(expP), have: expP,
			g: expQuotient,
			w: func(r float64) float64 { return r * r / math.Exp(r) }}, // the relative error of e^r
		{name: "logR", a: 1e-10, b: sm * sm, n: len(logR), have: logR,
			g: func(z float64) float64 { // (2 atanh(s)/s - 2)/z, s = sqrt(z)
				if z < 1e-3 {
					s, zp := 0.0, 1.0
					for n := 1; n < 12; n++ {
						s += 2 / float64(2*n+1) * zp
						zp *= z
					}
					return s
				}
				s := math.Sqrt(z)
				return (2*math.Atanh(s)/s - 2) / z
			},
			w: func(z float64) float64 { s := math.Sqrt(z); return s * z / (2 * math.Atanh(s)) }},
		{name: "tanhP", a: 1e-10, b: tanhSmall * tanhSmall, n: len(tanhP), have: tanhP,
			g: func(z float64) float64 { // (tanh(x) - x)/x^3, x = sqrt(z)
				if z < 0.01 {
					c := []float64{-1.0 / 3, 2.0 / 15, -17.0 / 315, 62.0 / 2835, -1382.0 / 155925, 21844.0 / 6081075, -929569.0 / 638512875, 6404582.0 / 10854718875}
					s, zp := 0.0, 1.0
					for _, a := range c {
						s += a * zp
						zp *= z
					}
					return s
				}
				x := math.Sqrt(z)
				return (math.Tanh(x) - x) / (x * z)
			},
			w: func(z float64) float64 { x := math.Sqrt(z); return x * z / math.Tanh(x) }},
		{name: "erfP", a: 1e-10, b: 1, n: len(erfP), have: erfP,
			g: func(z float64) float64 { // erf(x)/x - 1, x = sqrt(z), by its series
				s, t := 0.0, 1.0
				for n := 0; n < 40; n++ {
					s += t / float64(2*n+1)
					t *= -z / float64(n+1)
				}
				return 2/math.Sqrt(math.Pi)*s - 1
			},
			w: func(z float64) float64 { x := math.Sqrt(z); return x / math.Erf(x) }},
		{name: "erfcxT", a: 1.0 / 5, b: 1.0 / 2, n: len(erfcxT), have: erfcxT,
			g: func(t float64) float64 { x := 1/t - 1; return math.Exp(x*x) * math.Erfc(x) },
			w: func(t float64) float64 { x := 1/t - 1; return math.Exp(-x * x) }},
		{name: "exp64Q", a: -0.3466, b: 0.3466, n: len(exp64Q), have: exp64Q, f64: true,
			g: expQuotient,
			w: func(r float64) float64 { return r * r / math.Exp(r) }},
		{name: "erfcP", a: 1 / (1 + erfcMax/2), b: 1, n: len(erfcP), have: erfcP, f64: true,
			g: func(t float64) float64 { // log(erfc(x)/t) + x^2, x = 2(1/t - 1)
				x := 2 * (1/t - 1)
				return math.Log(math.Erfc(x)/t) + x*x
			},
			w: func(float64) float64 { return 1 }}, // the relative error of erfc
		{name: "sinS", a: 1e-10, b: sinCosZ, n: len(sinS), have: sinS, f64: true,
			g: func(z float64) float64 { return taylorZ(z, -1.0/6, 4) }, // (sin r - r)/(r z), z = r^2
			w: func(z float64) float64 { r := math.Sqrt(z); return r * z / math.Sin(r) }},
		{name: "cosC", a: 1e-10, b: sinCosZ, n: len(cosC), have: cosC, f64: true,
			g: func(z float64) float64 { return taylorZ(z, 1.0/24, 5) }, // (cos r - 1 + z/2)/z^2
			w: func(z float64) float64 { r := math.Sqrt(z); return z * z / math.Cos(r) }},
	}
}

// sinCosZ bounds r^2 for sin and cos: |r| <= pi/4 (pi^2/16 = 0.61685), and
// a little more, as the reduction rounds.
const sinCosZ = 0.617

// taylorZ sums c0 (1 - z/(k(k+1)) (1 - z/((k+2)(k+3)) (1 - ...))) to 20
// terms: the Taylor series of (sin r - r)/(r z) (c0 = -1/6, k = 4) and of
// (cos r - 1 + z/2)/z^2 (c0 = 1/24, k = 5), z = r^2, which subtracting in
// float64 would get with too few correct bits at small z.
func taylorZ(z, c0 float64, k int) float64 {
	s, t := 0.0, c0
	for range 20 {
		s += t
		t *= -z / float64(k*(k+1))
		k += 2
	}
	return s
}

// solveLinear solves A x = y by Gaussian elimination with partial pivoting.
func solveLinear(A [][]float64, y []float64) []float64 {
	n := len(y)
	m := make([][]float64, n)
	for i := range m {
		m[i] = append(slices.Clone(A[i]), y[i])
	}
	for c := range n {
		p := c
		for r := c + 1; r < n; r++ {
			if math.Abs(m[r][c]) > math.Abs(m[p][c]) {
				p = r
			}
		}
		m[c], m[p] = m[p], m[c]
		for r := c + 1; r < n; r++ {
			f := m[r][c] / m[c][c]
			for k := c; k <= n; k++ {
				m[r][k] -= f * m[c][k]
			}
		}
	}
	x := make([]float64, n)
	for r := n - 1; r >= 0; r-- {
		s := m[r][n]
		for k := r + 1; k < n; k++ {
			s -= m[r][k] * x[k]
		}
		x[r] = s / m[r][r]
	}
	return x
}

// remez fits the powers pows of v to g with weight w on [a, b] and returns
// the coefficients and the levelled error.
func remez(a, b float64, g, w func(float64) float64, pows []int) ([]float64, float64) {
	n := len(pows)
	scale := math.Max(math.Abs(a), math.Abs(b))
	basis := func(v float64, j int) float64 { return math.Pow(v/scale, float64(pows[j])) }
	cheb := func(i, m int) float64 { return (a+b)/2 - (b-a)/2*math.Cos(math.Pi*float64(i)/float64(m)) }
	ref := make([]float64, n+1)
	for i := range ref {
		ref[i] = cheb(i, n)
	}
	grid := make([]float64, 20000)
	for i := range grid {
		grid[i] = cheb(i, len(grid)-1)
	}
	var c []float64
	var level float64
	for range 40 {
		A := make([][]float64, n+1)
		y := make([]float64, n+1)
		for i, v := range ref {
			A[i] = make([]float64, n+1)
			for j := range n {
				A[i][j] = basis(v, j)
			}
			A[i][n] = float64(1-2*(i%2)) / w(v)
			y[i] = g(v)
		}
		x := solveLinear(A, y)
		c, level = x[:n], x[n]
		// The extremum of each run of one sign of the error becomes the new reference.
		type extremum struct{ v, e float64 }
		var ext []extremum
		for _, v := range grid {
			s := 0.0
			for j := range n {
				s += c[j] * basis(v, j)
			}
			e := w(v) * (g(v) - s)
			if k := len(ext) - 1; k >= 0 && (ext[k].e >= 0) == (e >= 0) {
				if math.Abs(e) > math.Abs(ext[k].e) {
					ext[k] = extremum{v, e}
				}
				continue
			}
			ext = append(ext, extremum{v, e})
		}
		for len(ext) > n+1 {
			if math.Abs(ext[0].e) < math.Abs(ext[len(ext)-1].e) {
				ext = ext[1:]
			} else {
				ext = ext[:len(ext)-1]
			}
		}
		if len(ext) < n+1 {
			break
		}
		maxE := 0.0
		for i, e := range ext {
			ref[i] = e.v
			maxE = math.Max(maxE, math.Abs(e.e))
		}
		sort.Float64s(ref)
		if maxE-math.Abs(level) < 1e-6*maxE {
			break
		}
	}
	out := make([]float64, n)
	for j := range c {
		out[j] = c[j] / math.Pow(scale, float64(pows[j]))
	}
	return out, math.Abs(level)
}

// fitF32 fits p and rounds the coefficients to f32 one at a time, refitting
// the others; it returns them and their weighted error on a fine grid.
func fitF32(p fitProblem) ([]float64, float64) {
	if p.f64 {
		pows := make([]int, p.n)
		for j := range pows {
			pows[j] = j
		}
		c, _ := remez(p.a, p.b, p.g, p.w, pows)
		return c, polyErr(p, c)
	}
	g := p.g
	var fixed []float64
	for j := range p.n {
		pows := make([]int, 0, p.n-j)
		for k := j; k < p.n; k++ {
			pows = append(pows, k)
		}
		c, _ := remez(p.a, p.b, g, p.w, pows)
		cj := float64(float32(c[0]))
		fixed = append(fixed, cj)
		prev := g
		g = func(v float64) float64 { return prev(v) - cj*math.Pow(v, float64(j)) }
	}
	return fixed, polyErr(p, fixed)
}

// polyErr is the largest weighted error of coefficients c on a fine grid.
func polyErr(p fitProblem, c []float64) float64 {
	m := 0.0
	for i := 0; i <= 100000; i++ {
		v := p.a + (p.b-p.a)*float64(i)/100000
		s := 0.0
		for j := len(c) - 1; j >= 0; j-- {
			s = s*v + c[j]
		}
		m = math.Max(m, math.Abs(p.w(v)*(p.g(v)-s)))
	}
	return m
}

// TestVecMathRefit refits every table with -dlc.refit; without it, it only
// checks the error each table of vecmath.go has (its doc comment's figure).
func TestVecMathRefit(t *testing.T) {
	for _, p := range fitProblems() {
		e := polyErr(p, p.have)
		t.Logf("%s in vecmath.go: weighted error %.3g (2^%.1f)", p.name, e, math.Log2(e))
		if e > 0x1p-26 {
			t.Errorf("%s: weighted error %.3g is more than 2^-26", p.name, e)
		}
		if !*refit {
			continue
		}
		c, e := fitF32(p)
		var b []string
		for _, x := range c {
			if p.f64 {
				b = append(b, fmt.Sprintf("%x", x))
			} else {
				b = append(b, fmt.Sprintf("%x", float32(x)))
			}
		}
		t.Logf("%s refitted: error %.3g (2^%.1f), same as vecmath.go: %v\n\t%v", p.name, e, math.Log2(e), slices.Equal(c, p.have), b)
	}
}
