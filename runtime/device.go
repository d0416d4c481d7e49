// This file defines Device, where a tensor's memory is, and the launcher interfaces
// through which a loaded artifact runs kernels on a device. Checking arguments and
// planning a call (check.go, overlap.go, plan.go, func.go) do not depend on the
// device: they hand a launcher resolved kernels and checked pointers. The CPU worker
// pool (cpulaunch.go) is one launcher; the CUDA launcher (cudalaunch.go) is the other.
package runtime

import (
	"fmt"
	"unsafe"

	"dlc.dev/dlc/artifact"
	"dlc.dev/dlc/internal/gemm"
)

// Device says where a tensor's memory is. The zero value is host memory, the memory
// CPU kernels read and write.
type Device struct {
	Kind  DeviceKind
	Index int // which device of its kind, e.g. a CUDA device ordinal; 0 for the host
}

// DeviceKind is a kind of memory.
type DeviceKind uint8

const (
	// Host is ordinary process memory (a Go slice, or memory from mmap or C).
	Host DeviceKind = iota
	// CUDA is the memory of a CUDA device; Data holds a device address (CUdeviceptr).
	CUDA
)

// CUDADevice returns the Device of the memory of CUDA device i.
func CUDADevice(i int) Device { return Device{Kind: CUDA, Index: i} }

// String names the device: "host" or "cuda:0".
func (d Device) String() string {
	switch d.Kind {
	case Host:
		if d.Index == 0 {
			return "host"
		}
	case CUDA:
		return fmt.Sprintf("cuda:%d", d.Index)
	}
	return fmt.Sprintf("device(%d):%d", d.Kind, d.Index)
}

// launcher runs the kernels of one target section on its device.
type launcher interface {
	// name says what runs the kernels, for messages: "CPU".
	name() string
	// memory is where every buffer a kernel takes must be.
	memory() Device
	// resolve finds the code of one kernel entry, at load time, and returns its
	// index in the launcher's kernel table. contraction says the kernel is a
	// contraction, whose entry must say how the launcher plans its calls.
	resolve(e *artifact.Entry, contraction bool) (int, error)
	// newQueue makes the launch state of one Func.
	newQueue() queue
	// close releases the device's code and workers. No launch may be running.
	close() error
}

// queue launches the kernels of one Func. Calls of a Func are serialized, so a queue
// serves one call at a time; it keeps what launches reuse (temporaries, argument
// blocks), so that a call like the last one allocates nothing.
type queue interface {
	// placeTemps lays out temporaries of the given sizes in bytes in device memory
	// and sets ptr[i] to where temporary i starts, reusing memory of earlier calls.
	placeTemps(size []int64, ptr []unsafe.Pointer)
	// hostView returns a host address where n bytes of device memory at p can be
	// read until the next call of hostView or launch: p itself for host memory.
	// Index checks read index inputs through it before any kernel runs.
	hostView(p unsafe.Pointer, n int64) (unsafe.Pointer, error)
	// launch runs (or enqueues) one kernel.
	launch(l *launch) error
	// finish returns once every kernel launched so far has completed.
	finish() error
	// release drops the queue's memory; the queue is not used again.
	release()
}

// launch is one kernel launch after every check: what any launcher needs.
type launch struct {
	kernel  int       // index in the launcher's kernel table
	begin   int64     // the first unit: the launch runs units [begin, begin+count)
	count   int64     // units
	work    int64     // estimated work of one unit, for deciding how to split
	bufs    []uintptr // address of each buffer's element 0, in the kernel's order
	scalars []float64 // each scalar argument, in the kernel's order
	writes  []bool    // per buffer: the kernel writes it (the others it only reads)
	written int64     // bytes of the buffers the kernel writes, in this launch
	// gemm is the size of a contraction kernel's call, which the launcher
	// plans (internal/gemm); nil for other kernels. bufs then has a last slot
	// for the workspace and scalars gemm.NumScalars last slots for the
	// blocking, which the launcher fills.
	gemm *gemmCall
}

// gemmCall is one call of a contraction kernel.
type gemmCall struct {
	shape    gemm.Shape
	elemSize int64 // bytes of one accumulator element
}
