// This file runs row and axis kernels and compares them with the float64
// interpreter: ZLPR (as scheduled by fusion, and the stdlib's three-pass
// form), reductions of every kind with initial elements, keepdims, absent
// (-inf) and NaN entries, broadcast operands, gathers, several extents in one
// kernel and axis kernels. Any split of the units into chunks must give the
// same bits as one call.
//
// Tolerances (u = 2^-24, the unit roundoff of f32). A row reduction over n
// elements keeps 8 lanes, each adding about n/8 elements with one rounding
// each, then combines them in 3 steps and adds a tail of at most 7: a sum is
// within (n/8 + 10)·u·Σ|x| of the exact sum. For log-sum-exp the same count
// bounds the relative error of the sum of exponentials s (each exp adds at
// most 2 ulps, hence 2u per step), which log turns into an absolute error;
// m + log(s) rounds once more: |L - L*| <= (n/8 + 12)·2u + 2u·|L|, "a few ulps
// of the row magnitude" for rows of moderate length. A gradient e^(x-L)
// inherits L's absolute error as a relative one, plus the rounding of x - L
// (u·|x - L|) and of exp (2 ulps). max, min and gathers are exact.
package cpu

import (
	"bytes"
	"context"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"strings"
	"testing"

	"dlc.dev/dlc/codegen"
	"dlc.dev/dlc/ir"
)

const u32 = 0x1p-24

// lseTol bounds the error of an f32 log-sum-exp over n elements with value want.
func lseTol(n int, want float64) float64 {
	return float64(n/8+12)*2*u32 + 2*u32*math.Abs(want)
}

// sumTol bounds the error of an f32 sum over n elements of total magnitude mag.
func sumTol(n int, mag float64) float64 {
	return float64(n/8+10) * u32 * mag
}

// gradTol bounds the error of a ZLPR gradient e^(x-L) with value want, for a
// row of n logits of magnitude up to 1e4.
func gradTol(n int, x, want float64) float64 {
	if math.IsInf(x, 0) || math.IsNaN(x) {
		x = 0
	}
	return math.Abs(want)*(lseTol(n, 1e4)+4*u32*(math.Abs(x)+1e4)) + 1e-30
}

// closeTo reports whether got is within tol of want; NaN only matches NaN and
// an infinity only itself.
func closeTo(got, want, tol float64) bool {
	if math.IsNaN(want) || math.IsNaN(got) {
		return math.IsNaN(want) && math.IsNaN(got)
	}
	if math.IsInf(want, 0) || math.IsInf(got, 0) {
		return got == want
	}
	return math.Abs(got-want) <= tol
}

func loadIR(t testing.TB, path string) string {
	t.Helper()
	src, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(src)
}

// zlprInputs are logits and 0/1 labels with rows that exercise the edge cases:
// masked classes, huge logits, all-negative and all-positive labels, a NaN, +inf.
func zlprInputs(r *rand.Rand, b, c int) (s, y *ir.Array) {
	s, y = ir.NewArray(int64(b), int64(c)), ir.NewArray(int64(b), int64(c))
	for i := range s.Data {
		s.Data[i] = float64(float32(3 * r.NormFloat64()))
		if r.Float64() < 0.05 {
			y.Data[i] = 1
		}
	}
	row := func(i int) ([]float64, []float64) { return s.Data[i*c : (i+1)*c], y.Data[i*c : (i+1)*c] }
	if b < 8 || c < 2 {
		return s, y
	}
	// Row 0: masked classes (-inf logits, label 0) every third class.
	sr, yr := row(0)
	for j := 0; j < c; j += 3 {
		sr[j], yr[j] = math.Inf(-1), 0
	}
	// Row 1: logits of ±1e4.
	sr, _ = row(1)
	for j := range sr {
		sr[j] = float64(float32(1e4 * math.Copysign(1, r.NormFloat64()) * (1 + 0.001*r.Float64())))
	}
	// Row 2: all labels 0; row 3: all labels 1.
	_, yr = row(2)
	clear(yr)
	_, yr = row(3)
	for j := range yr {
		yr[j] = 1
	}
	// Row 4: a NaN logit; row 5: a +inf logit with label 0.
	sr, yr = row(4)
	sr[c/2] = math.NaN()
	sr, yr = row(5)
	sr[c-1], yr[c-1] = math.Inf(1), 0
	// Row 6: every class masked.
	sr, yr = row(6)
	for j := range sr {
		sr[j], yr[j] = math.Inf(-1), 0
	}
	return s, y
}

