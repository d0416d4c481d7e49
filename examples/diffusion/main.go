// Command diffusion reproduces the claim of Analytic-DPM (Bao et al.
// 2201.06503) and Extended-Analytic-DPM (2206.07309) on a model whose truth is
// known: a 2-D Gaussian mixture, whose exact ε(x_t, t) and E[ε²|x_t] are
// analytic (diffusion/gmm.dl). The mean is perfect, so only the reverse
// variance differs between the samplers, as in the papers. For K steps it
// prints the variational bound on the NLL of DDPM with β and β̃ versus
// Analytic-DPM (and SN/NPR), and the distance of samples to the data for DDIM
// versus Analytic-DDIM and Extended-Analytic-DPM, and writes scatter plots.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"time"
	"unicode"

	"dlc.dev/dlc/diffusion"
)

func main() {
	var cfg config
	flag.StringVar(&cfg.out, "out", "out/diffusion", "directory for the PNG scatter plots (empty: no plots)")
	flag.IntVar(&cfg.n, "n", 8000, "samples per sampler and K")
	flag.IntVar(&cfg.nllN, "nll-n", 2000, "data points for the Monte Carlo of the bound")
	flag.IntVar(&cfg.gammaN, "gamma-n", 8192, "training points for the Monte Carlo of Gamma_t")
	flag.StringVar(&cfg.ks, "k", "10,25,50,100,1000", "numbers of sampling steps")
	flag.StringVar(&cfg.schedule, "schedule", "linear", "noise schedule: linear or cosine")
	flag.IntVar(&cfg.T, "T", 1000, "diffusion steps of the schedule")
	flag.StringVar(&cfg.model, "model", "auto", "model engine: auto (compiled gmm.dl, else the float64 host truth), compiled, interpreted or host")
	flag.StringVar(&cfg.steps, "steps", "auto", "step-kernel engine: auto, compiled or interpreted")
	flag.Uint64Var(&cfg.seed, "seed", 1, "random seed")
	flag.Parse()
	if err := run(context.Background(), cfg, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "diffusion:", err)
		os.Exit(1)
	}
}

type config struct {
	out, ks, schedule, model, steps string
	n, nllN, gammaN, T              int
	seed                            uint64
}

// ring is the data: 8 isotropic Gaussians on a circle of radius 0.7, std
// 0.08, equal weights — inside [−1, 1], the range the Cov_x0 clip assumes.
func ring() (*diffusion.GMM, error) {
	const k = 8
	w, mu, s := make([]float64, k), make([][]float64, k), make([]float64, k)
	for i := range k {
		a := 2 * math.Pi * float64(i) / k
		w[i], mu[i], s[i] = 1.0/k, []float64{0.7 * math.Cos(a), 0.7 * math.Sin(a)}, 0.08
	}
	return diffusion.NewGMM(w, mu, s)
}

// The samplers compared. NLL: the bound needs the DDPM mean (η = 1).
var (
	nllMethods = []diffusion.Method{
		{Kind: diffusion.DDPMLarge}, {Kind: diffusion.DDPM}, {Kind: diffusion.Analytic, Eta: 1},
		{Kind: diffusion.ExtendedSN, Eta: 1}, {Kind: diffusion.ExtendedNPR, Eta: 1},
	}
	sampleMethods = []diffusion.Method{
		{Kind: diffusion.DDIM}, {Kind: diffusion.Analytic}, {Kind: diffusion.ExtendedSN}, {Kind: diffusion.ExtendedNPR},
		{Kind: diffusion.DDPM}, {Kind: diffusion.DDPMLarge}, {Kind: diffusion.Analytic, Eta: 1}, {Kind: diffusion.ExtendedSN, Eta: 1},
	}
)

