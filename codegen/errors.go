// This file reports compiler bugs found while generating code, naming the
// function and the kernel, with the IR to look at.
package codegen

import (
	"fmt"
	"slices"
	"strings"

	"dlc.dev/dlc/ir"
)

// InternalError is a dlc bug found while generating code for a function that
// the passes produced: IR the code generator cannot compile, or a panic in
// it. Every failure after the pass pipeline is one, since the frontend and
// the passes should only hand on IR that compiles.
type InternalError struct {
	Pos    ir.Pos // the function's definition
	Func   string // the IR function
	Kernel string // the kernel group; "" when the function as a whole failed
	Err    error
	Dump   string // the kernel's IR (KernelIR), or the function's
	Stack  string // where a panic happened
	// At is the source of the kernel (every position of its values), or of
	// the function's values when no kernel is named.
	At ir.PosList
	// Sources, when the build sets them, let the message quote the source at At.
	Sources ir.Sources
}

func (e *InternalError) Error() string {
	var b strings.Builder
	if p := e.Pos.String(); p != "" && e.Pos.Line > 0 {
		b.WriteString(p + ": ")
	}
	fmt.Fprintf(&b, "internal compiler error in code generation for %s: %v\n", e.where(), e.Err)
	if e.At.IsValid() {
		fmt.Fprintf(&b, "It compiles %s:\n", ir.Span(e.At))
		for _, l := range e.Sources.Lines(e.At, 6) {
			b.WriteString("    " + l + "\n")
		}
	}
	fmt.Fprintf(&b, "This is a dlc bug; please report it with the IR below.\n--- IR of %s ---\n%s", e.where(), e.Dump)
	return strings.TrimRight(b.String(), "\n")
}

// Unwrap returns the underlying error.
func (e *InternalError) Unwrap() error { return e.Err }

func (e *InternalError) where() string {
	if e.Kernel == "" {
		return "@" + e.Func
	}
	return "@" + e.Func + " kernel " + e.Kernel
}

// FuncError is the InternalError of function f as a whole.
func FuncError(f *ir.Func, err error) *InternalError {
	var at ir.PosList
	for _, v := range f.Body {
		at = ir.MergePos(at, v.Pos)
	}
	return &InternalError{Pos: f.Pos, Func: f.Name, Err: err, Dump: ir.PrintFunc(f), At: at}
}

// KernelError is the InternalError of kernel group g of function f; stack is
// where a panic happened, or "".
func KernelError(f *ir.Func, g string, err error, stack string) *InternalError {
	return &InternalError{Pos: f.Pos, Func: f.Name, Kernel: g, Err: err, Dump: KernelIR(f, g), Stack: stack, At: f.KernelPos(g)}
}

// KernelIR is the IR of kernel group g of f: its declaration, the values it
// reads from outside the group (constants, host values, other kernels'
// values; parameters by name), then its own values in body order.
func KernelIR(f *ir.Func, g string) string {
	var b strings.Builder
	if k := f.Kernel(g); k != nil {
		fmt.Fprintf(&b, "kernel %s %s %s\n", g, k.Kind, k.Domain)
	}
	in := map[*ir.Value]bool{}
	for _, v := range f.Body {
		in[v] = v.Group == g
	}
	var params []string
	var outside []*ir.Value
	seen := map[*ir.Value]bool{}
	for _, v := range f.Body {
		if !in[v] {
			continue
		}
		for _, a := range v.Args {
			if in[a] || seen[a] {
				continue
			}
			seen[a] = true
			if a.Op == ir.OpParam {
				params = append(params, fmt.Sprintf("%%%s: %s", a.Name, a.Type))
			} else {
				outside = append(outside, a)
			}
		}
	}
	slices.SortFunc(outside, func(x, y *ir.Value) int { return x.ID - y.ID })
	if len(params) > 0 {
		fmt.Fprintf(&b, "// reads %s\n", strings.Join(params, ", "))
	}
	for _, v := range outside {
		b.WriteString(ir.FormatValue(v) + "\n")
	}
	for _, v := range f.Body {
		if in[v] {
			b.WriteString(ir.FormatValue(v) + "\n")
		}
	}
	return b.String()
}
