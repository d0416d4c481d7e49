// This file tests reading CPU features and the message for a machine that lacks some.
package runtime

import (
	goruntime "runtime"
	"strings"
	"testing"
)

func TestParseCPUInfo(t *testing.T) {
	info := "processor\t: 0\nvendor_id\t: AuthenticAMD\nflags\t\t: fpu sse2 avx avx2 fma\nbugs\t\t: none\n\nprocessor\t: 1\nflags\t\t: other\n"
	flags, err := parseCPUInfo(strings.NewReader(info))
	if err != nil {
		t.Fatal(err)
	}
	if !flags["avx2"] || !flags["fpu"] || flags["other"] {
		t.Errorf("flags = %v", flags)
	}
	arm := "processor\t: 0\nFeatures\t: fp asimd aes\n"
	if flags, err := parseCPUInfo(strings.NewReader(arm)); err != nil || !flags["asimd"] {
		t.Errorf("arm: %v %v", flags, err)
	}
	if _, err := parseCPUInfo(strings.NewReader("processor: 0\n")); err == nil {
		t.Error("no flags line: no error")
	}
}

func TestCheckCPU(t *testing.T) {
	v2 := map[string]bool{"sse4_2": true, "popcnt": true}
	features := []string{"avx", "avx2", "fma", "popcnt"}
	err := checkCPU(features, v2)
	if err == nil || err.Error() != "artifact needs CPU features [avx avx2 fma] that this machine lacks; rebuild with -cpu x86-64-v2" {
		t.Errorf("got %v", err)
	}
	if err := checkCPU(features, map[string]bool{"avx": true, "avx2": true, "fma": true, "popcnt": true}); err != nil {
		t.Error(err)
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
