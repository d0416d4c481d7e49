// This file tests the command line itself: help for every command, the
// top-level usage, usage errors and `dlc version`, without compiling anything.
package main

import (
	"bytes"
	"errors"
	"flag"
	"runtime/debug"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"dlc.dev/dlc/codegen/llvmtool"
)

// call runs the command line in-process and returns stdout, stderr and the exit code.
func call(args ...string) (string, string, int) {
	var out, errb bytes.Buffer
	code := mainCode(args, &out, &errb)
	return out.String(), errb.String(), code
}

// flagNames lists a command's flags as a user types them.
func flagNames(t *testing.T, c command) []string {
	t.Helper()
	help, err := flagsOf(c)
	require.NoError(t, err)
	var names []string
	help.fs.VisitAll(func(f *flag.Flag) {
		if len(f.Name) == 1 {
			names = append(names, "-"+f.Name)
		} else {
			names = append(names, "--"+f.Name)
		}
	})
	return names
}

func TestHelpOfEveryCommand(t *testing.T) {
	for _, c := range commands() {
		for _, h := range []string{"-h", "--help", "-help"} {
			stdout, stderr, code := call(c.name, h)
			require.Equal(t, 0, code, "dlc %s %s: %s", c.name, h, stderr)
			require.Empty(t, stderr, "dlc %s %s", c.name, h)
			require.True(t, strings.HasPrefix(stdout, "usage: dlc "+c.name), "dlc %s %s printed:\n%s", c.name, h, stdout)
			require.Contains(t, stdout, upperFirst(c.summary))
			for _, name := range flagNames(t, c) {
				require.Contains(t, stdout, "\n  "+name+" ", "dlc %s %s does not list %s:\n%s", c.name, h, name, stdout)
			}
		}
		// Help wins over arguments and other flags, wherever it comes.
		stdout, _, code := call(c.name, "x.dl", "-h")
		require.Equal(t, 0, code)
		require.True(t, strings.HasPrefix(stdout, "usage: dlc "+c.name), stdout)
		viaHelp, _, code := call("help", c.name)
		require.Equal(t, 0, code)
		require.Equal(t, stdout, viaHelp, "dlc help %s differs from dlc %s -h", c.name, c.name)
	}
}

func TestHelpListsTheFlagsWithTheirArguments(t *testing.T) {
	want := map[string][]string{
		"build":   {"-o OUT.dla", "--cpu CPU", "--dump-dir DIR", "--precision P", "--fp-contract MODE", "--cache-dir DIR", "--cache-limit SIZE", "--no-cache", "--explain-cache", "-v"},
		"cache":   {"--cache-dir DIR", "--cache-limit SIZE"},
		"run":     {"--in NAME=PATH.npy[:DTYPE]", "--set NAME=VALUE", "--out DIR", "--out-f32", "--threads N"},
		"inspect": {"--json", "--dim NAME=SIZE", "--balance OPS/BYTE"},
		"ir":      {"--after PASS", "--dump-dir DIR", "--explain-fusion"},
		"bench":   {"--dim NAME=SIZE", "--alias OUT=IN", "--set NAME=VALUE", "--time DURATION", "--threads N", "--json"},
	}
	for name, flags := range want {
		stdout, _, code := call(name, "--help")
		require.Equal(t, 0, code)
		for _, f := range flags {
			require.Contains(t, stdout, "  "+f+" ", "dlc %s --help", name)
		}
	}
	stdout, _, _ := call("bench", "-h")
	require.Contains(t, stdout, "(default 1s)", "a non-zero default is shown")
}

func TestTopLevelUsageListsEveryFlag(t *testing.T) {
	for _, args := range [][]string{{"help"}, {"-h"}, {"--help"}} {
		stdout, stderr, code := call(args...)
		require.Equal(t, 0, code)
		require.Empty(t, stderr)
		for _, c := range commands() {
			require.Contains(t, stdout, "\n  "+c.name+" ", "command %s", c.name)
			require.Contains(t, stdout, usageLine(c))
			for _, name := range flagNames(t, c) {
				// Each command's block lists its own flags.
				block := stdout[strings.Index(stdout, "\n  "+c.name+" "):]
				if next := strings.Index(block[1:], "\n\n"); next > 0 {
					block = block[:next+1]
				}
				require.Contains(t, block, " "+name+" ", "the usage of %s does not list %s", c.name, name)
			}
		}
		for _, f := range []string{"--alias", "--set", "--time", "--dim", "--in", "--out", "--threads", "--json", "--cpu", "--dump-dir", "--after", "--explain-fusion"} {
			require.Contains(t, stdout, " "+f+" ")
		}
	}
}

