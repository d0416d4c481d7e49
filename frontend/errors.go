// This file defines how the frontend reports user mistakes: positioned
// errors, collected over a whole compilation, sorted and printed in one place.
package frontend

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"dlc.dev/dlc/ir"

	"github.com/alecthomas/participle/v2/lexer"
)

// Error is a mistake in a source file.
type Error struct {
	Pos ir.Pos
	Msg string
}

// Error prints file:line:col: message.
func (e *Error) Error() string { return e.Pos.String() + ": " + e.Msg }

// ErrorList is every mistake found in a compilation, sorted by position.
type ErrorList []*Error

// Error prints one error per line.
func (l ErrorList) Error() string {
	lines := make([]string, len(l))
	for i, e := range l {
		lines[i] = e.Error()
	}
	return strings.Join(lines, "\n")
}

// Sort orders the list by file, line and column, keeping the order of
// errors at the same position.
func (l ErrorList) Sort() {
	slices.SortStableFunc(l, func(a, b *Error) int {
		return cmp.Or(
			cmp.Compare(a.Pos.File, b.Pos.File),
			cmp.Compare(a.Pos.Line, b.Pos.Line),
			cmp.Compare(a.Pos.Col, b.Pos.Col))
	})
}

// InternalError reports a dlc bug found while compiling File: a panic that
// the frontend recovered from. It is not the user's mistake.
type InternalError struct {
	File  string
	Value any    // the panic value
	Stack []byte // the goroutine's stack at the panic
}

func (e *InternalError) Error() string {
	return fmt.Sprintf("%s: internal compiler error: %v (please report this with the source file)", e.File, e.Value)
}

// errorSink collects errors during one compilation.
type errorSink struct {
	list ErrorList
	seen map[string]bool
}

// add records a mistake at pos; an identical message at the same place is
// reported once.
func (s *errorSink) add(pos lexer.Position, format string, args ...any) {
	e := &Error{Pos: irPos(pos), Msg: fmt.Sprintf(format, args...)}
	key := e.Error()
	if s.seen[key] {
		return
	}
	if s.seen == nil {
		s.seen = map[string]bool{}
	}
	s.seen[key] = true
	s.list = append(s.list, e)
}

// count is the number of errors so far.
func (s *errorSink) count() int { return len(s.list) }

// err returns the sorted errors, or nil when there are none.
func (s *errorSink) err() error {
	if len(s.list) == 0 {
		return nil
	}
	l := slices.Clone(s.list)
	l.Sort()
	return l
}

// quote quotes a name or path for an error message.
func quote(s string) string { return strconv.Quote(s) }

// irPos converts a lexer position to an IR position.
func irPos(p lexer.Position) ir.Pos {
	return ir.Pos{File: p.Filename, Line: p.Line, Col: p.Column}
}
