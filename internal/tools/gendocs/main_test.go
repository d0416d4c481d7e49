// This file keeps the documentation honest: docs/language.md must be what
// gendocs writes (so the builtin table and the grammar cannot drift from the
// compiler), every ```dl example in it must compile or fail with the error
// it is annotated with, and every "MATH.md §N" cited anywhere in the
// repository must name a section of docs/MATH.md.
package main

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"dlc.dev/dlc/frontend"
)

const root = "../../.."

func TestLanguageDocIsCurrent(t *testing.T) {
	old, err := os.ReadFile(filepath.Join(root, languageDoc))
	require.NoError(t, err)
	doc, err := generate(root, string(old))
	require.NoError(t, err)
	require.Equal(t, doc, string(old), "%s is not what gendocs writes: run go run ./internal/tools/gendocs", languageDoc)
}

// TestBuiltinTableCoversEveryBuiltin checks the generated table against the
// table it is generated from, and that each row names a signature that
// starts with the builtin's name.
func TestBuiltinTableCoversEveryBuiltin(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join(root, languageDoc))
	require.NoError(t, err)
	rows := builtinRows()
	require.NotEmpty(t, rows)
	for _, r := range rows {
		require.True(t, strings.HasPrefix(r.Signature, r.Name+"("), "%+v", r)
		require.Contains(t, string(doc), "| `"+r.Signature+"` |", "builtin %s", r.Name)
	}
	for _, name := range []string{"sum", "logsumexp", "nanmax", "take_along_axis", "iota", "softplus", "cast", "select", "transpose", "einsum"} {
		require.Contains(t, string(doc), "| `"+name+"(", "builtin %s", name)
	}
}

func TestReplaceBlock(t *testing.T) {
	begin := "<!-- BEGIN generated x: go run ./internal/tools/gendocs; do not edit -->\n"
	end := "<!-- END generated x -->"
	got, err := replaceBlock("a\n"+begin+"old\n"+end+"\nb\n", "x", "new\n")
	require.NoError(t, err)
	require.Equal(t, "a\n"+begin+"new\n"+end+"\nb\n", got)
	_, err = replaceBlock("no markers", "x", "new\n")
	require.ErrorContains(t, err, `no block "x"`)
	_, err = replaceBlock(begin+end+begin+end, "x", "new\n")
	require.ErrorContains(t, err, "more than once")
}

// docBlock is a ```dl code block of a Markdown file.
type docBlock struct {
	line int // of the block's first source line
	src  string
}

func dlBlocks(t *testing.T, doc string) []docBlock {
	t.Helper()
	var blocks []docBlock
	lines := strings.Split(doc, "\n")
	for i := 0; i < len(lines); i++ {
		if strings.TrimSpace(lines[i]) != "```dl" {
			continue
		}
		start := i + 1
		for i++; i < len(lines) && strings.TrimSpace(lines[i]) != "```"; i++ {
		}
		require.Less(t, i, len(lines), "unterminated block at line %d", start)
		blocks = append(blocks, docBlock{line: start + 1, src: strings.Join(lines[start:i], "\n") + "\n"})
	}
	return blocks
}

var (
	fileComment  = regexp.MustCompile(`^// file: (\S+\.dl)`)
	errorComment = regexp.MustCompile(`// ERROR ("(?:[^"\\]|\\.)*")`)
)

// TestLanguageDocExamplesCompile compiles every ```dl block of the language
// reference. A block that starts with "// file: NAME.dl" is that file, for
// the blocks that import it; a line with // ERROR "text" must have an error
// containing text, and a block without one must compile.
func TestLanguageDocExamplesCompile(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join(root, languageDoc))
	require.NoError(t, err)
	blocks := dlBlocks(t, string(doc))
	require.GreaterOrEqual(t, len(blocks), 10)
	files := map[string][]byte{}
	for _, b := range blocks {
		if m := fileComment.FindStringSubmatch(b.src); m != nil {
			files[filepath.Join("docs", m[1])] = []byte(b.src)
		}
	}
	opt := frontend.Options{ReadFile: func(path string) ([]byte, error) {
		if src, ok := files[path]; ok {
			return src, nil
		}
		return nil, fs.ErrNotExist
	}}
	for _, b := range blocks {
		name := "docs/language.md:" + strconv.Itoa(b.line)
		_, err := frontend.Compile(filepath.Join("docs", "example.dl"), []byte(b.src), opt)
		want := map[int]string{}
		for i, l := range strings.Split(b.src, "\n") {
			if m := errorComment.FindStringSubmatch(l); m != nil {
				text, uerr := strconv.Unquote(m[1])
				require.NoError(t, uerr, name)
				want[i+1] = text
			}
		}
		if len(want) == 0 {
			require.NoError(t, err, "the example at %s does not compile:\n%s", name, b.src)
			continue
		}
		require.Error(t, err, "the example at %s should fail", name)
		for line, text := range want {
			require.Contains(t, err.Error(), "example.dl:"+strconv.Itoa(line)+":", "%s: no error on line %d of the block", name, line)
			require.Contains(t, err.Error(), text, "%s", name)
		}
	}
}

