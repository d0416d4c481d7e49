// This file fuses elementwise work into contraction kernels, as XLA fuses
// around a GEMM:
//
//   - output fusion: elementwise consumers of a contraction's result (a bias
//     add, an activation, a scaling, a residual add, a cast), and the
//     elementwise values of the result's shape they read, join its kernel
//     and are applied to each tile of the result while it is in registers,
//     so relu(x @ w + b) is one kernel that writes only its result;
//   - input fusion: the elementwise producers of an operand join the kernel
//     and are computed while the operand is packed, so a masked gradient
//     (dy * select(h > 0, 1, 0)) @ transpose(w) never writes the masked dy.
//
// A group joins only if the kernel can address everything it reads with one
// stride per group of axes (batch axes, rows, columns, depth): a buffer it
// reads has each group of axes whole or broadcasts all of it.
package passes

import (
	"fmt"

	"dlc.dev/dlc/ir"
)

// fuseContractionEdge decides and explains the edge from producer p to
// consumer c (operand i) when either is in a contraction's kernel, merging
// the two kernels when they fuse. It reports whether it decided the edge.
func (fu *fuser) fuseContractionEdge(p, c *ir.Value, i int) bool {
	handled, why, kind := fu.contractionEdge(p, c, i)
	if !handled {
		return false
	}
	f := fu.f
	if why != "" {
		fu.refuse = append(fu.refuse, fmt.Sprintf("%s -> %s: %s", ir.Ref(p), ir.Ref(c), why))
		fu.opt.explain("@%s: do not fuse %s into %s: %s", f.Name, ir.Ref(p), ir.Ref(c), why)
		return true
	}
	gp, gc := fu.of[p], fu.of[c]
	if d := gp.contraction(); d != nil {
		fu.opt.explain("@%s: fuse %s into the contraction kernel of %s: %s", f.Name, ir.Ref(c), ir.Ref(d), kind)
		fu.merge(gp, gc)
	} else {
		fu.opt.explain("@%s: fuse %s into the contraction kernel of %s: %s", f.Name, ir.Ref(p), ir.Ref(gc.contraction()), kind)
		fu.merge(gc, gp)
	}
	return true
}

// standalone returns the member of a group of its own that makes it so: its
// contraction, transpose, or reduction or gather along another axis.
func (g *group) standalone() *ir.Value {
	for _, v := range g.members {
		if standalone(v) {
			return v
		}
	}
	return g.members[0]
}

// contraction returns the contraction a group computes, or nil.
func (g *group) contraction() *ir.Value {
	for _, v := range g.members {
		if v.Op.Has(ir.Contraction) {
			return v
		}
	}
	return nil
}

// contractionEdge decides the edge from producer p to consumer c (operand
// i) when either is in a contraction's kernel. handled is false when
// neither is. Otherwise why says why the groups stay apart ("" to fuse) and
// kind what the fusion is.
func (fu *fuser) contractionEdge(p, c *ir.Value, i int) (handled bool, why, kind string) {
	gp, gc := fu.of[p], fu.of[c]
	dp, dc := gp.contraction(), gc.contraction()
	switch {
	case dp != nil && dc != nil:
		return true, "a contraction kernel computes one contraction", ""
	case dp != nil && gc.alone, dc != nil && gp.alone:
		return false, "", "" // a kernel of its own: the general rule says why
	case dp != nil:
		if why := fu.joinsEpilogue(gc, gp, dp); why != "" {
			return true, why, ""
		}
		return true, "", fmt.Sprintf("output fusion: applied to each tile of %s in registers", ir.Ref(dp))
	case dc != nil:
		if c == dc {
			side := [2]string{"left", "right"}[i]
			if why := fu.joinsPrologue(gp, dc, i); why != "" {
				return true, why, ""
			}
			return true, "", fmt.Sprintf("input fusion: computed while the %s operand of %s is packed", side, ir.Ref(dc))
		}
		if why := fu.joinsEpilogue(gp, gc, dc); why != "" {
			return true, why, ""
		}
		return true, "", fmt.Sprintf("output fusion: read by the epilogue of %s, computed on its tiles", ir.Ref(dc))
	}
	return false, "", ""
}

