// This file places the temporaries of a call (buffers between kernels) in one host
// arena, allocated on the first call and reused while later calls fit in it.
package runtime

import "unsafe"

const (
	// tempAlign aligns every temporary to a cache line.
	tempAlign = 64
	// tempGap separates temporaries. Buffers exactly 2^k bytes apart share cache sets
	// and run at about half bandwidth (DESIGN.md); 4 KiB plus a line breaks that pattern.
	tempGap = 4096 + 64
)

// temps is a host arena for temporaries.
type temps struct {
	mem []byte
	off []int64 // offset of each temporary from the first aligned byte of mem
}

// place lays out temporaries of the given sizes in bytes, growing the arena if
// needed, and sets ptr[i] to where temporary i starts.
func (t *temps) place(size []int64, ptr []unsafe.Pointer) {
	if len(size) == 0 {
		return
	}
	if len(t.off) != len(size) {
		t.off = make([]int64, len(size))
	}
	end := int64(0)
	for i, n := range size {
		if i > 0 {
			end = roundUp(end+tempGap, tempAlign)
		}
		t.off[i] = end
		end += n
	}
	// tempAlign more, to align the start; no temporary begins at the very end of mem,
	// where a pointer would point past the allocation.
	if need := end + tempAlign; int64(len(t.mem)) < need {
		t.mem = make([]byte, need)
	}
	base := unsafe.Pointer(unsafe.SliceData(t.mem))
	skew := roundUp(int64(uintptr(base)), tempAlign) - int64(uintptr(base))
	for i := range size {
		ptr[i] = unsafe.Add(base, skew+t.off[i])
	}
}

func roundUp(x, a int64) int64 { return (x + a - 1) / a * a }
