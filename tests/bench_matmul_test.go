// This file benchmarks dlc's contraction kernels against NumPy on OpenBLAS
// and the machine's FMA peak.
package tests

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"dlc.dev/dlc/artifact"
	"dlc.dev/dlc/compiler"
	"dlc.dev/dlc/internal/hostcpu"
	"dlc.dev/dlc/internal/peak"
	"dlc.dev/dlc/runtime"
)

// numpyServer is a Python process that times NumPy on request
// (testdata/baseline/matmul_numpy.py), so that its rounds alternate with
// dlc's in one run.
type numpyServer struct {
	*pyServer
	blas string
}

// pyServer is a Python process answering requests line by line on its
// standard input and output, as the baseline servers of the benchmarks do.
type pyServer struct {
	cmd *exec.Cmd
	in  io.WriteCloser
	out *bufio.Scanner
}

// startPyServer starts python running script with args, its BLAS and OpenMP
// limited to threads threads.
func startPyServer(python, script string, threads int, args ...string) (*pyServer, error) {
	cmd := exec.Command(python, append([]string{script}, args...)...)
	cmd.Env = append(os.Environ(), "OPENBLAS_NUM_THREADS="+strconv.Itoa(threads), "OMP_NUM_THREADS="+strconv.Itoa(threads))
	cmd.Stderr = os.Stderr
	in, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	s := &pyServer{cmd: cmd, in: in, out: bufio.NewScanner(out)}
	s.out.Buffer(make([]byte, 1<<20), 1<<20)
	return s, nil
}

// startNumpy starts the server with OpenBLAS on threads threads, or returns
// why it cannot.
func startNumpy(threads int) (*numpyServer, error) {
	var py string
	for _, cand := range []string{"/usr/bin/python3", "python3"} {
		if exec.Command(cand, "-c", "import numpy").Run() == nil {
			py = cand
			break
		}
	}
	if py == "" {
		return nil, fmt.Errorf("python3 with numpy not found (scripts/setup.sh --bench installs it)")
	}
	ps, err := startPyServer(py, "testdata/baseline/matmul_numpy.py", threads)
	if err != nil {
		return nil, err
	}
	s := &numpyServer{pyServer: ps}
	if s.blas, err = s.line(); err != nil {
		return nil, err
	}
	return s, nil
}

func (s *numpyServer) line() (string, error) {
	if !s.out.Scan() {
		return "", fmt.Errorf("numpy server: %v", s.out.Err())
	}
	return s.out.Text(), nil
}

// ask sends one command and returns the reply.
func (s *numpyServer) ask(format string, args ...any) (string, error) {
	if _, err := fmt.Fprintf(s.in, format+"\n", args...); err != nil {
		return "", err
	}
	return s.line()
}

// time runs case name reps times in NumPy and returns each time.
func (s *numpyServer) time(name string, reps int) ([]time.Duration, error) {
	reply, err := s.ask("time %s %d", name, reps)
	if err != nil {
		return nil, err
	}
	var ts []time.Duration
	for _, f := range strings.Fields(reply) {
		x, err := strconv.ParseFloat(f, 64)
		if err != nil {
			return nil, fmt.Errorf("numpy server: %q", reply)
		}
		ts = append(ts, time.Duration(x*1e9))
	}
	return ts, nil
}

func (s *numpyServer) close() {
	s.in.Close()
	s.cmd.Wait()
}

// fmaPeak returns a function that measures the FMA peak of threads
// threads (internal/peak: the fastest of the runs in 50 ms), or skips the
// benchmark where the machine has no AVX2 and FMA to measure it with.
func fmaPeak(b *testing.B, threads int) func() float64 {
	flags, err := hostcpu.Flags()
	if err != nil || !flags["avx2"] || !flags["fma"] {
		b.Skip("no AVX2 and FMA: no FMA peak")
	}
	if _, ok := peak.GFLOPS(threads, time.Millisecond, true); !ok {
		b.Skip("no FMA kernel on this architecture: no FMA peak")
	}
	return func() float64 {
		g, _ := peak.GFLOPS(threads, 50*time.Millisecond, true)
		return g
	}
}

// matmulBench is one benchmarked call: a function of bench.dl and its sizes.
type matmulBench struct {
	name, fn, kind string
	sizes          []int64 // B M K N for bmm; M K N otherwise
}

func (m matmulBench) flops() float64 {
	f := 2.0
	for _, s := range m.sizes {
		f *= float64(s)
	}
	return f
}

