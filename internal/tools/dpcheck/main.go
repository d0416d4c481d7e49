// Command dpcheck is the program the data-parallel tests of package train run
// under mpirun, one process per rank: it trains the step of an artifact
// built from train's test network (8 rows of 6 features, 3 classes) for a
// number of steps on the same global batches whatever the rank count, each
// rank on its rows, then prints a hash of its parameters and state, and
// rank 0 writes them to a file (raw little-endian f32, parameters then
// state, in the step's order). For example:
//
//	mpirun -np 2 --mca pml ob1 --mca btl self,vader dpcheck -art net.dla -steps 20 -out params.bin
//
// -ckpt writes a checkpoint after the last step; -resume loads one first and
// trains on from its step counter to -steps. -micro M trains in the
// deterministic mode with M microbatches; -zero shards the optimizer state
// (ZeRO-1), and then the hash and the file cover the parameters only.
//
// A rank prints "rank R of P: steps N loss L hash H state S", S the elements
// of optimizer state it holds.
package main

import (
	"flag"
	"fmt"
	"hash/fnv"
	"math"
	"os"
	"time"
	"unsafe"

	"dlc.dev/dlc/runtime"
	"dlc.dev/dlc/runtime/mpi"
	"dlc.dev/dlc/train"
)

func main() {
	art := flag.String("art", "", "the artifact, with a train step named step")
	steps := flag.Int("steps", 20, "steps to train")
	rows := flag.Int("rows", 8, "rows of the global batch")
	bucket := flag.Int("bucket", 0, "bytes per gradient all-reduce (0: the default)")
	out := flag.String("out", "", "rank 0 writes the parameters and state here")
	ckpt := flag.String("ckpt", "", "save a checkpoint here after the last step")
	resume := flag.String("resume", "", "load this checkpoint first")
	micro := flag.Int("micro", 0, "deterministic mode with this many microbatches (0: off)")
	zero := flag.Bool("zero", false, "shard the optimizer state (ZeRO-1)")
	flag.Parse()
	if err := run(job{*art, *steps, *rows, *bucket, *micro, *zero, *out, *ckpt, *resume}); err != nil {
		fmt.Fprintln(os.Stderr, "dpcheck:", err)
		os.Exit(1)
	}
}

// job is what to run.
type job struct {
	art               string
	steps, rows       int
	bucket, micro     int
	zero              bool
	out, ckpt, resume string
}

func run(j job) error {
	c, err := mpi.Init(mpi.Config{Timeout: time.Minute})
	if err != nil {
		return err
	}
	err = train1(c, j)
	if ferr := c.Finalize(); err == nil {
		err = ferr
	}
	return err
}

func train1(c *mpi.Comm, j job) error {
	art, err := runtime.Load(j.art, runtime.Config{Threads: 1})
	if err != nil {
		return err
	}
	defer art.Close()
	tr, err := train.New(art, train.Options{Step: "step", Seed: 3, Comm: c, BucketBytes: j.bucket,
		Deterministic: j.micro > 0, Microbatches: j.micro, ZeRO: j.zero})
	if err != nil {
		return err
	}
	if j.resume != "" {
		if err := tr.Load(j.resume); err != nil {
			return err
		}
	}
	var loss float64
	for i := int(tr.Steps()); i < j.steps; i++ {
		part, err := train.Shard(Batch(i, j.rows), c.Rank(), c.Size())
		if err != nil {
			return err
		}
		if loss, err = tr.Step(part); err != nil {
			return err
		}
	}
	var all []byte
	held := 0
	for _, n := range tr.State() {
		xs, _ := tr.Float32(n)
		held += len(xs)
	}
	names := tr.Params()
	if !j.zero {
		names = append(names, tr.State()...)
	}
	for _, n := range names {
		xs, _ := tr.Float32(n)
		all = append(all, unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(xs))), 4*len(xs))...)
	}
	h := fnv.New64a()
	h.Write(all)
	fmt.Printf("rank %d of %d: steps %d loss %.9g hash %016x state %d\n", c.Rank(), c.Size(), tr.Steps(), loss, h.Sum64(), held)
	if j.ckpt != "" {
		if err := tr.Save(j.ckpt); err != nil {
			return err
		}
	}
	if c.Rank() == 0 && j.out != "" {
		return os.WriteFile(j.out, all, 0o644)
	}
	return nil
}

// Batch is global batch i: rows rows whose class is the largest of the
// first 3 of 6 features (the batches of package train's tests).
func Batch(i, rows int) map[string]runtime.Tensor {
	x := make([]float32, rows*6)
	labels := make([]int32, rows)
	for r := range rows {
		best := float32(math.Inf(-1))
		for j := range 6 {
			x[r*6+j] = float32(math.Sin(float64(i*97+r*13+j*7) * 0.61))
			if j < 3 && x[r*6+j] > best {
				best, labels[r] = x[r*6+j], int32(j)
			}
		}
	}
	return map[string]runtime.Tensor{"x": runtime.F32(x, int64(rows), 6), "labels": runtime.I32(labels, int64(rows))}
}
