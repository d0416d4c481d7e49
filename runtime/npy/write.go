// This file writes .npy files: format 1.0 when the header fits, else 2.0, padded so
// the data starts on a 64-byte boundary as NumPy does.
package npy

import (
	"encoding/binary"
	"fmt"
	"io"
	"strings"

	"dlc.dev/dlc/internal/atomicfile"
	"dlc.dev/dlc/runtime"
)

// headerAlign is the alignment of the data start NumPy uses.
const headerAlign = 64

// Write writes t, a tensor in host memory, as one .npy array.
func Write(w io.Writer, t runtime.Tensor) error {
	hdr, data, err := encode(t)
	if err != nil {
		return err
	}
	if _, err := w.Write(hdr); err != nil {
		return err
	}
	_, err = w.Write(data)
	return err
}

// encode checks t and returns everything before its data, and the data.
func encode(t runtime.Tensor) (header, data []byte, err error) {
	if t.Device.Kind != runtime.Host {
		return nil, nil, fmt.Errorf("the tensor's memory is on %s; copy it to host memory to write it", t.Device)
	}
	descr, err := descrOf(t.DType)
	if err != nil {
		return nil, nil, err
	}
	n, err := byteSize(t.Shape, t.DType)
	if err != nil {
		return nil, nil, err
	}
	if n > int64(t.Len) {
		return nil, nil, fmt.Errorf("shape %v of %s needs %d bytes, the tensor holds %d", t.Shape, t.DType, n, max(t.Len, 0))
	}
	if n > 0 && t.Data == nil {
		return nil, nil, fmt.Errorf("the tensor's Data is nil")
	}
	data = t.Bytes()[:n:n]
	dict := formatHeader(descr, t.Shape)
	// The header (dict, spaces, '\n') is padded so the data starts on a headerAlign boundary.
	headerLen := func(prefix int) int {
		return len(dict) + 1 + (headerAlign-(prefix+len(dict)+1)%headerAlign)%headerAlign
	}
	var b []byte
	hl := headerLen(10)
	if hl <= 0xffff {
		b = append([]byte(magic), 1, 0)
		b = binary.LittleEndian.AppendUint16(b, uint16(hl))
	} else {
		hl = headerLen(12)
		b = append([]byte(magic), 2, 0)
		b = binary.LittleEndian.AppendUint32(b, uint32(hl))
	}
	b = append(b, dict...)
	b = append(b, strings.Repeat(" ", hl-len(dict)-1)...)
	return append(b, '\n'), data, nil
}

// WriteFile writes t to path atomically (see atomicfile.Write): on any error
// path is untouched.
func WriteFile(path string, t runtime.Tensor) error {
	if _, _, err := encode(t); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return atomicfile.Write(path, func(w io.Writer) error { return Write(w, t) })
}
