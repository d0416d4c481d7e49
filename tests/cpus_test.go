package tests

// This file builds Lion for every CPU dlc accepts: each artifact records its
// CPU's features, and the runtime runs it here when this machine has them
// all and refuses it, naming the missing ones, when it does not. Names dlc
// does not accept are errors that name the flag, and leave no artifact.

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"dlc.dev/dlc/artifact"
	"dlc.dev/dlc/codegen"
	"dlc.dev/dlc/compiler"
	"dlc.dev/dlc/internal/hostcpu"
	"dlc.dev/dlc/runtime"
)

func TestEveryCPUBuildsLion(t *testing.T) {
	needTools(t)
	flags, err := hostcpu.Flags()
	require.NoError(t, err)
	path := "../stdlib/optim/lion.dl"
	src, err := os.ReadFile(path)
	require.NoError(t, err)
	const n = 1000
	theta, grad, m := make([]float32, n), make([]float32, n), make([]float32, n)
	for i := range theta {
		theta[i], grad[i], m[i] = float32(i%13)-6, float32(i%7)-3.5, float32(i%5)*0.1
	}
	wantTheta, wantM := slices.Clone(theta), slices.Clone(m)
	goLion(wantTheta, grad, wantM, 1e-4, 0.9, 1-0.9, 0.99, 1-0.99, 0)
	ran := 0
	for _, cpu := range codegen.CPUs() {
		t.Run(cpu, func(t *testing.T) {
			b, man, err := compiler.Build(context.Background(), path, src, compiler.Options{CPU: cpu})
			require.NoError(t, err)
			tg := man.Target(artifact.TargetCPU)
			require.NotNil(t, tg, "no cpu target")
			if cpu == codegen.Native {
				for _, f := range tg.Features {
					require.True(t, flags[f], "native records %s, which this machine lacks", f)
				}
				require.NotEqual(t, codegen.Native, tg.Arch, "the cpu target names the CPU native resolved to")
				require.True(t, strings.HasPrefix(tg.Arch, hostLLVMCPU(t)), "cpu target arch %s", tg.Arch)
			} else {
				want := codegen.CPUTarget(cpu)
				require.Equal(t, want.Name(), tg.Arch)
				require.True(t, slices.Equal(want.CPUFeatures, tg.Features), "features %v, want %v", tg.Features, want.CPUFeatures)
				if cpu != "x86-64" {
					require.NotEmpty(t, tg.Features, "%s records no features", cpu)
				}
			}
			var missing []string
			for _, f := range tg.Features {
				if !flags[f] {
					missing = append(missing, f)
				}
			}
			a, err := runtime.LoadBytes(b, runtime.Config{Threads: 2})
			if len(missing) > 0 {
				require.Error(t, err, "%s needs %v, which this machine lacks", cpu, missing)
				require.Contains(t, err.Error(), "["+strings.Join(missing, " ")+"]")
				return
			}
			require.NoError(t, err)
			defer a.Close()
			fn, err := a.Func("lion")
			require.NoError(t, err)
			th, mm := slices.Clone(theta), slices.Clone(m)
			require.NoError(t, fn.Run(runtime.Args{
				Inputs:  map[string]runtime.Tensor{"theta": runtime.F32(th), "grad": runtime.F32(grad), "m": runtime.F32(mm)},
				Outputs: map[string]runtime.Tensor{"theta_new": runtime.F32(th), "m_new": runtime.F32(mm)},
			}))
			// Lion has no transcendental function and no contraction: the
			// same bits as the Go loop on every CPU.
			require.Equal(t, wantTheta, th)
			require.Equal(t, wantM, mm)
			ran++
		})
	}
	require.Positive(t, ran, "no artifact ran on this machine")
}

// hostLLVMCPU is the CPU name a native build starts from here.
func hostLLVMCPU(t *testing.T) string {
	t.Helper()
	tg, err := compiler.Options{CPU: codegen.Native}.Target(context.Background(), nil)
	require.NoError(t, err)
	return tg.CPU
}

func TestCLIBuildBadCPU(t *testing.T) {
	dir := t.TempDir()
	for cpu, want := range map[string]string{
		"bogus":  "-cpu bogus: not a CPU dlc builds for (accepted: x86-64, ",
		"sm_80":  "-cpu sm_80: that is an NVIDIA GPU",
		"znver4": "-cpu znver4: LLVM 14 does not know Zen 4",
	} {
		out := filepath.Join(dir, cpu+".dla")
		_, stderr, code := dlc(t, nil, "build", "../stdlib/optim/lion.dl", "-o", out, "-cpu", cpu)
		require.Equal(t, 1, code, stderr)
		require.Contains(t, stderr, want)
		require.Contains(t, stderr, "native)")
		require.Equal(t, 1, strings.Count(stderr, "\n"), "one line, no LLVM output:\n%s", stderr)
		_, err := os.Stat(out)
		require.True(t, os.IsNotExist(err), "a failed build leaves no artifact")
	}
	out := filepath.Join(dir, "native.dla")
	_, stderr, code := dlc(t, nil, "build", "../stdlib/optim/lion.dl", "-o", out, "-cpu", "native")
	require.Equal(t, 0, code, stderr)
	require.Contains(t, stderr, "-cpu native is "+hostLLVMCPU(t))
	inspect, _, code := dlc(t, nil, "inspect", out)
	require.Equal(t, 0, code)
	require.Contains(t, inspect, "target cpu: x86_64-unknown-linux-gnu, "+hostLLVMCPU(t))
}
