// This file removes values whose results nobody uses (dead code elimination).
package passes

import "dlc.dev/dlc/ir"

// dce removes dead values from every function.
func dce(m *ir.Module, opt *Options) (bool, error) {
	changed := false
	for _, f := range m.Funcs {
		changed = removeDead(f) || changed
	}
	return changed, nil
}

// removeDead drops every value not reachable from the results.
func removeDead(f *ir.Func) bool {
	live := map[*ir.Value]bool{}
	var mark func(v *ir.Value)
	mark = func(v *ir.Value) {
		if live[v] {
			return
		}
		live[v] = true
		for _, a := range v.Args {
			mark(a)
		}
	}
	for _, r := range f.Results {
		mark(r.Value)
	}
	var body []*ir.Value
	for _, v := range f.Body {
		if live[v] {
			body = append(body, v)
		}
	}
	changed := len(body) != len(f.Body)
	f.Body = body
	return changed
}
