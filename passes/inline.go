// This file inlines calls, so every entry point is one flat graph, and then drops
// functions that are not entry points.
package passes

import "dlc.dev/dlc/ir"

// inline replaces every call with a copy of the callee's body (ir.InlineCalls).
func inline(m *ir.Module, opt *Options) (bool, error) {
	changed := false
	for _, f := range m.Funcs {
		did, err := ir.InlineCalls(m, f)
		if err != nil {
			return false, err
		}
		changed = changed || did
	}
	var keep []*ir.Func
	for _, f := range m.Funcs {
		if f.Private {
			changed = true
			continue
		}
		keep = append(keep, f)
	}
	m.Funcs = keep
	return changed, nil
}
