// A stand-in for the CUDA driver (libcuda.so.1) for testing the runtime's CUDA
// launcher without a GPU: it exports the driver functions the runtime binds, with
// the driver's _v2 names, backed by host memory. It checks what a driver would
// refuse: calls before cuInit, calls without a current context on the calling
// thread, copies and launch buffers outside live allocations, launches with a
// block size other than the entry's. A "kernel" is a grid-ABI wrapper around a
// CPU kernel of kernels.c: it unpacks the launch parameters (unit count, buffer
// addresses, scalars in their PTX types) and runs the CPU kernel over every unit,
// so that wrong parameter packing shows as wrong results. The mock_* functions
// let a test inject failures, set the device, and read what was called.
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernels.c"

typedef int CUresult;
typedef uint64_t CUdeviceptr;

enum {
	OK = 0,
	INVALID_VALUE = 1,
	OUT_OF_MEMORY = 2,
	NOT_INITIALIZED = 3,
	NO_DEVICE = 100,
	INVALID_DEVICE = 101,
	INVALID_CONTEXT = 201,
	INVALID_PTX = 218,
	INVALID_HANDLE = 400,
	NOT_FOUND = 500,
	ILLEGAL_ADDRESS = 700,
};

typedef void (*cpu_kernel)(int64_t, int64_t, void **, const double *);

// grid_kernel is an entry the mock module defines.
struct grid_kernel {
	const char *name;
	cpu_kernel run;
	int bufs;
	const char *scalars; // one letter per scalar: f f32, d f64, i i32, l i64, b bool
	int block;           // the threads per block the entry is written for
};

static struct grid_kernel kernels[] = {
	{"dlc_scale_k0", scale, 2, "f", 256},
	{"dlc_lion_k0", lion_k0, 5, "ffffff", 256},
	{"dlc_chain_k0", add1, 2, "", 256},
	{"dlc_chain_k1", twice_plus, 3, "", 256},
	{"dlc_hazard_k0", scale, 2, "f", 256},
	{"dlc_hazard_k1", scale, 2, "f", 256},
	{"dlc_mark_k0", mark, 3, "", 256},
	{"dlc_iadd_k0", iadd, 2, "i", 256},
	{"dlc_rows_k0", rowsum, 2, "", 256},
	{"dlc_pair_k0", scale, 2, "f", 256},
};

#define MAX_ALLOCS 4096

static struct {
	int inited;
	int devices, major, minor, sms;
	int ctx_refs;
	int modules;
	int streams;
	CUresult sticky; // an error a kernel caused, reported by the next synchronize
	struct { uint64_t base, size; } allocs[MAX_ALLOCS];
	int nallocs;
	char fail_call[64];
	CUresult fail_code;
	char calls[64][48];
	int ncalls[64];
	int nnames;
	char last_kernel[64];
	unsigned last_grid, last_block;
	uint64_t last_stream;
} m = {.devices = 1, .major = 9, .minor = 0, .sms = 132};

static __thread uint64_t current; // the context current on this thread

static const uint64_t the_ctx = 0xc0de;

// call counts the call and returns the failure injected for it, if any.
static CUresult call(const char *name) {
	int i;
	for (i = 0; i < m.nnames; i++)
		if (strcmp(m.calls[i], name) == 0) break;
	if (i == m.nnames && m.nnames < 64) snprintf(m.calls[m.nnames++], 48, "%s", name);
	if (i < 64) m.ncalls[i]++;
	if (m.fail_call[0] && strcmp(m.fail_call, name) == 0) {
		m.fail_call[0] = 0;
		return m.fail_code;
	}
	return OK;
}

#define ENTER(name)                                   \
	do {                                              \
		CUresult r_ = call(name);                     \
		if (r_) return r_;                            \
		if (!m.inited) return NOT_INITIALIZED;        \
	} while (0)
#define NEED_CTX()                                      \
	do {                                                \
		if (current != the_ctx) return INVALID_CONTEXT; \
	} while (0)

// live reports whether [p, p+n) lies in one live allocation.
static int live(uint64_t p, uint64_t n) {
	for (int i = 0; i < m.nallocs; i++)
		if (m.allocs[i].base <= p && p + n <= m.allocs[i].base + m.allocs[i].size) return 1;
	return 0;
}

