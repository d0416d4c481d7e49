package ir

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// dotCase is a random dot_general: every axis of each operand carries a
// label, and each label has a size. Batch labels are in both operands and the
// result, contracted labels in both operands only, free labels in one operand
// and the result.
type dotCase struct {
	lhs, rhs []string // label of each axis
	batch    []string // in the order the dimension numbers list them
	contract []string
	size     map[string]int64
	dims     DotDims
}

// randomDotCase draws up to two labels of each kind, sizes 1..5, and a
// random axis order for each operand.
func randomDotCase(r *rand.Rand) dotCase {
	c := dotCase{size: map[string]int64{}}
	var freeL, freeR []string
	label := func(kind string, i int) string {
		l := fmt.Sprintf("%s%d", kind, i)
		c.size[l] = int64(1 + r.IntN(5))
		return l
	}
	for i := range r.IntN(3) {
		c.batch = append(c.batch, label("b", i))
	}
	for i := range r.IntN(3) {
		c.contract = append(c.contract, label("k", i))
	}
	for i := range r.IntN(3) {
		freeL = append(freeL, label("m", i))
	}
	for i := range r.IntN(3) {
		freeR = append(freeR, label("n", i))
	}
	shuffled := func(parts ...[]string) []string {
		var all []string
		for _, p := range parts {
			all = append(all, p...)
		}
		r.Shuffle(len(all), func(i, j int) { all[i], all[j] = all[j], all[i] })
		return all
	}
	// Parameters are tensors: give an operand without axes a free one.
	if len(c.batch)+len(c.contract)+len(freeL) == 0 {
		freeL = append(freeL, label("m", 9))
	}
	if len(c.batch)+len(c.contract)+len(freeR) == 0 {
		freeR = append(freeR, label("n", 9))
	}
	c.lhs = shuffled(c.batch, c.contract, freeL)
	c.rhs = shuffled(c.batch, c.contract, freeR)
	for _, l := range c.batch {
		c.dims.LhsBatch = append(c.dims.LhsBatch, slices.Index(c.lhs, l))
		c.dims.RhsBatch = append(c.dims.RhsBatch, slices.Index(c.rhs, l))
	}
	for _, l := range c.contract {
		c.dims.LhsContract = append(c.dims.LhsContract, slices.Index(c.lhs, l))
		c.dims.RhsContract = append(c.dims.RhsContract, slices.Index(c.rhs, l))
	}
	return c
}

// out is the label of each result axis: batch labels, then the free labels
// of each operand in its axis order.
func (c dotCase) out() []string {
	out := append([]string{}, c.batch...)
	for _, side := range [][]string{c.lhs, c.rhs} {
		for _, l := range side {
			if !slices.Contains(c.batch, l) && !slices.Contains(c.contract, l) {
				out = append(out, l)
			}
		}
	}
	return out
}

func (c dotCase) shape(labels []string) []int64 {
	s := make([]int64, len(labels))
	for i, l := range labels {
		s[i] = c.size[l]
	}
	return s
}

// irShape writes a shape with every size as a constant dimension.
func irShape(s []int64) Shape {
	var out Shape
	for _, n := range s {
		out = append(out, ConstDim(n))
	}
	return out
}

// labelReference computes the product as its definition reads, independently
// of the interpreter: for every assignment of a value to every label, add
// lhs*rhs to the result element those values select.
func labelReference(lhsLabels, rhsLabels, outLabels []string, size map[string]int64, lhs, rhs *Array) *Array {
	var labels []string
	for _, l := range append(append(append([]string{}, lhsLabels...), rhsLabels...), outLabels...) {
		if !slices.Contains(labels, l) {
			labels = append(labels, l)
		}
	}
	shapeOf := func(ls []string) []int64 {
		s := make([]int64, len(ls))
		for i, l := range ls {
			s[i] = size[l]
		}
		return s
	}
	out := NewArray(shapeOf(outLabels)...)
	offset := func(ls []string, at map[string]int64) int64 {
		o := int64(0)
		for _, l := range ls {
			o = o*size[l] + at[l]
		}
		return o
	}
	at := map[string]int64{}
	var visit func(i int)
	visit = func(i int) {
		if i == len(labels) {
			out.Data[offset(outLabels, at)] += lhs.Data[offset(lhsLabels, at)] * rhs.Data[offset(rhsLabels, at)]
			return
		}
		for x := int64(0); x < size[labels[i]]; x++ {
			at[labels[i]] = x
			visit(i + 1)
		}
	}
	visit(0)
	return out
}

