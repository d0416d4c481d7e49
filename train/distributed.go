// This file runs a train step data-parallel over MPI: each rank runs the
// step's forward and backward pass (step.grad) on its part of the global
// batch, the gradients are summed across ranks with in-place all-reduces of
// a few MiB each over one flat gradient arena, and every rank applies the
// update (step.update, one launch) with the gradients scaled by 1/ranks, so
// every rank ends each step with the same parameters.
package train

import (
	"fmt"
	"unsafe"

	"dlc.dev/dlc/artifact"
	"dlc.dev/dlc/runtime"
	"dlc.dev/dlc/runtime/mpi"
)

// DefaultBucketBytes is the size of one gradient all-reduce unless
// Options.BucketBytes says otherwise.
const DefaultBucketBytes = 4 << 20

// arenaAlign is the alignment, in f32 elements, of every gradient in the
// arena: 64 bytes, a cache line and an AVX-512 vector.
const arenaAlign = 16

// dist is what a data-parallel Trainer adds: the step's two phases, the
// communicator and the gradient arena.
type dist struct {
	comm              *mpi.Comm // nil: one process (deterministic mode without MPI)
	rank, size        int
	grad, update      *runtime.Func
	gradSpec, updSpec artifact.Function
	offs              []int     // where each parameter's gradient starts in an arena
	lossAt            int       // where the loss is in an arena
	stride            int       // elements of one arena: every gradient, aligned, then the loss, padded
	arena             []float32 // the summed gradients and loss the update reads
	grads             map[string]runtime.Tensor
	loss              runtime.Tensor // the last element of arena
	bucket            int            // elements per all-reduce
	gradArgs, updArgs runtime.Args
	gradScale         float64 // the update's grad_scale: 1/ranks, or 1/microbatches
	det               *detSum // set in deterministic mode (deterministic.go)
	zero              *zero   // set with ZeRO-1 sharding (zero.go)
}

// newDist prepares t to run data-parallel over opt.Comm (or, in
// deterministic mode, alone when Comm is nil) and makes every rank's
// parameters and state rank 0's.
func (t *Trainer) newDist(art *runtime.Artifact, opt Options) error {
	man := art.Manifest()
	d := &dist{comm: opt.Comm, size: 1}
	if d.comm != nil {
		d.rank, d.size = d.comm.Rank(), d.comm.Size()
	}
	for _, ph := range []struct {
		name string
		fn   **runtime.Func
		spec *artifact.Function
	}{{opt.Step + ".grad", &d.grad, &d.gradSpec}, {opt.Step + ".update", &d.update, &d.updSpec}} {
		spec := findFunc(man, ph.name)
		if spec == nil {
			return fmt.Errorf("train: data-parallel training needs %s, which the artifact lacks (functions: %s); rebuild it with this dlc", ph.name, funcNames(man))
		}
		*ph.spec = *spec
		var err error
		if *ph.fn, err = art.Func(ph.name); err != nil {
			return err
		}
	}
	bucket := opt.BucketBytes
	if bucket == 0 {
		bucket = DefaultBucketBytes
	}
	if bucket < 4 {
		return fmt.Errorf("train: BucketBytes is %d; it must be at least 4 (one f32), or 0 for %d", bucket, DefaultBucketBytes)
	}
	d.bucket = bucket / 4
	if err := d.layoutArena(t.params); err != nil {
		return err
	}
	d.gradScale = 1 / float64(d.size)
	if opt.Deterministic {
		if err := d.newDetSum(t.params, opt.Microbatches); err != nil {
			return err
		}
	} else if !opt.ZeRO {
		d.arena = alignedF32(d.stride)
		d.grads, d.loss = d.views(d.arena, t.params)
	}
	if opt.ZeRO {
		if err := d.newZero(t); err != nil {
			return err
		}
	}
	if err := d.sync(t); err != nil {
		return err
	}
	t.dist = d
	return nil
}

