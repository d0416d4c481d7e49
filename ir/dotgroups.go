// This file groups the axes of a dot_general the way a matrix-multiply kernel
// reads them: the batch axes, the rows (the left operand's free axes), the
// columns (the right operand's free axes) and the contracted depth. A kernel
// walks rows, columns and depth each with one index and one stride per
// operand, so each of those groups must be a contiguous run of axes of its
// operand (axes of constant size 1 anywhere in between do not count).
package ir

import (
	"fmt"
	"slices"
)

// DotGroups are the axes of a dot_general grouped as a kernel walks them.
// Batch axes are walked one by one (a unit of work is one batch item), so
// they may lie anywhere; each other group is collapsed into one index.
type DotGroups struct {
	// LhsBatch and RhsBatch are the batch axes of each operand, in result order.
	LhsBatch, RhsBatch []int
	// M are the left operand's free axes, in order: the result's rows.
	M []int
	// N are the right operand's free axes, in order: the result's columns.
	N []int
	// LhsK and RhsK are the contracted axes of each operand, paired, ordered
	// by the left operand's axis.
	LhsK, RhsK []int
}

// GroupDot groups the axes of a dot_general of operands of shapes lhs and rhs
// with valid dimension numbers d, and reports why a kernel cannot walk them
// with one stride per group (a group of an operand whose axes are not one
// contiguous run, in the order the other operand pairs them), or "".
func GroupDot(lhs, rhs Shape, d DotDims) (DotGroups, string) {
	g := DotGroups{
		LhsBatch: slices.Clone(d.LhsBatch), RhsBatch: slices.Clone(d.RhsBatch),
		M: FreeAxes(len(lhs), d.LhsBatch, d.LhsContract),
		N: FreeAxes(len(rhs), d.RhsBatch, d.RhsContract),
	}
	order := make([]int, len(d.LhsContract))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(a, b int) int { return d.LhsContract[a] - d.LhsContract[b] })
	for _, i := range order {
		g.LhsK = append(g.LhsK, d.LhsContract[i])
		g.RhsK = append(g.RhsK, d.RhsContract[i])
	}
	switch {
	case !ContiguousRun(lhs, g.M):
		return g, fmt.Sprintf("the left operand's free axes %s are not adjacent", FormatInts(g.M))
	case !ContiguousRun(lhs, g.LhsK):
		return g, fmt.Sprintf("the left operand's contracted axes %s are not adjacent", FormatInts(g.LhsK))
	case !ContiguousRun(rhs, g.N):
		return g, fmt.Sprintf("the right operand's free axes %s are not adjacent", FormatInts(g.N))
	case !ContiguousRun(rhs, g.RhsK):
		return g, fmt.Sprintf("the right operand's contracted axes %s are not adjacent in the order the left operand pairs them", FormatInts(g.RhsK))
	}
	return g, ""
}

// ContiguousRun reports whether axes, in the order given and leaving out
// axes of constant size 1, are consecutive axes of shape s with only axes
// of constant size 1 between them: then one index over their sizes' product
// walks them with the stride of the last one.
func ContiguousRun(s Shape, axes []int) bool {
	last := -1
	for _, a := range axes {
		if s[a] == ConstDim(1) {
			continue
		}
		if last >= 0 {
			if a <= last {
				return false
			}
			for b := last + 1; b < a; b++ {
				if s[b] != ConstDim(1) {
					return false
				}
			}
		}
		last = a
	}
	return true
}

// CanonicalDot returns, for the operands of a dot_general whose groups are
// not contiguous (GroupDot), the transposes that make them so: the left
// operand as [batch..., free..., contracted...], the right one as
// [batch..., contracted..., free...], contracted axes in pair order, and
// the dimension numbers over the transposed operands. A nil permutation
// leaves that operand as it is. The result's shape does not change: each
// operand's free axes keep their order.
func CanonicalDot(lhs, rhs Shape, d DotDims) (lhsPerm, rhsPerm []int, nd DotDims) {
	g, _ := GroupDot(lhs, rhs, d)
	nd = d.Clone()
	lhsOK := ContiguousRun(lhs, g.M) && ContiguousRun(lhs, g.LhsK)
	rhsOK := ContiguousRun(rhs, g.N) && ContiguousRun(rhs, g.RhsK)
	nb, nk := len(g.LhsBatch), len(g.LhsK)
	if !lhsOK {
		lhsPerm = append(append(slices.Clone(g.LhsBatch), g.M...), g.LhsK...)
		nd.LhsBatch, nd.LhsContract = axisRange(0, nb), axisRange(nb+len(g.M), nb+len(g.M)+nk)
		nd.RhsContract = slices.Clone(g.RhsK)
	} else {
		nd.LhsContract, nd.RhsContract = slices.Clone(g.LhsK), slices.Clone(g.RhsK)
	}
	if !rhsOK {
		rhsPerm = append(append(slices.Clone(g.RhsBatch), g.RhsK...), g.N...)
		nd.RhsBatch, nd.RhsContract = axisRange(0, nb), axisRange(nb, nb+nk)
	}
	return lhsPerm, rhsPerm, nd
}

// BroadcastsByGroups reports whether shape s broadcasts into shape t (NumPy's
// rules, aligned on the last axis) group by group: within each group of
// axes of t, s has every axis (of t's size) or broadcasts every one (size 1
// or absent). Axes of t of constant size 1 belong to no group. A kernel that
// walks each group with one index reads such an s with one stride per group.
func BroadcastsByGroups(s, t Shape, groups [][]int) bool {
	if len(s) > len(t) {
		return false
	}
	off := len(t) - len(s)
	for a := off; a < len(t); a++ {
		if d := s[a-off]; d != ConstDim(1) && d != t[a] {
			return false
		}
	}
	for _, g := range groups {
		has, lacks := 0, 0
		for _, a := range g {
			switch {
			case t[a] == ConstDim(1):
			case a < off || s[a-off] == ConstDim(1):
				lacks++
			default:
				has++
			}
		}
		if has > 0 && lacks > 0 {
			return false
		}
	}
	return true
}

// ResultGroups are the groups of axes of a dot_general's result: each batch
// axis alone, the rows and the columns.
func (g DotGroups) ResultGroups() [][]int {
	var gs [][]int
	nb, nm := len(g.LhsBatch), len(g.M)
	for i := 0; i < nb; i++ {
		gs = append(gs, []int{i})
	}
	return append(gs, axisRange(nb, nb+nm), axisRange(nb+nm, nb+nm+len(g.N)))
}

// OperandGroups are the groups of axes of operand i (0 left, 1 right) of a
// dot_general: each batch axis alone, the free axes and the contracted ones.
func (g DotGroups) OperandGroups(i int) [][]int {
	batch, free, contract := g.LhsBatch, g.M, g.LhsK
	if i == 1 {
		batch, free, contract = g.RhsBatch, g.N, g.RhsK
	}
	var gs [][]int
	for _, a := range batch {
		gs = append(gs, []int{a})
	}
	return append(gs, free, contract)
}
