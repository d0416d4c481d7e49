// This file defines a backend, the part of a build that compiles the scheduled
// module for one target section, the CPU backend (LLVM IR from codegen/cpu,
// opt and llc, a shared object) and the GPU backend (codegen/ptx, PTX).
package compiler

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"time"

	"dlc.dev/dlc/artifact"
	"dlc.dev/dlc/codegen"
	"dlc.dev/dlc/codegen/cpu"
	"dlc.dev/dlc/codegen/llvmtool"
	"dlc.dev/dlc/codegen/ptx"
	"dlc.dev/dlc/internal/buildcache"
	"dlc.dev/dlc/ir"
)

// backend compiles a scheduled module for one target. A backend is made with its
// tools found and its target resolved (Options.backends), before any other work,
// so a missing tool is the first thing a build reports.
type backend interface {
	// compile builds the target section of m, writing what it dumps for
	// inspection into dumpDir when that is set.
	compile(ctx context.Context, m *ir.Module, dumpDir string) (*targetOutput, error)
	// identity names everything the output depends on besides the module:
	// the tools (their exact files) and the resolved target. Build caches key on it.
	identity() string
}

// targetOutput is what one backend contributes to an artifact.
type targetOutput struct {
	target   artifact.Target              // its manifest entry, with one Entry per kernel
	kernels  map[string][]artifact.Kernel // per function, in launch order: the same for every backend
	sections map[string][]byte            // its code section and any it adds for inspection
	tools    string                       // the version of its tools, for the manifest
}

// cpuBackend compiles kernels for a CPU into one shared object.
type cpuBackend struct {
	target   codegen.Target
	tools    *llvmtool.Tools
	contract codegen.FPContract                    // Options.FPContract
	phase    func(name string, took time.Duration) // Options.Phase
	cache    *buildcache.Cache                     // Options.Cache, which keeps the LLVM version
}

// newCPUBackend finds the LLVM tools and resolves the CPU opt names (asking llc
// about this machine for native).
func newCPUBackend(ctx context.Context, opt Options) (*cpuBackend, error) {
	tools, err := llvmtool.FindTools()
	if err != nil {
		return nil, err
	}
	t, err := opt.Target(ctx, tools)
	if err != nil {
		return nil, err
	}
	return &cpuBackend{target: t, tools: tools, contract: opt.FPContract, phase: opt.Phase, cache: opt.Cache}, nil
}

// identity is the LLVM tools and the target, every field of it.
func (b *cpuBackend) identity() string {
	t, err := json.Marshal(b.target)
	if err != nil {
		panic(fmt.Sprintf("codegen.Target does not marshal: %v", err)) // plain data: a dlc bug
	}
	return "cpu tools=" + b.tools.Identity() + " target=" + string(t)
}

// compile emits the kernels and compiles them. What fails in emission is a
// *codegen.InternalError, returned as it is: it names the function and the
// kernel, and says it is a dlc bug.
func (b *cpuBackend) compile(ctx context.Context, m *ir.Module, dumpDir string) (*targetOutput, error) {
	if err := unsupportedContractions(m); err != nil {
		return nil, err
	}
	start := time.Now()
	llText, kernels, entries, err := cpu.Emit(m, b.target)
	if err != nil {
		return nil, err
	}
	if b.phase != nil {
		b.phase("emit", time.Since(start))
	}
	if err := dump(dumpDir, "kernels.ll", llText); err != nil {
		return nil, err
	}
	so, optIR, err := cpu.Compile(ctx, llText, cpu.Options{Target: b.target, Tools: b.tools, FPContract: b.contract, Phase: b.phase})
	if err != nil {
		return nil, err
	}
	if err := dump(dumpDir, "kernels.opt.ll", optIR); err != nil {
		return nil, err
	}
	version, err := b.llvmVersion(ctx)
	if err != nil {
		return nil, err
	}
	t := artifact.Target{
		Kind:       artifact.TargetCPU,
		Section:    artifact.SectionObject,
		Triple:     b.target.Triple,
		Arch:       b.target.Name(),
		Features:   append([]string{}, b.target.CPUFeatures...),
		Entries:    entries,
		FPContract: manifestContract(b.contract),
		Parallel:   cpu.ParallelSymbol,
	}
	sort.Strings(t.Features)
	return &targetOutput{
		target:   t,
		kernels:  kernels,
		sections: map[string][]byte{artifact.SectionObject: so, artifact.SectionLLVM: []byte(optIR)},
		tools:    version,
	}, nil
}

// llvmVersion asks llc its version, or the cache what it said before.
func (b *cpuBackend) llvmVersion(ctx context.Context) (string, error) {
	ask := func() (string, error) { return llvmtool.Version(ctx, b.tools) }
	if b.cache == nil {
		return ask()
	}
	return b.cache.Memo(buildcache.Key("llc version", b.tools.Identity()), ask)
}