// sync makes every rank's parameters and state rank 0's (with ZeRO-1, the
// parameters only: every rank holds its own block of the state).
func (d *dist) sync(t *Trainer) error {
	if d.comm == nil {
		return nil
	}
	all := append([]*slot(nil), t.params...)
	if d.zero == nil {
		all = append(all, t.state...)
	}
	for _, s := range all {
		if err := d.comm.Bcast(s.tensor, 0); err != nil {
			return fmt.Errorf("train: making every rank's %s rank 0's: %w", s.spec.Name, err)
		}
	}
	return nil
}

// layoutArena lays the gradient of every parameter, in the step's order,
// end to end in an f32 arena, each 64-byte aligned, then the loss; the
// arena's length is a multiple of 16 elements, so arenas laid end to end
// stay aligned.
func (d *dist) layoutArena(params []*slot) error {
	d.offs = make([]int, len(params))
	n := 0
	for i, s := range params {
		if s.dtype != runtime.Float32 {
			return fmt.Errorf("train: %s is %s; data-parallel training sums f32 gradients only", s.spec.Name, s.spec.DType)
		}
		d.offs[i] = n
		n += roundUp(len(s.data)/4, arenaAlign)
	}
	d.lossAt, d.stride = n, roundUp(n+1, arenaAlign)
	return nil
}

// views returns the gradient tensors (named d_<param>) and the loss of the
// arena a, which holds d.stride elements.
func (d *dist) views(a []float32, params []*slot) (map[string]runtime.Tensor, runtime.Tensor) {
	grads := make(map[string]runtime.Tensor, len(params))
	for i, s := range params {
		grads[gradPrefix+s.spec.Name] = runtime.F32(a[d.offs[i]:d.offs[i]+len(s.data)/4], s.shape...)
	}
	loss := runtime.F32(a[d.lossAt : d.lossAt+1])
	loss.Shape = []int64{}
	return grads, loss
}

// alignedF32 returns n zero f32 elements starting on a 64-byte boundary.
func alignedF32(n int) []float32 {
	buf := make([]float32, n+arenaAlign)
	skip := int(-uintptr(unsafe.Pointer(&buf[0])) % 64 / 4)
	return buf[skip : skip+n : skip+n]
}

// roundUp rounds n up to a multiple of m.
func roundUp(n, m int) int { return (n + m - 1) / m * m }

// gradPrefix begins the name of each gradient of step.grad: d_w is w's.
const gradPrefix = "d_"

// distStep runs one data-parallel step on this rank's batch and returns the
// mean loss over every rank's rows.
func (t *Trainer) distStep(batch map[string]runtime.Tensor, scalars map[string]float64) (float64, error) {
	d := t.dist
	if err := d.sumGrads(t, batch, scalars); err != nil {
		return 0, err
	}
	if err := d.runUpdate(t, scalars); err != nil {
		return 0, err
	}
	if d.zero != nil {
		if err := d.zeroGather(); err != nil {
			return 0, err
		}
		if d.det == nil {
			return float64(d.zero.params[len(d.zero.params)-1]) * d.gradScale, nil
		}
	}
	return float64(d.arena[d.lossAt]) * d.gradScale, nil
}

// sumGrads runs step.grad on this rank's batch and sums the gradients and
// losses over the ranks: all-reduced in buckets, or in microbatch order
// (deterministic.go), or reduce-scattered (zero.go).
func (d *dist) sumGrads(t *Trainer, batch map[string]runtime.Tensor, scalars map[string]float64) error {
	if d.det != nil {
		return d.detGrads(t, batch, scalars)
	}
	if err := d.runGrad(t, batch, scalars, d.grads, d.loss); err != nil {
		return err
	}
	if d.zero != nil {
		return d.zeroSum()
	}
	for off := 0; off < len(d.arena); off += d.bucket {
		b := runtime.F32(d.arena[off:min(off+d.bucket, len(d.arena))])
		if err := d.comm.Allreduce(b, b, mpi.Sum); err != nil {
			return fmt.Errorf("train: summing the gradients: %w", err)
		}
	}
	return nil
}

