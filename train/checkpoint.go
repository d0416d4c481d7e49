// This file saves and loads checkpoints in the safetensors format (what
// PyTorch and Hugging Face users exchange), through
// github.com/nlpodyssey/safetensors: every parameter and state tensor under
// its train-step input name (w1, w1_m), the step counter and the train
// step's name in the header's __metadata__.
package train

import (
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"

	"dlc.dev/dlc/internal/atomicfile"
	"dlc.dev/dlc/runtime"

	"github.com/nlpodyssey/safetensors"
)

// Metadata keys of a checkpoint.
const (
	metaStep     = "dlc.step"     // the step counter, decimal
	metaFunction = "dlc.function" // the train step that wrote it
)

// Save writes every parameter, the optimizer state and the step counter to
// path, atomically: a failed save leaves no partial file. A data-parallel
// Trainer writes on rank 0 only (every rank holds the same values; with
// ZeRO-1, rank 0 first gathers every rank's block of the state), and every
// rank returns once the file is written: Save is a collective call.
func (t *Trainer) Save(path string) error {
	var state map[*slot][]byte
	if t.dist != nil && t.dist.zero != nil {
		var err error
		if state, err = t.dist.gatherState(t); err != nil {
			return err
		}
	}
	if t.dist == nil || t.dist.comm == nil {
		return t.save(path, state)
	}
	var err error
	if t.dist.comm.Rank() == 0 {
		err = t.save(path, state)
	}
	if berr := t.dist.comm.Barrier(); err == nil {
		err = berr
	}
	return err
}

// save is Save on one process; whole, when not nil, holds the whole value of
// state tensors that this process holds a part of.
func (t *Trainer) save(path string, whole map[*slot][]byte) error {
	views := map[string]safetensors.TensorView{}
	for _, s := range append(slices.Clone(t.params), t.state...) {
		shape := make([]uint64, len(s.shape))
		for i, d := range s.shape {
			shape[i] = uint64(d)
		}
		data := s.data
		if w, ok := whole[s]; ok {
			data = w
		}
		v, err := safetensors.NewTensorView(stDType(s.dtype), shape, data)
		if err != nil {
			return fmt.Errorf("train: save %s: %w", s.spec.Name, err)
		}
		views[s.spec.Name] = v
	}
	meta := map[string]string{metaStep: strconv.FormatInt(t.steps, 10), metaFunction: t.stepSpec.Name}
	return atomicfile.Write(path, func(w io.Writer) error {
		return safetensors.SerializeToWriter(views, meta, w)
	})
}

// Load reads a checkpoint written by Save, or by Python's safetensors with
// the same names, shapes and dtypes. Every parameter must be present. The
// optimizer state and the step counter are loaded when the file has them
// (all of them); a file with parameters only resets the state to its start
// (zero, the loss scale 2¹⁶) and the counter to 0. A missing tensor, a wrong shape or dtype, or a bad file is an
// error that names it, and changes nothing. A data-parallel Trainer loads
// on every rank (the file must be readable there, whatever the rank count
// that wrote it) and then takes rank 0's values (with ZeRO-1, each rank
// keeps its own block of the state), so a rank that fails to load leaves the
// others waiting until Comm's timeout.
func (t *Trainer) Load(path string) error {
	if err := t.load(path); err != nil || t.dist == nil {
		return err
	}
	return t.dist.sync(t)
}

// load is Load on one process.
func (t *Trainer) load(path string) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("train: %w", err)
	}
	st, err := safetensors.Deserialize(b)
	if err != nil {
		return fmt.Errorf("train: %s: not a safetensors file: %w", path, err)
	}
	_, meta, _ := safetensors.ReadMetadata(b)
	views := map[string]safetensors.TensorView{}
	for _, s := range t.params {
		v, err := checkView(st, s, path)
		if err != nil {
			return err
		}
		views[s.spec.Name] = v
	}
	var haveState []string
	for _, s := range t.state {
		if _, ok := st.Tensor(s.spec.Name); ok {
			haveState = append(haveState, s.spec.Name)
		}
	}
	steps := int64(0)
	if len(haveState) > 0 {
		if len(haveState) < len(t.state) {
			for _, s := range t.state {
				if !slices.Contains(haveState, s.spec.Name) {
					return fmt.Errorf("train: %s: has optimizer state %s but not %s", path, strings.Join(haveState, ", "), s.spec.Name)
				}
			}
		}
		for _, s := range t.state {
			v, err := checkView(st, s, path)
			if err != nil {
				return err
			}
			views[s.spec.Name] = v
		}
		if x, ok := meta.Metadata()[metaStep]; ok {
			if steps, err = strconv.ParseInt(x, 10, 64); err != nil || steps < 0 {
				return fmt.Errorf("train: %s: bad step counter %q", path, x)
			}
		}
	}
	t.resetState()
	for name, v := range views {
		s, data := t.byName[name], v.Data()
		if s.win != nil {
			data = data[4*s.win[0] : 4*s.win[1]]
		}
		copy(s.data, data)
	}
	t.steps = steps
	return nil
}

// checkView returns the tensor of s in st after checking its dtype and shape.
func checkView(st safetensors.SafeTensors, s *slot, path string) (safetensors.TensorView, error) {
	v, ok := st.Tensor(s.spec.Name)
	if !ok {
		return v, fmt.Errorf("train: %s: no tensor %s (%s %v); the file has %s", path, s.spec.Name, s.dtype, s.shape, strings.Join(st.Names(), ", "))
	}
	shape := make([]int64, len(v.Shape()))
	for i, d := range v.Shape() {
		shape[i] = int64(d)
	}
	if v.DType() != stDType(s.dtype) || !slices.Equal(shape, s.shape) {
		return v, fmt.Errorf("train: %s: tensor %s is %s %v, want %s %v", path, s.spec.Name, v.DType(), shape, stDType(s.dtype), s.shape)
	}
	return v, nil
}

// stDType is the safetensors dtype of d, one of the dtypes a Trainer keeps.
func stDType(d runtime.DType) safetensors.DType {
	switch d {
	case runtime.Float64:
		return safetensors.F64
	case runtime.BFloat16:
		return safetensors.BF16
	case runtime.Float16:
		return safetensors.F16
	case runtime.Int32:
		return safetensors.I32
	}
	return safetensors.F32
}
