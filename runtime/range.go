// This file runs part of a function: Args.Range runs units [Begin, End) of
// a function's only kernel, a loop or loops kernel, such as the optimizer
// update of a train step, and lets the tensors hold only the elements that
// range touches. A data-parallel trainer that shards the optimizer state
// (ZeRO-1) updates its shard of the parameters this way, with the state of
// its shard alone in memory.
package runtime

import (
	"fmt"

	"dlc.dev/dlc/artifact"
)

// Range is a range of units of a kernel: elements of a loop kernel, and of
// a loops kernel's domain, its loops laid end to end (artifact.LoopPart).
//
// With a Range, a tensor whose Len is less than its shape's bytes holds
// only the elements the range touches: Data points at the first of them
// (element Begin − Offset of a loop of the loops kernel that starts at
// Offset, element Begin of a loop kernel's buffer) and Len covers them.
// A tensor the range does not touch may then be empty (Len 0).
type Range struct {
	Begin, End int64
}

// checkParts checks the loops of a loops kernel from the manifest: end to
// end from 0, every buffer index valid.
func checkParts(k *artifact.Kernel) error {
	if len(k.Parts) > 0 && k.Kind != artifact.KindLoops {
		return fmt.Errorf("a %s kernel has loops; only a loops kernel has", k.Kind)
	}
	var off int64
	for i, p := range k.Parts {
		if p.Offset != off || p.Size <= 0 {
			return fmt.Errorf("loop %d covers [%d, %d+%d); it must start at %d and be non-empty", i, p.Offset, p.Offset, p.Size, off)
		}
		off += p.Size
		for _, b := range p.Buffers {
			if b < 0 || b >= len(k.Buffers) {
				return fmt.Errorf("loop %d takes buffer %d of %d", i, b, len(k.Buffers))
			}
		}
	}
	return nil
}

// bindRange checks r against the function and the bound tensors and works
// out the address of element 0 of each buffer of the kernel; a short
// tensor's lies before its memory, and the kernel reads only elements of
// the range. Without r, every tensor must be whole (checkSize saw to it).
func (f *Func) bindRange(r *Range) error {
	p, s := f.p, &f.s
	if r == nil {
		return nil
	}
	if f.a.dev.memory() != (Device{Kind: Host}) {
		return fmt.Errorf("Range runs on the CPU only, not on the %s", f.a.dev.name())
	}
	if len(p.kernels) != 1 || (p.kernels[0].kind != artifact.KindLoop && p.kernels[0].kind != artifact.KindLoops && p.kernels[0].kind != "") {
		return fmt.Errorf("Range runs a function of one loop or loops kernel; this one has %d kernels", len(p.kernels))
	}
	kp := &p.kernels[0]
	count := elements(kp.units, s.dims)
	if r.Begin < 0 || r.End < r.Begin || r.End > count {
		return fmt.Errorf("Range [%d, %d) is not within its kernel's %d units", r.Begin, r.End, count)
	}
	if kp.kind == artifact.KindLoops && len(kp.parts) == 0 {
		return fmt.Errorf("Range needs the loops of the kernel, which this artifact does not record; rebuild it with this dlc")
	}
	if cap(s.base) < len(kp.bufs) {
		s.base = make([]uintptr, len(kp.bufs))
	}
	s.base = s.base[:len(kp.bufs)]
	for j, sl := range kp.bufs {
		var b bound
		var spec *tensorSpec
		switch sl.kind {
		case slotInput:
			b, spec = s.in[sl.index], &p.inputs[sl.index]
		case slotOutput:
			b, spec = s.out[sl.index], &p.outputs[sl.index]
		default:
			return fmt.Errorf("Range runs a kernel without temporaries")
		}
		lo, hi := f.touched(kp, j, b.elems, *r)
		s.base[j] = uintptr(b.ptr)
		if !b.short {
			continue
		}
		size := int64(spec.dtype.Size())
		if hi > lo && b.bytes < (hi-lo)*size {
			what := "input"
			if sl.kind == slotOutput {
				what = "output"
			}
			return fmt.Errorf("%s %s holds %d bytes; units [%d, %d) touch its elements [%d, %d), %d bytes", what, spec.name, b.bytes, r.Begin, r.End, lo, hi, (hi-lo)*size)
		}
		s.base[j] = uintptr(b.ptr) - uintptr(lo*size)
	}
	s.rng, s.ranged = *r, true
	return nil
}

// touched is the range of elements [lo, hi) of buffer j of kernel kp, of
// elems elements, that units r touch: the part of r within each loop the
// buffer belongs to when it has the loop's size, else the whole buffer
// when r touches such a loop at all.
func (f *Func) touched(kp *kernelPlan, j int, elems int64, r Range) (lo, hi int64) {
	if kp.kind != artifact.KindLoops {
		if elems == elements(kp.units, f.s.dims) {
			return r.Begin, r.End
		}
		return 0, elems
	}
	lo, hi = elems, 0
	for _, part := range kp.parts {
		b, e := max(r.Begin, part.Offset), min(r.End, part.Offset+part.Size)
		if b >= e || !containsInt(part.Buffers, j) {
			continue
		}
		if elems != part.Size {
			return 0, elems
		}
		lo, hi = min(lo, b-part.Offset), max(hi, e-part.Offset)
	}
	if hi <= lo {
		return 0, 0
	}
	return lo, hi
}

func containsInt(xs []int, x int) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}
