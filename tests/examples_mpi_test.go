// This file runs the Fashion-MNIST example data-parallel, on 2 ranks of an
// mpirun job on loopback only, and checks it reports what the single-process
// run must.
package tests

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestFashionOnTwoRanks builds examples/fashion without cgo and runs it with
// -mpi on 2 ranks of 1 thread over shared memory: rank 0 alone prints, and
// the accuracy, the plot and the checkpoint pass checkFashion.
func TestFashionOnTwoRanks(t *testing.T) {
	needTools(t)
	needContractions(t)
	needFashionMNIST(t)
	if _, err := exec.LookPath("mpirun"); err != nil {
		t.Skip("mpirun not found: install openmpi-bin and libopenmpi3 (scripts/setup.sh does)")
	}
	scratch := t.TempDir()
	bin := filepath.Join(scratch, "fashion")
	build := exec.Command("go", "build", "-o", bin, ".")
	build.Dir = "../examples/fashion"
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	out, err := build.CombinedOutput()
	require.NoError(t, err, "go build: %s", out)
	args := []string{"-np", "2", "--allow-run-as-root", "--oversubscribe",
		"--mca", "pml", "ob1", "--mca", "btl", "self,vader",
		"--mca", "oob_tcp_if_include", "lo", "--mca", "plm", "isolated",
		bin, "-mpi", "-threads", "1", "-out", filepath.Join(scratch, "out")}
	if testing.Short() {
		args = append(args, "-epochs", "1", "-train", "10000")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "mpirun", args...)
	cmd.Dir = t.TempDir()
	out, err = cmd.CombinedOutput()
	require.NoError(t, err, "%s", out)
	require.Contains(t, string(out), "1 threads on each of 2 ranks")
	checkFashion(t, string(out), scratch)
}
