// This file checks the elemental emitter's per-op tables against the IR op
// table: every elementwise op has a lowering in every dtype it takes, that
// lowering calls only functions the math-library table names and costs what
// its row's cost class says, and the inline functions and the library
// functions are keyed by the ops they compute. The CPU backend checks its own
// tables (the widener's intrinsics, row kernels' sharing) in
// codegen/cpu/optable_test.go.
package elemental

import (
	"fmt"
	"strings"
	"testing"

	"dlc.dev/dlc/codegen"
	"dlc.dev/dlc/ir"

	llir "github.com/llir/llvm/ir"
	"github.com/llir/llvm/ir/value"
)

// loweringCase is one elementwise op at one combination of operand dtypes.
type loweringCase struct {
	op  ir.Op
	in  []ir.DType
	out ir.DType
}

func (c loweringCase) String() string {
	var in []string
	for _, d := range c.in {
		in = append(in, d.String())
	}
	return fmt.Sprintf("%s(%s) %s", c.op, strings.Join(in, ", "), c.out)
}

// loweringCases lists every elementwise op with the dtypes it takes, as
// codegen/cpu's opCases does for its run against the interpreter.
func loweringCases() []loweringCase {
	all := []ir.DType{ir.F32, ir.F64, ir.F16, ir.BF16, ir.I32, ir.I64, ir.Bool}
	floats, nums := all[:4], all[:6]
	var cs []loweringCase
	same := func(op ir.Op, ds []ir.DType) {
		for _, d := range ds {
			in := make([]ir.DType, op.Info().Arity)
			for i := range in {
				in[i] = d
			}
			out := d
			if op.Has(ir.Compare) {
				out = ir.Bool
			}
			cs = append(cs, loweringCase{op, in, out})
		}
	}
	for _, op := range ir.AllOps() {
		switch {
		case !op.Has(ir.Elementwise):
		case op == ir.OpCast:
			for _, from := range all {
				for _, to := range all {
					cs = append(cs, loweringCase{op, []ir.DType{from}, to})
				}
			}
		case op == ir.OpSelect:
			for _, d := range all {
				cs = append(cs, loweringCase{op, []ir.DType{ir.Bool, d, d}, d})
			}
		case op.Has(ir.Logical):
			same(op, []ir.DType{ir.Bool})
		case op.Has(ir.Compare):
			same(op, all)
		case op.Has(ir.FloatOnly):
			same(op, floats)
		default:
			same(op, nums)
		}
	}
	return cs
}

// lowered is what one op's lowering emits.
type lowered struct {
	libcalls []string // library functions called
	divides  bool     // a division or square root
}

// lowerOne lowers case c alone into a function for the default CPU and
// reports what it emits; a lowering that panics (no math function, say) is
// an error.
func lowerOne(c loweringCase) (l lowered, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("panic: %v", r)
		}
	}()
	m := llir.NewModule()
	e := NewElemental(m, LibmCalls(), codegen.CPUTarget(codegen.DefaultCPU))
	var params []*llir.Param
	v := &ir.Value{Op: c.op, Type: ir.Scalar(c.out)}
	for _, d := range c.in {
		params = append(params, llir.NewParam("", RegType(d)))
		v.Args = append(v.Args, &ir.Value{Op: ir.OpParam, Type: ir.Scalar(d)})
	}
	fn := m.NewFunc("f", RegType(c.out), params...)
	b := fn.NewBlock("")
	args := make([]value.Value, len(params))
	for i, p := range params {
		args[i] = p
	}
	x, err := e.Emit(b, v, args)
	if err != nil {
		return l, err
	}
	b.NewRet(x)
	if len(fn.Blocks) != 1 {
		return l, fmt.Errorf("the lowering made %d blocks; it must only append to one", len(fn.Blocks))
	}
	for _, inst := range b.Insts {
		switch in := inst.(type) {
		case *llir.InstCall:
			name := in.Callee.(*llir.Func).Name()
			if strings.HasPrefix(name, "llvm.") {
				l.divides = l.divides || strings.HasPrefix(name, "llvm.sqrt.")
			} else {
				l.libcalls = append(l.libcalls, name)
			}
		case *llir.InstFDiv, *llir.InstSDiv, *llir.InstUDiv:
			l.divides = true
		}
	}
	return l, nil
}

// TestElementalTables lowers every elementwise op in every dtype it takes and
// checks each lowering against the tables: every library function it calls
// is named by LibmCalls (its own op's row, or, for sigmoid in f64, exp's),
// and the op's cost class matches what its f32 lowering does: an inline
// polynomial or a library call is transcendental, a division or square root
// divides, anything else is cheap.
func TestElementalTables(t *testing.T) {
	named := map[string]bool{}
	for _, mc := range LibmCalls() {
		named[mc.F32], named[mc.F64] = true, true
	}
	cases := loweringCases()
	if len(cases) < 100 {
		t.Fatalf("only %d cases: the op table lost its elementwise ops", len(cases))
	}
	for _, c := range cases {
		l, err := lowerOne(c)
		if err != nil {
			t.Errorf("%s: %v", c, err)
			continue
		}
		for _, name := range l.libcalls {
			if !named[name] {
				t.Errorf("%s calls %s, which LibmCalls does not name", c, name)
			}
		}
		if c.in[len(c.in)-1] != ir.F32 {
			continue
		}
		_, inline := vecMath32[c.op]
		want := ir.CostCheap
		switch {
		case inline || len(l.libcalls) > 0:
			want = ir.CostTranscendental
		case l.divides:
			want = ir.CostDivide
		}
		if got := c.op.Info().Cost; got != want {
			t.Errorf("%s: the op table says cost class %d, its f32 lowering costs %d", c, got, want)
		}
	}
}

// TestMathTablesKeyedByOps checks that the inline functions are keyed by
// unary float elementwise ops and the library functions by float elementwise
// ops (pow is binary), each with both its f32 and its f64 function.
// vecmath_test.go checks that it sweeps every inline function.
func TestMathTablesKeyedByOps(t *testing.T) {
	for op := range vecMath32 {
		if !op.Has(ir.Elementwise|ir.FloatOnly) || op.Info().Arity != 1 {
			t.Errorf("vecMath32 has %s, not a unary float elementwise op", op)
		}
	}
	for op, mc := range LibmCalls() {
		if !op.Has(ir.Elementwise|ir.FloatOnly) || mc.F32 == "" || mc.F64 == "" {
			t.Errorf("LibmCalls has %s: %+v", op, mc)
		}
	}
}
