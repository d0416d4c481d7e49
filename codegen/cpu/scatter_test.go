package cpu

import (
	"math"
	"math/rand/v2"
	"testing"

	"dlc.dev/dlc/ir"
)

// scatterIR adds updates back along the first axis, the last axis, and the
// last axis into bf16; x and y only give the result axes their sizes.
const scatterIR = `
func @sc(%u: f32[K,C], %j: i64[K,C], %v: f32[B,K], %i: i32[B,K], %h: bf16[B,K], %x: f32[N,C], %y: f32[B,M]) -> (a: f32[N,C], b: f32[B,M], c: bf16[B,M]) {
  kernel k0 axis [K,C]
  kernel k1 axis [B,K]
  kernel k2 axis [B,K]
  %7 = scatter_add %u, %j, axis=0 : f32[N,C] @k0
  %8 = scatter_add %v, %i, axis=1 : f32[B,M] @k1
  %9 = scatter_add %h, %i, axis=1 : bf16[B,M] @k2
  return a = %7, b = %8, c = %9
}
`

// TestScatterKernels compares scatter_add kernels with the interpreter on
// indices that repeat (so positions add several updates) and checks that any
// split of the output positions over chunks gives the same bits. Each output
// adds at most K updates in the interpreter's order, rounding each sum to f32:
// within K roundings of the sum of magnitudes (and bf16's rounding for c).
func TestScatterKernels(t *testing.T) {
	lib := buildLibrary(t, scatterIR)
	r := rand.New(rand.NewPCG(5, 6))
	for _, size := range [][4]int{{4, 3, 2, 5}, {6, 130, 3, 7}, {1, 1, 1, 1}, {9, 2, 1, 3}} {
		k, c, b, n := size[0], size[1], size[2], size[3]
		m := n + 1
		in := map[string]*ir.Array{
			"u": randomArray(r, ir.F32, int64(k), int64(c)), "v": randomArray(r, ir.F32, int64(b), int64(k)),
			"h": randomArray(r, ir.BF16, int64(b), int64(k)),
			"j": indices(r, n, int64(k), int64(c)), "i": indices(r, m, int64(b), int64(k)),
			"x": ir.NewArray(int64(n), int64(c)), "y": ir.NewArray(int64(b), int64(m)),
		}
		got := lib.run(t, "sc", in, nil, runOptions{})
		want, err := ir.Interpret(lib.mod, "sc", ir.Inputs{Tensors: in})
		if err != nil {
			t.Fatal(err)
		}
		tol := map[string]float64{"a": float64(k) * u32 * 8 * float64(k), "b": float64(k) * u32 * 8 * float64(k), "c": 0x1p-8 * 8 * float64(k)}
		for name, bound := range tol {
			for i, w := range want[name].Data {
				if g := got[name].Data[i]; math.Abs(g-w) > bound {
					t.Fatalf("%v: %s[%d] = %v, want %v", size, name, i, g, w)
				}
			}
		}
		sameBits(t, "chunked", lib.run(t, "sc", in, nil, runOptions{splits: []int64{1, 2, 5, 64}}), got)
	}
}

// indices draws integers in [0, n).
func indices(r *rand.Rand, n int, shape ...int64) *ir.Array {
	a := ir.NewArray(shape...)
	for i := range a.Data {
		a.Data[i] = float64(r.IntN(n))
	}
	return a
}
