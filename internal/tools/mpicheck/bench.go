// This file times all-reduce calls. With -c, it also opens the C library of
// runtime/mpi/testdata/allreduce_lib.c and alternates Go and C calls inside
// one job, so that the load of a shared machine touches both alike;
// runtime/mpi/testdata/allreduce.c is the same loop as a C program of its
// own, and prints the same line as the Go loop.
package main

import (
	"fmt"
	"slices"
	"time"

	"github.com/ebitengine/purego"

	"dlc.dev/dlc/runtime/mpi"
)

// cBench is the C library's timed all-reduce: one call after a barrier, and
// reps calls back to back; both return µs per call, or -1 on an MPI error.
type cBench struct {
	once func(x *float32, n int32) float64
	loop func(x *float32, n int32, reps int32) float64
}

// openCBench opens the C library at path.
func openCBench(path string) (*cBench, error) {
	h, err := purego.Dlopen(path, purego.RTLD_NOW|purego.RTLD_GLOBAL)
	if err != nil {
		return nil, fmt.Errorf("open %s: %v", path, err)
	}
	b := &cBench{}
	for _, s := range []struct {
		fn   any
		name string
	}{{&b.once, "dlc_c_allreduce_us"}, {&b.loop, "dlc_c_allreduce_loop_us"}} {
		if _, err := purego.Dlsym(h, s.name); err != nil {
			return nil, fmt.Errorf("%s has no %s", path, s.name)
		}
		purego.RegisterLibFunc(s.fn, h, s.name)
	}
	return b, nil
}

// stats are one implementation's timings in µs.
type stats struct {
	calls []float64 // each call after a barrier
	loop  float64   // mean per call back to back
}

// line is the line bench prints for s.
func (s stats) line(impl string, n int) string {
	t := slices.Sorted(slices.Values(s.calls))
	return fmt.Sprintf("allreduce impl=%s n=%d reps=%d median_us=%.3f min_us=%.3f max_us=%.3f loop_us=%.3f",
		impl, n, len(t), t[len(t)/2], t[0], t[len(t)-1], s.loop)
}

// bench times in-place f32 sum all-reduces of n elements after warmup untimed
// ones, two ways: reps calls each after a barrier (so that the ranks start
// together), and reps calls back to back. Rank 0 prints, per implementation,
//
//	allreduce impl=go n=N reps=R median_us=M min_us=L max_us=H loop_us=B
//
// with B the mean time per call back to back. With a C library (clib not
// empty), Go and C calls alternate, each first in every other pair, and a
// last line gives the median over pairs of the C time over the Go time.
func bench(c *mpi.Comm, n, reps, warmup int, clib string) error {
	var cb *cBench
	if clib != "" {
		var err error
		if cb, err = openCBench(clib); err != nil {
			return err
		}
	}
	x := make([]float32, n)
	for i := range x {
		x[i] = 1
	}
	var g, cs stats
	var ratios []float64
	for i := range warmup + reps {
		tg, tc, err := benchPair(c, cb, x, i%2 == 1)
		if err != nil {
			return err
		}
		if i >= warmup {
			g.calls = append(g.calls, tg)
			if cb != nil {
				cs.calls = append(cs.calls, tc)
				ratios = append(ratios, tc/tg)
			}
		}
	}
	var err error
	if g.loop, err = goLoop(c, x, reps); err != nil {
		return err
	}
	if cb != nil {
		if cs.loop = cb.loop(&x[0], int32(n), int32(reps)); cs.loop < 0 {
			return fmt.Errorf("the C all-reduce loop failed")
		}
	}
	if c.Rank() != 0 {
		return nil
	}
	fmt.Println(g.line("go", n))
	if cb != nil {
		fmt.Println(cs.line("c", n))
		slices.Sort(ratios)
		fmt.Printf("pairs c_over_go_median=%.4f c_over_go_min=%.4f c_over_go_max=%.4f\n", ratios[len(ratios)/2], ratios[0], ratios[len(ratios)-1])
	}
	return nil
}

// benchPair times one Go call and, with cb, one C call, C first if cFirst.
func benchPair(c *mpi.Comm, cb *cBench, x []float32, cFirst bool) (tg, tc float64, err error) {
	runC := func() error {
		if tc = cb.once(&x[0], int32(len(x))); tc < 0 {
			return fmt.Errorf("the C all-reduce failed")
		}
		return nil
	}
	if cb != nil && cFirst {
		if err := runC(); err != nil {
			return 0, 0, err
		}
	}
	if err := c.Barrier(); err != nil {
		return 0, 0, err
	}
	start := time.Now()
	if err := c.Allreduce(f32(x), f32(x), mpi.Sum); err != nil {
		return 0, 0, err
	}
	tg = float64(time.Since(start).Nanoseconds()) / 1e3
	if cb != nil && !cFirst {
		err = runC()
	}
	return tg, tc, err
}

// goLoop is the mean time of reps all-reduces back to back, after a barrier.
func goLoop(c *mpi.Comm, x []float32, reps int) (float64, error) {
	if err := c.Barrier(); err != nil {
		return 0, err
	}
	start := time.Now()
	for range reps {
		if err := c.Allreduce(f32(x), f32(x), mpi.Sum); err != nil {
			return 0, err
		}
	}
	return float64(time.Since(start).Nanoseconds()) / 1e3 / float64(reps), nil
}
