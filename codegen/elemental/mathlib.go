// This file names the library functions that transcendental ops call, and
// declares them: every one in f64, and in all float dtypes those without an
// inline function in vecmath.go or vecmath_trig.go (pow); mathFunc in
// elemental.go chooses. Pointing the calls at another library (libdevice for
// PTX) is one MathCalls value.
package elemental

import (
	"fmt"

	"dlc.dev/dlc/ir"

	llir "github.com/llir/llvm/ir"
	"github.com/llir/llvm/ir/enum"
	"github.com/llir/llvm/ir/types"
	"github.com/llir/llvm/ir/value"
)

// MathCall names the function computing one op in float and in double.
type MathCall struct {
	F32, F64 string
}

// MathCalls maps each op lowered to a library call to its functions.
type MathCalls map[ir.Op]MathCall

// LibmCalls returns the C math library functions (glibc's are within an ulp or
// two). f16 and bf16 ops call the float version. The float versions of ops
// with an inline function (vecMath32) are not called, but the rows stay whole
// so that the table still says which function computes each op.
func LibmCalls() MathCalls {
	return MathCalls{
		ir.OpExp:   {F32: "expf", F64: "exp"},
		ir.OpLog:   {F32: "logf", F64: "log"},
		ir.OpLog1p: {F32: "log1pf", F64: "log1p"},
		ir.OpTanh:  {F32: "tanhf", F64: "tanh"},
		ir.OpPow:   {F32: "powf", F64: "pow"},
		ir.OpErf:   {F32: "erff", F64: "erf"},
		ir.OpErfc:  {F32: "erfcf", F64: "erfc"},
		ir.OpExpm1: {F32: "expm1f", F64: "expm1"},
		ir.OpSin:   {F32: "sinf", F64: "sin"},
		ir.OpCos:   {F32: "cosf", F64: "cos"},
	}
}

// callMath lowers an op to a call of its library function on register values
// (float for f16 and bf16). Declarations are readnone: the kernel never reads
// errno, and it lets LLVM treat the call as the matching intrinsic, so a loop
// around it still vectorises (the call itself is scalarised by the code generator).
func callMath(c *elemCtx) value.Value {
	mc, ok := c.e.calls[c.op]
	if !ok {
		panic(fmt.Sprintf("no math function for %s", c.op))
	}
	name := mc.F32
	if c.d == ir.F64 {
		name = mc.F64
	}
	t := RegType(c.d)
	params := make([]types.Type, len(c.x))
	for i := range params {
		params[i] = t
	}
	return c.b.NewCall(c.e.libcall(name, t, params...), c.x...)
}

// libcall declares (once) a pure library function.
//
// sin and cos are also declared nobuiltin: LLVM 14's code generator merges a
// sin and a cos of the same argument into one sincos call, and the order in
// which it lays out those calls' result slots depends on where its own data
// structures sit in memory, so the object code of a kernel with both (in f64,
// where they are library calls) differed from one llc run to the next.
// As plain calls they compile the same every time (TestLLCDeterministic).
func (e *Elemental) libcall(name string, ret types.Type, params ...types.Type) *llir.Func {
	f, ok := e.decls[name]
	if ok {
		return f
	}
	f = e.declare(name, ret, params...)
	f.FuncAttrs = append(f.FuncAttrs, enum.FuncAttrNoUnwind, enum.FuncAttrReadNone, enum.FuncAttrWillReturn)
	if mergedIntoSinCos(name) {
		f.FuncAttrs = append(f.FuncAttrs, enum.FuncAttrNoBuiltin)
	}
	return f
}

// mergedIntoSinCos reports whether LLVM would merge calls of the library
// function name into sincos.
func mergedIntoSinCos(name string) bool {
	switch name {
	case "sin", "cos", "sinf", "cosf":
		return true
	}
	return false
}

// Intrinsic declares (once) an LLVM intrinsic; LLVM supplies its attributes.
func (e *Elemental) Intrinsic(name string, ret types.Type, params ...types.Type) *llir.Func {
	if f, ok := e.decls[name]; ok {
		return f
	}
	return e.declare(name, ret, params...)
}

func (e *Elemental) declare(name string, ret types.Type, params ...types.Type) *llir.Func {
	ps := make([]*llir.Param, len(params))
	for i, t := range params {
		ps[i] = llir.NewParam("", t)
	}
	f := e.mod.NewFunc(name, ret, ps...)
	e.decls[name] = f
	return f
}
