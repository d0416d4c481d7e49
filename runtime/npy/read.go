// Package npy reads and writes NumPy .npy files as runtime tensors, for every dlc
// dtype: f32, f64, f16, i32, i64, bool, and bf16 as its 16-bit pattern (uint16).
//
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

	"dlc.dev/dlc/runtime"
)

// readChunk bounds each allocation while reading data, so a header that lies about
// the size costs at most this much memory before the short read is noticed.
const readChunk = 64 << 20

// Read reads one array from r into a tensor in host memory, in C (row-major) order.
// A 0-d array has an empty shape. It reads exactly the array's bytes, so several
// arrays written one after another can be read back in turn.
func Read(r io.Reader) (runtime.Tensor, error) {
	return read(r, -1)
}

// ReadFile reads the .npy file at path; bytes after the array are an error.
func ReadFile(path string) (runtime.Tensor, error) {
	f, err := os.Open(path)
	if err != nil {
		return runtime.Tensor{}, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return runtime.Tensor{}, err
	}
	br := bufio.NewReader(f)
	t, err := read(br, fi.Size())
	if err != nil {
		return runtime.Tensor{}, fmt.Errorf("%s: %w", path, err)
	}
	if _, err := br.ReadByte(); err != io.EOF {
		return runtime.Tensor{}, fmt.Errorf("%s: unexpected bytes after the array data", path)
	}
	return t, nil
}

// read reads one array; size is the size of the whole input when known, else -1.
func read(r io.Reader, size int64) (runtime.Tensor, error) {
	h, hsize, err := readHeader(r, size)
	if err != nil {
		return runtime.Tensor{}, err
	}
	dt, err := dtypeOf(h.descr)
	if err != nil {
		return runtime.Tensor{}, err
	}
	if h.fortranOrder && !sameInBothOrders(h.shape) {
		return runtime.Tensor{}, fmt.Errorf("fortran_order arrays are not supported; save np.ascontiguousarray(a) instead")
	}
	n, err := byteSize(h.shape, dt)
	if err != nil {
		return runtime.Tensor{}, err
	}
	if size >= 0 && hsize+n > size {
		return runtime.Tensor{}, fmt.Errorf("data is truncated: shape %v of %s needs %d bytes, the file holds %d", h.shape, h.descr, n, size-hsize)
	}
	data, err := readData(r, n)
	if err != nil {
		return runtime.Tensor{}, fmt.Errorf("data is truncated: shape %v of %s needs %d bytes, got %d", h.shape, h.descr, n, len(data))
	}
	if h.descr[1:] == "u1" {
		for i, c := range data {
			if c > 1 {
				return runtime.Tensor{}, fmt.Errorf("%s data read as bool holds %d at element %d; only 0 and 1 are allowed", h.descr, c, i)
			}
		}
	}
	return runtime.FromBytes(dt, h.shape, data), nil
}

// readHeader reads the magic, the version and the header dict, and returns the dict
// and the number of bytes before the data. size is as for read.
func readHeader(r io.Reader, size int64) (*header, int64, error) {
	var pre [10]byte
	if _, err := io.ReadFull(r, pre[:8]); err != nil {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return nil, 0, fmt.Errorf("not a .npy file (too short)")
		}
		return nil, 0, err
	}
	if string(pre[:6]) != magic {
		return nil, 0, fmt.Errorf("not a .npy file (it starts with %q)", pre[:6])
	}
	major, minor := pre[6], pre[7]
	var hlen, prefix int64
	switch major {
	case 1:
		if _, err := io.ReadFull(r, pre[8:10]); err != nil {
			return nil, 0, truncated("header length", err)
		}
		hlen, prefix = int64(binary.LittleEndian.Uint16(pre[8:])), 10
	case 2, 3:
		var l [4]byte
		if _, err := io.ReadFull(r, l[:]); err != nil {
			return nil, 0, truncated("header length", err)
		}
		hlen, prefix = int64(binary.LittleEndian.Uint32(l[:])), 12
	default:
		return nil, 0, fmt.Errorf("unsupported .npy format version %d.%d (this reader knows 1.0, 2.0 and 3.0)", major, minor)
	}
	if minor != 0 {
		return nil, 0, fmt.Errorf("unsupported .npy format version %d.%d", major, minor)
	}
	if hlen > maxHeaderLen {
		return nil, 0, fmt.Errorf("header length %d exceeds the %d-byte limit", hlen, maxHeaderLen)
	}
	if size >= 0 && prefix+hlen > size {
		return nil, 0, fmt.Errorf("header length %d is larger than the file", hlen)
	}
	hb := make([]byte, hlen)
	if _, err := io.ReadFull(r, hb); err != nil {
		return nil, 0, truncated("header", err)
	}
	h, err := parseHeader(string(hb))
	if err != nil {
		return nil, 0, err
	}
	return h, prefix + hlen, nil
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
func byteSize(shape []int64, dt runtime.DType) (int64, error) {
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
