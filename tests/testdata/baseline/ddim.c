// Hand-written fused DDIM step (MATH.md §3.2, no clipping), the baseline dlc's
// ddim_step kernel is measured against. Coefficients arrive precomputed, as in dlc:
// x_prev = c_x0 * (x_t - s1 * eps) * inv_sqrt_abar + c_eps * eps + sigma * z.
#include <stdint.h>
#include <omp.h>

void set_threads(int64_t n) { omp_set_num_threads((int)n); }

void ddim_c(int64_t n, const float *restrict x, const float *restrict eps, const float *restrict z,
            float *restrict out, const double *s) {
	const float s1 = s[0], inv = s[1], cx0 = s[2], ceps = s[3], sigma = s[4];
#pragma omp parallel for schedule(static)
	for (int64_t i = 0; i < n; i++) {
		float x0 = (x[i] - s1 * eps[i]) * inv;
		out[i] = cx0 * x0 + ceps * eps[i] + sigma * z[i];
	}
}