func TestZLPRRowKernel(t *testing.T) {
	lib := buildLibrary(t, loadIR(t, "testdata/rows/zlpr.ir"))
	r := rand.New(rand.NewPCG(1, 2))
	for _, size := range [][2]int{{37, 1003}, {9, 8}, {8, 5}, {3, 1}, {11, 0}} {
		b, c := size[0], size[1]
		s, y := zlprInputs(r, b, c)
		in := map[string]*ir.Array{"s": s, "y": y}
		want, err := ir.Interpret(lib.mod, "zlpr", ir.Inputs{Tensors: in})
		if err != nil {
			t.Fatal(err)
		}
		got := lib.run(t, "zlpr", in, nil, runOptions{})
		mag := 0.0
		for i := range b {
			w, g := want["loss"].Data[i], got["loss"].Data[i]
			mag += math.Abs(w)
			if !closeTo(g, w, 2*lseTol(c, w)) {
				t.Fatalf("%dx%d: loss[%d] = %v, want %v", b, c, i, g, w)
			}
			for j := range c {
				x := s.Data[i*c+j]
				w, g := want["grad"].Data[i*c+j], got["grad"].Data[i*c+j]
				tol := gradTol(c, x, w)
				if !closeTo(g, w, tol) {
					t.Fatalf("%dx%d: grad[%d,%d] = %v, want %v (logit %v, label %v)", b, c, i, j, g, w, x, y.Data[i*c+j])
				}
			}
		}
		if w, g := want["total"].Data[0], got["total"].Data[0]; !closeTo(g, w, sumTol(b, mag)+float64(b)*2*lseTol(c, 1e4)) {
			t.Fatalf("%dx%d: total = %v, want %v", b, c, g, w)
		}
		if b >= 8 && c > 2 {
			// Masked classes get a zero gradient and the row a finite loss.
			for j := 0; j < c; j += 3 {
				if g := got["grad"].Data[j]; g != 0 {
					t.Fatalf("masked class %d: gradient %v, want 0", j, g)
				}
			}
			if l := got["loss"].Data[6]; l != 0 {
				t.Errorf("all classes masked: loss %v, want 0", l)
			}
		}
		// Any split of the rows gives the same bits.
		for _, splits := range [][]int64{{1}, {3, 4, 5, 30}, {int64(b) / 2}} {
			sameBits(t, "chunked", lib.run(t, "zlpr", in, nil, runOptions{splits: splits}), got)
		}
	}
}

// TestZLPRStdlib runs the stdlib's zlpr_hard (maxima, sums, gradient: three
// passes) and zlpr_sparse (gathers; loops over K and C in one pass).
func TestZLPRStdlib(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	t.Run("hard", func(t *testing.T) {
		lib := buildLibrary(t, loadIR(t, "testdata/rows/zlpr_hard.ir"))
		const b, c = 29, 517
		s, y := zlprInputs(r, b, c)
		in := map[string]*ir.Array{"logits": s, "labels": y}
		want, err := ir.Interpret(lib.mod, "zlpr_hard", ir.Inputs{Tensors: in})
		if err != nil {
			t.Fatal(err)
		}
		got := lib.run(t, "zlpr_hard", in, nil, runOptions{})
		for i := range b {
			if w, g := want["loss"].Data[i], got["loss"].Data[i]; !closeTo(g, w, 2*lseTol(c, w)) {
				t.Fatalf("loss[%d] = %v, want %v", i, g, w)
			}
			for j := range c {
				x := s.Data[i*c+j]
				w, g := want["grad"].Data[i*c+j], got["grad"].Data[i*c+j]
				tol := gradTol(c, x, w)
				if !closeTo(g, w, tol) {
					t.Fatalf("grad[%d,%d] = %v, want %v", i, j, g, w)
				}
			}
		}
		sameBits(t, "chunked", lib.run(t, "zlpr_hard", in, nil, runOptions{splits: []int64{2, 3, 17}}), got)
	})
	t.Run("sparse", func(t *testing.T) {
		lib := buildLibrary(t, loadIR(t, "testdata/rows/zlpr_sparse.ir"))
		const b, c, k = 23, 301, 13
		s := randomArray(r, ir.F32, b, c)
		idx := ir.NewArray(b, k)
		for i := range b {
			perm := r.Perm(c)
			for j := range k {
				idx.Data[i*k+j] = float64(perm[j])
			}
		}
		idx.Data[5] = 0 // padding when mask_zero
		in := map[string]*ir.Array{"logits": s, "pos_idx": idx}
		for _, sc := range []map[string]float64{nil, {"mask_zero": 1}} {
			want, err := ir.Interpret(lib.mod, "zlpr_sparse", ir.Inputs{Tensors: in, Scalars: sc})
			if err != nil {
				t.Fatal(err)
			}
			got := lib.run(t, "zlpr_sparse", in, sc, runOptions{})
			for i := range b {
				// L- = A + log(clamp(1 - e^(P-A), eps, 1)): the cancellation scales the
				// error of P - A by up to 1/eps in the worst case; these rows stay far from it.
				if w, g := want["loss"].Data[i], got["loss"].Data[i]; !closeTo(g, w, 64*lseTol(c, w)) {
					t.Fatalf("mask_zero %v: loss[%d] = %v, want %v", sc, i, g, w)
				}
			}
			sameBits(t, "chunked", lib.run(t, "zlpr_sparse", in, sc, runOptions{splits: []int64{1, 2, 20}}), got)
		}
	})
}

