package ir

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// stripComments drops // comment lines so a file compares with its printed form.
func stripComments(s string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if !strings.HasPrefix(strings.TrimSpace(l), "//") {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

func TestRoundTripTestdata(t *testing.T) {
	files, _ := filepath.Glob("testdata/*.ir")
	require.NotEmpty(t, files)
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			src, err := os.ReadFile(file)
			require.NoError(t, err)
			m, err := Parse(string(src))
			require.NoError(t, err)
			require.NoError(t, Verify(m))
			got := Print(m)
			require.Equal(t, stripComments(string(src)), got)
			m2, err := Parse(got)
			require.NoError(t, err)
			require.Equal(t, got, Print(m2))
		})
	}
}

func TestParseErrors(t *testing.T) {
	cases := map[string]string{
		"func @f(%x: f32[N]) -> (y: f32[N]) {\n  %1 = bogus %x : f32[N]\n  return y = %1\n}\n":   `2:8: unknown op "bogus"`,
		"func @f(%x: f32[N]) -> (y: f32[N]) {\n  %1 = neg %z : f32[N]\n  return y = %1\n}\n":     `2:12: undefined value %z`,
		"func @f(%x: f32[N]) -> (y: f32[N]) {\n  %1 = neg %x : f99[N]\n  return y = %1\n}\n":     `2:17: expected a dtype`,
		"func @f(%x: f32[N]) -> (y: f32[N]) {\n  return y = %x\n":                                `expected "}"`,
		"func @f(%x: f32[N]) -> (y: f32[M]) {\n  return y = %x\n}\n":                             `result y has type f32[M]`,
		"func @f(%x: f32[N]) -> (y: f32[N]) {\n  %1 = neg %x : f32[N]\n  %1 = neg %x : f32[N]\n": `3:3: %1 is defined twice`,
	}
	for src, want := range cases {
		_, err := Parse(src)
		require.Error(t, err, src)
		require.Contains(t, err.Error(), want, src)
	}
}

