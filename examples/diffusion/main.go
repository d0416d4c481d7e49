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
	flag.StringVar(&cfg.json, "json", "", "also write every figure, in full precision, as JSON to this file")
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
	out, json, ks, schedule, model, steps string
	n, nllN, gammaN, T                    int
	seed                                  uint64
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

// swDirections is the number of random directions of the sliced Wasserstein-2 distance.
const swDirections = 64

// experiment is the set-up shared by the bound and the sampling.
type experiment struct {
	cfg   config
	ks    []int
	trs   map[int]*diffusion.Trajectory
	g     *diffusion.GMM
	model diffusion.Model
	steps diffusion.Engine
	gamma *diffusion.GammaTable
	rng   *rand.Rand // drew Γ_t's training points; draws the bound's data next
}

func run(ctx context.Context, cfg config, w io.Writer) error {
	start := time.Now()
	e, err := setUp(ctx, cfg, w)
	if err != nil {
		return err
	}
	figs := &figures{Bound: table[stat]{}, Gap: table[stat]{}, Paired: table[stat]{},
		SW2: table[float64]{}, Spread: table[float64]{}, LogDensity: table[float64]{}}
	if err := e.bounds(w, figs); err != nil {
		return err
	}
	in, st, err := e.sample(w, figs)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "\nsampling: %d steps of %d points in %.1fs (model %.1fs, step kernels %.2fs, outside both %.2fs)\n",
		st.Steps, cfg.n, st.Total.Seconds(), st.Model.Seconds(), st.Step.Seconds(), st.Outside().Seconds())
	if cfg.out != "" {
		files, err := writePlots(cfg.out, in)
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "plots: %s\n", strings.Join(files, ", "))
	}
	if cfg.json != "" {
		if err := figs.write(cfg.json); err != nil {
			return err
		}
		fmt.Fprintf(w, "figures: %s\n", cfg.json)
	}
	fmt.Fprintf(w, "total %.1fs\n", time.Since(start).Seconds())
	return nil
}

// setUp builds the schedule, the trajectories, the model, the step kernels
// and the Γ_t table.
func setUp(ctx context.Context, cfg config, w io.Writer) (*experiment, error) {
	e := &experiment{cfg: cfg, trs: map[int]*diffusion.Trajectory{}}
	var err error
	if e.ks, err = parseKs(cfg.ks); err != nil {
		return nil, err
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
		return nil, err
	}
	for _, k := range e.ks {
		if e.trs[k], err = sched.Respace(k); err != nil {
			return nil, err
		}
	}
	if e.g, err = ring(); err != nil {
		return nil, err
	}
	model, modelKind, err := openModel(ctx, cfg.model, e.g)
	if err != nil {
		return nil, err
	}
	e.model = model
	stepMode, err := diffusion.ParseMode(cfg.steps)
	if err != nil {
		return nil, err
	}
	if e.steps, err = diffusion.OpenSteps(ctx, stepMode); err != nil {
		return nil, err
	}
	fmt.Fprintf(w, "data: 2-D mixture of 8 Gaussians (ring of radius 0.7, std 0.08); %s schedule, T = %d\n", cfg.schedule, cfg.T)
	fmt.Fprintf(w, "step kernels: %s\nmodel: %s\n", e.steps.Kind(), modelKind)

	e.rng = rand.New(rand.NewPCG(cfg.seed, 1))
	train, _ := e.g.Sample(cfg.gammaN, e.rng)
	if e.gamma, err = diffusion.NewGammaTable(model, train, cfg.seed); err != nil {
		return nil, err
	}
	t0 := time.Now()
	for _, k := range e.ks {
		if _, err := e.gamma.Table(e.trs[k]); err != nil {
			return nil, err
		}
	}
	how := "float64 on the host"
	if _, ok := model.(*diffusion.GMMProgram); ok {
		how = "gmm_sumsq: noising, model and sum of squares in one program"
	}
	fmt.Fprintf(w, "Gamma_t: %d timesteps x %d training points in %.1fs (%s)\n\n",
		e.gamma.Evals(), cfg.gammaN, time.Since(t0).Seconds(), how)
	return e, nil
}

