// This file turns the NVPTX module into PTX: opt -O3 for the target (LLVM
// 14 to 16, like the CPU backend, since llir writes typed pointers), its
// bitcode piped into an llc that knows the compute capability (LLVM 14's up
// to sm_86; a newer one reads the older bitcode), and the checks of check.go
// on what llc wrote.
package ptx

import (
	"bytes"
	"context"
	"fmt"
	"os/exec"

	"dlc.dev/dlc/artifact"
	"dlc.dev/dlc/codegen"
	"dlc.dev/dlc/codegen/llvmtool"
)

// Options configures Compile.
type Options struct {
	Target codegen.Target  // a cuda target (codegen.CUDATarget)
	Tools  *llvmtool.Tools // opt, and llc when it is new enough; nil: llvmtool.FindTools()
	// LLC is the llc to run when Tools.LLC is too old for Target; "" finds
	// one with llvmtool.FindLLC.
	LLC string
	// FPContract is passed to llc, as on the CPU: off (the zero value) fuses
	// no multiply and add into an fma.rn; fast lets llc fuse them.
	FPContract codegen.FPContract
}

// Tools resolves the programs Compile runs for target t: opt from tools and
// the llc of tools if its LLVM knows t, else a newer one. The error says
// what to install.
func Tools(t codegen.Target, tools *llvmtool.Tools) (llc string, err error) {
	need := t.MinLLVM()
	if need == 0 {
		return "", fmt.Errorf("target %s is not a cuda target", t.Name())
	}
	if tools.LLVM >= need {
		return tools.LLC, nil
	}
	// LLVM 14's llc accepts -mcpu=sm_90 with a warning and writes PTX that the
	// driver refuses, so the version decides, not llc's exit status.
	llc, _, err = llvmtool.FindLLC(need)
	if err != nil {
		return "", fmt.Errorf("-target cuda:%s needs the llc of LLVM %d or newer (%s is LLVM %d): install one (apt-get install -y llvm-19), or build for %s, which the driver JIT-compiles for newer GPUs: %w",
			t.CPU, need, tools.LLC, tools.LLVM, codegen.DefaultSM, err)
	}
	return llc, nil
}

// Compile optimizes llvmIR and writes PTX for opt.Target, then checks that
// the PTX has an entry for every kernel and calls nothing undefined.
func Compile(ctx context.Context, llvmIR string, entries []artifact.Entry, opt Options) (string, error) {
	t := opt.Target
	tools := opt.Tools
	if tools == nil {
		var err error
		if tools, err = llvmtool.FindTools(); err != nil {
			return "", err
		}
	}
	llc := opt.LLC
	if llc == "" {
		var err error
		if llc, err = Tools(t, tools); err != nil {
			return "", err
		}
	}
	targetFlags := []string{"-mtriple=" + t.Triple, "-mcpu=" + t.CPU}
	optArgs := append([]string{"-O3"}, targetFlags...)
	if tools.LLVM >= 15 {
		optArgs = append(optArgs, "-opaque-pointers=0")
	}
	optArgs = append(optArgs, "-o", "-", "-") // bitcode: any newer llc reads it
	// -fp-contract=off, the default: no multiply and add fused into an FMA
	// (MATH.md §0; without -nvptx-fma-level, which dlc never gives, NVPTX
	// fuses only under -fp-contract=fast, writing fma.rn.f32); fdiv and
	// sqrt stay IEEE (div.rn, sqrt.rn) and subnormals are kept, which are
	// llc's defaults for NVPTX.
	llcArgs := append(append([]string{"-O3", opt.FPContract.LLCFlag()}, targetFlags...), "-o", "-", "-")

	var optOut, optErr bytes.Buffer
	optCmd := exec.CommandContext(ctx, tools.Opt, optArgs...)
	optCmd.Stdin = bytes.NewReader([]byte(llvmIR))
	optCmd.Stdout, optCmd.Stderr = &optOut, &optErr
	if err := optCmd.Run(); err != nil {
		return "", llvmtool.ToolError(tools.Opt, err, optErr.String())
	}
	var ptxOut, llcErr bytes.Buffer
	llcCmd := exec.CommandContext(ctx, llc, llcArgs...)
	llcCmd.Stdin = &optOut
	llcCmd.Stdout, llcCmd.Stderr = &ptxOut, &llcErr
	if err := llcCmd.Run(); err != nil {
		return "", llvmtool.ToolError(llc, err, llcErr.String())
	}
	ptx := ptxOut.String()
	if err := Check(ptx, t, entries); err != nil {
		return "", fmt.Errorf("internal error: llc wrote PTX that does not pass its checks: %w", err)
	}
	return ptx, nil
}
