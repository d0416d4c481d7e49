// This file is the mixed-precision pass (MATH.md §4): when a build asks for
// f16 or bf16, every f32 contraction reads 16-bit copies of its operands and
// accumulates in f32, while everything else stays as the source wrote it.
package passes

import (
	"fmt"
	"slices"

	"dlc.dev/dlc/ir"
)

// lowPrecision is the 16-bit dtype function fn is compiled with, or
// ir.Invalid when it keeps the source's precision.
func (o *Options) lowPrecision(fn string) ir.DType {
	if d, ok := o.FuncPrecision[fn]; ok {
		return d
	}
	return o.Precision
}

// checkPrecision rejects a precision other than f16, bf16 or off.
func checkPrecision(d ir.DType, what string) error {
	if d != ir.Invalid && d != ir.F16 && d != ir.BF16 {
		return fmt.Errorf("%s: mixed precision is f16 or bf16, not %s", what, d)
	}
	return nil
}

// precision rewrites each function that opt compiles in mixed precision by
// the precision policy of each op's row (ir.OpInfo.Precision):
//
//   - PrecisionLow ops (contractions) with f32 operands read them cast to
//     the 16-bit dtype and keep their f32 result: the sum accumulates in f32
//     and is rounded once, to f32. A computed value gets one cast however
//     many contractions read it (the cast joins its producer's kernel, which
//     then writes the 16-bit copy); a parameter gets one cast per
//     contraction that reads it, which that contraction's kernel computes
//     while it packs the operand, so no cast is a kernel of its own;
//   - PrecisionFollow ops compute in their operands' dtype, which this pass
//     leaves f32, and PrecisionF32 ops (reductions, log-sum-exp, exp, log,
//     pow, rsqrt) stay f32.
//
// So the only roundings the pass adds are casts, which the interpreter and
// the kernels both round to nearest even: compiled and interpreted programs
// round at the same points whatever fusion does. Values the source declares f16 or
// bf16, and contractions on them, are left as they are.
func precision(m *ir.Module, opt *Options) (bool, error) {
	changed := false
	for _, f := range m.Funcs {
		low := opt.lowPrecision(f.Name)
		if err := checkPrecision(low, "@"+f.Name); err != nil {
			return false, err
		}
		if low != ir.Invalid && castContractionOperands(f, low, opt) {
			changed = true
		}
	}
	return changed, nil
}

// castContractionOperands makes every f32 contraction of f read low copies
// of its operands, and reports whether it changed anything.
func castContractionOperands(f *ir.Func, low ir.DType, opt *Options) bool {
	casts := map[*ir.Value]*ir.Value{}
	body := make([]*ir.Value, 0, len(f.Body))
	changed := false
	for _, v := range slices.Clone(f.Body) {
		if v.Op.Info().Precision != ir.PrecisionLow || v.Type.DType != ir.F32 || !allDType(v.Args, ir.F32) {
			body = append(body, v)
			continue
		}
		orig := slices.Clone(v.Args)
		own := map[*ir.Value]*ir.Value{} // this contraction's parameter casts
		for i, a := range v.Args {
			keyed := casts
			if a.Op == ir.OpParam {
				keyed = own
			}
			c, ok := keyed[a]
			if !ok {
				var added bool
				c, added = lowCopy(f, a, low)
				keyed[a] = c
				if added {
					body = append(body, c)
				}
			}
			v.Args[i] = c
		}
		opt.explain("@%s: %s (%s) reads %s copies of %s and %s and accumulates in f32",
			f.Name, ir.Ref(v), v.Op, low, ir.Ref(orig[0]), ir.Ref(orig[1]))
		body = append(body, v)
		changed = true
	}
	f.Body = body
	return changed
}

// lowCopy is x rounded to low and whether it is a new value for the caller
// to place: a new cast, or, when x is itself a widening cast of a low value,
// that value (widening is exact, so rounding it back gives the same bits).
// The new cast is appended to f.Body only to get a fresh ID; the caller
// builds the body anew.
func lowCopy(f *ir.Func, x *ir.Value, low ir.DType) (*ir.Value, bool) {
	if x.Op == ir.OpCast && x.Args[0].Type.DType == low {
		return x.Args[0], false
	}
	c := f.NewValue(ir.OpCast, ir.Type{DType: low, Shape: x.Type.Shape}, x)
	c.Pos = x.Pos
	return c, true
}

// allDType reports whether every value of vs has dtype d.
func allDType(vs []*ir.Value, d ir.DType) bool {
	for _, v := range vs {
		if v.Type.DType != d {
			return false
		}
	}
	return true
}
