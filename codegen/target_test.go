// This file checks the CPU table against gcc's own (an independent list of
// what each -march has), the capabilities derived from it, native targets
// and the errors for names dlc does not accept.
package codegen

import (
	"bufio"
	"bytes"
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// gccFeatures returns the features of x86Features that gcc -march=name
// enables, or ok = false when gcc is missing or does not know the name.
func gccFeatures(t *testing.T, name string) (features []string, ok bool) {
	t.Helper()
	out, err := exec.Command("gcc", "-march="+name, "-dM", "-E", "-x", "c", "/dev/null").Output()
	if err != nil {
		return nil, false
	}
	macros := map[string]bool{}
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		if f := strings.Fields(sc.Text()); len(f) >= 2 && f[0] == "#define" {
			macros[f[1]] = true
		}
	}
	for _, f := range x86Features {
		if macros[f.gcc] {
			features = append(features, f.flag)
		}
	}
	slices.Sort(features)
	return features, true
}

func TestCPUFeaturesMatchGCC(t *testing.T) {
	if _, err := exec.LookPath("gcc"); err != nil {
		t.Skip("gcc not found: no reference for the CPU table")
	}
	checked := 0
	for _, name := range CPUs() {
		if name == Native {
			continue
		}
		want, ok := gccFeatures(t, name)
		if !ok {
			t.Logf("gcc does not know -march=%s: not checked", name)
			continue
		}
		checked++
		if got := CPUTarget(name).CPUFeatures; !slices.Equal(got, want) {
			t.Errorf("%s: features %v, gcc -march=%s has %v", name, got, name, want)
		}
	}
	if checked < 10 {
		t.Errorf("only %d CPUs checked against gcc", checked)
	}
}

func TestCPUTableIsWellFormed(t *testing.T) {
	known := map[string]bool{}
	for _, f := range x86Features {
		if known[f.flag] {
			t.Errorf("feature %s listed twice", f.flag)
		}
		known[f.flag] = true
	}
	for i, m := range cpuModels {
		if m.parent != "" && !slices.ContainsFunc(cpuModels[:i], func(p cpuModel) bool { return p.name == m.parent }) {
			t.Errorf("%s: parent %s is not listed before it", m.name, m.parent)
		}
		for _, f := range m.adds {
			if !known[f] {
				t.Errorf("%s: feature %s is not in x86Features", m.name, f)
			}
		}
		fs := m.features()
		if len(slices.Compact(slices.Sorted(slices.Values(fs)))) != len(fs) {
			t.Errorf("%s: a feature is added twice: %v", m.name, fs)
		}
	}
}

func TestCaps(t *testing.T) {
	for _, c := range []struct {
		cpu                string
		bits               int
		fma, f16c, bf16Dot bool // bf16Dot: BF16Round too
		needs              string
	}{
		{cpu: "x86-64", bits: 128},
		{cpu: "x86-64-v2", bits: 128, needs: "sse4_2"},
		{cpu: "x86-64-v3", bits: 256, fma: true, f16c: true, needs: "avx2"},
		{cpu: "haswell", bits: 256, fma: true, f16c: true, needs: "fma"},
		{cpu: "skylake-avx512", bits: 512, fma: true, f16c: true, needs: "avx512bw"},
		{cpu: "cooperlake", bits: 512, fma: true, f16c: true, bf16Dot: true, needs: "avx512_bf16"},
		{cpu: "znver3", bits: 256, fma: true, f16c: true, needs: "vaes"},
	} {
		tg := CPUTarget(c.cpu)
		caps := tg.Caps
		if caps.VectorBits != c.bits || caps.FMA != c.fma || caps.F16C != c.f16c || caps.BF16Dot != c.bf16Dot || caps.BF16Round != c.bf16Dot || caps.F16Arith || caps.BF16Arith {
			t.Errorf("%s: caps %+v", c.cpu, caps)
		}
		if tg.Kind != CPU || tg.Triple != x86_64Triple || tg.DataLayout == "" || tg.CPU != c.cpu || tg.Name() != c.cpu || tg.Native {
			t.Errorf("%s: target %+v", c.cpu, tg)
		}
		if c.needs != "" && !tg.HasFeature(c.needs) {
			t.Errorf("%s does not record %s: %v", c.cpu, c.needs, tg.CPUFeatures)
		}
		if !slices.IsSorted(tg.CPUFeatures) {
			t.Errorf("%s: features not sorted: %v", c.cpu, tg.CPUFeatures)
		}
	}
	if fs := CPUTarget("x86-64").CPUFeatures; len(fs) != 0 {
		t.Errorf("x86-64 records %v; the triple implies its baseline", fs)
	}
}

