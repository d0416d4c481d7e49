// This file parses and formats the header of a NumPy .npy file: the magic, the version,
// and the Python dict literal {'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }.
package npy

import (
	"fmt"
	"strconv"
	"strings"

	"dlc.dev/dlc/runtime"
)

// magic opens every .npy file.
const magic = "\x93NUMPY"

// maxHeaderLen bounds the header dict; NumPy itself refuses headers over 10 000 bytes
// unless told otherwise, and a shape of a few dozen dimensions fits in far less.
const maxHeaderLen = 1 << 20

// header is what the dict says.
type header struct {
	descr        string
	fortranOrder bool
	shape        []int64
}

// descrOf is the descr Write uses for a dtype. bf16 has no NumPy dtype: its 16-bit
// patterns are written as uint16 ('<u2'), which NumPy reads as x.view(np.uint16)
// would give and ml_dtypes turns back with .view(ml_dtypes.bfloat16).
func descrOf(d runtime.DType) (string, error) {
	switch d {
	case runtime.Float32:
		return "<f4", nil
	case runtime.Float64:
		return "<f8", nil
	case runtime.Float16:
		return "<f2", nil
	case runtime.BFloat16:
		return "<u2", nil
	case runtime.Int32:
		return "<i4", nil
	case runtime.Int64:
		return "<i8", nil
	case runtime.Boolean:
		return "|b1", nil
	}
	return "", fmt.Errorf("dtype %s has no .npy equivalent", d)
}

// dtypeOf maps a descr to a dtype, with a message that names the descr. '=' (native)
// is little-endian on every platform dlc runs on; byte order means nothing for one-byte
// types. uint16 is read as bf16, dlc's only 16-bit type without a NumPy dtype.
func dtypeOf(descr string) (runtime.DType, error) {
	d := descr
	if len(d) == 3 && strings.IndexByte("<>=|", d[0]) >= 0 {
		switch {
		case d[2] == '1':
			d = "|" + d[1:]
		case d[0] == '=':
			d = "<" + d[1:]
		}
	}
	switch d {
	case "<f4":
		return runtime.Float32, nil
	case "<f8":
		return runtime.Float64, nil
	case "<f2":
		return runtime.Float16, nil
	case "<u2":
		return runtime.BFloat16, nil
	case "<i4":
		return runtime.Int32, nil
	case "<i8":
		return runtime.Int64, nil
	case "|b1", "|u1": // a 0/1 mask saved as uint8 reads as bool; Read checks every byte
		return runtime.Boolean, nil
	}
	if strings.HasPrefix(descr, ">") {
		return 0, fmt.Errorf("dtype %q is big-endian; only little-endian .npy files are supported (save with arr.astype(arr.dtype.newbyteorder('<')))", descr)
	}
	return 0, fmt.Errorf("unsupported dtype %q (supported: <f4 <f8 <f2 <u2 as bf16 <i4 <i8 |b1 |u1)", descr)
}

// parseHeader reads the dict literal. Keys may come in any order; all three are required.
func parseHeader(s string) (*header, error) {
	p := &dictParser{s: s}
	h := &header{}
	seen := map[string]bool{}
	p.space()
	if !p.eat('{') {
		return nil, p.errf("header does not start with '{'")
	}
	for {
		p.space()
		if p.eat('}') {
			break
		}
		key, err := p.str()
		if err != nil {
			return nil, err
		}
		p.space()
		if !p.eat(':') {
			return nil, p.errf("expected ':' after key %q", key)
		}
		p.space()
		if seen[key] {
			return nil, p.errf("key %q repeated", key)
		}
		seen[key] = true
		switch key {
		case "descr":
			if p.peek() == '[' {
				return nil, p.errf("structured dtypes are not supported")
			}
			if h.descr, err = p.str(); err != nil {
				return nil, err
			}
		case "fortran_order":
			if h.fortranOrder, err = p.boolean(); err != nil {
				return nil, err
			}
		case "shape":
			if h.shape, err = p.tuple(); err != nil {
				return nil, err
			}
		default:
			return nil, p.errf("unknown key %q", key)
		}
		p.space()
		if p.eat(',') {
			continue
		}
		p.space()
		if !p.eat('}') {
			return nil, p.errf("expected ',' or '}'")
		}
		break
	}
	if rest := strings.TrimRight(s[p.i:], " \t\r\n\x00"); rest != "" {
		return nil, fmt.Errorf("header: unexpected %q after the dict", rest)
	}
	for _, k := range []string{"descr", "fortran_order", "shape"} {
		if !seen[k] {
			return nil, fmt.Errorf("header: key %q missing", k)
		}
	}
	return h, nil
}

