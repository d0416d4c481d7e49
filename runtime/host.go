// This file computes the host values kernels take as scalars (bias corrections,
// diffusion coefficients): once per call, in float64, with the IR interpreter.
package runtime

import (
	"fmt"
	"math"
	"slices"

	"dlc.dev/dlc/ir"
)

// hostValues holds the host values of the last call. They depend only on the scalar
// arguments and the bound dimensions (a mean divides by dim(B)), so a call with the
// same scalars and sizes as the last one reuses them.
type hostValues struct {
	args     map[string]float64 // scalar arguments handed to ir.EvalHost, reused
	dims     map[string]int64   // bound dimensions handed to ir.EvalHost, reused
	last     []float64          // the scalars they were computed from
	lastDims []int64            // and the dimensions
	valid    bool
	vals     []float64 // per plan.hostIDs
}

func (h *hostValues) init(p *plan) {
	if len(p.hostRefs) == 0 {
		return
	}
	h.args = make(map[string]float64, len(p.scalars))
	h.dims = make(map[string]int64, len(p.syms))
	h.last = make([]float64, len(p.scalars))
	h.lastDims = make([]int64, len(p.syms))
	h.vals = make([]float64, len(p.hostIDs))
}

// eval fills h.vals for the given scalar values (in plan.scalars order, defaults
// applied) and dimensions (in plan.syms order).
func (h *hostValues) eval(p *plan, scalars []float64, dims []int64) error {
	if len(p.hostRefs) == 0 {
		return nil
	}
	if h.valid && sameBits(h.last, scalars) && slices.Equal(h.lastDims, dims) {
		return nil
	}
	h.valid = false
	for i, s := range p.scalars {
		h.args[s.name] = scalars[i]
	}
	for i, s := range p.syms {
		h.dims[s] = dims[i]
	}
	vals, err := ir.EvalHost(p.host, h.args, h.dims)
	if err != nil {
		return fmt.Errorf("host values: %w", err)
	}
	for i, id := range p.hostIDs {
		x, ok := vals[id]
		if !ok {
			return fmt.Errorf("host values: %s was not computed", p.hostRefs[i])
		}
		h.vals[i] = x
	}
	copy(h.last, scalars)
	copy(h.lastDims, dims)
	h.valid = true
	return nil
}

// sameBits compares bit patterns, so NaN arguments still hit the cache and -0 does not match +0.
func sameBits(a, b []float64) bool {
	for i := range a {
		if math.Float64bits(a[i]) != math.Float64bits(b[i]) {
			return false
		}
	}
	return true
}
