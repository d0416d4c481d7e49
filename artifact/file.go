// This file reads artifacts from disk and writes them atomically, so a crash or a full
// disk never leaves a partial artifact where a good one (or none) was.
package artifact

import (
	"fmt"
	"io"
	"os"

	"dlc.dev/dlc/internal/atomicfile"
)

// WriteFile writes data to path atomically (see atomicfile.Write): a crash or a
// full disk never leaves a partial artifact. The file is created with mode 0644.
func WriteFile(path string, data []byte) error {
	return atomicfile.Write(path, func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	})
}

// ReadFile reads and decodes the artifact at path.
func ReadFile(path string) (*Manifest, map[string][]byte, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, err
	}
	m, s, err := Decode(b)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", path, err)
	}
	return m, s, nil
}
