// Hand-written kernels with the dlc CPU ABI, for testing the runtime without the compiler:
// void k(int64_t begin, int64_t end, void **bufs, const double *scalars)
#include <stdint.h>

// scale: y = x * s0
void scale(int64_t b, int64_t e, void **bufs, const double *s) {
	const float *x = bufs[0];
	float *y = bufs[1];
	float a = (float)s[0];
	for (int64_t i = b; i < e; i++) y[i] = x[i] * a;
}

// lion_k0: the fused Lion step of ir/testdata/lion.ir.
// bufs: theta, grad, m (inputs), theta_new, m_new (outputs)
// scalars: beta1, %8 = 1-beta1, wd, lr, beta2, %17 = 1-beta2
void lion_k0(int64_t b, int64_t e, void **bufs, const double *s) {
	const float *theta = bufs[0], *grad = bufs[1], *m = bufs[2];
	float *theta_new = bufs[3], *m_new = bufs[4];
	float beta1 = s[0], c1 = s[1], wd = s[2], lr = s[3], beta2 = s[4], c2 = s[5];
	for (int64_t i = b; i < e; i++) {
		float t = theta[i], g = grad[i], mi = m[i];
		float c = beta1 * mi + c1 * g;
		float sg = c > 0 ? 1.0f : (c < 0 ? -1.0f : c);
		float u = sg + wd * t;
		theta_new[i] = t - lr * u;
		m_new[i] = beta2 * mi + c2 * g;
	}
}

// add1: t = x + 1 (writes a temporary)
void add1(int64_t b, int64_t e, void **bufs, const double *s) {
	const float *x = bufs[0];
	float *t = bufs[1];
	for (int64_t i = b; i < e; i++) t[i] = x[i] + 1.0f;
}

// twice_plus: y = t * 2 + x (reads the temporary and the input again)
void twice_plus(int64_t b, int64_t e, void **bufs, const double *s) {
	const float *t = bufs[0], *x = bufs[1];
	float *y = bufs[2];
	for (int64_t i = b; i < e; i++) y[i] = t[i] * 2.0f + x[i];
}

// mark: y = x + i, and c[i] = begin of the chunk that wrote element i
void mark(int64_t b, int64_t e, void **bufs, const double *s) {
	const float *x = bufs[0];
	float *y = bufs[1];
	int64_t *c = bufs[2];
	for (int64_t i = b; i < e; i++) {
		y[i] = x[i] + (float)i;
		c[i] = b;
	}
}

// iadd: y = x + (int32)s0
void iadd(int64_t b, int64_t e, void **bufs, const double *s) {
	const int32_t *x = bufs[0];
	int32_t *y = bufs[1];
	int32_t a = (int32_t)s[0];
	for (int64_t i = b; i < e; i++) y[i] = x[i] + a;
}

// rowsum: y[r] = sum of row r of x[R, 256]
void rowsum(int64_t b, int64_t e, void **bufs, const double *s) {
	const float *x = bufs[0];
	float *y = bufs[1];
	for (int64_t r = b; r < e; r++) {
		float acc = 0;
		for (int j = 0; j < 256; j++) acc += x[r * 256 + j];
		y[r] = acc;
	}
}
