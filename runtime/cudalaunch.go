// This file is the CUDA launcher: it loads an artifact's PTX into the primary
// context of one GPU through the driver API (cudadriver.go), resolves kernel
// entries, and launches each kernel on the stream of its Func with its
// parameters packed as artifact.ABIGrid says. Checks and planning are the
// runtime's shared code; a call returns when its stream has finished.
package runtime

import (
	"fmt"
	"math"
	goruntime "runtime"
	"strconv"
	"strings"
	"unsafe"

	"dlc.dev/dlc/artifact"
	"dlc.dev/dlc/ir"
)

// Driver attributes and JIT options dlc asks for (cuda.h's values).
const (
	cuAttrMultiprocessors = 16 // CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT
	cuAttrMajor           = 75 // CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR
	cuAttrMinor           = 76 // CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR
	cuJitErrorLog         = 5  // CU_JIT_ERROR_LOG_BUFFER
	cuJitErrorLogSize     = 6  // CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES
)

// cudaLauncher runs an artifact's kernels on one CUDA device.
type cudaLauncher struct {
	d       *cuDriver
	dev     Device
	ordinal int32
	gpuName string // the GPU's name, for messages
	ctx     uintptr
	mod     uintptr
	sms     int
	man     *artifact.Manifest
	kernels []cudaKernel
}

// cudaKernel is a resolved kernel entry.
type cudaKernel struct {
	fn      uintptr
	block   int
	rows    bool     // a row kernel: a block per unit
	scalars []string // the dtype of each scalar parameter
	bufs    int
}

// newCUDALauncher opens the driver, takes the primary context of the device
// cfg.Device names, checks its compute capability against the target and,
// when load is set, loads the PTX (JIT-compiled by the driver).
func newCUDALauncher(man *artifact.Manifest, target *artifact.Target, sections map[string][]byte, load bool, cfg Config) (_ *cudaLauncher, err error) {
	d, err := openDriver(cfg.CUDALibrary)
	if err != nil {
		return nil, err
	}
	l := &cudaLauncher{d: d, dev: cfg.Device, ordinal: int32(cfg.Device.Index), man: man}
	goruntime.LockOSThread()
	defer goruntime.UnlockOSThread()
	if err := d.check("cuInit", d.cuInit(0)); err != nil {
		d.close()
		return nil, fmt.Errorf("CUDA driver: %w", err)
	}
	var n int32
	if err := d.check("cuDeviceGetCount", d.cuDeviceGetCount(&n)); err != nil {
		d.close()
		return nil, err
	}
	if cfg.Device.Index < 0 || int(n) <= cfg.Device.Index {
		d.close()
		return nil, fmt.Errorf("%s: this machine has %d CUDA devices", cfg.Device, n)
	}
	var dev int32
	if err := d.check("cuDeviceGet", d.cuDeviceGet(&dev, l.ordinal)); err != nil {
		d.close()
		return nil, err
	}
	l.ordinal = dev
	name := make([]byte, 256)
	if d.cuDeviceGetName(&name[0], int32(len(name)), dev) == 0 {
		l.gpuName = cString(&name[0])
	}
	var sms, major, minor int32
	d.cuDeviceGetAttribute(&sms, cuAttrMultiprocessors, dev)
	d.cuDeviceGetAttribute(&major, cuAttrMajor, dev)
	d.cuDeviceGetAttribute(&minor, cuAttrMinor, dev)
	l.sms = max(1, int(sms))
	if target != nil {
		if err := checkSM(target.Arch, int(major), int(minor), cfg.Device, l.gpuName); err != nil {
			d.close()
			return nil, err
		}
	}
	if err := d.check("cuDevicePrimaryCtxRetain", d.cuDevicePrimaryCtxRetain(&l.ctx, dev)); err != nil {
		d.close()
		return nil, err
	}
	defer func() {
		if err != nil {
			d.cuDevicePrimaryCtxRelease(dev)
			d.close()
		}
	}()
	if err := d.check("cuCtxSetCurrent", d.cuCtxSetCurrent(l.ctx)); err != nil {
		return nil, err
	}
	if load {
		if err := l.loadPTX(sections[target.Section]); err != nil {
			return nil, err
		}
	}
	return l, nil
}

