// Package runtime loads dlc artifacts and runs their kernels from Go, without cgo.
// Every argument is checked before any kernel runs; then a launcher runs the kernels
// on its device. On the CPU, purego opens the kernel shared object, and each launch
// splits a kernel's units into chunks that an OpenMP team (one call into the object)
// or a fixed pool of goroutines shares. Programs using the runtime need nothing
// from the compiler: tensors carry a DType, and runtime/npy reads and writes .npy files.
package runtime

import (
	goruntime "runtime"

	"dlc.dev/dlc/internal/hostcpu"
)

// Config tunes how an artifact runs. The zero value is ready to use.
type Config struct {
	// Threads is the number of threads a kernel may use: the calling goroutine plus
	// Threads-1 pool workers. 0 means runtime.NumCPU().
	Threads int
	// MinChunk is the amount of work (domain elements times the widest buffer's
	// elements per domain element) below which a kernel runs on the calling goroutine
	// alone. 0 means DefaultMinChunk.
	MinChunk int
	// StreamBytes is how many bytes a loop kernel must write in one call
	// before the CPU launcher calls its entry point with streaming stores,
	// which bypass the caches (artifact.Entry.Stream), provided none of its
	// outputs shares memory with one of its inputs. 0 means DefaultStreamBytes
	// of this machine's last-level cache; negative means never.
	StreamBytes int64
	// GoPool splits a launch over goroutines of the runtime's own worker pool
	// even when the artifact's cpu target has an OpenMP entry point
	// (artifact.Target.Parallel), which is used otherwise: one call per
	// launch, whose chunks the threads of an OpenMP team share. The bits are
	// the same either way; RATIONALE.md ("Threads") gives the speeds.
	GoPool bool
	// Device is where the kernels run: the host (the zero value) runs the
	// artifact's cpu target, CUDADevice(i) its cuda target on GPU i, whose
	// tensors must then be in that GPU's memory (Artifact.ToDevice).
	Device Device
	// CUDALibrary is the CUDA driver library to open for a GPU;
	// DefaultCUDALibrary when empty.
	CUDALibrary string
}

// DefaultMinChunk is the MinChunk of a zero Config: below about 32K elements the
// cost of waking workers (microseconds) outweighs what they save.
const DefaultMinChunk = 1 << 15

// DefaultStreamBytes is the StreamBytes of a zero Config for a last-level
// cache of llc bytes (0: unknown, taken as 32 MiB): see RATIONALE.md.
func DefaultStreamBytes(llc int64) int64 {
	if llc <= 0 {
		llc = 32 << 20
	}
	return llc
}

// withDefaults fills the zero fields of c.
func (c Config) withDefaults() Config {
	if c.Threads <= 0 {
		c.Threads = goruntime.NumCPU()
	}
	if c.MinChunk <= 0 {
		c.MinChunk = DefaultMinChunk
	}
	if c.StreamBytes == 0 {
		c.StreamBytes = DefaultStreamBytes(hostcpu.ReadCaches().L3)
	}
	return c
}
