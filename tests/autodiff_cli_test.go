package tests

import (
	"context"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"dlc.dev/dlc/compiler"
	"dlc.dev/dlc/ir"
	"dlc.dev/dlc/runtime"
	"dlc.dev/dlc/runtime/npy"
)

// gradSource is a small model loss and its gradient kernel: three kernels,
// the rows, the batch mean and d_w, a sum over the batch axis.
const gradSource = `kernel loss(x: f32[B, C], w: f32[C]; s: f32 = 0.5) -> l: f32 {
    let h = tanh(x * w)
    l = mean(sum(s * h * h))
}

@kernels(3)
kernel dloss = grad(loss, wrt=(x, w))
`

// TestCLIGrad builds, inspects and runs a gradient kernel with the command:
// inspect lists its outputs after the loss, run writes them, and they match
// the interpreter; dlc ir --after autodiff shows the sweep in place of grad.
func TestCLIGrad(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "model.dl")
	require.NoError(t, os.WriteFile(src, []byte(gradSource), 0o644))
	art := filepath.Join(dir, "model.dla")
	_, stderr, code := dlc(t, nil, "build", src, "-o", art)
	require.Equal(t, 0, code, stderr)
	stdout, stderr, code := dlc(t, nil, "inspect", art)
	require.Equal(t, 0, code, stderr)
	fn := stdout[strings.Index(stdout, "func dloss"):]
	require.Regexp(t, `(?s)out\s+l\s+f32\[\].*out\s+d_x\s+f32\[B,C\].*out\s+d_w\s+f32\[C\].*kernels: 3`, fn)

	const B, C = 3, 5
	x, w := make([]float32, B*C), make([]float32, C)
	for i := range x {
		x[i] = float32(math.Sin(float64(i))) * 2
	}
	for i := range w {
		w[i] = float32(i) - 1.5
	}
	writeF32(t, filepath.Join(dir, "x.npy"), []int64{B, C}, x)
	writeF32(t, filepath.Join(dir, "w.npy"), []int64{C}, w)
	out := filepath.Join(dir, "out")
	_, stderr, code = dlc(t, nil, "run", art, "dloss", "--in", "x="+filepath.Join(dir, "x.npy"),
		"--in", "w="+filepath.Join(dir, "w.npy"), "--set", "s=2", "--out", out)
	require.Equal(t, 0, code, stderr)

	m := lowerRef(t, src, []byte(gradSource))
	in := ir.Inputs{Tensors: map[string]*ir.Array{"x": {Shape: []int64{B, C}}, "w": {Shape: []int64{C}}}, Scalars: map[string]float64{"s": 2}}
	for _, v := range x {
		in.Tensors["x"].Data = append(in.Tensors["x"].Data, float64(v))
	}
	for _, v := range w {
		in.Tensors["w"].Data = append(in.Tensors["w"].Data, float64(v))
	}
	want, err := ir.Interpret(m, "dloss", in)
	require.NoError(t, err)
	for _, name := range []string{"l", "d_x", "d_w"} {
		a, err := npy.ReadFile(filepath.Join(out, name+".npy"))
		require.NoError(t, err)
		got := make([]float32, len(want[name].Data))
		for i := range got {
			got[i] = mathFloat32frombits(le32(a.Bytes()[4*i:]))
		}
		closeTo(t, name, got, want[name].Data, 2e-5, 1e-6)
	}

	stdout, stderr, code = dlc(t, nil, "ir", src, "--after", "autodiff")
	require.Equal(t, 0, code, stderr)
	require.NotContains(t, stdout, "= grad ")
	require.Contains(t, stdout, "= tanh ")
}

// TestCLIGradErrors checks that a gradient that cannot be had fails the build
// at the right line, with a short message and no artifact.
func TestCLIGradErrors(t *testing.T) {
	dir := t.TempDir()
	cases := []struct{ name, src, want string }{
		{"floor", "kernel f(x: f32[N]) -> l: f32 {\n    l = sum(floor(x) * 2)\n}\n\nkernel df = grad(f, wrt=(x))\n",
			"f.dl:2:13: cannot differentiate with respect to x (grad at line 5:26): the result depends on it only through floor here"},
		{"unused", "kernel f(x: f32[N], y: f32[N]) -> l: f32 {\n    l = sum(y)\n}\n\nkernel df = grad(f, wrt=(y, x))\n",
			"f.dl:5:29: cannot differentiate with respect to x: the result does not depend on it"},
		{"vector loss", "kernel f(x: f32[N]) -> l: f32[N] {\n    l = x\n}\n\nkernel df = grad(f, wrt=(x))\n",
			"f.dl:5:18: grad needs a kernel whose output is a 0-d float (the loss); output l of f is f32[N]"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			src := filepath.Join(dir, "f.dl")
			require.NoError(t, os.WriteFile(src, []byte(c.src), 0o644))
			art := filepath.Join(dir, c.name+".dla")
			_, stderr, code := dlc(t, nil, "build", src, "-o", art)
			require.NotEqual(t, 0, code)
			require.Contains(t, stderr, c.want)
			require.LessOrEqual(t, len(strings.Split(strings.TrimSpace(stderr), "\n")), 3, stderr)
			_, err := os.Stat(art)
			require.True(t, os.IsNotExist(err), "a failed build leaves no artifact")
		})
	}
}

// TestScatterIndexCheck checks that the indices of a gradient's scatter_add
// are checked before any kernel runs when no take_along_axis is left to
// check them: step uses only the gradient of pick, so the forward gather is
// dead code.
func TestScatterIndexCheck(t *testing.T) {
	needTools(t)
	const src = `kernel pick(x: f32[B, C], idx: i32[B, K]) -> total: f32 {
    total = sum(sum(take_along_axis(x, idx)))
}

kernel dpick = grad(pick, wrt=(x))

kernel step(x: f32[B, C], idx: i32[B, K]) -> g: f32[B, C] {
    let _, d = dpick(x, idx)
    g = d
}
`
	b, man, err := compiler.Build(context.Background(), "step.dl", []byte(src), compiler.Options{})
	require.NoError(t, err)
	for _, f := range man.Functions {
		if f.Name == "step" {
			require.Len(t, f.IndexChecks, 1, "the scatter_add's indices are checked")
		}
	}
	art, err := runtime.LoadBytes(b, runtime.Config{})
	require.NoError(t, err)
	defer art.Close()
	fn, err := art.Func("step")
	require.NoError(t, err)
	g := make([]float32, 6)
	run := func(idx []int32) error {
		return fn.Run(runtime.Args{
			Inputs:  map[string]runtime.Tensor{"x": runtime.F32(make([]float32, 6), 2, 3), "idx": runtime.I32(idx, 2, 2)},
			Outputs: map[string]runtime.Tensor{"g": runtime.F32(g, 2, 3)},
		})
	}
	require.NoError(t, run([]int32{0, 0, 2, 1}))
	require.Equal(t, []float32{2, 0, 0, 0, 1, 1}, g, "ones added back at each index, twice at a repeated one")
	err = run([]int32{0, 3, 2, 1})
	require.ErrorContains(t, err, "input idx: index 3 at [0, 1] out of range [0, 3)")
}
