// Package train runs a compiled train step (kernel step = train(model, loss=...,
// opt=...)) statefully: a Trainer owns the model's parameters and the
// optimizer's state, initializes them from a seed, runs Step on batches
// (updating both in place), runs the model's predict function with its
// parameters, and saves and loads checkpoints in the safetensors format.
//
// This file holds the Trainer and its steps; init.go draws initial values,
// checkpoint.go reads and writes checkpoints, distributed.go runs the step
// data-parallel over MPI, and deterministic.go sums the gradients in a fixed
// order for bits that do not depend on the rank count.
package train

import (
	"fmt"
	"slices"
	"strings"
	"unsafe"

	"dlc.dev/dlc/artifact"
	"dlc.dev/dlc/runtime"
	"dlc.dev/dlc/runtime/mpi"
)

// Options configures a Trainer.
type Options struct {
	// Step names the train-step function of the artifact.
	Step string
	// Predict names the model's function (the model kernel itself), which
	// Predict runs; empty when predictions are not needed.
	Predict string
	// Seed seeds the initial parameters.
	Seed uint64
	// Scalars are the train step's scalars (learning rate, ...); missing ones
	// take their defaults. A scalar named "step" is set by the Trainer to the
	// 1-based number of the step unless given here.
	Scalars map[string]float64
	// Comm, when set, makes the Trainer data-parallel over the ranks of
	// Comm (distributed.go): Step takes this rank's part of the global
	// batch (Shard cuts it), and the artifact must hold the step's phases
	// step.grad and step.update, which dlc builds beside every train step.
	// Every rank starts from rank 0's parameters and state.
	Comm *mpi.Comm
	// BucketBytes is the size of each gradient all-reduce when Comm is
	// set; 0 means DefaultBucketBytes.
	BucketBytes int
	// Deterministic makes data-parallel training give the same bits for
	// every rank count that divides Microbatches (deterministic.go): the
	// global batch is cut into Microbatches equal parts, each rank computes
	// the gradients of its Microbatches/ranks parts one at a time, and every
	// rank sums all of them in microbatch order. It needs the step's phases
	// as Comm does; without Comm it runs the same sums in one process.
	Deterministic bool
	// Microbatches is the number of parts of the global batch in
	// deterministic mode, a multiple of the number of ranks; the global
	// batch's rows must be a multiple of it.
	Microbatches int
	// ZeRO shards the optimizer state over the ranks (ZeRO-1, zero.go):
	// the gradients are reduce-scattered, each rank updates its block of
	// the parameters with its block of the state, and the parameters are
	// all-gathered. Each rank holds about 1/ranks of every state tensor:
	// Tensor and Float32 give a state tensor's elements on this rank.
	// Checkpoints hold the whole state whatever the rank count.
	ZeRO bool
}

// slot is one tensor the Trainer owns: a model parameter or a state tensor.
type slot struct {
	spec   artifact.Tensor
	shape  []int64
	dtype  runtime.DType
	data   []byte // the elements this process holds
	tensor runtime.Tensor
	// win, for optimizer state sharded by ZeRO-1, is the range of elements
	// this rank holds (data holds those alone); nil when data is whole.
	win *[2]int
}

// Trainer owns a model's parameters and its optimizer's state.
type Trainer struct {
	step, predict *runtime.Func
	stepSpec      artifact.Function
	predictSpec   *artifact.Function
	params        []*slot // in the train step's input order
	state         []*slot
	byName        map[string]*slot
	batch         []artifact.Tensor // the step's other inputs
	loss          string            // the step's first output, the loss
	scalars       map[string]float64
	autoStep      bool // the step has a scalar "step" the Trainer sets
	steps         int64
	seed          uint64
	lossBuf       []float32
	dist          *dist // set when data-parallel
}

// New returns a Trainer over the train-step function opt.Step of art, with
// parameters initialized from opt.Seed and the optimizer state zero.
func New(art *runtime.Artifact, opt Options) (*Trainer, error) {
	man := art.Manifest()
	spec := findFunc(man, opt.Step)
	if spec == nil {
		return nil, fmt.Errorf("train: the artifact has no function %q (functions: %s)", opt.Step, funcNames(man))
	}
	t := &Trainer{stepSpec: *spec, byName: map[string]*slot{}, scalars: map[string]float64{}, seed: opt.Seed, lossBuf: make([]float32, 1)}
	if err := t.layout(spec); err != nil {
		return nil, err
	}
	var err error
	if t.step, err = art.Func(opt.Step); err != nil {
		return nil, err
	}
	if opt.Predict != "" {
		if t.predictSpec = findFunc(man, opt.Predict); t.predictSpec == nil {
			return nil, fmt.Errorf("train: the artifact has no function %q (functions: %s)", opt.Predict, funcNames(man))
		}
		if t.predict, err = art.Func(opt.Predict); err != nil {
			return nil, err
		}
	}
	for k, v := range opt.Scalars {
		if !slices.ContainsFunc(spec.Scalars, func(s artifact.Scalar) bool { return s.Name == k }) {
			return nil, fmt.Errorf("train: %s has no scalar %q", spec.Name, k)
		}
		t.scalars[k] = v
	}
	_, given := opt.Scalars["step"]
	t.autoStep = !given && slices.ContainsFunc(spec.Scalars, func(s artifact.Scalar) bool { return s.Name == "step" })
	t.Init(opt.Seed)
	if opt.Microbatches != 0 && !opt.Deterministic {
		return nil, fmt.Errorf("train: Microbatches is %d but Deterministic is not set; microbatches are the deterministic mode's", opt.Microbatches)
	}
	if opt.Comm != nil || opt.Deterministic || opt.ZeRO {
		if err := t.newDist(art, opt); err != nil {
			return nil, err
		}
	}
	return t, nil
}

