package tests

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"dlc.dev/dlc/artifact"
	"dlc.dev/dlc/codegen/llvmtool"
	"dlc.dev/dlc/ir"
	"dlc.dev/dlc/runtime"
	"dlc.dev/dlc/runtime/npy"
)

// dlcBinary builds cmd/dlc once per test binary into a temp dir.
func dlcBinary(t *testing.T) string {
	t.Helper()
	needTools(t)
	binOnce.Do(func() {
		dir, err := os.MkdirTemp("", "dlc-test-bin")
		if err != nil {
			binErr = err
			return
		}
		binPath = filepath.Join(dir, "dlc")
		// -buildvcs=true stamps the commit (dlc version prints it) even where
		// GOFLAGS turns stamping off.
		out, err := exec.Command("go", "build", "-buildvcs=true", "-o", binPath, "../cmd/dlc").CombinedOutput()
		if err != nil {
			binErr = &buildErr{string(out)}
		}
	})
	require.NoError(t, binErr)
	return binPath
}

type buildErr struct{ out string }

func (e *buildErr) Error() string { return "go build ./cmd/dlc: " + e.out }

// buildLion compiles the stdlib's Lion into dir/lion.dla and returns the
// artifact's path.
func buildLion(t *testing.T, dir string) string {
	t.Helper()
	art := filepath.Join(dir, "lion.dla")
	_, stderr, code := dlc(t, nil, "build", "../stdlib/optim/lion.dl", "-o", art)
	require.Equal(t, 0, code, stderr)
	return art
}

