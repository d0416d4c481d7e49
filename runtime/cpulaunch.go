// This file is the CPU launcher: it opens the shared object of an artifact's cpu
// target with purego, resolves kernel symbols, chooses per launch between a
// kernel's ordinary entry point and its streaming one, and runs each launch on the
// calling goroutine or split into chunks over several threads: an OpenMP team
// through the object's parallel entry point, or the Go worker pool.
package runtime

import (
	"fmt"
	"os"
	"strings"
	"unsafe"

	"github.com/ebitengine/purego"

	"dlc.dev/dlc/artifact"
	"dlc.dev/dlc/internal/hostcpu"
)

// cpuLauncher runs kernels of a shared object on the host CPU.
type cpuLauncher struct {
	target      *artifact.Target // nil when the artifact has no cpu target
	lib         uintptr          // dlopen handle; 0 when no code was loaded
	threads     int              // Config.Threads
	par         uintptr          // the parallel entry point (artifact.Target.Parallel); 0: use pool
	pool        *pool            // the Go worker pool when par is 0 and threads > 1
	minChunk    int
	streamBytes int64      // Config.StreamBytes: a launch writing more may stream its stores
	fns         []uintptr  // resolved entry points, by kernel index
	streams     []uintptr  // the entry points with streaming stores, by kernel index; 0: none
	gemms       []*cpuGemm // what plans a contraction's calls, by kernel index; nil for other kernels
}

// newCPULauncher checks that this machine can run target's code and loads it when
// load is set (the artifact has kernels). target may be nil only when load is not set.
func newCPULauncher(target *artifact.Target, sections map[string][]byte, load bool, cfg Config) (*cpuLauncher, error) {
	l := &cpuLauncher{target: target, threads: cfg.Threads, minChunk: cfg.MinChunk, streamBytes: cfg.StreamBytes}
	if target != nil {
		if err := checkTriple(target.Triple); err != nil {
			return nil, err
		}
		if len(target.Features) > 0 {
			flags, err := hostcpu.Flags()
			if err != nil {
				return nil, err
			}
			if err := checkCPU(target.Features, flags); err != nil {
				return nil, err
			}
		}
	}
	if load {
		var err error
		if target.Parallel != "" {
			if err := openOpenMP(); err != nil {
				return nil, err
			}
		}
		if l.lib, err = openObject(sections[target.Section]); err != nil {
			return nil, err
		}
		if target.Parallel != "" && !cfg.GoPool && cfg.Threads > 1 {
			if l.par, err = purego.Dlsym(l.lib, target.Parallel); err != nil {
				purego.Dlclose(l.lib)
				return nil, fmt.Errorf("symbol %s is missing from %s", target.Parallel, target.Section)
			}
		}
	}
	if l.par == 0 {
		l.pool = newPool(cfg.Threads)
	}
	return l, nil
}

func (l *cpuLauncher) name() string { return "CPU" }

func (l *cpuLauncher) memory() Device { return Device{Kind: Host} }

func (l *cpuLauncher) resolve(e *artifact.Entry, contraction bool) (int, error) {
	if e.ABI != artifact.ABIChunk {
		return 0, fmt.Errorf("entry %s has calling convention %q; the CPU runtime calls %q", e.Symbol, e.ABI, artifact.ABIChunk)
	}
	if l.lib == 0 {
		return 0, fmt.Errorf("no kernel code is loaded")
	}
	fn, err := purego.Dlsym(l.lib, e.Symbol)
	if err != nil {
		return 0, fmt.Errorf("symbol %s is missing from %s", e.Symbol, l.target.Section)
	}
	var stream uintptr
	if e.Stream != "" {
		if stream, err = purego.Dlsym(l.lib, e.Stream); err != nil {
			return 0, fmt.Errorf("symbol %s is missing from %s", e.Stream, l.target.Section)
		}
	}
	var g *cpuGemm
	if contraction {
		if g, err = l.resolveGemm(e); err != nil {
			return 0, err
		}
	}
	l.fns = append(l.fns, fn)
	l.streams = append(l.streams, stream)
	l.gemms = append(l.gemms, g)
	return len(l.fns) - 1, nil
}

// entryPoint is what launch ln calls: the kernel's entry point with streaming
// stores when it has one, writes more than streamBytes, and writes no buffer it
// also reads (an in-place update, whose lines the kernel has just brought into
// the cache); else its ordinary one. Both compute the same bits.
func (l *cpuLauncher) entryPoint(ln *launch) uintptr {
	fn, stream := l.fns[ln.kernel], l.streams[ln.kernel]
	if stream == 0 || l.streamBytes < 0 || ln.written <= l.streamBytes {
		return fn
	}
	for w, out := range ln.writes {
		if !out {
			continue
		}
		for r, in := range ln.writes {
			if !in && ln.bufs[r] == ln.bufs[w] {
				return fn
			}
		}
	}
	return stream
}

