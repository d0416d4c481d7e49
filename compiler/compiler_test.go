// This file tests the build driver: the manifest a CPU build writes (one cpu target
// with an entry per kernel, target-neutral kernel descriptions), how the
// target-generic path joins the sections of several backends, and that a code
// generation failure reaches the caller as a codegen.InternalError.
package compiler

import (
	"context"
	"errors"
	"os"
	"slices"
	"strings"
	"testing"

	"dlc.dev/dlc/artifact"
	"dlc.dev/dlc/codegen"
	"dlc.dev/dlc/codegen/cpu"
	"dlc.dev/dlc/codegen/llvmtool"
	"dlc.dev/dlc/ir"
)

func needTools(t *testing.T) {
	t.Helper()
	if _, err := llvmtool.FindTools(); err != nil {
		t.Skipf("building needs the LLVM tools: %v", err)
	}
}

func TestBuildCPUTarget(t *testing.T) {
	needTools(t)
	src, err := os.ReadFile("../stdlib/diffusion/ddim.dl")
	if err != nil {
		t.Fatal(err)
	}
	_, man, err := Build(context.Background(), "ddim.dl", src, Options{CPU: "x86-64-v3"})
	if err != nil {
		t.Fatal(err)
	}
	if len(man.Targets) != 1 {
		t.Fatalf("%d targets, want 1", len(man.Targets))
	}
	tg := man.Targets[0]
	if tg.Kind != artifact.TargetCPU || tg.Section != artifact.SectionObject || tg.Triple != "x86_64-unknown-linux-gnu" || tg.Arch != "x86-64-v3" {
		t.Errorf("target %+v", tg)
	}
	// x86-64-v3 as the psABI defines it (v2's cx16, lahf_lm, popcnt, sse4_1,
	// sse4_2, ssse3 and pni, which /proc/cpuinfo calls SSE3), in /proc/cpuinfo's names.
	want := []string{"abm", "avx", "avx2", "bmi1", "bmi2", "cx16", "f16c", "fma", "lahf_lm", "movbe", "pni", "popcnt", "sse4_1", "sse4_2", "ssse3", "xsave"}
	if !slices.Equal(tg.Features, want) {
		t.Errorf("features %v, want %v", tg.Features, want)
	}
	var names []string
	for _, s := range man.Sections {
		names = append(names, s.Name)
	}
	// ddim.dl imports nothing: its text is the one source section.
	if want := []string{artifact.SectionLLVM, artifact.SectionObject, artifact.SectionIR, artifact.SourceSection(0)}; !slices.Equal(names, want) {
		t.Errorf("sections %v, want %v", names, want)
	}
	n := 0
	for _, f := range man.Functions {
		for _, k := range f.Kernels {
			n++
			e := tg.Entry(f.Name, k.Name)
			if e == nil || e.Symbol != cpu.Symbol(f.Name, k.Name) || e.ABI != artifact.ABIChunk {
				t.Errorf("%s kernel %s: entry %+v", f.Name, k.Name, e)
				continue
			}
			// DDIM's kernels are loops that write whole tensors: each has a
			// streaming entry point, named in the CPU entry only.
			if k.Kind != artifact.KindLoop || e.Stream != e.Symbol+".stream" {
				t.Errorf("%s kernel %s (%s): streaming entry %q", f.Name, k.Name, k.Kind, e.Stream)
			}
		}
	}
	if n == 0 || len(tg.Entries) != n {
		t.Errorf("%d kernels, %d entries", n, len(tg.Entries))
	}
}

// fakeBackend stands for a second target: it describes the kernels it is given
// and writes one section.
type fakeBackend struct {
	kind, section string
	kernels       map[string][]artifact.Kernel
}

func (b *fakeBackend) compile(ctx context.Context, m *ir.Module, dumpDir string) (*targetOutput, error) {
	t := artifact.Target{Kind: b.kind, Section: b.section, Triple: "fake"}
	for _, f := range m.Funcs {
		for _, k := range b.kernels[f.Name] {
			t.Entries = append(t.Entries, artifact.Entry{Function: f.Name, Kernel: k.Name, Symbol: f.Name + "." + k.Name, ABI: "fake"})
		}
	}
	return &targetOutput{target: t, kernels: b.kernels, sections: map[string][]byte{b.section: []byte(b.kind)}}, nil
}

func (b *fakeBackend) identity() string { return "fake " + b.kind }

