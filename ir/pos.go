// This file keeps source provenance: the positions a value came from
// (PosList, merged whenever passes merge or replace values), the source
// variable a value is bound to, and Sources, which quotes the source text
// at a position for messages.
package ir

import (
	"bytes"
	"fmt"
	"strings"
)

// Pos is a source position in a .dl file.
type Pos struct {
	File      string
	Line, Col int
}

func (p Pos) String() string {
	if p.Line == 0 {
		return p.File
	}
	return fmt.Sprintf("%s:%d:%d", p.File, p.Line, p.Col)
}

// IsValid reports whether p names a place in a source file.
func (p Pos) IsValid() bool { return p.Line > 0 }

// PosList is every source position a value came from, first the one that
// made it. A value inlined from a callee also carries the call site; a value
// that CSE or simplification merged with others keeps their positions too.
// It holds no position twice; merging never changes a list in place, so
// lists may be shared between values.
type PosList []Pos

// At is the list holding only p, or none when p is not valid.
func At(p Pos) PosList {
	if !p.IsValid() {
		return nil
	}
	return PosList{p}
}

// IsValid reports whether the list names some place in a source file.
func (l PosList) IsValid() bool {
	for _, p := range l {
		if p.IsValid() {
			return true
		}
	}
	return false
}

// First is the position that made the value, or the zero Pos.
func (l PosList) First() Pos {
	for _, p := range l {
		if p.IsValid() {
			return p
		}
	}
	return Pos{}
}

// String is the positions, comma-separated.
func (l PosList) String() string {
	parts := make([]string, 0, len(l))
	for _, p := range l {
		parts = append(parts, p.String())
	}
	return strings.Join(parts, ", ")
}

// MergePos returns the positions of a followed by those of b that a lacks.
// It returns a itself when b adds nothing, else a new list.
func MergePos(a, b PosList) PosList {
	var add []Pos
	for _, p := range b {
		if !p.IsValid() || containsPos(a, p) || containsPos(add, p) {
			continue
		}
		add = append(add, p)
	}
	if len(add) == 0 {
		return a
	}
	out := make(PosList, 0, len(a)+len(add))
	return append(append(out, a...), add...)
}

func containsPos(l []Pos, p Pos) bool {
	for _, q := range l {
		if q == p {
			return true
		}
	}
	return false
}

// MapFiles returns l with every file name replaced by rename(name).
func (l PosList) MapFiles(rename func(string) string) PosList {
	if len(l) == 0 {
		return l
	}
	out := make(PosList, len(l))
	for i, p := range l {
		p.File = rename(p.File)
		out[i] = p
	}
	return out
}

// Span is where positions l lie, file by file in order of first
// appearance, as line ranges: "lion.dl:5-7, std/loss/x.dl:12". It is "" for
// no position.
func Span(l PosList) string {
	type lines struct{ lo, hi int }
	var files []string
	span := map[string]*lines{}
	for _, p := range l {
		if !p.IsValid() {
			continue
		}
		s, ok := span[p.File]
		if !ok {
			files = append(files, p.File)
			span[p.File] = &lines{p.Line, p.Line}
			continue
		}
		s.lo, s.hi = min(s.lo, p.Line), max(s.hi, p.Line)
	}
	parts := make([]string, len(files))
	for i, name := range files {
		s := span[name]
		parts[i] = fmt.Sprintf("%s:%d", name, s.lo)
		if s.hi > s.lo {
			parts[i] += fmt.Sprintf("-%d", s.hi)
		}
	}
	return strings.Join(parts, ", ")
}

// Sources maps the file names of positions to the files' text, so that
// messages can quote the source a value came from.
type Sources map[string][]byte

// Line returns the text of p's line without surrounding space, or "" when
// the file or line is unknown.
func (s Sources) Line(p Pos) string {
	src, ok := s[p.File]
	if !ok || p.Line < 1 {
		return ""
	}
	for i := 1; i < p.Line; i++ {
		j := bytes.IndexByte(src, '\n')
		if j < 0 {
			return ""
		}
		src = src[j+1:]
	}
	if j := bytes.IndexByte(src, '\n'); j >= 0 {
		src = src[:j]
	}
	return strings.TrimSpace(string(src))
}

// Quote is "file:line:col: source text", or only the position when the
// text is unknown.
func (s Sources) Quote(p Pos) string {
	if line := s.Line(p); line != "" {
		return p.String() + ": " + line
	}
	return p.String()
}

// Lines quotes the distinct source lines of l in order of first
// appearance, at most max of them, with a last line saying how many more
// there are.
func (s Sources) Lines(l PosList, max int) []string {
	type key struct {
		file string
		line int
	}
	seen := map[key]bool{}
	var out []string
	more := 0
	for _, p := range l {
		k := key{p.File, p.Line}
		if !p.IsValid() || seen[k] {
			continue
		}
		seen[k] = true
		if len(out) == max {
			more++
			continue
		}
		out = append(out, s.Quote(p))
	}
	if more > 0 {
		out = append(out, fmt.Sprintf("... and %d more source lines", more))
	}
	return out
}

// validVar reports whether s can name a value in IR text: a letter or
// underscore, then letters, digits, underscores and dots.
func validVar(s string) bool {
	if s == "" {
		return false
	}
	for i, c := range s {
		switch {
		case c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z':
		case i > 0 && (c == '.' || c >= '0' && c <= '9'):
		default:
			return false
		}
	}
	return true
}

// uniqueVars renames the values of f whose source variable clashes with a
// parameter or an earlier value: a second c becomes the first free of c.1,
// c.2, ... Names that are unique never change.
func (f *Func) uniqueVars() {
	used := map[string]bool{}
	for _, p := range f.Params {
		used[p.Name] = true
	}
	var clash []*Value
	for _, v := range f.Body {
		if v.Var == "" {
			continue
		}
		if used[v.Var] {
			clash = append(clash, v)
			continue
		}
		used[v.Var] = true
	}
	for _, v := range clash {
		base := v.Var
		if i := strings.LastIndexByte(base, '.'); i > 0 && isDigits(base[i+1:]) {
			base = base[:i]
		}
		for n := 1; ; n++ {
			name := fmt.Sprintf("%s.%d", base, n)
			if !used[name] {
				v.Var = name
				used[name] = true
				break
			}
		}
	}
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// KernelPos is every source position of the values of kernel group g of f,
// in body order: the source a kernel computes.
func (f *Func) KernelPos(g string) PosList {
	var l PosList
	for _, v := range f.Body {
		if v.Group == g {
			l = MergePos(l, v.Pos)
		}
	}
	return l
}
