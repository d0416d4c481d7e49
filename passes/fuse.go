// This file fuses elementwise work into kernels, XLA style: loop fusion joins a
// producer with its elementwise consumers over the same domain, and multi-output
// (sibling) fusion joins independent groups over the same domain, so that Lion's
// theta and m updates come from one kernel that reads each input once.
package passes

import (
	"fmt"
	"strings"

	"dlc/ir"
)

// fuseElementwise assigns every tensor value to a kernel group.
func fuseElementwise(m *ir.Module, opt *Options) (bool, error) {
	changed := false
	for _, f := range m.Funcs {
		c, err := fuseFunc(f, opt)
		if err != nil {
			return false, err
		}
		changed = changed || c
	}
	return changed, nil
}

// kernelWork reports whether v is computed per element inside a kernel.
func kernelWork(v *ir.Value) bool {
	return v.Op != ir.OpConst && v.Op != ir.OpParam && !v.Type.IsScalar() && !v.Type.IsTuple()
}

func fuseFunc(f *ir.Func, opt *Options) (bool, error) {
	ensureResultsComputed(f)
	// Union-find over values: loop fusion along producer-consumer edges.
	parent := map[*ir.Value]*ir.Value{}
	var find func(v *ir.Value) *ir.Value
	find = func(v *ir.Value) *ir.Value {
		for parent[v] != v {
			parent[v] = parent[parent[v]]
			v = parent[v]
		}
		return v
	}
	order := map[*ir.Value]int{}
	for i, v := range f.Body {
		order[v] = i
	}
	// The root of a component is its earliest value, so names in explanations are stable.
	union := func(a, b *ir.Value) {
		ra, rb := find(a), find(b)
		if order[rb] < order[ra] {
			ra, rb = rb, ra
		}
		if ra != rb {
			parent[rb] = ra
		}
	}
	for _, v := range f.Body {
		if kernelWork(v) {
			if !v.Op.Has(ir.Elementwise) {
				return false, fmt.Errorf("%s: no fusion rule for op %s", ir.FormatValue(v), v.Op)
			}
			parent[v] = v
		}
	}
	for _, v := range f.Body {
		if !kernelWork(v) {
			continue
		}
		for _, a := range v.Args {
			if !kernelWork(a) {
				continue
			}
			if a.Type.Shape.Equal(v.Type.Shape) {
				if find(a) != find(v) {
					opt.explain("@%s: fuse %s into the kernel of its consumer %s: elementwise, same domain %s", f.Name, ir.Ref(a), ir.Ref(v), v.Type.Shape)
				}
				union(a, v)
			} else {
				opt.explain("@%s: do not fuse %s into %s: domains %s and %s differ", f.Name, ir.Ref(a), ir.Ref(v), a.Type.Shape, v.Type.Shape)
			}
		}
	}
	// Multi-output fusion: components over the same domain share one loop.
	// With only elementwise ops no component can depend on another of the same
	// domain through a third, so merging cannot create a cycle.
	var roots []*ir.Value
	byDomain := map[string]*ir.Value{}
	for _, v := range f.Body {
		if !kernelWork(v) || find(v) != v {
			continue
		}
		key := v.Type.Shape.String()
		if first, ok := byDomain[key]; ok {
			opt.explain("@%s: merge the kernel of %s into the kernel of %s: same domain %s%s (multi-output fusion)", f.Name, ir.Ref(v), ir.Ref(first), key, sharedInputs(f, find, first, v))
			union(first, v)
			continue
		}
		byDomain[key] = v
		roots = append(roots, v)
	}
	group := map[*ir.Value]string{}
	for i, r := range roots {
		group[find(r)] = ir.KernelGroup(i)
	}
	changed := false
	for _, v := range f.Body {
		if !kernelWork(v) {
			continue
		}
		g := group[find(v)]
		if v.Group != g {
			v.Group = g
			changed = true
		}
	}
	return changed, nil
}

// sharedInputs describes the tensor parameters two components both read.
func sharedInputs(f *ir.Func, find func(*ir.Value) *ir.Value, a, b *ir.Value) string {
	reads := func(root *ir.Value) map[*ir.Value]bool {
		r := map[*ir.Value]bool{}
		for _, v := range f.Body {
			if kernelWork(v) && find(v) == find(root) {
				for _, x := range v.Args {
					if x.Op == ir.OpParam && !x.Type.IsScalar() {
						r[x] = true
					}
				}
			}
		}
		return r
	}
	ra, rb := reads(a), reads(b)
	var shared []string
	for _, p := range f.Params {
		if ra[p] && rb[p] {
			shared = append(shared, p.Name)
		}
	}
	if len(shared) == 0 {
		return ""
	}
	return ", both read " + strings.Join(shared, ", ")
}

// ensureResultsComputed gives every result that is a parameter an explicit copy,
// so that every result is written by a kernel.
func ensureResultsComputed(f *ir.Func) {
	for i, r := range f.Results {
		if r.Value.Op == ir.OpParam && !r.Value.Type.IsScalar() {
			c := f.NewValue(ir.OpCast, r.Value.Type, r.Value)
			c.Pos = r.Value.Pos
			f.Results[i].Value = c
		}
	}
}