// checkSM refuses PTX for a newer GPU than the device (arch "sm_90").
func checkSM(arch string, major, minor int, dev Device, name string) error {
	want, err := strconv.Atoi(strings.TrimPrefix(arch, "sm_"))
	if err != nil || !strings.HasPrefix(arch, "sm_") {
		return fmt.Errorf("the cuda target is built for %q, which is not a compute capability", arch)
	}
	if have := major*10 + minor; have < want {
		return fmt.Errorf("the artifact's PTX is for %s, but %s (%s) is compute capability %d.%d: rebuild with -target cuda:sm_%d", arch, dev, name, major, minor, have)
	}
	return nil
}

// loadPTX loads the PTX text into a module; a JIT failure carries the driver's log.
func (l *cudaLauncher) loadPTX(ptx []byte) error {
	image := append(append([]byte{}, ptx...), 0)
	// The driver writes the JIT log through an address held as a uintptr,
	// which escape analysis does not see: pinning keeps the buffer on the
	// heap and in place (a stack buffer would move when the stack grows).
	log := make([]byte, 8192)
	var pin goruntime.Pinner
	pin.Pin(&log[0])
	defer pin.Unpin()
	opts := []int32{cuJitErrorLog, cuJitErrorLogSize}
	vals := []uintptr{uintptr(unsafe.Pointer(&log[0])), uintptr(len(log))}
	code := l.d.cuModuleLoadDataEx(&l.mod, &image[0], uint32(len(opts)), &opts[0], &vals[0])
	if err := l.d.check("cuModuleLoadDataEx", code); err != nil {
		msg := strings.TrimSpace(cString(&log[0]))
		if msg != "" {
			return fmt.Errorf("load PTX on %s: %w: %s", l.dev, err, msg)
		}
		return fmt.Errorf("load PTX on %s: %w", l.dev, err)
	}
	return nil
}

func (l *cudaLauncher) name() string {
	if l.gpuName != "" {
		return "GPU " + l.dev.String() + " (" + l.gpuName + ")"
	}
	return "GPU " + l.dev.String()
}

func (l *cudaLauncher) memory() Device { return l.dev }

func (l *cudaLauncher) resolve(e *artifact.Entry, contraction bool) (int, error) {
	if contraction {
		return 0, fmt.Errorf("entry %s is a contraction kernel, which the CUDA runtime does not launch", e.Symbol)
	}
	if e.ABI != artifact.ABIGrid {
		return 0, fmt.Errorf("entry %s has calling convention %q; the CUDA runtime calls %q", e.Symbol, e.ABI, artifact.ABIGrid)
	}
	if e.Block <= 0 || e.Block > 1024 || e.Block%32 != 0 {
		return 0, fmt.Errorf("entry %s has %d threads per block", e.Symbol, e.Block)
	}
	if l.mod == 0 {
		return 0, fmt.Errorf("no kernel code is loaded")
	}
	k := l.kernelOf(e)
	if k == nil {
		return 0, fmt.Errorf("entry %s names no kernel of the manifest", e.Symbol)
	}
	ck := cudaKernel{block: e.Block, rows: k.Kind == artifact.KindRows, bufs: len(k.Buffers)}
	for _, s := range k.Scalars {
		ck.scalars = append(ck.scalars, s.DType)
	}
	name := append([]byte(e.Symbol), 0)
	// Resolving runs after Load's setup has unlocked its thread: the context
	// must be made current on whichever thread this goroutine runs now.
	goruntime.LockOSThread()
	defer goruntime.UnlockOSThread()
	if err := l.current(); err != nil {
		return 0, err
	}
	if err := l.d.check("cuModuleGetFunction", l.d.cuModuleGetFunction(&ck.fn, l.mod, &name[0])); err != nil {
		return 0, fmt.Errorf("entry %s: %w", e.Symbol, err)
	}
	l.kernels = append(l.kernels, ck)
	return len(l.kernels) - 1, nil
}

