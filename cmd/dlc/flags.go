// This file parses command lines and prints help: flags may come before,
// between or after positional arguments, and -h/--help on any command prints
// that command's usage and flags from the same flag set it parses with.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"sort"
	"strings"
)

// helpRequest is returned by a command given -h or --help: fs holds the
// command's flags, which the caller prints.
type helpRequest struct{ fs *flag.FlagSet }

func (h *helpRequest) Error() string { return "help requested" }

// parseInterleaved parses flags that may come before, between or after positional arguments.
func parseInterleaved(fs *flag.FlagSet, args []string) ([]string, error) {
	fs.SetOutput(io.Discard)
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, &helpRequest{fs}
			}
			return nil, &usageError{err.Error()}
		}
		if fs.NArg() == 0 {
			return pos, nil
		}
		pos = append(pos, fs.Arg(0))
		args = fs.Args()[1:]
	}
}

// flagsOf returns a command's flag set by asking the command for help: it
// parses its flags before doing anything else, so nothing runs.
func flagsOf(c command) (*helpRequest, error) {
	err := c.run([]string{"-h"}, io.Discard, io.Discard)
	var help *helpRequest
	if !errors.As(err, &help) {
		return nil, fmt.Errorf("dlc %s does not answer -h with its flags (got %v)", c.name, err)
	}
	return help, nil
}

// usageLine is "dlc NAME ARGS [flags]".
func usageLine(c command) string {
	parts := []string{"dlc", c.name}
	if c.args != "" {
		parts = append(parts, c.args)
	}
	if help, err := flagsOf(c); err == nil && hasFlags(help.fs) {
		parts = append(parts, "[flags]")
	}
	return strings.Join(parts, " ")
}

func hasFlags(fs *flag.FlagSet) bool {
	n := 0
	fs.VisitAll(func(*flag.Flag) { n++ })
	return n > 0
}

// printUsage prints every command with its flags.
func printUsage(w io.Writer) {
	fmt.Fprintln(w, "dlc compiles .dl model sources into fused native kernels.")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "usage: dlc COMMAND ARGS [flags]; flags may come before, between or after the")
	fmt.Fprintln(w, "arguments, with one or two dashes. \"dlc COMMAND -h\" shows one command.")
	for _, c := range commands() {
		fmt.Fprintf(w, "\n  %-8s %s\n", c.name, c.summary)
		fmt.Fprintf(w, "           %s\n", usageLine(c))
		if help, err := flagsOf(c); err == nil {
			printFlags(w, help.fs, "             ")
		}
	}
	fmt.Fprintln(w, "\nThe language: docs/language.md. The math of the standard library: docs/MATH.md.")
}

// printCommandHelp prints one command's usage, summary and flags.
func printCommandHelp(w io.Writer, c command, help *helpRequest) {
	fmt.Fprintf(w, "usage: %s\n\n%s.\n", usageLine(c), upperFirst(c.summary))
	if hasFlags(help.fs) {
		fmt.Fprintln(w, "\nflags (one or two dashes; before, between or after the arguments):")
		printFlags(w, help.fs, "  ")
	}
}

// printFlags lists a flag set, one flag per line in name order: "--name VALUE
// description (default D)". A usage text names its argument first, in
// backquotes: "`DIR`: write the IR there" prints as "--dump-dir DIR  write the
// IR there". Single-letter flags print with one dash.
func printFlags(w io.Writer, fs *flag.FlagSet, indent string) {
	type line struct{ name, usage string }
	var lines []line
	width := 0
	fs.VisitAll(func(f *flag.Flag) {
		arg, usage := flag.UnquoteUsage(f)
		usage = strings.TrimPrefix(usage, arg+": ") // "`DIR`: write there" names its argument first
		name := "--" + f.Name
		if len(f.Name) == 1 {
			name = "-" + f.Name
		}
		if arg != "" {
			name += " " + arg
		}
		if d := f.DefValue; d != "" && d != "0" && d != "false" && !strings.Contains(usage, "default") {
			usage += fmt.Sprintf(" (default %s)", d)
		}
		lines = append(lines, line{name, usage})
		width = max(width, len(name))
	})
	sort.Slice(lines, func(i, j int) bool {
		return strings.TrimLeft(lines[i].name, "-") < strings.TrimLeft(lines[j].name, "-")
	})
	for _, l := range lines {
		fmt.Fprintf(w, "%s%-*s  %s\n", indent, width, l.name, l.usage)
	}
}

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// pairs is a repeatable NAME=VALUE flag.
type pairs struct {
	keys, vals []string
}

func (p *pairs) String() string { return strings.Join(p.keys, ",") }

func (p *pairs) Set(s string) error {
	k, v, ok := strings.Cut(s, "=")
	if !ok || k == "" {
		return fmt.Errorf("%q is not NAME=VALUE", s)
	}
	for _, old := range p.keys {
		if old == k {
			return fmt.Errorf("%s given twice", k)
		}
	}
	p.keys, p.vals = append(p.keys, k), append(p.vals, v)
	return nil
}