void mock_reset(void) {
	memset(m.calls, 0, sizeof m.calls);
	memset(m.ncalls, 0, sizeof m.ncalls);
	m.nnames = 0;
	m.fail_call[0] = 0;
	m.sticky = OK;
	m.devices = 1, m.major = 9, m.minor = 0;
}
void mock_fail(const char *name, int code) {
	snprintf(m.fail_call, sizeof m.fail_call, "%s", name);
	m.fail_code = code;
}
void mock_device(int devices, int major, int minor) { m.devices = devices, m.major = major, m.minor = minor; }
int mock_calls(const char *name) {
	for (int i = 0; i < m.nnames; i++)
		if (strcmp(m.calls[i], name) == 0) return m.ncalls[i];
	return 0;
}
int mock_live(void) { return m.nallocs; }
int mock_contexts(void) { return m.ctx_refs; }
int mock_modules(void) { return m.modules; }
int mock_streams(void) { return m.streams; }
// mock_last_launch writes the kernel, grid and block of the last launch.
void mock_last_launch(char *name, int n, unsigned *grid, unsigned *block) {
	snprintf(name, n, "%s", m.last_kernel);
	*grid = m.last_grid;
	*block = m.last_block;
}

CUresult cuInit(unsigned flags) {
	CUresult r = call("cuInit");
	if (r) return r;
	if (flags != 0) return INVALID_VALUE;
	m.inited = 1;
	return OK;
}
CUresult cuDriverGetVersion(int *v) {
	*v = 12040;
	return OK;
}
CUresult cuDeviceGetCount(int *n) {
	ENTER("cuDeviceGetCount");
	*n = m.devices;
	return OK;
}
CUresult cuDeviceGet(int *dev, int ordinal) {
	ENTER("cuDeviceGet");
	if (ordinal < 0 || ordinal >= m.devices) return INVALID_DEVICE;
	*dev = ordinal;
	return OK;
}
CUresult cuDeviceGetName(char *name, int n, int dev) {
	ENTER("cuDeviceGetName");
	snprintf(name, n, "Mock GPU %d", dev);
	return OK;
}
CUresult cuDeviceGetAttribute(int *v, int attr, int dev) {
	ENTER("cuDeviceGetAttribute");
	switch (attr) {
	case 16: *v = m.sms; return OK;
	case 75: *v = m.major; return OK;
	case 76: *v = m.minor; return OK;
	}
	return INVALID_VALUE;
}
CUresult cuDevicePrimaryCtxRetain(uint64_t *ctx, int dev) {
	ENTER("cuDevicePrimaryCtxRetain");
	m.ctx_refs++;
	*ctx = the_ctx;
	return OK;
}
CUresult cuDevicePrimaryCtxRelease_v2(int dev) {
	ENTER("cuDevicePrimaryCtxRelease");
	if (m.ctx_refs == 0) return INVALID_CONTEXT;
	m.ctx_refs--;
	return OK;
}
CUresult cuCtxSetCurrent(uint64_t ctx) {
	ENTER("cuCtxSetCurrent");
	if (ctx != the_ctx || m.ctx_refs == 0) return INVALID_CONTEXT;
	current = ctx;
	return OK;
}

// cuModuleLoadDataEx accepts PTX text for a target the device runs; PTX that
// says BROKEN fails with a message in the error log buffer (options 5 and 6).
CUresult cuModuleLoadDataEx(uint64_t *mod, const char *image, unsigned nopt, int *opts, void **vals) {
	ENTER("cuModuleLoadDataEx");
	NEED_CTX();
	if (!strstr(image, ".target sm_") || !strstr(image, ".address_size 64")) return INVALID_PTX;
	if (strstr(image, "BROKEN")) {
		char *log = 0;
		size_t n = 0;
		for (unsigned i = 0; i < nopt; i++) {
			if (opts[i] == 5) log = vals[i];
			if (opts[i] == 6) n = (size_t)vals[i];
		}
		if (log && n) snprintf(log, n, "ptxas application ptx input, line 7; error   : BROKEN is not an instruction");
		return INVALID_PTX;
	}
	m.modules++;
	*mod = (uint64_t)(uintptr_t)strdup(image);
	return OK;
}
CUresult cuModuleUnload(uint64_t mod) {
	ENTER("cuModuleUnload");
	NEED_CTX();
	if (!mod) return INVALID_HANDLE;
	free((void *)(uintptr_t)mod);
	m.modules--;
	return OK;
}

