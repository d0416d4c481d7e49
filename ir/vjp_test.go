package ir

import (
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"testing"

	"github.com/stretchr/testify/require"
)

// structural are the ops autodiff handles itself rather than by a rule.
var structural = map[Op]string{
	OpParam:   "a parameter is where a sweep ends",
	OpCall:    "calls are inlined before the sweep (TestGradThroughCall)",
	OpExtract: "extracts of calls go with the calls",
	OpGrad:    "grad values are expanded in body order, so a gradient of a gradient works (TestSecondDerivative)",
}

// positive lists ops whose operand i must be positive for the op to be
// smooth there: logarithms, roots and the base of pow.
var positive = map[Op]map[int]bool{
	OpLog: {0: true}, OpLog1p: {0: true}, OpSqrt: {0: true}, OpRsqrt: {0: true}, OpPow: {0: true},
}

// TestVJPFiniteDifferences checks the gradient rule of every op of the table
// against central differences of the float64 interpreter. Each case applies
// one op to fresh parameters and differentiates sum(op(...) * w) with respect
// to every float operand; w is a fixed random cotangent. The cases are every
// use of the op in testdata/ops.ir (which uses every op, TestEveryOpInTestdata)
// plus gradCases (broadcasting, keepdims, initial elements, other axes). An
// op with no rule fails unless it is NoGrad or structural.
func TestVJPFiniteDifferences(t *testing.T) {
	src, err := os.ReadFile("testdata/ops.ir")
	require.NoError(t, err)
	m, err := Parse(string(src))
	require.NoError(t, err)
	extra, err := Parse(gradCases)
	require.NoError(t, err)
	tested := map[Op]int{}
	for _, g := range append(m.Funcs, extra.Funcs...) {
		for _, v := range g.Body {
			r := v.Op.row()
			if r.VJP == nil {
				continue
			}
			tested[v.Op]++
			t.Run(fmt.Sprintf("%s/%s", g.Name, FormatValue(v)), func(t *testing.T) {
				checkVJP(t, v, uint64(tested[v.Op]))
			})
		}
	}
	for _, op := range AllOps() {
		switch r := op.row(); {
		case structural[op] != "":
		case op.Has(NoGrad):
			require.Nil(t, r.VJP, "%s is NoGrad but has a rule", op)
		case r.VJP == nil:
			t.Errorf("%s has no gradient rule and is not NoGrad: differentiating through it fails", op)
		case tested[op] == 0:
			t.Errorf("%s has a gradient rule but no finite-difference case (use it in testdata/ops.ir or gradCases)", op)
		}
	}
}

// checkVJP builds y = sum(op(a0, a1, ...) * w) over fresh parameters of the
// operand types and compares grad(y, ai) with central differences.
func checkVJP(t *testing.T, v *Value, seed uint64) {
	f := &Func{Name: "t"}
	var tensors, scalars []*Value
	args := make([]*Value, len(v.Args))
	for i, a := range v.Args {
		p := &Value{Op: OpParam, Type: a.Type, Name: fmt.Sprintf("a%d", i)}
		args[i] = p
		if p.Type.IsScalar() {
			scalars = append(scalars, p)
		} else {
			tensors = append(tensors, p)
		}
	}
	w := &Value{Op: OpParam, Type: v.Type, Name: "w"}
	if w.Type.IsScalar() {
		scalars = append(scalars, w)
	} else {
		tensors = append(tensors, w)
	}
	f.Params = append(tensors, scalars...)
	f.Renumber()
	r := f.NewValue(v.Op, v.Type, args...)
	id := r.ID
	*r = *v // every attribute, whatever the op takes
	r.ID, r.Args, r.Group = id, args, GroupNone
	y := f.NewValue(OpMul, v.Type, r, w)
	for len(y.Type.Shape) > 0 {
		y = sumAxis(f, y, 0, false)
	}
	f.Results = []Result{{Name: "y", Value: y}}
	var wrt []*Value
	for _, a := range args {
		if a.Type.DType.IsFloat() {
			g := f.NewValue(OpGrad, a.Type, y, a)
			f.Results = append(f.Results, Result{Name: "d" + a.Name, Value: g})
			wrt = append(wrt, a)
		}
	}
	m := &Module{Funcs: []*Func{f}}
	require.NoError(t, Verify(m), PrintFunc(f))
	in := gradInputs(v, args, w, seed)
	out, err := Interpret(m, "t", in)
	require.NoError(t, err)
	for _, a := range wrt {
		got := out["d"+a.Name].Data
		for k := range got {
			want := centralDifference(t, m, in, a, k)
			require.InDelta(t, want, got[k], 1e-6*(1+math.Abs(want)), "d y / d %s[%d] of %s", a.Name, k, FormatValue(v))
		}
	}
}