func run(ctx context.Context, cfg config, w io.Writer) error {
	start := time.Now()
	ks, err := parseKs(cfg.ks)
	if err != nil {
		return err
	}
	var sched *diffusion.Schedule
	switch cfg.schedule {
	case "linear":
		sched, err = diffusion.Linear(cfg.T)
	case "cosine":
		sched, err = diffusion.Cosine(cfg.T)
	default:
		err = fmt.Errorf("unknown schedule %q (want linear or cosine)", cfg.schedule)
	}
	if err != nil {
		return err
	}
	trs := map[int]*diffusion.Trajectory{}
	for _, k := range ks {
		if trs[k], err = sched.Respace(k); err != nil {
			return err
		}
	}
	g, err := ring()
	if err != nil {
		return err
	}
	model, modelKind, err := openModel(ctx, cfg.model, g)
	if err != nil {
		return err
	}
	stepMode, err := diffusion.ParseMode(cfg.steps)
	if err != nil {
		return err
	}
	steps, err := diffusion.OpenSteps(ctx, stepMode)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "data: 2-D mixture of 8 Gaussians (ring of radius 0.7, std 0.08); %s schedule, T = %d\n", cfg.schedule, cfg.T)
	fmt.Fprintf(w, "step kernels: %s\nmodel: %s\n", steps.Kind(), modelKind)

	rng := rand.New(rand.NewPCG(cfg.seed, 1))
	train, _ := g.Sample(cfg.gammaN, rng)
	gamma, err := diffusion.NewGammaTable(model, train, cfg.seed)
	if err != nil {
		return err
	}
	t0 := time.Now()
	for _, k := range ks {
		if _, err := gamma.Table(trs[k]); err != nil {
			return err
		}
	}
	how := "float64 on the host"
	if _, ok := model.(*diffusion.GMMProgram); ok {
		how = "gmm_sumsq: noising, model and sum of squares in one program"
	}
	fmt.Fprintf(w, "Gamma_t: %d timesteps x %d training points in %.1fs (%s)\n\n",
		gamma.Evals(), cfg.gammaN, time.Since(t0).Seconds(), how)

	// The bound.
	x0, _ := g.Sample(cfg.nllN, rng)
	exact := -g.MeanLogDensity(x0) / 2
	fmt.Fprintf(w, "Variational bound on the NLL, nats/dim (%d data points; exact NLL of these points: %.3f)\n", cfg.nllN, exact)
	header(w, nllMethods)
	nll := map[int][]diffusion.Bound{}
	for _, k := range ks {
		b, err := diffusion.NLL(model, gamma, trs[k], x0, nllMethods, rand.New(rand.NewPCG(cfg.seed, uint64(k))))
		if err != nil {
			return err
		}
		nll[k] = b
		fmt.Fprintf(w, "%5d", k)
		for _, r := range b {
			fmt.Fprintf(w, " %s", pad(fmt.Sprintf("%.3f±%.3f", r.NatsPerDim, r.StdErr), 15))
		}
		fmt.Fprintln(w)
	}

	exactPer := make([]float64, cfg.nllN)
	for i := range exactPer {
		exactPer[i] = -g.MeanLogDensity(x0[2*i:2*i+2]) / 2
	}
	fmt.Fprintf(w, "\nGap of the bound to the exact NLL, nats/dim (paired per point; a bound is never below it in expectation)\n")
	header(w, nllMethods)
	for _, k := range ks {
		fmt.Fprintf(w, "%5d", k)
		for _, b := range nll[k] {
			gap := make([]float64, len(b.PerPoint))
			for i := range gap {
				gap[i] = b.PerPoint[i] - exactPer[i]
			}
			m, se := diffusion.MeanStdErr(gap)
			fmt.Fprintf(w, " %s", pad(fmt.Sprintf("%.3f±%.3f", m, se), 15))
		}
		fmt.Fprintln(w)
	}

	fmt.Fprintf(w, "\nPaired difference to DDPM β, nats/dim (same data and noise; negative is better)\n")
	header(w, nllMethods[1:])
	for _, k := range ks {
		fmt.Fprintf(w, "%5d", k)
		for _, b := range nll[k][1:] {
			diff := make([]float64, len(b.PerPoint))
			for i := range diff {
				diff[i] = b.PerPoint[i] - nll[k][0].PerPoint[i]
			}
			m, se := diffusion.MeanStdErr(diff)
			fmt.Fprintf(w, " %s", pad(fmt.Sprintf("%.3f±%.3f", m, se), 15))
		}
		fmt.Fprintln(w)
	}

	// Samples.
	ref, _ := g.Sample(cfg.n, rand.New(rand.NewPCG(cfg.seed, 2)))
	ref2, _ := g.Sample(cfg.n, rand.New(rand.NewPCG(cfg.seed, 3)))
	floor, err := diffusion.SlicedW2(ref, ref2, 2, 64, rand.New(rand.NewPCG(cfg.seed, 4)))
	if err != nil {
		return err
	}
	sampler := &diffusion.Sampler{Steps: steps, Model: model, Gamma: gamma}
	samples := map[string]map[int][]float32{}
	sw := map[string]map[int]float64{}
	ll := map[string]map[int]float64{}
	spread := map[string]map[int]float64{}
	for _, m := range sampleMethods {
		samples[m.String()], sw[m.String()], ll[m.String()], spread[m.String()] = map[int][]float32{}, map[int]float64{}, map[int]float64{}, map[int]float64{}
		for _, k := range ks {
			x := make([]float32, cfg.n*2)
			r := rand.New(rand.NewPCG(cfg.seed+uint64(k), 5))
			diffusion.Noise(x, r)
			if err := sampler.Sample(m, trs[k], x, r); err != nil {
				return err
			}
			d, err := diffusion.SlicedW2(x, ref, 2, 64, rand.New(rand.NewPCG(cfg.seed, 4)))
			if err != nil {
				return err
			}
			samples[m.String()][k], sw[m.String()][k], ll[m.String()][k] = x, d, g.MeanLogDensity(x)
			spread[m.String()][k] = g.Spread(x)
		}
	}
	table := func(title, format string, vals map[string]map[int]float64, scale float64) {
		fmt.Fprintf(w, "\n%s\n", title)
		header(w, sampleMethods)
		for _, k := range ks {
			fmt.Fprintf(w, "%5d", k)
			for _, m := range sampleMethods {
				fmt.Fprintf(w, " %s", pad(fmt.Sprintf(format, scale*vals[m.String()][k]), 15))
			}
			fmt.Fprintln(w)
		}
	}
	table(fmt.Sprintf("Sample quality: sliced Wasserstein-2 to %d true samples, x100 (lower is better; two true sample sets: %.2f)", cfg.n, 100*floor), "%.2f", sw, 100)
	table(fmt.Sprintf("Spread around the components, sample/true std (1 is right; true samples: %.3f)", g.Spread(ref)), "%.3f", spread, 1)
	table(fmt.Sprintf("Mean log-density of the samples under the data (true samples: %.3f; rewards samples packed at the modes)", g.MeanLogDensity(ref)), "%.3f", ll, 1)
	st := sampler.Stats
	fmt.Fprintf(w, "\nsampling: %d steps of %d points in %.1fs (model %.1fs, step kernels %.2fs, outside both %.2fs)\n",
		st.Steps, cfg.n, st.Total.Seconds(), st.Model.Seconds(), st.Step.Seconds(), st.Outside().Seconds())
	if cfg.out != "" {
		files, err := writePlots(cfg.out, ref, ks, sampleMethods, samples, sw)
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "plots: %s\n", strings.Join(files, ", "))
	}
	fmt.Fprintf(w, "total %.1fs\n", time.Since(start).Seconds())
	return nil
}

