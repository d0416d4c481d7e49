// Package hostcpu reads what the machine dlc runs on offers: the CPU's feature
// flags (from /proc/cpuinfo, named as Linux names them) and its cache sizes
// (from sysfs). The compiler asks it for -cpu native, the runtime before it
// loads an artifact and when it chooses how to store large outputs.
package hostcpu

import (
	"bufio"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"strconv"
	"strings"
)

// Flags reads the feature flags of the first CPU from /proc/cpuinfo.
func Flags() (map[string]bool, error) {
	f, err := os.Open("/proc/cpuinfo")
	if err != nil {
		return nil, fmt.Errorf("cannot check CPU features: %w", err)
	}
	defer f.Close()
	return ParseCPUInfo(f)
}

// ParseCPUInfo finds the first "flags" (x86) or "Features" (arm64) line.
func ParseCPUInfo(r io.Reader) (map[string]bool, error) {
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

// Caches are cache sizes in bytes; 0 where unknown.
type Caches struct {
	L1D int64 // the first CPU's level 1 data cache
	L2  int64 // its level 2 cache
	L3  int64 // its last level cache, shared with other CPUs
}

// ReadCaches reads the first CPU's cache sizes from sysfs. A machine that
// does not say (no sysfs, another OS) gets zeros, never an error: callers
// fall back to their own defaults.
func ReadCaches() Caches {
	return readCaches(os.DirFS("/sys/devices/system/cpu/cpu0/cache"))
}

// readCaches reads index*/{level,type,size} under fsys.
func readCaches(fsys fs.FS) Caches {
	var c Caches
	dirs, err := fs.Glob(fsys, "index*")
	if err != nil {
		return c
	}
	read := func(dir, name string) string {
		b, err := fs.ReadFile(fsys, path.Join(dir, name))
		if err != nil {
			return ""
		}
		return strings.TrimSpace(string(b))
	}
	for _, d := range dirs {
		size := parseSize(read(d, "size"))
		switch level, typ := read(d, "level"), read(d, "type"); {
		case level == "1" && typ == "Data":
			c.L1D = size
		case level == "2" && typ != "Instruction":
			c.L2 = size
		case level == "3" && typ != "Instruction":
			c.L3 = size
		}
	}
	return c
}

// parseSize reads a sysfs cache size: "32K", "1024K", "32M"; 0 if it cannot.
func parseSize(s string) int64 {
	mult := int64(1)
	switch {
	case strings.HasSuffix(s, "K"):
		mult, s = 1<<10, strings.TrimSuffix(s, "K")
	case strings.HasSuffix(s, "M"):
		mult, s = 1<<20, strings.TrimSuffix(s, "M")
	case strings.HasSuffix(s, "G"):
		mult, s = 1<<30, strings.TrimSuffix(s, "G")
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 {
		return 0
	}
	return n * mult
}
