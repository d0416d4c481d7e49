// This file loads an artifact: decode and verify it, check this machine can run it,
// open its shared object with purego, and resolve every function's plan.
package runtime

import (
	"fmt"
	"os"
	goruntime "runtime"
	"slices"
	"strings"
	"sync"

	"github.com/ebitengine/purego"

	"dlc.dev/dlc/artifact"
	"dlc.dev/dlc/internal/hostcpu"
	"dlc.dev/dlc/ir"
)

// Artifact is a loaded artifact. Its Funcs may be run from several goroutines at
// once; Close waits for running calls and then releases the shared object and workers.
type Artifact struct {
	man   *artifact.Manifest
	cfg   Config
	lib   uintptr // dlopen handle; 0 when the artifact has no kernels
	pool  *pool
	funcs []*Func

	mu      sync.RWMutex // Run holds it for reading, Close for writing
	closed  bool
	cleanup goruntime.Cleanup // releases pool and lib if the Artifact is dropped unclosed
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
	if err := checkTriple(m); err != nil {
		return nil, err
	}
	if len(m.CPUFeatures) > 0 {
		flags, err := hostcpu.Flags()
		if err != nil {
			return nil, err
		}
		if err := checkCPU(m, flags); err != nil {
			return nil, err
		}
	}
	var mod *ir.Module
	if src, ok := sections[artifact.SectionIR]; ok {
		if mod, err = ir.Parse(string(src)); err != nil {
			return nil, fmt.Errorf("%s section: %w", artifact.SectionIR, err)
		}
	}
	a := &Artifact{man: m, cfg: cfg.withDefaults()}
	if hasKernels(m) {
		so, ok := sections[artifact.SectionObject]
		if !ok {
			return nil, fmt.Errorf("artifact has kernels but no %s section", artifact.SectionObject)
		}
		if a.lib, err = openObject(so); err != nil {
			return nil, err
		}
	}
	sym := func(name string) (uintptr, error) {
		if a.lib == 0 {
			return 0, fmt.Errorf("no %s section", artifact.SectionObject)
		}
		fn, err := purego.Dlsym(a.lib, name)
		if err != nil {
			return 0, fmt.Errorf("symbol %s is missing from %s", name, artifact.SectionObject)
		}
		return fn, nil
	}
	for i := range m.Functions {
		fn := &m.Functions[i]
		if slices.ContainsFunc(a.funcs, func(f *Func) bool { return f.p.name == fn.Name }) {
			a.closeLib()
			return nil, fmt.Errorf("function %s is defined twice", fn.Name)
		}
		p, err := newPlan(fn, mod, sym)
		if err != nil {
			a.closeLib()
			return nil, fmt.Errorf("function %s: %w", fn.Name, err)
		}
		a.funcs = append(a.funcs, newFunc(a, p))
	}
	a.pool = newPool(a.cfg.Threads)
	// A forgotten Close should not leak the workers and the mapping forever. Nothing
	// the workers hold points back to a, so a can become unreachable while they run.
	a.cleanup = goruntime.AddCleanup(a, releaseResources, resources{a.pool, a.lib})
	return a, nil
}

// resources are what an Artifact must give back, separate from it so a cleanup can hold them.
type resources struct {
	pool *pool
	lib  uintptr
}

// releaseResources is the cleanup of an Artifact that was never closed.
func releaseResources(r resources) {
	r.pool.stop()
	if r.lib != 0 {
		purego.Dlclose(r.lib)
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

// openObject writes the shared object to a temporary file, opens it and removes the
// file at once: the mapping stays valid, and nothing is left behind after a crash.
func openObject(so []byte) (uintptr, error) {
	f, err := os.CreateTemp("", "dlc-*.so")
	if err != nil {
		return 0, fmt.Errorf("write kernel object: %w", err)
	}
	name := f.Name()
	defer os.Remove(name)
	_, err = f.Write(so)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return 0, fmt.Errorf("write kernel object: %w", err)
	}
	h, err := purego.Dlopen(name, purego.RTLD_NOW|purego.RTLD_LOCAL)
	if err != nil {
		hint := ""
		if strings.Contains(err.Error(), "map segment") || strings.Contains(err.Error(), "not permitted") {
			hint = " (is the temporary directory mounted noexec? point TMPDIR elsewhere)"
		}
		return 0, fmt.Errorf("load kernel object: %w%s", err, hint)
	}
	return h, nil
}

// closeLib releases the shared object.
func (a *Artifact) closeLib() error {
	if a.lib == 0 {
		return nil
	}
	err := purego.Dlclose(a.lib)
	a.lib = 0
	if err != nil {
		return fmt.Errorf("unload kernel object: %w", err)
	}
	return nil
}

// Close waits for running calls, stops the workers and unloads the kernels.
// Closing twice is allowed; Run after Close is an error.
func (a *Artifact) Close() error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.closed {
		return nil
	}
	a.closed = true
	a.cleanup.Stop()
	a.pool.stop()
	for _, f := range a.funcs {
		f.release()
	}
	return a.closeLib()
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