// cuModuleGetFunction finds an entry the PTX defines and the mock can run.
CUresult cuModuleGetFunction(uint64_t *fn, uint64_t mod, const char *name) {
	ENTER("cuModuleGetFunction");
	NEED_CTX();
	char decl[128];
	snprintf(decl, sizeof decl, ".entry %s(", name);
	if (!strstr((const char *)(uintptr_t)mod, decl)) return NOT_FOUND;
	for (size_t i = 0; i < sizeof kernels / sizeof kernels[0]; i++) {
		if (strcmp(kernels[i].name, name) == 0) {
			*fn = (uint64_t)(uintptr_t)&kernels[i];
			return OK;
		}
	}
	return NOT_FOUND;
}

CUresult cuMemAlloc_v2(CUdeviceptr *p, size_t n) {
	ENTER("cuMemAlloc");
	NEED_CTX();
	if (n == 0) return INVALID_VALUE;
	if (m.nallocs == MAX_ALLOCS) return OUT_OF_MEMORY;
	void *q = malloc(n);
	if (!q) return OUT_OF_MEMORY;
	memset(q, 0xa5, n); // not zero: a kernel must write what it promises
	m.allocs[m.nallocs].base = (uint64_t)(uintptr_t)q;
	m.allocs[m.nallocs].size = n;
	m.nallocs++;
	*p = (uint64_t)(uintptr_t)q;
	return OK;
}
CUresult cuMemFree_v2(CUdeviceptr p) {
	ENTER("cuMemFree");
	NEED_CTX();
	for (int i = 0; i < m.nallocs; i++) {
		if (m.allocs[i].base == p) {
			free((void *)(uintptr_t)p);
			m.allocs[i] = m.allocs[--m.nallocs];
			return OK;
		}
	}
	return INVALID_VALUE;
}
CUresult cuMemcpyHtoD_v2(CUdeviceptr dst, const void *src, size_t n) {
	ENTER("cuMemcpyHtoD");
	NEED_CTX();
	if (!live(dst, n) || live((uint64_t)(uintptr_t)src, 1)) return INVALID_VALUE;
	memcpy((void *)(uintptr_t)dst, src, n);
	return OK;
}
CUresult cuMemcpyDtoH_v2(void *dst, CUdeviceptr src, size_t n) {
	ENTER("cuMemcpyDtoH");
	NEED_CTX();
	if (!live(src, n) || live((uint64_t)(uintptr_t)dst, 1)) return INVALID_VALUE;
	memcpy(dst, (void *)(uintptr_t)src, n);
	return OK;
}
CUresult cuMemcpyDtoD_v2(CUdeviceptr dst, CUdeviceptr src, size_t n) {
	ENTER("cuMemcpyDtoD");
	NEED_CTX();
	if (!live(dst, n) || !live(src, n)) return INVALID_VALUE;
	memmove((void *)(uintptr_t)dst, (void *)(uintptr_t)src, n);
	return OK;
}
CUresult cuMemcpyDtoHAsync_v2(void *dst, CUdeviceptr src, size_t n, uint64_t stream) {
	ENTER("cuMemcpyDtoHAsync");
	NEED_CTX();
	if (!stream || !live(src, n)) return INVALID_VALUE;
	memcpy(dst, (void *)(uintptr_t)src, n);
	return OK;
}
CUresult cuMemcpyDtoDAsync_v2(CUdeviceptr dst, CUdeviceptr src, size_t n, uint64_t stream) {
	ENTER("cuMemcpyDtoDAsync");
	NEED_CTX();
	if (!live(dst, n) || !live(src, n)) return INVALID_VALUE;
	memmove((void *)(uintptr_t)dst, (void *)(uintptr_t)src, n);
	return OK;
}
CUresult cuStreamCreate(uint64_t *s, unsigned flags) {
	ENTER("cuStreamCreate");
	NEED_CTX();
	m.streams++;
	*s = (uint64_t)(uintptr_t)malloc(1);
	return OK;
}
CUresult cuStreamDestroy_v2(uint64_t s) {
	ENTER("cuStreamDestroy");
	NEED_CTX();
	if (!s) return INVALID_HANDLE;
	free((void *)(uintptr_t)s);
	m.streams--;
	return OK;
}
CUresult cuStreamSynchronize(uint64_t s) {
	ENTER("cuStreamSynchronize");
	NEED_CTX();
	CUresult r = m.sticky;
	m.sticky = OK;
	return r;
}