// layout sorts the step's inputs into parameters (inputs with an
// initializer and an output that updates them), state (other updated
// inputs) and the batch, and allocates the parameters and state.
func (t *Trainer) layout(spec *artifact.Function) error {
	updated := map[string]bool{}
	for _, o := range spec.Outputs {
		if o.Updates != "" {
			updated[o.Updates] = true
		}
	}
	if len(spec.Outputs) == 0 || len(spec.Outputs[0].Shape) != 0 {
		return fmt.Errorf("train: %s is not a train step: its first output is not a 0-d loss", spec.Name)
	}
	t.loss = spec.Outputs[0].Name
	for _, in := range spec.Inputs {
		if !updated[in.Name] {
			t.batch = append(t.batch, in)
			continue
		}
		param := in.Init != nil && in.Name != LossScale
		s, err := newSlot(in, param)
		if err != nil {
			return fmt.Errorf("train: %s: %w", spec.Name, err)
		}
		if param {
			t.params = append(t.params, s)
		} else {
			t.state = append(t.state, s)
		}
		t.byName[in.Name] = s
	}
	if len(t.params) == 0 {
		return fmt.Errorf("train: %s is not a train step: no input is a parameter with an initializer that an output updates", spec.Name)
	}
	return nil
}

// The loss-scale state of a train step built with f16 mixed precision
// (MATH.md §4): LossScale starts at its initializer (2¹⁶), not at zero, and
// LossScaleTracker counts the clean steps since the scale last changed. Both
// are state: Step updates them, checkpoints carry them.
const (
	LossScale        = "loss_scale"
	LossScaleTracker = "loss_scale_tracker"
)

// newSlot allocates the tensor of a parameter or state input. Parameters
// are f32 or f64; state may also be 16-bit (Lion's bf16 momentum) or i32
// (the loss-scale counter).
func newSlot(in artifact.Tensor, param bool) (*slot, error) {
	dt, err := runtime.ParseDType(in.DType)
	if err != nil {
		return nil, err
	}
	switch {
	case param && dt != runtime.Float32 && dt != runtime.Float64:
		return nil, fmt.Errorf("%s is %s; the trainer keeps f32 and f64 parameters", in.Name, in.DType)
	case !param && dt != runtime.Float32 && dt != runtime.Float64 && dt != runtime.BFloat16 && dt != runtime.Float16 && dt != runtime.Int32:
		return nil, fmt.Errorf("%s is %s; the trainer keeps f32, f64, bf16, f16 and i32 state", in.Name, in.DType)
	}
	s := &slot{spec: in, dtype: dt}
	n := int64(1)
	for _, d := range in.Shape {
		var x int64
		if _, err := fmt.Sscan(d, &x); err != nil || x <= 0 {
			return nil, fmt.Errorf("%s has the dimension %s; parameters and state have constant shapes", in.Name, d)
		}
		s.shape = append(s.shape, x)
		n *= x
	}
	s.data = make([]byte, n*int64(dt.Size()))
	s.tensor = runtime.FromBytes(dt, s.shape, s.data)
	return s, nil
}

// Init sets every parameter to a fresh draw from its initializer with seed,
// the optimizer state to zero (the loss scale to its initializer) and the
// step counter to 0.
func (t *Trainer) Init(seed uint64) {
	t.seed = seed
	for _, s := range t.params {
		fill(s, seed)
	}
	t.resetState()
	t.steps = 0
}

// resetState sets the state to its start: its initializer where it has one
// (the loss scale), zero otherwise.
func (t *Trainer) resetState() {
	for _, s := range t.state {
		if s.spec.Init != nil {
			fill(s, t.seed)
		} else {
			clear(s.data)
		}
	}
}

