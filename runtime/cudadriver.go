// This file binds the CUDA driver API (libcuda.so.1) with purego, without cgo:
// the library is opened when an artifact is loaded for a GPU, each function is
// looked up with Dlsym before it is registered (RegisterLibFunc panics on a
// missing symbol), and every failure is an error that carries the driver's own
// name and description of the code (cuGetErrorName, cuGetErrorString).
package runtime

import (
	"fmt"
	"unsafe"

	"github.com/ebitengine/purego"
)

// DefaultCUDALibrary is the CUDA driver library a zero Config opens.
const DefaultCUDALibrary = "libcuda.so.1"

// cuDriver holds the driver functions dlc calls. Handles (contexts, modules,
// functions, streams) and device addresses are uintptr; every function
// returns a CUresult, 0 for success.
type cuDriver struct {
	lib uintptr

	cuInit                    func(flags uint32) uintptr
	cuDriverGetVersion        func(v *int32) uintptr
	cuDeviceGetCount          func(n *int32) uintptr
	cuDeviceGet               func(dev *int32, ordinal int32) uintptr
	cuDeviceGetName           func(name *byte, n int32, dev int32) uintptr
	cuDeviceGetAttribute      func(v *int32, attr int32, dev int32) uintptr
	cuDevicePrimaryCtxRetain  func(ctx *uintptr, dev int32) uintptr
	cuDevicePrimaryCtxRelease func(dev int32) uintptr
	cuCtxSetCurrent           func(ctx uintptr) uintptr
	cuModuleLoadDataEx        func(mod *uintptr, image *byte, n uint32, opts *int32, vals *uintptr) uintptr
	cuModuleUnload            func(mod uintptr) uintptr
	cuModuleGetFunction       func(fn *uintptr, mod uintptr, name *byte) uintptr
	cuMemAlloc                func(p *uintptr, size uintptr) uintptr
	cuMemFree                 func(p uintptr) uintptr
	cuMemcpyHtoD              func(dst uintptr, src unsafe.Pointer, n uintptr) uintptr
	cuMemcpyDtoH              func(dst unsafe.Pointer, src uintptr, n uintptr) uintptr
	cuMemcpyDtoD              func(dst, src uintptr, n uintptr) uintptr
	cuMemcpyDtoHAsync         func(dst unsafe.Pointer, src uintptr, n uintptr, stream uintptr) uintptr
	cuMemcpyDtoDAsync         func(dst, src uintptr, n uintptr, stream uintptr) uintptr
	cuStreamCreate            func(s *uintptr, flags uint32) uintptr
	cuStreamDestroy           func(s uintptr) uintptr
	cuStreamSynchronize       func(s uintptr) uintptr
	cuLaunchKernel            func(fn uintptr, gx, gy, gz, bx, by, bz, shared uint32, stream uintptr, params, extra unsafe.Pointer) uintptr
	cuGetErrorString          func(code uintptr, s **byte) uintptr
	cuGetErrorName            func(code uintptr, s **byte) uintptr
}

