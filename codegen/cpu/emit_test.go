// This file pins what Emit writes: each testdata/emit/NAME.ir has its LLVM IR
// in NAME.ll and its kernel descriptors in NAME.kernels.json
// (go test ./codegen/cpu -update rewrites them), and checks Emit's errors.
package cpu

import (
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"dlc.dev/dlc/codegen"
	"dlc.dev/dlc/codegen/elemental"
	"dlc.dev/dlc/codegen/plan"
	"dlc.dev/dlc/ir"

	llir "github.com/llir/llvm/ir"
)

var update = flag.Bool("update", false, "rewrite golden files")

// emitFile emits the IR file at path for the default CPU and returns the LLVM
// IR, the kernel descriptors and the CPU entries, the last two as JSON.
func emitFile(t *testing.T, path string) (ll, kernelsJSON, entriesJSON string) {
	t.Helper()
	src, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	m, err := ir.Parse(string(src))
	if err != nil {
		t.Fatal(err)
	}
	if err := ir.Verify(m); err != nil {
		t.Fatal(err)
	}
	ll, kernels, entries, err := Emit(m, codegen.CPUTarget(codegen.DefaultCPU))
	if err != nil {
		t.Fatal(err)
	}
	js, err := json.MarshalIndent(kernels, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	ejs, err := json.MarshalIndent(entries, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return ll, string(js) + "\n", string(ejs) + "\n"
}

func TestEmitGolden(t *testing.T) {
	inputs, err := filepath.Glob("testdata/emit/*.ir")
	if err != nil || len(inputs) == 0 {
		t.Fatalf("no inputs: %v", err)
	}
	for _, in := range inputs {
		base := strings.TrimSuffix(in, ".ir")
		t.Run(filepath.Base(base), func(t *testing.T) {
			ll, js, ejs := emitFile(t, in)
			ll2, js2, ejs2 := emitFile(t, in)
			if ll != ll2 || js != js2 || ejs != ejs2 {
				t.Fatal("Emit is not deterministic")
			}
			golden(t, base+".ll", ll)
			golden(t, base+".kernels.json", js)
			golden(t, base+".entries.json", ejs)
		})
	}
}

// golden compares got with the file, or rewrites it with -update.
func golden(t *testing.T, path, got string) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if got == string(want) {
		return
	}
	g, w := strings.Split(got, "\n"), strings.Split(string(want), "\n")
	for i := 0; i < len(g) || i < len(w); i++ {
		var gl, wl string
		if i < len(g) {
			gl = g[i]
		}
		if i < len(w) {
			wl = w[i]
		}
		if gl != wl {
			t.Fatalf("%s differs at line %d (run with -update to accept):\n got: %s\nwant: %s", path, i+1, gl, wl)
		}
	}
}

func TestEmitErrors(t *testing.T) {
	for _, tc := range []struct{ src, want string }{
		{
			`func @f(%x: f32[N]) -> (r: f32[N]) {
  return r = %x
}`,
			"for @f: result r is parameter %x, which no kernel computes",
		},
		{
			`func @f(%x: f32[N]; %a: f32) -> (y: f32[N], r: f32) {
  %2 = neg %a : f32 @host
  %3 = neg %x : f32[N] @k0
  return y = %3, r = %2
}`,
			"for @f: result r is host value %2, which no kernel computes",
		},
		{
			`func @f(%x: f32[N]) -> (r: f32) {
  %1 = const 1 : f32
  return r = %1
}`,
			"for @f: result r is constant %1, which no kernel computes",
		},
		{
			`func @f(%x: f32[N]) -> (r: f32[N]) {
  %1 = neg %x : f32[N]
  return r = %1
}`,
			"for @f: %1 = neg %x : f32[N] is not scheduled",
		},
		{
			`func @f(%x: f32[N]) -> (r: f32[N]) {
  %1 = neg %x : f32[N] @k1
  %2 = neg %1 : f32[N] @k0
  %3 = neg %2 : f32[N] @k1
  return r = %3
}`,
			"reads %2 of a later kernel",
		},
	} {
		m, err := ir.Parse(tc.src)
		if err != nil {
			t.Fatal(err)
		}
		_, _, _, err = Emit(m, codegen.Target{})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Emit error = %v, want it to contain %q", err, tc.want)
		}
		checkInternalError(t, err, "")
	}
}

