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
		"func @f(%x: f32[N]; %s: f32) -> (y: f64[N]) {\n  %2 = add %x, %s : f64[N]\n  return y = %2\n}\n":                          "operand dtype f32 differs",
		"func @f(%x: f32[N], %z: f32[M]) -> (y: f32[N]) {\n  %2 = add %x, %z : f32[N]\n  return y = %2\n}\n":                       "operand shapes [N] and [M] do not broadcast",
		"func @f(%x: f32[N]) -> (y: f32[N]) {\n  %1 = lt %x, %x : f32[N]\n  return y = %1\n}\n":                                    "comparison produces bool",
		"func @f(%x: i32[N]) -> (y: i32[N]) {\n  %1 = exp %x : i32[N]\n  return y = %1\n}\n":                                       "needs a float dtype",
		"func @f(%x: f32[N]) -> (y: f32[N]) {\n  %1 = neg %x : f32[N] @host\n  return y = %1\n}\n":                                 "host value must be a scalar",
		"func @f(%x: f32[N]) -> (y: f32[N]) {\n  %1 = call @g(%x) : (f32[N])\n  %2 = extract %1, 0 : f32[N]\n  return y = %2\n}\n": "unknown function @g",
	}
	for src, want := range cases {
		m, err := Parse(src)
		require.NoError(t, err, src)
		err = Verify(m)
		require.Error(t, err, src)
		require.Contains(t, err.Error(), want, src)
	}
}