// openModel returns the mixture's denoiser on the engine asked for: auto
// prefers compiled gmm.dl and falls back to the float64 host truth, which is
// much faster than the interpreter.
func openModel(ctx context.Context, mode string, g *diffusion.GMM) (diffusion.Model, string, error) {
	switch mode {
	case "host":
		return g, "float64 host truth (diffusion.GMM)", nil
	case "auto", "compiled", "interpreted":
		m := diffusion.CompiledOnly
		if mode == "interpreted" {
			m = diffusion.InterpretedOnly
		}
		e, err := diffusion.OpenGMM(ctx, m)
		if err != nil {
			if mode == "auto" {
				return g, "float64 host truth (diffusion.GMM), because gmm.dl does not compile yet: " + err.Error(), nil
			}
			return nil, "", err
		}
		p, err := diffusion.NewGMMProgram(e, g)
		return p, "gmm.dl, " + e.Kind(), err
	}
	return nil, "", fmt.Errorf("unknown model engine %q (want auto, compiled, interpreted or host)", mode)
}

func header(w io.Writer, ms []diffusion.Method) {
	fmt.Fprintf(w, "%5s", "K")
	for _, m := range ms {
		fmt.Fprintf(w, " %s", pad(m.String(), 15))
	}
	fmt.Fprintln(w)
}

// pad right-aligns s in a column of width characters; combining marks (the
// tilde of β̃) take no column.
func pad(s string, width int) string {
	n := 0
	for _, r := range s {
		if !unicode.Is(unicode.Mn, r) {
			n++
		}
	}
	return strings.Repeat(" ", max(0, width-n)) + s
}

func parseKs(s string) ([]int, error) {
	var ks []int
	for _, f := range strings.Split(s, ",") {
		k, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil {
			return nil, fmt.Errorf("-k: %q is not a number of steps", f)
		}
		ks = append(ks, k)
	}
	return ks, nil
}
