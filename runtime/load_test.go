// This file tests loading: damaged artifacts, foreign machines, and manifests that do
// not match their kernel object or IR are errors at Load, never crashes at Run.
package runtime

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"dlc.dev/dlc/artifact"
)

func TestLoadErrors(t *testing.T) {
	so := kernelObject(t)
	good := testSections(t)
	tests := []struct {
		name   string
		edit   func(m *artifact.Manifest, s map[string][]byte)
		msg    string
		prefix bool // msg is a prefix of the error, not all of it
	}{
		{"fake cpu feature", func(m *artifact.Manifest, s map[string][]byte) {
			m.Targets[0].Features = []string{"sse2", "dlc_fake_feature", "dlc_other"}
		}, "artifact needs CPU features [dlc_fake_feature dlc_other] that this machine lacks; rebuild with -cpu x86-64", true},
		{"foreign triple", func(m *artifact.Manifest, s map[string][]byte) {
			m.Targets[0].Triple = "aarch64-unknown-linux-gnu"
		}, "artifact is built for aarch64-unknown-linux-gnu; this machine is x86_64-linux", false},
		{"missing symbol", func(m *artifact.Manifest, s map[string][]byte) {
			m.Targets[0].Entries[0].Symbol = "nope"
		}, "function scale: kernel k0: symbol nope is missing from cpu.so", false},
		{"missing streaming symbol", func(m *artifact.Manifest, s map[string][]byte) {
			m.Targets[0].Entries[0].Stream = "scale.stream"
		}, "function scale: kernel k0: symbol scale.stream is missing from cpu.so", false},
		{"missing parallel entry point", func(m *artifact.Manifest, s map[string][]byte) {
			m.Targets[0].Parallel = "dlc_parallel"
		}, "symbol dlc_parallel is missing from cpu.so", false},
		{"no entry", func(m *artifact.Manifest, s map[string][]byte) {
			m.Targets[0].Entries = m.Targets[0].Entries[1:]
		}, "function scale: kernel k0: the cpu target has no entry for it", false},
		{"other abi", func(m *artifact.Manifest, s map[string][]byte) {
			m.Targets[0].Entries[0].ABI = "ptx-grid"
		}, `function scale: kernel k0: entry scale has calling convention "ptx-grid"; the CPU runtime calls "chunk"`, false},
		{"no target", func(m *artifact.Manifest, s map[string][]byte) {
			m.Targets = nil
		}, "artifact has kernels but no target section", false},
		{"no cpu target", func(m *artifact.Manifest, s map[string][]byte) {
			m.Targets[0].Kind = "cuda"
		}, "artifact has no cpu target (it has cuda); rebuild it for the CPU", false},
		{"unnamed kernel", func(m *artifact.Manifest, s map[string][]byte) {
			m.Functions[0].Kernels[0].Name = ""
		}, `function scale: kernel 0: name "" is empty or repeated`, false},
		{"repeated kernel", func(m *artifact.Manifest, s map[string][]byte) {
			m.Functions[2].Kernels[1].Name = "k0"
		}, `function chain: kernel 1: name "k0" is empty or repeated`, false},
		{"object is not ELF", func(m *artifact.Manifest, s map[string][]byte) {
			s[artifact.SectionObject] = []byte("not an ELF file")
		}, "load kernel object: ", true},
		{"no ir", func(m *artifact.Manifest, s map[string][]byte) {
			delete(s, artifact.SectionIR)
		}, "function lion: kernels take host values (%8), but the artifact has no ir section", false},
		{"ir without the function", func(m *artifact.Manifest, s map[string][]byte) {
			s[artifact.SectionIR] = []byte("func @other(%x: f32[N]) -> (y: f32[N]) {\n  return y = %x\n}\n")
		}, "function lion: the ir section has no function lion", false},
		{"bad ir", func(m *artifact.Manifest, s map[string][]byte) {
			s[artifact.SectionIR] = []byte("func @broken(")
		}, "ir section: ", true},
		{"scalar is not a host value", func(m *artifact.Manifest, s map[string][]byte) {
			m.Functions[1].Kernels[0].Scalars[1].Name = "%9"
		}, "function lion: kernel scalar %9 is not a host value in the ir section", false},
		{"scalar is not in the ir", func(m *artifact.Manifest, s map[string][]byte) {
			m.Functions[1].Kernels[0].Scalars[1].Name = "%99"
		}, "function lion: kernel scalar %99 is not defined in the ir section", false},
		{"unknown scalar", func(m *artifact.Manifest, s map[string][]byte) {
			m.Functions[0].Kernels[0].Scalars[0].Name = "q"
		}, `function scale: kernel k0: scalar 0: "q" is neither a scalar parameter nor an IR value`, false},
		{"unbound dimension", func(m *artifact.Manifest, s map[string][]byte) {
			m.Functions[0].Outputs[0].Shape = []string{"M"}
		}, "function scale: output y: dimension M is not bound by any input", false},
		{"bad dimension", func(m *artifact.Manifest, s map[string][]byte) {
			m.Functions[0].Inputs[0].Shape = []string{"N+1"}
		}, `function scale: input x: bad dimension "N+1"`, false},
		{"bad dtype", func(m *artifact.Manifest, s map[string][]byte) {
			m.Functions[0].Inputs[0].DType = "f33"
		}, `function scale: input x: unknown dtype "f33" (dtypes: f32 f64 f16 bf16 i32 i64 bool)`, false},
		{"buffer of no input", func(m *artifact.Manifest, s map[string][]byte) {
			m.Functions[0].Kernels[0].Buffers[0].Name = "w"
		}, "function scale: kernel k0: buffer 0 (input w): no such input", false},
		{"buffer dtype", func(m *artifact.Manifest, s map[string][]byte) {
			m.Functions[0].Kernels[0].Buffers[1].DType = "f64"
		}, "function scale: kernel k0: buffer 1 (output y): dtype f64, but the output is f32", false},
		{"buffer kind", func(m *artifact.Manifest, s map[string][]byte) {
			m.Functions[0].Kernels[0].Buffers[1].Kind = "scratch"
		}, `function scale: kernel k0: buffer 1 (scratch y): unknown buffer kind "scratch"`, false},
		{"temp declared twice", func(m *artifact.Manifest, s map[string][]byte) {
			m.Functions[2].Kernels[1].Buffers[0].DType = "f64"
		}, "function chain: kernel k1: buffer 0 (temp %5): declared differently by another kernel", false},
		{"repeated input", func(m *artifact.Manifest, s map[string][]byte) {
			m.Functions[1].Inputs[1].Name = "theta"
		}, `function lion: input "theta" is unnamed or repeated`, false},
		{"repeated function", func(m *artifact.Manifest, s map[string][]byte) {
			m.Functions[1].Name = "scale"
		}, "function scale is defined twice", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := testManifest()
			s := map[string][]byte{}
			for k, v := range good {
				s[k] = v
			}
			s[artifact.SectionObject] = so
			tt.edit(&m, s)
			a, err := LoadBytes(encode(t, m, s), Config{})
			if err == nil {
				a.Close()
				t.Fatalf("no error, want %q", tt.msg)
			}
			if got := err.Error(); got != tt.msg && !(tt.prefix && strings.HasPrefix(got, tt.msg)) {
				t.Errorf("error\n  %s\nwant\n  %s", got, tt.msg)
			}
		})
	}
}