func (l *cudaLauncher) kernelOf(e *artifact.Entry) *artifact.Kernel {
	for i := range l.man.Functions {
		f := &l.man.Functions[i]
		if f.Name != e.Function {
			continue
		}
		for j := range f.Kernels {
			if f.Kernels[j].Name == e.Kernel {
				return &f.Kernels[j]
			}
		}
	}
	return nil
}

func (l *cudaLauncher) newQueue() queue { return &cudaQueue{l: l} }

// close unloads the module and releases the primary context.
func (l *cudaLauncher) close() error {
	if l.d == nil {
		return nil
	}
	goruntime.LockOSThread()
	defer goruntime.UnlockOSThread()
	var err error
	if l.mod != 0 {
		l.d.cuCtxSetCurrent(l.ctx)
		err = l.d.check("cuModuleUnload", l.d.cuModuleUnload(l.mod))
		l.mod = 0
	}
	l.d.cuDevicePrimaryCtxRelease(l.ordinal)
	l.d.close()
	l.d = nil
	return err
}

// current makes the launcher's context current on this OS thread, which
// the caller has locked.
func (l *cudaLauncher) current() error {
	return l.d.check("cuCtxSetCurrent", l.d.cuCtxSetCurrent(l.ctx))
}

// cudaQueue is one Func's launch state on the GPU: its stream, its
// temporaries in device memory, and the parameter block of a launch.
type cudaQueue struct {
	l       *cudaLauncher
	stream  uintptr
	temps   uintptr // device arena for temporaries
	tempCap int64
	view    []byte           // host copy for hostView
	slots   []uint64         // one 8-byte slot per kernel parameter
	ptrs    []unsafe.Pointer // &slots[i], as cuLaunchKernel takes them
	pin     goruntime.Pinner
	err     error // a failure of placeTemps, reported by the next launch
}

// tempAlignGPU aligns temporaries for vector loads and coalescing.
const tempAlignGPU = 256

func (q *cudaQueue) placeTemps(size []int64, ptr []unsafe.Pointer) {
	if len(size) == 0 {
		return
	}
	end := int64(0)
	offs := make([]int64, len(size))
	for i, n := range size {
		offs[i] = end
		end = roundUp(end+n, tempAlignGPU)
	}
	if end > q.tempCap {
		goruntime.LockOSThread()
		defer goruntime.UnlockOSThread()
		if q.err = q.l.current(); q.err != nil {
			return
		}
		if q.temps != 0 {
			q.l.d.cuMemFree(q.temps)
			q.temps, q.tempCap = 0, 0
		}
		var p uintptr
		if q.err = q.l.d.check("cuMemAlloc", q.l.d.cuMemAlloc(&p, uintptr(end))); q.err != nil {
			q.err = fmt.Errorf("temporaries of %d bytes: %w", end, q.err)
			return
		}
		q.temps, q.tempCap = p, end
	}
	for i := range size {
		ptr[i] = devicePointer(q.temps + uintptr(offs[i]))
	}
}

// hostView copies n bytes of device memory at p to the host once the
// stream's earlier work is done.
func (q *cudaQueue) hostView(p unsafe.Pointer, n int64) (unsafe.Pointer, error) {
	goruntime.LockOSThread()
	defer goruntime.UnlockOSThread()
	if err := q.start(); err != nil {
		return nil, err
	}
	if int64(len(q.view)) < max(n, 1) {
		q.view = make([]byte, max(n, 1))
	}
	d := q.l.d
	if err := d.check("cuMemcpyDtoHAsync", d.cuMemcpyDtoHAsync(unsafe.Pointer(&q.view[0]), deviceAddress(p), uintptr(n), q.stream)); err != nil {
		return nil, err
	}
	if err := d.check("cuStreamSynchronize", d.cuStreamSynchronize(q.stream)); err != nil {
		return nil, err
	}
	return unsafe.Pointer(&q.view[0]), nil
}

// start makes the context current and creates the stream on first use.
func (q *cudaQueue) start() error {
	if q.err != nil {
		err := q.err
		q.err = nil
		return err
	}
	if err := q.l.current(); err != nil {
		return err
	}
	if q.stream == 0 {
		return q.l.d.check("cuStreamCreate", q.l.d.cuStreamCreate(&q.stream, 0))
	}
	return nil
}

