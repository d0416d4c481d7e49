// This file describes NVIDIA GPU targets: a compute capability (sm_80), the
// LLVM version that can write PTX for it, and what the GPU computes natively.
package codegen

import (
	"fmt"
	"strconv"
	"strings"
)

// DefaultSM is the compute capability a cuda target builds for unless told:
// the driver JIT-compiles sm_80 PTX for every newer GPU (H100, H200).
const DefaultSM = "sm_80"

// nvptxTriple and nvptxDataLayout are LLVM's 64-bit NVPTX triple and data layout.
const (
	nvptxTriple     = "nvptx64-nvidia-cuda"
	nvptxDataLayout = "e-i64:64-i128:128-v16:16-v32:32-n16:32:64"
)

// smLLVM lists the compute capabilities dlc builds PTX for, each with the
// oldest LLVM whose NVPTX backend knows it. LLVM 14's llc accepts any
// -mcpu, warns, and writes PTX the driver refuses, so the build checks this
// table instead of llc's exit status.
var smLLVM = []struct {
	sm   int
	llvm int
}{
	{60, 14}, {61, 14}, {62, 14}, {70, 14}, {72, 14}, {75, 14}, {80, 14}, {86, 14},
	{87, 16}, {89, 16}, {90, 16},
}

// SMs are the compute capabilities dlc builds for, as -target cuda:NAME takes them.
func SMs() []string {
	names := make([]string, len(smLLVM))
	for i, s := range smLLVM {
		names[i] = fmt.Sprintf("sm_%d", s.sm)
	}
	return names
}

// CUDATarget returns the target of compute capability sm ("sm_80"; ""
// means DefaultSM). An unknown name is an error that lists the known ones.
func CUDATarget(sm string) (Target, error) {
	if sm == "" {
		sm = DefaultSM
	}
	n, ok := strings.CutPrefix(sm, "sm_")
	v, err := strconv.Atoi(n)
	if !ok || err != nil {
		return Target{}, fmt.Errorf("cuda:%s: not a compute capability (accepted: %s)", sm, strings.Join(SMs(), ", "))
	}
	for _, s := range smLLVM {
		if s.sm == v {
			return Target{
				Kind: CUDA, Triple: nvptxTriple, DataLayout: nvptxDataLayout, CPU: sm,
				// Every sm dlc accepts has fma.rn and converts f16 in one
				// instruction (cvt.f32.f16), so f16 is stored as half.
				Caps: Caps{VectorBits: 32, FMA: true, F16C: true},
			}, nil
		}
	}
	return Target{}, fmt.Errorf("cuda:%s: dlc does not build for this compute capability (accepted: %s)", sm, strings.Join(SMs(), ", "))
}

// MinLLVM is the oldest LLVM whose NVPTX backend writes PTX for cuda target
// t, or 0 when t is not a cuda target.
func (t Target) MinLLVM() int {
	if t.Kind != CUDA {
		return 0
	}
	for _, s := range smLLVM {
		if fmt.Sprintf("sm_%d", s.sm) == t.CPU {
			return s.llvm
		}
	}
	return 0
}

// ParseTarget parses a -target value: "cpu" (the CPU named by cpu, which
// may be empty for DefaultCPU) or "cuda" with an optional ":sm_XX". A cuda
// target still builds the CPU code beside the PTX: see compiler.Options.
func ParseTarget(s string) (kind Kind, sm string, err error) {
	name, arg, hasArg := strings.Cut(s, ":")
	switch name {
	case "cpu", "":
		if hasArg {
			return CPU, "", fmt.Errorf("-target %s: the CPU is chosen with -cpu, not -target", s)
		}
		return CPU, "", nil
	case "cuda":
		if hasArg {
			if _, err := CUDATarget(arg); err != nil {
				return CUDA, "", fmt.Errorf("-target %w", err)
			}
			return CUDA, arg, nil
		}
		return CUDA, DefaultSM, nil
	}
	return CPU, "", fmt.Errorf("-target %s: not a target (accepted: cpu, cuda, cuda:sm_XX with sm_XX one of %s)", s, strings.Join(SMs(), ", "))
}
