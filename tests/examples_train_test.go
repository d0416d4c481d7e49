// This file checks what the training examples on Fashion-MNIST report.
package tests

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"

	"dlc.dev/dlc/data/fashionmnist"

	"github.com/stretchr/testify/require"
)

// needsContractions lists the examples whose models multiply matrices.
var needsContractions = map[string]bool{"fashion": true, "multilabel": true}

// needsData lists the examples that read Fashion-MNIST.
var needsData = map[string]bool{"fashion": true, "multilabel": true}

// needFashionMNIST skips when Debian's dataset-fashion-mnist is not installed.
func needFashionMNIST(t *testing.T) {
	if _, err := os.Stat(filepath.Join(fashionmnist.Dir, "t10k-labels-idx1-ubyte.gz")); err != nil {
		t.Skipf("Fashion-MNIST is not installed (scripts/setup.sh installs it): %v", err)
	}
}

// checkFashion requires a progress line per epoch, the accuracy the README
// quotes (at least 88% after the default 10 epochs; the short run's single
// epoch on a sixth of the data, at least 75%), the plot and a checkpoint.
func checkFashion(t *testing.T, out, dir string) {
	require.Regexp(t, `(?m)^epoch 1/\d+  \d+ steps/s  loss \d+\.\d+  test accuracy \d+\.\d+%$`, out)
	m := regexp.MustCompile(`final test accuracy (\S+)%`).FindStringSubmatch(out)
	require.NotNil(t, m, out)
	acc, err := strconv.ParseFloat(m[1], 64)
	require.NoError(t, err)
	want := 88.0
	if testing.Short() {
		want = 75
	}
	require.GreaterOrEqual(t, acc, want, out)
	checkPNG(t, filepath.Join(dir, "out", "fashion.png"))
	fi, err := os.Stat(filepath.Join(dir, "out", "fashion.safetensors"))
	require.NoError(t, err)
	require.Greater(t, fi.Size(), int64(4*(784*512+512*512+512*10)), "the checkpoint holds the weights and Lion's momentum")

	// A short f16 run (the step with loss scaling), then both runs' curves
	// in one plot.
	bin := filepath.Join(dir, "fashion")
	f16 := exec.Command(bin, "-precision", "f16", "-epochs", "1", "-train", "2000", "-out", filepath.Join(dir, "f16"))
	b, err := f16.CombinedOutput()
	require.NoError(t, err, "%s", b)
	require.Contains(t, string(b), "(train step step_f16)")
	cmp := exec.Command(bin, "-compare", "f32="+filepath.Join(dir, "out")+",f16="+filepath.Join(dir, "f16"), "-out", filepath.Join(dir, "cmp"))
	b, err = cmp.CombinedOutput()
	require.NoError(t, err, "%s", b)
	require.Regexp(t, `(?m)^f16: final test accuracy \d+\.\d+%$`, string(b))
	checkPNG(t, filepath.Join(dir, "cmp", "compare.png"))
	bad := exec.Command(bin, "-precision", "f8")
	b, err = bad.CombinedOutput()
	require.Error(t, err)
	require.Contains(t, string(b), `-precision "f8": want f32, bf16 or f16`)
}

// checkMultilabel requires both losses' scores, each far above what
// predicting no class or every class would score.
func checkMultilabel(t *testing.T, out, _ string) {
	re := regexp.MustCompile(`(?m)^(ZLPR|sigmoid BCE): +exact match (\S+)%  micro-F1 (\S+)`)
	ms := re.FindAllStringSubmatch(out, -1)
	require.Len(t, ms, 2, out)
	for _, m := range ms {
		exact, _ := strconv.ParseFloat(m[2], 64)
		f1, _ := strconv.ParseFloat(m[3], 64)
		require.Greater(t, exact, 20.0, "%s: exact match", m[1])
		require.Greater(t, f1, 0.6, "%s: micro-F1", m[1])
	}
}
