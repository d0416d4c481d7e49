// This file tests when a kernel runs its streaming entry point: only when it
// has one, writes more than Config.StreamBytes, and updates nothing in place.
package runtime

import (
	"testing"
	"unsafe"
)

func TestStreamsDecision(t *testing.T) {
	in, out, other := new([8]float32), new([8]float32), new([8]float32)
	kp := &kernelPlan{fn: 1, stream: 2, bufs: make([]slot, 3), writes: []bool{false, false, true}}
	outOfPlace := []unsafe.Pointer{unsafe.Pointer(in), unsafe.Pointer(other), unsafe.Pointer(out)}
	inPlace := []unsafe.Pointer{unsafe.Pointer(in), unsafe.Pointer(other), unsafe.Pointer(in)}
	f := func(limit int64) *Func { return &Func{a: &Artifact{cfg: Config{StreamBytes: limit}}} }
	for _, c := range []struct {
		what    string
		limit   int64
		bufs    []unsafe.Pointer
		written int64
		stream  uintptr
		want    bool
	}{
		{"large, out of place", 100, outOfPlace, 101, 2, true},
		{"at the threshold", 100, outOfPlace, 100, 2, false},
		{"in place", 100, inPlace, 1 << 30, 2, false},
		{"never", -1, outOfPlace, 1 << 30, 2, false},
		{"no streaming entry point", 100, outOfPlace, 1 << 30, 0, false},
	} {
		k := *kp
		k.stream = c.stream
		if got := f(c.limit).streams(&k, c.bufs, c.written); got != c.want {
			t.Errorf("%s: streams = %v, want %v", c.what, got, c.want)
		}
	}
	if d := DefaultStreamBytes(0); d != 32<<20 {
		t.Errorf("DefaultStreamBytes(unknown) = %d", d)
	}
}
