// This file is the autodiff pass: every grad value becomes the reverse sweep
// that computes it (ir.Differentiate), before simplification and fusion, so
// backward work is folded, merged and fused like forward work.
package passes

import (
	"errors"

	"dlc.dev/dlc/ir"
)

// autodiff expands the grad values of every function. A gradient that cannot
// be computed (the result does not depend on the input, or only through ops
// that pass no gradient) is the user's mistake, reported at its position.
func autodiff(m *ir.Module, opt *Options) (bool, error) {
	changed := false
	for _, f := range m.Funcs {
		if !ir.HasGrad(f) {
			continue
		}
		if err := ir.Differentiate(m, f); err != nil {
			var ge *ir.GradError
			if errors.As(err, &ge) {
				return false, &Error{Pos: ge.Pos, Msg: ge.Msg}
			}
			return false, err
		}
		changed = true
	}
	return changed, nil
}
