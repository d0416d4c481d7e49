// This file describes compilation targets: facts about a machine that passes and emitters ask.
package codegen

// Target is a compilation target.
type Target struct {
	Triple      string   // LLVM target triple
	CPU         string   // LLVM -mcpu
	CPUFeatures []string // features the CPU must have, as /proc/cpuinfo names them
	VectorBits  int      // preferred vector width, for chunk alignment
	DataLayout  string   // LLVM data layout of Triple; opt does not derive it from -mtriple
}

// x86_64DataLayout is LLVM's data layout for x86_64 Linux.
const x86_64DataLayout = "e-m:e-p270:32:32-p271:32:32-p272:64:64-i64:64-f80:128-n8:16:32:64-S128"

// DefaultCPU is the CPU a portable artifact targets unless told otherwise.
const DefaultCPU = "x86-64-v3"

// CPUTarget returns the x86-64 Linux target for an LLVM CPU name.
func CPUTarget(cpu string) Target {
	t := Target{Triple: "x86_64-unknown-linux-gnu", CPU: cpu, VectorBits: 128, DataLayout: x86_64DataLayout}
	switch cpu {
	case "x86-64-v2":
		t.CPUFeatures = []string{"sse4_2", "popcnt"}
	case "x86-64-v3":
		t.CPUFeatures = []string{"avx", "avx2", "fma", "f16c", "bmi2"}
		t.VectorBits = 256
	case "x86-64-v4":
		t.CPUFeatures = []string{"avx", "avx2", "fma", "f16c", "bmi2", "avx512f", "avx512bw", "avx512vl", "avx512dq"}
		t.VectorBits = 512
	}
	return t
}
