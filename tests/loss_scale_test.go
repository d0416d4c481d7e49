// This file tests dynamic loss scaling (MATH.md §4): the scale update
// against the vectors, compiled and interpreted; the global non-finite check,
// as a stdlib kernel and as the IR builder a train step uses; and a
// loss-scaled Lion step whose overflow leaves every parameter and state
// bit-identical.
package tests

import (
	"context"
	"encoding/json"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
	"unsafe"

	"github.com/stretchr/testify/require"

	"dlc.dev/dlc/compiler"
	"dlc.dev/dlc/ir"
	"dlc.dev/dlc/passes"
	"dlc.dev/dlc/runtime"
)

// lossScaleVectors is loss_scale.json: a sequence of found_inf flags and the
// scale, counter and skip after each step.
type lossScaleVectors struct {
	Cases []struct {
		Name    string             `json:"name"`
		HParams map[string]float64 `json:"hparams"`
		Inputs  struct {
			FoundInf struct {
				Data []bool `json:"data"`
			} `json:"found_inf"`
		} `json:"inputs"`
		Expected struct {
			Steps []struct {
				Scale   float64 `json:"scale"`
				Tracker int32   `json:"tracker"`
				Skipped bool    `json:"skipped"`
			} `json:"steps"`
		} `json:"expected"`
	} `json:"cases"`
}

func TestLossScaleVectors(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("testdata", "vectors", "loss_scale.json"))
	require.NoError(t, err)
	var vf lossScaleVectors
	require.NoError(t, json.Unmarshal(b, &vf))
	require.NotEmpty(t, vf.Cases)
	art := load(t, "stdlib/optim/loss_scale.dl")
	fn, err := art.Func("loss_scale_update")
	require.NoError(t, err)
	src, err := os.ReadFile("../stdlib/optim/loss_scale.dl")
	require.NoError(t, err)
	ref := lowerRef(t, "../stdlib/optim/loss_scale.dl", src)
	for _, c := range vf.Cases {
		hp := c.HParams
		scalars := map[string]float64{"growth_factor": hp["growth_factor"], "backoff_factor": hp["backoff_factor"], "growth_interval": hp["growth_interval"]}
		scale, tracker := []float32{float32(hp["init_scale"])}, []int32{0}
		iscale, itracker := float64(scale[0]), 0.0
		for i, inf := range c.Inputs.FoundInf.Data {
			want := c.Expected.Steps[i]
			found, skipped := []bool{inf}, []bool{false}
			require.NoError(t, fn.Run(runtime.Args{
				Inputs:  map[string]runtime.Tensor{"scale": runtime.F32(scale), "tracker": runtime.I32(tracker), "found_inf": runtime.Bool(found)},
				Outputs: map[string]runtime.Tensor{"scale_new": runtime.F32(scale), "tracker_new": runtime.I32(tracker), "skipped": runtime.Bool(skipped)},
				Scalars: scalars,
			}))
			require.Equal(t, want.Scale, float64(scale[0]), "%s step %d: scale", c.Name, i)
			require.Equal(t, want.Tracker, tracker[0], "%s step %d: counter", c.Name, i)
			require.Equal(t, want.Skipped, skipped[0], "%s step %d: skipped", c.Name, i)

			flag := 0.0
			if inf {
				flag = 1
			}
			out, err := ir.Interpret(ref, "loss_scale_update", ir.Inputs{
				Tensors: map[string]*ir.Array{"scale": {Shape: []int64{1}, Data: []float64{iscale}}, "tracker": {Shape: []int64{1}, Data: []float64{itracker}}, "found_inf": {Shape: []int64{1}, Data: []float64{flag}}},
				Scalars: scalars,
			})
			require.NoError(t, err)
			iscale, itracker = out["scale_new"].Data[0], out["tracker_new"].Data[0]
			require.Equal(t, want.Scale, iscale, "%s step %d: interpreted scale", c.Name, i)
			require.Equal(t, float64(want.Tracker), itracker, "%s step %d: interpreted counter", c.Name, i)
		}
	}
}

