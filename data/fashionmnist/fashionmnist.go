// Package fashionmnist reads Fashion-MNIST (Xiao, Rasul, Vollgraf, 2017:
// 70,000 grey 28×28 images of clothing in 10 classes) from the IDX files
// that Debian's dataset-fashion-mnist package installs in Dir, gzipped.
package fashionmnist

import (
	"bufio"
	"compress/gzip"
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// Dir is where Debian's dataset-fashion-mnist puts the files.
const Dir = "/usr/share/datasets/fashion-mnist"

// Pixels is the number of pixels of an image, 28×28.
const Pixels = 28 * 28

// Classes names the 10 classes by label.
var Classes = [10]string{"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"}

// Set is one split: N images, row-major, each pixel scaled to [0, 1], and
// their labels 0..9.
type Set struct {
	N      int
	Images []float32 // N × Pixels
	Labels []int32
}

// Load reads split "train" (60,000 images) or "t10k" (10,000) from dir.
func Load(dir, split string) (*Set, error) {
	if split != "train" && split != "t10k" {
		return nil, fmt.Errorf("fashionmnist: unknown split %q (train or t10k)", split)
	}
	imgs, rows, cols, err := readIDX(filepath.Join(dir, split+"-images-idx3-ubyte.gz"), 0x803)
	if err != nil {
		return nil, err
	}
	labels, _, _, err := readIDX(filepath.Join(dir, split+"-labels-idx1-ubyte.gz"), 0x801)
	if err != nil {
		return nil, err
	}
	if rows*cols != Pixels {
		return nil, fmt.Errorf("fashionmnist: %s images are %d×%d, not 28×28", split, rows, cols)
	}
	n := len(labels)
	if len(imgs) != n*Pixels {
		return nil, fmt.Errorf("fashionmnist: %s has %d labels but %d images", split, n, len(imgs)/Pixels)
	}
	s := &Set{N: n, Images: make([]float32, len(imgs)), Labels: make([]int32, n)}
	for i, p := range imgs {
		s.Images[i] = float32(p) / 255
	}
	for i, l := range labels {
		if l > 9 {
			return nil, fmt.Errorf("fashionmnist: %s label %d is %d, not a class 0..9", split, i, l)
		}
		s.Labels[i] = int32(l)
	}
	return s, nil
}

// readIDX reads a gzipped IDX file of unsigned bytes with the given magic
// (0x801: a vector, 0x803: images) and returns its data and, for images,
// their rows and columns.
func readIDX(path string, magic uint32) (data []byte, rows, cols int, err error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, 0, 0, fmt.Errorf("fashionmnist: %w (Debian's dataset-fashion-mnist installs the files in %s)", err, Dir)
	}
	defer f.Close()
	zr, err := gzip.NewReader(bufio.NewReader(f))
	if err != nil {
		return nil, 0, 0, fmt.Errorf("fashionmnist: %s: %w", path, err)
	}
	ndim := int(magic & 0xff)
	head := make([]uint32, 1+ndim)
	if err := binary.Read(zr, binary.BigEndian, head); err != nil {
		return nil, 0, 0, fmt.Errorf("fashionmnist: %s: header: %w", path, err)
	}
	if head[0] != magic {
		return nil, 0, 0, fmt.Errorf("fashionmnist: %s: magic %#x, want %#x", path, head[0], magic)
	}
	n := int64(1)
	for _, d := range head[1:] {
		n *= int64(d)
	}
	if n > 1<<28 {
		return nil, 0, 0, fmt.Errorf("fashionmnist: %s: %d bytes is too large", path, n)
	}
	data = make([]byte, n)
	if _, err := io.ReadFull(zr, data); err != nil {
		return nil, 0, 0, fmt.Errorf("fashionmnist: %s: %w", path, err)
	}
	if ndim == 3 {
		rows, cols = int(head[2]), int(head[3])
	}
	return data, rows, cols, nil
}