// randomArray fills an array with small integers, so that every sum of
// products is exact in float64 and results compare exactly.
func randomArray(r *rand.Rand, shape []int64) *Array {
	a := NewArray(shape...)
	for i := range a.Data {
		a.Data[i] = float64(r.IntN(9) - 4)
	}
	return a
}

// TestDotGeneralAgainstReference interprets random dot_generals, batch,
// contracted and free axes in any order, sizes 1 to 5, and compares each
// with labelReference.
func TestDotGeneralAgainstReference(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for n := 0; n < 300; n++ {
		c := randomDotCase(r)
		outShape := c.shape(c.out())
		src := fmt.Sprintf("func @f(%%a: f64%s, %%b: f64%s) -> (y: f64%s) {\n  %%2 = dot_general %%a, %%b %s : f64%s\n  return y = %%2\n}\n",
			irShape(c.shape(c.lhs)), irShape(c.shape(c.rhs)), irShape(outShape), c.dims, irShape(outShape))
		src = strings.ReplaceAll(src, "f64[]", "f64")
		m, err := Parse(src)
		require.NoError(t, err, src)
		require.NoError(t, Verify(m), src)
		a, b := randomArray(r, c.shape(c.lhs)), randomArray(r, c.shape(c.rhs))
		got, err := Interpret(m, "f", Inputs{Tensors: map[string]*Array{"a": a, "b": b}})
		require.NoError(t, err, src)
		want := labelReference(c.lhs, c.rhs, c.out(), c.size, a, b)
		require.Equal(t, want.Data, got["y"].Data, src)
		require.Equal(t, Print(m), src, "the text form round-trips")
	}
}

// TestDotGeneralRounds checks that dot_general accumulates in float64 and
// rounds once to the result dtype: 1 + 2^-30 - 1 is 2^-30 in float64, while
// f32 arithmetic would lose the small term before the cancellation.
func TestDotGeneralRounds(t *testing.T) {
	for _, c := range []struct {
		dt   string
		want float64
	}{{"f64", 0x1p-30}, {"f32", 0x1p-30}, {"bf16", float64(BF16ToF32(F32ToBF16(0x1p-30)))}} {
		src := fmt.Sprintf("func @f(%%a: %[1]s[K], %%b: %[1]s[K]) -> (y: %[1]s) {\n  %%2 = dot_general %%a, %%b contract=[0]x[0] : %[1]s\n  return y = %%2\n}\n", c.dt)
		m, err := Parse(src)
		require.NoError(t, err)
		a := &Array{Shape: []int64{3}, Data: []float64{1, 0x1p-30, -1}}
		b := &Array{Shape: []int64{3}, Data: []float64{1, 1, 1}}
		got, err := Interpret(m, "f", Inputs{Tensors: map[string]*Array{"a": a, "b": b}})
		require.NoError(t, err)
		require.Equal(t, c.want, got["y"].Data[0], c.dt)
	}
	// A sum that f32 cannot hold is rounded once.
	src := "func @f(%a: f32[K], %b: f32[K]) -> (y: f32) {\n  %2 = dot_general %a, %b contract=[0]x[0] : f32\n  return y = %2\n}\n"
	m, err := Parse(src)
	require.NoError(t, err)
	a := &Array{Shape: []int64{2}, Data: []float64{1, 0x1p-30}}
	b := &Array{Shape: []int64{2}, Data: []float64{1, 1}}
	got, err := Interpret(m, "f", Inputs{Tensors: map[string]*Array{"a": a, "b": b}})
	require.NoError(t, err)
	require.Equal(t, 1.0, got["y"].Data[0])
}

