// This file folds transposes into the contractions that read them. A
// dot_general reads each operand in whatever axis order its dimension
// numbers name, so a transpose whose every use is a contraction is an
// operand layout, not a copy: the contraction reads the transpose's operand
// in place. On the way, a transpose of a transpose becomes one transpose, and
// a transpose that leaves every axis in place is dropped.
package passes

import (
	"fmt"
	"slices"

	"dlc.dev/dlc/ir"
)

// foldLayouts folds transposes into contractions in every function.
func foldLayouts(m *ir.Module, opt *Options) (bool, error) {
	changed := false
	for _, f := range m.Funcs {
		did := false
		// A transpose comes before its uses, so by the time a contraction is
		// reached its operands are composed and identity transposes are gone.
		for _, v := range slices.Clone(f.Body) {
			switch v.Op {
			case ir.OpTranspose:
				did = simplifyTranspose(f, v, opt) || did
			case ir.OpDotGeneral:
				did = foldOperands(f, v, opt) || did
				did = canonicalOperands(f, v, opt) || did
			}
		}
		if did {
			removeDead(f)
			changed = true
		}
	}
	return changed, nil
}

// simplifyTranspose makes a transpose of a transpose one transpose of the
// inner operand, and replaces a transpose that moves no axis by its operand.
func simplifyTranspose(f *ir.Func, v *ir.Value, opt *Options) bool {
	changed := false
	if x := v.Args[0]; x.Op == ir.OpTranspose {
		// Result axis i is axis v.Perm[i] of x, which is axis x.Perm[v.Perm[i]] of x's operand.
		perm := make([]int, len(v.Perm))
		for i, q := range v.Perm {
			perm[i] = x.Perm[q]
		}
		opt.explain("@%s: compose transpose %s of transpose %s: one transpose of %s by %s",
			f.Name, ir.Ref(v), ir.Ref(x), ir.Ref(x.Args[0]), ir.FormatInts(perm))
		v.Args, v.Perm = []*ir.Value{x.Args[0]}, perm
		changed = true
	}
	if ir.IsIdentity(v.Perm) {
		opt.explain("@%s: drop transpose %s: it leaves every axis in place", f.Name, ir.Ref(v))
		f.ReplaceUses(v, v.Args[0])
		changed = true
	}
	return changed
}

// foldOperands folds each operand of contraction v that is a transpose read
// only by contractions into v's dimension numbers.
func foldOperands(f *ir.Func, v *ir.Value, opt *Options) bool {
	changed := false
	for i := range v.Args {
		t := v.Args[i]
		if t.Op != ir.OpTranspose {
			continue
		}
		if other := otherUse(f, t); other != "" {
			opt.explain("@%s: keep transpose %s before %s %s: %s reads it too, so it is computed anyway",
				f.Name, ir.Ref(t), v.Op, ir.Ref(v), other)
			continue
		}
		changed = foldOperand(f, v, i, opt) || changed
	}
	return changed
}

// otherUse names a use of t that is not a contraction (a result, or a value
// of another op), or returns "".
func otherUse(f *ir.Func, t *ir.Value) string {
	for _, r := range f.Results {
		if r.Value == t {
			return "result " + r.Name
		}
	}
	for _, u := range f.Body {
		if slices.Contains(u.Args, t) && !u.Op.Has(ir.Contraction) {
			return fmt.Sprintf("%s (%s)", ir.Ref(u), u.Op)
		}
	}
	return ""
}

