// This file writes .npy files: format 1.0 when the header fits, else 2.0, padded so
// the data starts on a 64-byte boundary as NumPy does.
package npy

import (
	"encoding/binary"
	"fmt"
	"io"
	"strings"

	"dlc.dev/dlc/internal/atomicfile"
)

// headerAlign is the alignment of the data start NumPy uses.
const headerAlign = 64

// Write writes a as one .npy array.
func Write(w io.Writer, a *Array) error {
	hdr, err := encodeHeader(a)
	if err != nil {
		return err
	}
	if _, err := w.Write(hdr); err != nil {
		return err
	}
	_, err = w.Write(a.Data)
	return err
}

// encodeHeader checks a and returns everything before its data.
func encodeHeader(a *Array) ([]byte, error) {
	descr, err := descrOf(a.DType)
	if err != nil {
		return nil, err
	}
	n, err := byteSize(a.Shape, a.DType)
	if err != nil {
		return nil, err
	}
	if n != int64(len(a.Data)) {
		return nil, fmt.Errorf("shape %v of %s needs %d bytes, the array holds %d", a.Shape, a.DType, n, len(a.Data))
	}
	dict := formatHeader(descr, a.Shape)
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
	return append(b, '\n'), nil
}

// WriteFile writes a to path atomically (see atomicfile.Write): on any error
// path is untouched.
func WriteFile(path string, a *Array) error {
	if _, err := encodeHeader(a); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return atomicfile.Write(path, func(w io.Writer) error { return Write(w, a) })
}
