// This file runs an external tool and turns its failure into an error that
// says which tool failed and what it printed.
package llvmtool

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
)

// Run runs a program with stdin and returns its stdout.
func Run(ctx context.Context, tool string, args []string, stdin string) (string, error) {
	cmd := exec.CommandContext(ctx, tool, args...)
	cmd.Stdin = strings.NewReader(stdin)
	var out, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &stderr
	if err := cmd.Run(); err != nil {
		return "", ToolError(tool, err, stderr.String())
	}
	return out.String(), nil
}

// ToolError describes a failed tool run, with the start of what it printed.
func ToolError(tool string, err error, stderr string) error {
	const max = 2000
	stderr = strings.TrimSpace(stderr)
	if len(stderr) > max {
		stderr = stderr[:max] + "..."
	}
	var ee *exec.ExitError
	if stderr == "" || !errors.As(err, &ee) {
		return fmt.Errorf("%s: %w", filepath.Base(tool), err)
	}
	return fmt.Errorf("%s: %w: %s", filepath.Base(tool), err, stderr)
}
