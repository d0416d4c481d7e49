// Package compiler drives a build: .dl source → graph IR → passes → LLVM →
// shared object → one .dla artifact. The command line and Go programs use it.
package compiler

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"dlc.dev/dlc/artifact"
	"dlc.dev/dlc/codegen"
	"dlc.dev/dlc/codegen/cpu"
	"dlc.dev/dlc/codegen/llvmtool"
	"dlc.dev/dlc/codegen/plan"
	"dlc.dev/dlc/frontend"
	"dlc.dev/dlc/internal/hostcpu"
	"dlc.dev/dlc/ir"
	"dlc.dev/dlc/passes"
	"dlc.dev/dlc/stdlib"
)

// Options configures a build. The zero value builds for the default CPU.
type Options struct {
	// CPU is the -cpu name: one of codegen.CPUs(), codegen.DefaultCPU when
	// empty; native is the machine that builds.
	CPU string
	// DumpDir, if set, receives the graph IR after every pass (NN_<pass>.ir)
	// and, from Build, the emitted and the optimized LLVM IR (kernels.ll,
	// kernels.opt.ll).
	DumpDir string
	Explain func(line string)
	// ReadFile reads imported files; os.ReadFile when nil.
	ReadFile func(path string) ([]byte, error)
}

// Target returns the target opt.CPU names. For native it asks llc (from
// tools, or found now when nil) what LLVM calls this machine's CPU, and
// /proc/cpuinfo and sysfs what it has.
func (o Options) Target(ctx context.Context, tools *llvmtool.Tools) (codegen.Target, error) {
	cpu := o.CPU
	if cpu == "" {
		cpu = codegen.DefaultCPU
	}
	return codegen.LookupCPU(cpu, func() (codegen.Host, error) {
		if tools == nil {
			var err error
			if tools, err = llvmtool.FindTools(); err != nil {
				return codegen.Host{}, err
			}
		}
		name, err := llvmtool.HostCPU(ctx, tools)
		if err != nil {
			return codegen.Host{}, err
		}
		flags, err := hostcpu.Flags()
		if err != nil {
			return codegen.Host{}, err
		}
		c := hostcpu.ReadCaches()
		return codegen.Host{LLVMCPU: name, Flags: flags, Cache: codegen.CacheSizes{L1D: c.L1D, L2: c.L2, L3: c.L3}}, nil
	})
}

// Lower parses, checks and lowers a source file, then runs the pass pipeline
// (up to and including stopAfter, when it is not empty).
func Lower(filename string, src []byte, opt Options, stopAfter string) (*ir.Module, error) {
	t, err := opt.Target(context.Background(), nil)
	if err != nil {
		return nil, err
	}
	return lower(filename, src, opt, t, stopAfter)
}

// lower is Lower for target t.
func lower(filename string, src []byte, opt Options, t codegen.Target, stopAfter string) (*ir.Module, error) {
	read := opt.ReadFile
	if read == nil {
		read = os.ReadFile
	}
	m, err := frontend.Compile(filename, src, frontend.Options{Stdlib: stdlib.FS(), ReadFile: read})
	if err != nil {
		return nil, err
	}
	popt := &passes.Options{Target: t, DumpDir: opt.DumpDir, StopAfter: stopAfter, Explain: opt.Explain}
	if err := passes.Run(m, popt); err != nil {
		return nil, err
	}
	return m, nil
}

// Build compiles a source file into artifact bytes. The LLVM tools are located
// first, so a missing tool is reported before any work is done.
func Build(ctx context.Context, filename string, src []byte, opt Options) ([]byte, *artifact.Manifest, error) {
	tools, err := llvmtool.FindTools()
	if err != nil {
		return nil, nil, err
	}
	t, err := opt.Target(ctx, tools)
	if err != nil {
		return nil, nil, err
	}
	m, err := lower(filename, src, opt, t, "")
	if err != nil {
		return nil, nil, err
	}
	if len(m.Funcs) == 0 {
		return nil, nil, fmt.Errorf("%s: no kernel to build (define one with \"kernel name(...)\")", filename)
	}
	llText, kernels, err := cpu.Emit(m, t)
	if err != nil {
		return nil, nil, err
	}
	if err := dumpLLVM(opt.DumpDir, "kernels.ll", llText); err != nil {
		return nil, nil, err
	}
	so, optIR, err := cpu.Compile(ctx, llText, cpu.Options{Target: t, Tools: tools})
	if err != nil {
		return nil, nil, err
	}
	if err := dumpLLVM(opt.DumpDir, "kernels.opt.ll", optIR); err != nil {
		return nil, nil, err
	}
	man := artifact.Manifest{
		Source:      filepath.Base(filename),
		Triple:      t.Triple,
		CPU:         t.Name(),
		CPUFeatures: append([]string(nil), t.CPUFeatures...),
	}
	for _, f := range m.Funcs {
		man.Functions = append(man.Functions, describe(f, kernels[f.Name]))
	}
	sections := map[string][]byte{
		artifact.SectionIR:     []byte(ir.Print(m)),
		artifact.SectionObject: so,
		artifact.SectionLLVM:   []byte(optIR),
	}
	b, err := artifact.Encode(man, sections)
	if err != nil {
		return nil, nil, err
	}
	out, _, err := artifact.Decode(b)
	if err != nil {
		return nil, nil, fmt.Errorf("internal error: the artifact just written does not decode: %w", err)
	}
	return b, out, nil
}

// dumpLLVM writes text to dir/name when dir is set.
func dumpLLVM(dir, name, text string) error {
	if dir == "" {
		return nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("dump: %w", err)
	}
	if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
		return fmt.Errorf("dump: %w", err)
	}
	return nil
}

// BuildFile reads path, builds it and writes the artifact atomically to out.
func BuildFile(ctx context.Context, path, out string, opt Options) (*artifact.Manifest, error) {
	src, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	b, man, err := Build(ctx, path, src, opt)
	if err != nil {
		return nil, err
	}
	if err := artifact.WriteFile(out, b); err != nil {
		return nil, err
	}
	return man, nil
}

func describe(f *ir.Func, kernels []artifact.Kernel) artifact.Function {
	fn := artifact.Function{Name: f.Name, Pos: f.Pos.String(), Kernels: kernels, IndexChecks: plan.IndexChecks(f)}
	if fn.Kernels == nil {
		fn.Kernels = []artifact.Kernel{}
	}
	for _, p := range f.Params {
		if p.Type.IsScalar() {
			fn.Scalars = append(fn.Scalars, artifact.Scalar{Name: p.Name, DType: p.Type.DType.String(), Default: p.Default})
			continue
		}
		fn.Inputs = append(fn.Inputs, tensorOf(p.Name, p.Type))
	}
	for _, r := range f.Results {
		fn.Outputs = append(fn.Outputs, tensorOf(r.Name, r.Value.Type))
	}
	return fn
}

func tensorOf(name string, t ir.Type) artifact.Tensor {
	shape := make([]string, len(t.Shape))
	for i, d := range t.Shape {
		shape[i] = d.String()
	}
	return artifact.Tensor{Name: name, DType: t.DType.String(), Shape: shape}
}
