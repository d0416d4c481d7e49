// This file runs compiled kernels and compares them with the float64 reference
// interpreter (ir.Interpret): every elementwise op over the dtypes it takes,
// with NaN, ±0, ±inf and extreme inputs.
//
// Tolerances. Each expected value is the oracle's float64 result rounded to the
// result dtype (ir.Convert). Ops that IEEE 754 rounds correctly in f32 and f64
// (add, sub, mul, div, sqrt) are exact, because rounding a float64 result of
// f32 operands to f32 gives the correctly rounded f32 result (53 >= 2*24+2, and
// 24 >= 2*11+2 for f16 and bf16 computed in f32). sign, select, compare,
// min, max, clamp, floor, neg, abs, casts and all integer ops are exact too,
// bit for bit (so ±0 is checked). exp, expm1, log, log1p, tanh, sigmoid and
// erf in f32 are the inline functions of vecmath.go, within 2 ulps of the
// correctly rounded result on every input (measured: 1.4 ulps at most, see
// vecmath_test.go), so f32 allows 2 ulps; pow calls glibc's powf (within
// about an ulp), also 2. erfc, sin and cos in f32 compute in f64 and round
// once, within 0.51 ulp of the exact result on every input (vecmath_test.go),
// so the correctly rounded result or its neighbour: 1 ulp. f64 calls glibc,
// and glibc's and Go's float64 functions are each within about an ulp: f64
// allows 4 (Go's Pow and Tanh are the least accurate). rsqrt rounds twice (1
// ulp). f16 and bf16 compute in f32 and round once, so transcendental ops
// there are within 1 ulp of their own precision.
package cpu

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"dlc.dev/dlc/codegen/elemental"
	"dlc.dev/dlc/ir"
)

// opCase is one op at one combination of operand dtypes.
type opCase struct {
	op  ir.Op
	in  []ir.DType
	out ir.DType
}

func (c opCase) name() string {
	parts := []string{c.op.String()}
	if c.op == ir.OpCast || c.op.Has(ir.Compare) {
		parts = append(parts, c.in[0].String())
	}
	if !c.op.Has(ir.Compare) {
		parts = append(parts, c.out.String())
	}
	return strings.Join(parts, "_")
}

// irText is a function applying the op to tensor operands a, b, c of shape [N].
func (c opCase) irText() string {
	names := []string{"a", "b", "c"}
	var params, args []string
	for i, d := range c.in {
		params = append(params, fmt.Sprintf("%%%s: %s[N]", names[i], d))
		args = append(args, "%"+names[i])
	}
	id := len(c.in)
	return fmt.Sprintf("func @%s(%s) -> (r: %s[N]) {\n  %%%d = %s %s : %s[N] @k0\n  return r = %%%d\n}\n",
		c.name(), strings.Join(params, ", "), c.out, id, c.op, strings.Join(args, ", "), c.out, id)
}

var (
	floatTypes = []ir.DType{ir.F32, ir.F64, ir.F16, ir.BF16}
	numTypes   = []ir.DType{ir.F32, ir.F64, ir.F16, ir.BF16, ir.I32, ir.I64}
	allTypes   = []ir.DType{ir.F32, ir.F64, ir.F16, ir.BF16, ir.I32, ir.I64, ir.Bool}
)

// opCases lists every elementwise op with the dtypes it takes.
func opCases() []opCase {
	var cs []opCase
	same := func(op ir.Op, n int, ds []ir.DType) {
		for _, d := range ds {
			in := make([]ir.DType, n)
			for i := range in {
				in[i] = d
			}
			out := d
			if op.Has(ir.Compare) {
				out = ir.Bool
			}
			cs = append(cs, opCase{op: op, in: in, out: out})
		}
	}
	for _, op := range ir.AllOps() {
		info := op.Info()
		switch {
		case !op.Has(ir.Elementwise):
		case op == ir.OpCast:
			for _, from := range allTypes {
				for _, to := range allTypes {
					cs = append(cs, opCase{op: op, in: []ir.DType{from}, out: to})
				}
			}
		case op == ir.OpSelect:
			for _, d := range allTypes {
				cs = append(cs, opCase{op: op, in: []ir.DType{ir.Bool, d, d}, out: d})
			}
		case op.Has(ir.Logical):
			same(op, info.Arity, []ir.DType{ir.Bool})
		case op.Has(ir.Compare):
			same(op, info.Arity, allTypes)
		case op.Has(ir.FloatOnly):
			same(op, info.Arity, floatTypes)
		default:
			same(op, info.Arity, numTypes)
		}
	}
	return cs
}

