// This file implements `dlc bench`: time a function on generated data and
// compare it with the roof that bounds it, both measured in the same run: the
// bandwidth of a plain copy, or the FMA peak (internal/peak) for a function
// whose arithmetic intensity is above the machine balance; for a function
// with contractions, also their flop rate.
package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"sort"
	"sync"
	"time"
	"unsafe"

	"dlc.dev/dlc/artifact"
	"dlc.dev/dlc/internal/hostcpu"
	"dlc.dev/dlc/internal/peak"
	"dlc.dev/dlc/ir"
	"dlc.dev/dlc/runtime"
)

// benchResult is what `dlc bench --json` prints.
type benchResult struct {
	Function      string  `json:"function"`
	Device        string  `json:"device"`
	Threads       int     `json:"threads"`
	Runs          int     `json:"runs"`
	MedianSeconds float64 `json:"median_seconds"`
	MinSeconds    float64 `json:"min_seconds"`
	Bytes         int64   `json:"bytes"`
	GBps          float64 `json:"gbps"`
	CopyGBps      float64 `json:"copy_gbps"`
	Ratio         float64 `json:"ratio_to_copy"`
	// Ops and Transcendentals are the work of every kernel (artifact.Cost),
	// GOPS the operations per second, Intensity ops per byte of Bytes.
	Ops             int64   `json:"ops"`
	Transcendentals int64   `json:"transcendentals"`
	GOPS            float64 `json:"gops"`
	Intensity       float64 `json:"intensity"`
	// PeakGFLOPS is the FMA peak measured in the same run (0: none could be
	// measured), Balance the ridge point PeakGFLOPS / CopyGBps in ops per
	// byte, Bound the roof under which the function's intensity puts it
	// ("memory" or "compute") and RoofShare the share of that roof reached.
	PeakGFLOPS float64 `json:"peak_gflops"`
	Balance    float64 `json:"balance"`
	Bound      string  `json:"bound"`
	RoofShare  float64 `json:"roof_share"`
	// Flops counts the multiply-adds of the function's contractions as 2
	// flops each (2·batch·M·N·K per contraction); 0 without contractions.
	Flops  float64 `json:"flops,omitempty"`
	GFLOPs float64 `json:"gflops,omitempty"`
}

func runBench(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	var dimFlags, aliasFlags, sets pairs
	fs.Var(&dimFlags, "dim", "`NAME=SIZE`: the size of symbolic dimension NAME (repeatable; every symbolic dimension needs one)")
	fs.Var(&aliasFlags, "alias", "`OUT=IN`: write output OUT in place over input IN (repeatable)")
	fs.Var(&sets, "set", "`NAME=VALUE`: set scalar parameter NAME (repeatable); scalars without a default are 1 unless set")
	minTime := fs.Duration("time", time.Second, "`DURATION`: measure for at least this long, in 5 to 200 runs")
	asJSON := fs.Bool("json", false, "print one JSON object instead of text")
	art, fn, desc, err := addDeviceFlags(fs).openFunction(fs, args, nil)
	if err != nil {
		return err
	}
	defer art.Close()
	dims, err := parseDims(dimFlags)
	if err != nil {
		return err
	}
	a, bytes, err := benchArgs(desc, dims, sets, aliasFlags)
	if err != nil {
		return err
	}
	dev, _, free, err := onDevice(art, a)
	if err != nil {
		return err
	}
	defer free()
	if err := fn.Run(dev); err != nil { // warm up, and check the arguments once
		return err
	}
	times, err := timeRuns(*minTime, func() error { return fn.Run(dev) })
	if err != nil {
		return err
	}
	nthreads := art.Threads()
	var copyGBps float64
	if art.Device().Kind == runtime.Host {
		copyGBps = copyBandwidth(bytes/2, nthreads, *minTime/2)
	} else if copyGBps, err = deviceCopyBandwidth(art, bytes/2, *minTime/2); err != nil {
		return err
	}
	med, min := median(times), times[0]
	r := benchResult{Function: desc.Name, Device: art.Device().String(), Threads: nthreads, Runs: len(times), MedianSeconds: med, MinSeconds: min,
		Bytes: bytes, GBps: float64(bytes) / med / 1e9, CopyGBps: copyGBps}
	r.Ratio = r.GBps / r.CopyGBps
	if r.Flops, err = contractionFlops(desc, dims); err != nil {
		return err
	}
	r.GFLOPs = r.Flops / med / 1e9
	if err := r.roofline(desc, dims, art.Device().Kind == runtime.Host, *minTime/4); err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(r)
	}
	r.print(stdout, art.Device().Kind == runtime.Host)
	return nil
}