// dlc runs the command and returns stdout, stderr and the exit code.
func dlc(t *testing.T, env []string, args ...string) (string, string, int) {
	t.Helper()
	cmd := exec.Command(dlcBinary(t), args...)
	// No build cache unless a test names one: the user's is left alone, and
	// every test builds.
	cmd.Env = append(append(os.Environ(), "DLC_CACHE=off"), env...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else {
		require.NoError(t, err)
	}
	require.NotContains(t, errb.String(), "panic:", "dlc must never panic")
	require.NotContains(t, errb.String(), "goroutine ", "dlc must never panic")
	return out.String(), errb.String(), code
}

func writeF32(t *testing.T, path string, shape []int64, data []float32) {
	b := make([]byte, 4*len(data))
	for i, x := range data {
		u := mathFloat32bits(x)
		b[4*i], b[4*i+1], b[4*i+2], b[4*i+3] = byte(u), byte(u>>8), byte(u>>16), byte(u>>24)
	}
	require.NoError(t, npy.WriteFile(path, runtime.FromBytes(runtime.Float32, shape, b)))
}

// TestCLIVersion checks that dlc version names the commit it was built from.
// Go stamps it in a checkout whose .git is a directory; a git worktree (.git
// is a file) is not recognised, and then the commit is unknown.
func TestCLIVersion(t *testing.T) {
	stdout, stderr, code := dlc(t, nil, "version")
	require.Equal(t, 0, code, stderr)
	tools, err := llvmtool.FindTools()
	require.NoError(t, err)
	require.Contains(t, stdout, fmt.Sprintf("\nLLVM %d: llc %s", tools.LLVM, tools.LLC))
	head, err := exec.Command("git", "-C", "..", "rev-parse", "HEAD").Output()
	if err != nil {
		t.Logf("no git revision to compare with: %v", err)
		return
	}
	rev := strings.TrimSpace(string(head))
	if fi, err := os.Stat("../.git"); err == nil && fi.IsDir() {
		require.Contains(t, stdout, "\ncommit "+rev, "a build from a git checkout names its commit")
		return
	}
	if !strings.Contains(stdout, "\ncommit unknown") {
		require.Contains(t, stdout, "\ncommit "+rev, "a stamped commit must be HEAD")
	}
}

func TestCLIBuildIsDeterministic(t *testing.T) {
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a.dla"), filepath.Join(dir, "b.dla")
	_, stderr, code := dlc(t, nil, "build", "../stdlib/optim/lion.dl", "-o", a)
	require.Equal(t, 0, code, stderr)
	_, stderr, code = dlc(t, nil, "build", "-o", b, "../stdlib/optim/lion.dl")
	require.Equal(t, 0, code, stderr)
	ba, _ := os.ReadFile(a)
	bb, _ := os.ReadFile(b)
	require.NotEmpty(t, ba)
	require.True(t, bytes.Equal(ba, bb), "two builds of the same source differ")
}

func TestCLIInspectOneKernelEach(t *testing.T) {
	dir := t.TempDir()
	want := map[string][]string{
		"../stdlib/optim/lion.dl":     {"lion"},
		"../stdlib/optim/adamw.dl":    {"adamw"},
		"../stdlib/optim/sgd.dl":      {"sgd_momentum"},
		"../stdlib/diffusion/ddim.dl": {"ddim_step", "ddpm_step"},
	}
	for src, fns := range want {
		out := filepath.Join(dir, filepath.Base(src)+"a")
		_, stderr, code := dlc(t, nil, "build", src, "-o", out)
		require.Equal(t, 0, code, stderr)
		stdout, stderr, code := dlc(t, nil, "inspect", out, "--json")
		require.Equal(t, 0, code, stderr)
		var got struct {
			Functions []struct {
				Name    string `json:"name"`
				Kernels int    `json:"kernels"`
				Inputs  []struct {
					Name, DType string
					Shape       []string
				} `json:"inputs"`
				Scalars []struct {
					Name    string   `json:"name"`
					Default *float64 `json:"default"`
				} `json:"scalars"`
				Outputs []struct{ Name string } `json:"outputs"`
			} `json:"functions"`
		}
		require.NoError(t, json.Unmarshal([]byte(stdout), &got), stdout)
		names := map[string]int{}
		for _, f := range got.Functions {
			names[f.Name] = f.Kernels
			require.NotEmpty(t, f.Inputs)
			require.NotEmpty(t, f.Outputs)
		}
		for _, fn := range fns {
			require.Equal(t, 1, names[fn], "%s: %s must be exactly one kernel", src, fn)
		}
	}
}

func TestCLIRunMatchesInterpreter(t *testing.T) {
	dir := t.TempDir()
	art := buildLion(t, dir)
	n := 1000
	vals := map[string][]float32{}
	for k, name := range []string{"theta", "grad", "m"} {
		v := make([]float32, n)
		for i := range v {
			v[i] = float32((i*7+k*13)%17-8) / 3
		}
		vals[name] = v
		writeF32(t, filepath.Join(dir, name+".npy"), []int64{int64(n)}, v)
	}
	outDir := filepath.Join(dir, "out")
	_, stderr, code := dlc(t, nil, "run", art, "lion", "--in", "theta="+filepath.Join(dir, "theta.npy"),
		"--in", "grad="+filepath.Join(dir, "grad.npy"), "--in", "m="+filepath.Join(dir, "m.npy"),
		"--set", "lr=0.01", "--set", "wd=0.1", "--out", outDir)
	require.Equal(t, 0, code, stderr)

	src, _ := os.ReadFile("../stdlib/optim/lion.dl")
	ref := lowerRef(t, "../stdlib/optim/lion.dl", src)
	in := ir.Inputs{Tensors: map[string]*ir.Array{}, Scalars: map[string]float64{"lr": 0.01, "wd": 0.1}}
	for name, v := range vals {
		a := ir.NewArray(int64(n))
		for i, x := range v {
			a.Data[i] = float64(x)
		}
		in.Tensors[name] = a
	}
	want, err := ir.Interpret(ref, "lion", in)
	require.NoError(t, err)
	for _, name := range []string{"theta_new", "m_new"} {
		arr, err := npy.ReadFile(filepath.Join(outDir, name+".npy"))
		require.NoError(t, err)
		require.Equal(t, runtime.Float32, arr.DType)
		require.Equal(t, []int64{int64(n)}, arr.Shape)
		got := make([]float32, n)
		for i := range got {
			got[i] = mathFloat32frombits(le32(arr.Bytes()[4*i:]))
		}
		closeTo(t, name, got, want[name].Data, 2e-5, 1e-6)
	}
}

func TestCLIBadInput(t *testing.T) {
	dir := t.TempDir()
	art := buildLion(t, dir)
	writeF32(t, filepath.Join(dir, "x.npy"), []int64{8}, make([]float32, 8))
	writeF32(t, filepath.Join(dir, "y.npy"), []int64{9}, make([]float32, 9))
	require.NoError(t, npy.WriteFile(filepath.Join(dir, "f64.npy"), runtime.F64(make([]float64, 8))))
	x, y, f64 := filepath.Join(dir, "x.npy"), filepath.Join(dir, "y.npy"), filepath.Join(dir, "f64.npy")
	good, _ := os.ReadFile(art)
	corrupt := filepath.Join(dir, "corrupt.dla")
	bad := append([]byte(nil), good...)
	bad[len(bad)/2] ^= 0x40
	require.NoError(t, os.WriteFile(corrupt, bad, 0o644))
	truncated := filepath.Join(dir, "trunc.dla")
	require.NoError(t, os.WriteFile(truncated, good[:len(good)/3], 0o644))
	foreign := filepath.Join(dir, "foreign.dla")
	require.NoError(t, os.WriteFile(foreign, []byte("#!/bin/sh\necho hi\n"), 0o644))
	bad1 := filepath.Join(dir, "bad.dl")
	require.NoError(t, os.WriteFile(bad1, []byte("kernel f(x: f32[N]) -> (y: f32[N]) {\n    y = x * undefined_name\n}\n"), 0o644))
	gpuArt := filepath.Join(dir, "lion-cuda.dla")
	_, stderr, code := dlc(t, nil, "build", "../stdlib/optim/lion.dl", "-target", "cuda", "-o", gpuArt)
	require.Equal(t, 0, code, stderr)
	mm := filepath.Join(dir, "mm.dl")
	require.NoError(t, os.WriteFile(mm, []byte("kernel f(x: bf16[B, D], w: bf16[D, H]) -> (y: bf16[B, H]) {\n    y = x @ w\n}\n"), 0o644))

	out := filepath.Join(dir, "out")
	run := func(extra ...string) []string {
		return append([]string{"run", art, "lion", "--out", out}, extra...)
	}
	cases := []struct {
		name string
		env  []string
		args []string
		want string
	}{
		{"wrong dtype", nil, run("--in", "theta="+f64, "--in", "grad="+x, "--in", "m="+x), "theta"},
		{"shape mismatch", nil, run("--in", "theta="+x, "--in", "grad="+y, "--in", "m="+x), "N"},
		{"missing input", nil, run("--in", "theta="+x, "--in", "grad="+x), "m"},
		{"unknown input", nil, run("--in", "theta="+x, "--in", "grad="+x, "--in", "m="+x, "--in", "bogus="+x), "bogus"},
		{"unknown scalar", nil, run("--in", "theta="+x, "--in", "grad="+x, "--in", "m="+x, "--set", "lr2=1"), "lr2"},
		{"bad scalar", nil, run("--in", "theta="+x, "--in", "grad="+x, "--in", "m="+x, "--set", "lr=fast"), "fast"},
		{"missing npy", nil, run("--in", "theta="+filepath.Join(dir, "nope.npy"), "--in", "grad="+x, "--in", "m="+x), "nope.npy"},
		{"unknown function", nil, []string{"run", art, "lion2", "--out", out}, "lion2"},
		{"bad device", nil, run("--in", "theta="+x, "--in", "grad="+x, "--in", "m="+x, "--device", "tpu"), `--device "tpu"`},
		{"no cuda target", nil, run("--in", "theta="+x, "--in", "grad="+x, "--in", "m="+x, "--device", "cuda"), "rebuild it with dlc build -target cuda"},
		{"no CUDA driver", nil, []string{"run", gpuArt, "lion", "--out", out, "--in", "theta=" + x, "--in", "grad=" + x, "--in", "m=" + x,
			"--device", "cuda:0", "--cuda-driver", filepath.Join(dir, "libcuda.so.1")}, "cannot open the CUDA driver"},
		{"bench without driver", nil, []string{"bench", gpuArt, "lion", "--dim", "N=8", "--device", "cuda", "--cuda-driver", filepath.Join(dir, "libcuda.so.1")}, "NVIDIA driver"},
		{"corrupt artifact", nil, []string{"inspect", corrupt}, "corrupt"},
		{"truncated artifact", nil, []string{"run", truncated, "lion", "--out", out}, "truncated"},
		{"foreign file", nil, []string{"inspect", foreign}, "not a dlc artifact"},
		{"unknown command", nil, []string{"frobnicate"}, "unknown command"},
		{"bad source", nil, []string{"build", bad1}, "bad.dl:2:13"},
		{"bf16 contraction", nil, []string{"build", mm}, "mm.dl:2:11: cannot compile dot_general %y of bf16 operands"},
		{"contraction on a GPU", nil, []string{"build", "testdata/contract/bench.dl", "-target", "cuda", "-o", filepath.Join(dir, "mm-cuda.dla")}, "bench.dl:4:11: cannot compile dot_general %c: the GPU contraction kernel is not available yet (3 such kernels in all)"},
		{"missing tools", []string{"PATH=" + dir}, []string{"build", "../stdlib/optim/lion.dl", "-o", filepath.Join(dir, "nt.dla")}, "install"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, stderr, code := dlc(t, c.env, c.args...)
			require.NotEqual(t, 0, code, "must fail")
			require.Contains(t, stderr, c.want)
			require.LessOrEqual(t, len(strings.Split(strings.TrimSpace(stderr), "\n")), 8, "errors are short:\n%s", stderr)
			_, err := os.Stat(out)
			require.True(t, os.IsNotExist(err), "no output may be left behind")
		})
	}
	_, err := os.Stat(filepath.Join(dir, "bad.dla"))
	require.True(t, os.IsNotExist(err), "a failed build leaves no artifact")
	_, err = os.Stat(filepath.Join(dir, "nt.dla"))
	require.True(t, os.IsNotExist(err), "a failed build leaves no artifact")
	_, err = os.Stat(filepath.Join(dir, "mm.dla"))
	require.True(t, os.IsNotExist(err), "a failed build leaves no artifact")
	_, err = os.Stat(filepath.Join(dir, "mm-cuda.dla"))
	require.True(t, os.IsNotExist(err), "a failed build leaves no artifact")
}