// cuLaunchKernel unpacks the parameters as the entry declares them and runs the
// CPU kernel over every unit. A buffer outside device memory is an illegal
// address, reported (as by a GPU) when the stream is synchronized.
#ifndef NO_LAUNCH
CUresult cuLaunchKernel(uint64_t fn, unsigned gx, unsigned gy, unsigned gz, unsigned bx, unsigned by,
                        unsigned bz, unsigned shared, uint64_t stream, void **params, void **extra) {
	ENTER("cuLaunchKernel");
	NEED_CTX();
	struct grid_kernel *k = (struct grid_kernel *)(uintptr_t)fn;
	if (!k || !params || extra || gx == 0 || gy != 1 || gz != 1 || by != 1 || bz != 1) return INVALID_VALUE;
	if (bx != (unsigned)k->block) return INVALID_VALUE;
	snprintf(m.last_kernel, sizeof m.last_kernel, "%s", k->name);
	m.last_grid = gx, m.last_block = bx, m.last_stream = stream;
	int64_t count = *(int64_t *)params[0];
	void *bufs[16];
	double s[16];
	for (int i = 0; i < k->bufs; i++) {
		uint64_t p = *(uint64_t *)params[1 + i];
		if (count > 0 && !live(p, 1)) {
			m.sticky = ILLEGAL_ADDRESS;
			return OK;
		}
		bufs[i] = (void *)(uintptr_t)p;
	}
	for (int i = 0; k->scalars[i]; i++) {
		void *p = params[1 + k->bufs + i];
		switch (k->scalars[i]) {
		case 'f': s[i] = *(float *)p; break;
		case 'd': s[i] = *(double *)p; break;
		case 'i': s[i] = *(int32_t *)p; break;
		case 'l': s[i] = (double)*(int64_t *)p; break;
		case 'b': s[i] = *(uint8_t *)p; break;
		}
	}
	if (count > 0) k->run(0, count, bufs, s);
	return OK;
}
#endif

static const char *names[][2] = {
	{"CUDA_ERROR_INVALID_VALUE", "invalid argument"},
	{"CUDA_ERROR_OUT_OF_MEMORY", "out of memory"},
	{"CUDA_ERROR_NOT_INITIALIZED", "initialization error"},
	{"CUDA_ERROR_NO_DEVICE", "no CUDA-capable device is detected"},
	{"CUDA_ERROR_INVALID_DEVICE", "invalid device ordinal"},
	{"CUDA_ERROR_INVALID_CONTEXT", "invalid device context"},
	{"CUDA_ERROR_INVALID_PTX", "a PTX JIT compilation failed"},
	{"CUDA_ERROR_INVALID_HANDLE", "invalid resource handle"},
	{"CUDA_ERROR_NOT_FOUND", "named symbol not found"},
	{"CUDA_ERROR_ILLEGAL_ADDRESS", "an illegal memory access was encountered"},
};

static int name_index(CUresult r) {
	switch (r) {
	case INVALID_VALUE: return 0;
	case OUT_OF_MEMORY: return 1;
	case NOT_INITIALIZED: return 2;
	case NO_DEVICE: return 3;
	case INVALID_DEVICE: return 4;
	case INVALID_CONTEXT: return 5;
	case INVALID_PTX: return 6;
	case INVALID_HANDLE: return 7;
	case NOT_FOUND: return 8;
	case ILLEGAL_ADDRESS: return 9;
	}
	return -1;
}
CUresult cuGetErrorName(CUresult r, const char **s) {
	int i = name_index(r);
	if (i < 0) return INVALID_VALUE;
	*s = names[i][0];
	return OK;
}
CUresult cuGetErrorString(CUresult r, const char **s) {
	int i = name_index(r);
	if (i < 0) return INVALID_VALUE;
	*s = names[i][1];
	return OK;
}
