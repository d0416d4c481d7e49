// This file tests data-parallel training under mpirun on loopback only:
// internal/tools/dpcheck trains the test network on 1 and 2 ranks on the same
// global batches, and the parameters are compared with the fused step's in
// this process.
package train

import (
	"context"
	"encoding/binary"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"testing"
	"time"

	"dlc.dev/dlc/compiler"

	"github.com/stretchr/testify/require"
)

// loopback keeps a job on this machine and its loopback interface (see
// runtime/mpi's tests): shared memory between ranks, the runtime's channel
// on lo, a launcher that starts local processes only.
var loopback = []string{
	"--allow-run-as-root", "--oversubscribe",
	"--mca", "pml", "ob1", "--mca", "btl", "self,vader",
	"--mca", "oob_tcp_if_include", "lo", "--mca", "plm", "isolated",
}

// dpSteps is how many steps each run trains.
const dpSteps = 20

// dpJob runs dpcheck on np ranks with extra flags and returns the
// parameters and state rank 0 wrote and each rank's hash line.
func dpJob(t *testing.T, prog, art string, np, steps int, extra ...string) ([]float32, []string) {
	t.Helper()
	xs, hashes, _ := dpJobHeld(t, prog, art, np, steps, extra...)
	return xs, hashes
}

// dpJobHeld is dpJob that also returns the elements of optimizer state each
// rank holds.
func dpJobHeld(t *testing.T, prog, art string, np, steps int, extra ...string) ([]float32, []string, []int) {
	t.Helper()
	out := filepath.Join(t.TempDir(), "params.bin")
	args := append([]string{"-np", strconv.Itoa(np)}, loopback...)
	args = append(args, prog, "-art", art, "-steps", strconv.Itoa(steps), "-out", out)
	args = append(args, extra...)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	b, err := exec.CommandContext(ctx, "mpirun", args...).CombinedOutput()
	require.NoError(t, err, "mpirun %v:\n%s", args, b)
	lines := regexp.MustCompile(`rank (\d+) of \d+: steps (\d+) loss \S+ hash ([0-9a-f]+) state (\d+)`).FindAllStringSubmatch(string(b), -1)
	require.Len(t, lines, np, "one line per rank:\n%s", b)
	hashes, held := make([]string, np), make([]int, np)
	for _, l := range lines {
		require.Equal(t, strconv.Itoa(steps), l[2])
		r, _ := strconv.Atoi(l[1])
		hashes[r] = l[3]
		held[r], _ = strconv.Atoi(l[4])
	}
	raw, err := os.ReadFile(out)
	require.NoError(t, err)
	xs := make([]float32, len(raw)/4)
	for i := range xs {
		xs[i] = math.Float32frombits(binary.LittleEndian.Uint32(raw[4*i:]))
	}
	return xs, hashes, held
}

// dpSetup skips without OpenMPI, trains dpSteps fused steps in this
// process and returns their parameters and state, how many of them are
// parameters, and the built artifact and dpcheck.
func dpSetup(t *testing.T) (fused []float32, params int, prog, art string) {
	t.Helper()
	return dpSetupWith(t, src)
}

// dpSetupWith is dpSetup for the network of source.
func dpSetupWith(t *testing.T, source string) (fused []float32, params int, prog, art string) {
	t.Helper()
	if _, err := exec.LookPath("mpirun"); err != nil {
		t.Skip("mpirun not found: install openmpi-bin and libopenmpi3 (scripts/setup.sh does)")
	}
	if _, err := os.Stat("/usr/lib/x86_64-linux-gnu/libmpi.so.40"); err != nil {
		t.Skip("libmpi.so.40 not found: install libopenmpi3 (scripts/setup.sh does)")
	}
	tr := newTrainerOf(t, source, Options{Step: "step", Seed: 3})
	for i := range dpSteps {
		_, err := tr.Step(batch(i))
		require.NoError(t, err)
	}
	for _, n := range append(tr.Params(), tr.State()...) {
		xs, _ := tr.Float32(n)
		fused = append(fused, xs...)
		if slices.Contains(tr.Params(), n) {
			params += len(xs)
		}
	}
	dir := t.TempDir()
	b, _, err := compiler.Build(context.Background(), "net.dl", []byte(source), compiler.Options{})
	require.NoError(t, err)
	art = filepath.Join(dir, "net.dla")
	require.NoError(t, os.WriteFile(art, b, 0o644))
	prog = filepath.Join(dir, "dpcheck")
	cmd := exec.Command("go", "build", "-o", prog, "dlc.dev/dlc/internal/tools/dpcheck")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "go build dpcheck:\n%s", out)
	return fused, params, prog, art
}