func TestLoadDamagedArtifact(t *testing.T) {
	b := encode(t, testManifest(), testSections(t))
	for _, i := range []int{0, 5, 9, 30, len(b) / 2, len(b) - 1} {
		c := append([]byte(nil), b...)
		c[i] ^= 0x40
		if _, err := LoadBytes(c, Config{}); err == nil {
			t.Errorf("byte %d flipped: no error", i)
		}
	}
	for _, n := range []int{0, 3, 20, len(b) / 3, len(b) - 1} {
		if _, err := LoadBytes(b[:n], Config{}); err == nil {
			t.Errorf("truncated to %d: no error", n)
		}
	}
	if _, err := LoadBytes([]byte("#!/bin/sh\necho hi\n"), Config{}); err == nil || !strings.HasPrefix(err.Error(), "not a dlc artifact") {
		t.Errorf("shell script: got %v", err)
	}
}

func TestLoadFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "test.dla")
	if _, err := Load(path, Config{}); err == nil || !os.IsNotExist(err) {
		t.Errorf("missing file: got %v", err)
	}
	if err := os.WriteFile(path, []byte("garbage"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(path, Config{}); err == nil || !strings.HasPrefix(err.Error(), path+": not a dlc artifact") {
		t.Errorf("garbage file: got %v", err)
	}
	if err := artifact.WriteFile(path, encode(t, testManifest(), testSections(t))); err != nil {
		t.Fatal(err)
	}
	a, err := Load(path, Config{Threads: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	x, y := []float32{1, 2}, make([]float32, 2)
	if err := mustFunc(t, a, "scale").Run(Args{Inputs: map[string]Tensor{"x": F32(x)}, Outputs: map[string]Tensor{"y": F32(y)}}); err != nil {
		t.Fatal(err)
	}
	if y[1] != 4 {
		t.Errorf("y = %v", y)
	}
	// The kernel object was removed from the temporary directory right after loading.
	matches, _ := filepath.Glob(filepath.Join(os.TempDir(), "dlc-*.so"))
	for _, m := range matches {
		t.Logf("left in the temporary directory (maybe by another process): %s", m)
	}
}

func TestLoadWithoutKernels(t *testing.T) {
	m := artifact.Manifest{Functions: []artifact.Function{{Name: "nothing", Kernels: []artifact.Kernel{}}}}
	a, err := LoadBytes(encode(t, m, nil), Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	if err := mustFunc(t, a, "nothing").Run(Args{}); err != nil {
		t.Error(err)
	}
	err = mustFunc(t, a, "nothing").Run(Args{Inputs: map[string]Tensor{"x": F32([]float32{1})}})
	if err == nil || err.Error() != `nothing: unknown input "x" (inputs: none)` {
		t.Errorf("got %v", err)
	}
}