// approximate reports whether op's compiled result may differ from the
// rounded oracle: transcendental ops (their row's cost class) are
// approximations, and rsqrt rounds twice.
func approximate(op ir.Op) bool {
	return op.Info().Cost == ir.CostTranscendental || op == ir.OpRsqrt
}

// ulpTolerance is how far, in ulps of the result dtype, a result may be from
// the rounded oracle (see the file comment).
func ulpTolerance(op ir.Op, d ir.DType) int64 {
	if !approximate(op) {
		return 0
	}
	switch {
	case d == ir.F16 || d == ir.BF16 || op == ir.OpRsqrt:
		return 1
	case d == ir.F32 && (op == ir.OpErfc || op == ir.OpSin || op == ir.OpCos):
		return 1
	case d == ir.F32:
		return 2
	}
	return 4
}

// ordered maps a float of dtype d to an integer such that adjacent
// representable values differ by one (±0 both map to 0).
func ordered(d ir.DType, x float64) int64 {
	var mag int64
	var neg bool
	switch d {
	case ir.F32:
		u := math.Float32bits(float32(x))
		mag, neg = int64(u&0x7fffffff), u>>31 != 0
	case ir.F64:
		u := math.Float64bits(x)
		mag, neg = int64(u&^(1<<63)), u>>63 != 0
	case ir.F16:
		u := ir.F32ToF16(float32(x))
		mag, neg = int64(u&0x7fff), u>>15 != 0
	case ir.BF16:
		u := ir.F32ToBF16(float32(x))
		mag, neg = int64(u&0x7fff), u>>15 != 0
	}
	if neg {
		return -mag
	}
	return mag
}

// agree reports whether got is within tol ulps of want (both already in dtype
// d); with tol 0 they must be identical, including the sign of zero.
func agree(d ir.DType, got, want float64, tol int64) bool {
	if math.IsNaN(want) || math.IsNaN(got) {
		return math.IsNaN(want) && math.IsNaN(got)
	}
	if !d.IsFloat() {
		return got == want
	}
	if tol == 0 || math.IsInf(want, 0) {
		return math.Float64bits(got) == math.Float64bits(want)
	}
	diff := ordered(d, got) - ordered(d, want)
	return diff <= tol && -diff <= tol
}

// valuePool returns inputs of dtype d: special values first, then random ones.
func valuePool(r *rand.Rand, d ir.DType, n int) (special, random []float64) {
	switch d {
	case ir.Bool:
		return []float64{0, 1}, []float64{0, 1}
	case ir.I32:
		special = []float64{0, 1, -1, 2, -2, 7, -7, 100, -100, 12345, -54321, math.MaxInt32, math.MinInt32, math.MaxInt32 - 1, math.MinInt32 + 1}
		for range n {
			random = append(random, float64(int32(r.Uint32())))
		}
	case ir.I64:
		// Products stay below 2^53, where the float64 oracle is exact.
		special = []float64{0, 1, -1, 2, -2, 7, -7, 100, -100, 12345, -54321, 1 << 26, -(1 << 26)}
		for range n {
			random = append(random, float64(r.Int64N(1<<27)-(1<<26)))
		}
	default:
		special = []float64{0, math.Copysign(0, -1), 1, -1, 0.5, -2.5, 3, 0.1, -7.25, 88.5, -100, 1e-8, 1e-30, -1e-40,
			1e10, -3e9, 1e30, math.MaxFloat32, math.Inf(1), math.Inf(-1), math.NaN()}
		for range n {
			x := r.NormFloat64() * math.Pow(10, r.Float64()*8-4)
			random = append(random, x)
		}
	}
	for i := range special {
		special[i] = ir.Convert(special[i], d)
	}
	for i := range random {
		random[i] = ir.Convert(random[i], d)
	}
	return special, random
}

