// Hand-written fused Lion loop: the baseline dlc's kernel is measured against.
// Built with gcc -O3 -march=x86-64-v3 -fopenmp; scalars arrive precomputed, as in dlc.
#include <stdint.h>
#include <omp.h>
#include "threads.h"

// s = {lr, beta1, 1-beta1, beta2, 1-beta2, wd}
void lion_c(int64_t n, float *restrict theta, const float *restrict grad, float *restrict m, const double *s) {
	const float lr = s[0], b1 = s[1], omb1 = s[2], b2 = s[3], omb2 = s[4], wd = s[5];
#pragma omp parallel for schedule(static) num_threads(nthreads)
	for (int64_t i = 0; i < n; i++) {
		float g = grad[i], mi = m[i], th = theta[i];
		float c = b1 * mi + omb1 * g;
		float sg = c > 0.0f ? 1.0f : (c < 0.0f ? -1.0f : c);
		theta[i] = th - lr * (sg + wd * th);
		m[i] = b2 * mi + omb2 * g;
	}
}
