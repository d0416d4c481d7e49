// Command fashion trains an MLP (784-512-512-10, ReLU) on Fashion-MNIST with
// softmax cross-entropy and Lion, compiled by dlc into one train-step
// function (forward, loss, backward and the update of all six parameters in
// one launch) and run by dlc/train's Trainer. It prints a progress line per
// epoch (steps/s, mean training loss, test accuracy), writes a PNG of the
// loss and accuracy curves and a safetensors checkpoint. The data comes from
// Debian's dataset-fashion-mnist (scripts/setup.sh installs it); the model
// source is embedded, so the program runs from any directory. With -mpi,
// under mpirun, it trains data-parallel: each rank takes its part of every
// batch, and rank 0 prints, plots and saves; -zero shards Lion's momentum
// over the ranks (ZeRO-1), and -micro M sums M microbatches' gradients in a
// fixed order (the deterministic mode: the same weights for any rank count
// that divides M).
//
// -precision and -lion-bf16 train with another step, which the program
// declares after mlp.dl's (variants): bf16 mixed precision (the matrix
// products read bf16 copies of f32 master weights), f16 mixed precision
// with dynamic loss scaling, or f32 with Lion's momentum stored in bf16.
// Each run also writes its curves to history.csv, and -compare draws
// several runs in one PNG:
//
//	mpirun -np 2 fashion -mpi -threads 1
//	mpirun -np 2 fashion -mpi -threads 1 -zero
//	fashion -precision bf16 -out out/bf16
//	fashion -compare f32=out/fashion,bf16=out/bf16 -out out
package main

import (
	"context"
	_ "embed"
	"flag"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"time"

	"dlc.dev/dlc/compiler"
	"dlc.dev/dlc/data/fashionmnist"
	"dlc.dev/dlc/runtime"
	"dlc.dev/dlc/runtime/mpi"
	"dlc.dev/dlc/train"
)

//go:embed mlp.dl
var source []byte

// options are the command's flags.
type options struct {
	epochs, batch, trainN, threads int
	lr                             float64
	seed                           uint64
	data, out                      string
	mpi, zero                      bool
	micro                          int
	// precision is -precision: f32, or bf16/f16 mixed precision (the
	// contractions read 16-bit copies; f16 adds dynamic loss scaling).
	precision string
	lionBF16  bool   // Lion's momentum in bf16
	compare   string // -compare: runs to plot together instead of training
}

func main() {
	var o options
	flag.IntVar(&o.epochs, "epochs", 10, "passes over the training set")
	flag.IntVar(&o.batch, "batch", 128, "batch size")
	flag.IntVar(&o.trainN, "train", 60000, "use the first N training images (a short run)")
	flag.IntVar(&o.threads, "threads", 0, "threads per kernel (0: every CPU)")
	flag.Float64Var(&o.lr, "lr", 3e-4, "Lion's peak learning rate (cosine decay to 0)")
	flag.Uint64Var(&o.seed, "seed", 1, "seed of the initial weights and the batch order")
	flag.StringVar(&o.data, "data", fashionmnist.Dir, "directory of the Fashion-MNIST files")
	flag.StringVar(&o.out, "out", "out/fashion", "directory for the plot and the checkpoint")
	flag.BoolVar(&o.mpi, "mpi", false, "train data-parallel across the ranks of an mpirun job")
	flag.StringVar(&o.precision, "precision", "f32", "f32, or mixed precision: bf16, or f16 with dynamic loss scaling")
	flag.BoolVar(&o.lionBF16, "lion-bf16", false, "keep Lion's momentum in bf16 (with -precision f32)")
	flag.StringVar(&o.compare, "compare", "", "plot earlier runs together instead of training: LABEL=DIR,... (each DIR an -out of a run), into -out/compare.png")
	flag.BoolVar(&o.zero, "zero", false, "with -mpi: shard the optimizer state over the ranks (ZeRO-1)")
	flag.IntVar(&o.micro, "micro", 0, "with -mpi: the deterministic mode with this many microbatches per batch (0: off)")
	flag.Parse()
	if err := run(o); err != nil {
		fmt.Fprintln(os.Stderr, "fashion:", err)
		os.Exit(1)
	}
}

