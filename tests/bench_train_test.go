// This file benchmarks a compiled train step against PyTorch eager on the
// same machine and BLAS: an MLP 512 -> 1024 -> 1024 -> 1000 at batch 256,
// f32, 2 threads, with ZLPR and Lion over all parameters. It reports, from
// one run with the rounds alternated: the speed-up over PyTorch, the share
// of the step's matmul floor (6·B·Σ fan_in·fan_out flops at the sgemm rate
// measured in the same run), and the bandwidth of the one-launch Lion update
// of all 2.6 M parameters against a 2-thread copy of as many bytes.
package tests

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"dlc.dev/dlc/compiler"
	"dlc.dev/dlc/runtime"
	"dlc.dev/dlc/train"

	"github.com/stretchr/testify/require"
)

// benchTrainSrc is the benchmarked model, its train step, and the Lion
// update of its six parameters alone, flattened (one loops kernel,
// horizontal fusion).
const benchTrainSrc = `
import "std/optim/lion"
import "std/loss/zlpr"

kernel mlp(x: f32[B, 512],
           w1: f32[512, 1024] = he_normal(), b1: f32[1024] = zeros(),
           w2: f32[1024, 1024] = he_normal(), b2: f32[1024] = zeros(),
           w3: f32[1024, 1000] = he_normal(), b3: f32[1000] = zeros()) -> logits: f32[B, 1000] {
    let h1 = relu(x @ w1 + b1)
    let h2 = relu(h1 @ w2 + b2)
    logits = h2 @ w3 + b3
}

kernel zlpr_mean(logits: f32[B, C], labels: f32[B, C]) -> loss: f32 {
    let l, _ = zlpr_hard(logits, labels)
    loss = mean(l)
}

kernel step = train(mlp, loss=zlpr_mean, opt=lion(lr=1e-4))

@kernels(1)
kernel lion_all(w1: f32[524288], g1: f32[524288], m1: f32[524288],
                b1: f32[1024], gb1: f32[1024], mb1: f32[1024],
                w2: f32[1048576], g2: f32[1048576], m2: f32[1048576],
                b2: f32[1024], gb2: f32[1024], mb2: f32[1024],
                w3: f32[1024000], g3: f32[1024000], m3: f32[1024000],
                b3: f32[1000], gb3: f32[1000], mb3: f32[1000]; lr: f32 = 1e-4)
    -> (w1_new: f32[524288], m1_new: f32[524288], b1_new: f32[1024], mb1_new: f32[1024],
        w2_new: f32[1048576], m2_new: f32[1048576], b2_new: f32[1024], mb2_new: f32[1024],
        w3_new: f32[1024000], m3_new: f32[1024000], b3_new: f32[1000], mb3_new: f32[1000]) {
    w1_new, m1_new = lion(w1, g1, m1, lr=lr)
    b1_new, mb1_new = lion(b1, gb1, mb1, lr=lr)
    w2_new, m2_new = lion(w2, g2, m2, lr=lr)
    b2_new, mb2_new = lion(b2, gb2, mb2, lr=lr)
    w3_new, m3_new = lion(w3, g3, m3, lr=lr)
    b3_new, mb3_new = lion(b3, gb3, mb3, lr=lr)
}

// lion_flat is the same update over one flat arena of every parameter.
@kernels(1)
kernel lion_flat(theta: f32[N], grad: f32[N], m: f32[N]; lr: f32 = 1e-4) -> (theta_new: f32[N], m_new: f32[N]) {
    theta_new, m_new = lion(theta, grad, m, lr=lr)
}
`

// benchShapes are the parameters of the benchmarked MLP.
var benchShapes = map[string][]int64{
	"w1": {512, 1024}, "b1": {1024}, "w2": {1024, 1024}, "b2": {1024}, "w3": {1024, 1000}, "b3": {1000},
}

// torchServer is python3 running testdata/baseline/train_torch.py.
type torchServer struct {
	*pyServer
	info string
}

func startTorch(threads int) (*torchServer, error) {
	if exec.Command("/usr/bin/python3", "-c", "import torch").Run() != nil {
		return nil, fmt.Errorf("python3 with torch not found (scripts/setup.sh --bench installs Debian's python3-torch)")
	}
	ps, err := startPyServer("/usr/bin/python3", "testdata/baseline/train_torch.py", threads, strconv.Itoa(threads))
	if err != nil {
		return nil, err
	}
	s := &torchServer{pyServer: ps}
	if !s.out.Scan() {
		return nil, fmt.Errorf("torch server: %v", s.out.Err())
	}
	s.info = s.out.Text()
	return s, nil
}