// maxDiff is the largest absolute difference between a and b.
func maxDiff(a, b []float32) float64 {
	d := 0.0
	for i := range a {
		d = max(d, math.Abs(float64(a[i])-float64(b[i])))
	}
	return d
}

// sumOrderBound bounds the difference that another summation order makes
// after dpSteps steps: 20 AdamW steps of at most lr = 0.02 each move a
// parameter by at most 0.4; the gradients differ by a few ulp, and AdamW's
// update m/sqrt(v) is scale-free, so a relative change ε of a gradient moves
// a step by about ε·lr. 1e-5 leaves room for ε up to 25 ulp over every step.
const sumOrderBound = 1e-5

// TestDataParallel trains 20 AdamW steps on 1 and 2 ranks. One rank runs
// step.grad, an all-reduce over itself and step.update with grad_scale 1:
// the fused step's bits. Two ranks end with the same bits on each rank, the
// same bits whatever the bucket size (a sum of two terms has one order), and
// differ from one rank only by the order of the loss's mean over the rows
// (two means of 4 rows halved instead of one mean of 8), carried through 20
// steps.
func TestDataParallel(t *testing.T) {
	fused, params, prog, art := dpSetup(t)
	one, _ := dpJob(t, prog, art, 1, dpSteps)
	require.Equal(t, fused, one, "1 rank: the fused step's bits")

	two, hashes := dpJob(t, prog, art, 2, dpSteps)
	require.Equal(t, hashes[0], hashes[1], "both ranks hold the same parameters and state")
	small, _ := dpJob(t, prog, art, 2, dpSteps, "-bucket", "64")
	require.Equal(t, two, small, "16-element buckets give the same bits as one bucket")

	maxAbs := maxDiff(fused[:params], two[:params])
	t.Logf("2 ranks against 1 after %d steps: parameters differ by at most %.3g", dpSteps, maxAbs)
	require.NotEqual(t, fused[:params], two[:params], "a different summation order changes some bits")
	require.Less(t, maxAbs, sumOrderBound, "within the rounding of a different summation order")
}

// TestDataParallelResume saves a checkpoint after 10 steps on 1 and on 2
// ranks (rank 0 writes it) and trains on to 20 from it: on the rank count
// that wrote it, with the bits of an uninterrupted run; on the other, within
// the rounding of the other summation order.
func TestDataParallelResume(t *testing.T) {
	fused, params, prog, art := dpSetup(t)
	two, _ := dpJob(t, prog, art, 2, dpSteps)
	dir := t.TempDir()
	ck := map[int]string{}
	for _, np := range []int{1, 2} {
		ck[np] = filepath.Join(dir, strconv.Itoa(np)+".safetensors")
		dpJob(t, prog, art, np, dpSteps/2, "-ckpt", ck[np])
	}
	same1, _ := dpJob(t, prog, art, 1, dpSteps, "-resume", ck[1])
	require.Equal(t, fused, same1, "1 rank resumed on 1")
	same2, hashes := dpJob(t, prog, art, 2, dpSteps, "-resume", ck[2])
	require.Equal(t, hashes[0], hashes[1])
	require.Equal(t, two, same2, "2 ranks resumed on 2")
	cross1, _ := dpJob(t, prog, art, 1, dpSteps, "-resume", ck[2])
	cross2, _ := dpJob(t, prog, art, 2, dpSteps, "-resume", ck[1])
	t.Logf("resumed on the other rank count: within %.3g and %.3g of the uninterrupted run", maxDiff(cross1[:params], fused[:params]), maxDiff(cross2[:params], two[:params]))
	require.Less(t, maxDiff(cross1[:params], fused[:params]), sumOrderBound)
	require.Less(t, maxDiff(cross2[:params], two[:params]), sumOrderBound)
}

// TestShard cuts a batch of 8 rows into 2 and checks the views row by row
// against the rows of the whole, and the mistakes Shard refuses.
func TestShard(t *testing.T) {
	whole := batch(0)
	x := unsafeSliceF32(whole["x"])
	labels := unsafeSliceI32(whole["labels"])
	for r := range 2 {
		part, err := Shard(whole, r, 2)
		require.NoError(t, err)
		require.Equal(t, []int64{4, 6}, part["x"].Shape)
		require.Equal(t, []int64{4}, part["labels"].Shape)
		require.Equal(t, x[r*24:(r+1)*24], unsafeSliceF32(part["x"]))
		require.Equal(t, labels[r*4:(r+1)*4], unsafeSliceI32(part["labels"]))
	}
	_, err := Shard(whole, 0, 3)
	require.ErrorContains(t, err, "multiple of the 3 ranks")
	_, err = Shard(whole, 2, 2)
	require.ErrorContains(t, err, "rank 2 of 2")
}