func TestCLIIRDumps(t *testing.T) {
	dir := t.TempDir()
	stdout, stderr, code := dlc(t, nil, "ir", "../stdlib/optim/lion.dl", "--dump-dir", dir, "--explain-fusion")
	require.Equal(t, 0, code, stderr)
	require.Contains(t, stdout, "@k0")
	require.Contains(t, stdout, "multi-output fusion")
	files, _ := filepath.Glob(filepath.Join(dir, "*.ir"))
	require.GreaterOrEqual(t, len(files), 5)
	require.FileExists(t, filepath.Join(dir, "00_input.ir"))
	for _, f := range files {
		b, _ := os.ReadFile(f)
		_, err := ir.Parse(string(b))
		require.NoError(t, err, "%s must parse", f)
	}
	stdout, _, code = dlc(t, nil, "ir", "../stdlib/optim/lion.dl", "--after", "inline")
	require.Equal(t, 0, code)
	require.NotContains(t, stdout, "@k0")
	_, stderr, code = dlc(t, nil, "ir", "../stdlib/optim/lion.dl", "--after", "nope")
	require.NotEqual(t, 0, code)
	require.Contains(t, stderr, "unknown pass")
}

// TestCLIPrecision checks -precision on dlc ir and dlc build: the IR after
// the precision pass has bf16 operands for the contraction, off (the default)
// leaves it f32 and builds the same artifact bytes as no flag, and a wrong
// value is a usage error that names it.
func TestCLIPrecision(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "mm.dl")
	require.NoError(t, os.WriteFile(src, []byte("kernel mm(x: f32[B, D], w: f32[D, H]) -> y: f32[B, H] {\n    y = x @ w\n}\n"), 0o644))
	stdout, stderr, code := dlc(t, nil, "ir", src, "--after", "precision", "-precision", "bf16", "--explain-fusion")
	require.Equal(t, 0, code, stderr)
	require.Contains(t, stdout, "cast %x : bf16[B,D]")
	require.Contains(t, stdout, "dot_general %2, %3 contract=[1]x[0] : f32[B,H]")
	require.Contains(t, stdout, "// fusion: @mm: %y (dot_general) reads bf16 copies of %x and %w and accumulates in f32")
	stdout, _, code = dlc(t, nil, "ir", src, "--after", "precision")
	require.Equal(t, 0, code)
	require.NotContains(t, stdout, "bf16")
	_, stderr, code = dlc(t, nil, "ir", src, "-precision", "fp8")
	require.Equal(t, 2, code)
	require.Contains(t, stderr, `-precision "fp8": mixed precision is bf16 or f16 (or off)`)

	lion := "../stdlib/optim/lion.dl"
	a, b := filepath.Join(dir, "a.dla"), filepath.Join(dir, "b.dla")
	_, stderr, code = dlc(t, nil, "build", lion, "-o", a)
	require.Equal(t, 0, code, stderr)
	_, stderr, code = dlc(t, nil, "build", lion, "-o", b, "-precision", "off")
	require.Equal(t, 0, code, stderr)
	ab, _ := os.ReadFile(a)
	bb, _ := os.ReadFile(b)
	require.Equal(t, ab, bb, "-precision off builds the artifact of no flag")
}

