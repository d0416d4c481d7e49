// This file checks the code generator's per-op tables against the IR op
// table: every elementwise op has a lowering in every dtype it takes, calls
// only functions the math-library table names or intrinsics the widener can
// vectorise, and costs what its row's cost class says; every op of the table
// compiles and runs through the whole pipeline.
package llvm

import (
	"fmt"
	"math"
	"os"
	"slices"
	"strings"
	"testing"

	"dlc.dev/dlc/codegen"
	"dlc.dev/dlc/ir"
	"dlc.dev/dlc/passes"

	llir "github.com/llir/llvm/ir"
	"github.com/llir/llvm/ir/value"
)

// lowered is what one op's elemental lowering emits.
type lowered struct {
	libcalls   []string // library functions called
	intrinsics []string // intrinsics called
	divides    bool     // a division or square root
}

// lowerOne lowers op case c alone into a function and reports what it emits;
// a lowering that panics (no math function, say) is an error.
func lowerOne(c opCase) (l lowered, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("panic: %v", r)
		}
	}()
	m := llir.NewModule()
	e := NewElemental(m, LibmCalls())
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
				l.intrinsics = append(l.intrinsics, name)
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

// TestElementalTables lowers every elementwise op in every dtype it takes
// (opCases) and checks each lowering against the tables: every library
// function it calls is named by LibmCalls (its own op's row, or, for sigmoid
// in f64, exp's), every intrinsic has a vector form in the widener
// (vectorIntrinsics), and the op's cost class matches what its f32 lowering
// does: a polynomial or library call is transcendental, a division or square
// root divides, anything else is cheap.
func TestElementalTables(t *testing.T) {
	named := map[string]bool{}
	for _, mc := range LibmCalls() {
		named[mc.F32], named[mc.F64] = true, true
	}
	for _, c := range opCases() {
		l, err := lowerOne(c)
		if err != nil {
			t.Errorf("%s: %v", c.name(), err)
			continue
		}
		for _, name := range l.libcalls {
			if !named[name] {
				t.Errorf("%s calls %s, which LibmCalls does not name", c.name(), name)
			}
		}
		for _, name := range l.intrinsics {
			if _, ok := vectorIntrinsicBase(name); !ok {
				t.Errorf("%s calls %s, which the widener has no vector form of (vectorIntrinsics)", c.name(), name)
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
			t.Errorf("%s: the op table says cost class %d, its f32 lowering costs %d", c.name(), got, want)
		}
	}
}

// TestMathTablesKeyedByOps checks that the inline functions and the library
// functions are keyed by unary (pow: binary) float elementwise ops, that
// every inline function is swept by vecmath_test.go, and that the row kernels'
// sharing of expensive values covers every op that divides or is transcendental.
func TestMathTablesKeyedByOps(t *testing.T) {
	for op := range vecMath32 {
		if !op.Has(ir.Elementwise|ir.FloatOnly) || op.Info().Arity != 1 {
			t.Errorf("vecMath32 has %s, not a unary float elementwise op", op)
		}
		if !slices.Contains(mathFuncs, op.String()) || reference64[op.String()] == nil {
			t.Errorf("vecmath_test.go does not sweep the inline %s (mathFuncs, reference64)", op)
		}
	}
	for op, mc := range LibmCalls() {
		if !op.Has(ir.Elementwise|ir.FloatOnly) || mc.F32 == "" || mc.F64 == "" {
			t.Errorf("LibmCalls has %s: %+v", op, mc)
		}
	}
	for _, op := range ir.AllOps() {
		if op.Has(ir.Elementwise) && expensive(op) != (op.Info().Cost >= ir.CostDivide) {
			t.Errorf("rowshare's expensive(%s) disagrees with its cost class", op)
		}
	}
}

// TestEveryOpCompiles runs ../../ir/testdata/ops.ir, which uses every op of
// the table (ir's TestEveryOpInTestdata checks that), through the pass
// pipeline and the code generator, and compares it with the interpreter. The
// tolerance is loose: it catches an op that does not compile or computes
// something else; TestOpsAgainstInterpreter measures each op's accuracy.
func TestEveryOpCompiles(t *testing.T) {
	src, err := os.ReadFile("../../ir/testdata/ops.ir")
	if err != nil {
		t.Fatal(err)
	}
	ref, err := ir.Parse(string(src))
	if err != nil {
		t.Fatal(err)
	}
	m := ref.Clone()
	if err := passes.Run(m, &passes.Options{Target: codegen.CPUTarget(codegen.DefaultCPU)}); err != nil {
		t.Fatal(err)
	}
	lib := buildLibrary(t, ir.Print(m))
	const b, c, k = 5, 19, 4
	in := map[string]*ir.Array{"x": ir.NewArray(b, c), "i": ir.NewArray(b, k), "n": ir.NewArray(b, c)}
	for j := range in["x"].Data {
		in["x"].Data[j] = float64(float32(math.Sin(float64(j)) * 3))
		in["n"].Data[j] = float64(j%7 - 3)
	}
	for j := range in["i"].Data {
		in["i"].Data[j] = float64(j * 5 % c)
	}
	want, err := ir.Interpret(ref, "ops", ir.Inputs{Tensors: in})
	if err != nil {
		t.Fatal(err)
	}
	got := lib.run(t, "ops", in, nil, runOptions{})
	for name, w := range want {
		for j, wv := range w.Data {
			g := got[name].Data[j]
			if !(g == wv || math.Abs(g-wv) <= 1e-4*math.Abs(wv)+1e-5 || math.IsNaN(g) && math.IsNaN(wv)) {
				t.Errorf("%s[%d] = %v, want %v", name, j, g, wv)
				break
			}
		}
	}
}