// TestDotGeneralAccumulatesInF32 checks that 16-bit operands may declare an
// f32 result, which the interpreter rounds once to f32, not to 16 bits.
func TestDotGeneralAccumulatesInF32(t *testing.T) {
	for _, dt := range []string{"bf16", "f16"} {
		src := fmt.Sprintf("func @f(%%a: %[1]s[K], %%b: %[1]s[K]) -> (y: f32) {\n  %%2 = dot_general %%a, %%b contract=[0]x[0] : f32\n  return y = %%2\n}\n", dt)
		m, err := Parse(src)
		require.NoError(t, err)
		require.NoError(t, Verify(m), dt)
		// 1 + 2^-12 needs 13 significant bits: f32 holds it, neither 16-bit dtype does.
		a := &Array{Shape: []int64{2}, Data: []float64{1, 0x1p-6}}
		b := &Array{Shape: []int64{2}, Data: []float64{1, 0x1p-6}}
		got, err := Interpret(m, "f", Inputs{Tensors: map[string]*Array{"a": a, "b": b}})
		require.NoError(t, err)
		require.Equal(t, 1+0x1p-12, got["y"].Data[0], dt)
	}
}

// TestTransposeAgainstReference transposes random tensors of rank 1 to 4 by
// random permutations and checks every element against its index mapping.
func TestTransposeAgainstReference(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for n := 0; n < 100; n++ {
		rank := 1 + r.IntN(4)
		shape := make([]int64, rank)
		for i := range shape {
			shape[i] = int64(1 + r.IntN(4))
		}
		perm := r.Perm(rank)
		out := make([]int64, rank)
		for i, p := range perm {
			out[i] = shape[p]
		}
		src := fmt.Sprintf("func @f(%%x: i32%s) -> (y: i32%s) {\n  %%1 = transpose %%x perm=%s : i32%s\n  return y = %%1\n}\n",
			irShape(shape), irShape(out), FormatInts(perm), irShape(out))
		src = strings.ReplaceAll(src, "i32[]", "i32")
		m, err := Parse(src)
		require.NoError(t, err, src)
		require.NoError(t, Verify(m), src)
		x := randomArray(r, shape)
		got, err := Interpret(m, "f", Inputs{Tensors: map[string]*Array{"x": x}})
		require.NoError(t, err, src)
		// Result element idx is x at the index whose axis perm[i] is idx[i].
		xIdx := make([]int64, rank)
		for o := range got["y"].Data {
			rem := int64(o)
			for i := rank - 1; i >= 0; i-- {
				xIdx[perm[i]] = rem % out[i]
				rem /= out[i]
			}
			flat := int64(0)
			for i := range shape {
				flat = flat*shape[i] + xIdx[i]
			}
			require.Equal(t, x.Data[flat], got["y"].Data[o], "%s at %d", src, o)
		}
	}
}