func TestLinkTargets(t *testing.T) {
	needTools(t)
	src, err := os.ReadFile("../stdlib/optim/lion.dl")
	if err != nil {
		t.Fatal(err)
	}
	m, err := Lower("lion.dl", src, Options{}, "")
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	cpu, err := newCPUBackend(ctx, Options{})
	if err != nil {
		t.Fatal(err)
	}
	out, err := cpu.compile(ctx, m, "")
	if err != nil {
		t.Fatal(err)
	}
	second := &fakeBackend{kind: "fake", section: "fake.bin", kernels: out.kernels}
	_, man, err := link(ctx, m, "lion.dl", []backend{cpu, second}, "", nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(man.Targets) != 2 || man.Targets[0].Kind != artifact.TargetCPU || man.Targets[1].Kind != "fake" {
		t.Fatalf("targets %+v", man.Targets)
	}
	if e := man.Targets[1].Entry("lion", "k0"); e == nil || e.Symbol != "lion.k0" {
		t.Errorf("fake entry %+v", e)
	}

	other := map[string][]artifact.Kernel{"lion": {{Name: "k9"}}}
	_, _, err = link(ctx, m, "lion.dl", []backend{cpu, &fakeBackend{kind: "fake", section: "fake.bin", kernels: other}}, "", nil, nil)
	if err == nil || !strings.Contains(err.Error(), "the fake backend describes other kernels than the cpu backend") {
		t.Errorf("different kernels: got %v", err)
	}
	_, _, err = link(ctx, m, "lion.dl", []backend{cpu, &fakeBackend{kind: "fake", section: artifact.SectionObject, kernels: out.kernels}}, "", nil, nil)
	if err == nil || !strings.Contains(err.Error(), "two backends write section cpu.so") {
		t.Errorf("same section: got %v", err)
	}
}

// TestBuildCodegenError builds a kernel whose result only scalars compute: the
// checker accepts it and no kernel computes it, a dlc bug that the CPU backend
// reports as a *codegen.InternalError at the kernel's position, unwrapped,
// quoting the source it was compiling.
func TestBuildCodegenError(t *testing.T) {
	needTools(t)
	src := []byte("kernel f(x: f32[N]; a: f32) -> y: f32 {\n    y = a * 2.0\n}\n")
	_, _, err := Build(context.Background(), "scalar.dl", src, Options{})
	var ie *codegen.InternalError
	if !errors.As(err, &ie) {
		t.Fatalf("error %v (%T), want a *codegen.InternalError", err, err)
	}
	if ie.Func != "f" || ie.Pos.Line != 1 || !strings.HasPrefix(err.Error(), "scalar.dl:1:8: internal compiler error in code generation for @f") {
		t.Errorf("error %+v:\n%v", ie, err)
	}
	if want := "It compiles scalar.dl:2:\n    scalar.dl:2:13: y = a * 2.0\n"; !strings.Contains(err.Error(), want) {
		t.Errorf("the error does not quote the source %q:\n%v", want, err)
	}
}

// TestContractionBuild checks that a program with contractions and
// transposes passes the frontend and every pass (transposes that feed a
// contraction folded into it) and builds; and that a contraction of bf16
// operands stops the build with an error at its source.
func TestContractionBuild(t *testing.T) {
	src := []byte("kernel f(x: f32[N, D], dy: f32[N, H]) -> (dw: f32[D, H], t: f32[H, N]) {\n    dw = transpose(x) @ dy\n    t = transpose(dy)\n}\n")
	var explain []string
	m, err := Lower("c.dl", src, Options{Explain: func(l string) { explain = append(explain, l) }}, "")
	if err != nil {
		t.Fatal(err)
	}
	if got := ir.Print(m); !strings.Contains(got, "dot_general %x, %dy contract=[0]x[0] : f32[D,H] @k0") ||
		!strings.Contains(got, "kernel k0 contraction [D,H]") || !strings.Contains(got, "kernel k1 transpose [H,N]") {
		t.Errorf("scheduled IR:\n%s", got)
	}
	if all := strings.Join(explain, "\n"); !strings.Contains(all, "@f: fold transpose %2 into dot_general %dw: its left operand reads %x in place") {
		t.Errorf("explanations:\n%s", all)
	}
	needTools(t)
	if _, _, err = Build(context.Background(), "c.dl", src, Options{}); err != nil {
		t.Errorf("Build: %v", err)
	}
	half := []byte("kernel g(x: f32[N, D], w: bf16[D, H]) -> (y: bf16[N, H]) {\n    let h = cast(x, bf16)\n    y = h @ w\n}\n")
	_, _, err = Build(context.Background(), "g.dl", half, Options{})
	want := "g.dl:3:11: cannot compile dot_general %y of bf16 operands: contractions accumulate in f32 or f64"
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("Build: %v\nwant an error containing %q", err, want)
	}
}