// dictParser reads the small subset of Python literals that .npy headers use.
type dictParser struct {
	s string
	i int
}

func (p *dictParser) errf(format string, args ...any) error {
	return fmt.Errorf("header: offset %d: %s", p.i, fmt.Sprintf(format, args...))
}

func (p *dictParser) peek() byte {
	if p.i < len(p.s) {
		return p.s[p.i]
	}
	return 0
}

func (p *dictParser) eat(c byte) bool {
	if p.peek() == c && p.i < len(p.s) {
		p.i++
		return true
	}
	return false
}

func (p *dictParser) space() {
	for p.i < len(p.s) && strings.IndexByte(" \t\r\n", p.s[p.i]) >= 0 {
		p.i++
	}
}

// str reads a '...' or "..." literal without escapes (descrs and keys never have any).
func (p *dictParser) str() (string, error) {
	q := p.peek()
	if q != '\'' && q != '"' {
		return "", p.errf("expected a string")
	}
	end := strings.IndexByte(p.s[p.i+1:], q)
	if end < 0 {
		return "", p.errf("unterminated string")
	}
	v := p.s[p.i+1 : p.i+1+end]
	if strings.IndexByte(v, '\\') >= 0 {
		return "", p.errf("escapes in strings are not supported")
	}
	p.i += end + 2
	return v, nil
}

func (p *dictParser) boolean() (bool, error) {
	switch {
	case strings.HasPrefix(p.s[p.i:], "True"):
		p.i += 4
		return true, nil
	case strings.HasPrefix(p.s[p.i:], "False"):
		p.i += 5
		return false, nil
	}
	return false, p.errf("expected True or False")
}

// tuple reads (), (3,) or (3, 4) of non-negative integers.
func (p *dictParser) tuple() ([]int64, error) {
	if !p.eat('(') {
		return nil, p.errf("expected a shape tuple")
	}
	shape := []int64{}
	for {
		p.space()
		if p.eat(')') {
			return shape, nil
		}
		start := p.i
		for p.i < len(p.s) && p.s[p.i] >= '0' && p.s[p.i] <= '9' {
			p.i++
		}
		// NumPy on Windows once wrote 3L; accept the suffix.
		digits := p.s[start:p.i]
		p.eat('L')
		n, err := strconv.ParseInt(digits, 10, 64)
		if err != nil {
			return nil, p.errf("bad dimension %q", p.s[start:p.i])
		}
		shape = append(shape, n)
		p.space()
		if p.eat(',') {
			continue
		}
		p.space()
		if !p.eat(')') {
			return nil, p.errf("expected ',' or ')' in shape")
		}
		return shape, nil
	}
}

// formatHeader writes the dict the way NumPy does.
func formatHeader(descr string, shape []int64) string {
	var b strings.Builder
	fmt.Fprintf(&b, "{'descr': '%s', 'fortran_order': False, 'shape': (", descr)
	for i, n := range shape {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(strconv.FormatInt(n, 10))
	}
	if len(shape) == 1 {
		b.WriteString(",")
	}
	b.WriteString("), }")
	return b.String()
}
