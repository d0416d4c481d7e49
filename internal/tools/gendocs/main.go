// Command gendocs writes the generated parts of docs/language.md: the table
// of builtin functions, from the frontend's builtin table, and the grammar,
// from frontend/testdata/grammar.ebnf (which a frontend test pins to the
// parser). Each part sits between two marker comments,
//
//	<!-- BEGIN generated NAME --> ... <!-- END generated NAME -->
//
// and everything outside the markers is left as it is. Run it from the
// repository root (or give -root) after changing a builtin or the grammar:
//
//	go run ./internal/tools/gendocs      (or go generate ./frontend)
//
// With -check it writes nothing and exits 1 when the file is not current.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"dlc.dev/dlc/frontend"
)

const languageDoc = "docs/language.md"

func main() {
	root := flag.String("root", ".", "the repository root")
	check := flag.Bool("check", false, "only report whether "+languageDoc+" is current")
	flag.Parse()
	if err := run(*root, *check); err != nil {
		fmt.Fprintln(os.Stderr, "gendocs:", err)
		os.Exit(1)
	}
}

func run(root string, check bool) error {
	path := filepath.Join(root, languageDoc)
	old, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	doc, err := generate(root, string(old))
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if doc == string(old) {
		return nil
	}
	if check {
		return fmt.Errorf("%s is not current: run go run ./internal/tools/gendocs", path)
	}
	return os.WriteFile(path, []byte(doc), 0o644)
}

// generate returns doc with its generated parts rewritten.
func generate(root, doc string) (string, error) {
	grammar, err := os.ReadFile(filepath.Join(root, "frontend", "testdata", "grammar.ebnf"))
	if err != nil {
		return "", err
	}
	doc, err = replaceBlock(doc, "builtins", renderBuiltins(builtinRows()))
	if err != nil {
		return "", err
	}
	return replaceBlock(doc, "grammar", "```ebnf\n"+strings.TrimSpace(string(grammar))+"\n```\n")
}

// builtinRows is the one place that reads the frontend's builtin table.
func builtinRows() []frontend.BuiltinDoc { return frontend.BuiltinDocs() }

// renderBuiltins writes one Markdown table per group of builtins, in the
// order the groups first appear.
func renderBuiltins(rows []frontend.BuiltinDoc) string {
	var groups []string
	byGroup := map[string][]frontend.BuiltinDoc{}
	for _, r := range rows {
		if byGroup[r.Group] == nil {
			groups = append(groups, r.Group)
		}
		byGroup[r.Group] = append(byGroup[r.Group], r)
	}
	var b strings.Builder
	for i, g := range groups {
		if i > 0 {
			b.WriteString("\n")
		}
		fmt.Fprintf(&b, "**%s**\n\n| builtin | operands | lowers to |\n|---|---|---|\n", upperFirst(g))
		for _, r := range byGroup[g] {
			op := "`" + r.Op + "`"
			if r.Op == "" {
				op = "several ops (composite, see below)"
			}
			fmt.Fprintf(&b, "| `%s` | %s | %s |\n", r.Signature, r.Operands, op)
		}
	}
	return b.String()
}

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// replaceBlock replaces the text between the markers of block name.
func replaceBlock(doc, name, content string) (string, error) {
	begin := fmt.Sprintf("<!-- BEGIN generated %s: go run ./internal/tools/gendocs; do not edit -->\n", name)
	end := fmt.Sprintf("<!-- END generated %s -->", name)
	i := strings.Index(doc, begin)
	j := strings.Index(doc, end)
	if i < 0 || j < i {
		return "", fmt.Errorf("no block %q: want the lines %q and %q", name, strings.TrimSpace(begin), end)
	}
	if bytes.Count([]byte(doc), []byte(begin)) != 1 {
		return "", fmt.Errorf("block %q appears more than once", name)
	}
	return doc[:i+len(begin)] + content + doc[j:], nil
}
