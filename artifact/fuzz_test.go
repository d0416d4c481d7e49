// This file fuzzes Decode: no input may make it panic, and whatever it accepts must re-encode to the same bytes.
package artifact

import (
	"bytes"
	"encoding/binary"
	"testing"
)

func FuzzDecode(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		checkDecode(t, b)
	})
}

// FuzzDecodeResealed fixes up the total length and the trailer checksum of each input
// before decoding, so the fuzzer gets past the checksum into the structural checks.
func FuzzDecodeResealed(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		if len(b) >= headerSize+trailerSize {
			b = bytes.Clone(b)
			binary.LittleEndian.PutUint64(b[8:], uint64(len(b)))
			b = reseal(b)
		}
		checkDecode(t, b)
	})
}

func addSeeds(f *testing.F) {
	f.Add(sampleArtifact(f))
	empty, err := Encode(Manifest{}, nil)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(empty)
	f.Add([]byte(magic))
	f.Add([]byte("\x7fELF"))
}

// checkDecode decodes b; whatever Decode accepts must re-encode to the same bytes.
func checkDecode(t *testing.T, b []byte) {
	m, s, err := Decode(b)
	if err != nil {
		return
	}
	again, err := Encode(*m, s)
	if err != nil {
		t.Fatalf("decoded artifact does not re-encode: %v", err)
	}
	if !bytes.Equal(again, b) {
		t.Fatal("decoded artifact re-encodes to other bytes")
	}
}
