// Command exacttoy reproduces the toy problem of the EXACT paper
// (Karpukhin, Dereka, Kolesnikov, "EXACT: How to Train Your Accuracy", 2022):
// three points on a line, (-0.25, -), (0, -) and (0.25, +), and the model
// f(x) = x - b, trained from b = 0 by gradient descent with sigmoid
// cross-entropy, hinge loss and EXACT. It prints where b ends and the
// accuracy each reaches: only thresholds b in (0, 0.25) classify all three.
// The train steps are compiled from toy.dl, embedded, so the program runs
// from any directory.
package main

import (
	"context"
	_ "embed"
	"flag"
	"fmt"
	"os"

	"dlc.dev/dlc/compiler"
	"dlc.dev/dlc/runtime"
	"dlc.dev/dlc/train"
)

//go:embed toy.dl
var source []byte

// The toy data: positions and whether each point is positive.
var (
	xs  = []float32{-0.25, 0, 0.25}
	pos = []bool{false, false, true}
)

func main() {
	steps := flag.Int("steps", 3000, "full-batch gradient steps per loss")
	sigma := flag.Float64("sigma", 0.1, "EXACT's score noise σ")
	flag.Parse()
	if err := run(*steps, *sigma); err != nil {
		fmt.Fprintln(os.Stderr, "exacttoy:", err)
		os.Exit(1)
	}
}

func run(steps int, sigma float64) error {
	b, _, err := compiler.Build(context.Background(), "toy.dl", source, compiler.Options{})
	if err != nil {
		return err
	}
	art, err := runtime.LoadBytes(b, runtime.Config{Threads: 1})
	if err != nil {
		return err
	}
	defer art.Close()
	y := make([]float32, 3)
	labels := make([]int32, 3)
	for i, p := range pos {
		if p {
			y[i], labels[i] = 1, 1
		}
	}
	x := runtime.F32(xs, 3, 1)
	runs := []struct {
		name, step string
		batch      map[string]runtime.Tensor
		scalars    map[string]float64
	}{
		{"sigmoid cross-entropy", "step_ce", map[string]runtime.Tensor{"x": x, "y": runtime.F32(y, 3, 1)}, nil},
		{"hinge", "step_hinge", map[string]runtime.Tensor{"x": x, "y": runtime.F32(y, 3, 1)}, nil},
		{fmt.Sprintf("EXACT (sigma %g)", sigma), "step_exact", map[string]runtime.Tensor{"x": x, "labels": runtime.I32(labels, 3), "basis": runtime.F32([]float32{-0.5, 0.5}, 1, 2)}, map[string]float64{"sigma": sigma}},
	}
	fmt.Printf("points (-0.25, -), (0, -), (0.25, +); f(x) = x - b from b = 0; %d steps of gradient descent, lr 0.1\n", steps)
	for _, r := range runs {
		tr, err := train.New(art, train.Options{Step: r.step, Seed: 1, Scalars: r.scalars})
		if err != nil {
			return err
		}
		var loss float64
		for range steps {
			if loss, err = tr.Step(r.batch); err != nil {
				return err
			}
		}
		bs, _ := tr.Float32("b")
		right := 0
		for i, xv := range xs {
			if (xv-bs[0] > 0) == pos[i] {
				right++
			}
		}
		fmt.Printf("%-22s b = %.4f, loss %.4f, accuracy %d/3 (%.1f%%)\n", r.name+":", bs[0], loss, right, 100*float64(right)/3)
	}
	return nil
}
