// This file implements `dlc build`, `dlc ir` and `dlc inspect`.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"dlc.dev/dlc/artifact"
	"dlc.dev/dlc/codegen"
	"dlc.dev/dlc/compiler"
	"dlc.dev/dlc/ir"
)

func runBuild(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("build", flag.ContinueOnError)
	out := fs.String("o", "", "`OUT.dla`: write the artifact there (default: FILE.dla next to the source)")
	cpu := fs.String("cpu", "", "`CPU`: the CPU to build for, one of "+strings.Join(codegen.CPUs(), ", ")+" (default "+codegen.DefaultCPU+"; native: this machine); the runtime checks its features before loading")
	target := fs.String("target", "cpu", "`TARGET`: cpu, or cuda[:sm_XX] for PTX beside the CPU code (sm_XX one of "+strings.Join(codegen.SMs(), ", ")+"; default "+codegen.DefaultSM+", which the driver JIT-compiles for newer GPUs; sm_90 needs LLVM 16 or newer)")
	dumpDir := fs.String("dump-dir", "", "`DIR`: write the IR after every pass there, and the LLVM IR before and after opt (kernels.ll, kernels.opt.ll; kernels.ptx.ll for a GPU); the build cache is not used")
	prec := fs.String("precision", "off", precisionUsage)
	contract := fs.String("fp-contract", "off", fpContractUsage)
	cf := addCacheFlags(fs)
	noCache := fs.Bool("no-cache", false, "neither look in the build cache nor store the artifact there")
	explainCache := fs.Bool("explain-cache", false, "say whether the artifact came from the build cache, and if not, which input changed (the source, an import, the compiler, LLVM, the target or a flag)")
	verbose := fs.Bool("v", false, "print the phases of the build and their times (printed anyway on a terminal when the build takes more than a second)")
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	low, err := compiler.ParsePrecision(*prec)
	if err != nil {
		return &usageError{err.Error()}
	}
	fpc, err := codegen.ParseFPContract(*contract)
	if err != nil {
		return &usageError{err.Error()}
	}
	if len(pos) != 1 {
		return &usageError{"need exactly one .dl file"}
	}
	kind, sm, err := codegen.ParseTarget(*target)
	if err != nil {
		return &usageError{err.Error()}
	}
	gpu := ""
	if kind == codegen.CUDA {
		gpu = sm
	}
	src := pos[0]
	if !strings.HasSuffix(src, ".dl") {
		return &usageError{fmt.Sprintf("%s: not a .dl file", src)}
	}
	dst := *out
	if dst == "" {
		dst = strings.TrimSuffix(src, ".dl") + ".dla"
	}
	opt := compiler.Options{CPU: *cpu, GPU: gpu, DumpDir: *dumpDir, Precision: low, FPContract: fpc}
	if !*noCache {
		if opt.Cache, err = cf.open(); err != nil {
			return err
		}
	}
	if *explainCache {
		opt.ExplainCache = func(l string) { fmt.Fprintln(stderr, "dlc build: cache: "+l) }
	}
	var phases phaseLog
	opt.Phase = phases.add
	start := time.Now()
	man, err := compiler.BuildFile(context.Background(), src, dst, opt)
	if *verbose || (time.Since(start) > time.Second && isTerminal(stderr)) {
		phases.print(stderr, time.Since(start))
	}
	if err != nil {
		return err
	}
	if t := man.Target(artifact.TargetCPU); *cpu == codegen.Native && t != nil {
		fmt.Fprintf(stderr, "dlc build: -cpu native is %s on this machine (needs %s)\n", t.Arch, strings.Join(t.Features, " "))
	}
	return nil
}

// precisionUsage documents -precision of dlc build and dlc ir.
const precisionUsage = "`P`: mixed precision, bf16 or f16: contractions read 16-bit copies of their operands and accumulate in f32, " +
	"everything else stays f32 (docs/MATH.md §4); off compiles the program as written"

// fpContractUsage documents -fp-contract of dlc build.
const fpContractUsage = "`MODE`: floating-point contraction, off or fast. fast lets LLVM fuse a multiply and an add into one fused multiply-add (FMA) " +
	"where the CPU has FMA (and on the GPU): fewer roundings and faster multiply-adds, but results then differ from the reference interpreter " +
	"by up to one rounding per fused pair (a sign() or comparison of such a result may flip where it is that close to 0); " +
	"the bits are still deterministic and the same for any thread count. off, the default, rounds every operation where the source does (docs/MATH.md §0)"

