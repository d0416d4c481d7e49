// This file checks what Run returns and how a failed run reads.
package llvmtool

import (
	"context"
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