var mdLink = regexp.MustCompile(`\]\(([^)\s]+)\)`)

// TestLocalLinksResolve checks that the Markdown links between the
// repository's documents point at files that exist.
func TestLocalLinksResolve(t *testing.T) {
	docs, err := filepath.Glob(filepath.Join(root, "docs", "*.md"))
	require.NoError(t, err)
	docs = append(docs, filepath.Join(root, "README.md"), filepath.Join(root, "diffusion", "README.md"))
	links := 0
	for _, doc := range docs {
		b, err := os.ReadFile(doc)
		require.NoError(t, err)
		for _, m := range mdLink.FindAllStringSubmatch(string(b), -1) {
			target, _, _ := strings.Cut(m[1], "#")
			if target == "" || strings.Contains(target, "://") {
				continue
			}
			links++
			_, err := os.Stat(filepath.Join(filepath.Dir(doc), target))
			require.NoError(t, err, "%s links to %s", doc, m[1])
		}
	}
	require.Greater(t, links, 3)
}

// relPath matches a relative path that starts by climbing directories.
var relPath = regexp.MustCompile(`(?:\.\./)+[\w.-]+`)

// specRef matches a citation of MATH.md in a spec directory, which a clone
// does not have.
var specRef = regexp.MustCompile(`spec/MATH\.md`)

var mathRef = regexp.MustCompile(`MATH\.md §(\d+(?:\.\d+)?)(?:\s*[-–]\s*(\d+(?:\.\d+)?))?`)

// TestMathReferencesResolve checks every "MATH.md §N" in the repository's
// code, sources and documents against the headings of docs/MATH.md, and that
// nothing points outside the repository for it.
func TestMathReferencesResolve(t *testing.T) {
	math, err := os.ReadFile(filepath.Join(root, "docs", "MATH.md"))
	require.NoError(t, err)
	sections := map[string]bool{}
	for _, m := range regexp.MustCompile(`(?m)^#{2,3} (\d+(?:\.\d+)?)[. ]`).FindAllStringSubmatch(string(math), -1) {
		sections[m[1]] = true
	}
	for _, s := range []string{"0", "1.1", "1.4", "2.1", "2.6", "3.0", "3.4", "4", "5", "6"} {
		require.True(t, sections[s], "docs/MATH.md has no section %s", s)
	}
	// A relative path that climbs out of the repository, or an absolute one
	// into the directory that holds it, would not exist in a user's clone.
	absRoot, err := filepath.Abs(root)
	require.NoError(t, err)
	outside := filepath.Dir(absRoot) + string(filepath.Separator)
	refs := 0
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if name := d.Name(); name == ".git" || name == "testdata" || name == "out" || name == "bin" {
				return filepath.SkipDir
			}
			return nil
		}
		switch filepath.Ext(path) {
		case ".go", ".dl", ".md", ".sh":
		default:
			if filepath.Base(path) != "Makefile" {
				return nil
			}
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		text := string(b)
		rel, _ := filepath.Rel(root, path)
		for _, m := range relPath.FindAllString(text, -1) {
			abs := filepath.Join(absRoot, filepath.Dir(rel), m)
			target, err := filepath.Rel(absRoot, abs)
			require.NoError(t, err)
			if target == ".." || strings.HasPrefix(target, ".."+string(filepath.Separator)) {
				// A recipe may name a user's own sibling checkout (README's
				// replace ../dlc); what resolves here is this machine's layout.
				_, err := os.Stat(abs)
				require.Error(t, err, "%s refers to %s, outside the repository", rel, m)
			}
		}
		require.NotContains(t, text, outside, "%s names a path outside the repository", rel)
		require.False(t, specRef.MatchString(text), "%s cites a spec directory's MATH.md; the repository's copy is docs/MATH.md", rel)
		for _, m := range mathRef.FindAllStringSubmatch(text, -1) {
			refs++
			for _, s := range m[1:] {
				if s != "" {
					require.True(t, sections[s], "%s cites MATH.md §%s, which docs/MATH.md does not have", rel, s)
				}
			}
		}
		return nil
	})
	require.NoError(t, err)
	require.Greater(t, refs, 20, "the code cites MATH.md sections; the scan found too few")
}
