// This file tests the comparison of GPU and CPU outputs.
package main

import (
	"encoding/binary"
	"math"
	"testing"

	"dlc.dev/dlc/runtime"
)

func f32Bytes(xs ...float32) []byte {
	b := make([]byte, 4*len(xs))
	for i, x := range xs {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(x))
	}
	return b
}

func TestDiff(t *testing.T) {
	nan := float32(math.NaN())
	inf := float32(math.Inf(1))
	for _, c := range []struct {
		name      string
		want, got []byte
		identical bool
		differing int
		pass      bool
	}{
		{"same", f32Bytes(1, 2, nan, inf), f32Bytes(1, 2, nan, inf), true, 0, true},
		{"one ulp", f32Bytes(1, 2), f32Bytes(1, math.Nextafter32(2, 3)), false, 1, true},
		{"far", f32Bytes(1, 2), f32Bytes(1, 2.01), false, 1, false},
		{"nan for a number", f32Bytes(1, 2), f32Bytes(1, nan), false, 1, false},
		{"inf for a number", f32Bytes(1, 2), f32Bytes(inf, 2), false, 1, false},
		{"length", f32Bytes(1, 2), f32Bytes(1), false, 0, false},
	} {
		o := diff(runtime.Float32, c.want, c.got)
		if o.BitIdentical != c.identical || o.Differing != c.differing || o.Pass != c.pass {
			t.Errorf("%s: %+v, want identical %v, %d differing, pass %v", c.name, o, c.identical, c.differing, c.pass)
		}
	}
	if o := diff(runtime.Int32, []byte{1, 0, 0, 0, 2, 0, 0, 0}, []byte{1, 0, 0, 0, 3, 0, 0, 0}); o.Pass || o.Differing != 1 {
		t.Errorf("integers that differ: %+v", o)
	}
	for h, want := range map[uint16]float64{0x3c00: 1, 0xc000: -2, 0x0001: math.Ldexp(1, -24), 0x7c00: math.Inf(1)} {
		if got := halfToFloat(h); got != want {
			t.Errorf("halfToFloat(%#x) = %g, want %g", h, got, want)
		}
	}
}
