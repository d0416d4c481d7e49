// This file describes compilation targets: what a machine offers (its
// capabilities), which passes and emitters ask instead of testing a CPU name.
package codegen

import (
	"fmt"
	"slices"
	"strings"
)

// Kind is the kind of processor a target runs on.
type Kind uint8

const (
	// CPU is an x86-64 CPU: kernels in a shared object.
	CPU Kind = iota
	// CUDA is an NVIDIA GPU: kernels in PTX (codegen/ptx, cuda.go).
	CUDA
)

func (k Kind) String() string {
	switch k {
	case CPU:
		return "cpu"
	case CUDA:
		return "cuda"
	}
	return fmt.Sprintf("Kind(%d)", int(k))
}

// Target is a compilation target.
type Target struct {
	Kind       Kind
	Triple     string // LLVM target triple
	DataLayout string // LLVM data layout of Triple; opt does not derive it from -mtriple
	CPU        string // LLVM -mcpu
	// Attrs are LLVM target features on top of CPU's own, as -mattr takes them
	// ("+avx512f", "-vaes"): how a native target matches the build machine
	// exactly when LLVM knows it only by an older name.
	Attrs []string
	// Native says that CPU and Attrs describe the machine that built the
	// target (-cpu native).
	Native bool
	// CPUFeatures are the features code for the target may use beyond the
	// x86-64 baseline, as /proc/cpuinfo names them, sorted: a machine must
	// have them all to run it.
	CPUFeatures []string
	Caps        Caps
}

// Caps are what a target can do, derived from its features. Storage layouts
// and kernel choices read them, never a CPU name or a feature string.
type Caps struct {
	VectorBits int  // widest vector registers: 128 (SSE), 256 (AVX), 512 (AVX-512); 32 on a GPU
	FMA        bool // fused multiply-add instructions
	F16C       bool // f32 <-> f16 conversion instructions; without them f16 is converted with integer code
	BF16Dot    bool // bf16 pairs multiplied and summed into f32 (AVX512_BF16's vdpbf16ps)
	BF16Round  bool // f32 vectors rounded to bf16 by one instruction, which reads subnormals as zero, and those found by another (vcvtneps2bf16 and vfpclassps: AVX512_BF16, VL, DQ)
	F16Arith   bool // f16 arithmetic without widening (no x86 CPU dlc accepts has it)
	BF16Arith  bool // bf16 arithmetic without widening (none on x86)
	Cache      CacheSizes
}

// CacheSizes are a target's cache sizes in bytes, 0 where unknown: known for
// a native target, not for a CPU family.
type CacheSizes struct {
	L1D, L2, L3 int64
}

// DefaultCPU is the CPU a portable artifact targets unless told otherwise.
const DefaultCPU = "x86-64-v3"

// Native is the -cpu name of the machine dlc runs on.
const Native = "native"

// x86_64Triple and x86_64DataLayout are LLVM's x86-64 Linux triple and data layout.
const (
	x86_64Triple     = "x86_64-unknown-linux-gnu"
	x86_64DataLayout = "e-m:e-p270:32:32-p271:32:32-p272:64:64-i64:64-f80:128-n8:16:32:64-S128"
)

// Name is how the target is named to a user and in an artifact's manifest:
// the LLVM CPU, followed by its Attrs ("znver3+avx512f+avx512bw").
func (t Target) Name() string {
	return t.CPU + strings.Join(t.Attrs, "")
}

// HasFeature reports whether code for t may use feature f (a /proc/cpuinfo name).
func (t Target) HasFeature(f string) bool { return slices.Contains(t.CPUFeatures, f) }

// CPUs are the -cpu names dlc accepts, in the order an error lists them.
func CPUs() []string {
	names := make([]string, 0, len(cpuModels)+1)
	for _, m := range cpuModels {
		names = append(names, m.name)
	}
	return append(names, Native)
}

// CPUTarget returns the target of a named CPU from CPUs() other than native.
// It is for names the program itself holds (DefaultCPU, a test's); a name
// from a user goes through LookupCPU, which returns an error instead of
// panicking.
func CPUTarget(name string) Target {
	t, err := LookupCPU(name, nil)
	if err != nil {
		panic(err)
	}
	return t
}

