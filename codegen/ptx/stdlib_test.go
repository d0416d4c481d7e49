// This file builds every stdlib source for the GPU and checks the PTX of
// every function: an entry per kernel with the parameters of the grid
// calling convention, global and shared address spaces on every memory
// access and no local memory, no call and no extern function, and no f64
// arithmetic where no f64 was asked for (the one exception stated below).
// The programs of the tests that compute gradients are checked too.
package ptx_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"dlc.dev/dlc/artifact"
	"dlc.dev/dlc/codegen"
	"dlc.dev/dlc/codegen/llvmtool"
	"dlc.dev/dlc/codegen/ptx"
	"dlc.dev/dlc/compiler"
	"dlc.dev/dlc/ir"
)

func needTools(t testing.TB) *llvmtool.Tools {
	t.Helper()
	tools, err := llvmtool.FindTools()
	if err != nil {
		t.Skipf("LLVM tools not available: %v", err)
	}
	return tools
}

// stdlibModules lowers every stdlib source without a contraction, and the programs of the tests
// that compute gradients (scatter_add kernels).
func stdlibModules(t *testing.T) map[string]*ir.Module {
	t.Helper()
	files, err := filepath.Glob("../../stdlib/*/*.dl")
	if err != nil || len(files) == 0 {
		t.Fatalf("no stdlib sources: %v", err)
	}
	files = append(files, "../../tests/testdata/autodiff_losses.dl", "../../tests/programs/grad.dl")
	mods := map[string]*ir.Module{}
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		m, err := compiler.Lower(f, src, compiler.Options{}, "")
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		if hasContraction(m) {
			continue // the GPU backend has no contraction kernels yet: dlc build --target cuda says so
		}
		mods[f] = m
	}
	return mods
}

// hasContraction reports whether a function of m multiplies matrices.
func hasContraction(m *ir.Module) bool {
	for _, f := range m.Funcs {
		if slices.ContainsFunc(f.Body, func(v *ir.Value) bool { return v.Op.Has(ir.Contraction) }) {
			return true
		}
	}
	return false
}

// scalarParam is the PTX parameter type of a scalar of the given dtype name.
var scalarParam = map[string]string{"f32": ".f32", "f16": ".f32", "bf16": ".f32", "f64": ".f64", "i32": ".u32", "i64": ".u64", "bool": ".u8"}

var (
	f64Inst     = regexp.MustCompile(`(?m)^\s*[a-z]+(\.[a-z0-9]+)*\.f64\b`)
	genericMem  = regexp.MustCompile(`(?m)^\s*(ld|st)(\.v[24])?\.(u|s|b|f)[0-9]+\s`)
	entryBodies = regexp.MustCompile(`(?s)\.visible \.entry ([\w$]+)\((.*?)\n}`)
	funcBodies  = regexp.MustCompile(`(?s)\n\.func\s+(?:\([^)]*\)\s*)?([\w$]+)\((.*?)\n}`)
)

// deviceFuncs are the device functions that may compute in f64, with the op
// each computes (the PTX names of devmath.go's functions).
var deviceFuncs = map[string]ir.Op{"dlc_$_math_$_erfcf": ir.OpErfc, "dlc_$_math_$_sinf": ir.OpSin, "dlc_$_math_$_cosf": ir.OpCos}

// computes returns whether a function computes op in a kernel.
func computes(op ir.Op) func(f *ir.Func) bool {
	return func(f *ir.Func) bool {
		return slices.ContainsFunc(f.Body, func(v *ir.Value) bool { return v.Op == op && v.Group != ir.GroupHost })
	}
}

// usesF64 reports whether function f has an f64 value in a kernel.
func usesF64(f *ir.Func) bool {
	return slices.ContainsFunc(f.Body, func(v *ir.Value) bool { return v.Type.DType == ir.F64 && v.Group != ir.GroupHost })
}

