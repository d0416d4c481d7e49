// Command dpbench times data-parallel train steps of two kinds in one MPI
// job, alternating: plain data parallelism against ZeRO-1 (-mode zero) or
// against the deterministic mode (-mode det, -micro M). Each rank trains
// two Trainers of the same artifact on the same synthetic batches (this
// rank's part of a global batch of -batch rows); each round times -steps
// steps of the one, then as many of the other, and rank 0 prints the
// median and range over the rounds of the second's time over the first's.
// Alternating within a job keeps a slow stretch of a shared machine from
// falling on one side only. For example, on the Fashion-MNIST MLP:
//
//	mpirun -np 2 dpbench -src examples/fashion/mlp.dl -mode zero -threads 1
package main

import (
	"context"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"time"

	"dlc.dev/dlc/compiler"
	"dlc.dev/dlc/runtime"
	"dlc.dev/dlc/runtime/mpi"
	"dlc.dev/dlc/train"
)

// options are the command's flags.
type options struct {
	src, mode                       string
	batch, micro, steps, rounds, th int
}

func main() {
	var o options
	flag.StringVar(&o.src, "src", "examples/fashion/mlp.dl", "the model source, with a train step named step over x: f32[B, 784] and labels: i32[B]")
	flag.StringVar(&o.mode, "mode", "zero", "what to time against plain data parallelism: zero or det")
	flag.IntVar(&o.batch, "batch", 128, "rows of the global batch")
	flag.IntVar(&o.micro, "micro", 2, "microbatches of the deterministic mode")
	flag.IntVar(&o.steps, "steps", 50, "steps of each kind per round")
	flag.IntVar(&o.rounds, "rounds", 15, "rounds")
	flag.IntVar(&o.th, "threads", 1, "threads per kernel")
	flag.Parse()
	if err := run(o); err != nil {
		fmt.Fprintln(os.Stderr, "dpbench:", err)
		os.Exit(1)
	}
}

func run(o options) error {
	if o.mode != "zero" && o.mode != "det" {
		return fmt.Errorf("-mode %q: want zero or det", o.mode)
	}
	src, err := os.ReadFile(o.src)
	if err != nil {
		return err
	}
	b, _, err := compiler.Build(context.Background(), o.src, src, compiler.Options{})
	if err != nil {
		return err
	}
	c, err := mpi.Init(mpi.Config{Timeout: 5 * time.Minute})
	if err != nil {
		return err
	}
	defer c.Finalize()
	art, err := runtime.LoadBytes(b, runtime.Config{Threads: o.th})
	if err != nil {
		return err
	}
	defer art.Close()
	plain, err := train.New(art, train.Options{Step: "step", Seed: 1, Comm: c})
	if err != nil {
		return err
	}
	other := train.Options{Step: "step", Seed: 1, Comm: c, ZeRO: o.mode == "zero"}
	if o.mode == "det" {
		other.Deterministic, other.Microbatches = true, o.micro
	}
	alt, err := train.New(art, other)
	if err != nil {
		return err
	}
	part, err := train.Shard(batch(o.batch), c.Rank(), c.Size())
	if err != nil {
		return err
	}
	var ratios []float64
	for r := range o.rounds + 1 {
		t0, err := timeSteps(plain, part, o.steps)
		if err != nil {
			return err
		}
		t1, err := timeSteps(alt, part, o.steps)
		if err != nil {
			return err
		}
		if r > 0 { // the first round warms up
			ratios = append(ratios, t1.Seconds()/t0.Seconds())
		}
		if c.Rank() == 0 {
			fmt.Printf("round %d: plain %.3f ms/step, %s %.3f ms/step\n", r, ms(t0, o.steps), o.mode, ms(t1, o.steps))
		}
	}
	slices.Sort(ratios)
	if c.Rank() == 0 {
		fmt.Printf("%s / plain step time on %d ranks: median %.3f, range %.3f-%.3f over %d rounds\n",
			o.mode, c.Size(), ratios[len(ratios)/2], ratios[0], ratios[len(ratios)-1], len(ratios))
	}
	return nil
}

// timeSteps times n steps of tr on part.
func timeSteps(tr *train.Trainer, part map[string]runtime.Tensor, n int) (time.Duration, error) {
	start := time.Now()
	for range n {
		if _, err := tr.Step(part); err != nil {
			return 0, err
		}
	}
	return time.Since(start), nil
}

func ms(d time.Duration, n int) float64 { return d.Seconds() * 1e3 / float64(n) }

// batch is a synthetic global batch of rows images and labels.
func batch(rows int) map[string]runtime.Tensor {
	rng := rand.New(rand.NewPCG(1, 2))
	x := make([]float32, rows*784)
	for i := range x {
		x[i] = rng.Float32()
	}
	labels := make([]int32, rows)
	for i := range labels {
		labels[i] = int32(rng.IntN(10))
	}
	return map[string]runtime.Tensor{"x": runtime.F32(x, int64(rows), 784), "labels": runtime.I32(labels, int64(rows))}
}
