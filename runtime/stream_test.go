// This file tests when the CPU launcher calls a kernel's streaming entry point:
// only when it has one, writes more than Config.StreamBytes, and updates nothing
// in place; and that loading a compiled loop kernel resolves that entry point.
package runtime

import (
	"os"
	"testing"
	"unsafe"

	"dlc.dev/dlc/artifact"
)

func TestStreamingEntryPoint(t *testing.T) {
	in, out, other := new([8]float32), new([8]float32), new([8]float32)
	outOfPlace := []uintptr{uintptr(unsafe.Pointer(in)), uintptr(unsafe.Pointer(other)), uintptr(unsafe.Pointer(out))}
	inPlace := []uintptr{uintptr(unsafe.Pointer(in)), uintptr(unsafe.Pointer(other)), uintptr(unsafe.Pointer(in))}
	writes := []bool{false, false, true}
	const plain, stream = 1, 2
	for _, c := range []struct {
		what    string
		limit   int64
		bufs    []uintptr
		written int64
		stream  uintptr
		want    uintptr
	}{
		{"large, out of place", 100, outOfPlace, 101, stream, stream},
		{"at the threshold", 100, outOfPlace, 100, stream, plain},
		{"in place", 100, inPlace, 1 << 30, stream, plain},
		{"never", -1, outOfPlace, 1 << 30, stream, plain},
		{"no streaming entry point", 100, outOfPlace, 1 << 30, 0, plain},
	} {
		l := &cpuLauncher{streamBytes: c.limit, fns: []uintptr{7, plain}, streams: []uintptr{0, c.stream}}
		ln := &launch{kernel: 1, bufs: c.bufs, writes: writes, written: c.written}
		if got := l.entryPoint(ln); got != c.want {
			t.Errorf("%s: entry point %d, want %d", c.what, got, c.want)
		}
	}
	if d := DefaultStreamBytes(0); d != 32<<20 {
		t.Errorf("DefaultStreamBytes(unknown) = %d", d)
	}
}

// TestStreamingEntryResolved loads Lion compiled as the compiler does: its cpu
// entry names the streaming entry point, the launcher resolves it, and a large
// out-of-place call would take it while an in-place one would not.
func TestStreamingEntryResolved(t *testing.T) {
	src, err := os.ReadFile("../ir/testdata/lion.ir")
	if err != nil {
		t.Fatal(err)
	}
	a := buildIR(t, string(src)).load(t, Config{Threads: 1, StreamBytes: 1})
	e := a.man.Target(artifact.TargetCPU).Entry("lion", "k0")
	if e == nil || e.Stream != e.Symbol+".stream" {
		t.Fatalf("lion k0 entry %+v: no streaming entry point", e)
	}
	l := a.dev.(*cpuLauncher)
	if len(l.streams) != 1 || l.streams[0] == 0 || l.streams[0] == l.fns[0] {
		t.Fatalf("resolved entry points %v, streaming %v", l.fns, l.streams)
	}
	f, err := a.Func("lion")
	if err != nil {
		t.Fatal(err)
	}
	kp := &f.p.kernels[0]
	mem := make([]float32, len(kp.bufs)) // a distinct address per buffer
	ptrs := make([]uintptr, len(kp.bufs))
	for i := range ptrs {
		ptrs[i] = uintptr(unsafe.Pointer(&mem[i]))
	}
	ln := &launch{kernel: kp.entry, bufs: ptrs, writes: kp.writes, written: 1 << 20}
	if got := l.entryPoint(ln); got != l.streams[0] {
		t.Errorf("out of place: entry point %#x, want the streaming one %#x", got, l.streams[0])
	}
	for i, w := range kp.writes {
		if w {
			for j, r := range kp.writes {
				if !r {
					ptrs[i] = ptrs[j] // an in-place update
					break
				}
			}
			break
		}
	}
	if got := l.entryPoint(ln); got != l.fns[0] {
		t.Errorf("in place: entry point %#x, want the ordinary one %#x", got, l.fns[0])
	}
}
