// Package peak measures the compute roof of this machine: the rate of
// single-precision fused multiply-adds the vector units sustain, on every
// thread at once. dlc bench compares a kernel's operations per second with it
// when the kernel's arithmetic intensity puts it under the compute roof.
package peak

import (
	"slices"
	"sync"
	"time"
)

// flopsPerIter is the floating-point operations fmaLoop does
// performs per iteration: 12 independent FMAs of 8 lanes, 2 operations each.
const flopsPerIter = 12 * 8 * 2

// GFLOPS measures the FMA peak in GFLOP/s over at least minTime, on threads
// threads, from the fastest of several runs: a peak is what the machine can
// do, and slower runs measure other programs taking the cores. ok is false where the machine
// has no kernel to measure it with (not amd64, or no AVX2 and FMA).
func GFLOPS(threads int, minTime time.Duration, hasAVX2FMA bool) (gflops float64, ok bool) {
	if !available || !hasAVX2FMA {
		return 0, false
	}
	if threads < 1 {
		threads = 1
	}
	const iters = 1 << 20
	run := func() time.Duration {
		start := time.Now()
		var wg sync.WaitGroup
		for range threads {
			wg.Add(1)
			go func() {
				defer wg.Done()
				fmaLoop(iters)
			}()
		}
		wg.Wait()
		return time.Since(start)
	}
	run() // warm up: the vector units may need to power up
	var times []time.Duration
	deadline := time.Now().Add(minTime)
	for len(times) < 5 || (time.Now().Before(deadline) && len(times) < 200) {
		times = append(times, run())
	}
	best := slices.Min(times)
	return float64(threads) * iters * flopsPerIter / best.Seconds() / 1e9, true
}
