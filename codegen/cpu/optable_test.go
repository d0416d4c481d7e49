// This file checks the CPU backend's per-op tables against the IR op table:
// every intrinsic an elementwise lowering calls has a vector form in the
// widener, row kernels share exactly the values whose ops divide or are
// transcendental, and every op of the table compiles and runs through the
// whole pipeline. codegen/elemental/optable_test.go checks the elemental
// tables themselves.
package cpu

import (
	"fmt"
	"math"
	"os"
	"strings"
	"testing"

	"dlc.dev/dlc/codegen"
	"dlc.dev/dlc/codegen/elemental"
	"dlc.dev/dlc/ir"
	"dlc.dev/dlc/passes"

	llir "github.com/llir/llvm/ir"
	"github.com/llir/llvm/ir/value"
)

// intrinsicsOf lowers op case c alone into a function for the default CPU
// (whose exp uses llvm.fma) and returns the intrinsics it calls; a lowering
// that panics is an error.
func intrinsicsOf(c opCase) (names []string, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("panic: %v", r)
		}
	}()
	m := llir.NewModule()
	e := elemental.NewElemental(m, elemental.LibmCalls(), codegen.CPUTarget(codegen.DefaultCPU))
	var params []*llir.Param
	v := &ir.Value{Op: c.op, Type: ir.Scalar(c.out)}
	for _, d := range c.in {
		params = append(params, llir.NewParam("", elemental.RegType(d)))
		v.Args = append(v.Args, &ir.Value{Op: ir.OpParam, Type: ir.Scalar(d)})
	}
	b := m.NewFunc("f", elemental.RegType(c.out), params...).NewBlock("")
	args := make([]value.Value, len(params))
	for i, p := range params {
		args[i] = p
	}
	if _, err := e.Emit(b, v, args); err != nil {
		return nil, err
	}
	for _, inst := range b.Insts {
		if in, ok := inst.(*llir.InstCall); ok {
			if name := in.Callee.(*llir.Func).Name(); strings.HasPrefix(name, "llvm.") {
				names = append(names, name)
			}
		}
	}
	return names, nil
}

// TestWidenerCoversLowerings lowers every elementwise op in every dtype it
// takes (opCases) and checks that every intrinsic the lowering calls has a
// vector form in the widener (vectorIntrinsics), so row kernels and streaming
// entry points can widen any element code.
func TestWidenerCoversLowerings(t *testing.T) {
	for _, c := range opCases() {
		names, err := intrinsicsOf(c)
		if err != nil {
			t.Errorf("%s: %v", c.name(), err)
			continue
		}
		for _, name := range names {
			if _, ok := vectorIntrinsicBase(name); !ok {
				t.Errorf("%s calls %s, which the widener has no vector form of (vectorIntrinsics)", c.name(), name)
			}
		}
	}
}

// TestRowShareCostClasses checks that the row kernels' sharing of expensive
// values covers exactly the elementwise ops that divide or are transcendental.
func TestRowShareCostClasses(t *testing.T) {
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
