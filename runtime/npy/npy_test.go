// This file tests .npy reading and writing against byte layouts written by hand from the
// format specification (numpy/lib/format.py), since NumPy itself may not be installed.
package npy

import (
	"bytes"
	"encoding/binary"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"dlc.dev/dlc/ir"
)

// npyBytes builds a file by hand: magic, version, header length, dict padded to 64, data.
func npyBytes(major byte, dict string, data []byte) []byte {
	prefix := 10
	if major > 1 {
		prefix = 12
	}
	hl := len(dict) + 1
	for (prefix+hl)%64 != 0 {
		hl++
	}
	b := []byte(magic)
	b = append(b, major, 0)
	if major == 1 {
		b = binary.LittleEndian.AppendUint16(b, uint16(hl))
	} else {
		b = binary.LittleEndian.AppendUint32(b, uint32(hl))
	}
	b = append(b, dict...)
	b = append(b, strings.Repeat(" ", hl-len(dict)-1)...)
	b = append(b, '\n')
	return append(b, data...)
}

func f32bytes(xs ...float32) []byte {
	var b []byte
	for _, x := range xs {
		b = binary.LittleEndian.AppendUint32(b, math.Float32bits(x))
	}
	return b
}

// TestWriteGolden pins the exact bytes np.save(f, np.array([1, 2, 3], dtype='<f4')) writes.
func TestWriteGolden(t *testing.T) {
	want := []byte("\x93NUMPY\x01\x00\x76\x00{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }")
	want = append(want, strings.Repeat(" ", 128-1-len(want))...)
	want = append(want, '\n')
	want = append(want, f32bytes(1, 2, 3)...)
	var buf bytes.Buffer
	if err := Write(&buf, &Array{DType: ir.F32, Shape: []int64{3}, Data: f32bytes(1, 2, 3)}); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(buf.Bytes(), want) {
		t.Errorf("got\n%q\nwant\n%q", buf.Bytes(), want)
	}
}

func TestRoundTrip(t *testing.T) {
	tests := []*Array{
		{DType: ir.F32, Shape: []int64{2, 3}, Data: f32bytes(1, 2, 3, 4, 5, 6)},
		{DType: ir.F64, Shape: []int64{}, Data: binary.LittleEndian.AppendUint64(nil, math.Float64bits(math.Pi))},
		{DType: ir.F16, Shape: []int64{2}, Data: []byte{0, 0x3c, 0, 0xc0}},
		{DType: ir.I32, Shape: []int64{1, 1, 2}, Data: []byte{1, 0, 0, 0, 0xff, 0xff, 0xff, 0xff}},
		{DType: ir.I64, Shape: []int64{1}, Data: []byte{7, 0, 0, 0, 0, 0, 0, 0}},
		{DType: ir.Bool, Shape: []int64{3}, Data: []byte{1, 0, 1}},
		{DType: ir.F32, Shape: []int64{0, 4}, Data: []byte{}},
	}
	for _, a := range tests {
		var buf bytes.Buffer
		if err := Write(&buf, a); err != nil {
			t.Fatalf("%v %v: %v", a.DType, a.Shape, err)
		}
		if (buf.Len()-len(a.Data))%64 != 0 {
			t.Errorf("%v %v: data starts at %d, not 64-aligned", a.DType, a.Shape, buf.Len()-len(a.Data))
		}
		got, err := Read(&buf)
		if err != nil {
			t.Fatalf("%v %v: %v", a.DType, a.Shape, err)
		}
		if !reflect.DeepEqual(got, a) {
			t.Errorf("got %+v, want %+v", got, a)
		}
	}
}

func TestReadVersions(t *testing.T) {
	dict := "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }"
	for _, major := range []byte{1, 2, 3} {
		a, err := Read(bytes.NewReader(npyBytes(major, dict, f32bytes(1, 2))))
		if err != nil {
			t.Fatalf("version %d.0: %v", major, err)
		}
		if a.DType != ir.F32 || !reflect.DeepEqual(a.Shape, []int64{2}) {
			t.Errorf("version %d.0: got %+v", major, a)
		}
	}
}