// reduceIR reduces x along its last axis in every way, with and without
// keepdims and initial elements, and adds a per-row value back to the row.
const reduceIR = `
func @red(%x: f32[B,C], %h: f16[B,C], %n: i32[B,C], %d: f64[B,C]) -> (sum: f32[B], sumk: f32[B,1], sum5: f32[B], max: f32[B,1], min: f32[B], max0: f32[B], lse: f32[B,1], lse0: f32[B], lse7: f32[B], hsum: f16[B], hlse: f16[B], nsum: i32[B], nmax: i32[B], dsum: f64[B], dlse: f64[B], centred: f32[B,C], nanmax: f32[B], nanmin0: f32[B,1], nnanmin: i32[B]) {
  kernel k0 rows [B]
  %4 = reduce_sum %x, axis=1 : f32[B] @k0
  %5 = reduce_sum %x, axis=1, keepdims : f32[B,1] @k0
  %6 = reduce_sum %x, axis=1, init=5 : f32[B] @k0
  %7 = reduce_max %x, axis=1, keepdims : f32[B,1] @k0
  %8 = reduce_min %x, axis=1 : f32[B] @k0
  %9 = reduce_max %x, axis=1, init=0 : f32[B] @k0
  %10 = reduce_lse %x, axis=1, keepdims : f32[B,1] @k0
  %11 = reduce_lse %x, axis=1, init=0 : f32[B] @k0
  %12 = reduce_lse %x, axis=1, init=7 : f32[B] @k0
  %13 = reduce_sum %h, axis=1 : f16[B] @k0
  %14 = reduce_lse %h, axis=1 : f16[B] @k0
  %15 = reduce_sum %n, axis=1 : i32[B] @k0
  %16 = reduce_max %n, axis=1 : i32[B] @k0
  %17 = reduce_sum %d, axis=1 : f64[B] @k0
  %18 = reduce_lse %d, axis=1 : f64[B] @k0
  %19 = sub %x, %10 : f32[B,C] @k0
  %20 = reduce_nanmax %x, axis=1 : f32[B] @k0
  %21 = reduce_nanmin %x, axis=1, keepdims, init=0 : f32[B,1] @k0
  %22 = reduce_nanmin %n, axis=1 : i32[B] @k0
  return sum = %4, sumk = %5, sum5 = %6, max = %7, min = %8, max0 = %9, lse = %10, lse0 = %11, lse7 = %12, hsum = %13, hlse = %14, nsum = %15, nmax = %16, dsum = %17, dlse = %18, centred = %19, nanmax = %20, nanmin0 = %21, nnanmin = %22
}
`

func TestRowReductions(t *testing.T) {
	lib := buildLibrary(t, reduceIR)
	r := rand.New(rand.NewPCG(5, 6))
	for _, c := range []int{0, 1, 7, 8, 9, 64, 333} {
		const b = 12
		x := randomArray(r, ir.F32, b, int64(c))
		n := ir.NewArray(b, int64(c))
		for i := range n.Data {
			n.Data[i] = float64(r.IntN(2000) - 1000)
		}
		if c > 2 {
			x.Data[1*c+1] = math.NaN() // row 1: NaN propagates everywhere
			x.Data[2*c] = math.Inf(1)  // row 2: +inf
			for j := range c {         // row 3: all absent
				x.Data[3*c+j] = math.Inf(-1)
			}
			x.Data[4*c+2] = math.Inf(-1) // row 4: one absent entry
			for j := range c {           // row 5: all negative
				x.Data[5*c+j] = float64(float32(-1 - math.Abs(x.Data[5*c+j])))
			}
			x.Data[6*c+c-1] = 1e4       // row 6: a huge entry in the tail
			n.Data[7*c] = math.MaxInt32 // row 7: the integer sum wraps
			n.Data[7*c+1] = math.MaxInt32
		}
		h := ir.NewArray(b, int64(c))
		d := ir.NewArray(b, int64(c))
		for i, v := range x.Data {
			h.Data[i] = ir.Convert(v, ir.F16)
			d.Data[i] = v
		}
		in := map[string]*ir.Array{"x": x, "h": h, "n": n, "d": d}
		want, err := ir.Interpret(lib.mod, "red", ir.Inputs{Tensors: in})
		if err != nil {
			t.Fatal(err)
		}
		got := lib.run(t, "red", in, nil, runOptions{})
		for i := range b {
			mag := 5.0
			for j := range c {
				if v := math.Abs(x.Data[i*c+j]); !math.IsInf(v, 0) && !math.IsNaN(v) {
					mag += v
				}
			}
			check := func(name string, tol float64) {
				t.Helper()
				w, g := want[name].Data[i], got[name].Data[i]
				switch name {
				case "hsum", "hlse":
					w = ir.Convert(w, ir.F16)
				case "nmax", "nnanmin":
					w = ir.Convert(w, ir.I32) // the interpreter keeps an empty row's -inf
				}
				if !closeTo(g, w, tol) {
					t.Fatalf("C=%d: %s[%d] = %v, want %v", c, name, i, g, w)
				}
			}
			check("sum", sumTol(c, mag))
			check("sumk", sumTol(c, mag))
			check("sum5", sumTol(c, mag))
			check("max", 0)
			check("min", 0)
			check("max0", 0)
			// nanmax and nanmin leave row 1's NaN out: exact all the same.
			check("nanmax", 0)
			check("nanmin0", 0)
			check("nnanmin", 0)
			check("lse", lseTol(c, want["lse"].Data[i]))
			check("lse0", lseTol(c, want["lse0"].Data[i]))
			check("lse7", lseTol(c, want["lse7"].Data[i]))
			// f16 accumulates in f32 and rounds once to f16 (half an f16 ulp, 2^-11 relative).
			check("hsum", sumTol(c, mag)+0x1p-11*math.Abs(want["hsum"].Data[i]))
			check("hlse", lseTol(c, want["hlse"].Data[i])+0x1p-11*math.Abs(want["hlse"].Data[i]))
			check("nsum", 0)
			check("nmax", 0)
			check("dsum", float64(c/8+10)*0x1p-53*mag)
			check("dlse", float64(c/8+12)*4*0x1p-53+4*0x1p-53*math.Abs(want["dlse"].Data[i]))
			for j := range c {
				w, g := want["centred"].Data[i*c+j], got["centred"].Data[i*c+j]
				if !closeTo(g, w, lseTol(c, want["lse"].Data[i])+u32*math.Abs(w)) {
					t.Fatalf("C=%d: centred[%d,%d] = %v, want %v", c, i, j, g, w)
				}
			}
		}
		sameBits(t, "chunked", lib.run(t, "red", in, nil, runOptions{splits: []int64{1, 5, 6, 11}}), got)
	}
}

