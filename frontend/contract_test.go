// This file checks what contractions mean: a @ b against a float64 matmul
// written here from NumPy's rules (1-D operands, broadcast batch axes),
// einsum against a loop over every assignment of its letters, transpose
// against its index mapping, and, when python3 with NumPy is installed, all
// of them against NumPy itself.
package frontend

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os/exec"
	"slices"
	"strings"
	"testing"

	"dlc.dev/dlc/ir"
)

// contractCase is one expression over operands of constant shapes, with
// what it must compute.
type contractCase struct {
	expr   string    // the body's expression, over operands a and b
	shapes [][]int64 // of a, and of b when there is one
	out    []int64   // the result's shape
	ref    func(in []*ir.Array) *ir.Array
	numpy  string // the same in NumPy, over a and b
}

// typeOf writes f32[2,3], or f32 for a scalar.
func typeOf(s []int64) string {
	if len(s) == 0 {
		return "f32"
	}
	parts := make([]string, len(s))
	for i, n := range s {
		parts[i] = fmt.Sprint(n)
	}
	return "f32[" + strings.Join(parts, ", ") + "]"
}

// run compiles the case as a kernel and interprets it on inputs in.
func (c contractCase) run(t *testing.T, in []*ir.Array) *ir.Array {
	t.Helper()
	var params []string
	tensors := map[string]*ir.Array{}
	for i, s := range c.shapes {
		name := string(rune('a' + i))
		params = append(params, name+": "+typeOf(s))
		tensors[name] = in[i]
	}
	src := fmt.Sprintf("kernel f(%s) -> y: %s {\n    y = %s\n}\n", strings.Join(params, ", "), typeOf(c.out), c.expr)
	m, err := Compile("c.dl", []byte(src), Options{})
	if err != nil {
		t.Fatalf("%s\n%v", src, err)
	}
	got, err := ir.Interpret(m, "f", ir.Inputs{Tensors: tensors})
	if err != nil {
		t.Fatalf("%s\n%v\n%s", src, err, ir.Print(m))
	}
	return got["y"]
}

// smallInts fills an array with integers in [-3, 3], so that every sum of
// products is exact in float64 and results compare exactly.
func smallInts(r *rand.Rand, shape []int64) *ir.Array {
	a := ir.NewArray(shape...)
	for i := range a.Data {
		a.Data[i] = float64(r.IntN(7) - 3)
	}
	return a
}

// randomMatmul draws a @ b in one of NumPy's cases: either operand a vector
// or a stack of matrices, batch axes that broadcast (missing, or of size 1
// on one side), sizes 1 to 4.
func randomMatmul(r *rand.Rand) contractCase {
	ra, rb := 1+r.IntN(4), 1+r.IntN(4)
	m, k, n := int64(1+r.IntN(4)), int64(1+r.IntN(4)), int64(1+r.IntN(4))
	nb := max(ra-2, rb-2, 0)
	batch := make([]int64, nb)
	for i := range batch {
		batch[i] = int64(1 + r.IntN(3))
	}
	batchOf := func(rank int) []int64 {
		s := slices.Clone(batch[nb-max(rank-2, 0):])
		for i := range s {
			if r.IntN(3) == 0 {
				s[i] = 1
			}
		}
		return s
	}
	ba, bb := batchOf(ra), batchOf(rb)
	sa := append(slices.Clone(ba), m, k)
	if ra == 1 {
		sa = []int64{k}
	}
	sb := append(slices.Clone(bb), k, n)
	if rb == 1 {
		sb = []int64{k}
	}
	// NumPy: the batch axes broadcast, then M unless a is a vector, N unless b is.
	var out []int64
	for i := range nb {
		out = append(out, max(dimOr1(ba, i-(nb-len(ba))), dimOr1(bb, i-(nb-len(bb)))))
	}
	if ra > 1 {
		out = append(out, m)
	}
	if rb > 1 {
		out = append(out, n)
	}
	return contractCase{expr: "a @ b", shapes: [][]int64{sa, sb}, out: out, numpy: "np.matmul(a, b)",
		ref: func(in []*ir.Array) *ir.Array { return matmulReference(in[0], in[1]) }}
}

func dimOr1(s []int64, i int) int64 {
	if i < 0 {
		return 1
	}
	return s[i]
}