// Step runs one train step on batch (the step's inputs that are neither
// parameters nor state, by name), updates the parameters and state in place
// and returns the loss. A data-parallel Trainer takes this rank's part of the
// global batch and returns the mean of every rank's loss.
func (t *Trainer) Step(batch map[string]runtime.Tensor) (float64, error) {
	args := runtime.Args{Inputs: map[string]runtime.Tensor{}, Outputs: map[string]runtime.Tensor{}, Scalars: t.scalars}
	for _, b := range t.batch {
		x, ok := batch[b.Name]
		if !ok {
			return 0, fmt.Errorf("train: the batch has no %s (%s %s)", b.Name, b.DType, "["+strings.Join(b.Shape, ",")+"]")
		}
		args.Inputs[b.Name] = x
	}
	for name := range batch {
		if !slices.ContainsFunc(t.batch, func(b artifact.Tensor) bool { return b.Name == name }) {
			return 0, fmt.Errorf("train: %s takes no batch input %q", t.stepSpec.Name, name)
		}
	}
	if t.autoStep {
		sc := make(map[string]float64, len(t.scalars)+1)
		for k, v := range t.scalars {
			sc[k] = v
		}
		sc["step"] = float64(t.steps + 1)
		args.Scalars = sc
	}
	if t.dist != nil {
		loss, err := t.distStep(args.Inputs, args.Scalars)
		if err == nil {
			t.steps++
		}
		return loss, err
	}
	for _, s := range append(slices.Clone(t.params), t.state...) {
		args.Inputs[s.spec.Name] = s.tensor
	}
	for _, o := range t.stepSpec.Outputs[1:] {
		args.Outputs[o.Name] = t.byName[o.Updates].tensor
	}
	loss := runtime.F32(t.lossBuf)
	loss.Shape = []int64{}
	args.Outputs[t.loss] = loss
	if err := t.step.Run(args); err != nil {
		return 0, err
	}
	t.steps++
	return float64(t.lossBuf[0]), nil
}

// Predict runs the model's function on inputs (its inputs that are not
// parameters) with the Trainer's parameters and writes outputs.
func (t *Trainer) Predict(inputs, outputs map[string]runtime.Tensor) error {
	if t.predict == nil {
		return fmt.Errorf("train: no predict function (set Options.Predict)")
	}
	args := runtime.Args{Inputs: map[string]runtime.Tensor{}, Outputs: outputs, Scalars: t.scalars}
	for k, v := range inputs {
		if t.byName[k] != nil {
			return fmt.Errorf("train: %s is a parameter, owned by the trainer", k)
		}
		args.Inputs[k] = v
	}
	for _, in := range t.predictSpec.Inputs {
		if s := t.byName[in.Name]; s != nil && in.Init != nil {
			args.Inputs[in.Name] = s.tensor
		}
	}
	sc := map[string]float64{}
	for _, s := range t.predictSpec.Scalars {
		if v, ok := t.scalars[s.Name]; ok {
			sc[s.Name] = v
		}
	}
	args.Scalars = sc
	return t.predict.Run(args)
}

// Steps is the number of steps taken since Init (or stored in the loaded checkpoint).
func (t *Trainer) Steps() int64 { return t.steps }

// Params lists the model's parameters in the train step's order.
func (t *Trainer) Params() []string {
	var names []string
	for _, s := range t.params {
		names = append(names, s.spec.Name)
	}
	return names
}

// State lists the optimizer's state tensors in the train step's order.
func (t *Trainer) State() []string {
	var names []string
	for _, s := range t.state {
		names = append(names, s.spec.Name)
	}
	return names
}

// Tensor returns the parameter or state tensor name; the Trainer keeps
// owning it, and the next Step changes it. With ZeRO-1, a state tensor
// holds only this rank's elements (its Len is less than its shape's bytes,
// as runtime.Range describes).
func (t *Trainer) Tensor(name string) (runtime.Tensor, bool) {
	s := t.byName[name]
	if s == nil {
		return runtime.Tensor{}, false
	}
	return s.tensor, true
}

// SetScalar sets a scalar of the train step (the learning rate of a schedule).
func (t *Trainer) SetScalar(name string, v float64) error {
	if !slices.ContainsFunc(t.stepSpec.Scalars, func(s artifact.Scalar) bool { return s.Name == name }) {
		return fmt.Errorf("train: %s has no scalar %q", t.stepSpec.Name, name)
	}
	t.scalars[name] = v
	return nil
}

func findFunc(man *artifact.Manifest, name string) *artifact.Function {
	for i := range man.Functions {
		if man.Functions[i].Name == name {
			return &man.Functions[i]
		}
	}
	return nil
}

func funcNames(man *artifact.Manifest) string {
	var names []string
	for _, f := range man.Functions {
		names = append(names, f.Name)
	}
	return strings.Join(names, ", ")
}

// Float32 returns the f32 parameter or state tensor name as a slice of its
// elements (row-major), which the Trainer keeps owning: the next Step or
// Load changes it. With ZeRO-1, a state tensor's slice holds the elements
// of this rank's block only. It is false for an unknown name or another
// dtype.
func (t *Trainer) Float32(name string) ([]float32, bool) {
	s := t.byName[name]
	if s == nil || s.dtype != runtime.Float32 {
		return nil, false
	}
	return unsafe.Slice((*float32)(unsafe.Pointer(unsafe.SliceData(s.data))), len(s.data)/4), true
}
