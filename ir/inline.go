// This file inlines calls: a call is replaced by a copy of the callee's body
// with the callee's symbolic dimensions renamed to the caller's. The inline
// pass flattens every entry point with it, and autodiff and the interpreter
// use it to see through the calls of a function they differentiate.
package ir

import "fmt"

// maxInlineDepth bounds how deeply calls may nest.
const maxInlineDepth = 64

// InlineCalls replaces every call in f's body, directly or not, with a copy of
// the callee's body; m resolves the callees, which are left unchanged. It
// reports whether f changed. Copied values get IDs from 1<<30 up; callers
// renumber f when they are done.
func InlineCalls(m *Module, f *Func) (bool, error) {
	changed := false
	for round := 0; ; round++ {
		if round > maxInlineDepth {
			return false, fmt.Errorf("@%s: calls nested deeper than %d (recursion?)", f.Name, maxInlineDepth)
		}
		did, err := inlineOnce(m, f)
		if err != nil {
			return false, err
		}
		if !did {
			return changed, nil
		}
		changed = true
	}
}

// inlineOnce inlines every call currently in f's body (one level).
func inlineOnce(m *Module, f *Func) (bool, error) {
	var body []*Value
	results := map[*Value][]*Value{} // call -> callee results as copied
	copied := map[*Value]bool{}
	did := false
	nextID := 1 << 30 // temporary IDs; the caller renumbers
	for _, v := range f.Body {
		switch v.Op {
		case OpCall:
			callee := m.Func(v.Name)
			if callee == nil {
				return false, fmt.Errorf("call of unknown function @%s", v.Name)
			}
			dims := bindCallDims(callee, v.Args)
			vals := map[*Value]*Value{}
			for i, p := range callee.Params {
				vals[p] = v.Args[i]
			}
			for _, cv := range callee.Body {
				w := *cv
				w.ID = nextID
				nextID++
				w.Args = make([]*Value, len(cv.Args))
				for i, a := range cv.Args {
					w.Args[i] = vals[a]
				}
				w.Type = substType(cv.Type, dims)
				w.Group = GroupNone
				w.Pos = MergePos(cv.Pos, v.Pos) // the callee's source, then the call site
				vals[cv] = &w
				copied[&w] = true
				body = append(body, &w)
			}
			for _, r := range callee.Results {
				results[v] = append(results[v], vals[r.Value])
			}
			did = true
		case OpExtract:
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
func replaceIn(vs []*Value, old, new *Value) {
	for _, v := range vs {
		for i, a := range v.Args {
			if a == old {
				v.Args[i] = new
			}
		}
	}
}

// bindCallDims maps the callee's symbolic dimensions to the caller's.
func bindCallDims(callee *Func, args []*Value) map[string]Dim {
	dims := map[string]Dim{}
	for i, p := range callee.Params {
		for j, d := range p.Type.Shape {
			if d.IsSym() && j < len(args[i].Type.Shape) {
				dims[d.Sym] = args[i].Type.Shape[j]
			}
		}
	}
	return dims
}

// substType renames the symbolic dimensions of t that dims binds.
func substType(t Type, dims map[string]Dim) Type {
	if t.IsTuple() {
		u := Type{Elems: make([]Type, len(t.Elems))}
		for i, e := range t.Elems {
			u.Elems[i] = substType(e, dims)
		}
		return u
	}
	if len(t.Shape) == 0 {
		return t
	}
	s := make(Shape, len(t.Shape))
	for i, d := range t.Shape {
		if nd, ok := dims[d.Sym]; d.IsSym() && ok {
			d = nd
		}
		s[i] = d
	}
	t.Shape = s
	return t
}