// variants are the train steps -precision and -lion-bf16 add to mlp.dl,
// each with its kernel count: the bf16 step has the f32 step's 14 kernels
// (every matrix product reads bf16 copies of its operands, a parameter's
// rounded while it is packed, a hidden layer's by the kernel that computes
// it); f16 loss scaling adds five (the scaled loss's cotangent, a row sum
// per weight gradient and the check over all gradients that the update,
// still one launch, waits for).
var variants = map[string]string{
	"step_bf16":      "@kernels(14)\nkernel step_bf16 = train(mlp, loss=ce, opt=lion(wd=0.0), precision=bf16)\n",
	"step_f16":       "@kernels(19)\nkernel step_f16 = train(mlp, loss=ce, opt=lion(wd=0.0), precision=f16)\n",
	"step_lion_bf16": "@kernels(14)\nkernel step_lion_bf16 = train(mlp, loss=ce, opt=lion_bf16(wd=0.0))\n",
}

// stepOf is the train step that -precision and -lion-bf16 choose, and the
// source that declares it: mlp.dl, with the step's declaration added when
// it is not mlp.dl's own.
func stepOf(o options) (string, []byte, error) {
	var step string
	switch {
	case o.lionBF16 && o.precision != "f32":
		return "", nil, fmt.Errorf("-lion-bf16 goes with -precision f32, not %s", o.precision)
	case o.lionBF16:
		step = "step_lion_bf16"
	case o.precision == "f32":
		return "step", source, nil
	case o.precision == "bf16" || o.precision == "f16":
		step = "step_" + o.precision
	default:
		return "", nil, fmt.Errorf("-precision %q: want f32, bf16 or f16", o.precision)
	}
	src := append(append([]byte(nil), source...), "\n"+variants[step]...)
	return step, src, nil
}

// history is what the plot shows, per epoch.
type history struct {
	loss, acc []float64
}

func run(o options) error {
	if o.compare != "" {
		return compareRuns(o.compare, o.out)
	}
	step, src, err := stepOf(o)
	if err != nil {
		return err
	}
	trainSet, err := fashionmnist.Load(o.data, "train")
	if err != nil {
		return err
	}
	test, err := fashionmnist.Load(o.data, "t10k")
	if err != nil {
		return err
	}
	if o.trainN <= 0 || o.trainN > trainSet.N || o.batch <= 0 || o.batch > o.trainN || o.epochs <= 0 {
		return fmt.Errorf("need 0 < -batch <= -train <= %d and -epochs > 0", trainSet.N)
	}
	b, _, err := compiler.Build(context.Background(), "mlp.dl", src, compiler.Options{})
	if err != nil {
		return err
	}
	art, err := runtime.LoadBytes(b, runtime.Config{Threads: o.threads})
	if err != nil {
		return err
	}
	defer art.Close()
	topt := train.Options{Step: step, Predict: "mlp", Seed: o.seed}
	if o.mpi {
		c, err := mpi.Init(mpi.Config{Timeout: 5 * time.Minute})
		if err != nil {
			return err
		}
		defer c.Finalize()
		if o.batch%c.Size() != 0 {
			return fmt.Errorf("-batch %d is not a multiple of the %d ranks", o.batch, c.Size())
		}
		topt.Comm = c
		topt.ZeRO = o.zero
		topt.Deterministic, topt.Microbatches = o.micro > 0, o.micro
		if o.micro > 0 && o.batch%o.micro != 0 {
			return fmt.Errorf("-batch %d is not a multiple of -micro %d", o.batch, o.micro)
		}
	} else if o.zero || o.micro != 0 {
		return fmt.Errorf("-zero and -micro need -mpi")
	}
	tr, err := train.New(art, topt)
	if err != nil {
		return err
	}
	lead := topt.Comm == nil || topt.Comm.Rank() == 0
	ranks := 1
	if topt.Comm != nil {
		ranks = topt.Comm.Size()
	}
	if lead {
		across := ""
		if ranks > 1 {
			across = fmt.Sprintf(" on each of %d ranks", ranks)
		}
		fmt.Printf("Fashion-MNIST: %d training images, %d test; MLP 784-512-512-10, softmax cross-entropy, Lion, %s (train step %s), batch %d, %d threads%s\n",
			o.trainN, test.N, o.precision, step, o.batch, art.Threads(), across)
	}
	h, err := fit(tr, trainSet, test, o, topt.Comm, lead)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(o.out, 0o755); err != nil {
		return err
	}
	ck := filepath.Join(o.out, "fashion.safetensors")
	if err := tr.Save(ck); err != nil { // every rank: rank 0 writes, the others wait
		return err
	}
	if !lead {
		return nil
	}
	png := filepath.Join(o.out, "fashion.png")
	if err := plotHistory(png, h); err != nil {
		return err
	}
	if err := writeHistory(filepath.Join(o.out, "history.csv"), h); err != nil {
		return err
	}
	fmt.Printf("final test accuracy %.2f%%\nwrote %s and %s\n", 100*h.acc[len(h.acc)-1], png, ck)
	return nil
}

