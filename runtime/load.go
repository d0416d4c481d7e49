// This file loads an artifact: decode and verify it, pick the target section
// Config.Device runs (the cpu target, or the cuda target on a GPU), check the
// machine can run its code, and resolve every function's plan against it.
package runtime

import (
	"fmt"
	"os"
	goruntime "runtime"
	"slices"
	"strings"
	"sync"

	"dlc.dev/dlc/artifact"
	"dlc.dev/dlc/ir"
)

// Artifact is a loaded artifact. Its Funcs may be run from several goroutines at
// once; Close waits for running calls and then releases the kernels' code and workers.
type Artifact struct {
	man   *artifact.Manifest
	cfg   Config
	dev   launcher
	funcs []*Func

	mu      sync.RWMutex // Run holds it for reading, Close for writing
	closed  bool
	cleanup goruntime.Cleanup // closes dev if the Artifact is dropped unclosed
}

// Load reads and loads the artifact at path.
func Load(path string, cfg Config) (*Artifact, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	a, err := LoadBytes(b, cfg)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return a, nil
}

// LoadBytes loads an artifact held in memory. b is not retained.
func LoadBytes(b []byte, cfg Config) (*Artifact, error) {
	m, sections, err := artifact.Decode(b)
	if err != nil {
		return nil, err
	}
	var mod *ir.Module
	if src, ok := sections[artifact.SectionIR]; ok {
		if mod, err = ir.Parse(string(src)); err != nil {
			return nil, fmt.Errorf("%s section: %w", artifact.SectionIR, err)
		}
	}
	cfg = cfg.withDefaults()
	dev, target, err := newLauncher(m, sections, cfg)
	if err != nil {
		return nil, err
	}
	a := &Artifact{man: m, cfg: cfg, dev: dev}
	for i := range m.Functions {
		fn := &m.Functions[i]
		if slices.ContainsFunc(a.funcs, func(f *Func) bool { return f.p.name == fn.Name }) {
			dev.close()
			return nil, fmt.Errorf("function %s is defined twice", fn.Name)
		}
		p, err := newPlan(fn, mod, entryResolver(dev, target, fn.Name))
		if err != nil {
			dev.close()
			return nil, fmt.Errorf("function %s: %w", fn.Name, err)
		}
		a.funcs = append(a.funcs, newFunc(a, p))
	}
	// A forgotten Close should not leak the workers and the code forever. Nothing
	// the launcher holds points back to a, so a can become unreachable while it runs.
	a.cleanup = goruntime.AddCleanup(a, closeLauncher, launcher(dev))
	return a, nil
}

// newLauncher picks the target section for cfg.Device (the cpu target on the
// host, the cuda target on a GPU) and the launcher that runs it.
func newLauncher(m *artifact.Manifest, sections map[string][]byte, cfg Config) (launcher, *artifact.Target, error) {
	switch cfg.Device.Kind {
	case Host:
		target := m.Target(artifact.TargetCPU)
		if target == nil && hasKernels(m) {
			return nil, nil, noTargetError(m, artifact.TargetCPU, "for the CPU")
		}
		l, err := newCPULauncher(target, sections, hasKernels(m), cfg)
		return l, target, err
	case CUDA:
		target := m.Target(artifact.TargetCUDA)
		if target == nil && hasKernels(m) {
			return nil, nil, noTargetError(m, artifact.TargetCUDA, "with dlc build -target cuda")
		}
		l, err := newCUDALauncher(m, target, sections, hasKernels(m), cfg)
		return l, target, err
	}
	return nil, nil, fmt.Errorf("Config.Device %s: not a device the runtime runs kernels on", cfg.Device)
}

// closeLauncher is the cleanup of an Artifact that was never closed.
func closeLauncher(l launcher) { l.close() }

// entryResolver resolves the kernels of function fn through target's entries.
func entryResolver(dev launcher, target *artifact.Target, fn string) resolveFunc {
	return func(kernel string, contraction bool) (int, error) {
		e := target.Entry(fn, kernel)
		if e == nil {
			return 0, fmt.Errorf("the %s target has no entry for it", target.Kind)
		}
		return dev.resolve(e, contraction)
	}
}

func hasKernels(m *artifact.Manifest) bool {
	for _, f := range m.Functions {
		if len(f.Kernels) > 0 {
			return true
		}
	}
	return false
}

// noTargetError explains that an artifact has no code this runtime can run.
func noTargetError(m *artifact.Manifest, kind, rebuild string) error {
	if len(m.Targets) == 0 {
		return fmt.Errorf("artifact has kernels but no target section")
	}
	kinds := make([]string, len(m.Targets))
	for i, t := range m.Targets {
		kinds[i] = t.Kind
	}
	return fmt.Errorf("artifact has no %s target (it has %s); rebuild it %s", kind, strings.Join(kinds, ", "), rebuild)
}

// Close waits for running calls, then releases the kernels' code, the workers and
// every Func's temporaries. Closing twice is allowed; Run after Close is an error.
func (a *Artifact) Close() error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.closed {
		return nil
	}
	a.closed = true
	a.cleanup.Stop()
	for _, f := range a.funcs {
		f.release()
	}
	return a.dev.close()
}

// Threads is the number of threads a kernel may use (Config.Threads after defaults).
func (a *Artifact) Threads() int { return a.cfg.Threads }

// Manifest returns the artifact's manifest. It is shared; do not modify it.
func (a *Artifact) Manifest() *artifact.Manifest { return a.man }

// Func returns the entry point named name.
func (a *Artifact) Func(name string) (*Func, error) {
	for _, f := range a.funcs {
		if f.p.name == name {
			return f, nil
		}
	}
	names := make([]string, 0, len(a.funcs))
	for _, f := range a.funcs {
		names = append(names, f.p.name)
	}
	if len(names) == 0 {
		return nil, fmt.Errorf("unknown function %q (the artifact has none)", name)
	}
	return nil, fmt.Errorf("unknown function %q (functions: %s)", name, strings.Join(names, ", "))
}