// cuSymbols pairs every field of cuDriver with the driver's symbol. The _v2
// names are the ones the driver's headers map the plain names to.
func (d *cuDriver) symbols() []struct {
	fn   any
	name string
} {
	return []struct {
		fn   any
		name string
	}{
		{&d.cuInit, "cuInit"},
		{&d.cuDriverGetVersion, "cuDriverGetVersion"},
		{&d.cuDeviceGetCount, "cuDeviceGetCount"},
		{&d.cuDeviceGet, "cuDeviceGet"},
		{&d.cuDeviceGetName, "cuDeviceGetName"},
		{&d.cuDeviceGetAttribute, "cuDeviceGetAttribute"},
		{&d.cuDevicePrimaryCtxRetain, "cuDevicePrimaryCtxRetain"},
		{&d.cuDevicePrimaryCtxRelease, "cuDevicePrimaryCtxRelease_v2"},
		{&d.cuCtxSetCurrent, "cuCtxSetCurrent"},
		{&d.cuModuleLoadDataEx, "cuModuleLoadDataEx"},
		{&d.cuModuleUnload, "cuModuleUnload"},
		{&d.cuModuleGetFunction, "cuModuleGetFunction"},
		{&d.cuMemAlloc, "cuMemAlloc_v2"},
		{&d.cuMemFree, "cuMemFree_v2"},
		{&d.cuMemcpyHtoD, "cuMemcpyHtoD_v2"},
		{&d.cuMemcpyDtoH, "cuMemcpyDtoH_v2"},
		{&d.cuMemcpyDtoD, "cuMemcpyDtoD_v2"},
		{&d.cuMemcpyDtoHAsync, "cuMemcpyDtoHAsync_v2"},
		{&d.cuMemcpyDtoDAsync, "cuMemcpyDtoDAsync_v2"},
		{&d.cuStreamCreate, "cuStreamCreate"},
		{&d.cuStreamDestroy, "cuStreamDestroy_v2"},
		{&d.cuStreamSynchronize, "cuStreamSynchronize"},
		{&d.cuLaunchKernel, "cuLaunchKernel"},
		{&d.cuGetErrorString, "cuGetErrorString"},
		{&d.cuGetErrorName, "cuGetErrorName"},
	}
}

// openDriver opens the CUDA driver library at path and binds its functions.
// A missing library or symbol is an error that says what is missing.
func openDriver(path string) (*cuDriver, error) {
	if path == "" {
		path = DefaultCUDALibrary
	}
	lib, err := purego.Dlopen(path, purego.RTLD_NOW|purego.RTLD_LOCAL)
	if err != nil {
		why := ""
		if err.Error() != "" {
			why = " (" + err.Error() + ")"
		}
		return nil, fmt.Errorf("cannot open the CUDA driver %s%s: running on a GPU needs an NVIDIA driver; on a machine without one, run on the CPU", path, why)
	}
	d := &cuDriver{lib: lib}
	for _, s := range d.symbols() {
		if _, err := purego.Dlsym(lib, s.name); err != nil {
			purego.Dlclose(lib)
			return nil, fmt.Errorf("the CUDA driver %s has no %s: the driver is too old or not NVIDIA's", path, s.name)
		}
		purego.RegisterLibFunc(s.fn, lib, s.name)
	}
	return d, nil
}

// close unloads the library.
func (d *cuDriver) close() {
	if d.lib != 0 {
		purego.Dlclose(d.lib)
		d.lib = 0
	}
}

// cudaError is a failed driver call.
type cudaError struct {
	call string
	code uintptr
	name string // CUDA_ERROR_...
	desc string // the driver's description
}

func (e *cudaError) Error() string {
	return fmt.Sprintf("%s: %s (%d): %s", e.call, e.name, e.code, e.desc)
}

// check turns the result of driver call `call` into an error.
func (d *cuDriver) check(call string, code uintptr) error {
	code = uintptr(uint32(code))
	if code == 0 {
		return nil
	}
	e := &cudaError{call: call, code: code, name: "CUDA_ERROR_UNKNOWN", desc: "the driver does not describe this code"}
	var s *byte
	if d.cuGetErrorName(code, &s) == 0 && s != nil {
		e.name = cString(s)
	}
	s = nil
	if d.cuGetErrorString(code, &s) == 0 && s != nil {
		e.desc = cString(s)
	}
	return e
}

// cString copies a NUL-terminated C string.
func cString(p *byte) string {
	var b []byte
	for q := unsafe.Pointer(p); *(*byte)(q) != 0; q = unsafe.Add(q, 1) {
		b = append(b, *(*byte)(q))
	}
	return string(b)
}

// devicePointer is device address a as the unsafe.Pointer a Tensor holds.
// The Go garbage collector ignores it: it points into no Go allocation.
func devicePointer(a uintptr) unsafe.Pointer {
	return *(*unsafe.Pointer)(unsafe.Pointer(&a))
}

// deviceAddress is the device address a Tensor's Data holds.
func deviceAddress(p unsafe.Pointer) uintptr { return uintptr(p) }