// TestCLIBuildDumps checks that build -dump-dir writes the graph IR after
// every pass and the LLVM IR before and after opt, the optimized one with the
// kernel vectorised.
func TestCLIBuildDumps(t *testing.T) {
	dir := t.TempDir()
	_, stderr, code := dlc(t, nil, "build", "../stdlib/optim/lion.dl", "-o", filepath.Join(dir, "lion.dla"), "-dump-dir", filepath.Join(dir, "dump"))
	require.Equal(t, 0, code, stderr)
	require.FileExists(t, filepath.Join(dir, "dump", "09_fuse.ir"))
	ll, err := os.ReadFile(filepath.Join(dir, "dump", "kernels.ll"))
	require.NoError(t, err)
	require.Contains(t, string(ll), "define void @dlc_lion_k0(")
	opt, err := os.ReadFile(filepath.Join(dir, "dump", "kernels.opt.ll"))
	require.NoError(t, err)
	require.Contains(t, string(opt), "<8 x float>")
}

func TestCLIBenchJSON(t *testing.T) {
	dir := t.TempDir()
	art := buildLion(t, dir)
	stdout, stderr, code := dlc(t, nil, "bench", art, "lion", "--dim", "N=100000", "--time", "50ms", "--json")
	require.Equal(t, 0, code, stderr)
	var r map[string]any
	require.NoError(t, json.Unmarshal([]byte(stdout), &r))
	for _, k := range []string{"median_seconds", "bytes", "gbps", "copy_gbps"} {
		require.Contains(t, r, k)
	}
	require.Equal(t, float64(5*4*100000), r["bytes"])
	require.NotContains(t, r, "flops", "lion has no contraction")
}

// TestCLIBenchContraction checks that `dlc inspect` names a contraction's
// register tile and packing entry, and that `dlc bench` counts a contraction's
// flops (2·M·N·K for mm at M=6, K=5, N=7) and reports a rate from them; a
// function without contractions reports none (TestCLIBenchJSON).
func TestCLIBenchContraction(t *testing.T) {
	dir := t.TempDir()
	art := filepath.Join(dir, "bench.dla")
	_, stderr, code := dlc(t, nil, "build", "testdata/contract/bench.dl", "-o", art)
	require.Equal(t, 0, code, stderr)
	stdout, stderr, code := dlc(t, nil, "inspect", art)
	require.Equal(t, 0, code, stderr)
	require.Contains(t, stdout, "    k0: contraction over [M,N]: a:r b:r c:w\n      cpu: dlc_mm_k0 (chunk), 6 x 16 register tile, packing: dlc_mm_k0.pack\n")
	stdout, stderr, code = dlc(t, nil, "bench", art, "mm", "--dim", "M=6", "--dim", "K=5", "--dim", "N=7", "--time", "10ms", "--json")
	require.Equal(t, 0, code, stderr)
	var r map[string]any
	require.NoError(t, json.Unmarshal([]byte(stdout), &r))
	require.Equal(t, float64(2*6*5*7), r["flops"])
	require.Greater(t, r["gflops"], 0.0)
	stdout, stderr, code = dlc(t, nil, "bench", art, "bmm", "--dim", "B=3", "--dim", "M=6", "--dim", "K=5", "--dim", "N=7", "--time", "10ms")
	require.Equal(t, 0, code, stderr)
	require.Contains(t, stdout, "contractions: 1.26e+03 flops (2·batch·M·N·K): ")
	require.Contains(t, stdout, " GFLOP/s\n")
}

func TestCLIInspectTargets(t *testing.T) {
	dir := t.TempDir()
	art := buildLion(t, dir)
	stdout, stderr, code := dlc(t, nil, "inspect", art)
	require.Equal(t, 0, code, stderr)
	require.Contains(t, stdout, "(format 3, from lion.dl)")
	require.Regexp(t, `target cpu: x86_64-unknown-linux-gnu, x86-64-v3, needs abm avx avx2 bmi1 bmi2 cx16 f16c fma lahf_lm movbe pni popcnt sse4_1 sse4_2 ssse3 xsave; \d+ bytes of code in section cpu.so`, stdout)
	require.Contains(t, stdout, "    k0: loop over [N]: theta:r grad:r m:r theta_new:w m_new:w\n      cpu: dlc_lion_k0 (chunk), streaming stores: dlc_lion_k0.stream\n")

	stdout, stderr, code = dlc(t, nil, "inspect", art, "--json")
	require.Equal(t, 0, code, stderr)
	var got struct {
		FormatVersion int               `json:"format_version"`
		Targets       []artifact.Target `json:"targets"`
		Functions     []struct {
			Name   string            `json:"name"`
			Launch []artifact.Kernel `json:"launch"`
		} `json:"functions"`
	}
	require.NoError(t, json.Unmarshal([]byte(stdout), &got), stdout)
	require.Equal(t, artifact.FormatVersion, got.FormatVersion)
	require.Len(t, got.Targets, 1)
	require.Equal(t, artifact.TargetCPU, got.Targets[0].Kind)
	require.Equal(t, []artifact.Entry{{Function: "lion", Kernel: "k0", Symbol: "dlc_lion_k0", ABI: artifact.ABIChunk, Stream: "dlc_lion_k0.stream"}}, got.Targets[0].Entries)
	require.Len(t, got.Functions, 1)
	require.Equal(t, "k0", got.Functions[0].Launch[0].Name)

	// An artifact of the previous format is refused by every command with one clear line.
	b, err := os.ReadFile(art)
	require.NoError(t, err)
	b[4] = 2
	old := filepath.Join(dir, "old.dla")
	require.NoError(t, os.WriteFile(old, b, 0o644))
	out := filepath.Join(dir, "out")
	for _, args := range [][]string{{"inspect", old}, {"run", old, "lion", "--out", out}, {"bench", old, "lion", "--dim", "N=8"}} {
		_, stderr, code := dlc(t, nil, args...)
		require.NotEqual(t, 0, code, args)
		require.Contains(t, stderr, "old.dla: artifact built by an older dlc (format 2); rebuild it with this dlc", args)
	}
}

