package tests

import (
	"testing"

	"github.com/stretchr/testify/require"

	"dlc.dev/dlc/runtime"
)

// stateful describes an optimizer for the vector tests: its state tensors and
// how the vectors name them.
type optimizer struct {
	file, fn  string
	state     []string // state tensor names besides theta, e.g. m, v
	stepParam bool     // takes the 1-based step as a scalar
}

// runStep runs one optimizer step in place and returns nothing; the tensors
// in st are updated.
func runStep(t *testing.T, fn *runtime.Func, o optimizer, st map[string][]float32, grad []float32, shape []int64, scalars map[string]float64) {
	t.Helper()
	in := map[string]runtime.Tensor{"theta": runtime.F32(st["theta"], shape...), "grad": runtime.F32(grad, shape...)}
	out := map[string]runtime.Tensor{"theta_new": in["theta"]}
	for _, s := range o.state {
		in[s] = runtime.F32(st[s], shape...)
		out[s+"_new"] = in[s] // in place, as an optimizer runs
	}
	require.NoError(t, runDev(t, fn, runtime.Args{Inputs: in, Outputs: out, Scalars: scalars}))
}

func TestOptimizerVectors(t *testing.T) {
	for _, o := range []optimizer{
		{file: "stdlib/optim/lion.dl", fn: "lion", state: []string{"m"}},
		{file: "stdlib/optim/adamw.dl", fn: "adamw", state: []string{"m", "v"}, stepParam: true},
		{file: "stdlib/optim/sgd.dl", fn: "sgd_momentum", state: []string{"buf"}, stepParam: true},
	} {
		vf := readVectors(t, o.fn)
		art := loadDev(t, o.file)
		fn, err := art.Func(o.fn)
		require.NoError(t, err)
		for _, c := range vf.Cases {
			t.Run(o.fn+"/"+c.Name, func(t *testing.T) {
				hp, _ := c.hparams(t)
				theta := c.Inputs["theta"]
				shape := []int64{int64(len(theta.Data))} // the stdlib works on flattened tensors
				st := map[string][]float32{"theta": theta.F32()}
				for _, s := range o.state {
					if a, ok := c.Inputs[s]; ok {
						st[s] = a.F32()
					} else {
						st[s] = make([]float32, len(theta.Data)) // zero initial state
					}
				}
				step0 := 1.0
				if s, ok := hp["step"]; ok {
					step0 = s
					delete(hp, "step")
				}
				grads, traj := c.Inputs["grads"]
				steps := 1
				if traj {
					steps = int(grads.Shape[0])
				}
				for k := 0; k < steps; k++ {
					g := c.Inputs["grad"]
					if traj {
						g = grads.Slice(k)
					}
					scalars := map[string]float64{}
					for name, x := range hp {
						scalars[name] = x
					}
					if o.stepParam {
						scalars["step"] = step0 + float64(k)
					}
					runStep(t, fn, o, st, g.F32(), shape, scalars)
					for _, name := range append([]string{"theta"}, o.state...) {
						want := c.expected(t, name)
						if traj {
							want = want.Slice(k)
						}
						closeTo(t, name, st[name], want.F64(), c.Tolerance.RTol, c.Tolerance.ATol)
					}
				}
			})
		}
	}
}

func TestDiffusionVectors(t *testing.T) {
	for _, fnName := range []string{"ddim_step", "ddpm_step"} {
		vf := readVectors(t, fnName)
		art := loadDev(t, "stdlib/diffusion/ddim.dl")
		fn, err := art.Func(fnName)
		require.NoError(t, err)
		for _, c := range vf.Cases {
			t.Run(fnName+"/"+c.Name, func(t *testing.T) {
				hp, strs := c.hparams(t)
				scalars := map[string]float64{}
				for k, x := range hp {
					scalars[k] = x
				}
				if v, ok := strs["var_type"]; ok {
					scalars["large_var"] = map[string]float64{"small": 0, "large": 1}[v]
				}
				shape := []int64{int64(len(c.Inputs["x_t"].Data))} // flattened
				out := make([]float32, len(c.Inputs["x_t"].Data))
				in := map[string]runtime.Tensor{}
				for _, name := range []string{"x_t", "eps", "z"} {
					in[name] = runtime.F32(c.Inputs[name].F32(), shape...)
				}
				require.NoError(t, runDev(t, fn, runtime.Args{Inputs: in, Scalars: scalars,
					Outputs: map[string]runtime.Tensor{"x_prev": runtime.F32(out, shape...)}}))
				closeTo(t, "x_prev", out, c.expected(t, "x_prev").F64(), c.Tolerance.RTol, c.Tolerance.ATol)
			})
		}
	}
}
