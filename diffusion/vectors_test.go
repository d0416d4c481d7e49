package diffusion

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"dlc.dev/dlc/internal/vectors"
)

// The oracle's vectors (MATH.md §6) live in tests/testdata/vectors.
const vectorsDir = "../tests/testdata/vectors"

type vecArray = vectors.Array

type vecCase struct {
	Name      string                     `json:"name"`
	HParams   map[string]any             `json:"hparams"`
	Inputs    map[string]json.RawMessage `json:"inputs"`
	Expected  map[string]json.RawMessage `json:"expected"`
	Tolerance struct{ RTol, ATol float64 }
}

func (c vecCase) array(t *testing.T, raw map[string]json.RawMessage, name string) vecArray {
	t.Helper()
	b, ok := raw[name]
	require.True(t, ok, "case %s has no %s", c.Name, name)
	var a vecArray
	require.NoError(t, json.Unmarshal(b, &a), "case %s: %s", c.Name, name)
	return a
}

func (c vecCase) in(t *testing.T, name string) vecArray   { return c.array(t, c.Inputs, name) }
func (c vecCase) want(t *testing.T, name string) vecArray { return c.array(t, c.Expected, name) }

// num is a numeric or boolean hyper-parameter (booleans as 0 and 1).
func (c vecCase) num(name string) float64 {
	switch v := c.HParams[name].(type) {
	case float64:
		return v
	case bool:
		return b2f(v)
	}
	panic(fmt.Sprintf("case %s: hparam %s is %T", c.Name, name, c.HParams[name]))
}

func readVectors(t *testing.T, name string) []vecCase {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(vectorsDir, name+".json"))
	require.NoError(t, err)
	var f struct{ Cases []vecCase }
	require.NoError(t, json.Unmarshal(b, &f))
	require.NotEmpty(t, f.Cases)
	return f.Cases
}

// closeTo checks |got − want| <= atol + rtol·|want| elementwise.
func closeTo(t *testing.T, what string, got []float32, want []float64, rtol, atol float64) {
	t.Helper()
	require.Len(t, got, len(want), what)
	bad := 0
	for i := range want {
		g, w := float64(got[i]), want[i]
		if math.Abs(g-w) > atol+rtol*math.Abs(w) || math.IsNaN(g) != math.IsNaN(w) {
			bad++
			if bad <= 5 {
				t.Errorf("%s[%d] = %.9g, want %.9g (diff %.3g > %.3g)", what, i, g, w, math.Abs(g-w), atol+rtol*math.Abs(w))
			}
		}
	}
	if bad > 5 {
		t.Errorf("%s: %d of %d elements out of tolerance", what, bad, len(want))
	}
}

// jsonNumber decodes a number written as JSON.
func jsonNumber(raw json.RawMessage, v *float64) error {
	var n vectors.Number
	err := json.Unmarshal(raw, &n)
	*v = float64(n)
	return err
}
