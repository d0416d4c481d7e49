// This file holds the contraction ops of the graph IR, dot_general and
// transpose: dimension numbers and permutations, the type and shape rules,
// the float64 meaning the interpreter gives them, and their gradient rules.
// Nothing here reads the op table, so the rows can name these functions.
package ir

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// DotDims are the dimension numbers of a dot_general, as in XLA's
// DotDimensionNumbers: axis LhsBatch[i] of the left operand and axis
// RhsBatch[i] of the right are one batch axis, and LhsContract[i] and
// RhsContract[i] one contracted (summed) axis. Every other axis of an operand
// is free. The result has the batch axes in list order, then the free axes of
// the left operand, then those of the right, each in operand order.
type DotDims struct {
	LhsBatch, RhsBatch       []int
	LhsContract, RhsContract []int
}

// IsZero reports whether d lists no axis at all (an outer product).
func (d DotDims) IsZero() bool {
	return len(d.LhsBatch)+len(d.RhsBatch)+len(d.LhsContract)+len(d.RhsContract) == 0
}

// Equal reports whether d and e list the same axes.
func (d DotDims) Equal(e DotDims) bool {
	return slices.Equal(d.LhsBatch, e.LhsBatch) && slices.Equal(d.RhsBatch, e.RhsBatch) &&
		slices.Equal(d.LhsContract, e.LhsContract) && slices.Equal(d.RhsContract, e.RhsContract)
}

// Clone returns a copy of d that shares no memory with it.
func (d DotDims) Clone() DotDims {
	return DotDims{cloneInts(d.LhsBatch), cloneInts(d.RhsBatch), cloneInts(d.LhsContract), cloneInts(d.RhsContract)}
}

// String prints d as the text form does: batch=[0]x[0] contract=[2]x[1],
// without batch= when there are no batch axes.
func (d DotDims) String() string {
	s := "contract=" + FormatInts(d.LhsContract) + "x" + FormatInts(d.RhsContract)
	if len(d.LhsBatch)+len(d.RhsBatch) > 0 {
		s = "batch=" + FormatInts(d.LhsBatch) + "x" + FormatInts(d.RhsBatch) + " " + s
	}
	return s
}

// FormatInts prints a list of axes as [1,0,2].
func FormatInts(xs []int) string {
	parts := make([]string, len(xs))
	for i, x := range xs {
		parts[i] = strconv.Itoa(x)
	}
	return "[" + strings.Join(parts, ",") + "]"
}

// cloneInts copies xs; nil stays nil.
func cloneInts(xs []int) []int {
	if xs == nil {
		return nil
	}
	return append([]int{}, xs...)
}

// FreeAxes returns the axes of an operand of rank n that are neither batch
// nor contracted, in order.
func FreeAxes(n int, batch, contract []int) []int {
	var free []int
	for i := 0; i < n; i++ {
		if !slices.Contains(batch, i) && !slices.Contains(contract, i) {
			free = append(free, i)
		}
	}
	return free
}

// DotShape is the shape of a dot_general of operands of shapes lhs and rhs
// with valid dimension numbers d: the batch axes, then the free axes of lhs,
// then those of rhs.
func DotShape(lhs, rhs Shape, d DotDims) Shape {
	var out Shape
	for _, a := range d.LhsBatch {
		out = append(out, lhs[a])
	}
	for _, a := range FreeAxes(len(lhs), d.LhsBatch, d.LhsContract) {
		out = append(out, lhs[a])
	}
	for _, a := range FreeAxes(len(rhs), d.RhsBatch, d.RhsContract) {
		out = append(out, rhs[a])
	}
	return out
}

// PermuteShape returns the shape whose axis i is axis perm[i] of s.
func PermuteShape(s Shape, perm []int) Shape {
	if len(perm) == 0 {
		return nil
	}
	out := make(Shape, len(perm))
	for i, p := range perm {
		out[i] = s[p]
	}
	return out
}

// IsPerm reports whether perm is a permutation of 0..n-1.
func IsPerm(perm []int, n int) bool {
	if len(perm) != n {
		return false
	}
	seen := make([]bool, n)
	for _, p := range perm {
		if p < 0 || p >= n || seen[p] {
			return false
		}
		seen[p] = true
	}
	return true
}