// gradDims are the sizes of the symbolic dimensions in the cases.
var gradDims = map[string]int64{"B": 2, "C": 3, "K": 2, "M": 3, "N": 4}

// gradInputs draws random inputs for the parameters of a case: floats in
// ±[0.2, 2] (positive where the op needs it), bools at random, and integers
// in range for the axis they index.
func gradInputs(v *Value, args []*Value, w *Value, seed uint64) Inputs {
	rng := rand.New(rand.NewPCG(seed, uint64(v.Op)))
	in := Inputs{Tensors: map[string]*Array{}, Scalars: map[string]float64{}}
	for i, p := range append(append([]*Value{}, args...), w) {
		shape, err := ConcreteShape(p.Type.Shape, gradDims)
		if err != nil {
			panic(err)
		}
		a := NewArray(shape...)
		for k := range a.Data {
			switch {
			case p.Type.DType == Bool:
				a.Data[k] = float64(rng.IntN(2))
			case p.Type.DType.IsInt():
				a.Data[k] = float64(rng.IntN(indexRange(v)))
			default:
				x := 0.2 + 1.8*rng.Float64()
				if (i >= len(args) || !positive[v.Op][i]) && rng.IntN(2) == 0 {
					x = -x
				}
				a.Data[k] = x
			}
		}
		if p.Type.IsScalar() {
			in.Scalars[p.Name] = a.Data[0]
		} else {
			in.Tensors[p.Name] = a
		}
	}
	return in
}

// indexRange is the size of the axis that the integer operand of v indexes:
// the operand's for take_along_axis, the result's for scatter_add.
func indexRange(v *Value) int {
	switch v.Op {
	case OpGather:
		return int(gradDims[v.Args[0].Type.Shape[v.Axis].Sym])
	case OpScatterAdd:
		return int(gradDims[v.Type.Shape[v.Axis].Sym])
	}
	return 5
}

// centralDifference is (y(a + h e_k) - y(a - h e_k)) / 2h for parameter a.
func centralDifference(t *testing.T, m *Module, in Inputs, a *Value, k int) float64 {
	at := func(dx float64) float64 {
		shifted := Inputs{Tensors: map[string]*Array{}, Scalars: map[string]float64{}}
		for n, x := range in.Tensors {
			shifted.Tensors[n] = x
		}
		for n, x := range in.Scalars {
			shifted.Scalars[n] = x
		}
		if a.Type.IsScalar() {
			shifted.Scalars[a.Name] += dx
		} else {
			x := &Array{Shape: in.Tensors[a.Name].Shape, Data: append([]float64(nil), in.Tensors[a.Name].Data...)}
			x.Data[k] += dx
			shifted.Tensors[a.Name] = x
		}
		out, err := Interpret(m, "t", shifted)
		require.NoError(t, err)
		return out["y"].Data[0]
	}
	const h = 1e-6
	return (at(h) - at(-h)) / (2 * h)
}

