// Command dlc compiles .dl model sources into artifacts and runs, inspects and
// benchmarks them.
//
//	dlc build FILE.dl [-o OUT.dla] [-cpu x86-64-v3] [-dump-dir DIR]
//	dlc run ART.dla FUNC --in NAME=PATH.npy ... [--set NAME=VALUE ...] --out DIR
//	dlc inspect ART.dla [--json]
//	dlc ir FILE.dl [--after PASS] [--dump-dir DIR] [--explain-fusion]
//	dlc bench ART.dla FUNC --dim NAME=SIZE ... [--threads N] [--json]
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
)

// command is one subcommand.
type command struct {
	name, usage, summary string
	run                  func(args []string, stdout, stderr io.Writer) error
}

func commands() []command {
	return []command{
		{"build", "dlc build FILE.dl [-o OUT.dla] [-cpu CPU] [-dump-dir DIR]", "compile a .dl file into an artifact", runBuild},
		{"run", "dlc run ART.dla FUNC --in NAME=PATH.npy ... [--set NAME=VALUE ...] --out DIR", "run a function on .npy inputs", runRun},
		{"inspect", "dlc inspect ART.dla [--json]", "describe the functions and kernels of an artifact", runInspect},
		{"ir", "dlc ir FILE.dl [--after PASS] [--dump-dir DIR] [--explain-fusion]", "print the graph IR after a pass", runIR},
		{"bench", "dlc bench ART.dla FUNC --dim NAME=SIZE ... [--threads N] [--json]", "time a function on generated data", runBench},
	}
}

func main() {
	os.Exit(mainCode(os.Args[1:], os.Stdout, os.Stderr))
}

// usageError is a mistake in the command line itself.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func mainCode(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		printUsage(stderr)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	for _, c := range commands() {
		if c.name != args[0] {
			continue
		}
		err := c.run(args[1:], stdout, stderr)
		if err == nil {
			return 0
		}
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		var ue *usageError
		if errors.As(err, &ue) {
			fmt.Fprintf(stderr, "dlc %s: %s\nusage: %s\n", c.name, ue.msg, c.usage)
			return 2
		}
		msg := err.Error()
		if strings.Contains(strings.SplitN(msg, "\n", 2)[0], ".dl:") {
			fmt.Fprintln(stderr, msg) // positioned errors speak for themselves
		} else {
			fmt.Fprintf(stderr, "dlc %s: %s\n", c.name, msg)
		}
		return 1
	}
	var names []string
	for _, c := range commands() {
		names = append(names, c.name)
	}
	fmt.Fprintf(stderr, "dlc: unknown command %q (commands: %s; \"dlc help\" shows usage)\n", args[0], strings.Join(names, ", "))
	return 2
}

func printUsage(w io.Writer) {
	fmt.Fprintln(w, "dlc compiles .dl model sources into fused native kernels.\n\nCommands:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-8s %s\n           %s\n", c.name, c.summary, c.usage)
	}
}

// parseInterleaved parses flags that may come before, between or after positional arguments.
func parseInterleaved(fs *flag.FlagSet, args []string) ([]string, error) {
	fs.SetOutput(io.Discard)
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, err
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