// unsupportedContractions reports the first contraction of m that the CPU
// backend does not compile, with its source position: one with an f16 or
// bf16 result. Contractions accumulate and write f32 or f64; 16-bit operands
// with an f32 result are compiled, and are what -precision makes.
func unsupportedContractions(m *ir.Module) error {
	for _, f := range m.Funcs {
		for _, v := range f.Body {
			if !v.Op.Has(ir.Contraction) || v.Type.DType == ir.F32 || v.Type.DType == ir.F64 {
				continue
			}
			at := ""
			if v.Pos.IsValid() {
				at = v.Pos.First().String() + ": "
			}
			return fmt.Errorf("%scannot compile %s %s of %s operands: contractions accumulate in f32 or f64 and write that; cast the operands to f32 (the casts fuse into the contraction's packing), or write the program in f32 and build it with -precision %s, which gives its contractions %s operands and f32 results",
				at, v.Op, ir.Ref(v), v.Type.DType, v.Type.DType, v.Type.DType)
		}
	}
	return nil
}

// unavailableKernels reports the kernels of m that the PTX backend cannot
// compile yet: contractions and transposes, which have CPU kernels only. The
// error points at the source of the first one.
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
		at = first.Pos.First().String() + ": "
	}
	return fmt.Errorf("%scannot compile %s %s: the GPU %s kernel is not available yet%s; build for the CPU, or run it with the interpreter (ir.Interpret)",
		at, first.Op, ir.Ref(first), kind, more)
}

// ptxBackend compiles kernels for an NVIDIA GPU into PTX.
type ptxBackend struct {
	target   codegen.Target
	tools    *llvmtool.Tools
	llc      string             // an llc that knows the target's compute capability
	contract codegen.FPContract // Options.FPContract
}

// newPTXBackend resolves compute capability sm and finds an llc for it; the
// PTX is compiled with floating-point contraction contract.
func newPTXBackend(sm string, tools *llvmtool.Tools, contract codegen.FPContract) (*ptxBackend, error) {
	t, err := codegen.CUDATarget(sm)
	if err != nil {
		return nil, fmt.Errorf("-target %w", err)
	}
	llc, err := ptx.Tools(t, tools)
	if err != nil {
		return nil, err
	}
	return &ptxBackend{target: t, tools: tools, llc: llc, contract: contract}, nil
}

// compile emits the kernels for the GPU and compiles them to PTX.
func (b *ptxBackend) compile(ctx context.Context, m *ir.Module, dumpDir string) (*targetOutput, error) {
	if err := unavailableKernels(m); err != nil {
		return nil, err
	}
	llText, kernels, entries, err := ptx.Emit(m, b.target)
	if err != nil {
		return nil, err
	}
	if err := dump(dumpDir, "kernels.ptx.ll", llText); err != nil {
		return nil, err
	}
	text, err := ptx.Compile(ctx, llText, entries, ptx.Options{Target: b.target, Tools: b.tools, LLC: b.llc, FPContract: b.contract})
	if err != nil {
		return nil, err
	}
	t := artifact.Target{
		Kind:       artifact.TargetCUDA,
		Section:    artifact.SectionPTX,
		Triple:     b.target.Triple,
		Arch:       b.target.CPU,
		Features:   []string{},
		Entries:    entries,
		FPContract: manifestContract(b.contract),
	}
	version, err := llvmtool.Version(ctx, &llvmtool.Tools{LLC: b.llc})
	if err != nil {
		return nil, err
	}
	return &targetOutput{target: t, kernels: kernels, sections: map[string][]byte{artifact.SectionPTX: []byte(text)}, tools: "PTX by " + version}, nil
}

// identity is the llc that writes PTX and the target, every field of it.
func (b *ptxBackend) identity() string {
	t, err := json.Marshal(b.target)
	if err != nil {
		panic(fmt.Sprintf("codegen.Target does not marshal: %v", err)) // plain data: a dlc bug
	}
	return "cuda llc=" + llvmtool.FileIdentity(b.llc) + " target=" + string(t)
}

// manifestContract is artifact.Target.FPContract for code compiled with
// contraction c: empty when off, so that the manifest of a default build is
// what it was before the option existed.
func manifestContract(c codegen.FPContract) string {
	if c == codegen.ContractFast {
		return artifact.FPContractFast
	}
	return ""
}

// ManifestFPContract reads the floating-point contraction an artifact's
// targets record (every target records the build's), for rebuilding it.
func ManifestFPContract(man *artifact.Manifest) (codegen.FPContract, error) {
	c := codegen.ContractOff
	for i, t := range man.Targets {
		tc, err := codegen.ParseFPContract(t.FPContract)
		if err != nil {
			return c, fmt.Errorf("target %s: %w", t.Kind, err)
		}
		if i > 0 && tc != c {
			return c, fmt.Errorf("target %s records fp-contract %s, target %s %s: one build compiles every target alike", t.Kind, tc, man.Targets[0].Kind, c)
		}
		c = tc
	}
	return c, nil
}