func TestStdlibPTX(t *testing.T) {
	tools := needTools(t)
	target, err := codegen.CUDATarget("")
	if err != nil {
		t.Fatal(err)
	}
	funcs := 0
	for file, m := range stdlibModules(t) {
		ll, kernels, entries, err := ptx.Emit(m, target)
		if err != nil {
			t.Errorf("%s: %v", file, err)
			continue
		}
		text, err := ptx.Compile(context.Background(), ll, entries, ptx.Options{Target: target, Tools: tools})
		if err != nil {
			t.Errorf("%s: %v", file, err)
			continue
		}
		bodies := map[string]string{}
		for _, mm := range entryBodies.FindAllStringSubmatch(text, -1) {
			bodies[mm[1]] = mm[2]
		}
		params := ptx.EntryParams(text)
		// f64 where none was asked: the device functions of erfc, sin and
		// cos on f32 are the one exception. They are the CPU's inline forms
		// (elemental.DefineInline), which compute in f64 registers and round
		// once; H100 and H200 run f64 at half the f32 rate, and each is a few
		// dozen operations. Kernel entries themselves never compute in f64
		// unless the function has an f64 value.
		defined := map[ir.Op]bool{}
		for _, fm := range funcBodies.FindAllStringSubmatch(text, -1) {
			op, ok := deviceFuncs[fm[1]]
			if ok {
				defined[op] = true
			}
			switch {
			case !ok && f64Inst.MatchString(fm[2]):
				t.Errorf("%s: device function %s computes in f64", file, fm[1])
			case ok && !slices.ContainsFunc(m.Funcs, computes(op)):
				t.Errorf("%s: defines %s but no kernel computes %s", file, fm[1], op)
			}
		}
		for _, op := range deviceFuncs {
			if slices.ContainsFunc(m.Funcs, computes(op)) && !defined[op] {
				t.Errorf("%s: %s is computed but no device function defines it", file, op)
			}
		}
		for _, f := range m.Funcs {
			if f.Private {
				continue
			}
			funcs++
			for _, k := range kernels[f.Name] {
				e := entryOf(entries, f.Name, k.Name)
				if e == nil {
					t.Errorf("%s: @%s kernel %s has no entry", file, f.Name, k.Name)
					continue
				}
				checkEntry(t, fmt.Sprintf("%s: @%s %s", file, f.Name, e.Symbol), k, *e, params[e.Symbol], bodies[e.Symbol])
				if f64Inst.MatchString(bodies[e.Symbol]) && !usesF64(f) {
					t.Errorf("%s: @%s %s computes in f64, which the function never asks for: %s", file, f.Name, e.Symbol, f64Inst.FindString(bodies[e.Symbol]))
				}
			}
		}
	}
	if funcs < 19 {
		t.Errorf("only %d stdlib functions checked", funcs)
	}
}

func entryOf(entries []artifact.Entry, fn, k string) *artifact.Entry {
	for i := range entries {
		if entries[i].Function == fn && entries[i].Kernel == k {
			return &entries[i]
		}
	}
	return nil
}

// checkEntry checks one kernel's entry and PTX body against its descriptor.
func checkEntry(t *testing.T, what string, k artifact.Kernel, e artifact.Entry, params []string, body string) {
	t.Helper()
	if e.ABI != artifact.ABIGrid || e.Block <= 0 || e.Block%32 != 0 {
		t.Errorf("%s: entry %+v, want the grid ABI with whole warps per block", what, e)
	}
	want := []string{".u64"}
	for range k.Buffers {
		want = append(want, ".u64")
	}
	for _, s := range k.Scalars {
		want = append(want, scalarParam[s.DType])
	}
	if !slices.Equal(params, want) {
		t.Errorf("%s: parameters %v, want %v (count, %d buffers, scalars %v)", what, params, want, len(k.Buffers), k.Scalars)
	}
	if body == "" {
		t.Errorf("%s: no body", what)
		return
	}
	if m := genericMem.FindString(body); m != "" {
		t.Errorf("%s: a load or store through a generic address: %s", what, strings.TrimSpace(m))
	}
	if strings.Contains(body, ".local") {
		t.Errorf("%s: uses local memory (a value left on the stack)", what)
	}
	if !strings.Contains(body, "ld.global") && len(k.Buffers) > 0 && k.Buffers[0].Writes == false {
		t.Errorf("%s: reads no global memory", what)
	}
	if k.Kind == artifact.KindRows && !strings.Contains(body, ".shared") {
		t.Errorf("%s: a row kernel without shared memory", what)
	}
}

func TestCheckRefuses(t *testing.T) {
	target, _ := codegen.CUDATarget("sm_80")
	good := ".version 7.0\n.target sm_80\n.address_size 64\n\n.visible .entry k(\n\t.param .u64 k_param_0\n)\n{\n\tret;\n}\n"
	entries := []artifact.Entry{{Function: "f", Kernel: "k0", Symbol: "k"}}
	if err := ptx.Check(good, target, entries); err != nil {
		t.Fatalf("good PTX refused: %v", err)
	}
	for name, c := range map[string]struct{ ptx, want string }{
		"target": {strings.Replace(good, "sm_80", "sm_90", 1), ".target is sm_90, want sm_80"},
		"entry":  {strings.Replace(good, "entry k(", "entry j(", 1), "no .entry k"},
		"extern": {good + ".extern .func (.param .b32 r) erfcf\n", "external function"},
	} {
		err := ptx.Check(c.ptx, target, entries)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one saying %q", name, err, c.want)
		}
	}
}