func runIR(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("ir", flag.ContinueOnError)
	after := fs.String("after", "", "`PASS`: print the IR after this pass (default: after the whole pipeline)")
	dumpDir := fs.String("dump-dir", "", "`DIR`: also write the IR after every pass there")
	explain := fs.Bool("explain-fusion", false, "print every fusion decision with its reason")
	prec := fs.String("precision", "off", precisionUsage)
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	low, err := compiler.ParsePrecision(*prec)
	if err != nil {
		return &usageError{err.Error()}
	}
	if len(pos) != 1 {
		return &usageError{"need exactly one .dl file"}
	}
	src, err := os.ReadFile(pos[0])
	if err != nil {
		return err
	}
	var lines []string
	opt := compiler.Options{DumpDir: *dumpDir, Precision: low}
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

// inspectJSON is what `dlc inspect --json` prints.
type inspectJSON struct {
	FormatVersion int                 `json:"format_version"`
	Source        string              `json:"source"`
	ContentHash   string              `json:"content_hash"`
	Build         *artifact.BuildInfo `json:"build,omitempty"`
	Targets       []artifact.Target   `json:"targets"`
	Sections      []artifact.Section  `json:"sections"`
	Functions     []inspectFunc       `json:"functions"`
}

// inspectFunc is one function in `dlc inspect --json`.
type inspectFunc struct {
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
	asJSON := fs.Bool("json", false, "print the description as JSON")
	var dimFlags pairs
	fs.Var(&dimFlags, "dim", "`NAME=SIZE`: the size of symbolic dimension NAME, to evaluate each kernel's roofline (repeatable)")
	balance := fs.Float64("balance", 0, "`OPS/BYTE`: the machine balance (peak operations per second over memory bandwidth) that decides which roof bounds a kernel (default: the one dlc bench last measured here, kept in the build cache)")
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return &usageError{"need exactly one artifact"}
	}
	dims, err := parseDims(dimFlags)
	if err != nil {
		return err
	}
	if *balance < 0 {
		return &usageError{fmt.Sprintf("--balance %g: not a positive ratio", *balance)}
	}
	man, secs, err := artifact.ReadFile(pos[0])
	if err != nil {
		return err
	}
	if *asJSON {
		out := inspectJSON{man.FormatVersion, man.Source, man.ContentHash, man.Build, nonNilT(man.Targets), man.Sections, []inspectFunc{}}
		for _, f := range man.Functions {
			out.Functions = append(out.Functions, inspectFunc{f.Name, f.Pos, nonNil(f.Inputs), nonNilS(f.Scalars), nonNil(f.Outputs), len(f.Kernels), f.Kernels})
		}
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(out)
	}
	ro := roofOptions{dims: dims, balance: *balance}
	if ro.balance == 0 {
		ro.balance, ro.source = savedBalance()
	}
	printManifest(stdout, pos[0], man, ro, recordedText(man, secs))
	return nil
}

