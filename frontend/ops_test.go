// This file checks that the language reaches every op of the IR op table.
package frontend

import (
	"math"
	"path/filepath"
	"testing"

	"dlc.dev/dlc/ir"
)

// TestProgramsUseEveryOp compiles the test programs and checks that together
// they lower to every op of the IR op table, directly or in the gradients
// their grad kernels ask for (scatter_add is only ever a gradient): a new op
// the language cannot express, or that no program exercises, fails here.
func TestProgramsUseEveryOp(t *testing.T) {
	files, err := filepath.Glob("testdata/programs/*.dl")
	if err != nil {
		t.Fatal(err)
	}
	used := map[ir.Op]bool{}
	for _, file := range files {
		m := compileFile(t, file)
		for _, f := range m.Funcs {
			d := f.Clone()
			if err := ir.Differentiate(m, d); err != nil {
				t.Fatalf("%s: %v", file, err)
			}
			for _, v := range append(append(f.Params, f.Body...), d.Body...) {
				used[v.Op] = true
			}
		}
	}
	for _, op := range ir.AllOps() {
		if !used[op] {
			t.Errorf("no program in testdata/programs lowers to %s", op)
		}
	}
}

// TestUnaryBuiltins checks that every unary elementwise op but neg, not and
// cast is a builtin of its own name, lowered to that op.
func TestUnaryBuiltins(t *testing.T) {
	for _, op := range ir.AllOps() {
		if !op.Has(ir.Elementwise) || op.Info().Arity != 1 || op == ir.OpNeg || op == ir.OpNot || op == ir.OpCast {
			continue
		}
		b := lookupBuiltin(op.String())
		if b == nil || b.op != op || b.kind != bkUnary {
			t.Errorf("op %s is not the builtin %s(x)", op, op)
		}
	}
}

// TestTrig interprets builtins.dl's trig kernel: sin and cos in every float
// dtype (the interpreter computes in float64 whatever the dtype).
func TestTrig(t *testing.T) {
	m := compileFile(t, "testdata/programs/builtins.dl")
	xs := []float64{0, math.Pi / 6, -2, 100}
	in := map[string]*ir.Array{}
	for _, name := range []string{"t", "d", "h", "g"} {
		in[name] = &ir.Array{Shape: []int64{4}, Data: xs}
	}
	out, err := ir.Interpret(m, "trig", ir.Inputs{Tensors: in})
	if err != nil {
		t.Fatal(err)
	}
	for i, x := range xs {
		for name, want := range map[string]float64{
			"e":  math.Sin(x/2) + math.Cos(x/2) + math.Sin(1),
			"d2": math.Sin(2*x) / 2,
			"h2": math.Sin(x) - math.Cos(x),
			"g2": math.Sin(x) + math.Cos(x),
		} {
			if got := out[name].Data[i]; math.Abs(got-want) > 1e-14 {
				t.Errorf("%s[%d] = %v, want %v", name, i, got, want)
			}
		}
	}
}