// benchArgs generates the inputs and outputs of function desc at sizes
// dims, with scalars from sets and outputs aliased to inputs by aliases, and
// returns them with the bytes they hold.
func benchArgs(desc *artifact.Function, dims map[string]int64, sets, aliasFlags pairs) (runtime.Args, int64, error) {
	var none runtime.Args
	a := runtime.Args{Inputs: map[string]runtime.Tensor{}, Outputs: map[string]runtime.Tensor{}, Scalars: map[string]float64{}}
	for _, s := range desc.Scalars {
		if s.Default == nil {
			a.Scalars[s.Name] = 1
		}
	}
	for i, k := range sets.keys {
		x, err := parseScalar(sets.vals[i])
		if err != nil {
			return none, 0, fmt.Errorf("--set %s: %w", k, err)
		}
		a.Scalars[k] = x
	}
	rng := rand.New(rand.NewPCG(1, 2))
	bounds, err := indexBounds(desc, dims)
	if err != nil {
		return none, 0, err
	}
	var bytes int64
	slot := 0
	inputs := map[string]runtime.Tensor{}
	for _, in := range desc.Inputs {
		shape, err := concrete(in.Shape, dims)
		if err != nil {
			return none, 0, fmt.Errorf("input %s: %w (give it with --dim)", in.Name, err)
		}
		dt, err := runtime.ParseDType(in.DType)
		if err != nil {
			return none, 0, fmt.Errorf("input %s: %w", in.Name, err)
		}
		t := benchTensor(dt, shape, slot, bounds[in.Name], rng)
		slot++
		inputs[in.Name] = t
		a.Inputs[in.Name] = t
		bytes += int64(t.Len)
	}
	aliased := map[string]string{}
	for i, out := range aliasFlags.keys {
		aliased[out] = aliasFlags.vals[i]
	}
	for _, o := range desc.Outputs {
		if in, ok := aliased[o.Name]; ok {
			t, ok := inputs[in]
			if !ok {
				return none, 0, fmt.Errorf("--alias %s=%s: no input named %s", o.Name, in, in)
			}
			a.Outputs[o.Name] = t
			bytes += int64(t.Len)
			continue
		}
		shape, err := concrete(o.Shape, dims)
		if err != nil {
			return none, 0, fmt.Errorf("output %s: %w (give it with --dim)", o.Name, err)
		}
		dt, err := runtime.ParseDType(o.DType)
		if err != nil {
			return none, 0, fmt.Errorf("output %s: %w", o.Name, err)
		}
		t := benchTensor(dt, shape, slot, 0, rng)
		slot++
		a.Outputs[o.Name] = t
		bytes += int64(t.Len)
	}
	return a, bytes, nil
}

// roofline adds the work of the kernels at sizes dims, and, on the host,
// the FMA peak measured for at least minTime and the roof that bounds the
// function.
func (r *benchResult) roofline(desc *artifact.Function, dims map[string]int64, host bool, minTime time.Duration) error {
	med := r.MedianSeconds
	for _, k := range desc.Kernels {
		if k.Cost == nil {
			continue
		}
		o, err1 := ir.EvalCount(k.Cost.Ops, dims)
		t, err2 := ir.EvalCount(k.Cost.Transcendentals, dims)
		if err := errors.Join(err1, err2); err != nil {
			return fmt.Errorf("kernel %s: %w", k.Name, err)
		}
		r.Ops += o
		r.Transcendentals += t
	}
	r.GOPS = float64(r.Ops) / med / 1e9
	if r.Bytes > 0 {
		r.Intensity = float64(r.Ops) / float64(r.Bytes)
	}
	r.Bound, r.RoofShare = "memory", r.Ratio
	if flags, err := hostcpu.Flags(); err == nil && host {
		if g, ok := peak.GFLOPS(r.Threads, minTime, flags["avx2"] && flags["fma"]); ok {
			r.PeakGFLOPS, r.Balance = g, g/r.CopyGBps
			saveBalance(r.Balance, r.Threads)
			if r.Intensity >= r.Balance {
				r.Bound, r.RoofShare = "compute", r.GOPS/g
			}
		}
	}
	return nil
}

