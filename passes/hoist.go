// This file places scalar-only computation on the host: bias corrections and
// diffusion coefficients are computed once per call, in float64, and reach the
// kernels as arguments instead of being recomputed for every element.
package passes

import "dlc.dev/dlc/ir"

// hoistScalars marks every scalar value computed from constants, scalar
// parameters and other host values as a host value.
func hoistScalars(m *ir.Module, opt *Options) (bool, error) {
	changed := false
	for _, f := range m.Funcs {
		for _, v := range f.Body {
			if v.Op == ir.OpDim && v.Group != ir.GroupHost {
				v.Group = ir.GroupHost // a dimension's size is known before any kernel runs
				changed = true
				continue
			}
			if v.Op == ir.OpConst || v.Group == ir.GroupHost || !v.Type.IsScalar() || !v.Op.Has(ir.Elementwise) {
				continue
			}
			ok := true
			for _, a := range v.Args {
				ok = ok && a.Type.IsScalar() && (a.Op == ir.OpConst || a.Op == ir.OpParam || a.Group == ir.GroupHost)
			}
			if ok {
				v.Group = ir.GroupHost
				changed = true
			}
		}
	}
	return changed, nil
}