// args allocates random inputs and outputs for m.
func (m matmulBench) args() runtime.Args {
	r := rand.New(rand.NewPCG(1, 2))
	rnd := func(slot int, shape ...int64) runtime.Tensor {
		n := int64(1)
		for _, s := range shape {
			n *= s
		}
		x := staggered(int(n), slot)
		for i := range x {
			x[i] = float32(r.NormFloat64())
		}
		return runtime.F32(x, shape...)
	}
	s := m.sizes
	switch m.kind {
	case "bmm":
		return runtime.Args{Inputs: map[string]runtime.Tensor{"a": rnd(0, s[0], s[1], s[2]), "b": rnd(1, s[0], s[2], s[3])},
			Outputs: map[string]runtime.Tensor{"c": rnd(2, s[0], s[1], s[3])}}
	case "dense":
		return runtime.Args{Inputs: map[string]runtime.Tensor{"x": rnd(0, s[0], s[1]), "w": rnd(1, s[1], s[2]), "b": rnd(3, s[2])},
			Outputs: map[string]runtime.Tensor{"y": rnd(2, s[0], s[2])}}
	}
	return runtime.Args{Inputs: map[string]runtime.Tensor{"a": rnd(0, s[0], s[1]), "b": rnd(1, s[1], s[2])},
		Outputs: map[string]runtime.Tensor{"c": rnd(2, s[0], s[2])}}
}

// matmulTarget is dlc's side of the benchmark on one CPU target.
type matmulTarget struct {
	cpu string
	art *runtime.Artifact
}

// loadMatmulTargets builds bench.dl for the default x86-64-v3 (AVX2 + FMA)
// and, where this machine runs it, x86-64-v4 (AVX-512).
func loadMatmulTargets(b *testing.B, threads int) []matmulTarget {
	src, err := os.ReadFile("testdata/contract/bench.dl")
	require.NoError(b, err)
	var ts []matmulTarget
	for _, cpu := range []string{"x86-64-v3", "x86-64-v4"} {
		bin, _, err := compiler.Build(context.Background(), "bench.dl", src, compiler.Options{CPU: cpu})
		require.NoError(b, err)
		art, err := runtime.LoadBytes(bin, runtime.Config{Threads: threads})
		if err != nil {
			b.Logf("dlc on %s: not run here: %v", cpu, err)
			continue
		}
		ts = append(ts, matmulTarget{cpu, art})
	}
	return ts
}

// kernelName says which contraction kernel fn of t runs: its target and
// register tile, from the artifact's manifest.
func (t matmulTarget) kernelName(fn string) string {
	tg := t.art.Manifest().Target(artifact.TargetCPU)
	for _, f := range t.art.Manifest().Functions {
		for _, k := range f.Kernels {
			if e := tg.Entry(fn, k.Name); f.Name == fn && e != nil && len(e.Tile) == 2 {
				return fmt.Sprintf("%s %d x %d register tile", tg.Arch, e.Tile[0], e.Tile[1])
			}
		}
	}
	return tg.Arch
}

// BenchmarkMatmulVsNumPy times dlc's contraction kernels (2 threads), on
// x86-64-v3 and, where the machine has AVX-512, x86-64-v4, and NumPy on
// OpenBLAS (OPENBLAS_NUM_THREADS=2) in alternating rounds of one run, and an
// FMA peak on 2 threads (internal/peak). It reports median GFLOP/s of
// each, dlc's speed relative to NumPy (numpy_time / dlc_time) and dlc's
// fraction of the FMA peak; metrics without a target name are x86-64-v3's.
// NumPy's dense layer is np.maximum(x @ w + b, 0). Times are never
// asserted: the machine is shared.
func BenchmarkMatmulVsNumPy(b *testing.B) {
	needTools(b)
	const threads, reps, settle = 2, 10, 300 * time.Millisecond
	np, err := startNumpy(threads)
	if err != nil {
		b.Skipf("no NumPy baseline: %v", err)
	}
	defer np.close()
	targets := loadMatmulTargets(b, threads)
	for _, t := range targets {
		defer t.art.Close()
	}
	peak := fmaPeak(b, threads)
	b.Logf("%s; dlc on %d threads", np.blas, threads)
	for _, m := range []matmulBench{
		{"256x512x1024", "mm", "mm", []int64{256, 512, 1024}},
		{"256x1024x1024", "mm", "mm", []int64{256, 1024, 1024}},
		{"256x1024x1000", "mm", "mm", []int64{256, 1024, 1000}},
		{"1024x1024x1024", "mm", "mm", []int64{1024, 1024, 1024}},
		{"batch16x128x64x128", "bmm", "bmm", []int64{16, 128, 64, 128}},
		{"dense256x1024x1024", "dense", "dense", []int64{256, 1024, 1024}},
	} {
		b.Run(m.name, func(b *testing.B) { benchMatmulCase(b, m, targets, np, peak, reps, settle) })
	}
}

