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
	comm               *mpi.Comm
	grad, update       *runtime.Func
	gradSpec, updSpec  artifact.Function
	arena              []float32 // every gradient, 64-byte aligned, then the loss
	grads              map[string]runtime.Tensor
	loss               runtime.Tensor // the last element of arena
	bucket             int            // elements per all-reduce
	gradArgs, updArgs  runtime.Args
	gradScale, invSize float64
}

// newDist prepares t to run data-parallel over opt.Comm and makes every
// rank's parameters and state rank 0's.
func (t *Trainer) newDist(art *runtime.Artifact, opt Options) error {
	man := art.Manifest()
	d := &dist{comm: opt.Comm, grads: map[string]runtime.Tensor{}}
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
	d.invSize = 1 / float64(d.comm.Size())
	if err := d.sync(t); err != nil {
		return err
	}
	t.dist = d
	return nil
}

// sync makes every rank's parameters and state rank 0's.
func (d *dist) sync(t *Trainer) error {
	for _, s := range append(append([]*slot(nil), t.params...), t.state...) {
		if err := d.comm.Bcast(s.tensor, 0); err != nil {
			return fmt.Errorf("train: making every rank's %s rank 0's: %w", s.spec.Name, err)
		}
	}
	return nil
}

// layoutArena lays the gradient of every parameter, in the step's order,
// end to end in one f32 buffer, each 64-byte aligned, then the loss.
func (d *dist) layoutArena(params []*slot) error {
	offs := make([]int, len(params))
	n := 0
	for i, s := range params {
		if s.dtype != runtime.Float32 {
			return fmt.Errorf("train: %s is %s; data-parallel training sums f32 gradients only", s.spec.Name, s.spec.DType)
		}
		offs[i] = n
		n += (len(s.data)/4 + arenaAlign - 1) / arenaAlign * arenaAlign
	}
	buf := make([]float32, n+1+arenaAlign)
	skip := int(-uintptr(unsafe.Pointer(&buf[0])) % 64 / 4)
	d.arena = buf[skip : skip+n+1]
	for i, s := range params {
		view := d.arena[offs[i] : offs[i]+len(s.data)/4]
		d.grads[gradPrefix+s.spec.Name] = runtime.F32(view, s.shape...)
	}
	d.loss = runtime.F32(d.arena[n:])
	d.loss.Shape = []int64{}
	return nil
}

// gradPrefix begins the name of each gradient of step.grad: d_w is w's.
const gradPrefix = "d_"

// distStep runs one data-parallel step on this rank's batch and returns the
// mean loss over every rank's rows.
func (t *Trainer) distStep(batch map[string]runtime.Tensor, scalars map[string]float64) (float64, error) {
	d := t.dist
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
		a.Outputs[o.Name] = d.grads[o.Name]
	}
	a.Outputs[t.loss] = d.loss
	if err := d.grad.Run(*a); err != nil {
		return 0, err
	}
	for off := 0; off < len(d.arena); off += d.bucket {
		b := runtime.F32(d.arena[off:min(off+d.bucket, len(d.arena))])
		if err := d.comm.Allreduce(b, b, mpi.Sum); err != nil {
			return 0, fmt.Errorf("train: summing the gradients: %w", err)
		}
	}
	u := &d.updArgs
	u.Inputs, u.Outputs, u.Scalars = map[string]runtime.Tensor{}, map[string]runtime.Tensor{}, pick(scalars, d.updSpec.Scalars)
	u.Scalars["grad_scale"] = d.invSize
	for _, s := range append(append([]*slot(nil), t.params...), t.state...) {
		u.Inputs[s.spec.Name] = s.tensor
	}
	for k, g := range d.grads {
		u.Inputs[k] = g
	}
	for _, o := range d.updSpec.Outputs {
		u.Outputs[o.Name] = t.byName[o.Updates].tensor
	}
	if err := d.update.Run(*u); err != nil {
		return 0, err
	}
	return float64(d.arena[len(d.arena)-1]) * d.invSize, nil
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
	out := make(map[string]runtime.Tensor, len(batch))
	for name, x := range batch {
		if len(x.Shape) == 0 || x.Shape[0]%int64(ranks) != 0 {
			return nil, fmt.Errorf("train: batch input %s has shape %v; its first dimension must be a multiple of the %d ranks", name, x.Shape, ranks)
		}
		if x.Device != (runtime.Device{}) {
			return nil, fmt.Errorf("train: batch input %s is not in host memory", name)
		}
		rows := x.Shape[0] / int64(ranks)
		rowBytes := x.Elements() / x.Shape[0] * int64(x.DType.Size())
		y := x
		y.Shape = append([]int64{rows}, x.Shape[1:]...)
		y.Data = unsafe.Add(x.Data, int64(rank)*rows*rowBytes)
		y.Len = int(rows * rowBytes)
		out[name] = y
	}
	return out, nil
}