func TestReadHeaderVariants(t *testing.T) {
	tests := []struct {
		dict  string
		dt    ir.DType
		shape []int64
		data  []byte
	}{
		{`{"shape": (2, 1), "descr": "<i4", "fortran_order": False}`, ir.I32, []int64{2, 1}, make([]byte, 8)},
		{"{'descr': '=f8', 'fortran_order': False, 'shape': (), }", ir.F64, []int64{}, make([]byte, 8)},
		{"{'descr': '|u1', 'fortran_order': False, 'shape': (2,), }", ir.Bool, []int64{2}, []byte{0, 1}},
		{"{'descr': '<b1', 'fortran_order': False, 'shape': (1,), }", ir.Bool, []int64{1}, []byte{1}},
		{"{'descr': '=b1', 'fortran_order': False, 'shape': (1,), }", ir.Bool, []int64{1}, []byte{0}},
		{"{'descr': '>i4', 'fortran_order': False, 'shape': (0,), }", ir.Invalid, nil, nil},
		// Fortran order lays out a vector, or a matrix with one non-unit dimension, as C order does.
		{"{'descr': '<f4', 'fortran_order': True, 'shape': (1, 2), }", ir.F32, []int64{1, 2}, make([]byte, 8)},
		{"{'descr': '<f4', 'fortran_order': False, 'shape': (3L,), }", ir.F32, []int64{3}, make([]byte, 12)},
	}
	for _, tt := range tests {
		a, err := Read(bytes.NewReader(npyBytes(1, tt.dict, tt.data)))
		if tt.dt == ir.Invalid {
			if err == nil {
				t.Errorf("%s: no error", tt.dict)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", tt.dict, err)
			continue
		}
		if a.DType != tt.dt || !reflect.DeepEqual(a.Shape, tt.shape) || !bytes.Equal(a.Data, tt.data) {
			t.Errorf("%s: got %+v", tt.dict, a)
		}
	}
}

func TestReadErrors(t *testing.T) {
	hdr := func(descr, fortran, shape string) string {
		return "{'descr': '" + descr + "', 'fortran_order': " + fortran + ", 'shape': " + shape + ", }"
	}
	tests := []struct {
		name string
		b    []byte
		msg  string
	}{
		{"empty", nil, "not a .npy file"},
		{"foreign", []byte("PK\x03\x04 a zip file, not npy"), "not a .npy file"},
		{"version", append([]byte(magic), 4, 0, 0, 0), "unsupported .npy format version 4.0"},
		{"big endian", npyBytes(1, hdr(">f4", "False", "(1,)"), make([]byte, 4)), `">f4" is big-endian`},
		{"complex", npyBytes(1, hdr("<c8", "False", "(1,)"), make([]byte, 8)), `unsupported dtype "<c8"`},
		{"object", npyBytes(1, hdr("|O", "False", "(1,)"), make([]byte, 8)), `unsupported dtype "|O"`},
		{"structured", npyBytes(1, "{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (1,), }", nil), "structured"},
		{"fortran", npyBytes(1, hdr("<f4", "True", "(2, 3)"), make([]byte, 24)), "fortran_order"},
		{"short data", npyBytes(1, hdr("<f4", "False", "(1000,)"), make([]byte, 4)), "needs 4000 bytes, got 4"},
		{"huge shape", npyBytes(1, hdr("<f8", "False", "(4611686018427387904,)"), nil), "too large"},
		{"huge product", npyBytes(1, hdr("<f4", "False", "(4294967296, 4294967296)"), nil), "too large"},
		{"overflowing dim", npyBytes(1, hdr("<f4", "False", "(99999999999999999999,)"), nil), "bad dimension"},
		{"negative dim", npyBytes(1, hdr("<f4", "False", "(-1,)"), nil), "bad dimension"},
		{"missing key", npyBytes(1, "{'descr': '<f4', 'shape': (1,)}", make([]byte, 4)), `"fortran_order" missing`},
		{"unknown key", npyBytes(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (1,), 'x': 1}", nil), `unknown key "x"`},
		{"repeated key", npyBytes(1, "{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': (1,)}", nil), "repeated"},
		{"garbage after", npyBytes(1, hdr("<f4", "False", "(1,)")+" junk", make([]byte, 4)), "after the dict"},
		{"bad bool", npyBytes(1, hdr("<f4", "Maybe", "(1,)"), make([]byte, 4)), "True or False"},
		{"unterminated", npyBytes(1, "{'descr': '<f4", nil), "unterminated"},
		{"u1 not bool", npyBytes(1, hdr("|u1", "False", "(3,)"), []byte{0, 1, 7}), "holds 7 at element 2"},
		{"header cut", []byte(magic + "\x01\x00\x76\x00{'descr'"), "header is truncated"},
		{"length cut", []byte(magic + "\x02\x00\x76"), "header length is truncated"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Read(bytes.NewReader(tt.b))
			if err == nil {
				t.Fatal("no error")
			}
			if !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("error %q does not mention %q", err, tt.msg)
			}
		})
	}
}