func TestCLIRunBF16(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "half.dl")
	require.NoError(t, os.WriteFile(src, []byte("kernel half(x: bf16[N], y: f32[N]) -> (z: bf16[N], w: f32[N]) {\n    z = x\n    w = y * 0.5\n}\n"), 0o644))
	art := filepath.Join(dir, "half.dla")
	_, stderr, code := dlc(t, nil, "build", src, "-o", art)
	require.Equal(t, 0, code, stderr)
	// bf16 1.5, -2, NaN and -0 as 16-bit patterns.
	x := []byte{0xc0, 0x3f, 0x00, 0xc0, 0xc1, 0x7f, 0x00, 0x80}
	require.NoError(t, npy.WriteFile(filepath.Join(dir, "x.npy"), runtime.FromBytes(runtime.BFloat16, []int64{4}, x)))
	writeF32(t, filepath.Join(dir, "y.npy"), []int64{4}, []float32{1, 2, 3, 4})
	outDir := filepath.Join(dir, "out")
	_, stderr, code = dlc(t, nil, "run", art, "half", "--in", "x="+filepath.Join(dir, "x.npy"), "--in", "y="+filepath.Join(dir, "y.npy"), "--out", outDir)
	require.Equal(t, 0, code, stderr)
	z, err := npy.ReadFile(filepath.Join(outDir, "z.npy"))
	require.NoError(t, err)
	require.Equal(t, runtime.BFloat16, z.DType)
	require.Equal(t, x, z.Bytes())
	raw, err := os.ReadFile(filepath.Join(outDir, "z.npy"))
	require.NoError(t, err)
	require.Contains(t, string(raw), "'descr': '<u2'")
}

// TestCLIRunConverts feeds f32 .npy data to bf16 and f16 inputs with
// --in NAME=PATH:DTYPE and reads the 16-bit outputs back as f32 with
// --out-f32; the expected values are roundings worked out by hand.
func TestCLIRunConverts(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "conv.dl")
	require.NoError(t, os.WriteFile(src, []byte("kernel conv(x: bf16[N], h: f16[N]) -> (z: bf16[N], g: f16[N]) {\n    z = x * 2.0\n    g = h\n}\n"), 0o644))
	art := filepath.Join(dir, "conv.dla")
	_, stderr, code := dlc(t, nil, "build", src, "-o", art)
	require.Equal(t, 0, code, stderr)
	// 1 + 2^-8 and 1 + 2^-11 are ties that round to even (down) in bf16 and
	// f16; 1 + 3·2^-8 rounds up in bf16 and is exact in f16; 65520 is f16's
	// overflow tie; 2^-25 is the tie below f16's smallest subnormal.
	x := []float32{1 + 0x1p-8, 1 + 3*0x1p-8, 1 + 0x1p-11, 65520, 0x1p-25, -3}
	in := filepath.Join(dir, "x.npy")
	writeF32(t, in, []int64{int64(len(x))}, x)
	outDir := filepath.Join(dir, "out")
	_, stderr, code = dlc(t, nil, "run", art, "conv", "--in", "x="+in+":bf16", "--in", "h="+in+":f16", "--out-f32", "--out", outDir)
	require.Equal(t, 0, code, stderr)
	inf := float32(math.Inf(1))
	for name, want := range map[string][]float32{
		"z": {2, 2 + 0x1p-5, 2, 131072, 0x1p-24, -6},
		"g": {1 + 0x1p-8, 1 + 3*0x1p-8, 1, inf, 0, -3},
	} {
		arr, err := npy.ReadFile(filepath.Join(outDir, name+".npy"))
		require.NoError(t, err)
		require.Equal(t, runtime.Float32, arr.DType, name)
		got := make([]float32, len(want))
		for i := range got {
			got[i] = mathFloat32frombits(le32(arr.Bytes()[4*i:]))
		}
		require.Equal(t, want, got, name)
	}

	// Mistakes: an unknown dtype, a conversion the runtime does not do, f32
	// data for a bf16 input without a conversion.
	require.NoError(t, npy.WriteFile(filepath.Join(dir, "f64.npy"), runtime.F64(make([]float64, 6))))
	f64 := filepath.Join(dir, "f64.npy")
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--in", "x=" + in + ":bf61", "--in", "h=" + in + ":f16"}, `unknown dtype "bf61"`},
		{[]string{"--in", "x=" + f64 + ":bf16", "--in", "h=" + in + ":f16"}, "cannot convert f64 to bf16"},
		{[]string{"--in", "x=" + in, "--in", "h=" + in + ":f16"}, "input x: " + in + " holds f32 data, the function takes bf16: give --in x=" + in + ":bf16"},
	} {
		out := filepath.Join(dir, "bad")
		_, stderr, code := dlc(t, nil, append([]string{"run", art, "conv", "--out", out}, c.args...)...)
		require.NotEqual(t, 0, code, c.args)
		require.Contains(t, stderr, c.want)
		_, err := os.Stat(out)
		require.True(t, os.IsNotExist(err), "no output may be left behind")
	}
}

