// This file builds the pieces of dynamic loss scaling (MATH.md §4) into a
// function, for a train step to wire in: the global check that every
// gradient is finite, which must come before any parameter is written.
package ir

// AllFinite appends to f the values that say whether every element of every
// float tensor in xs is finite, and returns that 0-d bool. x·0 is ±0 where x
// is finite and NaN where it is inf or NaN, so its sum over every axis
// (innermost first, in f32 for 16-bit tensors) is 0 exactly when all of x is
// finite; the sums of all tensors are added and compared with 0. Each
// tensor's sums fuse into one row kernel that reads it once, next to the
// kernel that computes it when it has the same domain.
func AllFinite(f *Func, xs ...*Value) *Value {
	zero := func(d DType) *Value {
		c := f.NewValue(OpConst, Scalar(d))
		c.Const = 0
		return c
	}
	var total *Value
	for _, x := range xs {
		if !x.Type.DType.IsFloat() {
			panic("AllFinite of " + FormatValue(x) + ": not a float tensor")
		}
		s := f.NewValue(OpMul, x.Type, x, zero(x.Type.DType))
		if d := x.Type.DType; d == F16 || d == BF16 {
			s = f.NewValue(OpCast, Type{DType: F32, Shape: x.Type.Shape}, s)
		}
		for axis := len(x.Type.Shape) - 1; axis >= 0; axis-- {
			s = sumAxis(f, s, axis, false)
		}
		if s.Type.DType != F32 {
			s = f.NewValue(OpCast, Scalar(F32), s)
		}
		if total == nil {
			total = s
		} else {
			total = f.NewValue(OpAdd, Scalar(F32), total, s)
		}
	}
	if total == nil {
		t := f.NewValue(OpConst, Scalar(Bool))
		t.Const = 1
		return t
	}
	return f.NewValue(OpEq, Scalar(Bool), total, zero(F32))
}
