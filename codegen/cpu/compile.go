// This file turns LLVM IR into a shared object: opt -O3 (where the loop
// vectoriser runs, told the triple and CPU), llc -O3 to a PIC object (with
// the build's floating-point contraction), and the
// C driver to link it, all in a private temporary directory.
package cpu

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"dlc.dev/dlc/codegen"
	"dlc.dev/dlc/codegen/llvmtool"
)

// Options configures Compile.
type Options struct {
	Target codegen.Target  // zero: codegen.CPUTarget(codegen.DefaultCPU)
	Tools  *llvmtool.Tools // nil: llvmtool.FindTools()
	// FPContract is passed to llc: off (the zero value) fuses no multiply
	// and add into an FMA; fast fuses them where the target has FMA.
	FPContract codegen.FPContract
	// Phase, if set, is told how long each step took: "opt", "llc" (from the
	// end of opt; it starts at once and overlaps it) and "link".
	Phase func(name string, took time.Duration)
}

// Compile optimizes llvmIR, compiles it and links a shared object. It returns
// the .so bytes and the optimized LLVM IR text. The output is deterministic:
// the same input gives byte-identical results. The temporary directory is
// always removed.
func Compile(ctx context.Context, llvmIR string, opt Options) (so []byte, optimizedIR string, err error) {
	t := opt.Target
	if t.Triple == "" {
		t = codegen.CPUTarget(codegen.DefaultCPU)
	}
	tools := opt.Tools
	if tools == nil {
		if tools, err = llvmtool.FindTools(); err != nil {
			return nil, "", err
		}
	}
	dir, err := os.MkdirTemp("", "dlc-llvm-")
	if err != nil {
		return nil, "", fmt.Errorf("compile: %w", err)
	}
	defer os.RemoveAll(dir)
	obj, lib := filepath.Join(dir, "kernels.o"), filepath.Join(dir, "kernels.so")

	targetFlags := []string{"-mtriple=" + t.Triple}
	if t.CPU != "" {
		targetFlags = append(targetFlags, "-mcpu="+t.CPU)
	}
	if len(t.Attrs) > 0 {
		targetFlags = append(targetFlags, "-mattr="+strings.Join(t.Attrs, ","))
	}
	if tools.LLVM >= 15 {
		targetFlags = append(targetFlags, "-opaque-pointers=0")
	}
	optArgs := append(append([]string{"-O3"}, targetFlags...), "-S", "-o", "-", "-")
	// -fp-contract=off, the default: never fuse a multiply and an add into an
	// FMA (MATH.md §0). opt does no contraction of its own either way; llc's
	// DAG combiner does it under -fp-contract=fast, for every fmul feeding an
	// fadd or fsub in one basic block (RATIONALE.md).
	llcArgs := append(append([]string{"-O3", "-relocation-model=pic", opt.FPContract.LLCFlag(), "-filetype=obj"}, targetFlags...), "-o", obj, "-")

	// llc starts first and waits for opt's output on stdin, so that loading
	// LLVM's shared library, which dominates a small compile, overlaps opt's work.
	llc := exec.CommandContext(ctx, tools.LLC, llcArgs...)
	var llcErr bytes.Buffer
	llc.Stderr = &llcErr
	llcIn, err := llc.StdinPipe()
	if err != nil {
		return nil, "", fmt.Errorf("llc: %w", err)
	}
	if err := llc.Start(); err != nil {
		return nil, "", fmt.Errorf("llc: %w", err)
	}
	phase := func(name string, since time.Time) time.Time {
		now := time.Now()
		if opt.Phase != nil {
			opt.Phase(name, now.Sub(since))
		}
		return now
	}
	start := time.Now()
	optimized, optErr := llvmtool.Run(ctx, tools.Opt, optArgs, llvmIR)
	optDone := phase("opt", start)
	if optErr == nil {
		_, optErr = llcIn.Write([]byte(optimized))
		if optErr != nil {
			optErr = nil // llc exited early; its own error says why
		}
	}
	llcIn.Close()
	llcWait := llc.Wait()
	if optErr != nil {
		return nil, "", optErr
	}
	if llcWait != nil {
		return nil, "", llvmtool.ToolError(tools.LLC, llcWait, llcErr.String())
	}
	llcDone := phase("llc", optDone)
	if _, err := llvmtool.Run(ctx, tools.Linker, []string{"-shared", "-o", lib, obj, "-lgomp", "-lm", "-Wl,--build-id=none"}, ""); err != nil {
		return nil, "", err
	}
	phase("link", llcDone)
	so, err = os.ReadFile(lib)
	if err != nil {
		return nil, "", fmt.Errorf("compile: %w", err)
	}
	return so, optimized, nil
}