func (l *cpuLauncher) newQueue() queue {
	return &cpuQueue{l: l, args: make(kernelArgs, 4), pargs: make(kernelArgs, 7)}
}

// openOpenMP opens OpenMP's runtime, which a kernel object with a parallel
// entry point needs, and never closes it: a team's threads keep running its
// code for a while after a launch (they spin before they sleep), so it must
// stay mapped after the last kernel object that used it is unloaded.
// dlopen counts the opens of a library, so each load adds one that is never
// taken back.
func openOpenMP() error {
	if _, err := purego.Dlopen("libgomp.so.1", purego.RTLD_NOW|purego.RTLD_GLOBAL); err != nil {
		return fmt.Errorf("load OpenMP's runtime, which the kernel object is linked against: %w (install libgomp1, part of GCC)", err)
	}
	return nil
}

// close stops the workers and unloads the shared object.
func (l *cpuLauncher) close() error {
	if l.pool != nil {
		l.pool.stop()
	}
	if l.lib == 0 {
		return nil
	}
	err := purego.Dlclose(l.lib)
	l.lib = 0
	if err != nil {
		return fmt.Errorf("unload kernel object: %w", err)
	}
	return nil
}

// openObject writes the shared object to a temporary file, opens it and removes the
// file at once: the mapping stays valid, and nothing is left behind after a crash.
func openObject(so []byte) (uintptr, error) {
	f, err := os.CreateTemp("", "dlc-*.so")
	if err != nil {
		return 0, fmt.Errorf("write kernel object: %w", err)
	}
	name := f.Name()
	defer os.Remove(name)
	_, err = f.Write(so)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return 0, fmt.Errorf("write kernel object: %w", err)
	}
	h, err := purego.Dlopen(name, purego.RTLD_NOW|purego.RTLD_LOCAL)
	if err != nil {
		hint := ""
		if strings.Contains(err.Error(), "map segment") || strings.Contains(err.Error(), "not permitted") {
			hint = " (is the temporary directory mounted noexec? point TMPDIR elsewhere)"
		}
		return 0, fmt.Errorf("load kernel object: %w%s", err, hint)
	}
	return h, nil
}

// cpuQueue is one Func's launch state on the CPU.
type cpuQueue struct {
	l     *cpuLauncher
	temps temps
	job   job
	args  kernelArgs // the calling goroutine's argument block
	pargs kernelArgs // the argument block of a call of the parallel entry point
	ws    []byte     // the workspace of contractions, grown as calls need
}

func (q *cpuQueue) placeTemps(size []int64, ptr []unsafe.Pointer) { q.temps.place(size, ptr) }

// hostView returns p: CPU kernels take host memory, which the process reads directly.
func (q *cpuQueue) hostView(p unsafe.Pointer, n int64) (unsafe.Pointer, error) { return p, nil }

// launch runs the kernel to completion, on the calling goroutine alone when the work
// is small, else in chunks over the pool.
func (q *cpuQueue) launch(l *launch) error {
	if l.gemm != nil {
		return q.launchGemm(l)
	}
	j := &q.job
	j.fn, j.begin, j.count = q.l.entryPoint(l), l.begin, l.count
	j.bufs, j.scalars = unsafe.Pointer(&l.bufs[0]), unsafe.Pointer(&l.scalars[0])
	j.chunk = chunkSize(l.count, l.work, q.l.threads, q.l.minChunk)
	if j.chunk >= l.count {
		q.args.call(j.fn, l.begin, l.begin+l.count, j.bufs, j.scalars)
	} else {
		q.split(j, q.l.threads)
	}
	j.bufs, j.scalars = nil, nil
	return nil
}

// split runs job j over threads threads (more than one): one call of the
// parallel entry point, whose OpenMP team claims the chunks, or the Go pool.
func (q *cpuQueue) split(j *job, threads int) {
	if q.l.par == 0 {
		q.l.pool.launch(j, q.args)
		return
	}
	a := q.pargs
	a[0], a[1], a[2], a[3] = j.fn, uintptr(j.begin), uintptr(j.count), uintptr(j.chunk)
	a[4], a[5], a[6] = uintptr(j.bufs), uintptr(j.scalars), uintptr(threads)
	purego.SyscallN(q.l.par, a...)
	clear(a)
}

// finish returns at once: launch runs every kernel to completion.
func (q *cpuQueue) finish() error { return nil }

func (q *cpuQueue) release() { q.temps, q.ws = temps{}, nil }