// gradCases are uses of ops that testdata/ops.ir does not make: operands that
// broadcast (scalars, [C] and [B,1] against [B,C]), keepdims and initial
// elements, reductions and gathers along the first axis, one index per row,
// and a cast between floats.
const gradCases = `
func @bcast(%x: f64[B,C], %r: f64[C], %c: f64[B,1], %b: bool[B,1]; %s: f64) -> (a: f64[B,C]) {
  %5 = add %x, %r : f64[B,C]
  %6 = sub %c, %x : f64[B,C]
  %7 = mul %r, %c : f64[B,C]
  %8 = div %s, %x : f64[B,C]
  %9 = div %x, %c : f64[B,C]
  %10 = max %x, %r : f64[B,C]
  %11 = min %c, %x : f64[B,C]
  %12 = pow %c, %r : f64[B,C]
  %13 = select %b, %x, %r : f64[B,C]
  %14 = clamp %x, %c, %r : f64[B,C]
  %15 = broadcast %c : f64[B,C]
  %16 = broadcast %r : f64[B,C]
  %17 = reshape %x : f64[B,1,C]
  %18 = reshape %c : f64[B]
  return a = %5
}

func @gather_bcast(%x: f64[N,C], %i: i32[B,1], %y: f64[N,1,C], %j: i32[B,K,1], %z: f64[B,C], %l: i32[1,K], %u: f64[B,C]) -> (a: f64[B,C]) {
  %8 = take_along_axis %x, %i, axis=0 : f64[B,C]
  %9 = take_along_axis %y, %j, axis=0 : f64[B,K,C]
  %10 = take_along_axis %z, %l, axis=1 : f64[B,K]
  %11 = scatter_add %u, %i, axis=0 : f64[N,C]
  return a = %8
}

func @contract(%a: f64[B,M,K], %b: f64[B,K,N], %w: f64[K,N], %v: f64[K], %t: f64[M,K]) -> (a: f64[B,M,N]) {
  %6 = dot_general %a, %b batch=[0]x[0] contract=[2]x[1] : f64[B,M,N]
  %7 = dot_general %a, %w contract=[2]x[0] : f64[B,M,N]
  %8 = dot_general %a, %v contract=[2]x[0] : f64[B,M]
  %9 = dot_general %v, %v contract=[0]x[0] : f64
  %10 = dot_general %v, %v contract=[]x[] : f64[K,K]
  %11 = dot_general %t, %b batch=[]x[] contract=[1]x[1] : f64[M,B,N]
  %12 = transpose %6 perm=[0,2,1] : f64[B,N,M]
  %13 = transpose %a perm=[2,0,1] : f64[K,B,M]
  return a = %6
}

func @reduce(%x: f64[B,C]) -> (a: f64[C]) {
  %1 = reduce_sum %x, axis=0 : f64[C]
  %2 = reduce_sum %x, axis=1, keepdims, init=2 : f64[B,1]
  %3 = reduce_max %x, axis=0, keepdims : f64[1,C]
  %4 = reduce_min %x, axis=1, init=0 : f64[B]
  %5 = reduce_lse %x, axis=0 : f64[C]
  %6 = reduce_lse %x, axis=1, keepdims, init=0 : f64[B,1]
  %7 = reduce_nanmax %x, axis=1, keepdims, init=0 : f64[B,1]
  %8 = reduce_nanmin %x, axis=0 : f64[C]
  %9 = reduce_max %x, axis=1, init=1 : f64[B]
  return a = %1
}

func @gather(%x: f64[B,C], %i: i32[B,1], %j: i64[K,C], %u: f64[K,C], %k: i32[B,C]) -> (a: f64[B,1]) {
  %5 = take_along_axis %x, %i, axis=1 : f64[B,1]
  %6 = take_along_axis %x, %j, axis=0 : f64[K,C]
  %7 = scatter_add %u, %j, axis=0 : f64[B,C]
  %8 = scatter_add %x, %k, axis=1 : f64[B,N]
  return a = %5
}

func @cast(%x: f32[N]) -> (a: f64[N]) {
  %1 = cast %x : f64[N]
  return a = %1
}
`