// TestCLICodegenError builds a kernel whose result only scalars compute, which
// the checker accepts and no kernel computes: a dlc bug, reported once, at
// the kernel's position, with the function's IR, and no artifact.
func TestCLICodegenError(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "scalar.dl")
	require.NoError(t, os.WriteFile(src, []byte("kernel f(x: f32[N]; a: f32) -> y: f32 {\n    y = a * 2.0\n}\n"), 0o644))
	out := filepath.Join(dir, "scalar.dla")
	_, stderr, code := dlc(t, nil, "build", src, "-o", out)
	require.Equal(t, 1, code, stderr)
	require.True(t, strings.HasPrefix(stderr, src+":1:8: internal compiler error in code generation for @f: result y is host value"), stderr)
	require.Contains(t, stderr, "--- IR of @f ---\nfunc @f(")
	require.NotContains(t, stderr, "codegen:")
	_, err := os.Stat(out)
	require.True(t, os.IsNotExist(err), "a failed build leaves no artifact")
}

// TestCLIBenchGather checks that bench generates index inputs within the
// bounds the manifest's index checks give: random bytes would fail the
// runtime's check of every index before the kernel runs.
func TestCLIBenchGather(t *testing.T) {
	dir := t.TempDir()
	art := filepath.Join(dir, "zlpr.dla")
	_, stderr, code := dlc(t, nil, "build", "../stdlib/loss/zlpr.dl", "-o", art)
	require.Equal(t, 0, code, stderr)
	stdout, stderr, code := dlc(t, nil, "bench", art, "zlpr_sparse", "--dim", "B=64", "--dim", "C=1000", "--dim", "K=8", "--time", "20ms", "--json")
	require.Equal(t, 0, code, stderr)
	require.Contains(t, stdout, `"median_seconds"`)
}

// TestCLIBuildCache checks a repeat build against the cache: a hit gives the
// same bytes, -explain-cache says why a build missed, -no-cache builds, and
// dlc cache shows, trims and clears it.
func TestCLIBuildCache(t *testing.T) {
	dir := t.TempDir()
	env := []string{"DLC_CACHE=" + filepath.Join(dir, "cache")}
	src := filepath.Join(dir, "lion.dl")
	lion, err := os.ReadFile("../stdlib/optim/lion.dl")
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(src, lion, 0o644))
	build := func(out string, flags ...string) string {
		_, stderr, code := dlc(t, env, append([]string{"build", src, "-o", filepath.Join(dir, out), "-explain-cache"}, flags...)...)
		require.Equal(t, 0, code, stderr)
		return stderr
	}
	require.Contains(t, build("a.dla"), "dlc build: cache: miss: nothing built from "+src+" is in the cache\n")
	require.Contains(t, build("b.dla", "-v"), "dlc build: cache: hit: ")
	a, err := os.ReadFile(filepath.Join(dir, "a.dla"))
	require.NoError(t, err)
	b, err := os.ReadFile(filepath.Join(dir, "b.dla"))
	require.NoError(t, err)
	require.Equal(t, a, b)
	require.Regexp(t, `dlc build: total +[0-9.]+ ms`, build("c.dla", "-v"), "-v prints the phases")
	require.NotContains(t, build("d.dla", "-no-cache"), "cache:")

	require.NoError(t, os.WriteFile(src, append(lion, '\n'), 0o644))
	require.Contains(t, build("e.dla"), "miss: the source "+src+" changed")

	stdout, stderr, code := dlc(t, env, "cache", "show")
	require.Equal(t, 0, code, stderr)
	require.Regexp(t, `2 artifacts, \d+ entries in all, [0-9.]+ KiB of 1.0 GiB`, stdout)
	stdout, stderr, code = dlc(t, env, "cache", "trim", "--cache-limit", "1K")
	require.Equal(t, 0, code, stderr)
	require.Regexp(t, `removed [1-9]\d* entries`, stdout)
	stdout, stderr, code = dlc(t, env, "cache", "clear")
	require.Equal(t, 0, code, stderr)
	stdout, _, _ = dlc(t, env, "cache", "show")
	require.Contains(t, stdout, "0 artifacts, 0 entries in all")
	_, stderr, code = dlc(t, env, "cache", "empty")
	require.Equal(t, 2, code)
	require.Contains(t, stderr, `unknown cache command "empty"`)
	_, stderr, code = dlc(t, env, "build", src, "-o", filepath.Join(dir, "f.dla"), "--cache-limit", "lots")
	require.Equal(t, 1, code)
	require.Contains(t, stderr, `--cache-limit: "lots" is not a size`)
	require.NoFileExists(t, filepath.Join(dir, "f.dla"))
}

// TestCLIBuildCacheCompilerIdentity checks that two different builds of dlc
// never share cache entries, and that builds running at once in several
// processes all succeed with the same artifact.
func TestCLIBuildCacheCompilerIdentity(t *testing.T) {
	dir := t.TempDir()
	other := filepath.Join(dir, "dlc-other")
	// Any change to what dlc is built from changes its build ID; a linker
	// flag is the cheapest one.
	out, err := exec.Command("go", "build", "-ldflags=-X=main.unused=other", "-o", other, "../cmd/dlc").CombinedOutput()
	require.NoError(t, err, string(out))
	env := append(os.Environ(), "DLC_CACHE="+filepath.Join(dir, "cache"))

	bin := dlcBinary(t)
	const n = 3
	errs := make([]error, n)
	outs := make([][]byte, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cmd := exec.Command(bin, "build", "../stdlib/optim/lion.dl", "-o", filepath.Join(dir, fmt.Sprintf("%d.dla", i)))
			cmd.Env = env
			outs[i], errs[i] = cmd.CombinedOutput()
		}()
	}
	wg.Wait()
	for i := range n {
		require.NoError(t, errs[i], string(outs[i]))
	}
	first, err := os.ReadFile(filepath.Join(dir, "0.dla"))
	require.NoError(t, err)
	for i := 1; i < n; i++ {
		b, err := os.ReadFile(filepath.Join(dir, fmt.Sprintf("%d.dla", i)))
		require.NoError(t, err)
		require.Equal(t, first, b, "concurrent build %d", i)
	}

	cmd := exec.Command(other, "build", "../stdlib/optim/lion.dl", "-o", filepath.Join(dir, "other.dla"), "-explain-cache")
	cmd.Env = env
	msg, err := cmd.CombinedOutput()
	require.NoError(t, err, string(msg))
	require.Contains(t, string(msg), "dlc build: cache: miss: the compiler changed: this dlc is build go:")
}