// TestContractionTypeErrors checks every way a dot_general or transpose can
// break its type rule, with the verifier's exact message.
func TestContractionTypeErrors(t *testing.T) {
	fn := func(params, op, result string) string {
		return fmt.Sprintf("func @f(%s) -> (y: %s) {\n  %%9 = %s : %s\n  return y = %%9\n}\n", params, result, op, result)
	}
	cases := []struct{ src, want string }{
		{fn("%a: f32[B,K], %b: f32[J,N]", "dot_general %a, %b contract=[1]x[0]", "f32[B,N]"),
			"dot_general contracts axis 1 of f32[B,K] with axis 0 of f32[J,N], but their sizes differ (K and J)"},
		{fn("%a: f32[B,M,K], %b: f32[C,K,N]", "dot_general %a, %b batch=[0]x[0] contract=[2]x[1]", "f32[B,M,N]"),
			"dot_general batch axis 0 of f32[B,M,K] with axis 0 of f32[C,K,N], but their sizes differ (B and C)"},
		{fn("%a: f32[M,4], %b: f32[3,N]", "dot_general %a, %b contract=[1]x[0]", "f32[M,N]"),
			"their sizes differ (4 and 3)"},
		{fn("%a: i32[M,K], %b: i32[K,N]", "dot_general %a, %b contract=[1]x[0]", "i32[M,N]"),
			"dot_general needs float operands, got i32[M,K]"},
		{fn("%a: bool[M,K], %b: bool[K,N]", "dot_general %a, %b contract=[1]x[0]", "bool[M,N]"),
			"dot_general needs float operands, got bool[M,K]"},
		{fn("%a: f32[M,K], %b: f64[K,N]", "dot_general %a, %b contract=[1]x[0]", "f32[M,N]"),
			"mismatched dtypes f32 and f64 in dot_general"},
		{fn("%a: f32[M,K], %b: f32[K,N]", "dot_general %a, %b contract=[2]x[0]", "f32[M,N]"),
			"axis 2 is out of range for f32[M,K], which has axes -2..1"},
		{fn("%a: f32[M,K], %b: f32[K,N]", "dot_general %a, %b contract=[1]x[0,1]", "f32[M,N]"),
			"dot_general pairs axes of its operands, so each side needs as many: contract=[1]x[0,1]"},
		{fn("%a: f32[K,K], %b: f32[K,K]", "dot_general %a, %b batch=[0]x[0] contract=[0]x[1]", "f32[K]"),
			"dot_general lists axis 0 of f32[K,K] twice"},
		{fn("%a: f32[M,K], %b: f32[K,N]", "dot_general %a, %b contract=[1]x[0]", "f32[N,M]"),
			"declared type f32[N,M], but dot_general of these operands is f32[M,N]"},
		{fn("%a: bf16[M,K], %b: bf16[K,N]", "dot_general %a, %b contract=[1]x[0]", "f16[M,N]"),
			"declared type f16[M,N], but dot_general of these operands is bf16[M,N]"},
		{fn("%a: bf16[M,K], %b: bf16[K,N]", "dot_general %a, %b contract=[1]x[0]", "f64[M,N]"),
			"declared type f64[M,N], but dot_general of these operands is bf16[M,N]"},
		{fn("%a: f32[M,K], %b: f32[K,N]", "dot_general %a, %b contract=[1]x[0]", "f64[M,N]"),
			"declared type f64[M,N], but dot_general of these operands is f32[M,N]"},
		{fn("%x: f32[M,K]", "transpose %x perm=[0,0]", "f32[M,M]"),
			"perm=[0,0] is not a permutation of the 2 axes of f32[M,K]"},
		{fn("%x: f32[M,K]", "transpose %x perm=[1]", "f32[K]"),
			"perm=[1] is not a permutation of the 2 axes of f32[M,K]"},
		{fn("%x: f32[M,K]", "transpose %x perm=[1,0]", "f32[M,K]"),
			"declared type f32[M,K], but transpose of these operands is f32[K,M]"},
	}
	for _, c := range cases {
		m, err := Parse(c.src)
		require.NoError(t, err, c.src)
		err = Verify(m)
		require.Error(t, err, c.src)
		require.Contains(t, err.Error(), c.want, c.src)
	}
}

// TestContractionAttributes checks that only dot_general takes dimension
// numbers and only transpose a permutation, in the text form and in the
// verifier, and that the parser reports malformed lists.
func TestContractionAttributes(t *testing.T) {
	parseErrs := map[string]string{
		"func @f(%x: f32[N]) -> (y: f32[N]) {\n  %1 = neg %x perm=[0] : f32[N]\n  return y = %1\n}\n":                                `2:15: neg takes no attribute "perm"`,
		"func @f(%x: f32[N]) -> (y: f32[N]) {\n  %1 = transpose %x contract=[0]x[0] : f32[N]\n  return y = %1\n}\n":                  `transpose takes no attribute "contract"`,
		"func @f(%x: f32[N]) -> (y: f32) {\n  %1 = dot_general %x, %x contract=[0]x[0] contract=[0]x[0] : f32\n  return y = %1\n}\n": `contract is given twice`,
		"func @f(%x: f32[N]) -> (y: f32) {\n  %1 = dot_general %x, %x contract=[0][0] : f32\n  return y = %1\n}\n":                   `expected "x", found "["`,
		"func @f(%x: f32[N]) -> (y: f32) {\n  %1 = dot_general %x, %x contract=[-1]x[0] : f32\n  return y = %1\n}\n":                 `expected a non-negative axis, found "-1"`,
		"func @f(%x: f32[N]) -> (y: f32[N]) {\n  %1 = transpose %x perm=[0] perm=[0] : f32[N]\n  return y = %1\n}\n":                 `perm is given twice`,
		"func @f(%x: f32[N]) -> (y: f32[N]) {\n  %1 = transpose %x, perm=[0 : f32[N]\n  return y = %1\n}\n":                          `expected ","`,
		"func @f(%x: f32[N]) -> (y: f32[N]) {\n  kernel k0 gemm [N]\n  %1 = neg %x : f32[N] @k0\n  return y = %1\n}\n":               `kernel kind must be loop, rows, axis, contraction or transpose, found "gemm"`,
	}
	for src, want := range parseErrs {
		_, err := Parse(src)
		require.Error(t, err, src)
		require.Contains(t, err.Error(), want, src)
	}
	// The comma before an attribute is optional; the printed form has none before lists.
	m, err := Parse("func @f(%x: f32[M,N]) -> (y: f32[N,M]) {\n  %1 = transpose %x, perm=[1,0] : f32[N,M]\n  return y = %1\n}\n")
	require.NoError(t, err)
	require.Contains(t, Print(m), "%1 = transpose %x perm=[1,0] : f32[N,M]")

	for _, c := range []struct {
		set  func(v *Value)
		want string
	}{
		{func(v *Value) { v.Perm = []int{0} }, "add takes no perm attribute"},
		{func(v *Value) { v.Dot.LhsContract = []int{0} }, "add takes no dimension numbers attribute"},
	} {
		m, err := Parse("func @f(%x: f32[N]) -> (y: f32[N]) {\n  %1 = add %x, %x : f32[N]\n  return y = %1\n}\n")
		require.NoError(t, err)
		c.set(m.Funcs[0].Body[0])
		require.ErrorContains(t, Verify(m), c.want)
	}
}

