// This file finds the name a user probably meant, for "did you mean" hints.
package frontend

import (
	"fmt"
	"slices"
)

// closest returns the candidate nearest to name in edit distance, or "" when
// none is close enough to be a likely typo.
func closest(name string, candidates []string) string {
	best, bestDist := "", 0
	limit := min(3, 1+len(name)/4)
	if len(name) < 2 {
		return "" // every one-letter name is one edit from another
	}
	sorted := slices.Clone(candidates)
	slices.Sort(sorted)
	for _, c := range sorted {
		if c == name || c == "" {
			continue
		}
		d := editDistance(name, c)
		if d <= limit && (best == "" || d < bestDist) {
			best, bestDist = c, d
		}
	}
	return best
}

// foreignFunction says how the language writes a function that NumPy or
// PyTorch names name, or "" when it does not know the name.
func foreignFunction(name string) string {
	switch name {
	case "matmul", "mm", "bmm", "dot", "matvec", "mv", "inner":
		return "the matrix product is the operator a @ b"
	case "permute", "swapaxes", "moveaxis":
		return "transpose(x, axes) permutes axes"
	}
	return ""
}

// didYouMean returns ` (did you mean "x"?)` for the closest candidate, or "".
func didYouMean(name string, candidates []string) string {
	if c := closest(name, candidates); c != "" {
		return fmt.Sprintf(" (did you mean %q?)", c)
	}
	return ""
}

// editDistance is the Levenshtein distance between a and b, counting a swap
// of two adjacent characters as one edit.
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	d := make([][]int, len(ra)+1)
	for i := range d {
		d[i] = make([]int, len(rb)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(ra); i++ {
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(ra)][len(rb)]
}