// printManifest prints what `dlc inspect` shows: the target sections, then every
// function with its signature and kernels, each kernel with its entry on every target.
func printManifest(w io.Writer, path string, man *artifact.Manifest, ro roofOptions, src ir.Sources) {
	fmt.Fprintf(w, "artifact %s (format %d, from %s)\n", path, man.FormatVersion, man.Source)
	if b := man.Build; b != nil {
		cpu := b.CPU
		if cpu == "" {
			cpu = "default"
		}
		if b.GPU != "" {
			cpu += ", -target cuda:" + b.GPU
		}
		fmt.Fprintf(w, "built by dlc %s with %s, -cpu %s; dlc verify rebuilds it\n", b.DLC, strings.Join(b.Tools, ", "), cpu)
		for _, f := range b.Sources {
			fmt.Fprintf(w, "source %s  sha256 %s  (section %s)\n", f.Name, f.SHA256, f.Section)
		}
	}
	size := map[string]int64{}
	for _, s := range man.Sections {
		size[s.Name] = s.Size
	}
	for _, t := range man.Targets {
		needs := "nothing"
		if len(t.Features) > 0 {
			needs = strings.Join(t.Features, " ")
		}
		contract := ""
		if t.FPContract != "" {
			contract = "; fp-contract: " + t.FPContract
		}
		if t.Parallel != "" {
			contract += "; threads: an OpenMP team (libgomp) through " + t.Parallel
		}
		fmt.Fprintf(w, "target %s: %s, %s, needs %s; %d bytes of code in section %s%s\n", t.Kind, t.Triple, t.Arch, needs, size[t.Section], t.Section, contract)
	}
	for _, f := range man.Functions {
		fmt.Fprintf(w, "\nfunc %s  (%s)\n", f.Name, f.Pos)
		for _, t := range f.Inputs {
			fmt.Fprintf(w, "  in     %-12s %s[%s]%s\n", t.Name, t.DType, strings.Join(t.Shape, ","), initNote(t.Init))
		}
		for _, s := range f.Scalars {
			def := "required"
			if s.Default != nil {
				def = fmt.Sprintf("= %g", *s.Default)
			}
			fmt.Fprintf(w, "  scalar %-12s %s %s\n", s.Name, s.DType, def)
		}
		for _, t := range f.Outputs {
			upd := ""
			if t.Updates != "" {
				upd = " (updates " + t.Updates + ")"
			}
			fmt.Fprintf(w, "  out    %-12s %s[%s]%s\n", t.Name, t.DType, strings.Join(t.Shape, ","), upd)
		}
		fmt.Fprintf(w, "  kernels: %d\n", len(f.Kernels))
		for _, k := range f.Kernels {
			var bufs []string
			for _, b := range k.Buffers {
				mode := "r"
				if b.Writes {
					mode = "w"
				}
				bufs = append(bufs, fmt.Sprintf("%s:%s", b.Name, mode))
			}
			fmt.Fprintf(w, "    %s: %s over [%s]: %s\n", k.Name, k.Kind, strings.Join(k.Domain, ","), strings.Join(bufs, " "))
			for _, t := range man.Targets {
				if e := t.Entry(f.Name, k.Name); e != nil {
					stream := ""
					if e.Stream != "" {
						stream = ", streaming stores: " + e.Stream
					}
					if len(e.Tile) == 2 {
						stream += fmt.Sprintf(", %d x %d register tile, packing: %s", e.Tile[0], e.Tile[1], e.Pack)
					}
					if e.Block > 0 {
						stream += fmt.Sprintf(", %d threads per block", e.Block)
					}
					fmt.Fprintf(w, "      %s: %s (%s)%s\n", t.Kind, e.Symbol, e.ABI, stream)
				}
			}
			if k.Cost != nil {
				fmt.Fprintf(w, "      roofline: %s\n", ro.describe(k.Cost))
			}
			for _, p := range k.Source {
				fmt.Fprintf(w, "      from %s\n", quoteSource(src, p))
			}
		}
	}
}

// recordedText maps the names of the sources an artifact records to their text.
func recordedText(man *artifact.Manifest, secs map[string][]byte) ir.Sources {
	src := ir.Sources{}
	if man.Build != nil {
		for _, f := range man.Build.Sources {
			src[f.Name] = secs[f.Section]
		}
	}
	return src
}

// quoteSource is "file:line:col: text" for a position "file:line:col"
// whose file the artifact records, else the position.
func quoteSource(src ir.Sources, pos string) string {
	i := strings.LastIndexByte(pos, ':')
	j := strings.LastIndexByte(pos[:max(i, 0)], ':')
	if j <= 0 {
		return pos
	}
	line, err1 := strconv.Atoi(pos[j+1 : i])
	col, err2 := strconv.Atoi(pos[i+1:])
	if err1 != nil || err2 != nil {
		return pos
	}
	return src.Quote(ir.Pos{File: pos[:j], Line: line, Col: col})
}

func nonNilT(ts []artifact.Target) []artifact.Target {
	if ts == nil {
		return []artifact.Target{}
	}
	return ts
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

// initNote describes a model parameter's initializer for inspect, or "".
func initNote(in *artifact.Init) string {
	if in == nil {
		return ""
	}
	return " init " + ir.Init{Kind: in.Kind, Args: in.Args, Scale: in.Scale}.String()
}