// bounds prints the variational bound of every NLL method and K, its gap to
// the exact NLL, and its paired difference to DDPM β.
func (e *experiment) bounds(w io.Writer, figs *figures) error {
	cfg, ks := e.cfg, e.ks
	x0, _ := e.g.Sample(cfg.nllN, e.rng)
	figs.ExactNLL = -e.g.MeanLogDensity(x0) / 2
	fmt.Fprintf(w, "Variational bound on the NLL, nats/dim (%d data points; exact NLL of these points: %.3f)\n", cfg.nllN, figs.ExactNLL)
	nll := map[int][]diffusion.Bound{}
	for _, k := range ks {
		b, err := diffusion.NLL(e.model, e.gamma, e.trs[k], x0, nllMethods, rand.New(rand.NewPCG(cfg.seed, uint64(k))))
		if err != nil {
			return err
		}
		nll[k] = b
		for _, r := range b {
			figs.Bound.set(r.Method.String(), k, stat{r.NatsPerDim, r.StdErr})
		}
	}
	statTable(w, ks, nllMethods, figs.Bound)

	exactPer := make([]float64, cfg.nllN)
	for i := range exactPer {
		exactPer[i] = -e.g.MeanLogDensity(x0[2*i:2*i+2]) / 2
	}
	for _, k := range ks {
		for _, b := range nll[k] {
			gap := make([]float64, len(b.PerPoint))
			diff := make([]float64, len(b.PerPoint))
			for i := range gap {
				gap[i] = b.PerPoint[i] - exactPer[i]
				diff[i] = b.PerPoint[i] - nll[k][0].PerPoint[i]
			}
			m, se := diffusion.MeanStdErr(gap)
			figs.Gap.set(b.Method.String(), k, stat{m, se})
			if b.Method != nllMethods[0] {
				m, se = diffusion.MeanStdErr(diff)
				figs.Paired.set(b.Method.String(), k, stat{m, se})
			}
		}
	}
	fmt.Fprintf(w, "\nGap of the bound to the exact NLL, nats/dim (paired per point; a bound is never below it in expectation)\n")
	statTable(w, ks, nllMethods, figs.Gap)
	fmt.Fprintf(w, "\nPaired difference to %s, nats/dim (same data and noise; negative is better)\n", nllMethods[0])
	statTable(w, ks, nllMethods[1:], figs.Paired)
	return nil
}

// sample runs every sampler for every K, prints the sample-quality tables
// and returns what the plots show.
func (e *experiment) sample(w io.Writer, figs *figures) (plotInput, diffusion.Stats, error) {
	cfg, ks := e.cfg, e.ks
	ref, _ := e.g.Sample(cfg.n, rand.New(rand.NewPCG(cfg.seed, 2)))
	ref2, _ := e.g.Sample(cfg.n, rand.New(rand.NewPCG(cfg.seed, 3)))
	floor, err := diffusion.SlicedW2(ref, ref2, 2, swDirections, rand.New(rand.NewPCG(cfg.seed, 4)))
	if err != nil {
		return plotInput{}, diffusion.Stats{}, err
	}
	figs.SW2Floor, figs.TrueSpread, figs.TrueLogDensity = floor, e.g.Spread(ref), e.g.MeanLogDensity(ref)
	sampler := &diffusion.Sampler{Steps: e.steps, Model: e.model, Gamma: e.gamma}
	samples := map[string]map[int][]float32{}
	for _, m := range sampleMethods {
		samples[m.String()] = map[int][]float32{}
		for _, k := range ks {
			x := make([]float32, cfg.n*2)
			r := rand.New(rand.NewPCG(cfg.seed+uint64(k), 5))
			diffusion.Noise(x, r)
			if err := sampler.Sample(m, e.trs[k], x, r); err != nil {
				return plotInput{}, diffusion.Stats{}, err
			}
			d, err := diffusion.SlicedW2(x, ref, 2, swDirections, rand.New(rand.NewPCG(cfg.seed, 4)))
			if err != nil {
				return plotInput{}, diffusion.Stats{}, err
			}
			samples[m.String()][k] = x
			figs.SW2.set(m.String(), k, d)
			figs.LogDensity.set(m.String(), k, e.g.MeanLogDensity(x))
			figs.Spread.set(m.String(), k, e.g.Spread(x))
		}
	}
	valueTable(w, fmt.Sprintf("Sample quality: sliced Wasserstein-2 to %d true samples, x100 (lower is better; two true sample sets: %.2f)", cfg.n, 100*floor), "%.2f", ks, figs.SW2, 100)
	valueTable(w, fmt.Sprintf("Spread around the components, sample/true std (1 is right; true samples: %.3f)", figs.TrueSpread), "%.3f", ks, figs.Spread, 1)
	valueTable(w, fmt.Sprintf("Mean log-density of the samples under the data (true samples: %.3f; rewards samples packed at the modes)", figs.TrueLogDensity), "%.3f", ks, figs.LogDensity, 1)
	in := plotInput{data: ref, ks: ks, methods: sampleMethods, samples: samples, sw: figs.SW2, floor: floor, dirs: swDirections}
	return in, sampler.Stats, nil
}

// statTable prints mean±stderr per K (rows) and method (columns).
func statTable(w io.Writer, ks []int, ms []diffusion.Method, vals table[stat]) {
	header(w, ms)
	for _, k := range ks {
		fmt.Fprintf(w, "%5d", k)
		for _, m := range ms {
			s := vals[m.String()][k]
			fmt.Fprintf(w, " %s", pad(fmt.Sprintf("%.3f±%.3f", s.Mean, s.StdErr), 15))
		}
		fmt.Fprintln(w)
	}
}

// valueTable prints a titled table of scale·value per K (rows) and sampler (columns).
func valueTable(w io.Writer, title, format string, ks []int, vals table[float64], scale float64) {
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
