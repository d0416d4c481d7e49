// This file is the CPU worker pool: a fixed set of goroutines, started at Load and
// stopped at Close, that help the calling goroutine work through a kernel's chunks.
package runtime

import (
	"sync"
	"sync/atomic"
	"unsafe"

	"github.com/ebitengine/purego"
)

// chunksPerThread is how many chunks a launch aims for per thread: more than one, so
// a thread that is descheduled or slower does not hold everyone up, but few enough that
// the per-call cost (about a microsecond) stays small against a chunk's work.
const chunksPerThread = 4

// pool is a fixed set of worker goroutines.
type pool struct {
	threads int       // workers plus the calling goroutine
	work    chan *job // a job is sent once per helper it should get
	done    sync.WaitGroup
}

// job is one kernel launch, split into chunks that threads claim with an atomic counter.
type job struct {
	fn      uintptr
	bufs    unsafe.Pointer // *[n]uintptr, the buffers kept alive by the caller
	scalars unsafe.Pointer // *[m]float64
	begin   int64          // the first unit
	count   int64          // units: the job runs [begin, begin+count)
	chunk   int64          // units per chunk
	next    atomic.Int64   // next chunk to claim
	helpers sync.WaitGroup // workers that hold the job
}

// newPool starts threads-1 workers; the goroutine that calls launch is the last thread.
func newPool(threads int) *pool {
	p := &pool{threads: threads, work: make(chan *job, threads)}
	for range threads - 1 {
		p.done.Add(1)
		go p.worker()
	}
	return p
}

func (p *pool) worker() {
	defer p.done.Done()
	args := make(kernelArgs, 4)
	for {
		// No job stays referenced between launches, so an unclosed Artifact can be collected.
		j, ok := <-p.work
		if !ok {
			return
		}
		j.runChunks(args)
		j.helpers.Done()
	}
}

// stop ends the workers once they finish what they hold. No launch may be running.
func (p *pool) stop() {
	close(p.work)
	p.done.Wait()
}

// launch runs j over its whole domain and returns when every chunk is done, using
// args for the calling goroutine's calls. It never blocks on busy workers: a helper
// that cannot be handed the job is simply not used.
func (p *pool) launch(j *job, args kernelArgs) {
	chunks := (j.count + j.chunk - 1) / j.chunk
	want := min(int64(p.threads-1), chunks-1)
	j.next.Store(0)
	for range want {
		j.helpers.Add(1)
		select {
		case p.work <- j:
		default:
			j.helpers.Done()
		}
	}
	j.runChunks(args)
	j.helpers.Wait()
}

// runChunks claims and runs chunks until none are left.
func (j *job) runChunks(args kernelArgs) {
	for {
		c := j.next.Add(1) - 1
		begin := c * j.chunk
		if begin >= j.count {
			return
		}
		args.call(j.fn, j.begin+begin, j.begin+min(begin+j.chunk, j.count), j.bufs, j.scalars)
	}
}

// kernelArgs is one thread's argument block for kernel calls. purego.SyscallN is
// //go:uintptrescapes, so a variadic call builds its argument slice on the heap
// every time; passing a slice made once per thread avoids that allocation.
type kernelArgs []uintptr

// call calls void fn(int64 begin, int64 end, void **bufs, const double *scalars).
// bufs and scalars point into scratch that the caller keeps alive for the call, and
// Go heap memory does not move, so holding them as uintptr during the call is safe.
func (a kernelArgs) call(fn uintptr, begin, end int64, bufs, scalars unsafe.Pointer) {
	a[0], a[1], a[2], a[3] = uintptr(begin), uintptr(end), uintptr(bufs), uintptr(scalars)
	purego.SyscallN(fn, a...)
	clear(a)
}

// chunkSize decides how to split a launch of count domain elements, each touching
// inner elements of its widest buffer. It returns count (one call on the calling
// goroutine) when the work is below minChunk or there is one thread. Chunk boundaries
// fall on multiples of 64 elements of the widest buffer, so threads never share a
// cache line of an elementwise output and vector loops start aligned.
func chunkSize(count, inner int64, threads, minChunk int) int64 {
	if threads <= 1 || count <= 1 || count*inner < int64(minChunk) {
		return count
	}
	align := max(1, (64+inner-1)/inner)
	chunk := (count + int64(threads*chunksPerThread) - 1) / int64(threads*chunksPerThread)
	// No chunk smaller than an eighth of minChunk's work: below that the call costs more than it saves.
	chunk = max(chunk, int64(minChunk)/8/inner)
	chunk = (chunk + align - 1) / align * align
	return min(chunk, count)
}
