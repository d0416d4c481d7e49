package ir

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestMergePos(t *testing.T) {
	a := PosList{{"a.dl", 1, 2}}
	b := PosList{{"a.dl", 1, 2}, {"b.dl", 3, 4}, {}}
	m := MergePos(a, b)
	require.Equal(t, PosList{{"a.dl", 1, 2}, {"b.dl", 3, 4}}, m)
	require.Equal(t, PosList{{"a.dl", 1, 2}}, a, "MergePos never changes its operands")
	require.Equal(t, "a.dl:1:2", m.First().String())
	require.Equal(t, "a.dl:1", Span(m[:1]))
	require.Equal(t, "a.dl:1-7, b.dl:3", Span(append(m, Pos{"a.dl", 7, 1})))
}

// TestReplaceUsesKeepsProvenance checks that the value standing for another
// takes its positions and, when it has none, its name.
func TestReplaceUsesKeepsProvenance(t *testing.T) {
	m, err := Parse(`func @f(%x: f32[N]) -> (y: f32[N]) {
  %c = neg %x : f32[N] loc("f.dl":2:9)
  %2 = neg %x : f32[N] loc("f.dl":3:9)
  %3 = add %c, %2 : f32[N] loc("f.dl":4:9)
  return y = %3
}
`)
	require.NoError(t, err)
	f := m.Funcs[0]
	c, dup := f.Body[0], f.Body[1]
	f.ReplaceUses(dup, c)
	require.Equal(t, "f.dl:2:9, f.dl:3:9", c.Pos.String())
	anon := f.Body[2]
	f.ReplaceUses(c, anon)
	require.Equal(t, "c", anon.Var)
}

func TestUniqueVars(t *testing.T) {
	m, err := Parse(`func @f(%c: f32[N]) -> (y: f32[N]) {
  %1 = neg %c : f32[N]
  %2 = neg %1 : f32[N]
  %3 = neg %2 : f32[N]
  return y = %3
}
`)
	require.NoError(t, err)
	f := m.Funcs[0]
	f.Body[0].Var, f.Body[1].Var, f.Body[2].Var = "c", "c.1", "c"
	require.Error(t, Verify(m), "a name used twice is a broken invariant")
	f.Renumber()
	require.NoError(t, Verify(m))
	require.Equal(t, []string{"c.2", "c.1", "c.3"}, []string{f.Body[0].Var, f.Body[1].Var, f.Body[2].Var})
	f.Renumber()
	require.Equal(t, "c.2", f.Body[0].Var, "unique names never change")
}

func TestSourcesQuote(t *testing.T) {
	src := Sources{"f.dl": []byte("kernel f() {\n    let c = a + b\n}\n")}
	require.Equal(t, "f.dl:2:13: let c = a + b", src.Quote(Pos{"f.dl", 2, 13}))
	require.Equal(t, "g.dl:2:13", src.Quote(Pos{"g.dl", 2, 13}))
	require.Equal(t, "f.dl:9:1", src.Quote(Pos{"f.dl", 9, 1}))
	l := PosList{{"f.dl", 2, 13}, {"f.dl", 2, 5}, {"f.dl", 1, 1}, {"f.dl", 3, 1}}
	require.Equal(t, []string{"f.dl:2:13: let c = a + b", "f.dl:1:1: kernel f() {", "... and 1 more source lines"}, src.Lines(l, 2))
}

func TestParseLocErrors(t *testing.T) {
	for _, c := range []struct{ loc, want string }{
		{`loc()`, "names no position"},
		{`loc("f.dl":0:1)`, "positive line or column"},
		{`loc(f.dl:1:1)`, "quoted file name"},
		{`loc("f.dl":1:1, "f.dl":1:1)`, "given twice"},
		{`loc("f.dl:1:1)`, "unterminated string"},
	} {
		src := "func @f(%x: f32[N]) -> (y: f32[N]) {\n  %1 = neg %x : f32[N] " + c.loc + "\n  return y = %1\n}\n"
		_, err := Parse(src)
		require.Error(t, err, c.loc)
		require.True(t, strings.Contains(err.Error(), c.want), "%s: %v", c.loc, err)
	}
	_, err := Parse("func @f(%x: f32[N]) -> (y: f32[N]) {\n  %1x = neg %x : f32[N]\n  return y = %1x\n}\n")
	require.ErrorContains(t, err, "named by a number or a source variable")
}
