// This file tests .npy reading and writing against byte layouts written by hand from the
// format specification (numpy/lib/format.py), since NumPy itself may not be installed.
package npy

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"dlc.dev/dlc/runtime"
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

// arr is a host tensor over data.
func arr(dt runtime.DType, shape []int64, data []byte) runtime.Tensor {
	return runtime.FromBytes(dt, shape, data)
}

// same reports whether two tensors have one dtype, shape and content.
func same(a, b runtime.Tensor) bool {
	return a.DType == b.DType && slices.Equal(a.Shape, b.Shape) && bytes.Equal(a.Bytes(), b.Bytes()) && a.Device == b.Device
}

func show(t runtime.Tensor) string { return fmt.Sprintf("%s%v % x", t.DType, t.Shape, t.Bytes()) }

// onDevice marks t's memory as CUDA device memory.
func onDevice(t runtime.Tensor) runtime.Tensor {
	t.Device = runtime.CUDADevice(0)
	return t
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
	if err := Write(&buf, arr(runtime.Float32, []int64{3}, f32bytes(1, 2, 3))); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(buf.Bytes(), want) {
		t.Errorf("got\n%q\nwant\n%q", buf.Bytes(), want)
	}
}

func TestRoundTrip(t *testing.T) {
	tests := []runtime.Tensor{
		arr(runtime.Float32, []int64{2, 3}, f32bytes(1, 2, 3, 4, 5, 6)),
		arr(runtime.Float64, []int64{}, binary.LittleEndian.AppendUint64(nil, math.Float64bits(math.Pi))),
		arr(runtime.Float16, []int64{2}, []byte{0, 0x3c, 0, 0xc0}),
		arr(runtime.BFloat16, []int64{3}, []byte{0x80, 0x3f, 0xc0, 0x7f, 0, 0x80}), // 1, NaN, -0
		arr(runtime.Int32, []int64{1, 1, 2}, []byte{1, 0, 0, 0, 0xff, 0xff, 0xff, 0xff}),
		arr(runtime.Int64, []int64{1}, []byte{7, 0, 0, 0, 0, 0, 0, 0}),
		arr(runtime.Boolean, []int64{3}, []byte{1, 0, 1}),
		arr(runtime.Float32, []int64{0, 4}, []byte{}),
	}
	for _, a := range tests {
		var buf bytes.Buffer
		if err := Write(&buf, a); err != nil {
			t.Fatalf("%v %v: %v", a.DType, a.Shape, err)
		}
		if (buf.Len()-a.Len)%64 != 0 {
			t.Errorf("%v %v: data starts at %d, not 64-aligned", a.DType, a.Shape, buf.Len()-a.Len)
		}
		got, err := Read(&buf)
		if err != nil {
			t.Fatalf("%v %v: %v", a.DType, a.Shape, err)
		}
		if !same(got, a) {
			t.Errorf("got %s, want %s", show(got), show(a))
		}
	}
}

// TestWriteDescr pins the descr of every dtype; bf16 is its bit pattern as uint16.
func TestWriteDescr(t *testing.T) {
	for dt, descr := range map[runtime.DType]string{
		runtime.Float32: "<f4", runtime.Float64: "<f8", runtime.Float16: "<f2", runtime.BFloat16: "<u2",
		runtime.Int32: "<i4", runtime.Int64: "<i8", runtime.Boolean: "|b1",
	} {
		var buf bytes.Buffer
		if err := Write(&buf, arr(dt, nil, make([]byte, dt.Size()))); err != nil {
			t.Fatalf("%s: %v", dt, err)
		}
		if want := "{'descr': '" + descr + "', 'fortran_order': False, 'shape': (), }"; !strings.Contains(buf.String(), want) {
			t.Errorf("%s: header %q, want %q", dt, buf.String(), want)
		}
	}
}

// A tensor whose Len exceeds its shape writes only the shape's bytes.
func TestWriteLongerBuffer(t *testing.T) {
	var buf bytes.Buffer
	if err := Write(&buf, arr(runtime.Float32, []int64{2}, f32bytes(1, 2, 3))); err != nil {
		t.Fatal(err)
	}
	got, err := Read(&buf)
	if err != nil || !same(got, arr(runtime.Float32, []int64{2}, f32bytes(1, 2))) {
		t.Errorf("got %s, %v", show(got), err)
	}
}