// joinsEpilogue says why group h cannot be computed on the tiles of
// contraction d (in group g), or "".
func (fu *fuser) joinsEpilogue(h, g *group, d *ir.Value) string {
	if why := contractionDType(d); why != "" {
		return why
	}
	groups := dotGroups(d).ResultGroups()
	feeds := ancestors(d)
	for _, v := range h.members {
		if feeds[v] {
			return fmt.Sprintf("%s feeds %s: it cannot also be computed on its tiles", ir.Ref(v), ir.Ref(d))
		}
		for _, a := range v.Args {
			if feeds[a] && fu.of[a] == g {
				return fmt.Sprintf("%s reads %s, which the contraction computes only while packing an operand", ir.Ref(v), ir.Ref(a))
			}
		}
		if !v.Op.Has(ir.Elementwise) {
			return fmt.Sprintf("%s (%s) is not elementwise: only elementwise work runs on the tiles of a contraction", ir.Ref(v), v.Op)
		}
		if !v.Type.Shape.Equal(d.Type.Shape) {
			return fmt.Sprintf("%s has shape %s, not the contraction's %s", ir.Ref(v), v.Type.Shape, d.Type.Shape)
		}
		if why := fu.readsByGroups(v, h, g, d.Type.Shape, groups); why != "" {
			return why
		}
	}
	if fu.cycle(g, h) {
		return "another kernel sits between them (fusing would make a cycle)"
	}
	return ""
}

// joinsPrologue says why group h, which computes operand i of contraction d,
// cannot be computed while that operand is packed, or "".
func (fu *fuser) joinsPrologue(h *group, d *ir.Value, i int) string {
	if why := contractionDType(d); why != "" {
		return why
	}
	op := d.Args[i]
	groups := dotGroups(d).OperandGroups(i)
	in := map[*ir.Value]bool{}
	for _, v := range h.members {
		in[v] = true
	}
	for _, v := range h.members {
		if !v.Op.Has(ir.Elementwise) {
			return fmt.Sprintf("%s (%s) is not elementwise: only elementwise work is computed while packing", ir.Ref(v), v.Op)
		}
		if !v.Type.Shape.Equal(op.Type.Shape) {
			return fmt.Sprintf("%s has shape %s, not the operand's %s", ir.Ref(v), v.Type.Shape, op.Type.Shape)
		}
		if why := fu.readsByGroups(v, h, nil, op.Type.Shape, groups); why != "" {
			return why
		}
		if use := fu.useOutside(v, in, d); use != "" {
			return fmt.Sprintf("%s is also used by %s: it is computed once, by a kernel of its own", ir.Ref(v), use)
		}
	}
	return ""
}

// readsByGroups says why the kernel could not read an operand of v from
// memory (one outside groups h and g, of another shape than t whose axes
// are grouped as groups), or "".
func (fu *fuser) readsByGroups(v *ir.Value, h, g *group, t ir.Shape, groups [][]int) string {
	for _, a := range v.Args {
		if a.Type.IsScalar() || fu.of[a] == h || (g != nil && fu.of[a] == g) {
			continue
		}
		if !ir.BroadcastsByGroups(a.Type.Shape, t, groups) {
			return fmt.Sprintf("%s reads %s of shape %s, which broadcasts over part of a group of axes of %s that the kernel walks as one", ir.Ref(v), ir.Ref(a), a.Type.Shape, t)
		}
	}
	return ""
}

// useOutside names a use of v other than by group members (in) or the
// contraction d: a result, or a value of another kernel; "" when none.
func (fu *fuser) useOutside(v *ir.Value, in map[*ir.Value]bool, d *ir.Value) string {
	for _, r := range fu.f.Results {
		if r.Value == v {
			return "result " + r.Name
		}
	}
	for _, u := range fu.f.Body {
		if u == d || in[u] {
			continue
		}
		for _, a := range u.Args {
			if a == v {
				return ir.Ref(u)
			}
		}
	}
	return ""
}

// dotGroups groups the axes of contraction d as its kernel walks them.
func dotGroups(d *ir.Value) ir.DotGroups {
	g, _ := ir.GroupDot(d.Args[0].Type.Shape, d.Args[1].Type.Shape, d.Dot)
	return g
}

// contractionDType says why nothing fuses with contraction d, or "": the
// CPU kernel accumulates f32 and f64 only (16-bit operands wait for mixed
// precision, and the build reports them).
func contractionDType(d *ir.Value) string {
	if dt := d.Type.DType; dt != ir.F32 && dt != ir.F64 {
		return fmt.Sprintf("%s contractions are not compiled, so nothing fuses with them", dt)
	}
	return ""
}

// ancestors returns the values contraction d depends on.
func ancestors(d *ir.Value) map[*ir.Value]bool {
	seen := map[*ir.Value]bool{}
	var walk func(v *ir.Value)
	walk = func(v *ir.Value) {
		for _, a := range v.Args {
			if !seen[a] {
				seen[a] = true
				walk(a)
			}
		}
	}
	walk(d)
	return seen
}
