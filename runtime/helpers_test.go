// This file builds test artifacts by hand: a shared object compiled with gcc from
// testdata/kernels.c, a manifest written here, and optionally an ir section.
package runtime

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"

	"dlc.dev/dlc/artifact"
)

// builtObject is testdata/kernels.c compiled once per test binary.
var builtObject = sync.OnceValues(func() ([]byte, error) {
	gcc, err := exec.LookPath("gcc")
	if err != nil {
		return nil, errNoGCC
	}
	dir, err := os.MkdirTemp("", "dlc-runtime-test-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	out := filepath.Join(dir, "kernels.so")
	cmd := exec.Command(gcc, "-shared", "-fPIC", "-O2", "-o", out, filepath.Join("testdata", "kernels.c"))
	if b, err := cmd.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("gcc: %v\n%s", err, b)
	}
	return os.ReadFile(out)
})

var errNoGCC = errors.New("gcc not found: the runtime tests need it to build a kernel object without the dlc compiler")

// kernelObject returns the compiled test kernels, or skips the test without gcc.
func kernelObject(t testing.TB) []byte {
	t.Helper()
	so, err := builtObject()
	if err == errNoGCC {
		t.Skip(err)
	}
	if err != nil {
		t.Fatal(err)
	}
	return so
}

func ptr(x float64) *float64 { return &x }

func vec(name, dtype string, shape ...string) artifact.Tensor {
	return artifact.Tensor{Name: name, DType: dtype, Shape: shape}
}

func in(name, dtype string, shape ...string) artifact.BufferRef {
	return artifact.BufferRef{Kind: artifact.BufInput, Name: name, DType: dtype, Shape: shape}
}

func out(name, dtype string, shape ...string) artifact.BufferRef {
	return artifact.BufferRef{Kind: artifact.BufOutput, Name: name, DType: dtype, Shape: shape, Writes: true}
}

func temp(name, dtype string, writes bool, shape ...string) artifact.BufferRef {
	return artifact.BufferRef{Kind: artifact.BufTemp, Name: name, DType: dtype, Shape: shape, Writes: writes}
}

func sc(name, dtype string) artifact.ScalarRef { return artifact.ScalarRef{Name: name, DType: dtype} }

// testFunctions are the entry points of the test artifact, one per kernel in kernels.c.
func testFunctions() []artifact.Function {
	n := []string{"N"}
	return []artifact.Function{
		{
			Name: "scale", Inputs: []artifact.Tensor{vec("x", "f32", "N")},
			Scalars: []artifact.Scalar{{Name: "s", DType: "f32", Default: ptr(2)}},
			Outputs: []artifact.Tensor{vec("y", "f32", "N")},
			Kernels: []artifact.Kernel{{Name: "k0", Domain: n,
				Buffers: []artifact.BufferRef{in("x", "f32", "N"), out("y", "f32", "N")},
				Scalars: []artifact.ScalarRef{sc("s", "f32")}}},
		},
		{
			Name:   "lion",
			Inputs: []artifact.Tensor{vec("theta", "f32", "N"), vec("grad", "f32", "N"), vec("m", "f32", "N")},
			Scalars: []artifact.Scalar{
				{Name: "lr", DType: "f32", Default: ptr(0.0001)}, {Name: "beta1", DType: "f32", Default: ptr(0.9)},
				{Name: "beta2", DType: "f32", Default: ptr(0.99)}, {Name: "wd", DType: "f32", Default: ptr(0)},
			},
			Outputs: []artifact.Tensor{vec("theta_new", "f32", "N"), vec("m_new", "f32", "N")},
			Kernels: []artifact.Kernel{{Name: "k0", Domain: n,
				Buffers: []artifact.BufferRef{in("theta", "f32", "N"), in("grad", "f32", "N"), in("m", "f32", "N"),
					out("theta_new", "f32", "N"), out("m_new", "f32", "N")},
				Scalars: []artifact.ScalarRef{sc("beta1", "f32"), sc("%8", "f32"), sc("wd", "f32"), sc("lr", "f32"), sc("beta2", "f32"), sc("%17", "f32")}}},
		},
		{
			Name: "chain", Inputs: []artifact.Tensor{vec("x", "f32", "N")},
			Outputs: []artifact.Tensor{vec("y", "f32", "N")},
			Kernels: []artifact.Kernel{
				{Name: "k0", Domain: n, Buffers: []artifact.BufferRef{in("x", "f32", "N"), temp("%5", "f32", true, "N")}},
				{Name: "k1", Domain: n, Buffers: []artifact.BufferRef{temp("%5", "f32", false, "N"), in("x", "f32", "N"), out("y", "f32", "N")}},
			},
		},
		{
			// y is written by the first kernel; the second reads x again.
			Name: "hazard", Inputs: []artifact.Tensor{vec("x", "f32", "N")},
			Scalars: []artifact.Scalar{{Name: "s", DType: "f32", Default: ptr(3)}},
			Outputs: []artifact.Tensor{vec("y", "f32", "N"), vec("z", "f32", "N")},
			Kernels: []artifact.Kernel{
				{Name: "k0", Domain: n, Buffers: []artifact.BufferRef{in("x", "f32", "N"), out("y", "f32", "N")}, Scalars: []artifact.ScalarRef{sc("s", "f32")}},
				{Name: "k1", Domain: n, Buffers: []artifact.BufferRef{in("x", "f32", "N"), out("z", "f32", "N")}, Scalars: []artifact.ScalarRef{sc("s", "f32")}},
			},
		},
		{
			Name: "mark", Inputs: []artifact.Tensor{vec("x", "f32", "N")},
			Outputs: []artifact.Tensor{vec("y", "f32", "N"), vec("c", "i64", "N")},
			Kernels: []artifact.Kernel{{Name: "k0", Domain: n,
				Buffers: []artifact.BufferRef{in("x", "f32", "N"), out("y", "f32", "N"), out("c", "i64", "N")}}},
		},
		{
			Name: "iadd", Inputs: []artifact.Tensor{vec("x", "i32", "N")},
			Scalars: []artifact.Scalar{{Name: "a", DType: "i32"}},
			Outputs: []artifact.Tensor{vec("y", "i32", "N")},
			Kernels: []artifact.Kernel{{Name: "k0", Domain: n,
				Buffers: []artifact.BufferRef{in("x", "i32", "N"), out("y", "i32", "N")}, Scalars: []artifact.ScalarRef{sc("a", "i32")}}},
		},
		{
			Name: "rows", Inputs: []artifact.Tensor{vec("x", "f32", "R", "256")},
			Outputs: []artifact.Tensor{vec("y", "f32", "R")},
			Kernels: []artifact.Kernel{{Name: "k0", Domain: []string{"R"},
				Buffers: []artifact.BufferRef{in("x", "f32", "R", "256"), out("y", "f32", "R")}}},
		},
		{
			// a only fixes N; the kernel scales b.
			Name: "pair", Inputs: []artifact.Tensor{vec("a", "f32", "N", "4"), vec("b", "f32", "N")},
			Scalars: []artifact.Scalar{{Name: "s", DType: "f32", Default: ptr(1)}, {Name: "flag", DType: "bool", Default: ptr(0)}, {Name: "k", DType: "i64", Default: ptr(0)}},
			Outputs: []artifact.Tensor{vec("y", "f32", "N")},
			Kernels: []artifact.Kernel{{Name: "k0", Domain: n,
				Buffers: []artifact.BufferRef{in("b", "f32", "N"), out("y", "f32", "N")}, Scalars: []artifact.ScalarRef{sc("s", "f32")}}},
		},
	}
}

