// This file counts the work of a value, from its op row's cost class, as an
// expression of the function's dimensions: the arithmetic operations and the
// transcendental calls it performs. Rooflines in dlc inspect and dlc bench
// are built on it.
package ir

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// Count is a polynomial in symbolic dimensions with integer coefficients:
// monomial (dimension names sorted and joined by "*", "" for the constant
// term) to coefficient.
type Count map[string]int64

// CountOf is the number of elements of shape s.
func CountOf(s Shape) Count {
	coef := int64(1)
	var syms []string
	for _, d := range s {
		if d.IsSym() {
			syms = append(syms, d.Sym)
		} else {
			coef *= d.N
		}
	}
	if coef == 0 {
		return Count{}
	}
	sort.Strings(syms)
	return Count{strings.Join(syms, "*"): coef}
}

// Add adds d to c in place and returns c.
func (c Count) Add(d Count) Count {
	for m, k := range d {
		c[m] += k
		if c[m] == 0 {
			delete(c, m)
		}
	}
	return c
}

// Scale returns c times k.
func (c Count) Scale(k int64) Count {
	out := Count{}
	for m, v := range c {
		if v*k != 0 {
			out[m] = v * k
		}
	}
	return out
}

// Mul returns the product c times d.
func (c Count) Mul(d Count) Count {
	out := Count{}
	for m1, k1 := range c {
		for m2, k2 := range d {
			var syms []string
			for _, m := range []string{m1, m2} {
				if m != "" {
					syms = append(syms, strings.Split(m, "*")...)
				}
			}
			sort.Strings(syms)
			out.Add(Count{strings.Join(syms, "*"): k1 * k2})
		}
	}
	return out
}

// String prints c as "20*N", "3*B*C + 2*B + 1" or "0": higher degrees
// first, then by name. EvalCount reads it back.
func (c Count) String() string {
	if len(c) == 0 {
		return "0"
	}
	ms := make([]string, 0, len(c))
	for m := range c {
		ms = append(ms, m)
	}
	degree := func(m string) int {
		if m == "" {
			return 0
		}
		return strings.Count(m, "*") + 1
	}
	sort.Slice(ms, func(i, j int) bool {
		if di, dj := degree(ms[i]), degree(ms[j]); di != dj {
			return di > dj
		}
		return ms[i] < ms[j]
	})
	terms := make([]string, len(ms))
	for i, m := range ms {
		switch {
		case m == "":
			terms[i] = strconv.FormatInt(c[m], 10)
		case c[m] == 1:
			terms[i] = m
		default:
			terms[i] = strconv.FormatInt(c[m], 10) + "*" + m
		}
	}
	return strings.Join(terms, " + ")
}

// EvalCount evaluates an expression Count.String printed, with the sizes
// of its dimensions from dims.
func EvalCount(expr string, dims map[string]int64) (int64, error) {
	var total int64
	for _, term := range strings.Split(expr, " + ") {
		p := int64(1)
		for _, f := range strings.Split(strings.TrimSpace(term), "*") {
			if n, err := strconv.ParseInt(f, 10, 64); err == nil {
				p *= n
				continue
			}
			n, ok := dims[f]
			if !ok {
				return 0, fmt.Errorf("dimension %s is not given", f)
			}
			p *= n
		}
		total += p
	}
	return total, nil
}

// Work is what computing v costs, from its op's cost class: arithmetic
// operations (one per element computed, or per element reduced, for cheap,
// dividing and transcendental ops; 2·M·N·K for a contraction, a multiply
// and an add per contracted index) and transcendental calls (one per element
// for a transcendental op). Parameters, constants, data movement (reshape,
// broadcast, transpose, gather) and index generation count nothing.
func Work(v *Value) (ops, transcendentals Count) {
	info := v.Op.Info()
	if info.Traits&(Elementwise|Reduction|Contraction) == 0 {
		return Count{}, Count{}
	}
	n := CountOf(v.Type.Shape)
	if info.Traits&Reduction != 0 && len(v.Args) > 0 {
		n = CountOf(v.Args[0].Type.Shape)
	}
	switch info.Cost {
	case CostFree:
		return Count{}, Count{}
	case CostTranscendental:
		return n, n.Scale(1)
	case CostContraction:
		k := Shape{}
		if len(v.Args) > 0 {
			for _, ax := range v.Dot.LhsContract {
				if ax < len(v.Args[0].Type.Shape) {
					k = append(k, v.Args[0].Type.Shape[ax])
				}
			}
		}
		return n.Mul(CountOf(k)).Scale(2), Count{}
	}
	return n, Count{}
}