// broadcastIR adds a bias f32[C] and a row scale f32[B,1] to a [B,C] row,
// reads an f32[1,C] weight, a per-row input [B] through a reshape and a
// scalar; the row sums then broadcast back.
const broadcastIR = `
func @bc(%x: f32[B,C], %bias: f32[C], %w: f32[1,C], %scale: f32[B,1], %off: f32[B]; %z: f32 = 0.25) -> (y: f32[B,C], s: f32[B,1], t: f32[B,C]) {
  kernel k0 rows [B]
  %6 = add %x, %bias : f32[B,C] @k0
  %7 = mul %6, %scale : f32[B,C] @k0
  %8 = mul %7, %w : f32[B,C] @k0
  %9 = reshape %off : f32[B,1] @k0
  %10 = add %8, %9 : f32[B,C] @k0
  %11 = add %10, %z : f32[B,C] @k0
  %12 = reduce_sum %11, axis=1, keepdims : f32[B,1] @k0
  %13 = broadcast %12 : f32[B,C] @k0
  %14 = sub %13, %11 : f32[B,C] @k0
  return y = %11, s = %12, t = %14
}
`

func TestRowBroadcast(t *testing.T) {
	lib := buildLibrary(t, broadcastIR)
	r := rand.New(rand.NewPCG(7, 8))
	const b, c = 13, 45
	in := map[string]*ir.Array{
		"x": randomArray(r, ir.F32, b, c), "bias": randomArray(r, ir.F32, c), "w": randomArray(r, ir.F32, 1, c),
		"scale": randomArray(r, ir.F32, b, 1), "off": randomArray(r, ir.F32, b),
	}
	want, err := ir.Interpret(lib.mod, "bc", ir.Inputs{Tensors: in})
	if err != nil {
		t.Fatal(err)
	}
	got := lib.run(t, "bc", in, nil, runOptions{})
	for i := range b * c {
		if w, g := want["y"].Data[i], got["y"].Data[i]; !closeTo(g, w, 64*u32*(math.Abs(w)+10)) {
			t.Fatalf("y[%d] = %v, want %v", i, g, w)
		}
		s := want["s"].Data[i/c]
		if w, g := want["t"].Data[i], got["t"].Data[i]; !closeTo(g, w, sumTol(c, float64(40*c))) {
			t.Fatalf("t[%d] = %v, want %v (row sum %v)", i, g, w, s)
		}
	}
	sameBits(t, "chunked", lib.run(t, "bc", in, nil, runOptions{splits: []int64{4, 5}}), got)
}

// gatherIR gathers by an index input (extent K) and by a computed index that
// goes out of range, next to a log-sum-exp over the whole row (extent C).
const gatherIR = `
func @g(%x: f32[B,C], %idx: i32[B,K], %wide: i64[B,K]) -> (picked: f32[B,K], lse: f32[B], far: f32[B,K], one: f32[B,1]) {
  kernel k0 rows [B]
  %3 = take_along_axis %x, %idx, axis=1 : f32[B,K] @k0
  %4 = reduce_lse %x, axis=1 : f32[B] @k0
  %5 = const 1000 : i64
  %6 = mul %wide, %5 : i64[B,K] @k0
  %7 = take_along_axis %x, %6, axis=1 : f32[B,K] @k0
  %8 = reduce_max %idx, axis=1, keepdims : i32[B,1] @k0
  %9 = take_along_axis %x, %8, axis=1 : f32[B,1] @k0
  return picked = %3, lse = %4, far = %7, one = %9
}
`