func TestVerifyCatches(t *testing.T) {
	cases := map[string]string{
		"func @f(%x: f32[N]; %s: f32) -> (y: f64[N]) {\n  %2 = add %x, %s : f64[N]\n  return y = %2\n}\n":                                "declared type f64[N], but add of these operands is f32[N]",
		"func @f(%x: f32[N]; %s: f64) -> (y: f32[N]) {\n  %2 = add %x, %s : f32[N]\n  return y = %2\n}\n":                                "mismatched dtypes f32 and f64 in add",
		"func @f(%x: f32[N], %z: f32[M]) -> (y: f32[N]) {\n  %2 = add %x, %z : f32[N]\n  return y = %2\n}\n":                             "cannot broadcast f32[N] with f32[M] in add",
		"func @f(%x: f32[N]) -> (y: f32[N]) {\n  %1 = lt %x, %x : f32[N]\n  return y = %1\n}\n":                                          "declared type f32[N], but lt of these operands is bool[N]",
		"func @f(%x: i32[N]) -> (y: i32[N]) {\n  %1 = exp %x : i32[N]\n  return y = %1\n}\n":                                             "exp needs a float operand, got i32",
		"func @f(%x: bool[N]) -> (y: bool[N]) {\n  %1 = abs %x : bool[N]\n  return y = %1\n}\n":                                          "abs is not defined on bool",
		"func @f(%x: f32[N]) -> (y: f32[N]) {\n  %1 = select %x, %x, %x : f32[N]\n  return y = %1\n}\n":                                  "the condition of select must be bool, got f32[N]",
		"func @f(%x: f32[N]) -> (y: f32[N]) {\n  %1 = neg %x : f32[N] @host\n  return y = %1\n}\n":                                       "host value must be a scalar",
		"func @f(%x: f32[N]) -> (y: f32[N]) {\n  %1 = call @g(%x) : (f32[N])\n  %2 = extract %1, 0 : f32[N]\n  return y = %2\n}\n":       "unknown function @g",
		"func @f(%x: f32[B,C]) -> (y: f32[C]) {\n  %1 = reduce_sum %x, axis=2 : f32[C]\n  return y = %1\n}\n":                            "axis 2 is out of range for f32[B,C], which has axes -2..1",
		"func @f(%x: f32[B,C]) -> (y: f32[B]) {\n  %1 = reduce_sum %x, axis=0 : f32[B]\n  return y = %1\n}\n":                            "declared type f32[B], but reduce_sum of these operands is f32[C]",
		"func @f(%x: f32[B,C], %i: f32[B,K]) -> (y: f32[B,K]) {\n  %1 = take_along_axis %x, %i, axis=1 : f32[B,K]\n  return y = %1\n}\n": "the indices of take_along_axis must be i32 or i64, got f32[B,K]",
		"func @f(%x: f32[B,C], %i: i32[K,C]) -> (y: f32[K,C]) {\n  %1 = take_along_axis %x, %i, axis=1 : f32[K,C]\n  return y = %1\n}\n": "dimension 0 of f32[B,C] and i32[K,C] differ (B and K); only the axis 1 may differ",
		"func @f(%x: f32[B,C]) -> (y: f32[C,B]) {\n  %1 = reshape %x : f32[C,B]\n  return y = %1\n}\n":                                   "cannot reshape f32[B,C] to f32[C,B]",
		"func @f(%u: i32[B,K], %i: i32[B,K]) -> (y: i32[B,C]) {\n  %1 = scatter_add %u, %i, axis=1 : i32[B,C]\n  return y = %1\n}\n":     "scatter_add adds float updates, got i32[B,K]",
		"func @f(%u: f32[B,K], %i: i32[B,C]) -> (y: f32[B,C]) {\n  %1 = scatter_add %u, %i, axis=1 : f32[B,C]\n  return y = %1\n}\n":     "scatter_add needs indices of the shape of its updates f32[B,K] (or of size 1 in a dimension other than the axis), got i32[B,C]",
		"func @f(%u: f32[B,K], %i: i32[B,K]) -> (y: f32[N,C]) {\n  %1 = scatter_add %u, %i, axis=1 : f32[N,C]\n  return y = %1\n}\n":     "dimension 0 differs, and only the axis 1 may",
		"func @f(%x: f32[N]) -> (y: f32[N]) {\n  %1 = grad %x, %x : f32[N]\n  return y = %1\n}\n":                                        "grad differentiates a 0-d float, not f32[N]",
		"func @f(%x: i32[N]; %s: f32) -> (y: i32[N]) {\n  %2 = grad %s, %x : i32[N]\n  return y = %2\n}\n":                               "grad differentiates with respect to a float value, not i32[N]",
		"func @g(%a: f32[N], %b: f32[N]) -> (y: f32[N]) {\n  return y = %a\n}\n" +
			"func @f(%x: f32[N], %z: f32[M]) -> (y: f32[N]) {\n  %1 = call @g(%x, %z) : (f32[N])\n  %2 = extract %1, 0 : f32[N]\n  return y = %2\n}\n": "argument b of @g is f32[M], but dimension N of @g is already N (from argument a)",
		"func @g(%a: f32[N]) -> (y: f32[N]) {\n  return y = %a\n}\n" +
			"func @f(%x: f32[M]) -> (y: f32[N]) {\n  %1 = call @g(%x) : (f32[N])\n  %2 = extract %1, 0 : f32[N]\n  return y = %2\n}\n": "declared type (f32[N]), but call of these operands is (f32[M])",
	}
	for src, want := range cases {
		m, err := Parse(src)
		require.NoError(t, err, src)
		err = Verify(m)
		require.Error(t, err, src)
		require.Contains(t, err.Error(), want, src)
	}
}

// TestVerifyAttributes checks that a value carries only the attributes its
// op's row says it takes.
func TestVerifyAttributes(t *testing.T) {
	for _, c := range []struct {
		set  func(v *Value)
		want string
	}{
		{func(v *Value) { v.Axis = 1 }, "add takes no axis attribute"},
		{func(v *Value) { v.KeepDims = true }, "add takes no keepdims attribute"},
		{func(v *Value) { v.Name = "N" }, "add takes no name attribute"},
		{func(v *Value) { v.Index = 2 }, "add takes no index attribute"},
		{func(v *Value) { v.Const = 3 }, "add takes no constant attribute"},
	} {
		m, err := Parse("func @f(%x: f32[N]) -> (y: f32[N]) {\n  %1 = add %x, %x : f32[N]\n  return y = %1\n}\n")
		require.NoError(t, err)
		require.NoError(t, Verify(m))
		c.set(m.Funcs[0].Body[0])
		require.ErrorContains(t, Verify(m), c.want)
	}
}