// testSymbols are the symbols in testdata/kernels.c of each kernel of testFunctions.
func testSymbols() map[string][]string {
	return map[string][]string{
		"scale": {"scale"}, "lion": {"lion_k0"}, "chain": {"add1", "twice_plus"}, "hazard": {"scale", "scale"},
		"mark": {"mark"}, "iadd": {"iadd"}, "rows": {"rowsum"}, "pair": {"scale"},
	}
}

// cpuTarget is the cpu target of functions whose kernels are testdata/kernels.c.
func cpuTarget(fns []artifact.Function) artifact.Target {
	t := artifact.Target{Kind: artifact.TargetCPU, Section: artifact.SectionObject, Triple: "x86_64-unknown-linux-gnu", Arch: "x86-64"}
	syms := testSymbols()
	for _, f := range fns {
		for i, k := range f.Kernels {
			t.Entries = append(t.Entries, artifact.Entry{Function: f.Name, Kernel: k.Name, Symbol: syms[f.Name][i], ABI: artifact.ABIChunk})
		}
	}
	return t
}

// testManifest describes testFunctions for this machine.
func testManifest() artifact.Manifest {
	fns := testFunctions()
	return artifact.Manifest{Source: "test.dl", Functions: fns, Targets: []artifact.Target{cpuTarget(fns)}}
}

// testSections are the sections of the test artifact.
func testSections(t testing.TB) map[string][]byte {
	t.Helper()
	irText, err := os.ReadFile(filepath.Join("testdata", "lion.ir"))
	if err != nil {
		t.Fatal(err)
	}
	return map[string][]byte{artifact.SectionObject: kernelObject(t), artifact.SectionIR: irText}
}

func encode(t testing.TB, m artifact.Manifest, s map[string][]byte) []byte {
	t.Helper()
	b, err := artifact.Encode(m, s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// loadTest loads the test artifact with cfg and closes it when the test ends.
func loadTest(t testing.TB, cfg Config) *Artifact {
	t.Helper()
	a, err := LoadBytes(encode(t, testManifest(), testSections(t)), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := a.Close(); err != nil {
			t.Error(err)
		}
	})
	return a
}

func mustFunc(t testing.TB, a *Artifact, name string) *Func {
	t.Helper()
	f, err := a.Func(name)
	if err != nil {
		t.Fatal(err)
	}
	return f
}
