// This file merges identical pure computations (common subexpression elimination).
package passes

import (
	"fmt"
	"math"
	"strings"

	"dlc.dev/dlc/ir"
)

// cse replaces a pure value by an earlier identical one.
func cse(m *ir.Module, opt *Options) (bool, error) {
	changed := false
	for _, f := range m.Funcs {
		seen := map[string]*ir.Value{}
		for _, v := range f.Body {
			if !v.Op.Has(ir.Pure) {
				continue
			}
			k := cseKey(v)
			if w, ok := seen[k]; ok {
				f.ReplaceUses(v, w)
				changed = true
				continue
			}
			seen[k] = v
		}
		if changed {
			removeDead(f)
		}
	}
	return changed, nil
}

// cseKey identifies a value by op, type, every attribute and operand
// identities; commutative operands are ordered so a+b and b+a match. Values
// that differ in any attribute (a reduction's axis or initial element, a
// contraction's dimension numbers) stay apart.
func cseKey(v *ir.Value) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s|%s|%d|%s|%d|%t|%x|%s|%v|", v.Op, v.Type, v.Index, v.Name,
		v.Axis, v.KeepDims, math.Float64bits(v.Const), v.Dot, v.Perm)
	ids := make([]string, len(v.Args))
	for i, a := range v.Args {
		ids[i] = fmt.Sprintf("%p", a)
	}
	if v.Op.Has(ir.Commutative) && len(ids) == 2 && ids[0] > ids[1] {
		ids[0], ids[1] = ids[1], ids[0]
	}
	b.WriteString(strings.Join(ids, ","))
	return b.String()
}