// time runs what ("step" or "sgemm") n times in PyTorch and returns the median.
func (s *torchServer) time(what string, n int) (time.Duration, error) {
	if _, err := fmt.Fprintf(s.in, "%s %d\n", what, n); err != nil {
		return 0, err
	}
	if !s.out.Scan() {
		return 0, fmt.Errorf("torch server: %v", s.out.Err())
	}
	var ts []time.Duration
	for _, f := range strings.Fields(s.out.Text()) {
		x, err := strconv.ParseFloat(f, 64)
		if err != nil {
			return 0, err
		}
		ts = append(ts, time.Duration(x*1e9))
	}
	return medianOf(ts), nil
}

func (s *torchServer) close() { s.in.Close(); s.cmd.Wait() }

// needContractions skips when this build of dlc cannot compile a matrix product.
func needContractions(tb testing.TB) {
	tb.Helper()
	needTools(tb)
	src := "kernel mm(a: f32[M, K], b: f32[K, N]) -> c: f32[M, N] {\n    c = a @ b\n}\n"
	if _, _, err := compiler.Build(context.Background(), "mm.dl", []byte(src), compiler.Options{}); err != nil {
		tb.Skipf("this build does not compile contractions: %v", err)
	}
}

func BenchmarkTrainStepVsPyTorch(b *testing.B) {
	needContractions(b)
	const threads, batch, rounds, reps = 2, 256, 7, 10
	torch, err := startTorch(threads)
	if err != nil {
		b.Skip(err)
	}
	defer torch.close()
	bin, _, err := compiler.Build(context.Background(), "bench_train.dl", []byte(benchTrainSrc), compiler.Options{})
	require.NoError(b, err)
	art, err := runtime.LoadBytes(bin, runtime.Config{Threads: threads})
	require.NoError(b, err)
	defer art.Close()
	tr, err := train.New(art, train.Options{Step: "step", Seed: 1})
	require.NoError(b, err)
	data := benchTrainBatch(batch)
	dlcStep := func() {
		_, err := tr.Step(data)
		require.NoError(b, err)
	}
	// The same step built for x86-64-v4 (AVX-512: the contractions' 6 x 64
	// register tile), where this machine runs it; PyTorch's OpenBLAS picks
	// its AVX-512 kernels here too.
	var dlcStep4 func()
	if bin4, _, err := compiler.Build(context.Background(), "bench_train.dl", []byte(benchTrainSrc), compiler.Options{CPU: "x86-64-v4"}); err == nil {
		if art4, err := runtime.LoadBytes(bin4, runtime.Config{Threads: threads}); err == nil {
			defer art4.Close()
			tr4, err := train.New(art4, train.Options{Step: "step", Seed: 1})
			require.NoError(b, err)
			dlcStep4 = func() {
				_, err := tr4.Step(data)
				require.NoError(b, err)
			}
		}
	}

	// The update alone, in place, on buffers staggered like the runtime's.
	lion, err := art.Func("lion_all")
	require.NoError(b, err)
	args := runtime.Args{Inputs: map[string]runtime.Tensor{}, Outputs: map[string]runtime.Tensor{}}
	var params int64
	for i, t := range [][3]string{{"w1", "g1", "m1"}, {"b1", "gb1", "mb1"}, {"w2", "g2", "m2"}, {"b2", "gb2", "mb2"}, {"w3", "g3", "m3"}, {"b3", "gb3", "mb3"}} {
		shape := benchShapes[t[0]]
		n := shape[0]
		if len(shape) == 2 {
			n *= shape[1]
		}
		params += n
		for j, in := range t {
			args.Inputs[in] = runtime.F32(staggered(int(n), 3*i+j), n)
		}
		args.Outputs[t[0]+"_new"] = args.Inputs[t[0]]
		args.Outputs[t[2]+"_new"] = args.Inputs[t[2]]
	}
	dlcLion := func() { require.NoError(b, lion.Run(args)) }
	flat, err := art.Func("lion_flat")
	require.NoError(b, err)
	ft, fg, fm := runtime.F32(staggered(int(params), 30)), runtime.F32(staggered(int(params), 31)), runtime.F32(staggered(int(params), 32))
	flatArgs := runtime.Args{Inputs: map[string]runtime.Tensor{"theta": ft, "grad": fg, "m": fm}, Outputs: map[string]runtime.Tensor{"theta_new": ft, "m_new": fm}}
	dlcFlat := func() { require.NoError(b, flat.Run(flatArgs)) }
	// Two copies: of as many bytes as the update moves (26 MB each way,
	// whose source stays in a 32 MB last-level cache between repetitions
	// while Go's copy writes around the cache), and of 160 MB, beyond the
	// caches: the memory bandwidth LionVsBaselines and dlc bench call the
	// copy bandwidth.
	src, dst := staggered(int(params*5/2), 40), staggered(int(params*5/2), 41)
	copyBoth := func() { copy2(dst, src) }
	bigSrc, bigDst := staggered(benchN*5/2, 42), staggered(benchN*5/2, 43)
	copyBig := func() { copy2(bigDst, bigSrc) }

	dlcStep()
	dlcLion()
	var tDLC, tTorch, tGemm, tLion, tFlat, tCopy, tBig []time.Duration
	b.ResetTimer()
	// dlc's OpenMP team spins for a while after a launch before it sleeps:
	// PyTorch's rounds and the copies start after it has, so that they do
	// not share the cores with it.
	settle := func() { time.Sleep(50 * time.Millisecond) }
	var tDLC4 []time.Duration
	for range rounds {
		tDLC = append(tDLC, medianTime(reps, dlcStep))
		if dlcStep4 != nil {
			tDLC4 = append(tDLC4, medianTime(reps, dlcStep4))
		}
		settle()
		tt, err := torch.time("step", reps)
		require.NoError(b, err)
		tTorch = append(tTorch, tt)
		tg, err := torch.time("sgemm", reps)
		require.NoError(b, err)
		tGemm = append(tGemm, tg)
		tLion = append(tLion, medianTime(reps, dlcLion))
		tFlat = append(tFlat, medianTime(reps, dlcFlat))
		settle()
		tCopy = append(tCopy, medianTime(reps, copyBoth))
		tBig = append(tBig, medianTime(reps, copyBig))
	}
	b.StopTimer()
	ratios := make([]float64, rounds)
	floors := make([]float64, rounds)
	bands := make([]float64, rounds)
	arena := make([]float64, rounds)
	bigBands := make([]float64, rounds)
	flops := 6.0 * batch * (512*1024 + 1024*1024 + 1024*1000)
	for i := range rounds {
		ratios[i] = tTorch[i].Seconds() / tDLC[i].Seconds()
		rate := 2 * 1024.0 * 1024 * 1024 / tGemm[i].Seconds()
		floors[i] = flops / rate / tDLC[i].Seconds()
		bands[i] = tCopy[i].Seconds() / tLion[i].Seconds()
		arena[i] = tFlat[i].Seconds() / tLion[i].Seconds()
		// bytes per second of the update over those of the big copy
		bigBands[i] = (20 * float64(params) / tLion[i].Seconds()) / (2 * 4 * float64(len(bigSrc)) / tBig[i].Seconds())
	}
	b.ReportMetric(medianF(ratios), "x_vs_torch")
	b.ReportMetric(medianF(floors), "of_floor")
	b.ReportMetric(medianF(bands), "lion_of_copy")
	b.ReportMetric(medianF(bigBands), "lion_of_mem_copy")
	b.ReportMetric(tDLC[rounds/2].Seconds()*1e3, "dlc_ms")
	b.Logf("%s; %d rounds of %d, median [min, max]:", torch.info, rounds, reps)
	b.Logf("  dlc step %s, PyTorch eager step %s: %.2fx [%.2f, %.2f]", medianOf(tDLC), medianOf(tTorch), medianF(ratios), minF(ratios), maxF(ratios))
	if dlcStep4 != nil {
		r4 := make([]float64, rounds)
		f4 := make([]float64, rounds)
		for i := range rounds {
			r4[i] = tTorch[i].Seconds() / tDLC4[i].Seconds()
			f4[i] = flops / (2 * 1024.0 * 1024 * 1024 / tGemm[i].Seconds()) / tDLC4[i].Seconds()
		}
		b.ReportMetric(medianF(r4), "x_vs_torch_v4")
		b.ReportMetric(medianF(f4), "of_floor_v4")
		b.Logf("  dlc step built for x86-64-v4 %s: %.2fx [%.2f, %.2f] PyTorch's, the matmul floor at %.0f%% [%.0f, %.0f]",
			medianOf(tDLC4), medianF(r4), minF(r4), maxF(r4), 100*medianF(f4), 100*minF(f4), 100*maxF(f4))
	}
	b.Logf("  sgemm 1024^3 %.1f GFLOP/s; the step's matmul floor (%.2f GFLOP) reached at %.0f%% [%.0f, %.0f]",
		2*1024.0*1024*1024/medianOf(tGemm).Seconds()/1e9, flops/1e9, 100*medianF(floors), 100*minF(floors), 100*maxF(floors))
	b.Logf("  Lion over %d parameters in one launch %s (%.1f GB/s), copy of as many bytes %s: %.0f%% [%.0f, %.0f] of the copy bandwidth",
		params, medianOf(tLion), float64(20*params)/medianOf(tLion).Seconds()/1e9, medianOf(tCopy), 100*medianF(bands), 100*minF(bands), 100*maxF(bands))
	b.Logf("  copy of 160 MB (beyond the caches) %s, %.1f GB/s: the update at %.0f%% [%.0f, %.0f] of that bandwidth",
		medianOf(tBig), 2*4*float64(len(bigSrc))/medianOf(tBig).Seconds()/1e9, 100*medianF(bigBands), 100*minF(bigBands), 100*maxF(bigBands))
	b.Logf("  the same update over one flat arena %s: the loops kernel at %.2fx [%.2f, %.2f] of its speed", medianOf(tFlat), medianF(arena), minF(arena), maxF(arena))
}