func TestRowGather(t *testing.T) {
	lib := buildLibrary(t, gatherIR)
	r := rand.New(rand.NewPCG(9, 10))
	const b, c, k = 10, 37, 11
	x := randomArray(r, ir.F32, b, c)
	idx, wide := ir.NewArray(b, k), ir.NewArray(b, k)
	for i := range idx.Data {
		idx.Data[i] = float64(r.IntN(c))
		wide.Data[i] = float64(r.IntN(5) - 2) // times 1000: far out of range both ways
	}
	in := map[string]*ir.Array{"x": x, "idx": idx, "wide": wide}
	got := lib.run(t, "g", in, nil, runOptions{})
	for i := range b {
		for j := range k {
			at := idx.Data[i*k+j]
			if g, w := got["picked"].Data[i*k+j], x.Data[i*c+int(at)]; g != w {
				t.Fatalf("picked[%d,%d] = %v, want x[%d,%v] = %v", i, j, g, i, at, w)
			}
			// Out of range: clamped to the nearest valid index (never read outside the row).
			far := min(max(wide.Data[i*k+j]*1000, 0), c-1)
			if g, w := got["far"].Data[i*k+j], x.Data[i*c+int(far)]; g != w {
				t.Fatalf("far[%d,%d] = %v, want x[%d,%v] = %v", i, j, g, i, far, w)
			}
		}
		top := 0.0
		for j := range k {
			top = max(top, idx.Data[i*k+j])
		}
		if g, w := got["one"].Data[i], x.Data[i*c+int(top)]; g != w {
			t.Fatalf("one[%d] = %v, want %v", i, g, w)
		}
	}
	// With indices in range the interpreter agrees.
	for i := range wide.Data {
		wide.Data[i] = 0
	}
	want, err := ir.Interpret(lib.mod, "g", ir.Inputs{Tensors: in})
	if err != nil {
		t.Fatal(err)
	}
	got = lib.run(t, "g", in, nil, runOptions{})
	for i := range b {
		if w, g := want["lse"].Data[i], got["lse"].Data[i]; !closeTo(g, w, lseTol(c, w)) {
			t.Fatalf("lse[%d] = %v, want %v", i, g, w)
		}
	}
	for i := range want["far"].Data {
		if w, g := want["far"].Data[i], got["far"].Data[i]; g != w {
			t.Fatalf("far[%d] = %v, want %v", i, g, w)
		}
	}
	sameBits(t, "chunked", lib.run(t, "g", in, nil, runOptions{splits: []int64{3, 7}}), got)
}

// axisIR reduces and gathers along non-last axes.
const axisIR = `
func @ax(%x: f32[B,C], %y: f32[A,B,C], %idx: i32[K,C], %h: f16[B,C]) -> (colsum: f32[C], colsumk: f32[1,C], mid: f32[A,C], midlse: f32[A,1,C], picked: f32[K,C], hmax: f16[C]) {
  kernel k0 axis [B,C]
  kernel k1 axis [B,C]
  kernel k2 axis [A,B,C]
  kernel k3 axis [A,B,C]
  kernel k4 axis [B,C]
  kernel k5 axis [B,C]
  %4 = reduce_sum %x, axis=0 : f32[C] @k0
  %5 = reduce_sum %x, axis=0, keepdims, init=1 : f32[1,C] @k1
  %6 = reduce_max %y, axis=1 : f32[A,C] @k2
  %7 = reduce_lse %y, axis=1, keepdims, init=0 : f32[A,1,C] @k3
  %8 = take_along_axis %x, %idx, axis=0 : f32[K,C] @k4
  %9 = reduce_max %h, axis=0 : f16[C] @k5
  return colsum = %4, colsumk = %5, mid = %6, midlse = %7, picked = %8, hmax = %9
}
`

func TestAxisKernels(t *testing.T) {
	lib := buildLibrary(t, axisIR)
	r := rand.New(rand.NewPCG(11, 12))
	for _, size := range [][3]int{{3, 17, 1030}, {2, 1, 3}, {1, 0, 5}, {2, 700, 2}} {
		a, b, c := size[0], size[1], size[2]
		const k = 6
		x := randomArray(r, ir.F32, int64(b), int64(c))
		y := randomArray(r, ir.F32, int64(a), int64(b), int64(c))
		h := randomArray(r, ir.F16, int64(b), int64(c))
		if b > 1 && c > 3 {
			x.Data[c+3] = math.NaN()
			y.Data[2] = math.Inf(-1)
			y.Data[c+2] = math.Inf(-1)
		}
		idx := ir.NewArray(k, int64(c))
		for i := range idx.Data {
			if b > 0 {
				idx.Data[i] = float64(r.IntN(b))
			}
		}
		in := map[string]*ir.Array{"x": x, "y": y, "idx": idx, "h": h}
		got := lib.run(t, "ax", in, nil, runOptions{})
		if b == 0 {
			// An empty axis: sums are the initial element, the gather reads no memory.
			for i := range c {
				if got["colsum"].Data[i] != 0 || got["colsumk"].Data[i] != 1 {
					t.Fatalf("empty axis: colsum %v, colsumk %v", got["colsum"].Data[i], got["colsumk"].Data[i])
				}
			}
			continue
		}
		want, err := ir.Interpret(lib.mod, "ax", ir.Inputs{Tensors: in})
		if err != nil {
			t.Fatal(err)
		}
		for name, tol := range map[string]func(w float64) float64{
			"colsum":  func(w float64) float64 { return float64(b+2) * u32 * 4 * float64(b) },
			"colsumk": func(w float64) float64 { return float64(b+2) * u32 * 4 * float64(b+1) },
			"mid":     func(w float64) float64 { return 0 },
			"midlse":  func(w float64) float64 { return float64(b+4)*2*u32 + 2*u32*math.Abs(w) },
			"picked":  func(w float64) float64 { return 0 },
			"hmax":    func(w float64) float64 { return 0 },
		} {
			for i, w := range want[name].Data {
				if g := got[name].Data[i]; !closeTo(g, w, tol(w)) {
					t.Fatalf("%v: %s[%d] = %v, want %v", size, name, i, g, w)
				}
			}
		}
		sameBits(t, "chunked", lib.run(t, "ax", in, nil, runOptions{splits: []int64{1, 2, 3, 513, 700}}), got)
	}
}

