// This file tests how the CPU runtime runs a launch on several threads: an
// OpenMP team through the kernel object's parallel entry point.
package tests

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"dlc.dev/dlc/compiler"
	"dlc.dev/dlc/runtime"
)

// TestTeamThreadsBlockSignals runs a kernel on a team of 3 threads and
// checks that the process then has at least 2 threads (the team's own)
// that block the signals a process receives (SIGINT, SIGTERM, SIGCHLD,
// SIGURG) and not those a faulting instruction raises (SIGSEGV, SIGBUS,
// SIGFPE, SIGILL) nor SIGPROF: the signals of a Go program must reach Go's
// threads, not threads Go did not create, while a fault still reaches Go's
// handler and a CPU profile still samples the kernels
// (codegen/cpu/parallel.go).
//
// It runs in a process of its own: libgomp keeps one team per OS thread, and
// a team that other OpenMP code in this test binary started first (the C
// baselines) has threads that dlc did not create and whose masks it does not
// set.
func TestTeamThreadsBlockSignals(t *testing.T) {
	needTools(t)
	if os.Getenv("DLC_TEAM_SIGNALS_CHILD") == "" {
		cmd := exec.Command(os.Args[0], "-test.run=^TestTeamThreadsBlockSignals$", "-test.count=1", "-test.v")
		cmd.Env = append(os.Environ(), "DLC_TEAM_SIGNALS_CHILD=1")
		out, err := cmd.CombinedOutput()
		require.NoError(t, err, "%s", out)
		require.Contains(t, string(out), "--- PASS: TestTeamThreadsBlockSignals", "%s", out)
		return
	}
	src := []byte("kernel twice(x: f32[N]) -> (y: f32[N]) {\n    y = x * 2\n}\n")
	bin, _, err := compiler.Build(context.Background(), "twice.dl", src, compiler.Options{})
	require.NoError(t, err)
	art, err := runtime.LoadBytes(bin, runtime.Config{Threads: 3, MinChunk: 1})
	require.NoError(t, err)
	defer art.Close()
	require.NotEmpty(t, art.Manifest().Targets[0].Parallel)
	fn, err := art.Func("twice")
	require.NoError(t, err)
	const n = 1 << 16
	x, y := make([]float32, n), make([]float32, n)
	for i := range x {
		x[i] = float32(i)
	}
	require.NoError(t, fn.Run(runtime.Args{Inputs: map[string]runtime.Tensor{"x": runtime.F32(x, n)}, Outputs: map[string]runtime.Tensor{"y": runtime.F32(y, n)}}))
	require.Equal(t, float32(2*(n-1)), y[n-1])

	blocking, tasks := signalBlockingThreads(t)
	require.GreaterOrEqual(t, blocking, 2, "threads that block the process's signals, of %d", tasks)
}

// signalBlockingThreads returns how many of the process's threads block the
// signals a process receives (SIGINT, SIGTERM, SIGCHLD, SIGURG), which only
// the threads of OpenMP teams do, and how many threads it has. It fails t if
// one of them also blocks a fault signal or SIGPROF.
func signalBlockingThreads(t testing.TB) (blocking, threads int) {
	bit := func(sig int) uint64 { return 1 << (sig - 1) }
	const sigint, sigill, sigbus, sigfpe, sigsegv, sigterm, sigchld, sigurg, sigprof = 2, 4, 7, 8, 11, 15, 17, 23, 27
	process := bit(sigint) | bit(sigterm) | bit(sigchld) | bit(sigurg)
	faults := bit(sigill) | bit(sigbus) | bit(sigfpe) | bit(sigsegv) | bit(sigprof)
	tasks, err := filepath.Glob("/proc/self/task/*/status")
	require.NoError(t, err)
	for _, path := range tasks {
		b, err := os.ReadFile(path)
		if err != nil {
			continue // the thread has exited
		}
		for _, line := range strings.Split(string(b), "\n") {
			if hex, ok := strings.CutPrefix(line, "SigBlk:"); ok {
				mask, err := strconv.ParseUint(strings.TrimSpace(hex), 16, 64)
				require.NoError(t, err, line)
				if mask&process == process {
					require.Zero(t, mask&faults, "%s blocks a fault signal or SIGPROF: %s", path, line)
					blocking++
				}
			}
		}
	}
	return blocking, len(tasks)
}