// TestCLIReproducibleVerify checks that a build is byte for byte the same in
// another directory with another temporary directory, and that dlc verify
// rebuilds an artifact from the sources it records and names what differs
// when it was changed.
func TestCLIReproducibleVerify(t *testing.T) {
	bin := dlcBinary(t)
	files := map[string]string{
		"main.dl":        "import \"lib/helpers\"\n\nkernel train(w: f32[N], g: f32[N], m: f32[N]) -> (w_new: f32[N], m_new: f32[N]) {\n    w_new, m_new = lion_twice(w, g, m)\n}\n",
		"lib/helpers.dl": "import \"std/optim/lion\"\n\nkernel lion_twice(w: f32[N], g: f32[N], m: f32[N]) -> (w_new: f32[N], m_new: f32[N]) {\n    let w1, m1 = lion(w, g, m)\n    w_new, m_new = lion(w1, g, m1, beta1=0.95, beta2=0.98)\n}\n",
	}
	run := func(dir string, args ...string) (string, int) {
		cmd := exec.Command(bin, args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "DLC_CACHE=off", "TMPDIR="+t.TempDir())
		out, err := cmd.CombinedOutput()
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		} else {
			require.NoError(t, err)
		}
		return string(out), code
	}
	var arts [2][]byte
	var dirs [2]string
	for i := range arts {
		dirs[i] = t.TempDir()
		for name, text := range files {
			p := filepath.Join(dirs[i], name)
			require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
			require.NoError(t, os.WriteFile(p, []byte(text), 0o644))
		}
		out, code := run(dirs[i], "build", "main.dl", "-o", "main.dla")
		require.Equal(t, 0, code, out)
		var err error
		arts[i], err = os.ReadFile(filepath.Join(dirs[i], "main.dla"))
		require.NoError(t, err)
	}
	require.Equal(t, arts[0], arts[1], "builds in two directories differ")

	man, secs, err := artifact.Decode(arts[0])
	require.NoError(t, err)
	require.NotNil(t, man.Build)
	var names []string
	for _, f := range man.Build.Sources {
		names = append(names, f.Name)
		if !f.Std {
			require.Equal(t, files[f.Name], string(secs[f.Section]))
		}
	}
	require.Equal(t, []string{"main.dl", "lib/helpers.dl", "std/optim/lion.dl"}, names)
	require.Regexp(t, `LLVM version \d+\.\d+`, man.Build.Tools[0], "the LLVM version is recorded")

	// verify needs nothing but the artifact: run it elsewhere.
	elsewhere := t.TempDir()
	art := filepath.Join(dirs[0], "main.dla")
	out, code := run(elsewhere, "verify", art)
	require.Equal(t, 0, code, out)
	require.Contains(t, out, "verified: rebuilt byte for byte from its 3 source files")

	// A mixed-precision build records -precision and is rebuilt with it.
	out, code = run(dirs[0], "build", "main.dl", "-precision", "bf16", "-o", "mixed.dla")
	require.Equal(t, 0, code, out)
	mixed, err := os.ReadFile(filepath.Join(dirs[0], "mixed.dla"))
	require.NoError(t, err)
	mman, _, err := artifact.Decode(mixed)
	require.NoError(t, err)
	require.Equal(t, "bf16", mman.Build.Precision)
	require.Empty(t, man.Build.Precision, "an f32 build records no precision")
	out, code = run(elsewhere, "verify", filepath.Join(dirs[0], "mixed.dla"))
	require.Equal(t, 0, code, out)
	require.Contains(t, out, "verified: rebuilt byte for byte")

	tampered := func(edit func(m *artifact.Manifest, s map[string][]byte)) string {
		m, s, err := artifact.Decode(bytes.Clone(arts[0])) // sections share the buffer
		require.NoError(t, err)
		edit(m, s)
		b, err := artifact.Encode(*m, s)
		require.NoError(t, err)
		p := filepath.Join(elsewhere, "tampered.dla")
		require.NoError(t, os.WriteFile(p, b, 0o644))
		out, code := run(elsewhere, "verify", p)
		require.Equal(t, 1, code, out)
		return out
	}
	out = tampered(func(m *artifact.Manifest, s map[string][]byte) {
		s[artifact.SectionObject][100] ^= 0xff
	})
	require.Contains(t, out, "differs from its rebuild:\n  section cpu.so: ")
	require.Contains(t, out, "first difference at byte 100\n")
	out = tampered(func(m *artifact.Manifest, s map[string][]byte) {
		s[m.Build.Sources[1].Section] = []byte(files["lib/helpers.dl"] + "// more\n")
	})
	require.Contains(t, out, "source lib/helpers.dl: section src/1 does not match its recorded SHA-256")
	out = tampered(func(m *artifact.Manifest, s map[string][]byte) { m.Build = nil })
	require.Contains(t, out, "records no sources to rebuild from")
}

