// The OpenMP thread count of a baseline's loops, included by each baseline.
// omp_set_num_threads would set it only for the OS thread that calls it, and
// Go runs the calls of one goroutine on whichever OS thread is free, so the
// count is kept here and every parallel region names it (num_threads).
#include <stdint.h>
#include <omp.h>

static int nthreads = 1;

// set_threads sets the thread count of every later loop, whichever thread calls it.
void set_threads(int64_t n) { nthreads = n > 0 ? (int)n : 1; }

// team_size returns how many threads a parallel region of this file runs on.
int64_t team_size(void) {
	int64_t n = 0;
#pragma omp parallel num_threads(nthreads)
#pragma omp single
	n = omp_get_num_threads();
	return n;
}