// TestContractionKernels checks the verifier's rules for scheduled
// contractions and transposes: a transpose is the one value of its kernel, a
// contraction the one contraction of its kernel, with elementwise values
// around it (its operands' producers and its result's consumers).
func TestContractionKernels(t *testing.T) {
	head := "func @f(%a: f32[M,K], %b: f32[K,N]) -> (y: f32[N,M]) {\n"
	ok := head + "  kernel k0 contraction [M,N]\n  kernel k1 transpose [N,M]\n" +
		"  %2 = dot_general %a, %b contract=[1]x[0] : f32[M,N] @k0\n  %3 = transpose %2 perm=[1,0] : f32[N,M] @k1\n  return y = %3\n}\n"
	fused := head + "  kernel k0 contraction [M,N]\n  kernel k1 transpose [N,M]\n" +
		"  %2 = neg %a : f32[M,K] @k0\n  %3 = dot_general %2, %b contract=[1]x[0] : f32[M,N] @k0\n" +
		"  %4 = const 0 : f32\n  %5 = max %3, %4 : f32[M,N] @k0\n  %6 = transpose %5 perm=[1,0] : f32[N,M] @k1\n  return y = %6\n}\n"
	for _, src := range []string{ok, fused} {
		m, err := Parse(src)
		require.NoError(t, err)
		require.NoError(t, Verify(m))
		require.Equal(t, src, Print(m))
	}
	for src, want := range map[string]string{
		head + "  kernel k0 loop [M,N]\n  kernel k1 transpose [N,M]\n" +
			"  %2 = dot_general %a, %b contract=[1]x[0] : f32[M,N] @k0\n  %3 = transpose %2 perm=[1,0] : f32[N,M] @k1\n  return y = %3\n}\n": "dot_general is computed only by a contraction kernel of its own",
		head + "  kernel k0 contraction [M,N]\n" +
			"  %2 = dot_general %a, %b contract=[1]x[0] : f32[M,N] @k0\n  %3 = transpose %2 perm=[1,0] : f32[N,M] @k0\n  return y = %3\n}\n": "transpose is computed only by a transpose kernel of its own",
		head + "  kernel k0 contraction [N,M]\n  kernel k1 transpose [N,M]\n" +
			"  %2 = dot_general %a, %b contract=[1]x[0] : f32[M,N] @k0\n  %3 = transpose %2 perm=[1,0] : f32[N,M] @k1\n  return y = %3\n}\n": "a contraction kernel over [N,M] computes one contraction of that shape",
		head + "  kernel k0 contraction [M,N]\n  kernel k1 transpose [N,M]\n" +
			"  %2 = reduce_sum %a, axis=1 : f32[M] @k0\n  %3 = dot_general %a, %b contract=[1]x[0] : f32[M,N] @k0\n  %4 = transpose %3 perm=[1,0] : f32[N,M] @k1\n  return y = %4\n}\n": "a contraction kernel over [M,N] computes one contraction of that shape and elementwise values around it",
		head + "  kernel k0 contraction [M,N]\n  kernel k1 transpose [N,M]\n" +
			"  %2 = dot_general %a, %b contract=[1]x[0] : f32[M,N] @k0\n  %3 = dot_general %a, %b contract=[1]x[0] : f32[M,N] @k0\n  %4 = transpose %3 perm=[1,0] : f32[N,M] @k1\n  return y = %4\n}\n": "kernel k0 contraction computes 2 contractions; it computes exactly one",
	} {
		m, err := Parse(src)
		require.NoError(t, err, src)
		require.ErrorContains(t, Verify(m), want, src)
	}
}

