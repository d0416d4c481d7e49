// This file defines Func, one entry point of a loaded artifact, and Run, which checks
// a call's arguments and hands the function's kernels, in order, to the launcher.
package runtime

import (
	"fmt"
	goruntime "runtime"
	"sync"
	"unsafe"

	"dlc.dev/dlc/internal/gemm"
)

// Args are the arguments of one call, by name. Outputs are caller-allocated buffers
// with the shape the inputs imply; an output may be the very same buffer as an input
// (an in-place update) but must not partly overlap any other argument.
type Args struct {
	Inputs  map[string]Tensor
	Outputs map[string]Tensor
	Scalars map[string]float64 // missing ones take their defaults
	// Range, when not nil, runs only units [Begin, End) of the function's
	// kernel, which must be its only kernel and a loop or loops kernel (an
	// optimizer update), on the CPU: the update of one shard of a model's
	// parameters (range.go).
	Range *Range
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
	dims     []int64 // value of each symbolic dimension
	boundBy  []int   // the input that bound each dimension
	in       []bound // per input
	out      []bound // per output
	scalars  []float64
	host     hostValues
	tempSize []int64          // bytes of each temporary in this call
	tempPtr  []unsafe.Pointer // where the launcher placed each temporary
	regions  []region
	kbufs    [][]uintptr // per kernel, its buffer addresses (the caller's Args keep the memory alive)
	kscal    [][]float64 // per kernel, its scalar values
	rng      Range       // the units to run when ranged is set
	ranged   bool
	base     []uintptr // with Range: the address of element 0 of each buffer of the kernel
	launch   launch
	gemm     gemmCall // the size of the contraction being launched
	q        queue    // the launcher's state for this Func
}

// bound is one tensor argument after checking.
type bound struct {
	ptr   unsafe.Pointer
	elems int64
	bytes int64
	// short marks a tensor that holds only the elements Args.Range touches
	// (bytes is then its Len).
	short bool
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
	s.tempSize = make([]int64, len(p.temps))
	s.tempPtr = make([]unsafe.Pointer, len(p.temps))
	s.regions = make([]region, 0, len(p.inputs)+len(p.outputs))
	s.q = a.dev.newQueue()
	for _, k := range p.kernels {
		// Never empty, so &x[0] is always a valid argument. A contraction
		// takes the workspace and its blocking after its own arguments.
		nb, ns := len(k.bufs), len(k.scalars)
		if k.gemm != nil {
			nb, ns = nb+1, ns+gemm.NumScalars
		}
		s.kbufs = append(s.kbufs, make([]uintptr, max(1, nb)))
		s.kscal = append(s.kscal, make([]float64, max(1, ns)))
	}
	return f
}

// Name is the function's name.
func (f *Func) Name() string { return f.p.name }

// release drops the scratch memory of a closed artifact.
func (f *Func) release() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.s.q.release()
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

// run does one call with f.mu held: every check first, then the launches.
func (f *Func) run(a *Args) error {
	p, s := f.p, &f.s
	if err := f.bindTensors(a); err != nil {
		return err
	}
	if err := f.bindRange(a.Range); err != nil {
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
		s.tempSize[i] = elements(t.shape, s.dims) * int64(t.dtype.Size())
	}
	s.q.placeTemps(s.tempSize, s.tempPtr)
	for k := range p.kernels {
		if f.bindKernel(k) {
			if err := s.q.launch(&s.launch); err != nil {
				return fmt.Errorf("kernel %s: %w", p.kernels[k].name, err)
			}
		}
	}
	return s.q.finish()
}

// bindKernel fills s.launch for kernel k: its buffers, scalars, units, the work
// of one unit and the bytes it writes. It reports false when the kernel has no
// units to run.
func (f *Func) bindKernel(k int) bool {
	p, s := f.p, &f.s
	kp := &p.kernels[k]
	count, begin := elements(kp.units, s.dims), int64(0)
	if s.ranged {
		begin, count = s.rng.Begin, s.rng.End-s.rng.Begin
	}
	var gc *gemmCall
	if g := kp.gemm; g != nil {
		gc = &s.gemm
		gc.shape = gemm.Shape{Batch: elements(g.batch, s.dims), M: elements(g.m, s.dims), N: elements(g.n, s.dims), K: elements(g.k, s.dims)}
		gc.elemSize = g.elemSize
		// Every element of the result is written, even when K is 0.
		count = gc.shape.Batch * gc.shape.M * gc.shape.N
	}
	if count == 0 {
		return false
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
			b = bound{ptr: s.tempPtr[sl.index], elems: elements(p.temps[sl.index].shape, s.dims), bytes: s.tempSize[sl.index]}
		}
		bufs[j] = uintptr(b.ptr)
		if s.ranged {
			bufs[j] = s.base[j]
		}
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
	s.launch = launch{kernel: kp.entry, begin: begin, count: count, work: max(1, widest/count, elements(kp.work, s.dims)),
		bufs: bufs, scalars: scal, writes: kp.writes, written: written, gemm: gc}
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
	s.launch = launch{}
	s.ranged = false
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
