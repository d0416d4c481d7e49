// This file lists the index inputs a function gathers with, so that the
// runtime can check them before any kernel runs (artifact.Function.IndexChecks).
package plan

import (
	"slices"

	"dlc.dev/dlc/artifact"
	"dlc.dev/dlc/ir"
)

// IndexChecks returns, for every take_along_axis of f whose indices come from
// an input tensor (directly, or through reshapes, broadcasts and integer
// casts, which keep an out-of-range index out of range), the check the
// runtime makes on that input: each index in [0, size of the gathered axis).
// A scatter_add, the gradient of a take_along_axis, checks its indices
// against the axis it adds along, unless a gather already checks them so.
// Indices computed from other values are not checked; the kernels clamp them
// (a gather) or drop them (a scatter_add). The checks are in body order,
// without repeats.
func IndexChecks(f *ir.Func) []artifact.IndexCheck {
	var checks []artifact.IndexCheck
	seen := map[artifact.IndexCheck]bool{}
	for _, v := range f.Body {
		if v.Op != ir.OpGather && v.Op != ir.OpScatterAdd {
			continue
		}
		idx := v.Args[1]
		for idx.Op == ir.OpReshape || idx.Op == ir.OpBroadcast || (idx.Op == ir.OpCast && idx.Args[0].Type.DType.IsInt()) {
			idx = idx.Args[0]
		}
		if idx.Op != ir.OpParam || idx.Type.IsScalar() {
			continue
		}
		data := v.Args[0] // the gathered tensor; for a scatter_add, the result
		if v.Op == ir.OpScatterAdd {
			data = v
		}
		of := ir.Ref(data)
		if data.Op == ir.OpParam {
			of = data.Name
		}
		c := artifact.IndexCheck{Input: idx.Name, Axis: v.Axis, Bound: data.Type.Shape[v.Axis].String(), Of: of}
		checked := slices.ContainsFunc(checks, func(d artifact.IndexCheck) bool {
			return d.Input == c.Input && d.Axis == c.Axis && d.Bound == c.Bound
		})
		if !seen[c] && !(v.Op == ir.OpScatterAdd && checked) {
			seen[c] = true
			checks = append(checks, c)
		}
	}
	return checks
}