// matmulReference is NumPy's matmul in float64, written from its rules: a
// vector a is a row [1,K] and a vector b a column [K,1], whose added axis
// the result then drops; the batch axes broadcast, a size-1 or missing axis
// repeating over the other's.
func matmulReference(a, b *ir.Array) *ir.Array {
	as, bs := slices.Clone(a.Shape), slices.Clone(b.Shape)
	if len(as) == 1 {
		as = []int64{1, as[0]}
	}
	if len(bs) == 1 {
		bs = []int64{bs[0], 1}
	}
	m, k, n := as[len(as)-2], as[len(as)-1], bs[len(bs)-1]
	ba, bb := as[:len(as)-2], bs[:len(bs)-2]
	nb := max(len(ba), len(bb))
	batch := make([]int64, nb)
	for i := range batch {
		batch[i] = max(dimOr1(ba, i-(nb-len(ba))), dimOr1(bb, i-(nb-len(bb))))
	}
	count := int64(1)
	for _, d := range batch {
		count *= d
	}
	out := make([]float64, 0, count*m*n)
	// offset of batch index idx in an operand with batch shape s (broadcast)
	offset := func(idx []int64, s []int64) int64 {
		o := int64(0)
		for i, d := range s {
			x := idx[nb-len(s)+i]
			if d == 1 {
				x = 0
			}
			o = o*d + x
		}
		return o
	}
	idx := make([]int64, nb)
	for c := int64(0); c < count; c++ {
		rem := c
		for i := nb - 1; i >= 0; i-- {
			idx[i], rem = rem%batch[i], rem/batch[i]
		}
		oa, ob := offset(idx, ba)*m*k, offset(idx, bb)*k*n
		for i := int64(0); i < m; i++ {
			for j := int64(0); j < n; j++ {
				s := 0.0
				for l := int64(0); l < k; l++ {
					s += a.Data[oa+i*k+l] * b.Data[ob+l*n+j]
				}
				out = append(out, s)
			}
		}
	}
	shape := slices.Clone(batch)
	if len(a.Shape) > 1 {
		shape = append(shape, m)
	}
	if len(b.Shape) > 1 {
		shape = append(shape, n)
	}
	return &ir.Array{Shape: shape, Data: out}
}

// randomEinsum draws einsum with one or two operands of up to four axes:
// letters shared by both operands or not, kept by the output or summed,
// in any order.
func randomEinsum(r *rand.Rand) contractCase {
	letters := []rune("abcdefg")[:2+r.IntN(5)]
	size := map[rune]int64{}
	for _, l := range letters {
		size[l] = int64(1 + r.IntN(3))
	}
	n := 1 + r.IntN(2)
	subs := make([][]rune, n)
	for i := range subs {
		perm := r.Perm(len(letters))
		for _, p := range perm[:1+r.IntN(min(4, len(letters)))] {
			subs[i] = append(subs[i], letters[p])
		}
	}
	var used []rune
	for _, s := range subs {
		for _, l := range s {
			if !slices.Contains(used, l) {
				used = append(used, l)
			}
		}
	}
	r.Shuffle(len(used), func(i, j int) { used[i], used[j] = used[j], used[i] })
	outL := used[:r.IntN(len(used)+1)]
	parts := make([]string, n)
	shapes := make([][]int64, n)
	for i, s := range subs {
		parts[i] = string(s)
		for _, l := range s {
			shapes[i] = append(shapes[i], size[l])
		}
	}
	spec := strings.Join(parts, ",") + "->" + string(outL)
	var out []int64
	for _, l := range outL {
		out = append(out, size[l])
	}
	args := []string{"a", "b"}[:n]
	return contractCase{
		expr:   fmt.Sprintf("einsum(%q, %s)", spec, strings.Join(args, ", ")),
		shapes: shapes, out: out,
		numpy: fmt.Sprintf("np.einsum(%q, %s)", spec, strings.Join(args, ", ")),
		ref:   func(in []*ir.Array) *ir.Array { return einsumReference(subs, outL, size, in) },
	}
}

// einsumReference computes einsum as its definition reads: for every
// assignment of a value to every letter, the product of the operands'
// elements those values select is added to the output element they select.
func einsumReference(subs [][]rune, outL []rune, size map[rune]int64, in []*ir.Array) *ir.Array {
	var all []rune
	for _, s := range append(slices.Clone(subs), outL) {
		for _, l := range s {
			if !slices.Contains(all, l) {
				all = append(all, l)
			}
		}
	}
	var shape []int64
	for _, l := range outL {
		shape = append(shape, size[l])
	}
	out := ir.NewArray(shape...)
	at := map[rune]int64{}
	offset := func(ls []rune) int64 {
		o := int64(0)
		for _, l := range ls {
			o = o*size[l] + at[l]
		}
		return o
	}
	var visit func(i int)
	visit = func(i int) {
		if i == len(all) {
			p := 1.0
			for j, s := range subs {
				p *= in[j].Data[offset(s)]
			}
			out.Data[offset(outL)] += p
			return
		}
		for x := int64(0); x < size[all[i]]; x++ {
			at[all[i]] = x
			visit(i + 1)
		}
	}
	visit(0)
	return out
}