func TestTargets(t *testing.T) {
	for _, c := range []struct {
		arg, sm, err string
	}{
		{"cuda", "sm_80", ""},
		{"cuda:sm_90", "sm_90", ""},
		{"cuda:sm_86", "sm_86", ""},
		{"cuda:sm_100", "", "does not build for this compute capability"},
		{"cuda:volta", "", "not a compute capability"},
		{"gpu", "", "not a target"},
	} {
		kind, sm, err := codegen.ParseTarget(c.arg)
		switch {
		case c.err != "":
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("%s: error %v, want %q", c.arg, err, c.err)
			}
		case err != nil || kind != codegen.CUDA || sm != c.sm:
			t.Errorf("%s: %v %q %v, want cuda %s", c.arg, kind, sm, err, c.sm)
		}
	}
	sm90, _ := codegen.CUDATarget("sm_90")
	sm80, _ := codegen.CUDATarget("sm_80")
	if sm90.MinLLVM() < 16 || sm80.MinLLVM() != 14 {
		t.Errorf("MinLLVM: sm_90 %d, sm_80 %d; LLVM 14 writes invalid PTX for sm_90", sm90.MinLLVM(), sm80.MinLLVM())
	}
}

// TestSM90NeedsNewLLVM checks that a target LLVM 14 does not know is built
// with a newer llc, or refused with what to install; never with LLVM 14's.
func TestSM90NeedsNewLLVM(t *testing.T) {
	tools := needTools(t)
	sm90, _ := codegen.CUDATarget("sm_90")
	llc, err := ptx.Tools(sm90, &llvmtool.Tools{Opt: tools.Opt, LLC: tools.LLC, LLVM: 14})
	if err != nil {
		if !strings.Contains(err.Error(), "apt-get install -y llvm-19") || !strings.Contains(err.Error(), "LLVM 16 or newer") {
			t.Errorf("error %q does not say what to install", err)
		}
		return
	}
	if llc == tools.LLC && tools.LLVM < 16 {
		t.Errorf("sm_90 would be built with %s (LLVM %d)", llc, tools.LLVM)
	}
}

// TestPTXFPContract checks that Options.FPContract reaches llc: DDIM's
// step, c_x0·x0 + c_eps·eps + sigma·z after x0 = (x_t - s·eps)·inv, has no
// fma.rn.f32 when off, and every product and sum carries .rn, which forbids
// ptxas to fuse it in turn; when fast, llc fuses its multiply-adds (and
// leaves the rest without .rn, for ptxas to fuse as it may).
func TestPTXFPContract(t *testing.T) {
	tools := needTools(t)
	target, err := codegen.CUDATarget("")
	if err != nil {
		t.Fatal(err)
	}
	src, err := os.ReadFile("../../stdlib/diffusion/ddim.dl")
	if err != nil {
		t.Fatal(err)
	}
	m, err := compiler.Lower("ddim.dl", src, compiler.Options{}, "")
	if err != nil {
		t.Fatal(err)
	}
	ll, kernels, entries, err := ptx.Emit(m, target)
	if err != nil {
		t.Fatal(err)
	}
	symbol := entryOf(entries, "ddim_step", kernels["ddim_step"][0].Name).Symbol
	contractible := regexp.MustCompile(`\b(mul|add|sub)\.f32\b`)
	for _, c := range []codegen.FPContract{codegen.ContractOff, codegen.ContractFast} {
		text, err := ptx.Compile(context.Background(), ll, entries, ptx.Options{Target: target, Tools: tools, FPContract: c})
		if err != nil {
			t.Fatal(err)
		}
		var body string
		for _, mm := range entryBodies.FindAllStringSubmatch(text, -1) {
			if mm[1] == symbol {
				body = mm[2]
			}
		}
		fmas, muls := strings.Count(body, "fma.rn.f32"), strings.Count(body, "mul.rn.f32")
		t.Logf("-fp-contract %s: %s has %d fma.rn.f32, %d mul.rn.f32 and %d mul, add or sub without a rounding mode",
			c, symbol, fmas, muls, len(contractible.FindAllString(body, -1)))
		switch {
		case body == "":
			t.Errorf("-fp-contract %s: no entry %s in the PTX", c, symbol)
		case c == codegen.ContractOff && (fmas != 0 || muls != 5 || contractible.MatchString(body)):
			t.Errorf("-fp-contract off: %d fused multiply-adds, %d rounded products and %q in %s; want none, 5 and none",
				fmas, muls, contractible.FindString(body), symbol)
		case c == codegen.ContractFast && fmas < 3:
			t.Errorf("-fp-contract fast: %d fused multiply-adds in %s, want at least 3", fmas, symbol)
		}
	}
}
