package passes

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"dlc.dev/dlc/ir"
)

// TestFoldLayoutsKeepsMeaning builds random contractions of transposed
// operands (batch, contracted and free axes in any order, sizes 1 to 3 so
// that size-1 axes move too), runs fold-layouts, and checks with the
// interpreter that every result is unchanged. Inputs are small integers, so
// the sums are exact and the comparison is too.
func TestFoldLayoutsKeepsMeaning(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	kinds := map[string]int{}
	for n := 0; n < 400; n++ {
		src := randomTransposedDot(r)
		m, err := ir.Parse(src)
		require.NoError(t, err, src)
		require.NoError(t, ir.Verify(m), src)
		ref := m.Clone()
		var log []string
		p := Pass{Name: "fold-layouts", Run: foldLayouts}
		require.NoError(t, runOne(p, m, &Options{Explain: func(l string) { log = append(log, l) }}), src)
		for _, l := range log {
			kinds[strings.Fields(l)[1]]++
		}
		in := map[string]*ir.Array{}
		for _, prm := range m.Funcs[0].Params {
			shape := make([]int64, len(prm.Type.Shape))
			for i, d := range prm.Type.Shape {
				shape[i] = d.N
			}
			a := ir.NewArray(shape...)
			for i := range a.Data {
				a.Data[i] = float64(r.IntN(7) - 3)
			}
			in[prm.Name] = a
		}
		want, err := ir.Interpret(ref, "f", ir.Inputs{Tensors: in})
		require.NoError(t, err, src)
		got, err := ir.Interpret(m, "f", ir.Inputs{Tensors: in})
		require.NoError(t, err, ir.Print(m))
		require.Equal(t, want["y"].Data, got["y"].Data, "before:\n%s\nafter:\n%s", src, ir.Print(m))
	}
	t.Logf("explanations by first word: %v", kinds)
	// The cases cover folding, keeping, and folding with a reshape.
	for _, k := range []string{"fold", "keep", "the"} {
		require.Greater(t, kinds[k], 10, "explanations starting %q: %v", k, kinds)
	}
}

// randomTransposedDot writes a function whose result is a dot_general of two
// operands, each a transpose of a parameter by a random permutation (or the
// parameter itself).
func randomTransposedDot(r *rand.Rand) string {
	size := map[string]int64{}
	label := func(kind string, i int) string {
		l := fmt.Sprintf("%s%d", kind, i)
		size[l] = int64(1 + r.IntN(3))
		return l
	}
	var batch, contract, freeL, freeR []string
	for i := range r.IntN(2) {
		batch = append(batch, label("b", i))
	}
	for i := range 1 + r.IntN(2) {
		contract = append(contract, label("k", i))
	}
	for i := range r.IntN(4) {
		freeL = append(freeL, label("m", i))
	}
	for i := range r.IntN(3) {
		freeR = append(freeR, label("n", i))
	}
	shuffled := func(parts ...[]string) []string {
		all := slices.Concat(parts...)
		r.Shuffle(len(all), func(i, j int) { all[i], all[j] = all[j], all[i] })
		return all
	}
	lhs, rhs := shuffled(batch, contract, freeL), shuffled(batch, contract, freeR)
	var d ir.DotDims
	for _, l := range batch {
		d.LhsBatch, d.RhsBatch = append(d.LhsBatch, slices.Index(lhs, l)), append(d.RhsBatch, slices.Index(rhs, l))
	}
	for _, l := range contract {
		d.LhsContract, d.RhsContract = append(d.LhsContract, slices.Index(lhs, l)), append(d.RhsContract, slices.Index(rhs, l))
	}
	shape := func(labels []string) string {
		parts := make([]string, len(labels))
		for i, l := range labels {
			parts[i] = fmt.Sprint(size[l])
		}
		return strings.TrimSuffix("f32["+strings.Join(parts, ",")+"]", "[]")
	}
	var params, body []string
	operand := func(name string, labels []string) string {
		perm := r.Perm(len(labels))
		if r.IntN(4) == 0 {
			perm = nil // the parameter itself
		}
		// The parameter's axis perm[i] carries the operand's label i.
		x := make([]string, len(labels))
		for i, p := range perm {
			x[p] = labels[i]
		}
		if perm == nil {
			x = labels
		}
		params = append(params, fmt.Sprintf("%%%s: %s", name, shape(x)))
		if perm == nil {
			return "%" + name
		}
		id := fmt.Sprintf("%%%d", 2+len(body))
		body = append(body, fmt.Sprintf("  %s = transpose %%%s perm=%s : %s", id, name, ir.FormatInts(perm), shape(labels)))
		return id
	}
	a, b := operand("a", lhs), operand("b", rhs)
	// The result: batch axes, then the free axes in each operand's order.
	out := append([]string{}, batch...)
	for _, side := range [][]string{lhs, rhs} {
		for _, l := range side {
			if !slices.Contains(batch, l) && !slices.Contains(contract, l) {
				out = append(out, l)
			}
		}
	}
	body = append(body, fmt.Sprintf("  %%9 = dot_general %s, %s %s : %s", a, b, d, shape(out)))
	return fmt.Sprintf("func @f(%s) -> (y: %s) {\n%s\n  return y = %%9\n}\n", strings.Join(params, ", "), shape(out), strings.Join(body, "\n"))
}