// TestContractionVJP applies the gradient rules of dot_general and transpose
// to random cases and compares the cotangents they compute, in the
// interpreter, with central differences of L = sum(ct * y) through the
// interpreter. L is linear in each element, so the differences are exact up
// to rounding: the tolerance is a few float64 roundings of the sums.
func TestContractionVJP(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for n := 0; n < 60; n++ {
		c := randomDotCase(r)
		outShape := c.shape(c.out())
		y := fmt.Sprintf("dot_general %%a, %%b %s", c.dims)
		perm := r.Perm(len(outShape))
		checkContractionVJP(t, r, c.shape(c.lhs), c.shape(c.rhs), outShape, y, perm)
	}
}

// checkContractionVJP builds y = op(a, b) followed by transpose(y, perm), applies both
// rules in reverse with a random cotangent, and compares da and db with
// central differences.
func checkContractionVJP(t *testing.T, r *rand.Rand, sa, sb, sy []int64, op string, perm []int) {
	t.Helper()
	st := make([]int64, len(perm))
	for i, p := range perm {
		st[i] = sy[p]
	}
	ty := func(s []int64) string { return strings.TrimSuffix("f64"+irShape(s).String(), "[]") }
	sep := ", " // a scalar cotangent is a scalar parameter
	if len(st) == 0 {
		sep = "; "
	}
	src := fmt.Sprintf("func @f(%%a: %s, %%b: %s%s%%ct: %s) -> (z: %s) {\n  %%3 = %s : %s\n  %%4 = transpose %%3 perm=%s : %s\n  return z = %%4\n}\n",
		ty(sa), ty(sb), sep, ty(st), ty(st), op, ty(sy), FormatInts(perm), ty(st))
	m, err := Parse(src)
	require.NoError(t, err, src)
	require.NoError(t, Verify(m), src)
	f := m.Funcs[0]
	dot, tr := f.Body[0], f.Body[1]
	ctY := tr.Op.Info().VJP(f, tr, tr.Args, f.Params[2])[0]
	grads := dot.Op.Info().VJP(f, dot, dot.Args, ctY)
	f.Results = append(f.Results, Result{Name: "da", Value: grads[0]}, Result{Name: "db", Value: grads[1]})
	require.NoError(t, Verify(m), PrintFunc(f))

	in := map[string]*Array{"a": randomArray(r, sa), "b": randomArray(r, sb), "ct": randomArray(r, st)}
	for _, x := range in {
		for i := range x.Data {
			x.Data[i] += r.Float64() // not only integers
		}
	}
	inputs := func() Inputs {
		if len(st) == 0 {
			return Inputs{Tensors: map[string]*Array{"a": in["a"], "b": in["b"]}, Scalars: map[string]float64{"ct": in["ct"].Data[0]}}
		}
		return Inputs{Tensors: in}
	}
	out, err := Interpret(m, "f", inputs())
	require.NoError(t, err)
	loss := func() float64 {
		z, err := Interpret(m, "f", inputs())
		require.NoError(t, err)
		s := 0.0
		for i, v := range z["z"].Data {
			s += v * in["ct"].Data[i]
		}
		return s
	}
	const h = 0.25
	for name, grad := range map[string]*Array{"a": out["da"], "b": out["db"]} {
		x := in[name]
		require.Equal(t, x.Shape, grad.Shape, "%s: the cotangent has the operand's shape\n%s", name, PrintFunc(f))
		for i := range x.Data {
			old := x.Data[i]
			x.Data[i] = old + h
			up := loss()
			x.Data[i] = old - h
			down := loss()
			x.Data[i] = old
			fd := (up - down) / (2 * h)
			require.InDelta(t, fd, grad.Data[i], 1e-9*(1+math.Abs(fd)), "d%s[%d]\n%s", name, i, PrintFunc(f))
		}
	}
}
