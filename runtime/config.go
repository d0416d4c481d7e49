// Package runtime loads dlc artifacts and runs their kernels from Go, without cgo.
// Every argument is checked before any kernel runs; then a launcher runs the kernels
// on its device. On the CPU, purego opens the kernel shared object and a fixed worker
// pool splits each kernel's units into chunks. Programs using the runtime need nothing
// from the compiler: tensors carry a DType, and runtime/npy reads and writes .npy files.
package runtime

import goruntime "runtime"

// Config tunes how an artifact runs. The zero value is ready to use.
type Config struct {
	// Threads is the number of threads a kernel may use: the calling goroutine plus
	// Threads-1 pool workers. 0 means runtime.NumCPU().
	Threads int
	// MinChunk is the amount of work (domain elements times the widest buffer's
	// elements per domain element) below which a kernel runs on the calling goroutine
	// alone. 0 means DefaultMinChunk.
	MinChunk int
}

// DefaultMinChunk is the MinChunk of a zero Config: below about 32K elements the
// cost of waking workers (microseconds) outweighs what they save.
const DefaultMinChunk = 1 << 15

// withDefaults fills the zero fields of c.
func (c Config) withDefaults() Config {
	if c.Threads <= 0 {
		c.Threads = goruntime.NumCPU()
	}
	if c.MinChunk <= 0 {
		c.MinChunk = DefaultMinChunk
	}
	return c
}