// print writes the result as text.
func (r *benchResult) print(stdout io.Writer, host bool) {
	med, min, bytes := r.MedianSeconds, r.MinSeconds, r.Bytes
	where, copyName := fmt.Sprintf("%d threads", r.Threads), "copy loop"
	if !host {
		where, copyName = r.Device, "device-to-device copy"
	}
	fmt.Fprintf(stdout, "%s: median %.3f ms over %d runs (min %.3f ms), %s\n", r.Function, med*1e3, r.Runs, min*1e3, where)
	fmt.Fprintf(stdout, "  %.1f MB moved (unique bytes read + written): %.2f GB/s\n", float64(bytes)/1e6, r.GBps)
	fmt.Fprintf(stdout, "  %s, same run: %.2f GB/s  → %.0f%% of the copy bandwidth\n", copyName, r.CopyGBps, 100*r.Ratio)
	if r.Flops > 0 {
		fmt.Fprintf(stdout, "  contractions: %.3g flops (2·batch·M·N·K): %.1f GFLOP/s\n", r.Flops, r.GFLOPs)
	}
	fmt.Fprintf(stdout, "  %.3g ops (%.3g transcendental): %.2f GOP/s, %.3g ops/byte\n", float64(r.Ops), float64(r.Transcendentals), r.GOPS, r.Intensity)
	if r.PeakGFLOPS == 0 {
		fmt.Fprintf(stdout, "  no FMA peak measured (it needs the host CPU, amd64 with AVX2 and FMA): bound by memory is assumed\n")
		return
	}
	fmt.Fprintf(stdout, "  FMA peak, same run: %.1f GFLOP/s; machine balance %.3g ops/byte\n", r.PeakGFLOPS, r.Balance)
	roof := "the copy bandwidth"
	if r.Bound == "compute" {
		roof = "the FMA peak"
	}
	fmt.Fprintf(stdout, "  bound by %s → %.0f%% of %s\n", r.Bound, 100*r.RoofShare, roof)
}

// contractionFlops is the flop count of f's contraction kernels at the bound
// dimensions: 2·batch·M·N·K each.
func contractionFlops(f *artifact.Function, dims map[string]int64) (float64, error) {
	total := 0.0
	for _, k := range f.Kernels {
		c := k.Contraction
		if c == nil {
			continue
		}
		flops := 2.0
		for _, group := range [][]string{c.Batch, c.M, c.N, c.K} {
			sizes, err := concrete(group, dims)
			if err != nil {
				return 0, fmt.Errorf("kernel %s: %w (give it with --dim)", k.Name, err)
			}
			for _, n := range sizes {
				flops *= float64(n)
			}
		}
		total += flops
	}
	return total, nil
}

// indexBounds evaluates the bound of every index input (the manifest's
// index checks): a gather reads positions [0, bound) of its data.
func indexBounds(desc *artifact.Function, dims map[string]int64) (map[string]int64, error) {
	bounds := map[string]int64{}
	for _, c := range desc.IndexChecks {
		b, err := concrete([]string{c.Bound}, dims)
		if err != nil {
			return nil, fmt.Errorf("input %s indexes an axis of size %s: %w (give it with --dim)", c.Input, c.Bound, err)
		}
		if old, ok := bounds[c.Input]; !ok || b[0] < old {
			bounds[c.Input] = b[0]
		}
	}
	return bounds, nil
}