// caseInputs builds operand columns: all combinations of special values (of
// the first few, for three operands), then random tuples.
func caseInputs(r *rand.Rand, c opCase) [][]float64 {
	const nRandom = 501
	specials := make([][]float64, len(c.in))
	randoms := make([][]float64, len(c.in))
	for i, d := range c.in {
		specials[i], randoms[i] = valuePool(r, d, nRandom)
		if len(c.in) == 3 && len(specials[i]) > 9 {
			specials[i] = specials[i][:9]
		}
	}
	cols := make([][]float64, len(c.in))
	var rec func(k int, tuple []float64)
	rec = func(k int, tuple []float64) {
		if k == len(c.in) {
			for i, x := range tuple {
				cols[i] = append(cols[i], x)
			}
			return
		}
		for _, x := range specials[k] {
			rec(k+1, append(tuple, x))
		}
	}
	rec(0, nil)
	for j := range nRandom {
		for i := range c.in {
			cols[i] = append(cols[i], randoms[i][j%len(randoms[i])])
		}
	}
	return cols
}

// TestOpsAgainstInterpreter compiles every op case into one library and
// compares each with ir.Interpret.
func TestOpsAgainstInterpreter(t *testing.T) {
	cases := opCases()
	var src strings.Builder
	for _, c := range cases {
		src.WriteString(c.irText())
		src.WriteString("\n")
	}
	lib := buildLibrary(t, src.String())
	r := rand.New(rand.NewPCG(1, 2))
	for _, c := range cases {
		t.Run(c.name(), func(t *testing.T) {
			cols := caseInputs(r, c)
			n := int64(len(cols[0]))
			in := map[string]*ir.Array{}
			for i, col := range cols {
				in[[]string{"a", "b", "c"}[i]] = &ir.Array{Shape: []int64{n}, Data: col}
			}
			want, err := ir.Interpret(lib.mod, c.name(), ir.Inputs{Tensors: in})
			if err != nil {
				t.Fatal(err)
			}
			got := lib.run(t, c.name(), in, nil, runOptions{})
			tol := ulpTolerance(c.op, c.out)
			bad := 0
			for j := range got["r"].Data {
				w := ir.Convert(want["r"].Data[j], c.out)
				if c.op == ir.OpMul && c.out == ir.I32 {
					// The oracle multiplies in float64, which is exact only below
					// 2^53; an i32 product wraps, so compute it exactly.
					w = float64(int32(cols[0][j]) * int32(cols[1][j]))
				}
				g := got["r"].Data[j]
				tol := tol
				if c.op == ir.OpPow && c.out == ir.F64 {
					// Go's math.Pow (the oracle) loses accuracy in proportion to
					// |y log x|: Pow(0.5049, 537.36) is hundreds of ulps off, while
					// glibc's pow agrees with a 40-digit decimal computation.
					extra := 4 * math.Abs(cols[1][j]*math.Log(math.Abs(cols[0][j])))
					if !(extra < 1<<20) { // NaN and inf too; such results are exact or special
						extra = 1 << 20
					}
					tol += int64(extra)
				}
				if agree(c.out, g, w, tol) {
					continue
				}
				if (c.op == ir.OpSin || c.op == ir.OpCos) && c.out == ir.F64 && math.Abs(cols[0][j]) >= 1<<29 && math.Abs(g-w) <= 0x1p-51 {
					// Go's math.Sin and Cos (the oracle) reduce such arguments
					// by Payne-Hanek to a double whose error is absolute: against
					// 400-bit mpmath at 300 arguments from 2^29 to 2^128 they were
					// within 1.5 * 2^-53 of the true value, which is up to 40 ulps
					// of a small result (sin(1e30) = 0.0093...). glibc's sin and
					// cos are correctly rounded there.
					continue
				}
				if bad++; bad <= 5 {
					args := make([]string, len(cols))
					for i := range cols {
						args[i] = fmt.Sprint(cols[i][j])
					}
					t.Errorf("%s(%s) = %v, want %v (tolerance %d ulps)", c.op, strings.Join(args, ", "), g, w, tol)
				}
			}
			if bad > 5 {
				t.Errorf("... %d mismatches in all", bad)
			}
		})
	}
}

// TestOpCasesCoverEveryOp keeps the op list above honest when an op is added.
func TestOpCasesCoverEveryOp(t *testing.T) {
	covered := map[ir.Op]bool{}
	for _, c := range opCases() {
		covered[c.op] = true
	}
	for _, op := range ir.AllOps() {
		if op.Has(ir.Elementwise) && !covered[op] {
			t.Errorf("no execution test covers op %s", op)
		}
		if op.Has(ir.Elementwise) && !elemental.Supports(op) {
			t.Errorf("op %s has no elemental lowering", op)
		}
	}
}
