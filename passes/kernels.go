// This file describes kernels for messages about fusion.
package passes

import (
	"fmt"
	"strings"

	"dlc.dev/dlc/ir"
)

// describeGroup names a kernel group by its domain and the results it writes.
func describeGroup(f *ir.Func, k ir.KernelDecl) string {
	g := k.Group
	var n int
	for _, v := range f.Body {
		if v.Group == g {
			n++
		}
	}
	var writes []string
	for _, r := range f.Results {
		if r.Value.Group == g {
			writes = append(writes, r.Name)
		}
	}
	s := fmt.Sprintf("%s: %s kernel over %s, %d ops", g, k.Kind, k.Domain, n)
	if len(writes) > 0 {
		s += ", writes " + strings.Join(writes, ", ")
	}
	if span := ir.Span(f.KernelPos(g)); span != "" {
		s += ", from " + span
	}
	return s
}