// TestLossScaleDefaultsAndCeiling checks the defaults of MATH.md §4 (growth
// ×2 after 2000 clean steps, back-off ×½) and that a doubling f32 cannot
// hold is not taken.
func TestLossScaleDefaultsAndCeiling(t *testing.T) {
	fn, err := load(t, "stdlib/optim/loss_scale.dl").Func("loss_scale_update")
	require.NoError(t, err)
	step := func(scale float32, tracker int32, inf bool) (float32, int32) {
		s, c, k := []float32{scale}, []int32{tracker}, []bool{false}
		require.NoError(t, fn.Run(runtime.Args{
			Inputs:  map[string]runtime.Tensor{"scale": runtime.F32(s), "tracker": runtime.I32(c), "found_inf": runtime.Bool([]bool{inf})},
			Outputs: map[string]runtime.Tensor{"scale_new": runtime.F32(s), "tracker_new": runtime.I32(c), "skipped": runtime.Bool(k)},
		}))
		require.Equal(t, inf, k[0])
		return s[0], c[0]
	}
	s, c := step(65536, 1998, false)
	require.Equal(t, float32(65536), s)
	require.Equal(t, int32(1999), c)
	s, c = step(65536, 1999, false)
	require.Equal(t, float32(131072), s)
	require.Equal(t, int32(0), c)
	s, c = step(65536, 1999, true)
	require.Equal(t, float32(32768), s)
	require.Equal(t, int32(0), c)
	s, c = step(0x1p127, 1999, false)
	require.Equal(t, float32(0x1p127), s, "2^128 is not an f32: the scale stays")
	require.Equal(t, int32(0), c)
}

// allFiniteModule is a function of three gradients whose results are
// ir.AllFinite of them, run through the pipeline.
func allFiniteModule(t *testing.T) (ref, m *ir.Module) {
	src := "func @check(%a: f32[A,B], %b: bf16[N], %c: f32[K]) -> (g: f32[K]) {\n  return g = %c\n}\n"
	build := func() *ir.Module {
		m, err := ir.Parse(src)
		require.NoError(t, err)
		f := m.Funcs[0]
		ok := ir.AllFinite(f, f.Params[0], f.Params[1], f.Params[2])
		f.Results = []ir.Result{{Name: "ok", Value: ok}}
		require.NoError(t, ir.Verify(m))
		return m
	}
	ref, m = build(), build()
	require.NoError(t, passes.Run(m, &passes.Options{}))
	return ref, m
}

// TestAllFiniteCompiled injects inf, -inf and NaN into one of several
// gradients at a time, compiled and interpreted, among finite values as
// large as f32 holds (whose products with 0 are still 0).
func TestAllFiniteCompiled(t *testing.T) {
	needTools(t)
	ref, m := allFiniteModule(t)
	b, _, err := compiler.BuildModule(context.Background(), m, "check.ir", compiler.Options{})
	require.NoError(t, err)
	art, err := runtime.LoadBytes(b, runtime.Config{})
	require.NoError(t, err)
	defer art.Close()
	fn, err := art.Func("check")
	require.NoError(t, err)
	r := rand.New(rand.NewPCG(11, 12))
	const A, B, N, K = 37, 129, 1000, 3
	cases := []struct {
		name string
		at   int
		x    float64
	}{{"", 0, 0}, {"a", 0, math.Inf(1)}, {"a", A*B - 1, math.NaN()}, {"b", 500, math.Inf(-1)}, {"b", N - 1, math.NaN()}, {"c", 1, math.Inf(1)}}
	for _, c := range cases {
		a := make([]float32, A*B)
		for i := range a {
			a[i] = float32(r.NormFloat64())
		}
		a[7] = math.MaxFloat32
		bv := make([]float32, N)
		for i := range bv {
			bv[i] = float32(r.NormFloat64() * 1e30)
		}
		cv := []float32{1, math.SmallestNonzeroFloat32, -0}
		switch c.name {
		case "a":
			a[c.at] = float32(c.x)
		case "b":
			bv[c.at] = float32(c.x)
		case "c":
			cv[c.at] = float32(c.x)
		}
		b16 := make([]uint16, N)
		runtime.BF16FromF32(b16, bv)
		ok := []bool{false}
		require.NoError(t, fn.Run(runtime.Args{
			Inputs:  map[string]runtime.Tensor{"a": runtime.F32(a, A, B), "b": runtime.BF16(b16), "c": runtime.F32(cv)},
			Outputs: map[string]runtime.Tensor{"ok": runtime.FromBytes(runtime.Boolean, nil, unsafe.Slice((*byte)(unsafe.Pointer(&ok[0])), 1))},
		}))
		in := ir.Inputs{Tensors: map[string]*ir.Array{"a": f32Array(a, A, B), "b": f32Array(widenBF16(b16), N), "c": f32Array(cv, K)}}
		want, err := ir.Interpret(ref, "check", in)
		require.NoError(t, err)
		require.Equal(t, c.name == "", ok[0], "injected %v into %s[%d]", c.x, c.name, c.at)
		require.Equal(t, want["ok"].Data[0] == 1, ok[0], "interpreter and kernel")
	}
}

