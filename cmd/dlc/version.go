// This file implements `dlc version`: dlc's version from the build
// information Go stamps into the binary (module version, VCS revision and
// time), and the LLVM tools that `dlc build` would run.
package main

import (
	"flag"
	"fmt"
	"io"
	"runtime/debug"
	"strings"

	"dlc.dev/dlc/codegen/llvmtool"
)

func runVersion(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("version", flag.ContinueOnError)
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 0 {
		return &usageError{fmt.Sprintf("version takes no arguments, got %q", strings.Join(pos, " "))}
	}
	bi, _ := debug.ReadBuildInfo()
	tools, toolsErr := llvmtool.FindTools()
	_, err = io.WriteString(stdout, versionText(bi, tools, toolsErr))
	return err
}

// versionText describes a build: its module version, the VCS revision and
// time when the binary carries them, the Go toolchain, and the LLVM tools
// found (or why none were).
func versionText(bi *debug.BuildInfo, tools *llvmtool.Tools, toolsErr error) string {
	var b strings.Builder
	version, goVersion := "(unknown)", "(unknown)"
	settings := map[string]string{}
	if bi != nil {
		if bi.Main.Version != "" {
			version = bi.Main.Version
		}
		goVersion = bi.GoVersion
		for _, s := range bi.Settings {
			settings[s.Key] = s.Value
		}
	}
	fmt.Fprintf(&b, "dlc %s\n", version)
	if rev := settings["vcs.revision"]; rev != "" {
		fmt.Fprintf(&b, "commit %s", rev)
		if t := settings["vcs.time"]; t != "" {
			fmt.Fprintf(&b, " (%s)", t)
		}
		if settings["vcs.modified"] == "true" {
			b.WriteString(", with uncommitted changes")
		}
		b.WriteString("\n")
	} else {
		b.WriteString("commit unknown: built without VCS information (go build -buildvcs=false, or outside a git checkout; make build stamps it)\n")
	}
	fmt.Fprintf(&b, "built with %s\n", goVersion)
	if toolsErr != nil {
		fmt.Fprintf(&b, "LLVM not usable: %v\n", toolsErr)
	} else {
		fmt.Fprintf(&b, "LLVM %d: llc %s, opt %s, linker %s\n", tools.LLVM, tools.LLC, tools.Opt, tools.Linker)
	}
	return b.String()
}
