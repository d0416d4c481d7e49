// Command multilabel trains a multi-label classifier on real images: two
// Fashion-MNIST items side by side, labelled with the set of their classes
// (one class when both are of the same one), once with ZLPR (Su et al.,
// "ZLPR: A Novel Loss for Multi-label Classification", 2022) and once with
// one-vs-rest sigmoid cross-entropy, from the same initial weights and on the
// same batches. It reports, on pairs of test images, the exact-match accuracy
// (the predicted set is the true set) and the micro-averaged F1 of each.
// The model source is embedded, so the program runs from any directory.
package main

import (
	"context"
	_ "embed"
	"flag"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"time"

	"dlc.dev/dlc/compiler"
	"dlc.dev/dlc/data/fashionmnist"
	"dlc.dev/dlc/runtime"
	"dlc.dev/dlc/train"
)

//go:embed pairs.dl
var source []byte

const (
	width   = 2 * 28     // two images side by side
	pixels  = 28 * width // of a pair
	classes = 10
)

// options are the command's flags.
type options struct {
	epochs, batch, trainN, testN, threads int
	lr                                    float64
	seed                                  uint64
	data                                  string
}

func main() {
	var o options
	flag.IntVar(&o.epochs, "epochs", 4, "passes over the training pairs")
	flag.IntVar(&o.batch, "batch", 128, "batch size")
	flag.IntVar(&o.trainN, "train", 60000, "training pairs per epoch, drawn from the 60,000 training images")
	flag.IntVar(&o.testN, "test", 10000, "test pairs, drawn from the 10,000 test images")
	flag.IntVar(&o.threads, "threads", 0, "threads per kernel (0: every CPU)")
	flag.Float64Var(&o.lr, "lr", 3e-4, "Lion's peak learning rate (cosine decay to 0)")
	flag.Uint64Var(&o.seed, "seed", 1, "seed of the weights and of the pairs")
	flag.StringVar(&o.data, "data", fashionmnist.Dir, "directory of the Fashion-MNIST files")
	flag.Parse()
	if err := run(o); err != nil {
		fmt.Fprintln(os.Stderr, "multilabel:", err)
		os.Exit(1)
	}
}

// pairs is a set of image pairs: their pixels and their 0/1 label rows.
type pairs struct {
	n      int
	x      []float32 // n × pixels
	labels []float32 // n × classes
}

// makePairs draws n pairs of distinct images of set.
func makePairs(set *fashionmnist.Set, n int, rng *rand.Rand) pairs {
	p := pairs{n: n, x: make([]float32, n*pixels), labels: make([]float32, n*classes)}
	for i := range n {
		a := rng.IntN(set.N)
		b := rng.IntN(set.N - 1)
		if b >= a {
			b++
		}
		for r := range 28 {
			copy(p.x[i*pixels+r*width:], set.Images[a*784+r*28:a*784+r*28+28])
			copy(p.x[i*pixels+r*width+28:], set.Images[b*784+r*28:b*784+r*28+28])
		}
		p.labels[i*classes+int(set.Labels[a])] = 1
		p.labels[i*classes+int(set.Labels[b])] = 1
	}
	return p
}

