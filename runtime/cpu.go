// This file checks that this machine can run the code of an artifact's cpu target:
// its triple and the CPU features its kernels were compiled for.
package runtime

import (
	"bufio"
	"fmt"
	"io"
	"os"
	goruntime "runtime"
	"slices"
	"strings"
)

// cpuLevel is an x86-64 micro-architecture level and the /proc/cpuinfo features it requires.
type cpuLevel struct {
	name     string
	features []string
}

// cpuLevels lists the levels, best first. They mirror codegen.CPUTarget (the runtime
// does not import the compiler); they only pick the level a rebuild should use.
func cpuLevels() []cpuLevel {
	return []cpuLevel{
		{"x86-64-v4", []string{"avx", "avx2", "fma", "f16c", "bmi2", "avx512f", "avx512bw", "avx512vl", "avx512dq"}},
		{"x86-64-v3", []string{"avx", "avx2", "fma", "f16c", "bmi2"}},
		{"x86-64-v2", []string{"sse4_2", "popcnt"}},
	}
}

// hostTriple is the arch and OS part of the LLVM triple of this process.
func hostTriple() (arch, os string) {
	arch = goruntime.GOARCH
	switch arch {
	case "amd64":
		arch = "x86_64"
	case "arm64":
		arch = "aarch64"
	}
	return arch, goruntime.GOOS
}

// checkTriple refuses code built for another architecture or OS.
func checkTriple(triple string) error {
	if triple == "" {
		return nil
	}
	arch, goos := hostTriple()
	parts := strings.Split(triple, "-")
	if parts[0] != arch || !slices.Contains(parts[1:], goos) {
		return fmt.Errorf("artifact is built for %s; this machine is %s-%s", triple, arch, goos)
	}
	return nil
}

// cpuFlags reads the feature flags of the first CPU from /proc/cpuinfo.
func cpuFlags() (map[string]bool, error) {
	f, err := os.Open("/proc/cpuinfo")
	if err != nil {
		return nil, fmt.Errorf("cannot check CPU features: %w", err)
	}
	defer f.Close()
	return parseCPUInfo(f)
}

// parseCPUInfo finds the first "flags" (x86) or "Features" (arm64) line.
func parseCPUInfo(r io.Reader) (map[string]bool, error) {
	br := bufio.NewReader(r)
	for {
		line, err := br.ReadString('\n')
		key, val, ok := strings.Cut(line, ":")
		if ok {
			if k := strings.TrimSpace(key); k == "flags" || k == "Features" {
				flags := map[string]bool{}
				for _, f := range strings.Fields(val) {
					flags[f] = true
				}
				return flags, nil
			}
		}
		if err == io.EOF {
			return nil, fmt.Errorf("cannot check CPU features: /proc/cpuinfo has no flags line")
		}
		if err != nil {
			return nil, fmt.Errorf("cannot check CPU features: %w", err)
		}
	}
}

// checkCPU refuses code that needs CPU features this machine lacks, and says which
// -cpu a rebuild for this machine should use.
func checkCPU(features []string, flags map[string]bool) error {
	var missing []string
	for _, f := range features {
		if !flags[f] {
			missing = append(missing, f)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	return fmt.Errorf("artifact needs CPU features [%s] that this machine lacks; rebuild with -cpu %s",
		strings.Join(missing, " "), bestLevel(flags))
}

// bestLevel is the best x86-64 level whose features flags all has.
func bestLevel(flags map[string]bool) string {
	for _, l := range cpuLevels() {
		ok := true
		for _, f := range l.features {
			ok = ok && flags[f]
		}
		if ok {
			return l.name
		}
	}
	return "x86-64"
}