func TestRowEmitErrors(t *testing.T) {
	for _, tc := range []struct{ src, want string }{
		{`func @f(%x: f32[B,C], %i: i32[B,K]) -> (r: f32[B,K]) {
  kernel k0 rows [B]
  %2 = neg %x : f32[B,C] @k0
  %3 = take_along_axis %2, %i, axis=1 : f32[B,K] @k0
  return r = %3
}`, "for @f kernel k0: %3 = take_along_axis %2, %i, axis=1 : f32[B,K] @k0: take_along_axis reads data computed in the same kernel"},
		{`func @f(%x: f32[B,C]) -> (r: f32[C]) {
  kernel k0 rows [B]
  %1 = reduce_sum %x, axis=0 : f32[C] @k0
  return r = %1
}`, "a row kernel computes reduce_sum only along the last axis"},
		{`func @f(%x: f32[B,C]) -> (r: f32[B], q: f32[B,C]) {
  kernel k0 axis [B,C]
  %1 = reduce_sum %x, axis=1 : f32[B] @k0
  %2 = neg %x : f32[B,C] @k0
  return r = %1, q = %2
}`, "op neg cannot be compiled into an axis kernel"},
	} {
		m, err := ir.Parse(tc.src)
		if err != nil {
			t.Fatal(err)
		}
		_, _, _, err = Emit(m, codegen.Target{})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Emit error = %v, want it to contain %q", err, tc.want)
		}
		checkInternalError(t, err, "k0")
	}
}

// TestVectorisesZLPR checks the optimized IR of ZLPR's row kernel: the
// reduction pass (two log-sum-exps) and the gradient pass each run a loop on
// <8 x float> with the exp inline (no call), with no fast-math flags, and the
// assembly has no FMA but exp's own (no contraction: at most one FMA
// instruction per llvm.fma call in the optimized IR).
func TestVectorisesZLPR(t *testing.T) {
	tools := needTools(t)
	m, err := ir.Parse(loadIR(t, "testdata/rows/zlpr.ir"))
	if err != nil {
		t.Fatal(err)
	}
	target := codegen.CPUTarget(codegen.DefaultCPU)
	ll, _, _, err := Emit(m, target)
	if err != nil {
		t.Fatal(err)
	}
	_, optimized, err := Compile(context.Background(), ll, Options{Target: target, Tools: tools})
	if err != nil {
		t.Fatal(err)
	}
	blocks := blocksOf(functionText(t, optimized, "dlc_zlpr_k0"))
	for _, pass := range []string{"p0.C.vec.", "p1.C.vec."} {
		found := false
		for label, body := range blocks {
			// The loop itself, not its preheader or exits.
			if !strings.HasPrefix(label, pass) || strings.Contains(label, ".pre") || strings.Contains(label, "done") ||
				strings.Contains(label, "one") || strings.Contains(label, "lanes") || strings.Contains(label, "combine") {
				continue
			}
			found = true
			if !strings.Contains(body, "<8 x float>") {
				t.Errorf("loop %s has no <8 x float> operations", label)
			}
			if strings.Contains(body, "call float") || strings.Contains(body, "@expf") {
				t.Errorf("loop %s calls a scalar function:\n%s", label, body)
			}
		}
		if !found {
			t.Errorf("no vector loop %s* in the optimized kernel", pass)
		}
	}
	if strings.Contains(optimized, "fmuladd") || strings.Contains(optimized, " fast ") || strings.Contains(optimized, "reassoc") ||
		strings.Contains(optimized, "nnan") || strings.Contains(optimized, "ninf") || strings.Contains(optimized, "contract") {
		t.Errorf("optimized IR has FMA or fast-math flags")
	}
	cmd := exec.Command(tools.LLC, "-O3", "-relocation-model=pic", "-fp-contract=off", "-mtriple="+target.Triple, "-mcpu="+target.CPU, "-o", "-", "-")
	cmd.Stdin = strings.NewReader(optimized)
	asm, err := cmd.Output()
	if err != nil {
		t.Fatal(err)
	}
	fmas := 0
	for _, name := range []string{"vfmadd", "vfmsub", "vfnmadd", "vfnmsub"} {
		fmas += bytes.Count(asm, []byte("\t"+name))
	}
	if calls := strings.Count(optimized, "call <8 x float> @llvm.fma.") + strings.Count(optimized, "call float @llvm.fma."); fmas > calls {
		t.Errorf("assembly has %d FMA instructions for %d llvm.fma calls: multiplies and adds were contracted", fmas, calls)
	}
}

// functionText is the definition of function name in LLVM IR text.
func functionText(t *testing.T, ll, name string) string {
	t.Helper()
	start := strings.Index(ll, "define void @"+name+"(")
	if start < 0 {
		t.Fatalf("no function %s in the optimized IR", name)
	}
	end := strings.Index(ll[start:], "\n}\n")
	return ll[start : start+end]
}

// blocksOf splits a function into its basic blocks by label (opt's inliner
// appends ".i" to the body's labels).
func blocksOf(fn string) map[string]string {
	blocks := map[string]string{}
	label := ""
	for _, line := range strings.Split(fn, "\n") {
		if line != "" && !strings.HasPrefix(line, " ") && !strings.HasPrefix(line, "define") && strings.Contains(line, ":") {
			label = line[:strings.Index(line, ":")]
			continue
		}
		blocks[label] += line + "\n"
	}
	return blocks
}