// benchMatmulCase runs the alternating rounds of one case and reports them.
func benchMatmulCase(b *testing.B, m matmulBench, targets []matmulTarget, np *numpyServer, peak func() float64, reps int, settle time.Duration) {
	fns := make([]*runtime.Func, len(targets))
	args := m.args()
	for i, t := range targets {
		fn, err := t.art.Func(m.fn)
		require.NoError(b, err)
		require.NoError(b, fn.Run(args))
		fns[i] = fn
	}
	sizes := strings.Trim(fmt.Sprint(m.sizes), "[]")
	_, err := np.ask("setup %s %s %s", m.name, m.kind, sizes)
	require.NoError(b, err)
	td := make([][]time.Duration, len(targets))
	var tn []time.Duration
	var peaks []float64
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		// OpenBLAS's threads spin for a while after a call before they
		// sleep (its THREAD_TIMEOUT); let them, so that dlc's round does
		// not share the cores with them.
		time.Sleep(settle)
		for j, fn := range fns {
			for range reps {
				td[j] = append(td[j], timeUnpreempted(func() { _ = fn.Run(args) }))
			}
		}
		// dlc's OpenMP team spins for a while after a launch, as
		// OpenBLAS's threads do: each side, and the FMA peak, starts
		// after the other's threads have gone to sleep.
		time.Sleep(settle)
		ts, err := np.time(m.name, reps)
		require.NoError(b, err)
		tn = append(tn, ts...)
		time.Sleep(settle)
		peaks = append(peaks, peak())
	}
	b.StopTimer()
	n, pk := medianOf(tn), medianFloat(peaks)
	gf := func(t time.Duration) float64 { return m.flops() / t.Seconds() / 1e9 }
	b.ReportMetric(gf(n), "numpy_GFLOP/s")
	b.ReportMetric(pk, "peak_GFLOP/s")
	b.Logf("NumPy %.1f GFLOP/s (range %.1f-%.1f), FMA peak %.1f", gf(n), gf(maxOf(tn)), gf(minOf(tn)), pk)
	for j, t := range targets {
		d := medianOf(td[j])
		suffix := ""
		if t.cpu != "x86-64-v3" {
			suffix = "_" + strings.TrimPrefix(t.cpu, "x86-64-")
		}
		b.ReportMetric(gf(d), "dlc"+suffix+"_GFLOP/s")
		b.ReportMetric(n.Seconds()/d.Seconds(), "numpy_time/dlc"+suffix+"_time")
		b.ReportMetric(gf(d)/pk, "dlc"+suffix+"_of_peak")
		b.Logf("dlc (%s) %.1f GFLOP/s (range %.1f-%.1f): %.2fx NumPy, %.0f%% of the FMA peak",
			t.kernelName(m.fn), gf(d), gf(maxOf(td[j])), gf(minOf(td[j])), n.Seconds()/d.Seconds(), 100*gf(d)/pk)
	}
}

// timeUnpreempted times f, again (up to 4 more times) while the process was
// preempted during the call (its involuntary context switches grew): on a
// shared machine, a call that lost its core to another program measures
// that program. NumPy's side does the same.
func timeUnpreempted(f func()) time.Duration {
	var d time.Duration
	for range 5 {
		before := involuntarySwitches()
		t0 := time.Now()
		f()
		d = time.Since(t0)
		if involuntarySwitches() == before {
			break
		}
	}
	return d
}

func involuntarySwitches() int64 {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return ru.Nivcsw
}

func medianFloat(xs []float64) float64 {
	d := make([]time.Duration, len(xs))
	for i, x := range xs {
		d[i] = time.Duration(x * 1e6)
	}
	return float64(medianOf(d)) / 1e6
}

func minOf(ts []time.Duration) time.Duration {
	m := ts[0]
	for _, t := range ts {
		m = min(m, t)
	}
	return m
}

func maxOf(ts []time.Duration) time.Duration {
	m := ts[0]
	for _, t := range ts {
		m = max(m, t)
	}
	return m
}
