/* The FMA peak of this machine: fma_loop runs n iterations of 12
 * independent chains of 8-lane fused multiply-adds (enough in flight to fill
 * both FMA pipes at a 4-cycle latency), 192 flops per iteration. The
 * benchmark calls it on two threads at once and reports the flop rate, the
 * ceiling for any f32 contraction on them. Compiled with -O2 -mavx2 -mfma. */
#include <immintrin.h>

float fma_loop(long n) {
	__m256 x = _mm256_set1_ps(1.0000001f), y = _mm256_set1_ps(0.9999999f);
	__m256 a0 = _mm256_set1_ps(0), a1 = _mm256_set1_ps(1), a2 = _mm256_set1_ps(2), a3 = _mm256_set1_ps(3);
	__m256 a4 = _mm256_set1_ps(4), a5 = _mm256_set1_ps(5), a6 = _mm256_set1_ps(6), a7 = _mm256_set1_ps(7);
	__m256 a8 = _mm256_set1_ps(8), a9 = _mm256_set1_ps(9), a10 = _mm256_set1_ps(10), a11 = _mm256_set1_ps(11);
	for (long i = 0; i < n; i++) {
		a0 = _mm256_fmadd_ps(a0, x, y);
		a1 = _mm256_fmadd_ps(a1, x, y);
		a2 = _mm256_fmadd_ps(a2, x, y);
		a3 = _mm256_fmadd_ps(a3, x, y);
		a4 = _mm256_fmadd_ps(a4, x, y);
		a5 = _mm256_fmadd_ps(a5, x, y);
		a6 = _mm256_fmadd_ps(a6, x, y);
		a7 = _mm256_fmadd_ps(a7, x, y);
		a8 = _mm256_fmadd_ps(a8, x, y);
		a9 = _mm256_fmadd_ps(a9, x, y);
		a10 = _mm256_fmadd_ps(a10, x, y);
		a11 = _mm256_fmadd_ps(a11, x, y);
	}
	__m256 s = _mm256_add_ps(_mm256_add_ps(_mm256_add_ps(a0, a1), _mm256_add_ps(a2, a3)),
	                         _mm256_add_ps(_mm256_add_ps(a4, a5), _mm256_add_ps(a6, a7)));
	s = _mm256_add_ps(s, _mm256_add_ps(_mm256_add_ps(a8, a9), _mm256_add_ps(a10, a11)));
	return s[0];
}