// foldOperand folds transpose t = v.Args[i] into v: the contraction reads
// t's operand with its batch and contracted axes renamed through t's
// permutation. The free axes of that operand then come in the operand's
// order, not the transpose's; when that reorders the result, the transpose
// stays, unless the reordering moves only axes of size 1, which a reshape of
// the result undoes at no cost.
func foldOperand(f *ir.Func, v *ir.Value, i int, opt *Options) bool {
	t := v.Args[i]
	x := t.Args[0]
	d := v.Dot.Clone()
	batch, contract := &d.LhsBatch, &d.LhsContract
	side := "left"
	if i == 1 {
		batch, contract, side = &d.RhsBatch, &d.RhsContract, "right"
	}
	free := ir.FreeAxes(len(t.Perm), *batch, *contract)
	*batch, *contract = permuted(t.Perm, *batch), permuted(t.Perm, *contract)
	args := slices.Clone(v.Args)
	args[i] = x
	shape := ir.DotShape(args[0].Type.Shape, args[1].Type.Shape, d)
	if _, why := ir.GroupDot(args[0].Type.Shape, args[1].Type.Shape, d); why != "" {
		opt.explain("@%s: keep transpose %s before %s %s: read in place, %s",
			f.Name, ir.Ref(t), v.Op, ir.Ref(v), why)
		return false
	}
	reshape := false
	if moved := permuted(t.Perm, free); !slices.IsSorted(moved) {
		if !ir.MovesOnlyOnes(shape, resultPerm(v, i, len(d.LhsBatch), moved)) {
			opt.explain("@%s: keep transpose %s before %s %s: read in place, %s would give the result's free axes in another order (%s instead of %s)",
				f.Name, ir.Ref(t), v.Op, ir.Ref(v), ir.Ref(x), shape, v.Type.Shape)
			return false
		}
		reshape = true
	}
	opt.explain("@%s: fold transpose %s into %s %s: its %s operand reads %s in place (%s)",
		f.Name, ir.Ref(t), v.Op, ir.Ref(v), side, ir.Ref(x), d)
	old := v.Type
	v.Args, v.Dot, v.Type = args, d, ir.Type{DType: old.DType, Shape: shape}
	if reshape {
		opt.explain("@%s: the free axes of %s %s move only past axes of size 1: a reshape to %s restores its shape",
			f.Name, v.Op, ir.Ref(v), old)
		r := f.NewValue(ir.OpReshape, old) // appended last; it belongs right after v
		f.Body = f.Body[:len(f.Body)-1]
		f.ReplaceUses(v, r)
		r.Args, r.Pos = []*ir.Value{v}, v.Pos
		f.Body = slices.Insert(f.Body, slices.Index(f.Body, v)+1, r)
	}
	return true
}

// permuted renames axes through a transpose's permutation: axis a of the
// transpose is axis perm[a] of its operand.
func permuted(perm, axes []int) []int {
	out := make([]int, len(axes))
	for k, a := range axes {
		out[k] = perm[a]
	}
	return out
}

// resultPerm is the transpose that takes the result of contraction v, once
// its operand i is read in place with its free axes in the order moved
// (renamed through the transpose), back to v's result: old result axis j is
// new result axis perm[j]. nb is the number of batch axes.
func resultPerm(v *ir.Value, i, nb int, moved []int) []int {
	perm := make([]int, len(v.Type.Shape))
	for j := range perm {
		perm[j] = j
	}
	start := nb
	if i == 1 {
		start = len(v.Type.Shape) - len(moved)
	}
	// The operand's free axes land at the rank of their new axis among all of them.
	sorted := slices.Sorted(slices.Values(moved))
	for k, a := range moved {
		perm[start+k] = start + slices.Index(sorted, a)
	}
	return perm
}

// canonicalOperands gives contraction v transposed operands when the kernel
// could not walk them in place: a group of axes (rows, columns or depth)
// that is not one contiguous run of its operand, as an einsum may ask for.
// The transposes put each operand in the order [batch, free, contracted]
// (left) or [batch, contracted, free] (right); the result is unchanged.
func canonicalOperands(f *ir.Func, v *ir.Value, opt *Options) bool {
	lhs, rhs := v.Args[0].Type.Shape, v.Args[1].Type.Shape
	_, why := ir.GroupDot(lhs, rhs, v.Dot)
	if why == "" {
		return false
	}
	lp, rp, d := ir.CanonicalDot(lhs, rhs, v.Dot)
	for i, perm := range [][]int{lp, rp} {
		if perm == nil {
			continue
		}
		x := v.Args[i]
		t := f.NewValue(ir.OpTranspose, ir.Type{DType: x.Type.DType, Shape: ir.PermuteShape(x.Type.Shape, perm)}, x)
		t.Perm, t.Pos = perm, v.Pos
		f.Body = f.Body[:len(f.Body)-1]
		f.Body = slices.Insert(f.Body, slices.Index(f.Body, v), t)
		v.Args[i] = t
		opt.explain("@%s: transpose %s for %s %s: %s, so the kernel reads %s by %s",
			f.Name, ir.Ref(x), v.Op, ir.Ref(v), why, ir.Ref(t), ir.FormatInts(perm))
	}
	v.Dot = d
	return true
}
