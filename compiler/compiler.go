// Package compiler drives a build: .dl source → graph IR → passes → one backend per
// target section (the CPU backend: LLVM → shared object) → one .dla artifact. The
// command line and Go programs use it.
package compiler

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"runtime/debug"
	"slices"
	"sort"
	"strings"
	"time"

	"dlc.dev/dlc/artifact"
	"dlc.dev/dlc/codegen"
	"dlc.dev/dlc/codegen/llvmtool"
	"dlc.dev/dlc/codegen/plan"
	"dlc.dev/dlc/frontend"
	"dlc.dev/dlc/internal/buildcache"
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
	// GPU, when set, is the compute capability of a cuda target ("sm_80",
	// codegen.DefaultSM) whose PTX the artifact carries beside the CPU code.
	GPU string
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
	// FPContract is the -fp-contract of the build, which every backend
	// passes to llc: codegen.ContractOff, the zero value, rounds every
	// operation where the source does, as ir.Interpret does;
	// codegen.ContractFast lets llc fuse a multiply and an add into one
	// FMA. Every target section of the artifact records it.
	FPContract codegen.FPContract
	// Cache, if set, is the build cache Build looks in first and stores its
	// artifact in. It is not used when DumpDir or Explain is set: those want
	// the pipeline to run.
	Cache *buildcache.Cache
	// ExplainCache, if set, is told whether Build found its artifact in the
	// cache, and if not, why not.
	ExplainCache func(line string)
	// Phase, if set, is told how long each step of a build took, in order:
	// "cache" (the lookup), "frontend+passes", the CPU backend's "emit",
	// "opt", "llc" and "link", their total "backends (emit+opt+llc+link)",
	// and "store" (into the cache).
	Phase func(name string, took time.Duration)
}

// phase reports the time since start as step name, and returns now.
func (o Options) phase(name string, start time.Time) time.Time {
	now := time.Now()
	if o.Phase != nil {
		o.Phase(name, now.Sub(start))
	}
	return now
}

// explainCache tells ExplainCache a line, when it is set.
func (o Options) explainCache(format string, args ...any) {
	if o.ExplainCache != nil {
		o.ExplainCache(fmt.Sprintf(format, args...))
	}
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
		flags, err := hostcpu.Flags()
		if err != nil {
			return codegen.Host{}, err
		}
		name, err := o.hostCPU(ctx, tools, flags)
		if err != nil {
			return codegen.Host{}, err
		}
		c := hostcpu.ReadCaches()
		return codegen.Host{LLVMCPU: name, Flags: flags, Cache: codegen.CacheSizes{L1D: c.L1D, L2: c.L2, L3: c.L3}}, nil
	})
}

// hostCPU is what LLVM calls this machine's CPU. Asking llc takes about 50
// ms, so with a cache the answer is kept there, under the tools and the CPU's
// flags.
func (o Options) hostCPU(ctx context.Context, tools *llvmtool.Tools, flags map[string]bool) (string, error) {
	ask := func() (string, error) { return llvmtool.HostCPU(ctx, tools) }
	if o.Cache == nil {
		return ask()
	}
	names := make([]string, 0, len(flags))
	for f := range flags {
		names = append(names, f)
	}
	sort.Strings(names)
	return o.Cache.Memo(buildcache.Key("llc host CPU", tools.Identity(), strings.Join(names, " ")), ask)
}

// backends are the backends a build runs, one per target section of the artifact,
// each with its tools found and its target resolved, and the target the passes
// compile for (the CPU's).
func (o Options) backends(ctx context.Context) ([]backend, codegen.Target, error) {
	cpu, err := newCPUBackend(ctx, o)
	if err != nil {
		return nil, codegen.Target{}, err
	}
	if o.GPU == "" {
		return []backend{cpu}, cpu.target, nil
	}
	gpu, err := newPTXBackend(o.GPU, cpu.tools, o.FPContract)
	if err != nil {
		return nil, codegen.Target{}, err
	}
	return []backend{cpu, gpu}, cpu.target, nil
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
	m, _, err := lowerFiles(filename, src, opt, t, stopAfter)
	return m, err
}

// sourceFile is one file a build read: its name as positions give it, and its text.
type sourceFile struct {
	name string
	std  bool
	data []byte
}