// LookupCPU returns the target of the -cpu name: one of CPUs(). For native
// it calls host, which says what the machine is (nil: native is an error).
// An unknown name is an error that names the flag and lists the accepted
// names.
func LookupCPU(name string, host func() (Host, error)) (Target, error) {
	if name == Native {
		if host == nil {
			return Target{}, fmt.Errorf("-cpu native: the machine cannot be asked here")
		}
		h, err := host()
		if err != nil {
			return Target{}, fmt.Errorf("-cpu native: %w", err)
		}
		return NativeTarget(h), nil
	}
	for _, m := range cpuModels {
		if m.name == name {
			return cpuTarget(m.name, m.features(), nil), nil
		}
	}
	return Target{}, unknownCPU(name)
}

// unknownCPU says why name is not a CPU dlc targets, and what is.
func unknownCPU(name string) error {
	accepted := "accepted: " + strings.Join(CPUs(), ", ")
	switch {
	case name == "":
		return fmt.Errorf("-cpu needs a CPU name (%s)", accepted)
	case strings.HasPrefix(name, "sm_") || strings.HasPrefix(name, "compute_"):
		return fmt.Errorf("-cpu %s: that is an NVIDIA GPU, and dlc builds for x86-64 CPUs only (%s)", name, accepted)
	case name == "znver4":
		return fmt.Errorf("-cpu znver4: LLVM 14 does not know Zen 4; use -cpu native on one (znver3 with its AVX-512 features) or -cpu znver3 (%s)", accepted)
	}
	return fmt.Errorf("-cpu %s: not a CPU dlc builds for (%s)", name, accepted)
}

// cpuTarget is the target of LLVM CPU name with the given features and
// extra LLVM attributes.
func cpuTarget(name string, features, attrs []string) Target {
	fs := slices.Clone(features)
	slices.Sort(fs)
	t := Target{Kind: CPU, Triple: x86_64Triple, DataLayout: x86_64DataLayout, CPU: name, Attrs: attrs, CPUFeatures: fs}
	t.Caps = Caps{
		VectorBits: 128,
		FMA:        t.HasFeature("fma"),
		F16C:       t.HasFeature("f16c"),
		BF16Dot:    t.HasFeature("avx512_bf16"),
		BF16Round:  t.HasFeature("avx512_bf16") && t.HasFeature("avx512vl") && t.HasFeature("avx512dq"),
		F16Arith:   t.HasFeature("avx512_fp16"),
	}
	switch {
	case t.HasFeature("avx512f"):
		t.Caps.VectorBits = 512
	case t.HasFeature("avx"):
		t.Caps.VectorBits = 256
	}
	return t
}

// Host is what the build machine is, for -cpu native.
type Host struct {
	LLVMCPU string          // the CPU as LLVM names it (llc --version's "Host CPU")
	Flags   map[string]bool // /proc/cpuinfo's flags
	Cache   CacheSizes
}

// NativeTarget is the target of machine h: the CPU LLVM names (or, if dlc
// does not know that name, the best x86-64 level h reaches), with LLVM
// attributes that add the features h has beyond it and remove those it lacks,
// so that the code uses exactly the features h has.
func NativeTarget(h Host) Target {
	base := cpuModelNamed(h.LLVMCPU)
	if base == nil {
		for i := len(cpuModels) - 1; i >= 0; i-- {
			m := &cpuModels[i]
			if strings.HasPrefix(m.name, "x86-64") && hasAll(h.Flags, m.features()) {
				base = m
				break
			}
		}
	}
	own := base.features()
	var features, attrs []string
	for _, f := range x86Features {
		has, in := h.Flags[f.flag], slices.Contains(own, f.flag)
		if has {
			features = append(features, f.flag)
		}
		switch {
		case has && !in:
			attrs = append(attrs, "+"+f.llvm)
		case !has && in:
			attrs = append(attrs, "-"+f.llvm)
		}
	}
	t := cpuTarget(base.name, features, attrs)
	t.Native = true
	t.Caps.Cache = h.Cache
	return t
}

func hasAll(flags map[string]bool, fs []string) bool {
	for _, f := range fs {
		if !flags[f] {
			return false
		}
	}
	return true
}