// IsIdentity reports whether the permutation perm leaves every axis in place.
func IsIdentity(perm []int) bool {
	for i, p := range perm {
		if p != i {
			return false
		}
	}
	return true
}

// MovesOnlyOnes reports whether transposing a shape s by perm moves only
// axes of constant size 1: the elements keep their order, so a reshape to
// the transposed shape does the same.
func MovesOnlyOnes(s Shape, perm []int) bool {
	last := -1
	for _, p := range perm {
		if s[p] == ConstDim(1) {
			continue
		}
		if p < last {
			return false
		}
		last = p
	}
	return true
}

// InversePerm returns the permutation that undoes perm.
func InversePerm(perm []int) []int {
	inv := make([]int, len(perm))
	for i, p := range perm {
		inv[p] = i
	}
	return inv
}

// dotGeneralType is the rule of dot_general: two float operands of one
// dtype; dimension numbers that pair as many axes on each side, each axis in
// range and used once per operand; paired axes of equal size (a symbolic
// dimension equals only itself). The result has shape DotShape and the
// operands' dtype, or f32 for f16 or bf16 operands when the value declares
// f32: the sums accumulate in f32 and are not rounded to 16 bits (XLA's
// preferred element type), which is how mixed precision contracts.
func dotGeneralType(_ OpInfo, in []Type, a Attrs) (Type, *TypeError) {
	lhs, rhs := in[0], in[1]
	dt, err := sameDType(in, 0)
	if err != nil {
		return Type{}, err
	}
	if !dt.IsFloat() {
		return Type{}, sayErr(ErrFloat, 0, func(what string, operand func(int) string) string {
			return fmt.Sprintf("%s needs float operands, got %s", what, operand(0))
		})
	}
	d := a.Dot
	if len(d.LhsBatch) != len(d.RhsBatch) || len(d.LhsContract) != len(d.RhsContract) {
		return Type{}, typeErr(ErrOther, -1, "dot_general pairs axes of its operands, so each side needs as many: %s", d)
	}
	if err := checkDotAxes(0, lhs, d.LhsBatch, d.LhsContract); err != nil {
		return Type{}, err
	}
	if err := checkDotAxes(1, rhs, d.RhsBatch, d.RhsContract); err != nil {
		return Type{}, err
	}
	for i := range d.LhsBatch {
		if err := checkPaired(ErrBatch, "batch", lhs, rhs, d.LhsBatch[i], d.RhsBatch[i]); err != nil {
			return Type{}, err
		}
	}
	for i := range d.LhsContract {
		if err := checkPaired(ErrContract, "contracts", lhs, rhs, d.LhsContract[i], d.RhsContract[i]); err != nil {
			return Type{}, err
		}
	}
	if (dt == F16 || dt == BF16) && a.Type.DType == F32 {
		dt = F32
	}
	return Type{DType: dt, Shape: DotShape(lhs.Shape, rhs.Shape, d)}, nil
}

// checkDotAxes checks the batch and contracted axes of operand arg of type t:
// each in range, none listed twice.
func checkDotAxes(arg int, t Type, batch, contract []int) *TypeError {
	seen := map[int]bool{}
	for _, axis := range append(append([]int{}, batch...), contract...) {
		if err := checkAxis(arg, axis, t); err != nil {
			return err
		}
		if seen[axis] {
			return sayErr(ErrOther, arg, func(what string, operand func(int) string) string {
				return fmt.Sprintf("%s lists axis %d of %s twice", what, axis, operand(arg))
			})
		}
		seen[axis] = true
	}
	return nil
}

// checkPaired reports a batch or contracted pair of axes whose sizes differ.
func checkPaired(k TypeErrorKind, verb string, lhs, rhs Type, l, r int) *TypeError {
	dl, dr := lhs.Shape[l], rhs.Shape[r]
	if dl == dr {
		return nil
	}
	return sayErr(k, 1, func(what string, operand func(int) string) string {
		return fmt.Sprintf("%s %s axis %d of %s with axis %d of %s, but their sizes differ (%s and %s)",
			what, verb, l, operand(0), r, operand(1), dl, dr)
	})
}

