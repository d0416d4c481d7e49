// This file compares the all-reduce through purego with the same all-reduce
// in C, on 2 ranks over shared memory, in one run:
//
//	go test -run '^$' -bench AllreduceVsC -benchtime 1x ./runtime/mpi
//
// Two comparisons, for 16 M floats (bandwidth) and 1 float (latency): Go and
// C calls alternating inside one job (testdata/allreduce_lib.c, opened by
// mpicheck), the primary figure since the load of a shared machine then
// touches both alike; and whole jobs alternating between mpicheck and a C
// program of its own (testdata/allreduce.c). It needs mpicc (Debian's
// libopenmpi-dev; scripts/setup.sh --bench).
package mpi

import (
	"context"
	"fmt"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// benchRounds is how many jobs of each kind run per size.
const benchRounds = 3

// benchSize is one size of the comparison.
type benchSize struct {
	name          string
	n, reps, warm int
}

// BenchmarkAllreduceVsC reports, per size, the median over rounds of: the
// median Go and C call in the alternating job and the median over pairs of
// C time / Go time (bw_go/c for 16 M: at least 0.95 is the target), and the
// same medians of whole Go and C jobs.
func BenchmarkAllreduceVsC(b *testing.B) {
	needMPI(b)
	if _, err := exec.LookPath("mpicc"); err != nil {
		b.Skip("mpicc not found: install libopenmpi-dev (scripts/setup.sh --bench)")
	}
	goProg := buildMpicheck(b)
	dir := b.TempDir()
	cProg, cLib := filepath.Join(dir, "allreduce"), filepath.Join(dir, "allreduce_lib.so")
	for _, c := range [][]string{
		{"-O2", "-o", cProg, "testdata/allreduce.c"},
		{"-O2", "-shared", "-fPIC", "-o", cLib, "testdata/allreduce_lib.c"},
	} {
		if out, err := exec.Command("mpicc", c...).CombinedOutput(); err != nil {
			b.Fatalf("mpicc %v: %v\n%s", c, err, out)
		}
	}
	sizes := []benchSize{{"16M", 16 << 20, 30, 3}, {"1", 1, 20000, 200}}
	for range b.N {
		for _, s := range sizes {
			compareSize(b, s, goProg, cProg, cLib)
		}
	}
}

// compareSize runs the rounds of one size and reports them.
func compareSize(b *testing.B, s benchSize, goProg, cProg, cLib string) {
	args := []string{"bench", "-n", strconv.Itoa(s.n), "-reps", strconv.Itoa(s.reps), "-warmup", strconv.Itoa(s.warm)}
	var pairG, pairC, ratio, jobG, jobC []float64
	for r := range benchRounds {
		m := benchJob(b, goProg, append(args, "-c", cLib)...)
		pairG, pairC = append(pairG, m["go.median_us"]), append(pairC, m["c.median_us"])
		ratio = append(ratio, m["pairs.c_over_go_median"])
		g := benchJob(b, goProg, args...)
		c := benchJob(b, cProg, strconv.Itoa(s.n), strconv.Itoa(s.reps), strconv.Itoa(s.warm))
		jobG, jobC = append(jobG, g["go.median_us"]), append(jobC, c["c.median_us"])
		b.Logf("n=%s round %d: alternating go %.3f µs, c %.3f µs, pair median c/go %.4f; separate jobs go %.3f µs, c %.3f µs",
			s.name, r, m["go.median_us"], m["c.median_us"], m["pairs.c_over_go_median"], g["go.median_us"], c["c.median_us"])
	}
	b.Logf("n=%s: pair median c/go %.4f [%.4f, %.4f]", s.name, median(ratio), slices.Min(ratio), slices.Max(ratio))
	suffix := "_" + s.name
	b.ReportMetric(median(pairG), "go_µs"+suffix)
	b.ReportMetric(median(pairC), "c_µs"+suffix)
	b.ReportMetric(median(ratio), "bw_go/c"+suffix)
	b.ReportMetric(median(jobC)/median(jobG), "jobs_bw_go/c"+suffix)
}

// benchJob runs prog with args on 2 ranks and parses rank 0's lines.
func benchJob(b *testing.B, prog string, args ...string) map[string]float64 {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, "mpirun", mpirunArgs(2, prog, args...)...).CombinedOutput()
	if err != nil {
		b.Fatalf("mpirun %s: %v\n%s", filepath.Base(prog), err, out)
	}
	m, err := parseBench(string(out))
	if err != nil {
		b.Fatalf("%s: %v\n%s", filepath.Base(prog), err, out)
	}
	return m
}

// parseBench reads the key=value fields of the "allreduce impl=X ..." and
// "pairs ..." lines as X.key and pairs.key.
func parseBench(out string) (map[string]float64, error) {
	m := map[string]float64{}
	for line := range strings.Lines(out) {
		f := strings.Fields(line)
		if len(f) < 2 || (f[0] != "allreduce" && f[0] != "pairs") {
			continue
		}
		prefix := "pairs."
		if f[0] == "allreduce" {
			impl, ok := strings.CutPrefix(f[1], "impl=")
			if !ok {
				return nil, fmt.Errorf("no impl= in %q", line)
			}
			prefix, f = impl+".", f[1:]
		}
		for _, kv := range f[1:] {
			k, v, ok := strings.Cut(kv, "=")
			x, err := strconv.ParseFloat(v, 64)
			if !ok || err != nil {
				return nil, fmt.Errorf("bad field %q", kv)
			}
			m[prefix+k] = x
		}
	}
	if len(m) == 0 {
		return nil, fmt.Errorf("no allreduce line")
	}
	return m, nil
}

// median of xs (which it sorts).
func median(xs []float64) float64 {
	slices.Sort(xs)
	return xs[len(xs)/2]
}

func TestParseBench(t *testing.T) {
	out := "noise\nallreduce impl=go n=4 reps=2 median_us=1.5 min_us=1 max_us=2 loop_us=1.25\n" +
		"allreduce impl=c n=4 reps=2 median_us=0.5 min_us=0.25 max_us=1 loop_us=0.75\npairs c_over_go_median=0.5 c_over_go_min=0.25 c_over_go_max=1\n"
	m, err := parseBench(out)
	if err != nil {
		t.Fatal(err)
	}
	for k, want := range map[string]float64{"go.median_us": 1.5, "go.loop_us": 1.25, "c.min_us": 0.25, "pairs.c_over_go_median": 0.5, "go.n": 4} {
		if m[k] != want {
			t.Errorf("%s = %v, want %v", k, m[k], want)
		}
	}
	if _, err := parseBench("allreduce n=4\n"); err == nil {
		t.Error("a line without impl= was accepted")
	}
	if _, err := parseBench("nothing\n"); err == nil {
		t.Error("output without an allreduce line was accepted")
	}
}
