// This file gives the GPU the math functions that the elemental layer
// calls rather than expands: a GPU has no C math library, and a PTX call of
// an undefined function fails when the driver loads the module. The
// elemental emitter calls them by the names of deviceCalls; after every
// kernel is emitted, defineMath gives each name that was called a body in
// the module, or the build stops with an error that names the op, its dtype
// and where the source uses it.
//
// erfc, sin and cos on f32 have inline forms in the elemental layer that
// compute in f64 registers and round once; the GPU calls them (Outline)
// instead of expanding them at each use, and their bodies are those inline
// forms (elemental.DefineInline), so the bits are the CPU's. The bodies are
// internal PTX functions, not inlined: the stdlib's exact loss computes erfc
// at 194 places, and expanded its PTX was 2 MB for the driver to compile at
// every load. pow on f32, and every transcendental function on f64, have no
// device form yet.
package ptx

import (
	"fmt"
	"strings"

	"dlc.dev/dlc/codegen"
	"dlc.dev/dlc/codegen/elemental"
	"dlc.dev/dlc/ir"

	llir "github.com/llir/llvm/ir"
	"github.com/llir/llvm/ir/constant"
	"github.com/llir/llvm/ir/enum"
	"github.com/llir/llvm/ir/types"
	"github.com/llir/llvm/ir/value"
)

// mathPrefix starts the name of every device math function.
const mathPrefix = "dlc.math."

// deviceCalls names the device function of every op the elemental layer
// may lower to a call: the C library's names behind mathPrefix.
func deviceCalls() elemental.MathCalls {
	calls := elemental.LibmCalls()
	for op, c := range calls {
		calls[op] = elemental.MathCall{F32: mathPrefix + c.F32, F64: mathPrefix + c.F64}
	}
	return calls
}

// outlined are the ops the GPU calls instead of expanding: the f32 forms
// that compute in f64 and are long (see the file comment).
var outlined = []ir.Op{ir.OpErfc, ir.OpSin, ir.OpCos}

// newElemental is the elemental emitter of the GPU: device call names, and
// the long f32 forms outlined.
func newElemental(mod *llir.Module, t codegen.Target) *elemental.Elemental {
	e := elemental.NewElemental(mod, deviceCalls(), t)
	e.Outline(outlined...)
	return e
}

// deviceOp is the op whose inline f32 form defines device function name,
// if it has one.
func deviceOp(name string) (ir.Op, bool) {
	calls := deviceCalls()
	for _, op := range outlined {
		if calls[op].F32 == name {
			return op, true
		}
	}
	return 0, false
}

// calledMath returns the device math functions declared in mod that have no body yet.
func calledMath(mod *llir.Module) []*llir.Func {
	var fs []*llir.Func
	for _, f := range mod.Funcs {
		if strings.HasPrefix(f.Name(), mathPrefix) && len(f.Blocks) == 0 {
			fs = append(fs, f)
		}
	}
	return fs
}

// defineMath gives every device math function mod calls its body.
func defineMath(mod *llir.Module, e *elemental.Elemental) error {
	for _, f := range calledMath(mod) {
		op, ok := deviceOp(f.Name())
		if !ok {
			return fmt.Errorf("internal error: %s is called but has no device definition", f.Name())
		}
		if err := e.DefineInline(f, op); err != nil {
			return fmt.Errorf("internal error: %w", err)
		}
		f.Linkage = enum.LinkageInternal
		f.FuncAttrs = []llir.FuncAttribute{enum.FuncAttrNoInline, enum.FuncAttrNoUnwind, enum.FuncAttrReadNone, enum.FuncAttrWillReturn}
	}
	return nil
}

// checkMath refuses, before any code is emitted, an elementwise value that
// would call a math function the GPU does not have: the error names the op
// and its dtype, at the value's source position.
func checkMath(m *ir.Module, t codegen.Target) error {
	probe := llir.NewModule()
	e := newElemental(probe, t)
	b := llir.NewFunc("probe", types.Void).NewBlock("")
	for _, f := range m.Funcs {
		if f.Private {
			continue
		}
		for _, v := range f.Body {
			if v.Group == ir.GroupHost || !v.Op.Has(ir.Elementwise) || !elemental.Supports(v.Op) || !v.Type.DType.IsFloat() {
				continue
			}
			before := len(calledMath(probe))
			args := make([]value.Value, len(v.Args))
			for i, a := range v.Args {
				args[i] = constant.NewUndef(elemental.RegType(a.Type.DType).(types.Type))
			}
			if _, err := e.Emit(b, v, args); err != nil {
				continue // the CPU backend reports it
			}
			fs := calledMath(probe)
			for _, fn := range fs[before:] {
				if _, ok := deviceOp(fn.Name()); !ok {
					at := ""
					if v.Pos.IsValid() {
						at = v.Pos.String() + ": "
					}
					return fmt.Errorf("%s%s on %s has no GPU form yet (it calls the C math library on a CPU, and a GPU has none): build without -target cuda, or compute it on the host", at, v.Op, v.Type.DType)
				}
			}
		}
	}
	return nil
}