// transposeType is the rule of transpose: Perm is a permutation of the
// operand's axes, and result axis i is operand axis Perm[i]; any dtype.
func transposeType(_ OpInfo, in []Type, a Attrs) (Type, *TypeError) {
	x := in[0]
	if !IsPerm(a.Perm, len(x.Shape)) {
		return Type{}, typeErr(ErrOther, 0, "perm=%s is not a permutation of the %d axes of %s", FormatInts(a.Perm), len(x.Shape), x)
	}
	return Type{DType: x.DType, Shape: PermuteShape(x.Shape, a.Perm)}, nil
}

// strides returns the row-major stride of each axis of shape.
func strides(shape []int64) []int {
	s := make([]int, len(shape))
	n := 1
	for i := len(shape) - 1; i >= 0; i-- {
		s[i] = n
		n *= int(shape[i])
	}
	return s
}

// walk calls fn with the offsets into two arrays of every index of a shape
// of the given sizes, in row-major order; sa and sb are each axis's stride
// into the two arrays.
func walk(sizes, sa, sb []int, fn func(a, b int)) {
	for _, n := range sizes {
		if n == 0 {
			return
		}
	}
	idx := make([]int, len(sizes))
	a, b := 0, 0
	for {
		fn(a, b)
		k := len(sizes) - 1
		for ; k >= 0; k-- {
			idx[k]++
			a, b = a+sa[k], b+sb[k]
			if idx[k] < sizes[k] {
				break
			}
			a, b = a-sa[k]*sizes[k], b-sb[k]*sizes[k]
			idx[k] = 0
		}
		if k < 0 {
			return
		}
	}
}

// axisWalk is the sizes and strides of a set of axes that walk iterates.
type axisWalk struct{ sizes, sa, sb []int }

func (w *axisWalk) add(size int64, sa, sb int) {
	w.sizes, w.sa, w.sb = append(w.sizes, int(size)), append(w.sa, sa), append(w.sb, sb)
}

// evalDotGeneral computes dot_general in float64: each result element is
// the sum, in index order, of the products over every contracted index,
// accumulated in float64 and rounded once to the result dtype.
func evalDotGeneral(v *Value, x, y *Array, shape []int64) (*Array, error) {
	d := v.Dot
	xs, ys := strides(x.Shape), strides(y.Shape)
	var out, sum axisWalk
	for i, l := range d.LhsBatch {
		out.add(x.Shape[l], xs[l], ys[d.RhsBatch[i]])
	}
	for _, l := range FreeAxes(len(x.Shape), d.LhsBatch, d.LhsContract) {
		out.add(x.Shape[l], xs[l], 0)
	}
	for _, r := range FreeAxes(len(y.Shape), d.RhsBatch, d.RhsContract) {
		out.add(y.Shape[r], 0, ys[r])
	}
	for i, l := range d.LhsContract {
		r := d.RhsContract[i]
		if x.Shape[l] != y.Shape[r] {
			return nil, fmt.Errorf("contracted axes %d and %d have sizes %d and %d", l, r, x.Shape[l], y.Shape[r])
		}
		sum.add(x.Shape[l], xs[l], ys[r])
	}
	if !slices.Equal(toInt64(out.sizes), shape) {
		return nil, fmt.Errorf("operands of shapes %v and %v do not give %v", x.Shape, y.Shape, shape)
	}
	res := NewArray(shape...)
	var offX, offY []int
	walk(sum.sizes, sum.sa, sum.sb, func(a, b int) { offX, offY = append(offX, a), append(offY, b) })
	dt, o := v.Type.DType, 0
	walk(out.sizes, out.sa, out.sb, func(bx, by int) {
		acc := 0.0
		for k := range offX {
			acc += x.Data[bx+offX[k]] * y.Data[by+offY[k]]
		}
		res.Data[o] = Convert(acc, dt)
		o++
	})
	return res, nil
}

