package fashionmnist

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// writeIDX writes a gzipped IDX file per the format: a big-endian magic
// (0x800 | number of dimensions), the dimensions, then the bytes.
func writeIDX(t *testing.T, path string, magic uint32, dims []uint32, data []byte) {
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	require.NoError(t, binary.Write(zw, binary.BigEndian, append([]uint32{magic}, dims...)))
	_, err := zw.Write(data)
	require.NoError(t, err)
	require.NoError(t, zw.Close())
	require.NoError(t, os.WriteFile(path, b.Bytes(), 0o644))
}

func TestLoadSmall(t *testing.T) {
	dir := t.TempDir()
	img := make([]byte, 2*Pixels)
	img[0], img[Pixels+5] = 255, 51
	writeIDX(t, filepath.Join(dir, "t10k-images-idx3-ubyte.gz"), 0x803, []uint32{2, 28, 28}, img)
	writeIDX(t, filepath.Join(dir, "t10k-labels-idx1-ubyte.gz"), 0x801, []uint32{2}, []byte{9, 3})
	s, err := Load(dir, "t10k")
	require.NoError(t, err)
	require.Equal(t, 2, s.N)
	require.Equal(t, []int32{9, 3}, s.Labels)
	require.Equal(t, float32(1), s.Images[0])
	require.Equal(t, float32(0.2), s.Images[Pixels+5])

	writeIDX(t, filepath.Join(dir, "t10k-labels-idx1-ubyte.gz"), 0x801, []uint32{3}, []byte{9, 3, 1})
	_, err = Load(dir, "t10k")
	require.ErrorContains(t, err, "has 3 labels but 2 images")
	writeIDX(t, filepath.Join(dir, "t10k-labels-idx1-ubyte.gz"), 0x803, []uint32{2}, []byte{9, 3})
	_, err = Load(dir, "t10k")
	require.ErrorContains(t, err, "magic 0x803, want 0x801")
	_, err = Load(dir, "train")
	require.ErrorContains(t, err, "dataset-fashion-mnist installs the files in")
	_, err = Load(dir, "test")
	require.ErrorContains(t, err, `unknown split "test"`)
}

// TestLoadDebian reads the installed data set (scripts/setup.sh installs it).
func TestLoadDebian(t *testing.T) {
	if _, err := os.Stat(Dir); err != nil {
		t.Skipf("Fashion-MNIST is not installed: %v", err)
	}
	for split, n := range map[string]int{"train": 60000, "t10k": 10000} {
		s, err := Load(Dir, split)
		require.NoError(t, err)
		require.Equal(t, n, s.N)
		var count [10]int
		for _, l := range s.Labels {
			count[l]++
		}
		for c := range count {
			require.Equal(t, n/10, count[c], "%s: class %d", split, c) // balanced classes
		}
	}
}
