// This file fuzzes manifest validation and argument checking: no manifest a decoder
// accepts may make Load or the checks before a kernel runs panic.
package runtime

import (
	"encoding/json"
	"testing"

	"dlc.dev/dlc/artifact"
)

func FuzzPlan(f *testing.F) {
	for _, fn := range testFunctions() {
		b, err := json.Marshal(fn)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b, int64(3))
	}
	f.Fuzz(func(t *testing.T, js []byte, n int64) {
		var fn artifact.Function
		if json.Unmarshal(js, &fn) != nil {
			return
		}
		p, err := newPlan(&fn, nil, func(string, bool) (int, error) { return 0, nil })
		if err != nil {
			return
		}
		// Check (but never run) a call whose tensors follow the declared shapes,
		// every symbol set to n, on a CPU launcher without code or workers.
		fc := newFunc(&Artifact{dev: &cpuLauncher{pool: newPool(1)}}, p)
		args := Args{Inputs: map[string]Tensor{}, Outputs: map[string]Tensor{}, Scalars: map[string]float64{}}
		mk := func(spec tensorSpec) Tensor {
			shape := make([]int64, len(spec.shape))
			elems := int64(1)
			for i, d := range spec.shape {
				shape[i] = d.n
				if d.sym >= 0 {
					shape[i] = n
				}
				elems *= max(0, shape[i])
			}
			size := min(max(0, elems*int64(max(1, spec.dtype.Size()))), 1<<16)
			return FromBytes(spec.dtype, shape, make([]byte, size))
		}
		for _, s := range p.inputs {
			args.Inputs[s.name] = mk(s)
		}
		for _, s := range p.outputs {
			args.Outputs[s.name] = mk(s)
		}
		for _, s := range p.scalars {
			args.Scalars[s.name] = float64(n)
		}
		if fc.bindTensors(&args) != nil || fc.bindScalars(&args) != nil {
			return
		}
		_ = fc.checkOverlap()
		fc.s.clear()
	})
}
