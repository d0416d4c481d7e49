// Command dlc compiles .dl model sources into artifacts and runs, inspects and
// benchmarks them. "dlc help" lists every command with its flags; "dlc CMD -h"
// shows one command.
//
//	dlc build FILE.dl [-o OUT.dla] [--cpu CPU] [--dump-dir DIR] [--precision bf16|f16] [--fp-contract off|fast] [--no-cache] [--explain-cache] [-v]
//	dlc run ART.dla FUNC --in NAME=PATH.npy[:DTYPE] ... [--set NAME=VALUE ...] [--out-f32] --out DIR
//	dlc inspect ART.dla [--json]
//	dlc ir FILE.dl [--after PASS] [--dump-dir DIR] [--explain-fusion] [--precision bf16|f16]
//	dlc bench ART.dla FUNC --dim NAME=SIZE ... [--threads N] [--alias OUT=IN] [--set NAME=VALUE] [--time D] [--json]
//	dlc verify ART.dla
//	dlc cache show|trim|clear [--cache-dir DIR] [--cache-limit SIZE]
//	dlc version
package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
)

// command is one subcommand. Every command parses its flags with
// parseInterleaved before it does anything else, so that -h answers with the
// command's flag set (see helpRequest) and runs nothing.
type command struct {
	name    string
	args    string // the positional arguments and required flags, for the usage line
	summary string
	run     func(args []string, stdout, stderr io.Writer) error
}

func commands() []command {
	return []command{
		{"build", "FILE.dl", "compile a .dl file into an artifact", runBuild},
		{"run", "ART.dla FUNC --in NAME=PATH.npy[:DTYPE] ... --out DIR", "run a function on .npy inputs, write one .npy per output", runRun},
		{"inspect", "ART.dla", "describe the functions and kernels of an artifact", runInspect},
		{"ir", "FILE.dl", "print the graph IR after a pass", runIR},
		{"bench", "ART.dla FUNC --dim NAME=SIZE ...", "time a function on generated data against its roof: the copy bandwidth or the FMA peak", runBench},
		{"verify", "ART.dla", "rebuild an artifact from the sources it records and say what differs", runVerify},
		{"cache", "show|trim|clear", "show, trim or clear the build cache", runCache},
		{"version", "", "print dlc's version and the LLVM tools it finds", runVersion},
	}
}

func main() {
	os.Exit(mainCode(os.Args[1:], os.Stdout, os.Stderr))
}

// usageError is a mistake in the command line itself.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func mainCode(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		printUsage(stderr)
		return 2
	}
	switch args[0] {
	case "-h", "-help", "--help", "help":
		if len(args) > 1 && args[0] == "help" {
			return helpFor(args[1], stdout, stderr)
		}
		printUsage(stdout)
		return 0
	}
	c, ok := findCommand(args[0])
	if !ok {
		fmt.Fprintf(stderr, "dlc: unknown command %q (commands: %s; \"dlc help\" shows usage)\n", args[0], strings.Join(commandNames(), ", "))
		return 2
	}
	err := c.run(args[1:], stdout, stderr)
	if err == nil {
		return 0
	}
	var help *helpRequest
	if errors.As(err, &help) {
		printCommandHelp(stdout, c, help)
		return 0
	}
	var ue *usageError
	if errors.As(err, &ue) {
		fmt.Fprintf(stderr, "dlc %s: %s\nusage: %s (\"dlc %s -h\" lists the flags)\n", c.name, ue.msg, usageLine(c), c.name)
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

// helpFor answers "dlc help CMD".
func helpFor(name string, stdout, stderr io.Writer) int {
	c, ok := findCommand(name)
	if !ok {
		fmt.Fprintf(stderr, "dlc help: unknown command %q (commands: %s)\n", name, strings.Join(commandNames(), ", "))
		return 2
	}
	help, err := flagsOf(c)
	if err != nil {
		fmt.Fprintf(stderr, "dlc help: %v\n", err)
		return 1
	}
	printCommandHelp(stdout, c, help)
	return 0
}

func findCommand(name string) (command, bool) {
	for _, c := range commands() {
		if c.name == name {
			return c, true
		}
	}
	return command{}, false
}

func commandNames() []string {
	var names []string
	for _, c := range commands() {
		names = append(names, c.name)
	}
	return names
}