// dtypesIR is a softmax over f16 and bf16 rows (computed in f32 registers,
// rounded once when stored), with an i32 and a bool per-element output and an
// f64 row: the vector loops load and store every storage type.
const dtypesIR = `
func @dt(%h: f16[B,C], %g: bf16[B,C], %d: f64[B,C], %n: i32[B,C]) -> (sh: f16[B,C], sg: bf16[B,C], pos: bool[B,C], twice: i32[B,C], dd: f64[B,C]) {
  kernel k0 rows [B]
  %4 = reduce_lse %h, axis=1, keepdims : f16[B,1] @k0
  %5 = sub %h, %4 : f16[B,C] @k0
  %6 = exp %5 : f16[B,C] @k0
  %7 = reduce_max %g, axis=1, keepdims : bf16[B,1] @k0
  %8 = sub %g, %7 : bf16[B,C] @k0
  %9 = const 0 : bf16
  %10 = gt %8, %9 : bool[B,C] @k0
  %11 = add %n, %n : i32[B,C] @k0
  %12 = reduce_sum %d, axis=1, keepdims : f64[B,1] @k0
  %13 = sub %d, %12 : f64[B,C] @k0
  return sh = %6, sg = %8, pos = %10, twice = %11, dd = %13
}
`

func TestRowDTypes(t *testing.T) {
	lib := buildLibrary(t, dtypesIR)
	r := rand.New(rand.NewPCG(13, 14))
	const b, c = 7, 45
	n := ir.NewArray(b, c)
	for i := range n.Data {
		n.Data[i] = float64(r.IntN(1000) - 500)
	}
	in := map[string]*ir.Array{"h": randomArray(r, ir.F16, b, c), "g": randomArray(r, ir.BF16, b, c), "d": randomArray(r, ir.F64, b, c), "n": n}
	want, err := ir.Interpret(lib.mod, "dt", ir.Inputs{Tensors: in})
	if err != nil {
		t.Fatal(err)
	}
	got := lib.run(t, "dt", in, nil, runOptions{})
	for i := range b * c {
		// The f16 softmax: the f32 computation is within a few f32 ulps, then
		// rounds once to f16: within one f16 ulp of the rounded oracle.
		if w, g := ir.Convert(want["sh"].Data[i], ir.F16), got["sh"].Data[i]; !agree(ir.F16, g, w, 1) {
			t.Fatalf("sh[%d] = %v, want %v", i, g, w)
		}
		// max and sub of bf16 values: exact in f32, one rounding to bf16.
		if w, g := ir.Convert(want["sg"].Data[i], ir.BF16), got["sg"].Data[i]; !agree(ir.BF16, g, w, 0) {
			t.Fatalf("sg[%d] = %v, want %v", i, g, w)
		}
		for _, name := range []string{"pos", "twice"} {
			if w, g := want[name].Data[i], got[name].Data[i]; g != w {
				t.Fatalf("%s[%d] = %v, want %v", name, i, g, w)
			}
		}
		if w, g := want["dd"].Data[i], got["dd"].Data[i]; !closeTo(g, w, float64(c/8+10)*0x1p-53*float64(4*c)) {
			t.Fatalf("dd[%d] = %v, want %v", i, g, w)
		}
	}
	sameBits(t, "chunked", lib.run(t, "dt", in, nil, runOptions{splits: []int64{2, 3}}), got)
}

// TestRowLoopsWiden checks that every loop of the test kernels got its vector
// loop: the widener falls back to the scalar loop silently (still correct),
// so a lowering it cannot widen would otherwise go unnoticed.
func TestRowLoopsWiden(t *testing.T) {
	for name, src := range map[string]string{
		"zlpr": loadIR(t, "testdata/rows/zlpr.ir"), "zlpr_hard": loadIR(t, "testdata/rows/zlpr_hard.ir"),
		"zlpr_sparse": loadIR(t, "testdata/rows/zlpr_sparse.ir"), "reduce": reduceIR, "broadcast": broadcastIR,
		"gather": gatherIR, "dtypes": dtypesIR,
	} {
		m, err := ir.Parse(src)
		if err != nil {
			t.Fatal(err)
		}
		ll, _, _, err := Emit(m, codegen.Target{})
		if err != nil {
			t.Fatal(err)
		}
		tails, vecs := 0, 0
		for _, line := range strings.Split(ll, "\n") {
			if !strings.HasSuffix(line, ":") {
				continue
			}
			parts := strings.Split(strings.TrimSuffix(line, ":"), ".")
			if len(parts) == 4 && parts[2] == "tail" {
				tails++
			}
			if len(parts) == 4 && parts[2] == "vec" {
				vecs++
			}
		}
		if tails == 0 || vecs != tails {
			t.Errorf("%s: %d scalar loops, %d vector loops", name, tails, vecs)
		}
	}
}

