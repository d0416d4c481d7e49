// Hand-written ZLPR forward + gradient with libm expf/logf: the baseline dlc's
// fused row kernel is measured against. gcc -O3 -march=x86-64-v3 -fopenmp.
// One pass per row accumulates both log-sum-exps online (running max initialised
// with the implicit 0 element), a second pass writes the gradient while the row
// is in cache.
#include <math.h>
#include <stdint.h>
#include <omp.h>
#include "threads.h"

void zlpr_c(int64_t B, int64_t C, const float *restrict s, const float *restrict y,
            float *restrict loss, float *restrict grad) {
#pragma omp parallel for schedule(static) num_threads(nthreads)
	for (int64_t b = 0; b < B; b++) {
		const float *sr = s + b * C, *yr = y + b * C;
		float *gr = grad + b * C;
		float mn = 0.0f, sn = 1.0f, mp = 0.0f, sp = 1.0f;
		for (int64_t c = 0; c < C; c++) {
			float x = yr[c] == 0.0f ? sr[c] : -sr[c];
			if (x == -INFINITY)
				continue;
			if (yr[c] == 0.0f) {
				if (x > mn) { sn = sn * expf(mn - x) + 1.0f; mn = x; } else { sn += expf(x - mn); }
			} else {
				if (x > mp) { sp = sp * expf(mp - x) + 1.0f; mp = x; } else { sp += expf(x - mp); }
			}
		}
		float ln = mn + logf(sn), lp = mp + logf(sp);
		loss[b] = ln + lp;
		for (int64_t c = 0; c < C; c++) {
			gr[c] = yr[c] == 0.0f ? expf(sr[c] - ln) : -expf(-sr[c] - lp);
		}
	}
}
