// This file checks that the buffers of one call do not overlap in ways the kernels
// cannot handle: an output may be exactly an input (an in-place update), read-only
// inputs may share memory freely, and nothing else may touch a buffer that is written.
package runtime

import (
	"cmp"
	"fmt"
	"slices"
)

// region is the memory one tensor argument occupies.
type region struct {
	start, end uintptr
	output     bool // else an input
	index      int
	written    bool
}

func cmpRegion(a, b region) int {
	if c := cmp.Compare(a.start, b.start); c != 0 {
		return c
	}
	if c := cmp.Compare(a.end, b.end); c != 0 {
		return c
	}
	// Inputs first, then by position: messages do not depend on the sort.
	if a.output != b.output {
		if a.output {
			return 1
		}
		return -1
	}
	return cmp.Compare(a.index, b.index)
}

// checkOverlap sorts the argument regions by address and sweeps them once, so a call
// with hundreds of tensors (one optimizer launch over a whole model) stays cheap.
func (f *Func) checkOverlap() error {
	p, s := f.p, &f.s
	rs := s.regions[:0]
	add := func(b bound, output bool, i int, written bool) {
		if b.bytes > 0 {
			start := uintptr(b.ptr)
			rs = append(rs, region{start: start, end: start + uintptr(b.bytes), output: output, index: i, written: written})
		}
	}
	for i, b := range s.in {
		add(b, false, i, p.inputs[i].written)
	}
	for i, b := range s.out {
		add(b, true, i, true)
	}
	s.regions = rs
	slices.SortFunc(rs, cmpRegion)

	// maxAny and maxWritten are the regions reaching furthest among those that start
	// before the current group of regions with one start address.
	maxAny, maxWritten := -1, -1
	for g := 0; g < len(rs); {
		h := g
		for h < len(rs) && rs[h].start == rs[g].start {
			h++
		}
		for i := g; i < h; i++ {
			r := &rs[i]
			if maxWritten >= 0 && r.start < rs[maxWritten].end {
				return f.overlapError(&rs[maxWritten], r)
			}
			if r.written && maxAny >= 0 && r.start < rs[maxAny].end {
				return f.overlapError(&rs[maxAny], r)
			}
			for j := g; j < i; j++ {
				if err := f.sameStart(&rs[j], r); err != nil {
					return err
				}
			}
		}
		for i := g; i < h; i++ {
			if maxAny < 0 || rs[i].end > rs[maxAny].end {
				maxAny = i
			}
			if rs[i].written && (maxWritten < 0 || rs[i].end > rs[maxWritten].end) {
				maxWritten = i
			}
		}
		g = h
	}
	return nil
}

// sameStart judges two regions that begin at the same address.
func (f *Func) sameStart(a, b *region) error {
	if !a.written && !b.written {
		return nil
	}
	if a.end != b.end {
		return f.overlapError(a, b)
	}
	// Exactly the same memory: only an output over an input it may replace.
	if a.output == b.output {
		return fmt.Errorf("%s and %s are the same buffer; a written buffer needs its own memory", f.regionName(a), f.regionName(b))
	}
	in, out := a, b
	if a.output {
		in, out = b, a
	}
	ip, op := &f.p.inputs[in.index], &f.p.outputs[out.index]
	switch {
	case ip.dtype != op.dtype:
		return fmt.Errorf("output %s (%s) shares memory with input %s (%s); an in-place update needs one dtype", op.name, op.dtype, ip.name, ip.dtype)
	case f.p.reread[out.index][in.index]:
		return fmt.Errorf("output %s shares memory with input %s, but the kernel writing %s reads %s again after writing some of %s (a later pass over a row, a gather, a matrix product); pass separate buffers", op.name, ip.name, op.name, ip.name, op.name)
	case !f.p.aliasOK[out.index][in.index]:
		return fmt.Errorf("output %s shares memory with input %s, but a later kernel reads %s after %s is written; pass separate buffers", op.name, ip.name, ip.name, op.name)
	}
	return nil
}

func (f *Func) overlapError(a, b *region) error {
	return fmt.Errorf("%s [%#x, %#x) and %s [%#x, %#x) overlap partially; a written buffer may only be shared exactly, by an output with an input",
		f.regionName(a), a.start, a.end, f.regionName(b), b.start, b.end)
}

func (f *Func) regionName(r *region) string {
	if r.output {
		return "output " + f.p.outputs[r.index].name
	}
	return "input " + f.p.inputs[r.index].name
}
