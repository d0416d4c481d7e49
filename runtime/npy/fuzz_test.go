// This file fuzzes Read: no input may make it panic, and what it accepts must round-trip.
package npy

import (
	"bytes"
	"testing"

	"dlc.dev/dlc/runtime"
)

func FuzzRead(f *testing.F) {
	var buf bytes.Buffer
	if err := Write(&buf, arr(runtime.Float32, []int64{2, 1}, f32bytes(1, 2))); err != nil {
		f.Fatal(err)
	}
	f.Add(buf.Bytes())
	f.Add(npyBytes(3, "{'descr': '|u1', 'fortran_order': True, 'shape': (1, 2), }", []byte{0, 1}))
	f.Add(npyBytes(2, "{'descr': '<i8', 'fortran_order': False, 'shape': (), }", make([]byte, 8)))
	f.Fuzz(func(t *testing.T, b []byte) {
		a, err := Read(bytes.NewReader(b))
		if err != nil {
			return
		}
		var out bytes.Buffer
		if err := Write(&out, a); err != nil {
			t.Fatalf("accepted array does not write back: %v", err)
		}
		again, err := Read(&out)
		if err != nil {
			t.Fatalf("written array does not read back: %v", err)
		}
		if !same(a, again) {
			t.Fatalf("round trip changed %s to %s", show(a), show(again))
		}
	})
}
