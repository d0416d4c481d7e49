// This file names the exact tools a build runs, cheaply: build caches key on
// it, and running `llc --version` (about 50 ms) on every cached build would
// cost more than the rest of it.
package llvmtool

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Identity describes the tools by their real paths, sizes and modification
// times, and the LLVM version: any reinstall or upgrade changes it.
func (t *Tools) Identity() string {
	parts := []string{fmt.Sprintf("LLVM %d", t.LLVM)}
	for _, p := range []string{t.Opt, t.LLC, t.Linker} {
		parts = append(parts, FileIdentity(p))
	}
	return strings.Join(parts, "; ")
}

// FileIdentity is "path (size bytes, modified time)" of the file a path
// resolves to.
func FileIdentity(p string) string {
	if real, err := filepath.EvalSymlinks(p); err == nil {
		p = real
	}
	info, err := os.Stat(p)
	if err != nil {
		return p + " (" + err.Error() + ")"
	}
	return fmt.Sprintf("%s (%d bytes, modified %s)", p, info.Size(), info.ModTime().UTC().Format(time.RFC3339Nano))
}
