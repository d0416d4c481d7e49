// This file tests reading CPU flags and cache sizes from text fixtures.
package hostcpu

import (
	"strings"
	"testing"
	"testing/fstest"
)

func TestParseCPUInfo(t *testing.T) {
	info := "processor\t: 0\nvendor_id\t: AuthenticAMD\nflags\t\t: fpu sse2 avx avx2 fma\nbugs\t\t: none\n\nprocessor\t: 1\nflags\t\t: other\n"
	flags, err := ParseCPUInfo(strings.NewReader(info))
	if err != nil {
		t.Fatal(err)
	}
	if !flags["avx2"] || !flags["fpu"] || flags["other"] {
		t.Errorf("flags = %v", flags)
	}
	arm := "processor\t: 0\nFeatures\t: fp asimd aes\n"
	if flags, err := ParseCPUInfo(strings.NewReader(arm)); err != nil || !flags["asimd"] {
		t.Errorf("arm: %v %v", flags, err)
	}
	if _, err := ParseCPUInfo(strings.NewReader("processor: 0\n")); err == nil {
		t.Error("no flags line: no error")
	}
}

func TestReadCaches(t *testing.T) {
	fsys := fstest.MapFS{}
	add := func(i, level, typ, size string) {
		fsys["index"+i+"/level"] = &fstest.MapFile{Data: []byte(level + "\n")}
		fsys["index"+i+"/type"] = &fstest.MapFile{Data: []byte(typ + "\n")}
		fsys["index"+i+"/size"] = &fstest.MapFile{Data: []byte(size + "\n")}
	}
	add("0", "1", "Data", "32K")
	add("1", "1", "Instruction", "32K")
	add("2", "2", "Unified", "1024K")
	add("3", "3", "Unified", "32M")
	got := readCaches(fsys)
	if want := (Caches{L1D: 32 << 10, L2: 1 << 20, L3: 32 << 20}); got != want {
		t.Errorf("readCaches = %+v, want %+v", got, want)
	}
	if got := readCaches(fstest.MapFS{}); got != (Caches{}) {
		t.Errorf("no sysfs: %+v", got)
	}
	add("3", "3", "Unified", "lots")
	if got := readCaches(fsys); got.L3 != 0 {
		t.Errorf("unreadable size: L3 = %d", got.L3)
	}
}