// params packs launch l into q.slots: the unit count, each buffer's device
// address, each scalar in its parameter type (artifact.ABIGrid). l's slices
// are never empty (func.go), so they may hold one more element than k takes.
func (q *cudaQueue) params(k *cudaKernel, l *launch) {
	n := 1 + k.bufs + len(k.scalars)
	if cap(q.slots) < n {
		q.pin.Unpin()
		q.slots = make([]uint64, n)
		q.ptrs = make([]unsafe.Pointer, n)
		q.pin.Pin(&q.slots[0])
		q.pin.Pin(&q.ptrs[0])
		for i := range q.ptrs {
			q.ptrs[i] = unsafe.Pointer(&q.slots[i])
		}
	}
	q.slots[0] = uint64(l.count)
	for i, b := range l.bufs[:k.bufs] {
		q.slots[1+i] = uint64(b)
	}
	for i, x := range l.scalars[:len(k.scalars)] {
		q.slots[1+k.bufs+i] = scalarBits(k.scalars[i], x)
	}
}

// scalarBits is scalar x as kernel parameter bits of its dtype's parameter
// type, converted as ir.Convert converts (the CPU kernels convert the same
// way from the double they take): f32 for f32, f16 and bf16 (the kernel
// rounds those further), f64, s32, s64, u8.
func scalarBits(dtype string, x float64) uint64 {
	switch dtype {
	case "f32", "f16", "bf16":
		return uint64(math.Float32bits(float32(x)))
	case "f64":
		return math.Float64bits(x)
	case "i32":
		return uint64(uint32(int32(ir.Convert(x, ir.I32))))
	case "i64":
		return uint64(int64(ir.Convert(x, ir.I64)))
	case "bool":
		if x != 0 {
			return 1
		}
		return 0
	}
	return 0
}

// gridSize is the number of blocks of a launch: enough to cover the units,
// at most what keeps every multiprocessor busy (the kernels loop over the
// rest, with the same result for any grid).
func (q *cudaQueue) gridSize(k *cudaKernel, count int64) uint32 {
	limit := int64(q.l.sms) * 16
	blocks := (count + int64(k.block) - 1) / int64(k.block)
	if k.rows {
		limit, blocks = int64(q.l.sms)*8, count
	}
	return uint32(max(1, min(blocks, limit, math.MaxInt32)))
}

func (q *cudaQueue) launch(l *launch) error {
	goruntime.LockOSThread()
	defer goruntime.UnlockOSThread()
	if err := q.start(); err != nil {
		return err
	}
	k := &q.l.kernels[l.kernel]
	if len(l.bufs) < k.bufs || len(l.scalars) < len(k.scalars) {
		return fmt.Errorf("launch with %d buffers and %d scalars, the kernel takes %d and %d", len(l.bufs), len(l.scalars), k.bufs, len(k.scalars))
	}
	q.params(k, l)
	d := q.l.d
	code := d.cuLaunchKernel(k.fn, q.gridSize(k, l.count), 1, 1, uint32(k.block), 1, 1, 0, q.stream, unsafe.Pointer(&q.ptrs[0]), nil)
	return d.check("cuLaunchKernel", code)
}

// finish waits for the stream; an error in a kernel shows here.
func (q *cudaQueue) finish() error {
	if q.stream == 0 {
		return nil
	}
	goruntime.LockOSThread()
	defer goruntime.UnlockOSThread()
	if err := q.l.current(); err != nil {
		return err
	}
	return q.l.d.check("cuStreamSynchronize", q.l.d.cuStreamSynchronize(q.stream))
}

func (q *cudaQueue) release() {
	if q.l.d == nil {
		return
	}
	goruntime.LockOSThread()
	defer goruntime.UnlockOSThread()
	q.l.current()
	if q.temps != 0 {
		q.l.d.cuMemFree(q.temps)
		q.temps, q.tempCap = 0, 0
	}
	if q.stream != 0 {
		q.l.d.cuStreamDestroy(q.stream)
		q.stream = 0
	}
	q.pin.Unpin()
}
