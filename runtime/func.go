// This file defines Func, one entry point of a loaded artifact, and Run, which checks
// a call's arguments and launches the function's kernels in order.
package runtime

import (
	"fmt"
	goruntime "runtime"
	"sync"
	"unsafe"
)

// Args are the arguments of one call, by name. Outputs are caller-allocated buffers
// with the shape the inputs imply; an output may be the very same buffer as an input
// (an in-place update) but must not partly overlap any other argument.
type Args struct {
	Inputs  map[string]Tensor
	Outputs map[string]Tensor
	Scalars map[string]float64 // missing ones take their defaults
}

// Func is one entry point. Run may be called from several goroutines; calls of the
// same Func are serialized (they share per-call scratch), calls of different Funcs
// run concurrently and share the artifact's workers.
type Func struct {
	a *Artifact
	p *plan

	mu sync.Mutex
	s  scratch // guarded by mu
}

// scratch is what one call needs besides its arguments, kept between calls so that
// a call with the same shapes as the last one allocates nothing.
type scratch struct {
	dims    []int64 // value of each symbolic dimension
	boundBy []int   // the input that bound each dimension
	in      []bound // per input
	out     []bound // per output
	scalars []float64
	host    hostValues
	temps   temps
	regions []region
	kbufs   [][]unsafe.Pointer // per kernel, its buffer pointers (the bufs ABI argument)
	kscal   [][]float64        // per kernel, its scalar values (the scalars ABI argument)
	job     job
	args    kernelArgs // the calling goroutine's argument block
}

// bound is one tensor argument after checking.
type bound struct {
	ptr   unsafe.Pointer
	elems int64
	bytes int64
}

func newFunc(a *Artifact, p *plan) *Func {
	f := &Func{a: a, p: p}
	s := &f.s
	s.dims = make([]int64, len(p.syms))
	s.boundBy = make([]int, len(p.syms))
	s.in = make([]bound, len(p.inputs))
	s.out = make([]bound, len(p.outputs))
	s.scalars = make([]float64, len(p.scalars))
	s.host.init(p)
	s.temps.init(len(p.temps))
	s.regions = make([]region, 0, len(p.inputs)+len(p.outputs))
	s.args = make(kernelArgs, 4)
	for _, k := range p.kernels {
		// Never empty, so &x[0] is always a valid argument.
		s.kbufs = append(s.kbufs, make([]unsafe.Pointer, max(1, len(k.bufs))))
		s.kscal = append(s.kscal, make([]float64, max(1, len(k.scalars))))
	}
	return f
}

// Name is the function's name.
func (f *Func) Name() string { return f.p.name }

// release drops the scratch memory of a closed artifact.
func (f *Func) release() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.s.temps = temps{}
}

// Run checks the arguments, then runs every kernel of the function in order. Nothing
// is written unless every check passes. The tensors' memory is not retained.
func (f *Func) Run(a Args) error {
	f.a.mu.RLock()
	defer f.a.mu.RUnlock()
	if f.a.closed {
		return fmt.Errorf("%s: artifact is closed", f.p.name)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	err := f.run(&a)
	f.s.clear()
	goruntime.KeepAlive(a)
	if err != nil {
		return fmt.Errorf("%s: %w", f.p.name, err)
	}
	return nil
}

// run does one call with f.mu held.
func (f *Func) run(a *Args) error {
	p, s := f.p, &f.s
	if err := f.bindTensors(a); err != nil {
		return err
	}
	if err := f.bindScalars(a); err != nil {
		return err
	}
	if err := f.checkOverlap(); err != nil {
		return err
	}
	if err := f.checkIndices(); err != nil {
		return err
	}
	if err := s.host.eval(p, s.scalars, s.dims); err != nil {
		return err
	}
	for i, t := range p.temps {
		s.temps.size[i] = elements(t.shape, s.dims) * int64(t.dtype.Size())
	}
	s.temps.place()

	for k := range p.kernels {
		kp := &p.kernels[k]
		count := elements(kp.units, s.dims)
		if count == 0 {
			continue
		}
		bufs, scal := s.kbufs[k], s.kscal[k]
		widest, written := int64(1), int64(0)
		for j, sl := range kp.bufs {
			var b bound
			switch sl.kind {
			case slotInput:
				b = s.in[sl.index]
			case slotOutput:
				b = s.out[sl.index]
			case slotTemp:
				b = bound{ptr: s.temps.ptr[sl.index], bytes: s.temps.size[sl.index]}
				b.elems = b.bytes / int64(p.temps[sl.index].dtype.Size())
			}
			bufs[j] = b.ptr
			widest = max(widest, b.elems)
			if kp.writes[j] {
				written += b.bytes
			}
		}
		for j, sc := range kp.scalars {
			switch sc.kind {
			case scalarHost:
				scal[j] = s.host.vals[sc.index]
			case scalarDim:
				scal[j] = float64(s.dims[sc.index])
			default:
				scal[j] = s.scalars[sc.index]
			}
		}
		// The work of one unit: what the kernel declares, or the widest buffer's
		// elements per unit, whichever is larger.
		inner := max(1, widest/count, elements(kp.work, s.dims))
		j := &s.job
		j.fn, j.count = kp.fn, count
		if f.streams(kp, bufs, written) {
			j.fn = kp.stream
		}
		j.bufs, j.scalars = unsafe.Pointer(&bufs[0]), unsafe.Pointer(&scal[0])
		j.chunk = chunkSize(count, inner, f.a.pool.threads, f.a.cfg.MinChunk)
		if j.chunk >= count {
			s.args.call(j.fn, 0, count, j.bufs, j.scalars)
		} else {
			f.a.pool.launch(j, s.args)
		}
	}
	return nil
}

// streams decides whether kernel kp, about to run on buffers bufs and write
// written bytes, uses its entry point with streaming stores: when it has
// one, writes more than StreamBytes, and no buffer it writes is one it
// reads (an in-place update, whose lines are in the cache already).
func (f *Func) streams(kp *kernelPlan, bufs []unsafe.Pointer, written int64) bool {
	limit := f.a.cfg.StreamBytes
	if kp.stream == 0 || limit < 0 || written <= limit {
		return false
	}
	for w, out := range bufs[:len(kp.bufs)] {
		if !kp.writes[w] {
			continue
		}
		for r, in := range bufs[:len(kp.bufs)] {
			if !kp.writes[r] && in == out {
				return false
			}
		}
	}
	return true
}

// clear drops every reference to the caller's memory.
func (s *scratch) clear() {
	for i := range s.in {
		s.in[i] = bound{}
	}
	for i := range s.out {
		s.out[i] = bound{}
	}
	for _, b := range s.kbufs {
		clear(b)
	}
	s.regions = s.regions[:0]
	s.job.bufs, s.job.scalars = nil, nil
}

// elements is the number of elements of a shape under bound dimensions.
func elements(shape []dim, dims []int64) int64 {
	n := int64(1)
	for _, d := range shape {
		if d.sym >= 0 {
			n *= dims[d.sym]
		} else {
			n *= d.n
		}
	}
	return n
}
