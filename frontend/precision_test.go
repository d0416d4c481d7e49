// This file tests how train steps take their precision: from the
// declaration, reported for the step and its phases, or from the build.
package frontend

import (
	"slices"
	"testing"

	"dlc.dev/dlc/ir"

	"github.com/stretchr/testify/require"
)

const precisionSrc = `
import "std/optim/lion"
import "std/loss/softmax_ce"

kernel net(x: f32[B, 4], w: f32[4, 3] = glorot_uniform()) -> logits: f32[B, 3] {
    logits = x @ w
}

kernel ce(logits: f32[B, C], labels: i32[B]) -> loss: f32 {
    let l, _ = softmax_ce_labels(logits, labels)
    loss = mean(l)
}

kernel plain = train(net, loss=ce, opt=lion)
kernel half = train(net, loss=ce, opt=lion, precision=bf16)
kernel full = train(net, loss=ce, opt=lion(lr=1e-3), precision=f32)
`

// paramNames lists the parameter names of fn in m.
func paramNames(t *testing.T, m *ir.Module, fn string) []string {
	f := m.Func(fn)
	require.NotNil(t, f, fn)
	var names []string
	for _, p := range f.Params {
		names = append(names, p.Name)
	}
	return names
}

// TestTrainPrecision compiles three steps, one without a precision, one
// with bf16 and one with f32, under each build precision: the declared
// ones are reported for the step and its phases, and a step is f16, with
// the loss-scale state, exactly when its precision (declared, or else the
// build's) is f16.
func TestTrainPrecision(t *testing.T) {
	for _, build := range []ir.DType{ir.Invalid, ir.BF16, ir.F16} {
		got := map[string]ir.DType{}
		m, err := Compile("p.dl", []byte(precisionSrc), Options{Precision: build, FuncPrecision: func(fn string, low ir.DType) { got[fn] = low }})
		require.NoError(t, err)
		require.Equal(t, map[string]ir.DType{
			"half": ir.BF16, "half.grad": ir.BF16, "half.update": ir.BF16,
			"full": ir.Invalid, "full.grad": ir.Invalid, "full.update": ir.Invalid,
		}, got, "build %s", build)
		for _, fn := range []string{"plain", "half", "full"} {
			scaled := fn == "plain" && build == ir.F16
			for _, f := range []string{fn, fn + ".update"} {
				require.Equal(t, scaled, slices.Contains(paramNames(t, m, f), lossScaleName), "build %s: %s", build, f)
				require.Equal(t, scaled, slices.Contains(paramNames(t, m, f), lossTrackerName), "build %s: %s", build, f)
			}
			require.Equal(t, scaled, slices.Contains(paramNames(t, m, fn+".grad"), lossScaleName), "build %s: %s.grad", build, fn)
			require.False(t, slices.Contains(paramNames(t, m, fn+".grad"), lossTrackerName), "build %s: %s.grad", build, fn)
		}
	}
}
