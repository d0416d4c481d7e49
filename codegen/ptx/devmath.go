// This file gives the GPU the math functions that the elemental layer
// lowers to library calls (mathlib.go): a GPU has no C math library, and a
// PTX call of an undefined function fails when the driver loads the module.
// The elemental emitter calls them by the names of deviceCalls; after every
// kernel is emitted, defineMath gives each name that was called a body in
// the module, or the build stops with an error that names the op, its dtype
// and where the source uses it. The bodies are internal PTX functions, not
// inlined: the stdlib's exact loss calls erfc from 194 places, and inlined
// its PTX was 2 MB for the driver to compile at every load.
//
// erfc on f32 is the one defined today (the stdlib's exact loss needs it):
// computed in f64 registers and rounded to f32 once, t e^(-a^2 + P(t)) with
// t = 1/(1 + a/2), the algorithm and coefficients of the CPU's inline erfc
// (codegen/elemental, "erfc" in RATIONALE.md), so both give the same bits.
// pow, sin and cos on f32, and every transcendental function on f64, have no
// device form yet.
package ptx

import (
	"fmt"
	"math"
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

// deviceMath are the device functions that have a definition, by name.
var deviceMath = map[string]func(f *llir.Func){
	mathPrefix + "erfcf": defineErfcF32,
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
func defineMath(mod *llir.Module) error {
	for _, f := range calledMath(mod) {
		def, ok := deviceMath[f.Name()]
		if !ok {
			return fmt.Errorf("internal error: %s is called but has no device definition", f.Name())
		}
		def(f)
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
	e := elemental.NewElemental(probe, deviceCalls(), t)
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
				if _, ok := deviceMath[fn.Name()]; !ok {
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

// f64b appends f64 and i64 instructions to a block.
type f64b struct{ b *llir.Block }

func (f f64b) k(x float64) value.Value          { return constant.NewFloat(types.Double, x) }
func (f f64b) add(x, y value.Value) value.Value { return f.b.NewFAdd(x, y) }
func (f f64b) sub(x, y value.Value) value.Value { return f.b.NewFSub(x, y) }
func (f f64b) mul(x, y value.Value) value.Value { return f.b.NewFMul(x, y) }
func (f f64b) div(x, y value.Value) value.Value { return f.b.NewFDiv(x, y) }

// estrin evaluates c[0] + x*c[1] + ... by Estrin's scheme given x2 = x*x,
// in the order of elemental's estrin, so that the bits are the CPU's.
func (f f64b) estrin(x, x2 value.Value, c ...float64) value.Value {
	terms := make([]value.Value, 0, (len(c)+1)/2)
	for i := 0; i < len(c); i += 2 {
		if i+1 < len(c) {
			terms = append(terms, f.add(f.k(c[i]), f.mul(x, f.k(c[i+1]))))
		} else {
			terms = append(terms, f.k(c[i]))
		}
	}
	for p := x2; len(terms) > 1; p = f.mul(p, p) {
		next := make([]value.Value, 0, (len(terms)+1)/2)
		for i := 0; i < len(terms); i += 2 {
			if i+1 < len(terms) {
				next = append(next, f.add(terms[i], f.mul(p, terms[i+1])))
			} else {
				next = append(next, terms[i])
			}
		}
		terms = next
	}
	return terms[0]
}

// erfcMax is where erfc's argument is clamped: erfc(10.125) is below half the
// smallest f32 subnormal, so the result there rounds to +0.
const erfcMax = 10.125

// erfcP is the minimax fit of log(erfc(x) (1 + x/2)) + x^2 in t = 1/(1 + x/2)
// on 0 <= x <= erfcMax, absolute error 2^-32.6 (f64 coefficients).
var erfcP = []float64{-0x1.43f833ff6e201p+00, 0x1.ffe2f88ee33b3p-01, 0x1.83a7e96c75da7p-02, 0x1.95fde99f41f7cp-05, 0x1.f7860a7894d46p-04, -0x1.086edf066396p+00, 0x1.49848d393f671p+01, -0x1.67153a5fd89fcp+02, 0x1.0c0ca6642c78dp+03, -0x1.f042b4e488bebp+02, 0x1.1542f78ec3868p+02, -0x1.5aa10d062e5fep+00, 0x1.774f55c16c6fp-03}

// exp64Q is the minimax fit of (e^r - 1 - r)/r^2 on |r| <= 0.3466 in f64,
// relative error 2^-33.2 in e^r.
var exp64Q = []float64{0x1.00000045704b5p-01, 0x1.555555742e15ep-03, 0x1.55547094ccd57p-05, 0x1.1110ab71c9b96p-07, 0x1.6da76708c29adp-10, 0x1.a17e03f33aac2p-13}

// exp64 is e^w for an f64 w in [-1000, 1000] to about 2^-33 relative (what
// an f32 result needs): k = round(w log2e) by adding 1.5*2^52,
// r = w - k ln2, e^r = 1 + (r + r^2 Q(r)), times 2^k built from k's bits.
func exp64(f f64b, w value.Value) value.Value {
	const magic = 0x1.8p52
	kd := f.add(f.mul(w, f.k(math.Log2E)), f.k(magic))
	r := f.sub(w, f.mul(f.sub(kd, f.k(magic)), f.k(math.Ln2)))
	r2 := f.mul(r, r)
	p := f.add(f.k(1), f.add(r, f.mul(r2, f.estrin(r, r2, exp64Q...))))
	bits := f.b.NewBitCast(kd, types.I64)
	s := f.b.NewBitCast(f.b.NewAdd(f.b.NewShl(bits, constant.NewInt(types.I64, 52)), constant.NewInt(types.I64, 0x3ff0000000000000)), types.Double)
	return f.mul(p, s)
}

// defineErfcF32 gives f (float -> float) the body of erfc: a = |x| clamped
// to erfcMax, t = 1/(1 + a/2), y = t e^(-a^2 + P(t)) in f64; y for x >= 0,
// else 2 - y (NaN fails x >= 0 and stays NaN); rounded to f32 once.
func defineErfcF32(fn *llir.Func) {
	x := fn.Params[0]
	b := fn.NewBlock("entry")
	f := f64b{b}
	ai := b.NewAnd(b.NewBitCast(x, types.I32), constant.NewInt(types.I32, 0x7fffffff))
	var a value.Value = b.NewBitCast(ai, types.Float)
	lim := constant.NewFloat(types.Float, erfcMax)
	a = b.NewSelect(b.NewFCmp(enum.FPredOGT, a, lim), lim, a)
	ad := b.NewFPExt(a, types.Double)
	t := f.div(f.k(1), f.add(f.k(1), f.mul(ad, f.k(0.5))))
	y := f.mul(t, exp64(f, f.sub(f.estrin(t, f.mul(t, t), erfcP...), f.mul(ad, ad))))
	pos := b.NewFCmp(enum.FPredOGE, x, constant.NewFloat(types.Float, 0))
	y = b.NewSelect(pos, y, f.sub(f.k(2), y))
	b.NewRet(b.NewFPTrunc(y, types.Float))
}
