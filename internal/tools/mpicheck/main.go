// Command mpicheck is the program the tests and benchmarks of runtime/mpi run
// under mpirun, one process per rank. Each mode is one scenario:
//
//	mpicheck check              every collective on every dtype, checked against closed forms
//	mpicheck bench -n 16777216  all-reduce time per call, in place, f32 (rank 0 prints);
//	                            with -c lib.so, alternating with the same call in C
//	mpicheck die                rank 1 kills itself mid-run; the others keep reducing
//	mpicheck hang -timeout 2s   rank 1 stops calling; the others' watchdog must end the job
//
// For example, on one machine, over shared memory only:
//
//	mpirun -np 2 --mca pml ob1 --mca btl self,vader go run ./internal/tools/mpicheck check
//
// A rank prints "rank R: PASS" when its checks passed, and exits 1 otherwise.
package main

import (
	"flag"
	"fmt"
	"os"
	"time"

	"dlc.dev/dlc/runtime/mpi"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: mpicheck check|bench|die|hang [flags]")
		os.Exit(2)
	}
	mode := os.Args[1]
	fs := flag.NewFlagSet(mode, flag.ExitOnError)
	n := fs.Int("n", 16<<20, "bench: elements (f32) per all-reduce")
	reps := fs.Int("reps", 20, "bench: timed calls")
	warmup := fs.Int("warmup", 3, "bench: untimed calls first")
	timeout := fs.Duration("timeout", 0, "collective timeout (Config.Timeout)")
	lib := fs.String("lib", "", "MPI library (Config.Library)")
	clib := fs.String("c", "", "bench: the C all-reduce library (runtime/mpi/testdata/allreduce_lib.c) to alternate with")
	fs.Parse(os.Args[2:])

	c, err := mpi.Init(mpi.Config{Library: *lib, Timeout: *timeout})
	if err != nil {
		fmt.Fprintln(os.Stderr, "mpicheck:", err)
		os.Exit(1)
	}
	switch mode {
	case "check":
		err = check(c)
	case "bench":
		err = bench(c, *n, *reps, *warmup, *clib)
	case "die":
		err = die(c)
	case "hang":
		err = hang(c)
	default:
		err = fmt.Errorf("unknown mode %q", mode)
	}
	if ferr := c.Finalize(); err == nil {
		err = ferr
	}
	if mode == "check" && err == nil {
		err = checkAfterFinalize(c, *lib)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "rank %d: FAIL: %v\n", c.Rank(), err)
		os.Exit(1)
	}
	if mode == "check" {
		fmt.Printf("rank %d: PASS\n", c.Rank())
	}
}

// die reduces in a loop; rank 1 kills itself with SIGKILL after the first
// call, so rank 0 is left inside MPI_Allreduce with a dead peer.
func die(c *mpi.Comm) error {
	x := make([]float32, 1024)
	for i := 0; ; i++ {
		if err := c.Allreduce(f32(x), f32(x), mpi.Sum); err != nil {
			return err
		}
		if i == 1 && c.Rank() == 1 {
			p, _ := os.FindProcess(os.Getpid())
			p.Kill()
			time.Sleep(time.Hour)
		}
		if i > 1<<20 {
			return fmt.Errorf("rank 1 did not die")
		}
	}
}

// hang reduces once; then rank 1 sleeps instead of reducing again, and rank
// 0's next all-reduce must be ended by the watchdog.
func hang(c *mpi.Comm) error {
	x := make([]float32, 1024)
	if err := c.Allreduce(f32(x), f32(x), mpi.Sum); err != nil {
		return err
	}
	if c.Rank() == 1 {
		time.Sleep(time.Hour)
	}
	return c.Allreduce(f32(x), f32(x), mpi.Sum)
}