// TestCLIRoofline checks the roofline of Lion's kernel in dlc inspect and
// dlc bench against a count by hand: five f32 buffers of N elements (20*N
// bytes) and, per element, 3 ops for c, 5 for theta_new (sign, wd*theta, +,
// lr*, -) and 3 for m_new; (1 - beta) is computed once on the host.
func TestCLIRoofline(t *testing.T) {
	dir := t.TempDir()
	art := buildLion(t, dir)
	stdout, stderr, code := dlc(t, nil, "inspect", art)
	require.Equal(t, 0, code, stderr)
	require.Contains(t, stdout, "      cpu: dlc_lion_k0 (chunk), streaming stores: dlc_lion_k0.stream\n      roofline: 20*N bytes, 11*N ops, 0 transcendentals; 0.55 ops/byte for large sizes (dlc bench measures the machine balance that decides the roof; or give --balance)\n")
	// The kernel names the source lines it computes, quoted from the artifact.
	require.Contains(t, stdout, "\n      from ../stdlib/optim/lion.dl:12:19: let c = beta1 * m + (1 - beta1) * grad\n"+
		"      from ../stdlib/optim/lion.dl:13:31: theta_new = theta - lr * (sign(c) + wd * theta)\n"+
		"      from ../stdlib/optim/lion.dl:14:19: m_new = beta2 * m + (1 - beta2) * grad\n")
	stdout, stderr, code = dlc(t, nil, "inspect", art, "--dim", "N=1000", "--balance", "4")
	require.Equal(t, 0, code, stderr)
	require.Contains(t, stdout, "      roofline: 20000 bytes, 11000 ops, 0 transcendentals; 0.55 ops/byte: memory-bound (balance 4)\n")
	_, stderr, code = dlc(t, nil, "inspect", art, "--dim", "N=x")
	require.Equal(t, 1, code)
	require.Contains(t, stderr, `--dim N: "x" is not a positive size`)

	stdout, stderr, code = dlc(t, nil, "bench", art, "lion", "--dim", "N=100000", "--time", "20ms", "--json")
	require.Equal(t, 0, code, stderr)
	var r map[string]any
	require.NoError(t, json.Unmarshal([]byte(stdout), &r))
	require.Equal(t, float64(11*100000), r["ops"])
	require.InDelta(t, 0.55, r["intensity"], 1e-12)
	require.Greater(t, r["gops"], 0.0)
	if peak := r["peak_gflops"].(float64); peak > 0 {
		// The bound follows from the measured roofs; their values depend on
		// the machine and its load.
		require.InDelta(t, peak/r["copy_gbps"].(float64), r["balance"], 1e-9)
		if 0.55 < r["balance"].(float64) {
			require.Equal(t, "memory", r["bound"])
			require.InDelta(t, r["ratio_to_copy"], r["roof_share"], 1e-12)
		} else {
			require.Equal(t, "compute", r["bound"])
			require.InDelta(t, r["gops"].(float64)/peak, r["roof_share"], 1e-9)
		}
	}

	// bench keeps the balance it measured; inspect decides the roof with it.
	env := []string{"DLC_CACHE=" + filepath.Join(dir, "cache")}
	stdout, stderr, code = dlc(t, env, "bench", art, "lion", "--dim", "N=1000", "--time", "10ms", "--json")
	require.Equal(t, 0, code, stderr)
	require.NoError(t, json.Unmarshal([]byte(stdout), &r))
	stdout, stderr, code = dlc(t, env, "inspect", art)
	require.Equal(t, 0, code, stderr)
	if balance := r["balance"].(float64); balance > 0 {
		bound := "memory"
		if balance <= 0.55 {
			bound = "compute"
		}
		require.Contains(t, stdout, fmt.Sprintf("0.55 ops/byte for large sizes: %s-bound (balance %.3g, measured by dlc bench on %v threads)", bound, balance, r["threads"]))
	}
}

// TestCLIFPContract checks -fp-contract on dlc build: fast is recorded in
// the cpu target and shown by inspect, and verify rebuilds it byte for byte;
// off builds the artifact of no flag; another value is a usage error that
// names it and the accepted ones, and writes no artifact.
func TestCLIFPContract(t *testing.T) {
	dir := t.TempDir()
	lion := "../stdlib/optim/lion.dl"
	fast, off, none, bad := filepath.Join(dir, "fast.dla"), filepath.Join(dir, "off.dla"), filepath.Join(dir, "none.dla"), filepath.Join(dir, "bad.dla")
	_, stderr, code := dlc(t, nil, "build", lion, "-fp-contract", "fast", "-o", fast)
	require.Equal(t, 0, code, stderr)
	stdout, stderr, code := dlc(t, nil, "inspect", fast)
	require.Equal(t, 0, code, stderr)
	require.Regexp(t, `target cpu: x86_64-unknown-linux-gnu, x86-64-v3, needs [a-z0-9_ ]+; \d+ bytes of code in section cpu.so; fp-contract: fast; threads: an OpenMP team \(libgomp\) through dlc_parallel\n`, stdout)
	stdout, stderr, code = dlc(t, nil, "inspect", fast, "--json")
	require.Equal(t, 0, code, stderr)
	require.Contains(t, stdout, `"fp_contract": "fast"`)
	stdout, stderr, code = dlc(t, nil, "verify", fast)
	require.Equal(t, 0, code, stderr)
	require.Contains(t, stdout, "verified: rebuilt byte for byte")

	_, stderr, code = dlc(t, nil, "build", lion, "-o", none)
	require.Equal(t, 0, code, stderr)
	_, stderr, code = dlc(t, nil, "build", lion, "--fp-contract=off", "-o", off)
	require.Equal(t, 0, code, stderr)
	nb, _ := os.ReadFile(none)
	ob, _ := os.ReadFile(off)
	fb, _ := os.ReadFile(fast)
	require.Equal(t, nb, ob, "-fp-contract off builds the artifact of no flag")
	require.NotEqual(t, nb, fb, "-fp-contract fast compiles other code")
	stdout, stderr, code = dlc(t, nil, "inspect", none)
	require.Equal(t, 0, code, stderr)
	require.NotContains(t, stdout, "fp-contract")

	stdout, stderr, code = dlc(t, nil, "build", lion, "-fp-contract", "on", "-o", bad)
	require.Equal(t, 2, code, stderr)
	require.Empty(t, stdout)
	require.Contains(t, stderr, `dlc build: -fp-contract "on": floating-point contraction is off (the default) or fast`)
	require.NoFileExists(t, bad)
}
