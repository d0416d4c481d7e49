// This file describes a kernel's roofline: the bytes it must move, the
// operations and transcendental calls it performs, their ratio (arithmetic
// intensity), and which roof bounds it for a given machine balance.
package main

import (
	"fmt"
	"os"
	"strconv"

	"dlc.dev/dlc/artifact"
	"dlc.dev/dlc/internal/buildcache"
	"dlc.dev/dlc/ir"
)

// roofOptions are the sizes and machine balance a roofline is evaluated at.
type roofOptions struct {
	dims    map[string]int64 // sizes of symbolic dimensions; missing ones stay symbolic
	balance float64          // operations per byte at the ridge point; 0: unknown
	source  string           // where balance comes from, when not from --balance
}

// largeDim is the size every dimension takes to estimate the intensity of a
// kernel when no size is given: the ratio of the leading terms.
const largeDim = 1 << 20

// balanceKey names the machine balance dlc bench last measured, in the
// build cache.
var balanceKey = buildcache.Key("machine balance measured by dlc bench")

// saveBalance keeps the machine balance measured on threads threads in the
// default build cache, for dlc inspect; without a cache it is not kept.
func saveBalance(balance float64, threads int) {
	dir, err := buildcache.DefaultDir(os.Getenv)
	if err != nil || dir == "" {
		return
	}
	if c, err := buildcache.Open(dir, 0); err == nil {
		_ = c.Put(buildcache.KindMemo, balanceKey, []byte(fmt.Sprintf("%g %d", balance, threads)))
	}
}

// savedBalance is the machine balance dlc bench last measured, and a note
// saying so; 0 when there is none.
func savedBalance() (float64, string) {
	dir, err := buildcache.DefaultDir(os.Getenv)
	if err != nil || dir == "" {
		return 0, ""
	}
	c, err := buildcache.Open(dir, 0)
	if err != nil {
		return 0, ""
	}
	b, err := c.Get(buildcache.KindMemo, balanceKey)
	if err != nil {
		return 0, ""
	}
	var balance float64
	var threads int
	if _, err := fmt.Sscanf(string(b), "%g %d", &balance, &threads); err != nil || balance <= 0 {
		return 0, ""
	}
	return balance, fmt.Sprintf("measured by dlc bench on %d threads", threads)
}

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
		s += " (dlc bench measures the machine balance that decides the roof; or give --balance)"
	case ai < ro.balance:
		s += fmt.Sprintf(": memory-bound (balance %.3g%s)", ro.balance, ro.sourceNote())
	default:
		s += fmt.Sprintf(": compute-bound (balance %.3g%s)", ro.balance, ro.sourceNote())
	}
	return s
}

func (ro roofOptions) sourceNote() string {
	if ro.source == "" {
		return ""
	}
	return ", " + ro.source
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
