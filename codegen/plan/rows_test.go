// This file tests the row-kernel analysis every backend shares: classes,
// stages and passes of ZLPR's row kernel, its loops, the reread marking, and
// the invariants it refuses.
package plan

import (
	"os"
	"testing"

	"dlc.dev/dlc/ir"

	"github.com/stretchr/testify/require"
)

// kernelsOf plans the function of the IR module in file.
func kernelsOf(t *testing.T, file string) []*Kernel {
	t.Helper()
	src, err := os.ReadFile(file)
	require.NoError(t, err)
	m, err := ir.Parse(string(src))
	require.NoError(t, err)
	require.Len(t, m.Funcs, 1)
	ks, err := Kernels(m.Funcs[0])
	require.NoError(t, err)
	return ks
}

// byName returns the values of k named %n, in order.
func byName(t *testing.T, k *Kernel, names ...string) []*ir.Value {
	t.Helper()
	var vs []*ir.Value
	for _, n := range names {
		found := false
		for _, v := range k.Values {
			if ir.Ref(v) == n {
				vs = append(vs, v)
				found = true
			}
		}
		require.True(t, found, "no value %s", n)
	}
	return vs
}

func TestAnalyseRowsZLPR(t *testing.T) {
	ks := kernelsOf(t, "testdata/zlpr.ir")
	k := ks[0]
	require.Equal(t, ir.RowKernel, k.Kind)
	r, err := AnalyseRows(k)
	require.NoError(t, err)
	// The two log-sum-exps accumulate in pass 0; the gradient needs their
	// results, so it is computed and stored in pass 1.
	require.Equal(t, 2, r.Passes)
	v := byName(t, k, "%5", "%8", "%9", "%10", "%16")
	sel, lse1, lse2, loss, grad := v[0], v[1], v[2], v[3], v[4]
	require.Equal(t, RowClass{PerElem: true, Extent: ir.SymDim("C")}, r.Class[sel])
	require.Equal(t, RowClass{}, r.Class[lse1])
	require.Equal(t, 0, r.AccPass[lse1])
	require.Equal(t, 0, r.AccPass[lse2])
	require.Equal(t, 0, r.Stage[sel])
	require.Equal(t, 1, r.Stage[lse1])
	require.Equal(t, 1, r.Stage[loss])
	require.Equal(t, 1, r.Stage[grad])

	l0, err := r.Loops(0)
	require.NoError(t, err)
	require.Len(t, l0, 1)
	require.Equal(t, []*ir.Value{lse1, lse2}, l0[0].Reds)
	require.Empty(t, l0[0].Stores)
	l1, err := r.Loops(1)
	require.NoError(t, err)
	require.Len(t, l1, 1)
	require.Equal(t, []*ir.Value{grad}, l1[0].Stores)
	require.Contains(t, l1[0].Needed, sel, "pass 1 recomputes the selects it needs")

	compute, written := r.StageValues(1)
	require.NotContains(t, compute, lse1, "a reduction finished by its pass is not computed again")
	require.Contains(t, compute, loss)
	require.Contains(t, written, byName(t, k, "%11")[0])
}

func TestMarkRereads(t *testing.T) {
	ks := kernelsOf(t, "testdata/zlpr.ir")
	k := ks[0]
	var in, out int = -1, -1
	for i, b := range k.Buffers {
		if b.Value.Type.Shape.Equal(ir.Shape{ir.SymDim("B"), ir.SymDim("C")}) {
			if b.Ref.Writes {
				out = i
			} else if in < 0 {
				in = i
			}
		}
	}
	require.GreaterOrEqual(t, in, 0)
	require.GreaterOrEqual(t, out, 0)
	// Written in phase 3 (pass 1), read in phase 1 and 3: no reread.
	ph := NewPhases()
	ph.Stores[out] = []int{3}
	ph.Loads[in] = []int{1, 3}
	ph.MarkRereads(k)
	require.False(t, k.Buffers[in].Ref.Reread)
	// Read again in a later phase than the write: the output may not share it.
	ph.Loads[in] = append(ph.Loads[in], 4)
	ph.MarkRereads(k)
	require.True(t, k.Buffers[in].Ref.Reread)
}

func TestAnalyseRowsRefusesAStrangeShape(t *testing.T) {
	ks := kernelsOf(t, "testdata/zlpr.ir")
	k := ks[0]
	bad := *k
	bad.Domain = ir.Shape{ir.SymDim("C"), ir.ConstDim(3)}
	_, err := AnalyseRows(&bad)
	require.ErrorContains(t, err, "neither per-row nor per-element")
}