func TestReadConcatenated(t *testing.T) {
	var buf bytes.Buffer
	a := &Array{DType: ir.F32, Shape: []int64{1}, Data: f32bytes(1)}
	b := &Array{DType: ir.I64, Shape: []int64{1}, Data: make([]byte, 8)}
	if err := Write(&buf, a); err != nil {
		t.Fatal(err)
	}
	if err := Write(&buf, b); err != nil {
		t.Fatal(err)
	}
	for _, want := range []*Array{a, b} {
		got, err := Read(&buf)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("got %+v, want %+v", got, want)
		}
	}
}

func TestWriteErrors(t *testing.T) {
	tests := []struct {
		a   *Array
		msg string
	}{
		{&Array{DType: ir.F32, Shape: []int64{3}, Data: f32bytes(1, 2)}, "needs 12 bytes, the array holds 8"},
		{&Array{DType: ir.BF16, Shape: []int64{1}, Data: make([]byte, 2)}, "bf16 has no .npy equivalent"},
		{&Array{DType: ir.F32, Shape: []int64{-1}}, "negative"},
	}
	for _, tt := range tests {
		err := Write(&bytes.Buffer{}, tt.a)
		if err == nil || !strings.Contains(err.Error(), tt.msg) {
			t.Errorf("%+v: got %v, want %q", tt.a, err, tt.msg)
		}
	}
}

func TestWriteLargeHeaderUsesVersion2(t *testing.T) {
	shape := make([]int64, 25000) // a header longer than 65535 bytes
	for i := range shape {
		shape[i] = 1
	}
	a := &Array{DType: ir.Bool, Shape: shape, Data: []byte{1}}
	var buf bytes.Buffer
	if err := Write(&buf, a); err != nil {
		t.Fatal(err)
	}
	if buf.Bytes()[6] != 2 {
		t.Fatalf("version %d.%d, want 2.0", buf.Bytes()[6], buf.Bytes()[7])
	}
	got, err := Read(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Shape) != len(shape) {
		t.Errorf("rank %d, want %d", len(got.Shape), len(shape))
	}
}

func TestFiles(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "x.npy")
	a := &Array{DType: ir.F32, Shape: []int64{2}, Data: f32bytes(1, 2)}
	if err := WriteFile(path, a); err != nil {
		t.Fatal(err)
	}
	got, err := ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, a) {
		t.Errorf("got %+v", got)
	}
	// A failed write leaves the old file alone and no temporary behind.
	if err := WriteFile(path, &Array{DType: ir.F32, Shape: []int64{5}}); err == nil {
		t.Fatal("no error")
	}
	if got, err := ReadFile(path); err != nil || !reflect.DeepEqual(got, a) {
		t.Errorf("old file damaged: %v %+v", err, got)
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 1 {
		t.Errorf("directory holds %v", ents)
	}
	// Trailing bytes and a header claiming more than the file holds.
	raw, _ := os.ReadFile(path)
	os.WriteFile(path, append(raw, 0), 0o644)
	if _, err := ReadFile(path); err == nil || !strings.Contains(err.Error(), "after the array") {
		t.Errorf("trailing byte: got %v", err)
	}
	os.WriteFile(path, raw[:len(raw)-1], 0o644)
	if _, err := ReadFile(path); err == nil || !strings.Contains(err.Error(), "the file holds 7") {
		t.Errorf("short file: got %v", err)
	}
}
