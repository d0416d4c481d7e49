// This file describes a kernel's roofline: the bytes it must move, the
// operations and transcendental calls it performs, their ratio (arithmetic
// intensity), and which roof bounds it for a given machine balance.
package main

import (
	"fmt"
	"strconv"

	"dlc.dev/dlc/artifact"
	"dlc.dev/dlc/ir"
)

// roofOptions are the sizes and machine balance a roofline is evaluated at.
type roofOptions struct {
	dims    map[string]int64 // sizes of symbolic dimensions; missing ones stay symbolic
	balance float64          // operations per byte at the ridge point; 0: unknown
}

// largeDim is the size every dimension takes to estimate the intensity of a
// kernel when no size is given: the ratio of the leading terms.
const largeDim = 1 << 20

// parseDims reads --dim NAME=SIZE flags.
func parseDims(p pairs) (map[string]int64, error) {
	dims := map[string]int64{}
	for i, k := range p.keys {
		n, err := strconv.ParseInt(p.vals[i], 10, 64)
		if err != nil || n <= 0 {
			return nil, fmt.Errorf("--dim %s: %q is not a positive size", k, p.vals[i])
		}
		dims[k] = n
	}
	return dims, nil
}

// intensity is ops per byte of c at dims, and whether every size was known.
func intensity(c *artifact.Cost, dims map[string]int64) (ops, bytes int64, exact bool) {
	o, err1 := ir.EvalCount(c.Ops, dims)
	b, err2 := ir.EvalCount(c.Bytes, dims)
	return o, b, err1 == nil && err2 == nil
}

// describe is one line: the counts, evaluated when the sizes are known, the
// intensity and the bounding roof.
func (ro roofOptions) describe(c *artifact.Cost) string {
	ops, bytes, exact := intensity(c, ro.dims)
	s := fmt.Sprintf("%s bytes, %s ops, %s transcendentals", c.Bytes, c.Ops, c.Transcendentals)
	var ai float64
	if exact {
		t, _ := ir.EvalCount(c.Transcendentals, ro.dims)
		s = fmt.Sprintf("%d bytes, %d ops, %d transcendentals", bytes, ops, t)
		if bytes > 0 {
			ai = float64(ops) / float64(bytes)
			s += fmt.Sprintf("; %.3g ops/byte", ai)
		}
	} else {
		large := map[string]int64{}
		for _, d := range []string{c.Ops, c.Bytes} {
			for _, name := range countNames(d) {
				large[name] = largeDim
			}
		}
		for k, v := range ro.dims {
			large[k] = v
		}
		o, b, _ := intensity(c, large)
		if b > 0 {
			ai = float64(o) / float64(b)
			s += fmt.Sprintf("; %.3g ops/byte for large sizes", ai)
		}
	}
	switch {
	case ai == 0:
	case ro.balance == 0:
		s += " (--balance decides the roof)"
	case ai < ro.balance:
		s += fmt.Sprintf(": memory-bound (balance %g)", ro.balance)
	default:
		s += fmt.Sprintf(": compute-bound (balance %g)", ro.balance)
	}
	return s
}

// countNames lists the dimension names in an ir.Count expression.
func countNames(expr string) []string {
	var names []string
	word := []byte{}
	flush := func() {
		if len(word) > 0 {
			if _, err := strconv.ParseInt(string(word), 10, 64); err != nil {
				names = append(names, string(word))
			}
			word = word[:0]
		}
	}
	for i := 0; i < len(expr); i++ {
		switch ch := expr[i]; ch {
		case ' ', '+', '*':
			flush()
		default:
			word = append(word, ch)
		}
	}
	flush()
	return names
}
