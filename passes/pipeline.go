// This file is the pass pipeline: an ordered list of named passes, run with the
// verifier after each one, with optional dumps of the IR after every pass.
package passes

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"

	"dlc.dev/dlc/codegen"
	"dlc.dev/dlc/ir"
)

// Options configures a pipeline run. Nothing is read from globals or the environment.
type Options struct {
	Target codegen.Target
	// DumpDir, if set, receives NN_<pass>.ir after every pass (00_input.ir first).
	DumpDir string
	// StopAfter, if set, ends the pipeline after the named pass.
	StopAfter string
	// Explain, if set, receives one line per fusion decision with its reason,
	// each followed by a line per value it names with the value's source
	// position and text (indented by four spaces).
	Explain func(line string)
	// Precision switches on mixed precision (the precision pass) for every
	// function: ir.F16 or ir.BF16; ir.Invalid (the zero value) leaves the
	// program's precision as the source wrote it.
	Precision ir.DType
	// FuncPrecision overrides Precision for the functions it names (ir.Invalid
	// switches it off for one): how a declaration that asks for mixed
	// precision for its own function, such as a train step's, reaches the pass.
	FuncPrecision map[string]ir.DType
	// Sources holds the source files by position file name, for messages
	// that quote the source a value came from. It may be nil.
	Sources ir.Sources
}

func (o *Options) explain(format string, args ...any) {
	if o != nil && o.Explain != nil {
		o.Explain(fmt.Sprintf(format, args...))
	}
}

// explainAt explains a decision about values vs, then says where each one
// comes from in the source.
func (o *Options) explainAt(vs []*ir.Value, format string, args ...any) {
	if o == nil || o.Explain == nil {
		return
	}
	o.Explain(fmt.Sprintf(format, args...))
	for _, v := range vs {
		if p := v.Pos.First(); p.IsValid() {
			o.Explain(fmt.Sprintf("    %s is %s", ir.Ref(v), o.Sources.Quote(p)))
		}
	}
}

// Pass is one named transformation of a module.
type Pass struct {
	Name string
	Run  func(m *ir.Module, opt *Options) (changed bool, err error)
}

// Pipeline returns the passes in the order they run.
func Pipeline() []Pass {
	return []Pass{
		{Name: "inline", Run: inline},
		{Name: "autodiff", Run: autodiff},
		{Name: "simplify", Run: Fix(simplifyAll)},
		{Name: "cse", Run: cse},
		{Name: "fold-layouts", Run: foldLayouts},
		{Name: "precision", Run: precision},
		{Name: "dce", Run: dce},
		{Name: "hoist-scalars", Run: hoistScalars},
		{Name: "fuse", Run: fuse},
	}
}

// ordering lists facts about the pipeline order, each with its reason; a test checks them.
var ordering = [][3]string{
	{"inline", "simplify", "simplification sees through calls"},
	{"inline", "autodiff", "the reverse sweep runs over one flat graph, calls inlined"},
	{"autodiff", "simplify", "the backward's constants fold and its identities simplify"},
	{"autodiff", "cse", "backward values that recompute forward ones merge with them"},
	{"autodiff", "fuse", "backward work fuses like forward work, into the forward's kernels"},
	{"simplify", "cse", "folded constants become equal and merge"},
	{"cse", "dce", "merged duplicates leave dead values"},
	{"dce", "hoist-scalars", "dead scalar work is not hoisted"},
	{"hoist-scalars", "fuse", "kernels only take tensor work; scalars arrive as arguments"},
	{"inline", "fold-layouts", "a callee's transposes meet the caller's contractions"},
	{"fold-layouts", "fuse", "a folded transpose is no kernel: the contraction reads its operand in place"},
	{"autodiff", "precision", "the backward's contractions read 16-bit operands too"},
	{"fold-layouts", "precision", "casts go on the operands a contraction reads in place, below folded transposes"},
	{"cse", "precision", "one cast per value: duplicates are merged before the pass keys casts by value"},
	{"precision", "fuse", "casts fuse into the kernels of the values they read"},
}

// Names returns the pass names in order.
func Names() []string {
	var ns []string
	for _, p := range Pipeline() {
		ns = append(ns, p.Name)
	}
	return ns
}

