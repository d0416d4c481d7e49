// This file loads the files of a compilation: the main file and, through
// import declarations, standard library and relative files. It resolves
// import paths, reads each file once, and reports missing files and cycles.
package frontend

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"

	"dlc.dev/dlc/stdlib"

	"github.com/alecthomas/participle/v2"
	"github.com/alecthomas/participle/v2/lexer"
)

// stdPrefix starts every standard library import path.
const stdPrefix = "std/"

// srcFile is one source file of a compilation.
type srcFile struct {
	name    string             // identity and position file name: a cleaned disk path, or std/optim/lion.dl
	std     bool               // from the standard library
	main    bool               // the file being compiled
	ast     *File              // nil when the file did not parse
	imports []*srcFile         // direct imports, each once
	kernels []*kernel          // declared here, in source order; filled by the checker
	scope   map[string]*kernel // kernels callable from this file: its own and its imports'
}

// loader reads the files of one compilation.
type loader struct {
	parser   *participle.Parser[File]
	stdlib   fs.FS
	readFile func(string) ([]byte, error)
	loaded   func(name string, std bool, src []byte)
	errs     *errorSink
	files    map[string]*srcFile
	order    []*srcFile // imports before importers
	stack    []*srcFile // files whose imports are being loaded
	via      []*Import  // via[i] is the import of stack[i] being followed
}

// loadFiles parses the main file and everything it imports, directly or not.
// The result lists every file after the files it imports, so the main file
// comes last and a kernel defined twice is reported in the importing file.
// Files that fail to parse are included with a nil ast.
func loadFiles(filename string, src []byte, opt Options, errs *errorSink) []*srcFile {
	p, err := newParser()
	if err != nil {
		panic(fmt.Sprintf("build parser: %v", err)) // the grammar is fixed: a dlc bug
	}
	ld := &loader{parser: p, stdlib: opt.Stdlib, readFile: opt.ReadFile, loaded: opt.Loaded, errs: errs, files: map[string]*srcFile{}}
	if ld.stdlib == nil {
		ld.stdlib = stdlib.FS()
	}
	if ld.readFile == nil {
		ld.readFile = os.ReadFile
	}
	ld.load(&srcFile{name: filepath.Clean(filename), main: true}, src)
	return ld.order
}

// load parses f and loads its imports.
func (ld *loader) load(f *srcFile, src []byte) {
	ld.files[f.name] = f
	if ld.loaded != nil {
		ld.loaded(f.name, f.std, src)
	}
	defer func() { ld.order = append(ld.order, f) }()
	ast, err := parseWith(ld.parser, f.name, src)
	if err != nil {
		var list ErrorList
		if errors.As(err, &list) {
			for _, e := range list {
				ld.errs.list = append(ld.errs.list, e)
			}
		} else {
			ld.errs.list = append(ld.errs.list, &Error{Pos: irPos(lexer.Position{Filename: f.name}), Msg: err.Error()})
		}
		return
	}
	f.ast = ast
	ld.stack = append(ld.stack, f)
	ld.via = append(ld.via, nil)
	defer func() {
		ld.stack = ld.stack[:len(ld.stack)-1]
		ld.via = ld.via[:len(ld.via)-1]
	}()
	for _, im := range ast.Imports {
		ld.via[len(ld.via)-1] = im
		name, std, msg := resolveImport(f, im.Path)
		if msg != "" {
			ld.errs.add(im.Pos, "%s", msg)
			continue
		}
		if ld.cycle(name) {
			continue
		}
		if g := ld.files[name]; g != nil {
			f.addImport(g)
			continue
		}
		data, msg := ld.read(name, std, im.Path)
		if msg != "" {
			ld.errs.add(im.Pos, "%s", msg)
			continue
		}
		g := &srcFile{name: name, std: std}
		f.addImport(g)
		ld.load(g, data)
	}
}

// cycle reports an import cycle when the file named name is being loaded;
// the error is placed at the import that entered the cycle.
func (ld *loader) cycle(name string) bool {
	for i, g := range ld.stack {
		if g.name != name {
			continue
		}
		names := []string{}
		for _, h := range ld.stack[i:] {
			names = append(names, h.name)
		}
		names = append(names, name)
		msg := "import cycle: " + strings.Join(names, " imports ") + " (move the shared kernels into a file both can import)"
		ld.errs.add(ld.via[i].Pos, "%s", msg)
		return true
	}
	return false
}

// read returns the contents of the file named name, or a message saying
// why it cannot be read.
func (ld *loader) read(name string, std bool, spec string) ([]byte, string) {
	if std {
		data, err := fs.ReadFile(ld.stdlib, strings.TrimPrefix(name, stdPrefix))
		if err != nil {
			return nil, "cannot find import " + quote(spec) + didYouMean(strings.TrimSuffix(spec, ".dl"), stdlibImports(ld.stdlib))
		}
		return data, ""
	}
	data, err := ld.readFile(name)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, "cannot find import " + quote(spec) + " (no file " + name + ")"
	}
	if err != nil {
		return nil, "cannot read import " + quote(spec) + ": " + err.Error()
	}
	return data, ""
}

// addImport records that f imports g, once.
func (f *srcFile) addImport(g *srcFile) {
	for _, h := range f.imports {
		if h == g {
			return
		}
	}
	f.imports = append(f.imports, g)
}

// importPathFrom is how file from would import f: std/optim/lion, or a path
// relative to from's directory.
func (f *srcFile) importPathFrom(from *srcFile) string {
	p := f.name
	if !f.std {
		if rel, err := filepath.Rel(filepath.Dir(from.name), f.name); err == nil {
			p = filepath.ToSlash(rel)
		}
	}
	return strings.TrimSuffix(p, ".dl")
}

// resolveImport returns the name of the file that spec, written in from,
// refers to, and whether it is in the standard library. ".dl" is optional.
func resolveImport(from *srcFile, spec string) (name string, std bool, msg string) {
	if strings.TrimSpace(spec) == "" {
		return "", false, "empty import path"
	}
	p := spec
	if !strings.HasSuffix(p, ".dl") {
		p += ".dl"
	}
	switch {
	case strings.HasPrefix(spec, stdPrefix) || from.std:
		rel := strings.TrimPrefix(p, stdPrefix)
		if !strings.HasPrefix(spec, stdPrefix) {
			rel = path.Join(path.Dir(strings.TrimPrefix(from.name, stdPrefix)), p)
		}
		rel = path.Clean(rel)
		if !fs.ValidPath(rel) {
			return "", false, "import path " + quote(spec) + " leaves the standard library"
		}
		return stdPrefix + rel, true, ""
	case filepath.IsAbs(filepath.FromSlash(p)):
		return filepath.Clean(filepath.FromSlash(p)), false, ""
	}
	return filepath.Join(filepath.Dir(from.name), filepath.FromSlash(p)), false, ""
}

// stdlibImports lists the import paths of every standard library file.
func stdlibImports(fsys fs.FS) []string {
	var paths []string
	_ = fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(p, ".dl") {
			paths = append(paths, stdPrefix+strings.TrimSuffix(p, ".dl"))
		}
		return nil
	})
	return paths
}