// runUpdate runs step.update on the summed gradients, over this rank's
// block only with ZeRO-1.
func (d *dist) runUpdate(t *Trainer, scalars map[string]float64) error {
	u := &d.updArgs
	u.Inputs, u.Outputs, u.Scalars = map[string]runtime.Tensor{}, map[string]runtime.Tensor{}, pick(scalars, d.updSpec.Scalars)
	u.Scalars["grad_scale"] = d.gradScale
	for _, s := range append(append([]*slot(nil), t.params...), t.state...) {
		u.Inputs[s.spec.Name] = s.tensor
	}
	grads := d.grads
	u.Range = nil
	if d.zero != nil {
		grads, u.Range = d.zero.gradIn, &d.zero.rng
	}
	for k, g := range grads {
		u.Inputs[k] = g
	}
	for _, o := range d.updSpec.Outputs {
		u.Outputs[o.Name] = t.byName[o.Updates].tensor
	}
	return d.update.Run(*u)
}

// runGrad runs step.grad on batch with t's parameters, writing the
// gradients into grads and the loss into loss.
func (d *dist) runGrad(t *Trainer, batch map[string]runtime.Tensor, scalars map[string]float64, grads map[string]runtime.Tensor, loss runtime.Tensor) error {
	a := &d.gradArgs
	a.Inputs, a.Outputs, a.Scalars = map[string]runtime.Tensor{}, map[string]runtime.Tensor{}, pick(scalars, d.gradSpec.Scalars)
	for k, v := range batch {
		a.Inputs[k] = v
	}
	for _, in := range d.gradSpec.Inputs { // the parameters, and an f16 step's loss scale
		if s := t.byName[in.Name]; s != nil {
			a.Inputs[in.Name] = s.tensor
		}
	}
	for _, o := range d.gradSpec.Outputs {
		a.Outputs[o.Name] = grads[o.Name]
	}
	a.Outputs[t.loss] = loss
	return d.grad.Run(*a)
}

// pick returns the scalars of sc that specs name.
func pick(sc map[string]float64, specs []artifact.Scalar) map[string]float64 {
	out := make(map[string]float64, len(specs)+1)
	for _, s := range specs {
		if v, ok := sc[s.Name]; ok {
			out[s.Name] = v
		}
	}
	return out
}

// Shard returns rank's part of a global batch split across ranks: rows
// [rank·B/ranks, (rank+1)·B/ranks) of every tensor, B its first dimension,
// as views of the same memory. B must be a multiple of ranks.
func Shard(batch map[string]runtime.Tensor, rank, ranks int) (map[string]runtime.Tensor, error) {
	if ranks <= 0 || rank < 0 || rank >= ranks {
		return nil, fmt.Errorf("train: rank %d of %d ranks", rank, ranks)
	}
	return cutRows(batch, rank, ranks, "ranks")
}

// cutRows returns part i of n equal parts of every tensor's rows, as views;
// what names the parts in the error when a first dimension is not a
// multiple of n.
func cutRows(batch map[string]runtime.Tensor, i, n int, what string) (map[string]runtime.Tensor, error) {
	out := make(map[string]runtime.Tensor, len(batch))
	for name, x := range batch {
		if len(x.Shape) == 0 || x.Shape[0] <= 0 || x.Shape[0]%int64(n) != 0 {
			return nil, fmt.Errorf("train: batch input %s has shape %v; its first dimension must be a multiple of the %d %s", name, x.Shape, n, what)
		}
		if x.Device != (runtime.Device{}) {
			return nil, fmt.Errorf("train: batch input %s is not in host memory", name)
		}
		rows := x.Shape[0] / int64(n)
		rowBytes := x.Elements() / x.Shape[0] * int64(x.DType.Size())
		y := x
		y.Shape = append([]int64{rows}, x.Shape[1:]...)
		y.Data = unsafe.Add(x.Data, int64(i)*rows*rowBytes)
		y.Len = int(rows * rowBytes)
		out[name] = y
	}
	return out, nil
}