// benchTensor allocates a tensor of generated values: floats in [-1, 1),
// indices in [0, bound) for an input that a gather reads positions of
// (bound > 0), other integers in [1, 8] and bools at random. Buffers are
// offset by a few KiB each, so that large buffers are not exactly 2^k bytes
// apart (which halves bandwidth through cache-set aliasing).
func benchTensor(dt runtime.DType, shape []int64, slot int, bound int64, rng *rand.Rand) runtime.Tensor {
	n := int64(1)
	for _, d := range shape {
		n *= d
	}
	size := n * int64(dt.Size())
	off := int64(slot+1) * 4160
	raw := make([]byte, size+off+64)
	base := uintptr(unsafe.Pointer(&raw[0]))
	off += int64((64 - base%64) % 64)
	b := raw[off : off+size]
	if n == 0 {
		return runtime.FromBytes(dt, shape, b)
	}
	integer := func() int64 {
		if bound > 0 {
			return rng.Int64N(bound)
		}
		return 1 + rng.Int64N(8)
	}
	switch dt {
	case runtime.Float32:
		f := unsafe.Slice((*float32)(unsafe.Pointer(&b[0])), n)
		for i := range f {
			f[i] = float32(rng.Float64()*2 - 1)
		}
	case runtime.Float64:
		f := unsafe.Slice((*float64)(unsafe.Pointer(&b[0])), n)
		for i := range f {
			f[i] = rng.Float64()*2 - 1
		}
	case runtime.Float16, runtime.BFloat16:
		h := unsafe.Slice((*uint16)(unsafe.Pointer(&b[0])), n)
		for i := range h {
			x := float32(rng.Float64()*2 - 1)
			if dt == runtime.Float16 {
				h[i] = ir.F32ToF16(x)
			} else {
				h[i] = ir.F32ToBF16(x)
			}
		}
	case runtime.Int32:
		v := unsafe.Slice((*int32)(unsafe.Pointer(&b[0])), n)
		for i := range v {
			v[i] = int32(integer())
		}
	case runtime.Int64:
		v := unsafe.Slice((*int64)(unsafe.Pointer(&b[0])), n)
		for i := range v {
			v[i] = integer()
		}
	default:
		for i := range b {
			b[i] = byte(rng.IntN(2))
		}
	}
	return runtime.FromBytes(dt, shape, b)
}

// timeRuns runs f until minTime has passed (at least 5 and at most 200 runs)
// and returns the sorted times in seconds.
func timeRuns(minTime time.Duration, f func() error) ([]float64, error) {
	var times []float64
	start := time.Now()
	for len(times) < 5 || (time.Since(start) < minTime && len(times) < 200) {
		t0 := time.Now()
		if err := f(); err != nil {
			return nil, err
		}
		times = append(times, time.Since(t0).Seconds())
	}
	sort.Float64s(times)
	return times, nil
}

func median(sorted []float64) float64 {
	n := len(sorted)
	if n%2 == 1 {
		return sorted[n/2]
	}
	return (sorted[n/2-1] + sorted[n/2]) / 2
}

// copyBandwidth measures a plain parallel copy of size bytes (read + write
// counted) with the given number of threads: the machine's practical limit.
func copyBandwidth(size int64, threads int, minTime time.Duration) float64 {
	if size < 1<<20 {
		size = 1 << 20
	}
	src := make([]byte, size+4160)[4160:]
	dst := make([]byte, size)
	for i := range src {
		src[i] = byte(i)
	}
	run := func() error {
		var wg sync.WaitGroup
		chunk := (size/int64(threads) + 63) &^ 63
		for lo := int64(0); lo < size; lo += chunk {
			hi := min(lo+chunk, size)
			wg.Add(1)
			go func(lo, hi int64) {
				defer wg.Done()
				copy(dst[lo:hi], src[lo:hi])
			}(lo, hi)
		}
		wg.Wait()
		return nil
	}
	run()
	times, _ := timeRuns(minTime, run)
	return 2 * float64(size) / median(times) / 1e9
}

// deviceCopyBandwidth measures a device-to-device copy of size bytes (read +
// write counted) in art's device memory (cuMemcpyDtoD): the GPU's practical
// limit.
func deviceCopyBandwidth(art *runtime.Artifact, size int64, minTime time.Duration) (float64, error) {
	n := max(size, 1<<20) / 4
	src, err := art.Alloc(runtime.Float32, n)
	if err != nil {
		return 0, err
	}
	defer art.Free(src)
	dst, err := art.Alloc(runtime.Float32, n)
	if err != nil {
		return 0, err
	}
	defer art.Free(dst)
	run := func() error { return art.Copy(dst, src) }
	if err := run(); err != nil {
		return 0, err
	}
	times, err := timeRuns(minTime, run)
	if err != nil {
		return 0, err
	}
	return 2 * float64(4*n) / median(times) / 1e9, nil
}
