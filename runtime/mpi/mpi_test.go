// This file tests the MPI engine: what needs no MPI job in this process, and
// jobs of 2 and 3 ranks launched with mpirun on loopback only (over shared
// memory, and over TCP as between hosts), running
// internal/tools/mpicheck (collectives against closed forms, a rank that
// dies, a rank that hangs).
package mpi

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// loopback are the mpirun options that keep a job on this machine and its
// loopback interface: the ob1 messaging layer over shared memory (vader) and
// self only (no UCX, no TCP between ranks), the runtime's out-of-band
// channel on lo, and a launcher that starts local processes only.
var loopback = []string{
	"--allow-run-as-root", "--oversubscribe",
	"--mca", "pml", "ob1", "--mca", "btl", "self,vader",
	"--mca", "oob_tcp_if_include", "lo", "--mca", "plm", "isolated",
}

// overTCP are the options that replace shared memory by TCP on lo, the
// transport between hosts.
var overTCP = []string{"--mca", "btl", "self,tcp", "--mca", "btl_tcp_if_include", "lo"}

// mpirunArgs is the command line running prog with args on np ranks.
func mpirunArgs(np int, prog string, args ...string) []string {
	return mpirunWith(nil, np, prog, args...)
}

// mpirunWith is mpirunArgs with the btl options of loopback replaced by
// btl when btl is not nil.
func mpirunWith(btl []string, np int, prog string, args ...string) []string {
	a := []string{"-np", strconv.Itoa(np)}
	for i := 0; i < len(loopback); i++ {
		if btl != nil && loopback[i] == "--mca" && loopback[i+1] == "btl" {
			a = append(a, btl...)
			i += 2
			continue
		}
		a = append(a, loopback[i])
	}
	return append(append(a, prog), args...)
}

// needMPI skips the test when OpenMPI is not installed.
func needMPI(t testing.TB) {
	t.Helper()
	if _, err := exec.LookPath("mpirun"); err != nil {
		t.Skip("mpirun not found: install openmpi-bin and libopenmpi3 (scripts/setup.sh does)")
	}
	if _, err := openLibrary(""); err != nil {
		t.Skipf("OpenMPI missing: %v", err)
	}
}

// buildMpicheck compiles internal/tools/mpicheck without cgo, which also
// checks that the engine needs none.
func buildMpicheck(t testing.TB) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "mpicheck")
	cmd := exec.Command("go", "build", "-o", path, "dlc.dev/dlc/internal/tools/mpicheck")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build mpicheck: %v\n%s", err, out)
	}
	return path
}

// job is the outcome of one mpirun.
type job struct {
	out     string
	err     error
	elapsed time.Duration
}

// runJob runs mpicheck with args on np ranks, killed after limit.
func runJob(t *testing.T, np int, limit time.Duration, args ...string) job {
	t.Helper()
	return runJobWith(t, nil, np, limit, args...)
}

// runJobWith is runJob with the btl options btl (nil: shared memory).
func runJobWith(t *testing.T, btl []string, np int, limit time.Duration, args ...string) job {
	t.Helper()
	prog := buildMpicheck(t)
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	cmd := exec.CommandContext(ctx, "mpirun", mpirunWith(btl, np, prog, args...)...)
	start := time.Now()
	out, err := cmd.CombinedOutput()
	j := job{out: string(out), err: err, elapsed: time.Since(start)}
	if ctx.Err() != nil {
		t.Fatalf("mpirun %v did not finish within %v:\n%s", args, limit, out)
	}
	return j
}

func TestMissingLibrary(t *testing.T) {
	_, err := Init(Config{Library: "libmpi-not-here.so.40"})
	if err == nil || !strings.Contains(err.Error(), "libmpi-not-here.so.40") || !strings.Contains(err.Error(), "openmpi-bin") {
		t.Fatalf("got %v, want an error naming the library and the package to install", err)
	}
}

func TestNotOpenMPI(t *testing.T) {
	// libc opens, but has none of MPI's symbols.
	_, err := Init(Config{Library: "libc.so.6"})
	if err == nil || !strings.Contains(err.Error(), "has no MPI_Init_thread") {
		t.Fatalf("got %v, want an error naming the missing symbol", err)
	}
}

func TestNegativeTimeout(t *testing.T) {
	_, err := Init(Config{Timeout: -time.Second})
	if err == nil || !strings.Contains(err.Error(), "Timeout") {
		t.Fatalf("got %v, want an error about Timeout", err)
	}
}

func TestCollectives(t *testing.T) {
	needMPI(t)
	for _, c := range []struct {
		name string
		np   int
		btl  []string
	}{{"2ranks", 2, nil}, {"3ranks", 3, nil}, {"2ranks-tcp", 2, overTCP}} {
		t.Run(c.name, func(t *testing.T) {
			// A watchdog on every collective: a bug that desynchronizes the
			// ranks fails the job instead of hanging the test.
			j := runJobWith(t, c.btl, c.np, 2*time.Minute, "check", "-timeout", "30s")
			if j.err != nil {
				t.Fatalf("mpirun: %v\n%s", j.err, j.out)
			}
			for r := range c.np {
				if !strings.Contains(j.out, "rank "+strconv.Itoa(r)+": PASS") {
					t.Errorf("rank %d did not pass:\n%s", r, j.out)
				}
			}
			if c.np == 2 && !strings.Contains(j.out, "rank 1: truncated broadcast: mpi: MPI_Bcast failed: MPI_ERR_TRUNCATE") {
				t.Errorf("the truncated broadcast did not report MPI's error:\n%s", j.out)
			}
		})
	}
}

// TestRankDies kills rank 1 while rank 0 is in an all-reduce: OpenMPI's
// launcher sees the process die and ends the job. No watchdog is set, so this
// is OpenMPI's own detection; the bound is generous for a loaded machine.
func TestRankDies(t *testing.T) {
	needMPI(t)
	const bound = 30 * time.Second
	j := runJob(t, 2, bound+30*time.Second, "die")
	if j.err == nil {
		t.Fatalf("the job exited 0 after a rank died:\n%s", j.out)
	}
	if j.elapsed > bound {
		t.Errorf("the job took %v to end after a rank died; want under %v", j.elapsed, bound)
	}
	if !strings.Contains(j.out, "rank 1") || !strings.Contains(j.out, "signal 9") {
		t.Errorf("mpirun did not say that rank 1 died of signal 9:\n%s", j.out)
	}
	t.Logf("job ended %v after start (rank 1 dies after its second all-reduce)", j.elapsed.Round(time.Millisecond))
}

// TestRankHangs stops rank 1 from calling the next all-reduce without
// exiting, which the launcher cannot see: rank 0's watchdog must end the job
// with an error naming the call, within the timeout plus one tick.
func TestRankHangs(t *testing.T) {
	needMPI(t)
	const timeout = 2 * time.Second
	j := runJob(t, 2, time.Minute, "hang", "-timeout", timeout.String())
	if j.err == nil {
		t.Fatalf("the job exited 0 while a rank hung:\n%s", j.out)
	}
	if !strings.Contains(j.out, "mpi: rank 0 of 2: MPI_Allreduce has not returned after") {
		t.Errorf("rank 0 did not report the hung all-reduce:\n%s", j.out)
	}
	if j.elapsed < timeout {
		t.Errorf("the job ended after %v, before the %v timeout", j.elapsed, timeout)
	}
	t.Logf("job ended %v after start, timeout %v", j.elapsed.Round(time.Millisecond), timeout)
}
