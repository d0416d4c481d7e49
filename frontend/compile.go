// Package frontend turns .dl source into the graph IR: parse (parse.go),
// load imports (imports.go), check (check.go, checkexpr.go) and lower
// (lower.go). User mistakes come back as an ErrorList with positions.
//
// This file is the entry point, Compile.
package frontend

import (
	"fmt"
	"io/fs"
	"runtime/debug"

	"dlc.dev/dlc/ir"
)

// Options configures a compilation.
type Options struct {
	// Stdlib holds the standard library; import "std/optim/lion" reads
	// optim/lion.dl from it. Nil means the embedded stdlib.FS().
	Stdlib fs.FS
	// ReadFile reads a relative import, given its path joined to the
	// importing file's directory. Nil means os.ReadFile.
	ReadFile func(path string) ([]byte, error)
	// Loaded, if set, is called once for every file of the compilation, the
	// main file first, with the name positions use for it (std/... for the
	// standard library) and its text: what a build depends on, and what
	// messages quote.
	Loaded func(name string, std bool, src []byte)
	// Precision is the build's mixed precision (ir.BF16, ir.F16, or
	// ir.Invalid for none): train steps whose declaration sets no precision
	// take it, and an f16 step gets dynamic loss scaling (train.go).
	Precision ir.DType
	// FuncPrecision, if set, is called for every function whose precision a
	// train declaration sets (the step and its phases), with that precision
	// (ir.Invalid for f32): the precision pass compiles it so
	// (passes.Options.FuncPrecision).
	FuncPrecision func(fn string, low ir.DType)
}

// Compile parses, checks and lowers one source file and the files it
// imports. The module holds one function per kernel of the file, in source
// order, followed by the imported kernels they call (Private). Mistakes in
// any file are returned together as an ErrorList sorted by position; a bug
// in dlc is returned as an *InternalError.
func Compile(filename string, src []byte, opt Options) (m *ir.Module, err error) {
	defer func() {
		if r := recover(); r != nil {
			m, err = nil, &InternalError{File: filename, Value: r, Stack: debug.Stack()}
		}
	}()
	errs := &errorSink{}
	files := loadFiles(filename, src, opt, errs)
	prog := checkProgram(files, opt.Precision, errs)
	if err := errs.err(); err != nil {
		return nil, err
	}
	m = lowerProgram(prog)
	if err := ir.Verify(m); err != nil {
		return nil, &InternalError{File: filename, Value: fmt.Sprintf("lowering produced invalid IR: %v", err)}
	}
	if opt.FuncPrecision != nil {
		reportPrecisions(prog, opt.FuncPrecision)
	}
	return m, nil
}