func TestReadVersions(t *testing.T) {
	dict := "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }"
	for _, major := range []byte{1, 2, 3} {
		a, err := Read(bytes.NewReader(npyBytes(major, dict, f32bytes(1, 2))))
		if err != nil {
			t.Fatalf("version %d.0: %v", major, err)
		}
		if a.DType != runtime.Float32 || !slices.Equal(a.Shape, []int64{2}) {
			t.Errorf("version %d.0: got %+v", major, a)
		}
	}
}

func TestReadHeaderVariants(t *testing.T) {
	tests := []struct {
		dict  string
		dt    runtime.DType
		shape []int64
		data  []byte
	}{
		{`{"shape": (2, 1), "descr": "<i4", "fortran_order": False}`, runtime.Int32, []int64{2, 1}, make([]byte, 8)},
		{"{'descr': '=f8', 'fortran_order': False, 'shape': (), }", runtime.Float64, []int64{}, make([]byte, 8)},
		{"{'descr': '|u1', 'fortran_order': False, 'shape': (2,), }", runtime.Boolean, []int64{2}, []byte{0, 1}},
		{"{'descr': '<b1', 'fortran_order': False, 'shape': (1,), }", runtime.Boolean, []int64{1}, []byte{1}},
		{"{'descr': '=b1', 'fortran_order': False, 'shape': (1,), }", runtime.Boolean, []int64{1}, []byte{0}},
		{"{'descr': '>i4', 'fortran_order': False, 'shape': (0,), }", runtime.DType(0), nil, nil},
		// Fortran order lays out a vector, or a matrix with one non-unit dimension, as C order does.
		{"{'descr': '<f4', 'fortran_order': True, 'shape': (1, 2), }", runtime.Float32, []int64{1, 2}, make([]byte, 8)},
		{"{'descr': '<f4', 'fortran_order': False, 'shape': (3L,), }", runtime.Float32, []int64{3}, make([]byte, 12)},
	}
	for _, tt := range tests {
		a, err := Read(bytes.NewReader(npyBytes(1, tt.dict, tt.data)))
		if tt.dt == runtime.DType(0) {
			if err == nil {
				t.Errorf("%s: no error", tt.dict)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", tt.dict, err)
			continue
		}
		if !same(a, arr(tt.dt, tt.shape, tt.data)) {
			t.Errorf("%s: got %s", tt.dict, show(a))
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
	a := arr(runtime.Float32, []int64{1}, f32bytes(1))
	b := arr(runtime.Int64, []int64{1}, make([]byte, 8))
	if err := Write(&buf, a); err != nil {
		t.Fatal(err)
	}
	if err := Write(&buf, b); err != nil {
		t.Fatal(err)
	}
	for _, want := range []runtime.Tensor{a, b} {
		got, err := Read(&buf)
		if err != nil {
			t.Fatal(err)
		}
		if !same(got, want) {
			t.Errorf("got %s, want %s", show(got), show(want))
		}
	}
}

func TestWriteErrors(t *testing.T) {
	tests := []struct {
		a   runtime.Tensor
		msg string
	}{
		{arr(runtime.Float32, []int64{3}, f32bytes(1, 2)), "needs 12 bytes, the tensor holds 8"},
		{arr(runtime.Float32, []int64{-1}, nil), "negative"},
		{runtime.Tensor{DType: runtime.Float32, Shape: []int64{2}, Len: 8}, "the tensor's Data is nil"},
		{runtime.Tensor{DType: 0, Shape: []int64{1}}, "dtype(0) has no .npy equivalent"},
		{onDevice(arr(runtime.Float32, []int64{1}, f32bytes(1))), "the tensor's memory is on cuda:0; copy it to host memory to write it"},
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
	a := arr(runtime.Boolean, shape, []byte{1})
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
	a := arr(runtime.Float32, []int64{2}, f32bytes(1, 2))
	if err := WriteFile(path, a); err != nil {
		t.Fatal(err)
	}
	got, err := ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !same(got, a) {
		t.Errorf("got %s", show(got))
	}
	// A failed write leaves the old file alone and no temporary behind.
	if err := WriteFile(path, arr(runtime.Float32, []int64{5}, nil)); err == nil {
		t.Fatal("no error")
	}
	if got, err := ReadFile(path); err != nil || !same(got, a) {
		t.Errorf("old file damaged: %v %s", err, show(got))
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
