// This file tests the control flow shared by the row kernels: the order of
// stages and passes, and StateLoop, run by LLVM's interpreter on loops that
// carry two states.
package kernelir

import (
	"context"
	"fmt"
	"os/exec"
	"slices"
	"strings"
	"testing"

	"dlc.dev/dlc/codegen/elemental"

	llir "github.com/llir/llvm/ir"
	"github.com/llir/llvm/ir/constant"
	"github.com/llir/llvm/ir/enum"
	"github.com/llir/llvm/ir/types"
	"github.com/llir/llvm/ir/value"
)

func TestEmitPassesOrder(t *testing.T) {
	var order []string
	stage := func(cur *llir.Block, s int) *llir.Block {
		order = append(order, fmt.Sprintf("stage%d", s))
		return cur
	}
	loop := func(cur *llir.Block, s int, l string) *llir.Block {
		order = append(order, fmt.Sprintf("pass%d.%s", s, l))
		return cur
	}
	EmitPasses(llir.NewBlock(""), [][]string{{"a", "b"}, {}, {"c"}}, stage, loop)
	want := []string{"stage0", "pass0.a", "pass0.b", "stage1", "stage2", "pass2.c", "stage3"}
	if !slices.Equal(order, want) {
		t.Errorf("order %v, want %v", order, want)
	}
	order = nil
	EmitPasses(llir.NewBlock(""), [][]string{}, stage, loop)
	if !slices.Equal(order, []string{"stage0"}) {
		t.Errorf("a row of no pass: %v, want only stage0", order)
	}
}

// sumLoop defines i64 @name(i64 from, i64 n): a StateLoop over j = from,
// from+step, ... that carries the sum of the js (from 0) and their count
// (from 1), and returns sum*1000 + count.
func sumLoop(mod *llir.Module, name string, step int64, exact bool) {
	from, n := llir.NewParam("from", types.I64), llir.NewParam("n", types.I64)
	f := mod.NewFunc(name, types.I64, from, n)
	pre, body, exit := f.NewBlock("pre"), f.NewBlock("body"), f.NewBlock("exit")
	i64 := func(x int64) value.Value { return constant.NewInt(types.I64, x) }
	l := EnterLoop(pre, body, exit, from, n, []elemental.State{{i64(0)}, {i64(1)}})
	st := PhiStates(l.States)
	upd := []elemental.State{{body.NewAdd(st[0][0], l.J)}, {body.NewAdd(st[1][0], i64(1))}}
	_, finals := l.Close(n, i64(step), []enum.OverflowFlag{enum.OverflowFlagNSW}, exact, upd)
	exit.NewRet(exit.NewAdd(exit.NewMul(finals[0][0], i64(1000)), finals[1][0]))
}

func TestStateLoopRuns(t *testing.T) {
	lli, err := exec.LookPath("lli")
	if err != nil {
		t.Skip("no lli (LLVM's interpreter) in PATH")
	}
	mod := llir.NewModule()
	sumLoop(mod, "exact", 1, true)
	sumLoop(mod, "strided", 3, false)
	// main returns 0, or the number of the first call that gave the wrong value.
	main := mod.NewFunc("main", types.I32)
	b := main.NewBlock("entry")
	type call struct {
		f       string
		step    int64
		from, n int64
	}
	var calls []call
	for _, c := range [][2]int64{{0, 0}, {0, 1}, {0, 7}, {5, 9}, {3, 2}, {2, 2}} {
		calls = append(calls, call{"exact", 1, c[0], c[1]})
	}
	for _, c := range [][2]int64{{0, 0}, {0, 1}, {0, 3}, {0, 10}, {4, 12}, {7, 5}} {
		calls = append(calls, call{"strided", 3, c[0], c[1]})
	}
	for i, c := range calls {
		// The loop runs for j = from, from+step, ... below n; a loop that
		// does not run leaves the initial states.
		sum, count := int64(0), int64(1)
		for j := c.from; j < c.n; j += c.step {
			sum, count = sum+j, count+1
		}
		var f *llir.Func
		for _, g := range mod.Funcs {
			if g.Name() == c.f {
				f = g
			}
		}
		got := b.NewCall(f, constant.NewInt(types.I64, c.from), constant.NewInt(types.I64, c.n))
		bad, next := main.NewBlock(fmt.Sprintf("bad%d", i)), main.NewBlock(fmt.Sprintf("ok%d", i))
		b.NewCondBr(b.NewICmp(enum.IPredNE, got, constant.NewInt(types.I64, sum*1000+count)), bad, next)
		bad.NewRet(constant.NewInt(types.I32, int64(i+1)))
		b = next
	}
	b.NewRet(constant.NewInt(types.I32, 0))
	cmd := exec.CommandContext(context.Background(), lli, "-force-interpreter")
	cmd.Stdin = strings.NewReader(mod.String())
	out, err := cmd.CombinedOutput()
	if ee, ok := err.(*exec.ExitError); ok && len(out) == 0 {
		c := calls[ee.ExitCode()-1]
		t.Fatalf("@%s(%d, %d) is wrong", c.f, c.from, c.n)
	}
	if err != nil {
		t.Fatalf("lli: %v\n%s\n%s", err, out, mod)
	}
}
