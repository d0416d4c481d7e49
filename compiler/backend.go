// This file defines a backend, the part of a build that compiles the scheduled
// module for one target section, and the CPU backend: LLVM IR from codegen/llvm,
// opt and llc, a shared object.
package compiler

import (
	"context"
	"fmt"
	"sort"

	"dlc.dev/dlc/artifact"
	"dlc.dev/dlc/codegen"
	"dlc.dev/dlc/codegen/llvm"
	"dlc.dev/dlc/ir"
)

// backend compiles a scheduled module for one target.
type backend interface {
	// prepare finds the tools the backend runs. Build calls it before any other
	// work, so a missing tool is the first thing reported.
	prepare() error
	// compile builds the target section of m, writing what it dumps for
	// inspection into dumpDir when that is set.
	compile(ctx context.Context, m *ir.Module, dumpDir string) (*targetOutput, error)
}

// targetOutput is what one backend contributes to an artifact.
type targetOutput struct {
	target   artifact.Target              // its manifest entry, with one Entry per kernel
	kernels  map[string][]artifact.Kernel // per function, in launch order: the same for every backend
	sections map[string][]byte            // its code section and any it adds for inspection
}

// cpuBackend compiles kernels for a CPU into one shared object.
type cpuBackend struct {
	target codegen.Target
	tools  *llvm.Tools
}

func (b *cpuBackend) prepare() error {
	tools, err := llvm.FindTools()
	if err != nil {
		return err
	}
	b.tools = tools
	return nil
}

func (b *cpuBackend) compile(ctx context.Context, m *ir.Module, dumpDir string) (*targetOutput, error) {
	if err := unavailableKernels(m); err != nil {
		return nil, err
	}
	llText, kernels, err := llvm.Emit(m, b.target)
	if err != nil {
		return nil, fmt.Errorf("codegen: %w", err)
	}
	if err := dump(dumpDir, "kernels.ll", llText); err != nil {
		return nil, err
	}
	so, optIR, err := llvm.Compile(ctx, llText, llvm.Options{Target: b.target, Tools: b.tools})
	if err != nil {
		return nil, err
	}
	if err := dump(dumpDir, "kernels.opt.ll", optIR); err != nil {
		return nil, err
	}
	t := artifact.Target{
		Kind:     artifact.TargetCPU,
		Section:  artifact.SectionObject,
		Triple:   b.target.Triple,
		Arch:     b.target.CPU,
		Features: append([]string{}, b.target.CPUFeatures...),
		Entries:  []artifact.Entry{},
	}
	sort.Strings(t.Features)
	for _, f := range m.Funcs {
		for _, k := range kernels[f.Name] {
			t.Entries = append(t.Entries, artifact.Entry{Function: f.Name, Kernel: k.Name, Symbol: llvm.Symbol(f.Name, k.Name), ABI: artifact.ABIChunk})
		}
	}
	return &targetOutput{
		target:   t,
		kernels:  kernels,
		sections: map[string][]byte{artifact.SectionObject: so, artifact.SectionLLVM: []byte(optIR)},
	}, nil
}

// unavailableKernels reports the kernels of m that the CPU backend cannot
// compile yet: contractions and transposes, which wait for a packed,
// register-blocked GEMM kernel kind. The error points at the source of the
// first one.
func unavailableKernels(m *ir.Module) error {
	var first *ir.Value
	var kind ir.KernelKind
	n := 0
	for _, f := range m.Funcs {
		for _, k := range f.Schedule {
			if k.Kind != ir.ContractionKernel && k.Kind != ir.TransposeKernel {
				continue
			}
			n++
			for _, v := range f.Body {
				if first == nil && v.Group == k.Group {
					first, kind = v, k.Kind
				}
			}
		}
	}
	if first == nil {
		return nil
	}
	more := ""
	if n > 1 {
		more = fmt.Sprintf(" (%d such kernels in all)", n)
	}
	at := ""
	if first.Pos.IsValid() {
		at = first.Pos.String() + ": "
	}
	return fmt.Errorf("%scannot compile %s %s: the CPU %s kernel is not available yet%s; dlc ir shows the IR, and the interpreter (ir.Interpret) runs it",
		at, first.Op, ir.Ref(first), kind, more)
}
