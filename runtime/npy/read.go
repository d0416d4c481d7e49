// This file reads .npy files (format versions 1.0, 2.0 and 3.0), checking every size
// the header claims against the data actually there.
package npy

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"slices"

	"dlc.dev/dlc/ir"
)

// Array is an n-dimensional array in C (row-major) order, little-endian.
type Array struct {
	DType ir.DType
	Shape []int64 // empty for a 0-d array, which holds one element
	Data  []byte  // exactly Elements()*DType.Size() bytes
}

// Elements is the number of elements the shape describes.
func (a *Array) Elements() int64 {
	n := int64(1)
	for _, d := range a.Shape {
		n *= d
	}
	return n
}

// readChunk bounds each allocation while reading data, so a header that lies about
// the size costs at most this much memory before the short read is noticed.
const readChunk = 64 << 20

// Read reads one array from r. It reads exactly the array's bytes, so several arrays
// written one after another can be read back in turn.
func Read(r io.Reader) (*Array, error) {
	return read(r, -1)
}

// ReadFile reads the .npy file at path; bytes after the array are an error.
func ReadFile(path string) (*Array, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	br := bufio.NewReader(f)
	a, err := read(br, fi.Size())
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if _, err := br.ReadByte(); err != io.EOF {
		return nil, fmt.Errorf("%s: unexpected bytes after the array data", path)
	}
	return a, nil
}

// read reads one array; size is the size of the whole input when known, else -1.
func read(r io.Reader, size int64) (*Array, error) {
	var pre [10]byte
	if _, err := io.ReadFull(r, pre[:8]); err != nil {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return nil, fmt.Errorf("not a .npy file (too short)")
		}
		return nil, err
	}
	if string(pre[:6]) != magic {
		return nil, fmt.Errorf("not a .npy file (it starts with %q)", pre[:6])
	}
	major, minor := pre[6], pre[7]
	var hlen, prefix int64
	switch major {
	case 1:
		if _, err := io.ReadFull(r, pre[8:10]); err != nil {
			return nil, truncated("header length", err)
		}
		hlen, prefix = int64(binary.LittleEndian.Uint16(pre[8:])), 10
	case 2, 3:
		var l [4]byte
		if _, err := io.ReadFull(r, l[:]); err != nil {
			return nil, truncated("header length", err)
		}
		hlen, prefix = int64(binary.LittleEndian.Uint32(l[:])), 12
	default:
		return nil, fmt.Errorf("unsupported .npy format version %d.%d (this reader knows 1.0, 2.0 and 3.0)", major, minor)
	}
	if minor != 0 {
		return nil, fmt.Errorf("unsupported .npy format version %d.%d", major, minor)
	}
	if hlen > maxHeaderLen {
		return nil, fmt.Errorf("header length %d exceeds the %d-byte limit", hlen, maxHeaderLen)
	}
	if size >= 0 && prefix+hlen > size {
		return nil, fmt.Errorf("header length %d is larger than the file", hlen)
	}
	hb := make([]byte, hlen)
	if _, err := io.ReadFull(r, hb); err != nil {
		return nil, truncated("header", err)
	}
	h, err := parseHeader(string(hb))
	if err != nil {
		return nil, err
	}
	dt, err := dtypeOf(h.descr)
	if err != nil {
		return nil, err
	}
	if h.fortranOrder && !sameInBothOrders(h.shape) {
		return nil, fmt.Errorf("fortran_order arrays are not supported; save np.ascontiguousarray(a) instead")
	}
	n, err := byteSize(h.shape, dt)
	if err != nil {
		return nil, err
	}
	if size >= 0 && prefix+hlen+n > size {
		return nil, fmt.Errorf("data is truncated: shape %v of %s needs %d bytes, the file holds %d", h.shape, h.descr, n, size-prefix-hlen)
	}
	data, err := readData(r, n)
	if err != nil {
		return nil, fmt.Errorf("data is truncated: shape %v of %s needs %d bytes, got %d", h.shape, h.descr, n, len(data))
	}
	if h.descr[1:] == "u1" {
		for i, c := range data {
			if c > 1 {
				return nil, fmt.Errorf("%s data read as bool holds %d at element %d; only 0 and 1 are allowed", h.descr, c, i)
			}
		}
	}
	return &Array{DType: dt, Shape: h.shape, Data: data}, nil
}

// truncated names a short read; other read errors pass through.
func truncated(what string, err error) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return fmt.Errorf("%s is truncated", what)
	}
	return fmt.Errorf("read %s: %w", what, err)
}

// sameInBothOrders reports whether C and Fortran order lay out shape identically:
// at most one dimension is larger than 1.
func sameInBothOrders(shape []int64) bool {
	big := 0
	for _, d := range shape {
		if d > 1 {
			big++
		}
	}
	return big <= 1
}

// byteSize is the data size of shape elements of dt, refusing negative or overflowing shapes.
func byteSize(shape []int64, dt ir.DType) (int64, error) {
	n := int64(dt.Size())
	for _, d := range shape {
		if d < 0 {
			return 0, fmt.Errorf("shape %v has a negative dimension", shape)
		}
		if d != 0 && n > math.MaxInt/d {
			return 0, fmt.Errorf("shape %v is too large", shape)
		}
		n *= d
	}
	return n, nil
}

// readData reads exactly n bytes, growing the buffer as the data arrives rather than
// allocating what the header claims up front.
func readData(r io.Reader, n int64) ([]byte, error) {
	buf := make([]byte, 0, min(n, readChunk))
	for int64(len(buf)) < n {
		if len(buf) == cap(buf) {
			buf = slices.Grow(buf, int(min(n-int64(len(buf)), int64(len(buf)))))
		}
		end := len(buf) + int(min(n-int64(len(buf)), int64(cap(buf)-len(buf))))
		m, err := io.ReadFull(r, buf[len(buf):end])
		buf = buf[:len(buf)+m]
		if err != nil {
			return buf, err
		}
	}
	return buf, nil
}