func f32Array(xs []float32, shape ...int64) *ir.Array {
	a := ir.NewArray(shape...)
	for i, x := range xs {
		a.Data[i] = float64(x)
	}
	return a
}

func widenBF16(h []uint16) []float32 {
	out := make([]float32, len(h))
	runtime.F32FromBF16(out, h)
	return out
}

// TestScaledLionSkipsOverflow runs a loss-scaled Lion step: with an inf or
// NaN anywhere in the scaled gradient, theta and m keep every bit, the step
// is skipped and the scale halves; a clean step matches the interpreter and
// grows the counter. The step is one row kernel that reads theta and m
// again after the check, so it runs out of place (the runtime refuses
// aliasing there); a train step splits check and update into two kernels to
// update in place.
func TestScaledLionSkipsOverflow(t *testing.T) {
	const rel = "tests/testdata/lossscale/scaled_lion.dl"
	fn, err := load(t, rel).Func("scaled_lion")
	require.NoError(t, err)
	src, err := os.ReadFile(filepath.Join("..", rel))
	require.NoError(t, err)
	ref := lowerRef(t, rel, src)
	const n = 5000
	r := rand.New(rand.NewPCG(13, 14))
	for _, inject := range []float64{0, math.Inf(1), math.Inf(-1), math.NaN()} {
		theta, m, grad := make([]float32, n), make([]float32, n), make([]float32, n)
		for i := range theta {
			theta[i], m[i], grad[i] = float32(r.NormFloat64()), float32(r.NormFloat64()*0.1), float32(r.NormFloat64()*65536)
		}
		if inject != 0 {
			grad[r.IntN(n)] = float32(inject)
		}
		theta0, m0 := theta, m
		theta, m = make([]float32, n), make([]float32, n)
		scale, tracker, skipped := []float32{65536}, []int32{5}, []bool{false}
		scalars := map[string]float64{"lr": 0.01, "growth_interval": 2000}
		require.NoError(t, fn.Run(runtime.Args{
			Inputs: map[string]runtime.Tensor{"theta": runtime.F32(theta0), "grad": runtime.F32(grad), "m": runtime.F32(m0),
				"scale": runtime.F32(scale), "tracker": runtime.I32(tracker)},
			Outputs: map[string]runtime.Tensor{"theta_new": runtime.F32(theta), "m_new": runtime.F32(m),
				"scale_new": runtime.F32(scale), "tracker_new": runtime.I32(tracker), "skipped": runtime.Bool(skipped)},
			Scalars: scalars,
		}))
		if inject != 0 {
			require.True(t, skipped[0], "%v: the step must be skipped", inject)
			require.Equal(t, float32(32768), scale[0])
			require.Equal(t, int32(0), tracker[0])
			require.Equal(t, bitsOf(theta0), bitsOf(theta), "%v: theta must keep its bits", inject)
			require.Equal(t, bitsOf(m0), bitsOf(m), "%v: m must keep its bits", inject)
			continue
		}
		require.False(t, skipped[0])
		require.Equal(t, float32(65536), scale[0])
		require.Equal(t, int32(6), tracker[0])
		in := ir.Inputs{Tensors: map[string]*ir.Array{"theta": f32Array(theta0, n), "grad": f32Array(grad, n), "m": f32Array(m0, n),
			"scale": {Shape: []int64{1}, Data: []float64{65536}}, "tracker": {Shape: []int64{1}, Data: []float64{5}}}, Scalars: scalars}
		want, err := ir.Interpret(ref, "scaled_lion", in)
		require.NoError(t, err)
		// Lion's update is ±lr plus rounding: f32 against float64 differs
		// by an ulp or two of theta; m by a few ulps of its terms.
		closeTo(t, "theta_new", theta, want["theta_new"].Data, 1e-6, 1e-7)
		closeTo(t, "m_new", m, want["m_new"].Data, 1e-5, 1e-7)
	}
}

// bitsOf is the bit patterns of xs, so NaNs compare by their bits.
func bitsOf(xs []float32) []uint32 {
	return append([]uint32(nil), unsafe.Slice((*uint32)(unsafe.Pointer(unsafe.SliceData(xs))), len(xs))...)
}