// randomTranspose draws transpose(a, axes) of a tensor of rank 1 to 4, the
// axes sometimes negative, or transpose(a) reversing them all.
func randomTranspose(r *rand.Rand) contractCase {
	rank := 1 + r.IntN(4)
	shape := make([]int64, rank)
	for i := range shape {
		shape[i] = int64(1 + r.IntN(4))
	}
	perm := r.Perm(rank)
	expr, numpy := "transpose(a)", "np.transpose(a)"
	if r.IntN(4) == 0 {
		for i := range perm {
			perm[i] = rank - 1 - i
		}
	} else {
		axes := make([]string, rank)
		for i, p := range perm {
			axes[i] = fmt.Sprint(p)
			if r.IntN(3) == 0 {
				axes[i] = fmt.Sprint(p - rank)
			}
		}
		tuple := "(" + strings.Join(axes, ", ") + ",)"
		expr, numpy = "transpose(a, "+tuple+")", "np.transpose(a, "+tuple+")"
	}
	out := make([]int64, rank)
	for i, p := range perm {
		out[i] = shape[p]
	}
	return contractCase{expr: expr, shapes: [][]int64{shape}, out: out, numpy: numpy,
		ref: func(in []*ir.Array) *ir.Array {
			y := ir.NewArray(out...)
			idx := make([]int64, rank)
			for o := range y.Data {
				rem := int64(o)
				for i := rank - 1; i >= 0; i-- {
					idx[perm[i]], rem = rem%out[i], rem/out[i]
				}
				flat := int64(0)
				for i := range shape {
					flat = flat*shape[i] + idx[i]
				}
				y.Data[o] = in[0].Data[flat]
			}
			return y
		}}
}

// randomCases draws n cases of each kind.
func randomCases(r *rand.Rand, n int) []contractCase {
	var cs []contractCase
	for range n {
		cs = append(cs, randomMatmul(r), randomEinsum(r), randomTranspose(r))
	}
	return cs
}

// TestContractionsAgainstReference compiles random matrix products, einsums
// and transposes, interprets them, and compares every element with the
// references above.
func TestContractionsAgainstReference(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	for _, c := range randomCases(r, 150) {
		in := make([]*ir.Array, len(c.shapes))
		for i, s := range c.shapes {
			in[i] = smallInts(r, s)
		}
		got := c.run(t, in)
		want := c.ref(in)
		if !slices.Equal(got.Shape, want.Shape) || !slices.Equal(got.Data, want.Data) {
			t.Fatalf("%s with shapes %v:\ngot  %v %v\nwant %v %v", c.expr, c.shapes, got.Shape, got.Data, want.Shape, want.Data)
		}
	}
}

// TestContractionsAgainstNumPy runs random cases through NumPy as well, so
// that the references above are checked against the library whose rules
// they restate. It needs python3 with NumPy (Debian's python3-numpy) and
// skips without.
func TestContractionsAgainstNumPy(t *testing.T) {
	python := ""
	for _, p := range []string{"/usr/bin/python3", "python3"} {
		if exec.Command(p, "-c", "import numpy").Run() == nil {
			python = p
			break
		}
	}
	if python == "" {
		t.Skip("no python3 with numpy (Debian: apt-get install python3-numpy)")
	}
	r := rand.New(rand.NewPCG(13, 14))
	cases := randomCases(r, 60)
	type job struct {
		Expr string        `json:"expr"`
		In   [][][]float64 `json:"in"` // per operand: shape, then data
	}
	jobs := make([]job, len(cases))
	ins := make([][]*ir.Array, len(cases))
	for i, c := range cases {
		jobs[i].Expr = c.numpy
		for _, s := range c.shapes {
			a := smallInts(r, s)
			ins[i] = append(ins[i], a)
			shape := make([]float64, len(s))
			for j, d := range s {
				shape[j] = float64(d)
			}
			jobs[i].In = append(jobs[i].In, [][]float64{shape, a.Data})
		}
	}
	src, err := json.Marshal(jobs)
	if err != nil {
		t.Fatal(err)
	}
	const script = `
import json, sys
import numpy as np
out = []
for job in json.load(sys.stdin):
    ops = [np.array(d, dtype=np.float64).reshape([int(n) for n in s]) for s, d in job["in"]]
    a = ops[0]
    b = ops[1] if len(ops) > 1 else None
    y = np.asarray(eval(job["expr"]), dtype=np.float64)
    out.append([list(y.shape), y.ravel().tolist()])
json.dump(out, sys.stdout)
`
	cmd := exec.Command(python, "-c", script)
	cmd.Stdin = strings.NewReader(string(src))
	res, err := cmd.Output()
	if err != nil {
		t.Fatalf("numpy: %v", err)
	}
	var outs [][2]json.RawMessage
	if err := json.Unmarshal(res, &outs); err != nil {
		t.Fatal(err)
	}
	for i, c := range cases {
		var shape []int64
		var data []float64
		if err := json.Unmarshal(outs[i][0], &shape); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(outs[i][1], &data); err != nil {
			t.Fatal(err)
		}
		got := c.run(t, ins[i])
		if !slices.Equal(got.Shape, shape) && !(len(got.Shape) == 0 && len(shape) == 0) || !slices.Equal(got.Data, data) {
			t.Errorf("%s with shapes %v:\ndlc   %v %v\nnumpy %v %v", c.expr, c.shapes, got.Shape, got.Data, shape, data)
		}
	}
}