func TestNoArgumentsIsAUsageError(t *testing.T) {
	stdout, stderr, code := call()
	require.Equal(t, 2, code)
	require.Empty(t, stdout)
	require.Contains(t, stderr, "usage: dlc COMMAND")
}

func TestUsageErrors(t *testing.T) {
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"bogus"}, `unknown command "bogus"`},
		{[]string{"help", "bogus"}, `unknown command "bogus"`},
		{[]string{"build", "--bogus", "x.dl"}, "flag provided but not defined: -bogus"},
		{[]string{"build"}, "need exactly one .dl file"},
		{[]string{"build", "x.txt"}, "x.txt: not a .dl file"},
		{[]string{"build", "x.dl", "-fp-contract", "fused"}, `-fp-contract "fused": floating-point contraction is off (the default) or fast`},
		{[]string{"run", "a.dla"}, "need an artifact and a function name"},
		{[]string{"bench", "a.dla", "f", "--time", "soon"}, `invalid value "soon" for flag -time`},
		{[]string{"run", "a.dla", "f", "--set", "lr"}, `"lr" is not NAME=VALUE`},
		{[]string{"version", "extra"}, `version takes no arguments, got "extra"`},
	}
	for _, tc := range cases {
		stdout, stderr, code := call(tc.args...)
		require.Equal(t, 2, code, "%v: %s", tc.args, stderr)
		require.Empty(t, stdout, "%v", tc.args)
		require.Contains(t, stderr, tc.want, "%v", tc.args)
	}
	_, stderr, _ := call("build")
	require.Contains(t, stderr, "usage: dlc build FILE.dl [flags]")
	require.Contains(t, stderr, `"dlc build -h" lists the flags`)
}

func TestVersionCommand(t *testing.T) {
	stdout, stderr, code := call("version")
	require.Equal(t, 0, code, stderr)
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	require.Len(t, lines, 4, stdout)
	require.True(t, strings.HasPrefix(lines[0], "dlc "), stdout)
	require.True(t, strings.HasPrefix(lines[1], "commit "), stdout)
	require.True(t, strings.HasPrefix(lines[2], "built with go1."), stdout)
	require.True(t, strings.HasPrefix(lines[3], "LLVM "), stdout)
	if tools, err := llvmtool.FindTools(); err == nil {
		require.Contains(t, lines[3], tools.LLC)
	}
}

func TestVersionText(t *testing.T) {
	bi := &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Path: "dlc.dev/dlc", Version: "v0.3.0"},
		Settings: []debug.BuildSetting{
			{Key: "vcs.revision", Value: "0123456789abcdef"},
			{Key: "vcs.time", Value: "2026-01-02T03:04:05Z"},
			{Key: "vcs.modified", Value: "true"},
		}}
	tools := &llvmtool.Tools{LLC: "/usr/bin/llc-14", Opt: "/usr/bin/opt-14", Linker: "/usr/bin/gcc", LLVM: 14}
	require.Equal(t, "dlc v0.3.0\n"+
		"commit 0123456789abcdef (2026-01-02T03:04:05Z), with uncommitted changes\n"+
		"built with go1.26.8\n"+
		"LLVM 14: llc /usr/bin/llc-14, opt /usr/bin/opt-14, linker /usr/bin/gcc\n",
		versionText(bi, tools, nil))

	got := versionText(&debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "(devel)"}}, nil, errors.New("llc not found in PATH"))
	require.Contains(t, got, "dlc (devel)\n")
	require.Contains(t, got, "commit unknown: built without VCS information")
	require.Contains(t, got, "LLVM not usable: llc not found in PATH\n")

	require.Contains(t, versionText(nil, tools, nil), "dlc (unknown)\n")
}