// evalTranspose permutes the axes of x: result axis i is axis Perm[i] of x.
func evalTranspose(v *Value, x *Array, shape []int64) (*Array, error) {
	xs := strides(x.Shape)
	var w axisWalk
	for _, p := range v.Perm {
		w.add(x.Shape[p], xs[p], 0)
	}
	if !slices.Equal(toInt64(w.sizes), shape) {
		return nil, fmt.Errorf("transpose of %v by %v does not give %v", x.Shape, v.Perm, shape)
	}
	res := NewArray(shape...)
	o := 0
	walk(w.sizes, w.sa, w.sb, func(a, _ int) {
		res.Data[o] = x.Data[a]
		o++
	})
	return res, nil
}

func toInt64(xs []int) []int64 {
	out := make([]int64, len(xs))
	for i, x := range xs {
		out[i] = int64(x)
	}
	return out
}

// vjpDotGeneral is the gradient rule of C = dot_general(A, B). The cotangent
// of A contracts C's cotangent with B over B's free axes, batch with batch;
// that of B contracts A with C's cotangent over A's free axes. Each product
// leaves its axes as dot_general orders them (batch, free, free), so a
// transpose puts them back in the operand's order when they differ.
func vjpDotGeneral(f *Func, v *Value, args []*Value, ct *Value) []*Value {
	a, b := args[0], args[1]
	d := v.Dot
	ra, rb := len(a.Type.Shape), len(b.Type.Shape)
	nb := len(d.LhsBatch)
	fa := FreeAxes(ra, d.LhsBatch, d.LhsContract)
	fb := FreeAxes(rb, d.RhsBatch, d.RhsContract)
	ctBatch := axisRange(0, nb)
	ctA := axisRange(nb, nb+len(fa))
	ctB := axisRange(nb+len(fa), nb+len(fa)+len(fb))

	// dA: batch, A's free axes, then B's contracted axes in B's order.
	da := newDot(f, v, ct, b, DotDims{LhsBatch: ctBatch, RhsBatch: d.RhsBatch, LhsContract: ctB, RhsContract: fb})
	bContract := FreeAxes(rb, d.RhsBatch, fb)
	pa := make([]int, ra)
	for i, ax := range d.LhsBatch {
		pa[ax] = i
	}
	for j, ax := range fa {
		pa[ax] = nb + j
	}
	for k, ax := range d.LhsContract {
		pa[ax] = nb + len(fa) + slices.Index(bContract, d.RhsContract[k])
	}

	// dB: batch, A's contracted axes in A's order, then B's free axes.
	db := newDot(f, v, a, ct, DotDims{LhsBatch: d.LhsBatch, RhsBatch: ctBatch, LhsContract: fa, RhsContract: ctA})
	aContract := FreeAxes(ra, d.LhsBatch, fa)
	pb := make([]int, rb)
	for i, ax := range d.RhsBatch {
		pb[ax] = i
	}
	for k, ax := range d.RhsContract {
		pb[ax] = nb + slices.Index(aContract, d.LhsContract[k])
	}
	for j, ax := range fb {
		pb[ax] = nb + len(aContract) + j
	}
	return []*Value{newTranspose(f, v, da, pa), newTranspose(f, v, db, pb)}
}

// vjpTranspose is the gradient rule of transpose: the cotangent transposed back.
func vjpTranspose(f *Func, v *Value, _ []*Value, ct *Value) []*Value {
	return []*Value{newTranspose(f, v, ct, InversePerm(v.Perm))}
}

// axisRange returns the axes lo..hi-1.
func axisRange(lo, hi int) []int {
	var r []int
	for i := lo; i < hi; i++ {
		r = append(r, i)
	}
	return r
}

// newDot appends dot_general(x, y) with dimension numbers d to f, at the
// source position of v.
func newDot(f *Func, at, x, y *Value, d DotDims) *Value {
	t := Type{DType: x.Type.DType, Shape: DotShape(x.Type.Shape, y.Type.Shape, d)}
	w := f.NewValue(OpDotGeneral, t, x, y)
	w.Dot, w.Pos = d, at.Pos
	return w
}

// newTranspose appends transpose(x) by perm to f, or returns x when perm
// leaves every axis in place.
func newTranspose(f *Func, at, x *Value, perm []int) *Value {
	if IsIdentity(perm) {
		return x
	}
	w := f.NewValue(OpTranspose, Type{DType: x.Type.DType, Shape: PermuteShape(x.Type.Shape, perm)}, x)
	w.Perm, w.Pos = perm, at.Pos
	return w
}