// TestContractionPositions checks that the values a contraction lowers to
// carry the position of its operator or call, so later errors point there.
func TestContractionPositions(t *testing.T) {
	src := "kernel f(x: f32[B, D], w: f32[D, H], q: f32[S, 1, M, D], k: f32[T, D, H]) -> (y: f32[B, H], z: f32[H, B], u: f32[S, T, M, H]) {\n" +
		"    y = x @ w\n    z = einsum(\"bd,dh->hb\", x, w)\n    u = q @ k\n}\n"
	m, err := Compile("p.dl", []byte(src), Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := map[ir.Op][]string{ir.OpDotGeneral: {"p.dl:2:11", "p.dl:3:9", "p.dl:4:11"}, ir.OpReshape: {"p.dl:4:11"}, ir.OpTranspose: {"p.dl:4:11"}}
	got := map[ir.Op][]string{}
	for _, v := range m.Funcs[0].Body {
		got[v.Op] = append(got[v.Op], v.Pos.String())
	}
	for op, w := range want {
		if !slices.Equal(got[op], w) {
			t.Errorf("%s at %v, want %v\n%s", op, got[op], w, ir.Print(m))
		}
	}
}

// TestMatmulBroadcastLowering checks what a @ b lowers to when its batch axes
// broadcast: never a broadcast copy; a size-1 axis on one side is reshaped
// away (one reshape per operand at most), an axis of size 1 on both sides
// stays a batch axis unless that operand is reshaped anyway, and the result
// is transposed only when its axes are out of NumPy's order.
func TestMatmulBroadcastLowering(t *testing.T) {
	for _, c := range []struct{ a, b, out, want string }{
		{"f32[1, M, K]", "f32[1, K, N]", "f32[1, M, N]", "dot_general %a, %b batch=[0]x[0] contract=[2]x[1]"},
		{"f32[B, M, K]", "f32[K, N]", "f32[B, M, N]", "dot_general %a, %b contract=[2]x[0]"},
		{"f32[S, 1, M, K]", "f32[1, 1, K, N]", "f32[S, 1, M, N]", "reshape %b : f32[K,N]; dot_general %a, %2 contract=[3]x[0]"},
		{"f32[M, K]", "f32[B, K, N]", "f32[B, M, N]", "dot_general %a, %b contract=[1]x[1]; transpose %2 perm=[1,0,2]"},
		{"f32[B, 1, M, K]", "f32[H, K, N]", "f32[B, H, M, N]", "reshape %a : f32[B,M,K]; dot_general %2, %b contract=[2]x[1]; transpose %3 perm=[0,2,1,3]"},
		{"f32[B, H, M, K]", "f32[H, K, N]", "f32[B, H, M, N]", "dot_general %a, %b batch=[1]x[0] contract=[3]x[1]; transpose %2 perm=[1,0,2,3]"},
	} {
		src := fmt.Sprintf("kernel f(a: %s, b: %s) -> y: %s {\n    y = a @ b\n}\n", c.a, c.b, c.out)
		m, err := Compile("b.dl", []byte(src), Options{})
		if err != nil {
			t.Fatalf("%s @ %s: %v", c.a, c.b, err)
		}
		var got []string
		for _, v := range m.Funcs[0].Body {
			line := ir.FormatValue(v)
			line = line[strings.Index(line, "= ")+2 : strings.Index(line, " loc(")]
			if v.Op == ir.OpReshape {
				got = append(got, line)
			} else {
				got = append(got, line[:strings.LastIndex(line, " :")])
			}
		}
		if g := strings.Join(got, "; "); g != c.want {
			t.Errorf("%s @ %s lowers to\n\t%s\nwant\n\t%s", c.a, c.b, g, c.want)
		}
	}
}
