// This file checks a demanded kernel count (@kernels(n)) after fusion, so a
// fusion regression fails the build with the reason.
package passes

import (
	"fmt"
	"strings"

	"dlc/ir"
)

// checkKernels compares each function's kernel count with its demand.
func checkKernels(m *ir.Module, opt *Options) (bool, error) {
	for _, f := range m.Funcs {
		groups := f.Groups()
		if f.Kernels == 0 || len(groups) == f.Kernels {
			continue
		}
		var desc []string
		for _, g := range groups {
			desc = append(desc, describeGroup(f, g))
		}
		return false, &Error{Pos: f.Pos, Msg: fmt.Sprintf("@kernels(%d) demanded for %s, but fusion produced %d kernel(s):\n\t%s",
			f.Kernels, f.Name, len(groups), strings.Join(desc, "\n\t"))}
	}
	return false, nil
}

// describeGroup names a kernel group by its domain and the results it writes.
func describeGroup(f *ir.Func, g string) string {
	var domain ir.Shape
	var n int
	for _, v := range f.Body {
		if v.Group == g {
			domain = v.Type.Shape
			n++
		}
	}
	var writes []string
	for _, r := range f.Results {
		if r.Value.Group == g {
			writes = append(writes, r.Name)
		}
	}
	s := fmt.Sprintf("%s: %d ops over domain %s", g, n, domain)
	if len(writes) > 0 {
		s += ", writes " + strings.Join(writes, ", ")
	}
	if len(domain) > 0 {
		s += " (kernels over different domains cannot fuse)"
	}
	return s
}