// fit trains for o.epochs on the first o.trainN images in a new random order
// each epoch, with the learning rate decaying from o.lr to 0 on a cosine,
// and evaluates on the test set after each epoch. With comm, every rank
// draws the same batches and steps on its part of each; lead prints.
func fit(tr *train.Trainer, set, test *fashionmnist.Set, o options, comm *mpi.Comm, lead bool) (history, error) {
	var h history
	rng := rand.New(rand.NewPCG(o.seed, 99))
	perm := make([]int, o.trainN)
	for i := range perm {
		perm[i] = i
	}
	x := make([]float32, o.batch*fashionmnist.Pixels)
	labels := make([]int32, o.batch)
	batch := map[string]runtime.Tensor{"x": runtime.F32(x, int64(o.batch), fashionmnist.Pixels), "labels": runtime.I32(labels, int64(o.batch))}
	perEpoch := o.trainN / o.batch
	total := perEpoch * o.epochs
	for epoch := 1; epoch <= o.epochs; epoch++ {
		rng.Shuffle(len(perm), func(i, j int) { perm[i], perm[j] = perm[j], perm[i] })
		start, sum := time.Now(), 0.0
		for s := range perEpoch {
			for r := range o.batch {
				i := perm[s*o.batch+r]
				copy(x[r*fashionmnist.Pixels:(r+1)*fashionmnist.Pixels], set.Images[i*fashionmnist.Pixels:])
				labels[r] = set.Labels[i]
			}
			done := float64(tr.Steps()) / float64(total)
			if err := tr.SetScalar("lr", o.lr*0.5*(1+math.Cos(math.Pi*done))); err != nil {
				return h, err
			}
			part := batch
			if comm != nil {
				var err error
				if part, err = train.Shard(batch, comm.Rank(), comm.Size()); err != nil {
					return h, err
				}
			}
			loss, err := tr.Step(part)
			if err != nil {
				return h, err
			}
			sum += loss
		}
		rate := float64(perEpoch) / time.Since(start).Seconds()
		acc, err := accuracy(tr, test)
		if err != nil {
			return h, err
		}
		h.loss = append(h.loss, sum/float64(perEpoch))
		h.acc = append(h.acc, acc)
		if lead {
			fmt.Printf("epoch %d/%d  %.0f steps/s  loss %.4f  test accuracy %.2f%%\n", epoch, o.epochs, rate, h.loss[epoch-1], 100*acc)
		}
	}
	return h, nil
}

// accuracy is the share of test images whose largest logit is their label,
// predicted in batches of 1000 by the model's own function.
func accuracy(tr *train.Trainer, test *fashionmnist.Set) (float64, error) {
	const n = 1000
	logits := make([]float32, n*10)
	right := 0
	for at := 0; at+n <= test.N; at += n {
		x := runtime.F32(test.Images[at*fashionmnist.Pixels:(at+n)*fashionmnist.Pixels], n, fashionmnist.Pixels)
		if err := tr.Predict(map[string]runtime.Tensor{"x": x}, map[string]runtime.Tensor{"logits": runtime.F32(logits, n, 10)}); err != nil {
			return 0, err
		}
		for r := range n {
			best := 0
			for c := 1; c < 10; c++ {
				if logits[r*10+c] > logits[r*10+best] {
					best = c
				}
			}
			if int32(best) == test.Labels[at+r] {
				right++
			}
		}
	}
	return float64(right) / float64(test.N/n*n), nil
}
