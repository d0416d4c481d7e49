// This file places the temporaries of a call (buffers between kernels) in one arena,
// allocated on the first call and reused while later calls fit in it.
package runtime

import "unsafe"

const (
	// tempAlign aligns every temporary to a cache line.
	tempAlign = 64
	// tempGap separates temporaries. Buffers exactly 2^k bytes apart share cache sets
	// and run at about half bandwidth (DESIGN.md); 4 KiB plus a line breaks that pattern.
	tempGap = 4096 + 64
)

// temps is the arena and where each temporary lies in it.
type temps struct {
	mem  []byte
	size []int64          // bytes of each temporary for this call
	off  []int64          // offset of each from the first aligned byte of mem
	ptr  []unsafe.Pointer // where each one starts
}

func (t *temps) init(n int) {
	t.size = make([]int64, n)
	t.off = make([]int64, n)
	t.ptr = make([]unsafe.Pointer, n)
}

// place lays the temporaries out for the current sizes, growing the arena if needed.
func (t *temps) place() {
	if len(t.size) == 0 {
		return
	}
	end := int64(0)
	for i, n := range t.size {
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
	for i := range t.size {
		t.ptr[i] = unsafe.Add(base, skew+t.off[i])
	}
}

func roundUp(x, a int64) int64 { return (x + a - 1) / a * a }
