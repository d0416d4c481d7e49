// This file runs the annotated error programs in testdata/errors: every
// `// ERROR "regexp"` must be matched by an error reported on that line, and
// every reported error must be expected. `// ERROR L:C "regexp"` also pins
// the line and column, for errors a comment cannot sit next to.
package frontend

import (
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"dlc.dev/dlc/ir"
)

// expectation is one ERROR annotation.
type expectation struct {
	file      string
	line, col int // col 0 matches any column
	re        *regexp.Regexp
	matched   bool
}

// errorAnnotation matches ERROR [L:C] "regexp" inside a comment.
var errorAnnotation = regexp.MustCompile(`ERROR (?:(\d+):(\d+) )?("(?:[^"\\]|\\.)*")`)

// readExpectations collects the ERROR annotations of a file.
func readExpectations(t *testing.T, file string) []*expectation {
	t.Helper()
	src, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var exps []*expectation
	for i, line := range strings.Split(string(src), "\n") {
		_, comment, ok := strings.Cut(line, "//")
		if !ok {
			continue
		}
		for _, m := range errorAnnotation.FindAllStringSubmatch(comment, -1) {
			e := &expectation{file: file, line: i + 1}
			if m[1] != "" {
				e.line, _ = strconv.Atoi(m[1])
				e.col, _ = strconv.Atoi(m[2])
			}
			pattern := m[3][1 : len(m[3])-1] // a regexp: \" matches a quote
			var err error
			if e.re, err = regexp.Compile(pattern); err != nil {
				t.Fatalf("%s:%d: bad ERROR regexp: %v", file, i+1, err)
			}
			exps = append(exps, e)
		}
	}
	return exps
}

func TestErrors(t *testing.T) {
	files, err := filepath.Glob("testdata/errors/*.dl")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 25 {
		t.Fatalf("want at least 25 error programs, found %d", len(files))
	}
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			t.Parallel()
			src, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			exps := readExpectations(t, file)
			if len(exps) == 0 {
				t.Fatalf("%s has no ERROR annotations", file)
			}
			_, err = Compile(file, src, Options{})
			var list ErrorList
			if err != nil && !errors.As(err, &list) {
				t.Fatalf("Compile returned %T, want ErrorList: %v", err, err)
			}
			// Errors in other files (imports) are checked against their own annotations.
			others := map[string]bool{}
			for _, e := range list {
				if e.Pos.File != file && !others[e.Pos.File] {
					others[e.Pos.File] = true
					exps = append(exps, readExpectations(t, e.Pos.File)...)
				}
			}
			for _, e := range list {
				if !matchExpectation(exps, e) {
					t.Errorf("unexpected error: %v", e)
				}
			}
			for _, x := range exps {
				if !x.matched {
					at := strconv.Itoa(x.line)
					if x.col > 0 {
						at += ":" + strconv.Itoa(x.col)
					}
					t.Errorf("%s:%s: missing error matching %q", x.file, at, x.re)
				}
			}
			if !sorted(list) {
				t.Errorf("errors are not sorted:\n%v", list)
			}
		})
	}
}

// matchExpectation marks and reports the first unmatched expectation that e satisfies.
func matchExpectation(exps []*expectation, e *Error) bool {
	for _, x := range exps {
		if x.matched || x.file != e.Pos.File || x.line != e.Pos.Line {
			continue
		}
		if x.col != 0 && x.col != e.Pos.Col {
			continue
		}
		if x.re.MatchString(e.Msg) {
			x.matched = true
			return true
		}
	}
	return false
}

func sorted(list ErrorList) bool {
	less := func(a, b ir.Pos) bool {
		if a.File != b.File {
			return a.File < b.File
		}
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		return a.Col < b.Col
	}
	for i := 1; i < len(list); i++ {
		if less(list[i].Pos, list[i-1].Pos) {
			return false
		}
	}
	return true
}

func TestErrorFormat(t *testing.T) {
	src := "kernel lion(theta: f32[N]) -> y: f32[N] {\n    y = sgnn(theta)\n}\n"
	_, err := Compile("lion.dl", []byte(src), Options{})
	want := `lion.dl:2:9: unknown function "sgnn" (did you mean "sign"?)`
	if err == nil || err.Error() != want {
		t.Errorf("got %v, want %s", err, want)
	}
}

func TestErrorsInImportedFile(t *testing.T) {
	files := map[string]string{
		"main.dl":    "import \"lib/bad\"\nkernel f(x: f32[N]) -> y: f32[N] { y = g(x) }\n",
		"lib/bad.dl": "kernel g(x: f32[N]) -> y: f32[N] {\n    y = x + q\n}\n",
	}
	_, err := Compile("main.dl", []byte(files["main.dl"]), Options{ReadFile: mapFiles(files)})
	want := `lib/bad.dl:2:13: unknown name q`
	if err == nil || err.Error() != want {
		t.Errorf("got %v, want %s", err, want)
	}
}

// mapFiles serves relative imports from a map, for tests.
func mapFiles(files map[string]string) func(string) ([]byte, error) {
	return func(name string) ([]byte, error) {
		src, ok := files[filepath.ToSlash(name)]
		if !ok {
			return nil, os.ErrNotExist
		}
		return []byte(src), nil
	}
}