func medianF(xs []float64) float64 {
	s := append([]float64(nil), xs...)
	for i := range s {
		for j := i + 1; j < len(s); j++ {
			if s[j] < s[i] {
				s[i], s[j] = s[j], s[i]
			}
		}
	}
	return s[len(s)/2]
}

// benchTrainBatch is a batch of the benchmark's MLP, the same in every
// benchmark: normal inputs and about 1% positive labels.
func benchTrainBatch(batch int64) map[string]runtime.Tensor {
	rng := rand.New(rand.NewPCG(1, 2))
	x, labels := make([]float32, batch*512), make([]float32, batch*1000)
	for i := range x {
		x[i] = float32(rng.NormFloat64())
	}
	for i := range labels {
		if rng.Float64() < 0.01 {
			labels[i] = 1
		}
	}
	return map[string]runtime.Tensor{"x": runtime.F32(x, batch, 512), "labels": runtime.F32(labels, batch, 1000)}
}

func minF(xs []float64) float64 {
	m := xs[0]
	for _, x := range xs {
		m = min(m, x)
	}
	return m
}

func maxF(xs []float64) float64 {
	m := xs[0]
	for _, x := range xs {
		m = max(m, x)
	}
	return m
}

// BenchmarkMixedTrainStep times the MLP train step of
// BenchmarkTrainStepVsPyTorch in bf16 and in f16 mixed precision against
// the f32 step, rounds alternated in one run, and reports each ratio (f32
// time over mixed time) as median [min, max], for two builds: the default
// x86-64-v3, whose packing widens 16-bit operands to f32 (what the mixed
// steps save there is operand bytes; f16 adds its loss-scaling kernels), and
// -cpu native, where a CPU with AVX512_BF16 multiplies bf16 pairs with
// vdpbf16ps (sub-benchmarks cpu=default and cpu=native).
func BenchmarkMixedTrainStep(b *testing.B) {
	needContractions(b)
	for _, cpu := range []string{"default", "native"} {
		b.Run("cpu="+cpu, func(b *testing.B) { mixedTrainStep(b, cpu) })
	}
}

