// This file checks Compile and FindTools: the loop vectorises for x86-64-v3
// without FMA contraction, output is byte-for-byte deterministic, a missing
// tool is a clear error, and how long a compile of Lion takes.
package cpu

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"

	"dlc.dev/dlc/codegen"
	"dlc.dev/dlc/codegen/llvmtool"
	"dlc.dev/dlc/ir"
)

func emitLion(t testing.TB) string {
	t.Helper()
	src, err := os.ReadFile("../../ir/testdata/lion.ir")
	if err != nil {
		t.Fatal(err)
	}
	m, err := ir.Parse(string(src))
	if err != nil {
		t.Fatal(err)
	}
	ll, _, _, err := Emit(m, codegen.CPUTarget(codegen.DefaultCPU))
	if err != nil {
		t.Fatal(err)
	}
	return ll
}

func TestFindToolsMissing(t *testing.T) {
	t.Setenv("PATH", "")
	_, err := llvmtool.FindTools()
	const want = "llc not found in PATH: install LLVM (apt-get install -y llvm)"
	if err == nil || err.Error() != want {
		t.Fatalf("llvmtool.FindTools() error = %v, want %q", err, want)
	}
	if _, _, err := Compile(context.Background(), "", Options{}); err == nil || err.Error() != want {
		t.Fatalf("Compile error = %v, want %q", err, want)
	}
}

func TestVectorisesLion(t *testing.T) {
	tools := needTools(t)
	target := codegen.CPUTarget(codegen.DefaultCPU)
	_, optimized, err := Compile(context.Background(), emitLion(t), Options{Target: target, Tools: tools})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(optimized, "<8 x float>") {
		t.Errorf("optimized IR has no <8 x float> operations: the loop did not vectorise")
	}
	if strings.Contains(optimized, "fmuladd") || strings.Contains(optimized, " fast ") || strings.Contains(optimized, "contract") {
		t.Errorf("optimized IR has FMA or fast-math")
	}
	cmd := exec.Command(tools.LLC, "-O3", "-relocation-model=pic", "-fp-contract=off", "-mtriple="+target.Triple, "-mcpu="+target.CPU, "-o", "-", "-")
	cmd.Stdin = strings.NewReader(optimized)
	asm, err := cmd.Output()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(asm, []byte("%ymm")) {
		t.Errorf("assembly uses no ymm registers")
	}
	if bytes.Contains(asm, []byte("vfmadd")) || bytes.Contains(asm, []byte("vfmsub")) || bytes.Contains(asm, []byte("vfnmadd")) {
		t.Errorf("assembly contracts multiplies and adds into FMAs")
	}
}

func TestCompileDeterministic(t *testing.T) {
	tools := needTools(t)
	ll := emitLion(t)
	so1, opt1, err := Compile(context.Background(), ll, Options{Tools: tools})
	if err != nil {
		t.Fatal(err)
	}
	so2, opt2, err := Compile(context.Background(), ll, Options{Tools: tools})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(so1, so2) {
		t.Error("two compiles of the same IR give different shared objects")
	}
	if opt1 != opt2 {
		t.Error("two compiles of the same IR give different optimized IR")
	}
	if strings.Contains(opt1, os.TempDir()) {
		t.Error("optimized IR names the temporary directory")
	}
}

// trig64IR computes sin and cos of the same f64 argument, which LLVM 14's
// code generator would merge into sincos calls whose result slots it laid out
// in an order that changed from one llc run to the next.
const trig64IR = `func @trig64(%x: f64[N]) -> (y: f64[N], z: f64[N]) {
  kernel k0 loop [N]
  %1 = sin %x : f64[N] @k0
  %2 = cos %x : f64[N] @k0
  %y = mul %1, %2 : f64[N] @k0
  %4 = const 2 : f64
  %5 = add %4, %1 : f64[N] @k0
  %z = div %2, %5 : f64[N] @k0
  return y = %y, z = %z
}`

// TestCompileSinCosDeterministic compiles f64 sin and cos of one argument for
// AVX-512 several times: the objects must be the same, and the optimized IR
// must keep them plain library calls (nobuiltin), neither intrinsics nor
// sincos, which is what made them differ.
func TestCompileSinCosDeterministic(t *testing.T) {
	tools := needTools(t)
	m, err := ir.Parse(trig64IR)
	if err != nil {
		t.Fatal(err)
	}
	target := codegen.CPUTarget("x86-64-v4")
	ll, _, _, err := Emit(m, target)
	if err != nil {
		t.Fatal(err)
	}
	var first []byte
	for i := range 6 {
		so, optimized, err := Compile(context.Background(), ll, Options{Target: target, Tools: tools})
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range []string{"@llvm.sin", "@llvm.cos", "sincos"} {
			if strings.Contains(optimized, s) {
				t.Fatalf("optimized IR calls %s: LLVM treats sin and cos as builtins", s)
			}
		}
		if i == 0 {
			first = so
		} else if !bytes.Equal(so, first) {
			t.Fatalf("compile %d gives a different shared object than the first", i)
		}
	}
}

func TestCompileOtherCPUs(t *testing.T) {
	tools := needTools(t)
	for _, cpu := range []string{"x86-64", "x86-64-v2", "x86-64-v4", "znver3"} {
		src, err := os.ReadFile("../../ir/testdata/lion.ir")
		if err != nil {
			t.Fatal(err)
		}
		m, _ := ir.Parse(string(src))
		target := codegen.CPUTarget(cpu)
		ll, _, _, err := Emit(m, target)
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := Compile(context.Background(), ll, Options{Target: target, Tools: tools}); err != nil {
			t.Errorf("%s: %v", cpu, err)
		}
	}
}

func TestCompileReportsToolErrors(t *testing.T) {
	tools := needTools(t)
	_, _, err := Compile(context.Background(), "this is not LLVM IR", Options{Tools: tools})
	if err == nil || !strings.HasPrefix(err.Error(), "opt") || !strings.Contains(err.Error(), "error") {
		t.Fatalf("Compile of bad IR: error = %v, want opt's error", err)
	}
}

// TestCompileTime logs how long opt, llc and the link take for Lion; the whole
// `dlc build` of lion.dl must stay under 250 ms.
func TestCompileTime(t *testing.T) {
	tools := needTools(t)
	ll := emitLion(t)
	start := time.Now()
	if _, err := llvmtool.FindTools(); err != nil {
		t.Fatal(err)
	}
	find := time.Since(start)
	var times []time.Duration
	for range 5 {
		start := time.Now()
		if _, _, err := Compile(context.Background(), ll, Options{Tools: tools}); err != nil {
			t.Fatal(err)
		}
		times = append(times, time.Since(start))
	}
	slices.Sort(times)
	t.Logf("FindTools %v; Compile(lion) min %v, median %v, max %v", find, times[0], times[len(times)/2], times[len(times)-1])
}

func BenchmarkCompileLion(b *testing.B) {
	tools := needTools(b)
	ll := emitLion(b)
	for b.Loop() {
		if _, _, err := Compile(context.Background(), ll, Options{Tools: tools}); err != nil {
			b.Fatal(err)
		}
	}
}