// Fix returns a pass that reruns p until it changes nothing (at most 100 times).
func Fix(p func(*ir.Module, *Options) (bool, error)) func(*ir.Module, *Options) (bool, error) {
	return func(m *ir.Module, opt *Options) (bool, error) {
		any := false
		for i := 0; i < 100; i++ {
			changed, err := p(m, opt)
			if err != nil || !changed {
				return any, err
			}
			any = true
		}
		return any, fmt.Errorf("pass did not reach a fixed point in 100 rounds")
	}
}

// InternalError is a compiler bug found while running a pass: a broken invariant
// or a panic. It names the pass and the IR that triggered it.
type InternalError struct {
	Pass  string
	Err   error
	Dump  string // the IR before the pass
	Stack string
	// Source quotes the source of the first value the verifier found at
	// fault, "file:line:col: text", when it has a position.
	Source string
}

func (e *InternalError) Error() string {
	at := ""
	if e.Source != "" {
		at = "\nnear " + e.Source
	}
	return fmt.Sprintf("internal compiler error in pass %s: %v%s\nThis is a dlc bug; please report it with the IR below.\n--- IR before %s ---\n%s", e.Pass, e.Err, at, e.Pass, e.Dump)
}

// sourceOf quotes the source of the first value err blames that has a position.
func sourceOf(err error, src ir.Sources) string {
	var ve *ir.VerifyError
	if !errors.As(err, &ve) {
		return ""
	}
	for _, v := range ve.Values {
		if p := v.Pos.First(); p.IsValid() {
			return src.Quote(p)
		}
	}
	return ""
}

// Error is a user mistake found by a pass (such as a demanded kernel count that fusion missed).
type Error struct {
	Pos ir.Pos
	Msg string
}

func (e *Error) Error() string { return e.Pos.String() + ": " + e.Msg }

// Run runs the pipeline on m in place. The verifier runs after every pass.
func Run(m *ir.Module, opt *Options) error {
	if opt == nil {
		opt = &Options{}
	}
	if opt.StopAfter != "" && opt.StopAfter != "input" && !contains(Names(), opt.StopAfter) {
		return fmt.Errorf("unknown pass %q (passes: input, %s)", opt.StopAfter, strings.Join(Names(), ", "))
	}
	if err := ir.Verify(m); err != nil {
		return &InternalError{Pass: "input", Err: err, Dump: ir.Print(m), Source: sourceOf(err, opt.Sources)}
	}
	if err := dump(opt, 0, "input", m); err != nil || opt.StopAfter == "input" {
		return err
	}
	for i, p := range Pipeline() {
		if err := runOne(p, m, opt); err != nil {
			return err
		}
		if err := dump(opt, i+1, p.Name, m); err != nil {
			return err
		}
		if p.Name == opt.StopAfter {
			break
		}
	}
	return nil
}

func runOne(p Pass, m *ir.Module, opt *Options) (err error) {
	// The IR before the pass, printed only for a report: printing every
	// module before every pass costs more than the passes on large kernels.
	before := m.Clone()
	defer func() {
		if r := recover(); r != nil {
			err = &InternalError{Pass: p.Name, Err: fmt.Errorf("panic: %v", r), Dump: ir.Print(before), Stack: string(debug.Stack())}
		}
	}()
	if _, err := p.Run(m, opt); err != nil {
		if _, ok := err.(*Error); ok {
			return err
		}
		return &InternalError{Pass: p.Name, Err: err, Dump: ir.Print(before)}
	}
	for _, f := range m.Funcs {
		f.Renumber()
	}
	if err := ir.Verify(m); err != nil {
		return &InternalError{Pass: p.Name, Err: err, Dump: ir.Print(before), Source: sourceOf(err, opt.Sources)}
	}
	return nil
}

func dump(opt *Options, i int, name string, m *ir.Module) error {
	if opt.DumpDir == "" {
		return nil
	}
	if err := os.MkdirAll(opt.DumpDir, 0o755); err != nil {
		return fmt.Errorf("dump: %w", err)
	}
	path := filepath.Join(opt.DumpDir, fmt.Sprintf("%02d_%s.ir", i, name))
	return os.WriteFile(path, []byte(ir.Print(m)), 0o644)
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}
