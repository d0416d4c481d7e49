// This file times all-reduce calls; testdata/allreduce.c in runtime/mpi is
// the same loop in C, and the two print the same line.
package main

import (
	"fmt"
	"slices"
	"time"

	"dlc.dev/dlc/runtime/mpi"
)

// bench times reps in-place f32 sum all-reduces of n elements after warmup
// untimed ones, each preceded by a barrier so that the ranks start together,
// and prints on rank 0: "allreduce n=N reps=R median_us=M min_us=L max_us=H".
func bench(c *mpi.Comm, n, reps, warmup int) error {
	x := make([]float32, n)
	for i := range x {
		x[i] = 1
	}
	t := make([]float64, 0, reps)
	for i := range warmup + reps {
		if err := c.Barrier(); err != nil {
			return err
		}
		start := time.Now()
		if err := c.Allreduce(f32(x), f32(x), mpi.Sum); err != nil {
			return err
		}
		if i >= warmup {
			t = append(t, float64(time.Since(start).Nanoseconds())/1e3)
		}
	}
	slices.Sort(t)
	if c.Rank() == 0 {
		fmt.Printf("allreduce n=%d reps=%d median_us=%.3f min_us=%.3f max_us=%.3f\n", n, reps, t[len(t)/2], t[0], t[len(t)-1])
	}
	return nil
}
