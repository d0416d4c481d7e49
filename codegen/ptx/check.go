// This file reads PTX text back: the entries it defines with their
// parameters, and the checks every build makes before the PTX goes into an
// artifact (there is no ptxas here to run): the target is the one asked
// for, each kernel has its entry, and no function is only declared
// (.extern), since a call of an undefined function fails only when the
// driver links the module.
package ptx

import (
	"bufio"
	"fmt"
	"regexp"
	"strings"

	"dlc.dev/dlc/artifact"
	"dlc.dev/dlc/codegen"
)

// EntryParams returns the parameter types of every .entry of ptx in order
// (".u64", ".f32"), by entry name.
func EntryParams(ptx string) map[string][]string {
	out := map[string][]string{}
	var cur string
	sc := bufio.NewScanner(strings.NewReader(ptx))
	sc.Buffer(make([]byte, 1<<20), 1<<26)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if m := entryLine.FindStringSubmatch(line); m != nil {
			cur = m[1]
			out[cur] = []string{}
			continue
		}
		if cur == "" {
			continue
		}
		if m := paramLine.FindStringSubmatch(line); m != nil {
			out[cur] = append(out[cur], m[1])
			continue
		}
		if strings.HasPrefix(line, ")") {
			cur = ""
		}
	}
	return out
}

var (
	entryLine  = regexp.MustCompile(`^\.visible \.entry ([A-Za-z_$][\w$.]*)\($`)
	paramLine  = regexp.MustCompile(`^\.param (\.[a-z0-9]+) `)
	targetLine = regexp.MustCompile(`(?m)^\.target (\S+)$`)
)

// Check checks PTX written for target t with the given entries: its .target
// is t's compute capability with 64-bit addresses, every entry is defined,
// and no function is declared extern (every function called is defined in
// the module: the device math of devmath.go).
func Check(ptx string, t codegen.Target, entries []artifact.Entry) error {
	m := targetLine.FindStringSubmatch(ptx)
	if m == nil || m[1] != t.CPU {
		got := "none"
		if m != nil {
			got = m[1]
		}
		return fmt.Errorf(".target is %s, want %s", got, t.CPU)
	}
	if !strings.Contains(ptx, "\n.address_size 64") {
		return fmt.Errorf("no .address_size 64")
	}
	defined := EntryParams(ptx)
	for _, e := range entries {
		if _, ok := defined[e.Symbol]; !ok {
			return fmt.Errorf("no .entry %s for kernel %s of %s", e.Symbol, e.Kernel, e.Function)
		}
	}
	if i := strings.Index(ptx, ".extern"); i >= 0 {
		return fmt.Errorf("the PTX declares an external function: %s", firstLine(ptx[i:]))
	}
	return nil
}

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}
