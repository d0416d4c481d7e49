// This file checks that this machine can run the code of an artifact's cpu target:
// its triple and the CPU features its kernels were compiled for.
package runtime

import (
	"fmt"
	goruntime "runtime"
	"slices"
	"strings"
)

// cpuLevel is an x86-64 micro-architecture level and the /proc/cpuinfo features it requires.
type cpuLevel struct {
	name     string
	features []string
}

// cpuLevels lists the levels, best first. They mirror codegen's x86-64 levels (the
// runtime does not import the compiler; TestCPULevelsMatchCodegen checks that they agree);
// they only pick the level a rebuild should use.
func cpuLevels() []cpuLevel {
	v2 := []string{"cx16", "lahf_lm", "pni", "ssse3", "sse4_1", "sse4_2", "popcnt"}
	v3 := append(v2[:len(v2):len(v2)], "avx", "avx2", "fma", "f16c", "bmi1", "bmi2", "abm", "movbe", "xsave")
	v4 := append(v3[:len(v3):len(v3)], "avx512f", "avx512cd", "avx512bw", "avx512dq", "avx512vl")
	return []cpuLevel{{"x86-64-v4", v4}, {"x86-64-v3", v3}, {"x86-64-v2", v2}}
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
