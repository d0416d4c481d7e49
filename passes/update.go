// This file finds the optimizer update of a train step: the elementwise
// values that compute only the new parameters and optimizer state. Fusion
// keeps them apart from the backward pass (every gradient is written before
// the update reads it), so that the update of every parameter is one launch
// (horizontal.go) and gradients could be all-reduced between the two.
package passes

import (
	"strings"

	"dlc.dev/dlc/ir"
)

// updateValues returns the update values of f: in a function with model
// parameters (parameters with an initializer), the results X_new that update
// an input X of the same type, and every elementwise value but a 0-d one
// whose uses are all update values or such results. Other functions have
// none.
func updateValues(f *ir.Func) map[*ir.Value]bool {
	model := false
	for _, p := range f.Params {
		model = model || p.Init != nil
	}
	if !model {
		return nil
	}
	uses := map[*ir.Value]int{} // uses by values and results
	for _, v := range f.Body {
		for _, a := range v.Args {
			uses[a]++
		}
	}
	upd := map[*ir.Value]bool{}
	updUses := map[*ir.Value]int{} // uses by update values and update results
	for _, r := range f.Results {
		uses[r.Value]++
		name, ok := strings.CutSuffix(r.Name, "_new")
		if p := f.Param(name); ok && p != nil && p.Type.Equal(r.Value.Type) {
			updUses[r.Value]++
		}
	}
	for i := len(f.Body) - 1; i >= 0; i-- {
		v := f.Body[i]
		// A 0-d value is not an update value: it is a fact about all the
		// gradients (an f16 step's finiteness check), which the update
		// reads once it is known, in the kernel that computes it.
		if !v.Op.Has(ir.Elementwise) || v.Group == ir.GroupHost || v.Type.IsScalar() || uses[v] == 0 || updUses[v] != uses[v] {
			continue
		}
		upd[v] = true
		for _, a := range v.Args {
			updUses[a]++
		}
	}
	return upd
}
