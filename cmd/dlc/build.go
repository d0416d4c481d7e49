// This file implements `dlc build`, `dlc ir` and `dlc inspect`.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"dlc.dev/dlc/artifact"
	"dlc.dev/dlc/codegen"
	"dlc.dev/dlc/compiler"
	"dlc.dev/dlc/ir"
)

func runBuild(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("build", flag.ContinueOnError)
	out := fs.String("o", "", "output artifact (default: FILE.dla next to the source)")
	cpu := fs.String("cpu", "", "CPU to build for: "+strings.Join(codegen.CPUs(), ", ")+" (default "+codegen.DefaultCPU+"; native: this machine)")
	dumpDir := fs.String("dump-dir", "", "write the IR after every pass, and the LLVM IR before and after opt (kernels.ll, kernels.opt.ll), into this directory")
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return &usageError{"need exactly one .dl file"}
	}
	src := pos[0]
	if !strings.HasSuffix(src, ".dl") {
		return &usageError{fmt.Sprintf("%s: not a .dl file", src)}
	}
	dst := *out
	if dst == "" {
		dst = strings.TrimSuffix(src, ".dl") + ".dla"
	}
	man, err := compiler.BuildFile(context.Background(), src, dst, compiler.Options{CPU: *cpu, DumpDir: *dumpDir})
	if err != nil {
		return err
	}
	if *cpu == codegen.Native {
		fmt.Fprintf(stderr, "dlc build: -cpu native is %s on this machine (needs %s)\n", man.CPU, strings.Join(man.CPUFeatures, " "))
	}
	return nil
}

func runIR(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("ir", flag.ContinueOnError)
	after := fs.String("after", "", "stop after this pass (default: the whole pipeline)")
	dumpDir := fs.String("dump-dir", "", "write the IR after every pass into this directory")
	explain := fs.Bool("explain-fusion", false, "print every fusion decision with its reason")
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return &usageError{"need exactly one .dl file"}
	}
	src, err := os.ReadFile(pos[0])
	if err != nil {
		return err
	}
	var lines []string
	opt := compiler.Options{DumpDir: *dumpDir}
	if *explain {
		opt.Explain = func(l string) { lines = append(lines, l) }
	}
	m, err := compiler.Lower(pos[0], src, opt, *after)
	if err != nil {
		return err
	}
	for _, l := range lines {
		fmt.Fprintln(stdout, "// fusion: "+l)
	}
	_, err = io.WriteString(stdout, ir.Print(m))
	return err
}

// inspectJSON is what `dlc inspect --json` prints for one function.
type inspectJSON struct {
	Name    string            `json:"name"`
	Pos     string            `json:"pos"`
	Inputs  []artifact.Tensor `json:"inputs"`
	Scalars []artifact.Scalar `json:"scalars"`
	Outputs []artifact.Tensor `json:"outputs"`
	Kernels int               `json:"kernels"`
	Launch  []artifact.Kernel `json:"launch"`
}

func runInspect(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("inspect", flag.ContinueOnError)
	asJSON := fs.Bool("json", false, "print JSON")
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return &usageError{"need exactly one artifact"}
	}
	man, _, err := artifact.ReadFile(pos[0])
	if err != nil {
		return err
	}
	if *asJSON {
		out := struct {
			FormatVersion int           `json:"format_version"`
			Source        string        `json:"source"`
			Triple        string        `json:"triple"`
			CPU           string        `json:"cpu"`
			CPUFeatures   []string      `json:"cpu_features"`
			ContentHash   string        `json:"content_hash"`
			Functions     []inspectJSON `json:"functions"`
		}{man.FormatVersion, man.Source, man.Triple, man.CPU, man.CPUFeatures, man.ContentHash, nil}
		for _, f := range man.Functions {
			out.Functions = append(out.Functions, inspectJSON{f.Name, f.Pos, nonNil(f.Inputs), nonNilS(f.Scalars), nonNil(f.Outputs), len(f.Kernels), f.Kernels})
		}
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(out)
	}
	fmt.Fprintf(stdout, "artifact %s (format %d, from %s)\ntarget %s, cpu %s, needs %s\n", pos[0], man.FormatVersion, man.Source, man.Triple, man.CPU, strings.Join(man.CPUFeatures, " "))
	for _, f := range man.Functions {
		fmt.Fprintf(stdout, "\nfunc %s  (%s)\n", f.Name, f.Pos)
		for _, t := range f.Inputs {
			fmt.Fprintf(stdout, "  in     %-12s %s[%s]\n", t.Name, t.DType, strings.Join(t.Shape, ","))
		}
		for _, s := range f.Scalars {
			def := "required"
			if s.Default != nil {
				def = fmt.Sprintf("= %g", *s.Default)
			}
			fmt.Fprintf(stdout, "  scalar %-12s %s %s\n", s.Name, s.DType, def)
		}
		for _, t := range f.Outputs {
			fmt.Fprintf(stdout, "  out    %-12s %s[%s]\n", t.Name, t.DType, strings.Join(t.Shape, ","))
		}
		fmt.Fprintf(stdout, "  kernels: %d\n", len(f.Kernels))
		for _, k := range f.Kernels {
			var bufs []string
			for _, b := range k.Buffers {
				mode := "r"
				if b.Writes {
					mode = "w"
				}
				bufs = append(bufs, fmt.Sprintf("%s:%s", b.Name, mode))
			}
			fmt.Fprintf(stdout, "    %s over [%s]: %s\n", k.Symbol, strings.Join(k.Domain, ","), strings.Join(bufs, " "))
		}
	}
	return nil
}

func nonNil(ts []artifact.Tensor) []artifact.Tensor {
	if ts == nil {
		return []artifact.Tensor{}
	}
	return ts
}

func nonNilS(ss []artifact.Scalar) []artifact.Scalar {
	if ss == nil {
		return []artifact.Scalar{}
	}
	return ss
}
