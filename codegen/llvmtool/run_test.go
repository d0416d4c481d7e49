// This file checks what Run returns, how a failed run reads, and reading
// the host CPU from llc.
package llvmtool

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestRun(t *testing.T) {
	out, err := Run(context.Background(), "sh", []string{"-c", "tr a-z A-Z"}, "ir text")
	if err != nil || out != "IR TEXT" {
		t.Fatalf("Run = %q, %v", out, err)
	}
	_, err = Run(context.Background(), "/bin/sh", []string{"-c", "echo 'bad input' >&2; exit 3"}, "")
	if err == nil || err.Error() != "sh: exit status 3: bad input" {
		t.Fatalf("Run error = %v, want the tool's base name, exit status and stderr", err)
	}
	long := strings.Repeat("x", 3000)
	_, err = Run(context.Background(), "sh", []string{"-c", "echo " + long + " >&2; exit 1"}, "")
	if err == nil || !strings.HasSuffix(err.Error(), "...") || len(err.Error()) > 2100 {
		t.Fatalf("a long stderr is not cut: %d bytes", len(err.Error()))
	}
}

func TestHostCPU(t *testing.T) {
	dir := t.TempDir()
	script := func(name, text string) *Tools {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte("#!/bin/sh\nprintf '"+text+"'\n"), 0o755); err != nil {
			t.Fatal(err)
		}
		return &Tools{LLC: path}
	}
	got, err := HostCPU(context.Background(), script("llc", "Debian LLVM version 14.0.6\\n  Optimized build.\\n  Default target: x86_64-pc-linux-gnu\\n  Host CPU: znver3\\n"))
	if err != nil || got != "znver3" {
		t.Errorf("HostCPU = %q, %v", got, err)
	}
	if _, err := HostCPU(context.Background(), script("llc-old", "LLVM version 14\\n")); err == nil || !strings.Contains(err.Error(), "does not name the host CPU") {
		t.Errorf("no Host CPU line: %v", err)
	}
}
