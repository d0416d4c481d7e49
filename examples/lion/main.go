// Command lion trains a least-squares model with the compiled Lion optimizer:
// the gradient is plain Go, the update is one fused kernel from stdlib/optim/lion.dl
// that rewrites the weights and the momentum in place. The source comes from
// the standard library embedded in dlc, so the program runs from any
// directory; -src compiles another file instead.
package main

import (
	"context"
	"flag"
	"fmt"
	"io/fs"
	"math"
	"math/rand/v2"
	"os"

	"dlc.dev/dlc/compiler"
	"dlc.dev/dlc/runtime"
	"dlc.dev/dlc/stdlib"
)

func main() {
	steps := flag.Int("steps", 300, "optimizer steps")
	dim := flag.Int("dim", 4096, "number of weights")
	src := flag.String("src", "", "a .dl file defining kernel lion (default: dlc's stdlib/optim/lion.dl)")
	flag.Parse()
	first, last, err := train(*src, *steps, *dim, os.Stdout)
	if err != nil {
		fmt.Fprintln(os.Stderr, "lion:", err)
		os.Exit(1)
	}
	fmt.Printf("loss %.4g -> %.4g\n", first, last)
}

// readSource returns the Lion source and the name its positions use: the
// file at path, or the standard library's copy when path is empty.
func readSource(path string) ([]byte, string, error) {
	if path == "" {
		src, err := fs.ReadFile(stdlib.FS(), "optim/lion.dl")
		return src, "std/optim/lion.dl", err
	}
	src, err := os.ReadFile(path)
	return src, path, err
}

// train fits w to minimise mean((w - target)^2 * scale) and returns the first and last loss.
func train(srcPath string, steps, dim int, log *os.File) (float64, float64, error) {
	src, srcName, err := readSource(srcPath)
	if err != nil {
		return 0, 0, err
	}
	b, _, err := compiler.Build(context.Background(), srcName, src, compiler.Options{})
	if err != nil {
		return 0, 0, err
	}
	art, err := runtime.LoadBytes(b, runtime.Config{})
	if err != nil {
		return 0, 0, err
	}
	defer art.Close()
	lion, err := art.Func("lion")
	if err != nil {
		return 0, 0, err
	}

	rng := rand.New(rand.NewPCG(1, 2))
	target := make([]float32, dim)
	scale := make([]float32, dim)
	for i := range target {
		target[i] = float32(rng.NormFloat64())
		scale[i] = float32(0.1 + rng.Float64())
	}
	w := make([]float32, dim)
	m := make([]float32, dim)
	g := make([]float32, dim)
	theta, mom, grad := runtime.F32(w), runtime.F32(m), runtime.F32(g)
	args := runtime.Args{
		Inputs:  map[string]runtime.Tensor{"theta": theta, "grad": grad, "m": mom},
		Outputs: map[string]runtime.Tensor{"theta_new": theta, "m_new": mom}, // in place
		Scalars: map[string]float64{"lr": 0, "wd": 0.0},
	}
	var first, loss float64
	for step := 0; step < steps; step++ {
		loss = 0
		for i := range w {
			d := float64(w[i] - target[i])
			loss += d * d * float64(scale[i])
			g[i] = float32(2 * d * float64(scale[i]) / float64(dim))
		}
		loss /= float64(dim)
		if step == 0 {
			first = loss
		}
		if step%50 == 0 && log != nil {
			fmt.Fprintf(log, "step %4d  loss %.5f\n", step, loss)
		}
		if math.IsNaN(loss) {
			return first, loss, fmt.Errorf("loss became NaN at step %d", step)
		}
		// A linearly decaying learning rate: a new scalar each step, no recompilation.
		args.Scalars["lr"] = 0.05 * (1 - float64(step)/float64(steps))
		if err := lion.Run(args); err != nil {
			return first, loss, err
		}
	}
	return first, loss, nil
}
