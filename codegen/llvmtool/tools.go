// This file finds the external tools the backends run: LLVM's opt and llc,
// and a C compiler driver to link a shared object. It is cheap (a PATH lookup
// and, at most, one `llc --version`), so the driver calls it before long work.
package llvmtool

import (
	"context"
	"fmt"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
)

// Tools are the programs Compile runs.
type Tools struct {
	Opt    string // LLVM optimizer
	LLC    string // LLVM static compiler
	Linker string // C compiler driver used to link (gcc or cc)
	LLVM   int    // LLVM major version of llc
}

// LLVM versions the backend accepts: llir writes typed pointers, which LLVM 17
// no longer reads (15 and 16 need -opaque-pointers=0; only 14 is tested).
const (
	minLLVM = 14
	maxLLVM = 16
)

// toolSuffixes are tried in order: the unversioned names, then Debian's versioned ones.
var toolSuffixes = []string{"", "-14", "-15", "-16"}

const installLLVM = "install LLVM (apt-get install -y llvm)"

// FindTools locates opt, llc (or opt-14/llc-14, ...) and a linker (gcc or cc)
// in PATH, checks that llc is LLVM >= 14, and says what to install when
// something is missing.
func FindTools() (*Tools, error) {
	var versionErr error
	foundLLC := false
	for _, suffix := range toolSuffixes {
		llc, err := exec.LookPath("llc" + suffix)
		if err != nil {
			continue
		}
		foundLLC = true
		v, err := llvmVersion(llc)
		if err == nil && (v < minLLVM || v > maxLLVM) {
			err = fmt.Errorf("%s is LLVM %d; dlc needs LLVM %d to %d: %s", llc, v, minLLVM, maxLLVM, installLLVM)
		}
		if err != nil {
			if versionErr == nil {
				versionErr = err
			}
			continue
		}
		opt, err := lookPathNear(llc, "opt"+suffix)
		if err != nil {
			return nil, fmt.Errorf("opt%s not found in PATH (llc is %s): %s", suffix, llc, installLLVM)
		}
		linker, err := findLinker()
		if err != nil {
			return nil, err
		}
		return &Tools{Opt: opt, LLC: llc, Linker: linker, LLVM: v}, nil
	}
	if foundLLC {
		return nil, versionErr
	}
	return nil, fmt.Errorf("llc not found in PATH: %s", installLLVM)
}

// lookPathNear prefers name in the directory of sibling, then PATH.
func lookPathNear(sibling, name string) (string, error) {
	if p, err := exec.LookPath(filepath.Join(filepath.Dir(sibling), name)); err == nil {
		return p, nil
	}
	return exec.LookPath(name)
}

func findLinker() (string, error) {
	for _, name := range []string{"gcc", "cc"} {
		if p, err := exec.LookPath(name); err == nil {
			return p, nil
		}
	}
	return "", fmt.Errorf("no linker (gcc or cc) found in PATH: install gcc (apt-get install -y gcc)")
}

var (
	llvmDirVersion = regexp.MustCompile(`/llvm-(\d+)/`)
	llvmVersionOut = regexp.MustCompile(`LLVM version (\d+)`)
)

// llvmVersion returns the LLVM major version of an LLVM tool: from its real
// path when that is Debian's /usr/lib/llvm-N/bin/, else from `tool --version`.
func llvmVersion(tool string) (int, error) {
	if real, err := filepath.EvalSymlinks(tool); err == nil {
		if m := llvmDirVersion.FindStringSubmatch(real); m != nil {
			return strconv.Atoi(m[1])
		}
	}
	out, err := exec.Command(tool, "--version").Output()
	if err != nil {
		return 0, fmt.Errorf("%s --version: %v", tool, err)
	}
	m := llvmVersionOut.FindSubmatch(out)
	if m == nil {
		return 0, fmt.Errorf("%s --version does not say which LLVM it is", tool)
	}
	return strconv.Atoi(string(m[1]))
}

var llcVersionLine = regexp.MustCompile(`(?m)^\s*(.*LLVM version \S+)`)

// Version is what llc says its version is: "Debian LLVM version 14.0.6".
func Version(ctx context.Context, tools *Tools) (string, error) {
	out, err := Run(ctx, tools.LLC, []string{"--version"}, "")
	if err != nil {
		return "", err
	}
	m := llcVersionLine.FindStringSubmatch(out)
	if m == nil {
		return "", fmt.Errorf("%s --version does not say which LLVM it is", tools.LLC)
	}
	return m[1], nil
}

var llcHostCPU = regexp.MustCompile(`(?m)^\s*Host CPU: (\S+)`)

// HostCPU is the CPU of this machine as LLVM names it (what -mcpu=native
// would pick), from `llc --version`.
func HostCPU(ctx context.Context, tools *Tools) (string, error) {
	out, err := Run(ctx, tools.LLC, []string{"--version"}, "")
	if err != nil {
		return "", err
	}
	m := llcHostCPU.FindStringSubmatch(out)
	if m == nil {
		return "", fmt.Errorf("%s --version does not name the host CPU", tools.LLC)
	}
	return m[1], nil
}

// FindLLC locates an llc of LLVM min or newer: llc, then llc-N from the
// newest Debian version down, in PATH and in /usr/lib/llvm-N/bin. The PTX
// backend needs it for GPUs that LLVM 14 does not know (sm_90 needs 16); it
// feeds that llc bitcode, which every newer LLVM reads.
func FindLLC(min int) (path string, version int, err error) {
	try := func(p string) bool {
		if _, err := exec.LookPath(p); err != nil {
			return false
		}
		v, err := llvmVersion(p)
		if err != nil || v < min {
			return false
		}
		path, version = p, v
		return true
	}
	if try("llc") {
		return path, version, nil
	}
	for v := newestLLVM; v >= max(min, minLLVM); v-- {
		if try("llc-"+strconv.Itoa(v)) || try(filepath.Join("/usr/lib/llvm-"+strconv.Itoa(v), "bin", "llc")) {
			return path, version, nil
		}
	}
	return "", 0, fmt.Errorf("no llc of LLVM %d or newer found in PATH or /usr/lib/llvm-N/bin", min)
}

// newestLLVM is the newest LLVM version FindLLC looks for.
const newestLLVM = 21