// lowerFiles is lower, also returning every file the frontend read, the
// main file first.
func lowerFiles(filename string, src []byte, opt Options, t codegen.Target, stopAfter string) (*ir.Module, []sourceFile, error) {
	read := opt.ReadFile
	if read == nil {
		read = os.ReadFile
	}
	var files []sourceFile
	loaded := func(name string, std bool, data []byte) {
		files = append(files, sourceFile{name, std, data})
	}
	funcPrecision := map[string]ir.DType{}
	report := func(fn string, low ir.DType) { funcPrecision[fn] = low }
	m, err := frontend.Compile(filename, src, frontend.Options{Stdlib: stdlib.FS(), ReadFile: read, Loaded: loaded, Precision: opt.Precision, FuncPrecision: report})
	if err != nil {
		return nil, nil, err
	}
	popt := &passes.Options{Target: t, DumpDir: opt.DumpDir, StopAfter: stopAfter, Explain: opt.Explain, Sources: sourcesOf(files),
		Precision: opt.Precision, FuncPrecision: funcPrecision}
	if err := passes.Run(m, popt); err != nil {
		return nil, nil, err
	}
	return m, files, nil
}

// sourcesOf maps the files' names to their text.
func sourcesOf(files []sourceFile) ir.Sources {
	s := ir.Sources{}
	for _, f := range files {
		s[f.name] = f.data
	}
	return s
}

// Build compiles a source file into artifact bytes. Every backend first checks that
// its tools are there, so a missing tool is reported before any work is done.
//
// With opt.Cache set, an artifact built before from the same inputs is
// returned from the cache (see cache.go), and a new one is stored there.
func Build(ctx context.Context, filename string, src []byte, opt Options) ([]byte, *artifact.Manifest, error) {
	start := time.Now()
	backends, t, err := opt.backends(ctx)
	if err != nil {
		return nil, nil, err
	}
	var in *cacheInputs
	switch {
	case opt.Cache == nil:
	case opt.DumpDir != "" || opt.Explain != nil:
		opt.explainCache("not used: a dump or an explanation wants the pipeline to run")
	default:
		if in, err = newCacheInputs(filename, src, opt, backends); err != nil {
			opt.explainCache("not used: %v", err)
			break
		}
		b, man, why := cacheLookup(opt.Cache, in, opt)
		start = opt.phase("cache", start)
		if b != nil {
			opt.explainCache("hit: %s", in.outputKey())
			return b, man, nil
		}
		opt.explainCache("miss: %s", why)
	}
	m, files, err := lowerFiles(filename, src, opt, t, "")
	if err != nil {
		return nil, nil, err
	}
	start = opt.phase("frontend+passes", start)
	if len(m.Funcs) == 0 {
		return nil, nil, fmt.Errorf("%s: no kernel to build (define one with \"kernel name(...)\")", filename)
	}
	prov, srcs, err := provenance(opt, files)
	if err != nil {
		return nil, nil, err
	}
	b, man, err := link(ctx, m, filepath.Base(filename), backends, opt.DumpDir, prov, srcs)
	var ie *codegen.InternalError
	if errors.As(err, &ie) && ie.Sources == nil {
		ie.Sources = sourcesOf(files) // the message quotes the source of the kernel
	}
	if err != nil {
		return nil, nil, err
	}
	start = opt.phase("backends (emit+opt+llc+link)", start)
	if in != nil {
		if err := cacheStore(opt.Cache, in, files, b); err != nil {
			opt.explainCache("not stored: %v", err) // the build itself succeeded
		}
		opt.phase("store", start)
	}
	return b, man, nil
}

// BuildModule compiles a module that has already been through the pass pipeline
// (ir.Parse of a scheduled module, say) into artifact bytes; source names it in
// the manifest.
func BuildModule(ctx context.Context, m *ir.Module, source string, opt Options) ([]byte, *artifact.Manifest, error) {
	backends, _, err := opt.backends(ctx)
	if err != nil {
		return nil, nil, err
	}
	return link(ctx, m, source, backends, opt.DumpDir, nil, nil)
}