// iotaIR uses iota in a row kernel (along the row: a per-element index; along
// the rows: the row's index) and in a loop kernel: softmax_ce's one-hot
// labels select the class equal to the label.
const iotaIR = `
func @io(%x: f32[A,B,C], %label: i32[A,B,1], %y: f32[N,M]) -> (picked: f32[A,B], cls: i32[A,B,C], rowidx: i64[A,B,C], flat: i32[N,M]) {
  kernel k0 rows [A,B]
  kernel k1 loop [N,M]
  %4 = iota axis=2 : i32[A,B,C] @k0
  %5 = eq %4, %label : bool[A,B,C] @k0
  %6 = const 0 : f32
  %7 = select %5, %x, %6 : f32[A,B,C] @k0
  %8 = reduce_sum %7, axis=2 : f32[A,B] @k0
  %9 = iota axis=1 : i64[A,B,C] @k0
  %10 = iota axis=0 : i32[N,M] @k1
  return picked = %8, cls = %4, rowidx = %9, flat = %10
}
`

func TestIota(t *testing.T) {
	lib := buildLibrary(t, iotaIR)
	r := rand.New(rand.NewPCG(15, 16))
	const a, b, c = 3, 5, 21
	label := ir.NewArray(a, b, 1)
	for i := range label.Data {
		label.Data[i] = float64(r.IntN(c))
	}
	in := map[string]*ir.Array{"x": randomArray(r, ir.F32, a, b, c), "label": label, "y": ir.NewArray(7, 9)}
	want, err := ir.Interpret(lib.mod, "io", ir.Inputs{Tensors: in})
	if err != nil {
		t.Fatal(err)
	}
	got := lib.run(t, "io", in, nil, runOptions{})
	for _, name := range []string{"picked", "cls", "rowidx", "flat"} {
		for i, w := range want[name].Data {
			if g := got[name].Data[i]; g != w {
				t.Fatalf("%s[%d] = %v, want %v", name, i, g, w)
			}
		}
	}
	sameBits(t, "chunked", lib.run(t, "io", in, nil, runOptions{splits: []int64{4, 9}}), got)
}

// shareIR has values needed on complementary lanes (rowshare.go): exps
// guarded by selects on c, an exp of a select with a per-row arm, divisions
// by per-row values, and an exp that is also used unguarded (not shared).
const shareIR = `
func @sh(%x: f32[B,C], %m: bool[B,C], %w: f32[B,1]) -> (a: f32[B,C], b: f32[B,C], q: f32[B,C], u: f32[B,C], s: f32[B]) {
  kernel k0 rows [B]
  %3 = const 0 : f32
  %4 = const -inf : f32
  %5 = exp %x : f32[B,C] @k0
  %6 = neg %x : f32[B,C] @k0
  %7 = exp %6 : f32[B,C] @k0
  %8 = select %m, %5, %3 : f32[B,C] @k0
  %9 = select %m, %3, %7 : f32[B,C] @k0
  %10 = add %8, %9 : f32[B,C] @k0
  %11 = select %m, %x, %4 : f32[B,C] @k0
  %12 = sub %11, %w : f32[B,C] @k0
  %13 = exp %12 : f32[B,C] @k0
  %14 = select %m, %4, %6 : f32[B,C] @k0
  %15 = exp %14 : f32[B,C] @k0
  %16 = div %13, %w : f32[B,C] @k0
  %17 = div %15, %w : f32[B,C] @k0
  %18 = sub %16, %17 : f32[B,C] @k0
  %19 = mul %5, %w : f32[B,C] @k0
  %20 = reduce_sum %13, axis=1 : f32[B] @k0
  return a = %10, b = %18, q = %19, u = %15, s = %20
}
`

func TestRowSharing(t *testing.T) {
	lib := buildLibrary(t, shareIR)
	r := rand.New(rand.NewPCG(17, 18))
	const b, c = 9, 37
	x, mask, w := randomArray(r, ir.F32, b, c), ir.NewArray(b, c), ir.NewArray(b, 1)
	for i := range mask.Data {
		mask.Data[i] = float64(r.IntN(2))
	}
	for i := range w.Data {
		w.Data[i] = float64(float32(0.5 + r.Float64()))
	}
	x.Data[3], x.Data[4], x.Data[5] = math.NaN(), math.Inf(1), math.Inf(-1)
	w.Data[2] = math.NaN()
	in := map[string]*ir.Array{"x": x, "m": mask, "w": w}
	want, err := ir.Interpret(lib.mod, "sh", ir.Inputs{Tensors: in})
	if err != nil {
		t.Fatal(err)
	}
	got := lib.run(t, "sh", in, nil, runOptions{})
	for _, name := range []string{"a", "b", "q", "u"} {
		for i, wv := range want[name].Data {
			wv = ir.Convert(wv, ir.F32)
			// exp within 2 ulps, then at most a division and a subtraction.
			if g := got[name].Data[i]; !agree(ir.F32, g, wv, 4) && !closeTo(g, wv, 8*u32*math.Abs(wv)+1e-37) {
				t.Fatalf("%s[%d] = %v, want %v (x %v, m %v)", name, i, g, wv, x.Data[i], mask.Data[i])
			}
		}
	}
	for i, wv := range want["s"].Data {
		if g := got["s"].Data[i]; !closeTo(g, wv, sumTol(c, 40*float64(c))*4) {
			t.Fatalf("s[%d] = %v, want %v", i, g, wv)
		}
	}
	sameBits(t, "chunked", lib.run(t, "sh", in, nil, runOptions{splits: []int64{2, 5}}), got)
}
