package tests

// This file runs DDIM and Lion through the runtime with streaming stores
// forced (StreamBytes 1) and refused (-1): the outputs are the same bits, on
// two threads, out of place and in place (where the runtime never streams).

import (
	"slices"
	"testing"

	"github.com/stretchr/testify/require"

	"dlc.dev/dlc/runtime"
)

func TestStreamingRuntimeSameBits(t *testing.T) {
	for _, c := range []struct {
		src, fn string
		inputs  []string
		outputs map[string]string // output -> the input it may replace in place
		scalars map[string]float64
	}{
		{"../stdlib/diffusion/ddim.dl", "ddim_step", []string{"x_t", "eps", "z"}, map[string]string{"x_prev": "x_t"},
			map[string]float64{"abar_t": 0.5, "abar_prev": 0.6, "eta": 0.5}},
		{"../stdlib/optim/lion.dl", "lion", []string{"theta", "grad", "m"}, map[string]string{"theta_new": "theta", "m_new": "m"}, nil},
	} {
		art := buildProgram(t, c.src)
		run := func(stream int64, n int, inPlace bool) map[string][]float32 {
			a, err := runtime.LoadBytes(art, runtime.Config{Threads: 2, StreamBytes: stream, MinChunk: 1024})
			require.NoError(t, err)
			defer a.Close()
			fn, err := a.Func(c.fn)
			require.NoError(t, err)
			args := runtime.Args{Inputs: map[string]runtime.Tensor{}, Outputs: map[string]runtime.Tensor{}, Scalars: c.scalars}
			data := map[string][]float32{}
			for k, name := range c.inputs {
				x := staggered(n+1, k)[1:] // 4 bytes past a cache line: the kernels peel to align
				for i := range x {
					x[i] = float32((i*(k+3))%17) - 8
				}
				data[name] = x
				args.Inputs[name] = runtime.F32(x)
			}
			for out, in := range c.outputs {
				o := data[in]
				if !inPlace {
					o = make([]float32, n)
				}
				data[out] = o
				args.Outputs[out] = runtime.F32(o)
			}
			require.NoError(t, fn.Run(args))
			res := map[string][]float32{}
			for out := range c.outputs {
				res[out] = slices.Clone(data[out])
			}
			return res
		}
		for _, n := range []int{5, 1001, 100003} {
			for _, inPlace := range []bool{false, true} {
				require.Equal(t, run(-1, n, inPlace), run(1, n, inPlace), "%s n=%d in place %v", c.fn, n, inPlace)
			}
		}
	}
}