// provenance is the build information of a build that read files, and the
// sections holding their text.
func provenance(opt Options, files []sourceFile) (*artifact.BuildInfo, map[string][]byte, error) {
	id, err := Identity()
	if err != nil {
		return nil, nil, err
	}
	if v := dlcVersion(); v != "" {
		id += " " + v
	}
	info := &artifact.BuildInfo{DLC: id, CPU: opt.CPU, GPU: opt.GPU}
	if opt.Precision != ir.Invalid {
		info.Precision = opt.Precision.String()
	}
	sections := map[string][]byte{}
	for i, f := range files {
		sec := artifact.SourceSection(i)
		info.Sources = append(info.Sources, artifact.SourceFile{Name: f.name, Std: f.std, SHA256: sha256Hex(f.data), Section: sec})
		sections[sec] = f.data
	}
	return info, sections, nil
}

// dlcVersion is the module version and VCS revision Go stamped into the
// running executable, where it did.
func dlcVersion() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return ""
	}
	v := bi.Main.Version
	for _, s := range bi.Settings {
		switch {
		case s.Key == "vcs.revision":
			v += " " + s.Value
		case s.Key == "vcs.modified" && s.Value == "true":
			v += "+modified"
		}
	}
	return strings.TrimSpace(v)
}

// link runs every backend over m and puts their target sections, with the
// target-neutral description of every function, into one artifact, with
// the build information prov and the sections of its sources, when set.
func link(ctx context.Context, m *ir.Module, source string, backends []backend, dumpDir string, prov *artifact.BuildInfo, srcs map[string][]byte) ([]byte, *artifact.Manifest, error) {
	man := artifact.Manifest{Source: source, Build: prov}
	sections := map[string][]byte{artifact.SectionIR: []byte(ir.Print(m))}
	for name, data := range srcs {
		sections[name] = data
	}
	var kernels map[string][]artifact.Kernel
	for i, b := range backends {
		out, err := b.compile(ctx, m, dumpDir)
		if err != nil {
			return nil, nil, err
		}
		// Every backend plans the same kernels; the first one's descriptions are the manifest's.
		if i == 0 {
			kernels = out.kernels
		} else if !mergeKernels(kernels, out.kernels) {
			return nil, nil, fmt.Errorf("internal error: the %s backend describes other kernels than the %s backend", out.target.Kind, man.Targets[0].Kind)
		}
		for name, data := range out.sections {
			if _, dup := sections[name]; dup {
				return nil, nil, fmt.Errorf("internal error: two backends write section %s", name)
			}
			sections[name] = data
		}
		man.Targets = append(man.Targets, out.target)
		if prov != nil {
			prov.Tools = append(prov.Tools, out.tools)
		}
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

// mergeKernels checks that another backend describes the same kernels as
// into, but for which buffers it rereads (artifact.BufferRef.Reread, how a
// backend walks a row), and marks in into every buffer either rereads: the
// runtime then refuses an aliasing that any target's code could not take.
func mergeKernels(into, other map[string][]artifact.Kernel) bool {
	if len(into) != len(other) {
		return false
	}
	for fn, ks := range into {
		theirs := other[fn]
		if len(theirs) != len(ks) {
			return false
		}
		for i := range ks {
			a, b := ks[i], theirs[i]
			if len(a.Buffers) != len(b.Buffers) {
				return false
			}
			a.Buffers, b.Buffers = slices.Clone(a.Buffers), slices.Clone(b.Buffers)
			for j := range a.Buffers {
				a.Buffers[j].Reread, b.Buffers[j].Reread = false, false
			}
			if !reflect.DeepEqual(a, b) {
				return false
			}
			for j := range ks[i].Buffers {
				ks[i].Buffers[j].Reread = ks[i].Buffers[j].Reread || theirs[i].Buffers[j].Reread
			}
		}
	}
	return true
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
		t := tensorOf(p.Name, p.Type)
		if p.Init != nil {
			t.Init = &artifact.Init{Kind: p.Init.Kind, Args: p.Init.Args, Scale: p.Init.Scale}
		}
		fn.Inputs = append(fn.Inputs, t)
	}
	for _, r := range f.Results {
		t := tensorOf(r.Name, r.Value.Type)
		if in := strings.TrimSuffix(r.Name, "_new"); in != r.Name {
			if p := f.Param(in); p != nil && p.Type.Equal(r.Value.Type) {
				t.Updates = in
			}
		}
		fn.Outputs = append(fn.Outputs, t)
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