func run(o options) error {
	trainSet, err := fashionmnist.Load(o.data, "train")
	if err != nil {
		return err
	}
	testSet, err := fashionmnist.Load(o.data, "t10k")
	if err != nil {
		return err
	}
	if o.batch <= 0 || o.trainN < o.batch || o.testN <= 0 || o.epochs <= 0 {
		return fmt.Errorf("need -batch > 0, -train >= -batch, -test > 0 and -epochs > 0")
	}
	b, _, err := compiler.Build(context.Background(), "pairs.dl", source, compiler.Options{})
	if err != nil {
		return err
	}
	art, err := runtime.LoadBytes(b, runtime.Config{Threads: o.threads})
	if err != nil {
		return err
	}
	defer art.Close()
	test := makePairs(testSet, o.testN, rand.New(rand.NewPCG(o.seed, 2)))
	fmt.Printf("pairs of Fashion-MNIST images (28x56), labels the set of their classes; %d training pairs per epoch, %d test pairs; MLP 1568-512-512-10, Lion, batch %d, %d epochs\n",
		o.trainN, o.testN, o.batch, o.epochs)
	for _, loss := range []string{"zlpr", "bce"} {
		tr, err := train.New(art, train.Options{Step: "step_" + loss, Predict: "mlp", Seed: o.seed})
		if err != nil {
			return err
		}
		start := time.Now()
		last, err := fit(tr, trainSet, o)
		if err != nil {
			return err
		}
		m, err := evaluate(tr, test)
		if err != nil {
			return err
		}
		name := map[string]string{"zlpr": "ZLPR", "bce": "sigmoid BCE"}[loss]
		fmt.Printf("%-12s exact match %.2f%%  micro-F1 %.4f  (precision %.4f, recall %.4f; final training loss %.4f, %.0f s)\n",
			name+":", 100*m.exact, m.f1, m.precision, m.recall, last, time.Since(start).Seconds())
	}
	return nil
}

// fit trains for o.epochs, each on o.trainN fresh pairs (the same pairs for
// both losses: the generator is seeded per epoch), with a cosine learning rate.
func fit(tr *train.Trainer, set *fashionmnist.Set, o options) (float64, error) {
	steps := o.trainN / o.batch
	total := float64(steps * o.epochs)
	var last float64
	for epoch := range o.epochs {
		p := makePairs(set, o.trainN, rand.New(rand.NewPCG(o.seed, uint64(100+epoch))))
		sum := 0.0
		for s := range steps {
			batch := map[string]runtime.Tensor{
				"x":      runtime.F32(p.x[s*o.batch*pixels:(s+1)*o.batch*pixels], int64(o.batch), pixels),
				"labels": runtime.F32(p.labels[s*o.batch*classes:(s+1)*o.batch*classes], int64(o.batch), classes),
			}
			if err := tr.SetScalar("lr", o.lr*0.5*(1+math.Cos(math.Pi*float64(tr.Steps())/total))); err != nil {
				return 0, err
			}
			loss, err := tr.Step(batch)
			if err != nil {
				return 0, err
			}
			sum += loss
		}
		last = sum / float64(steps)
	}
	return last, nil
}

// metrics are the test scores of a classifier.
type metrics struct {
	exact, precision, recall, f1 float64
}

// evaluate predicts the test pairs in batches of 500; a class is present when
// its logit is positive.
func evaluate(tr *train.Trainer, p pairs) (metrics, error) {
	const n = 500
	logits := make([]float32, n*classes)
	var tp, fp, fn, exact int
	for at := 0; at < p.n; at += n {
		k := min(n, p.n-at)
		x := runtime.F32(p.x[at*pixels:(at+k)*pixels], int64(k), pixels)
		if err := tr.Predict(map[string]runtime.Tensor{"x": x}, map[string]runtime.Tensor{"logits": runtime.F32(logits[:k*classes], int64(k), classes)}); err != nil {
			return metrics{}, err
		}
		for r := range k {
			same := true
			for c := range classes {
				pred, truth := logits[r*classes+c] > 0, p.labels[(at+r)*classes+c] > 0.5
				switch {
				case pred && truth:
					tp++
				case pred:
					fp++
				case truth:
					fn++
				}
				same = same && pred == truth
			}
			if same {
				exact++
			}
		}
	}
	m := metrics{exact: float64(exact) / float64(p.n)}
	m.precision = float64(tp) / float64(max(tp+fp, 1))
	m.recall = float64(tp) / float64(max(tp+fn, 1))
	m.f1 = 2 * float64(tp) / float64(max(2*tp+fp+fn, 1))
	return m, nil
}