func TestNativeTarget(t *testing.T) {
	flags := map[string]bool{"fpu": true, "sse2": true, "rdrand": true}
	for _, f := range CPUTarget("znver3").CPUFeatures {
		flags[f] = true
	}
	for _, f := range []string{"avx512f", "avx512cd", "avx512bw", "avx512dq", "avx512vl", "avx512_bf16"} {
		flags[f] = true
	}
	delete(flags, "vaes") // hidden by a hypervisor, say
	cache := CacheSizes{L1D: 32 << 10, L2: 1 << 20, L3: 32 << 20}
	nt := NativeTarget(Host{LLVMCPU: "znver3", Flags: flags, Cache: cache})
	wantAttrs := []string{"-vaes", "+avx512f", "+avx512cd", "+avx512bw", "+avx512dq", "+avx512vl", "+avx512bf16"}
	if nt.CPU != "znver3" || !slices.Equal(nt.Attrs, wantAttrs) || !nt.Native {
		t.Errorf("native: cpu %s attrs %v native %v, want znver3 %v", nt.CPU, nt.Attrs, nt.Native, wantAttrs)
	}
	if nt.Name() != "znver3-vaes+avx512f+avx512cd+avx512bw+avx512dq+avx512vl+avx512bf16" {
		t.Errorf("Name() = %s", nt.Name())
	}
	if nt.HasFeature("vaes") || !nt.HasFeature("avx512_bf16") || nt.HasFeature("rdrand") || nt.HasFeature("sse2") {
		t.Errorf("features %v", nt.CPUFeatures)
	}
	if nt.Caps.VectorBits != 512 || !nt.Caps.BF16Dot || !nt.Caps.BF16Round || nt.Caps.Cache != cache {
		t.Errorf("caps %+v", nt.Caps)
	}

	// vcvtneps2bf16 on ymm and vfpclassps need AVX512VL and DQ too.
	delete(flags, "avx512dq")
	if nt := NativeTarget(Host{LLVMCPU: "znver3", Flags: flags}); !nt.Caps.BF16Dot || nt.Caps.BF16Round {
		t.Errorf("without avx512dq: caps %+v, want BF16Dot and not BF16Round", nt.Caps)
	}

	// A CPU dlc does not list: the best level the machine reaches, plus the rest.
	v3 := map[string]bool{"aes": true}
	for _, f := range CPUTarget("x86-64-v3").CPUFeatures {
		v3[f] = true
	}
	nt = NativeTarget(Host{LLVMCPU: "alderlake", Flags: v3})
	if nt.CPU != "x86-64-v3" || !slices.Equal(nt.Attrs, []string{"+aes"}) || nt.Caps.VectorBits != 256 {
		t.Errorf("alderlake: %s %v %+v", nt.CPU, nt.Attrs, nt.Caps)
	}
	nt = NativeTarget(Host{LLVMCPU: "generic", Flags: map[string]bool{}})
	if nt.CPU != "x86-64" || len(nt.Attrs) != 0 || len(nt.CPUFeatures) != 0 {
		t.Errorf("bare machine: %s %v %v", nt.CPU, nt.Attrs, nt.CPUFeatures)
	}
}

func TestLookupCPU(t *testing.T) {
	for _, name := range CPUs() {
		if name == Native {
			continue
		}
		if tg, err := LookupCPU(name, nil); err != nil || tg.CPU != name {
			t.Errorf("LookupCPU(%s) = %v, %v", name, tg.CPU, err)
		}
	}
	host := func() (Host, error) { return Host{LLVMCPU: "haswell", Flags: map[string]bool{"avx": true}}, nil }
	if tg, err := LookupCPU(Native, host); err != nil || !tg.Native || tg.CPU != "haswell" {
		t.Errorf("native: %+v, %v", tg, err)
	}
	list := strings.Join(CPUs(), ", ")
	for name, want := range map[string]string{
		"bogus":  "-cpu bogus: not a CPU dlc builds for (accepted: " + list + ")",
		"sm_80":  "-cpu sm_80: that is an NVIDIA GPU",
		"znver4": "-cpu znver4: LLVM 14 does not know Zen 4",
		"":       "-cpu needs a CPU name",
		"native": "-cpu native: the machine cannot be asked here",
	} {
		_, err := LookupCPU(name, nil)
		if err == nil || !strings.HasPrefix(err.Error(), want) || !strings.Contains(err.Error(), list) && name != "native" {
			t.Errorf("LookupCPU(%q) error = %v, want it to start %q and list the names", name, err, want)
		}
	}
}
