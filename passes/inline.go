// This file inlines calls, so every entry point is one flat graph, and then drops
// functions that are not entry points.
package passes

import (
	"fmt"

	"dlc.dev/dlc/ir"
)

// inline replaces every call with a copy of the callee's body.
func inline(m *ir.Module, opt *Options) (bool, error) {
	changed := false
	for _, f := range m.Funcs {
		for round := 0; ; round++ {
			if round > 64 {
				return false, fmt.Errorf("@%s: calls nested deeper than 64 (recursion?)", f.Name)
			}
			did, err := inlineOnce(m, f)
			if err != nil {
				return false, err
			}
			if !did {
				break
			}
			changed = true
		}
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

// inlineOnce inlines every call currently in f's body (one level).
func inlineOnce(m *ir.Module, f *ir.Func) (bool, error) {
	var body []*ir.Value
	results := map[*ir.Value][]*ir.Value{} // call -> callee results as copied
	copied := map[*ir.Value]bool{}
	did := false
	nextID := 1 << 30 // temporary IDs; the pipeline renumbers after the pass
	for _, v := range f.Body {
		switch v.Op {
		case ir.OpCall:
			callee := m.Func(v.Name)
			if callee == nil {
				return false, fmt.Errorf("call of unknown function @%s", v.Name)
			}
			dims := bindCallDims(callee, v.Args)
			vals := map[*ir.Value]*ir.Value{}
			for i, p := range callee.Params {
				vals[p] = v.Args[i]
			}
			for _, cv := range callee.Body {
				w := *cv
				w.ID = nextID
				nextID++
				w.Args = make([]*ir.Value, len(cv.Args))
				for i, a := range cv.Args {
					w.Args[i] = vals[a]
				}
				w.Type = substType(cv.Type, dims)
				w.Group = ir.GroupNone
				w.Pos = ir.MergePos(cv.Pos, v.Pos) // the callee's source, then the call site
				vals[cv] = &w
				copied[&w] = true
				body = append(body, &w)
			}
			for _, r := range callee.Results {
				results[v] = append(results[v], vals[r.Value])
			}
			did = true
		case ir.OpExtract:
			if rs, ok := results[v.Args[0]]; ok {
				if r := rs[v.Index]; copied[r] && v.Var != "" {
					r.Var = v.Var // the caller's name for the result, not the callee's
				}
				f.ReplaceUses(v, rs[v.Index])
				replaceIn(body, v, rs[v.Index])
				continue
			}
			body = append(body, v)
		default:
			body = append(body, v)
		}
	}
	f.Body = body
	return did, nil
}

// replaceIn rewrites uses of old in vs.
func replaceIn(vs []*ir.Value, old, new *ir.Value) {
	for _, v := range vs {
		for i, a := range v.Args {
			if a == old {
				v.Args[i] = new
			}
		}
	}
}

// bindCallDims maps the callee's symbolic dimensions to the caller's.
func bindCallDims(callee *ir.Func, args []*ir.Value) map[string]ir.Dim {
	dims := map[string]ir.Dim{}
	for i, p := range callee.Params {
		for j, d := range p.Type.Shape {
			if d.IsSym() && j < len(args[i].Type.Shape) {
				dims[d.Sym] = args[i].Type.Shape[j]
			}
		}
	}
	return dims
}

func substType(t ir.Type, dims map[string]ir.Dim) ir.Type {
	if t.IsTuple() {
		u := ir.Type{Elems: make([]ir.Type, len(t.Elems))}
		for i, e := range t.Elems {
			u.Elems[i] = substType(e, dims)
		}
		return u
	}
	if len(t.Shape) == 0 {
		return t
	}
	s := make(ir.Shape, len(t.Shape))
	for i, d := range t.Shape {
		if nd, ok := dims[d.Sym]; d.IsSym() && ok {
			d = nd
		}
		s[i] = d
	}
	t.Shape = s
	return t
}
