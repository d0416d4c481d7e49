// This file compares the two ways the CPU runtime splits a launch over
// threads: an OpenMP team through the artifact's parallel entry point (the
// default) and the runtime's Go worker pool (runtime.Config.GoPool).
package tests

import (
	"context"
	"os"
	"sort"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"dlc.dev/dlc/compiler"
	"dlc.dev/dlc/runtime"
)

// BenchmarkThreadsTeamVsPool runs the matmul benchmark's contractions on 2
// threads with both, in alternating rounds of one process, and reports the
// median GFLOP/s of each and the median of the per-round time ratios
// (pool time / team time: above 1, the team is faster).
func BenchmarkThreadsTeamVsPool(b *testing.B) {
	needTools(b)
	src, err := os.ReadFile("testdata/contract/bench.dl")
	require.NoError(b, err)
	cases := []matmulBench{
		{"256x1024x1024", "mm", "mm", []int64{256, 1024, 1024}},
		{"1024x1024x1024", "mm", "mm", []int64{1024, 1024, 1024}},
		{"batch16x128x64x128", "bmm", "bmm", []int64{16, 128, 64, 128}},
		{"dense256x1024x1024", "dense", "dense", []int64{256, 1024, 1024}},
	}
	bin, _, err := compiler.Build(context.Background(), "bench.dl", src, compiler.Options{CPU: "x86-64-v3"})
	require.NoError(b, err)
	team, err := runtime.LoadBytes(bin, runtime.Config{Threads: 2})
	require.NoError(b, err)
	defer team.Close()
	pool, err := runtime.LoadBytes(bin, runtime.Config{Threads: 2, GoPool: true})
	require.NoError(b, err)
	defer pool.Close()
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			args := c.args()
			ft, err := team.Func(c.fn)
			require.NoError(b, err)
			fp, err := pool.Func(c.fn)
			require.NoError(b, err)
			// An OpenMP team's threads spin for a while after a launch
			// before they sleep: let them, so that the pool's round
			// does not share the cores with them.
			median := func(f *runtime.Func) time.Duration {
				time.Sleep(20 * time.Millisecond)
				ts := make([]time.Duration, 7)
				for i := range ts {
					ts[i] = timeUnpreempted(func() { require.NoError(b, f.Run(args)) })
				}
				return medianOf(ts)
			}
			median(ft)
			median(fp)
			var ratios, gt, gp []float64
			for range b.N {
				t, p := median(ft), median(fp)
				ratios = append(ratios, p.Seconds()/t.Seconds())
				gt = append(gt, c.flops()/t.Seconds()/1e9)
				gp = append(gp, c.flops()/p.Seconds()/1e9)
			}
			sort.Float64s(ratios)
			b.ReportMetric(medianFloat(gt), "team_GFLOP/s")
			b.ReportMetric(medianFloat(gp), "pool_GFLOP/s")
			b.ReportMetric(medianFloat(ratios), "pool_time/team_time")
			teamThreads, threads := signalBlockingThreads(b)
			b.Logf("%d OpenMP team threads of %d threads in the process", teamThreads, threads)
			b.Logf("OpenMP team %.1f GFLOP/s, Go pool %.1f GFLOP/s, pool/team time %.2f [%.2f-%.2f]",
				medianFloat(gt), medianFloat(gp), medianFloat(ratios), ratios[0], ratios[len(ratios)-1])
		})
	}
}