// mixedTrainStep is BenchmarkMixedTrainStep for one -cpu.
func mixedTrainStep(b *testing.B, cpu string) {
	const threads, batch, rounds, reps = 2, 256, 7, 10
	src := benchTrainSrc + `
kernel step_bf16 = train(mlp, loss=zlpr_mean, opt=lion(lr=1e-4), precision=bf16)
kernel step_f16 = train(mlp, loss=zlpr_mean, opt=lion(lr=1e-4), precision=f16)
`
	opt := compiler.Options{}
	if cpu != "default" {
		opt.CPU = cpu
	}
	bin, _, err := compiler.Build(context.Background(), "bench_train.dl", []byte(src), opt)
	require.NoError(b, err)
	art, err := runtime.LoadBytes(bin, runtime.Config{Threads: threads})
	require.NoError(b, err)
	defer art.Close()
	data := benchTrainBatch(batch)
	steps := []string{"step", "step_bf16", "step_f16"}
	run := map[string]func(){}
	for _, name := range steps {
		tr, err := train.New(art, train.Options{Step: name, Seed: 1})
		require.NoError(b, err)
		run[name] = func() {
			_, err := tr.Step(data)
			require.NoError(b, err)
		}
		run[name]()
	}
	times := map[string][]time.Duration{}
	b.ResetTimer()
	for range rounds {
		for _, name := range steps {
			times[name] = append(times[name], medianTime(reps, run[name]))
		}
	}
	b.StopTimer()
	b.Logf("%d rounds of %d steps, alternated; f32 step %s", rounds, reps, medianOf(times["step"]))
	for _, name := range steps[1:] {
		ratios := make([]float64, rounds)
		for i := range rounds {
			ratios[i] = times["step"][i].Seconds() / times[name][i].Seconds()
		}
		b.ReportMetric(medianF(ratios), "x_"+name[len("step_"):])
		b.Logf("  %s %s: %.2fx the f32 step's speed [%.2f, %.2f]", name, medianOf(times[name]), medianF(ratios), minF(ratios), maxF(ratios))
	}
}
