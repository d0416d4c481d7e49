// This file tests that Compile never panics: on truncated programs, and on
// whatever the fuzzer derives from the repository's sources.
package frontend

import (
	"errors"
	"os"
	"sort"
	"testing"
	"testing/fstest"
	"time"

	"dlc.dev/dlc/ir"
)

// compileQuietly compiles src with no relative imports available and fails
// the test on an internal error or invalid IR.
func compileQuietly(t *testing.T, name string, src []byte) {
	t.Helper()
	noFiles := func(string) ([]byte, error) { return nil, os.ErrNotExist }
	m, err := Compile(name, src, Options{ReadFile: noFiles, Stdlib: fstest.MapFS{}})
	var internal *InternalError
	if errors.As(err, &internal) {
		t.Fatalf("%s: %v\n%s", name, err, internal.Stack)
	}
	if err == nil {
		if verr := ir.Verify(m); verr != nil {
			t.Fatalf("%s: invalid IR: %v", name, verr)
		}
	}
}

func TestCompileTruncated(t *testing.T) {
	srcs := sources(t)
	names := make([]string, 0, len(srcs))
	for name := range srcs {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		src := srcs[name]
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			for n := 0; n < len(src); n += max(1, len(src)/25) {
				compileQuietly(t, name, src[:n])
			}
		})
	}
}

func FuzzCompile(f *testing.F) {
	for _, src := range sources(f) {
		f.Add(src)
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		start := time.Now()
		compileQuietly(t, "fuzz.dl", src)
		if d := time.Since(start); d > time.Second {
			t.Fatalf("compiling %d bytes took %v", len(src), d)
		}
	})
}
