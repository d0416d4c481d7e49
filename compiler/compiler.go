// Package compiler drives a build: .dl source → graph IR → passes → one backend per
// target section (the CPU backend: LLVM → shared object) → one .dla artifact. The
// command line and Go programs use it.
package compiler

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"reflect"

	"dlc.dev/dlc/artifact"
	"dlc.dev/dlc/codegen"
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
	// and, from Build, what each backend writes for inspection (the CPU
	// backend: the LLVM IR before and after opt, kernels.ll and kernels.opt.ll).
	DumpDir string
	Explain func(line string)
	// ReadFile reads imported files; os.ReadFile when nil.
	ReadFile func(path string) ([]byte, error)
	// Precision is the -precision of the build: ir.F16 or ir.BF16 compiles
	// every function in mixed precision (the precision pass); ir.Invalid, the
	// zero value, leaves the program as written. ParsePrecision reads the flag.
	Precision ir.DType
}

// ParsePrecision reads a -precision value: bf16, f16, or off (or empty) for
// none.
func ParsePrecision(s string) (ir.DType, error) {
	switch s {
	case "", "off":
		return ir.Invalid, nil
	case "bf16":
		return ir.BF16, nil
	case "f16":
		return ir.F16, nil
	}
	return ir.Invalid, fmt.Errorf("-precision %q: mixed precision is bf16 or f16 (or off)", s)
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

// backends are the backends a build runs, one per target section of the artifact,
// each with its tools found and its target resolved, and the target the passes
// compile for (the CPU's).
func (o Options) backends(ctx context.Context) ([]backend, codegen.Target, error) {
	cpu, err := newCPUBackend(ctx, o)
	if err != nil {
		return nil, codegen.Target{}, err
	}
	return []backend{cpu}, cpu.target, nil
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
	popt := &passes.Options{Target: t, DumpDir: opt.DumpDir, StopAfter: stopAfter, Explain: opt.Explain, Precision: opt.Precision}
	if err := passes.Run(m, popt); err != nil {
		return nil, err
	}
	return m, nil
}

// Build compiles a source file into artifact bytes. Every backend first checks that
// its tools are there, so a missing tool is reported before any work is done.
func Build(ctx context.Context, filename string, src []byte, opt Options) ([]byte, *artifact.Manifest, error) {
	backends, t, err := opt.backends(ctx)
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
	return link(ctx, m, filepath.Base(filename), backends, opt.DumpDir)
}

// BuildModule compiles a module that has already been through the pass pipeline
// (ir.Parse of a scheduled module, say) into artifact bytes; source names it in
// the manifest.
func BuildModule(ctx context.Context, m *ir.Module, source string, opt Options) ([]byte, *artifact.Manifest, error) {
	backends, _, err := opt.backends(ctx)
	if err != nil {
		return nil, nil, err
	}
	return link(ctx, m, source, backends, opt.DumpDir)
}

// link runs every backend over m and puts their target sections, with the
// target-neutral description of every function, into one artifact.
func link(ctx context.Context, m *ir.Module, source string, backends []backend, dumpDir string) ([]byte, *artifact.Manifest, error) {
	man := artifact.Manifest{Source: source}
	sections := map[string][]byte{artifact.SectionIR: []byte(ir.Print(m))}
	var kernels map[string][]artifact.Kernel
	for i, b := range backends {
		out, err := b.compile(ctx, m, dumpDir)
		if err != nil {
			return nil, nil, err
		}
		// Every backend plans the same kernels; the first one's descriptions are the manifest's.
		if i == 0 {
			kernels = out.kernels
		} else if !reflect.DeepEqual(kernels, out.kernels) {
			return nil, nil, fmt.Errorf("internal error: the %s backend describes other kernels than the %s backend", out.target.Kind, man.Targets[0].Kind)
		}
		for name, data := range out.sections {
			if _, dup := sections[name]; dup {
				return nil, nil, fmt.Errorf("internal error: two backends write section %s", name)
			}
			sections[name] = data
		}
		man.Targets = append(man.Targets, out.target)
	}
	for _, f := range m.Funcs {
		if !f.Private {
			man.Functions = append(man.Functions, describe(f, kernels[f.Name]))
		}
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

// dump writes text to dir/name when dir is set.
func dump(dir, name, text string) error {
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

// describe is the target-neutral description of function f and its kernels.
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