// checkInternalError checks that err is a codegen.InternalError for @f (and
// kernel, unless ""), said once and followed by the IR to report.
func checkInternalError(t *testing.T, err error, kernel string) *codegen.InternalError {
	t.Helper()
	var ie *codegen.InternalError
	if !errors.As(err, &ie) {
		t.Fatalf("Emit error %v is not a codegen.InternalError", err)
	}
	where := "@f"
	if kernel != "" {
		where += " kernel " + kernel
	}
	msg := err.Error()
	if ie.Func != "f" || ie.Kernel != kernel || !strings.HasPrefix(msg, "internal compiler error in code generation for "+where+": ") {
		t.Errorf("error for %s %q: %s", ie.Func, ie.Kernel, msg)
	}
	if strings.Count(msg, "codegen") != 0 || strings.Count(msg, where+":") != 1 {
		t.Errorf("the error says where twice: %s", msg)
	}
	if !strings.Contains(msg, "This is a dlc bug; please report it with the IR below.\n--- IR of "+where+" ---\n") || ie.Dump == "" || !strings.HasSuffix(msg, strings.TrimRight(ie.Dump, "\n")) {
		t.Errorf("no IR after the message: %s", msg)
	}
	return ie
}

// TestEmitPanicIsInternalError breaks a kernel plan so that emitting it
// panics: the panic becomes an error naming the kernel, with its IR and the
// stack.
func TestEmitPanicIsInternalError(t *testing.T) {
	m, err := ir.Parse(`func @f(%x: f32[N], %y: f32[N]) -> (r: f32[N]) {
  %2 = const 2 : f32
  %3 = mul %x, %2 : f32[N] @k0
  %4 = add %3, %y : f32[N] @k0
  return r = %4
}`)
	if err != nil {
		t.Fatal(err)
	}
	f := m.Funcs[0]
	plans, err := plan.Kernels(f)
	if err != nil {
		t.Fatal(err)
	}
	plans[0].Buffers[1].Value = nil // the buffer of %y holds nothing
	tg := codegen.CPUTarget(codegen.DefaultCPU)
	mod := llir.NewModule()
	_, err = emitKernel(elemental.NewElemental(mod, elemental.LibmCalls(), tg), mod, plans[0], tg, emitOptions{outline: true, unswitch: true})
	ie := checkInternalError(t, err, "k0")
	if !strings.Contains(ie.Stack, "newBody") || !strings.Contains(err.Error(), "panic: runtime error") {
		t.Errorf("no stack of the panic: %q", ie.Stack)
	}
	want := "// reads %x: f32[N], %y: f32[N]\n%2 = const 2 : f32\n%3 = mul %x, %2 : f32[N] @k0\n%4 = add %3, %y : f32[N] @k0\n"
	if ie.Dump != want {
		t.Errorf("kernel IR:\n%s\nwant:\n%s", ie.Dump, want)
	}
}

func TestEmitSkipsPrivateFunctions(t *testing.T) {
	m, err := ir.Parse(`func private @p(%x: f32[N]) -> (r: f32[N]) {
  %1 = neg %x : f32[N]
  return r = %1
}`)
	if err != nil {
		t.Fatal(err)
	}
	_, kernels, entries, err := Emit(m, codegen.Target{})
	if err != nil || len(kernels) != 0 || len(entries) != 0 {
		t.Fatalf("Emit = %v, %v, %v; want no kernels and no error", kernels, entries, err)
	}
}
