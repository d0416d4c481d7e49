// This file tests the message for a machine that lacks CPU features, and the
// levels it suggests.
package runtime

import (
	goruntime "runtime"
	"slices"
	"strings"
	"testing"

	"dlc.dev/dlc/codegen"
)

func TestCheckCPU(t *testing.T) {
	v2 := map[string]bool{}
	for _, f := range codegen.CPUTarget("x86-64-v2").CPUFeatures {
		v2[f] = true
	}
	features := []string{"avx", "avx2", "fma", "popcnt"}
	err := checkCPU(features, v2)
	if err == nil || err.Error() != "artifact needs CPU features [avx avx2 fma] that this machine lacks; rebuild with -cpu x86-64-v2" {
		t.Errorf("got %v", err)
	}
	if err := checkCPU(features, map[string]bool{"avx": true, "avx2": true, "fma": true, "popcnt": true}); err != nil {
		t.Error(err)
	}
	// An artifact built for bf16 dot products (vdpbf16ps) on a machine with
	// AVX-512 but without AVX512_BF16.
	v4 := map[string]bool{}
	for _, f := range codegen.CPUTarget("x86-64-v4").CPUFeatures {
		v4[f] = true
	}
	err = checkCPU(codegen.CPUTarget("cooperlake").CPUFeatures, v4)
	if err == nil || !strings.HasPrefix(err.Error(), "artifact needs CPU features [") || !strings.Contains(err.Error(), " avx512_bf16") ||
		!strings.HasSuffix(err.Error(), "that this machine lacks; rebuild with -cpu x86-64-v4") {
		t.Errorf("cooperlake on x86-64-v4: got %v", err)
	}
	if got := bestLevel(map[string]bool{}); got != "x86-64" {
		t.Errorf("bestLevel(none) = %s", got)
	}
}

func TestCheckTriple(t *testing.T) {
	if goruntime.GOARCH != "amd64" || goruntime.GOOS != "linux" {
		t.Skip("the cases are written for x86_64 Linux")
	}
	for triple, ok := range map[string]bool{
		"":                          true,
		"x86_64-unknown-linux-gnu":  true,
		"x86_64-pc-linux-gnu":       true,
		"aarch64-unknown-linux-gnu": false,
		"x86_64-apple-darwin":       false,
		"nvptx64-nvidia-cuda":       false,
	} {
		err := checkTriple(triple)
		if (err == nil) != ok {
			t.Errorf("%q: got %v", triple, err)
		}
	}
}

func TestCPULevelsMatchCodegen(t *testing.T) {
	for _, l := range cpuLevels() {
		got := slices.Sorted(slices.Values(l.features))
		if want := codegen.CPUTarget(l.name).CPUFeatures; !slices.Equal(got, want) {
			t.Errorf("%s: the runtime's features %v, codegen's %v", l.name, got, want)
		}
	}
}
