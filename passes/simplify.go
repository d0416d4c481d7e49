// This file folds constants and applies algebraic identities that are exact in
// IEEE arithmetic (no rewrite here may change a result bit, NaN or signed zero),
// and lets elementwise ops broadcast their operands themselves.
package passes

import (
	"math"

	"dlc.dev/dlc/ir"
)

// simplifyAll folds and simplifies every function once; Fix reruns it.
func simplifyAll(m *ir.Module, opt *Options) (bool, error) {
	changed := false
	for _, f := range m.Funcs {
		for _, v := range f.Body {
			if r := simplifyValue(f, v); r != nil {
				if r != v {
					f.ReplaceUses(v, r)
				}
				changed = true
			}
		}
		if changed {
			removeDead(f)
		}
	}
	return changed, nil
}

func isConst(v *ir.Value, x float64) bool {
	return v.Op == ir.OpConst && v.Const == x && math.Signbit(v.Const) == math.Signbit(x)
}

// simplifyValue returns a value equal to v, or v itself when it rewrote v in
// place, or nil when there is nothing to do.
func simplifyValue(f *ir.Func, v *ir.Value) *ir.Value {
	if r := spreadOne(v); r != nil {
		return r
	}
	if !v.Op.Has(ir.Elementwise) {
		return nil
	}
	if bypassBroadcasts(v) {
		return v // rewritten in place
	}
	// Fold: every operand is a constant, so the result is a scalar constant.
	allConst := true
	for _, a := range v.Args {
		allConst = allConst && a.Op == ir.OpConst
	}
	if allConst && v.Type.IsScalar() {
		xs := make([]float64, len(v.Args))
		for i, a := range v.Args {
			xs[i] = a.Const
		}
		// Constants fold in float64, like host code; the kernel rounds once when it
		// materialises the constant in its dtype.
		d := v.Type.DType
		if d.IsFloat() && v.Op != ir.OpCast {
			d = ir.F64
		}
		c := *v
		c.Op, c.Args, c.Const, c.Group = ir.OpConst, nil, ir.EvalOp(v.Op, d, xs...), ir.GroupNone
		if v.Op == ir.OpCast {
			c.Const = ir.Convert(c.Const, v.Type.DType)
		}
		*v = c
		return v // rewritten in place
	}
	a := v.Args
	same := func(x *ir.Value) *ir.Value {
		if x.Type.Equal(v.Type) {
			return x
		}
		return nil
	}
	switch v.Op {
	case ir.OpStopGradient:
		return same(a[0]) // autodiff has run: it only stopped gradients
	case ir.OpMul:
		if isConst(a[1], 1) {
			return same(a[0])
		}
		if isConst(a[0], 1) {
			return same(a[1])
		}
	case ir.OpDiv:
		if isConst(a[1], 1) {
			return same(a[0])
		}
	case ir.OpAdd:
		// x + (-0) == x for every x, including -0; x + 0 is not (-0 + 0 = +0).
		if isConst(a[1], math.Copysign(0, -1)) {
			return same(a[0])
		}
		if isConst(a[0], math.Copysign(0, -1)) {
			return same(a[1])
		}
	case ir.OpSub:
		if isConst(a[1], 0) {
			return same(a[0])
		}
	case ir.OpNeg:
		if a[0].Op == ir.OpNeg {
			return same(a[0].Args[0])
		}
	case ir.OpSelect:
		if a[0].Op == ir.OpConst {
			if a[0].Const != 0 {
				return same(a[1])
			}
			return same(a[2])
		}
		if a[1] == a[2] {
			return same(a[1])
		}
	case ir.OpCast:
		if a[0].Type.DType == v.Type.DType {
			return same(a[0])
		}
	case ir.OpNot:
		if a[0].Op == ir.OpNot {
			return same(a[0].Args[0])
		}
	}
	return nil
}

// bypassBroadcasts makes elementwise op v read the source of an operand that
// only broadcasts it (a broadcast, or a reshape that adds or removes leading
// size-1 dimensions), when v's shape stays the same: elementwise ops
// broadcast their operands themselves, aligned on the right as the broadcast
// is. The gradient of a sum is such a broadcast of the cotangent. It reports
// whether v changed.
func bypassBroadcasts(v *ir.Value) bool {
	changed := false
	for i, a := range v.Args {
		if !spreadsOnly(a) {
			continue
		}
		args := append([]*ir.Value(nil), v.Args...)
		args[i] = a.Args[0]
		var shape ir.Shape
		ok := true
		for _, x := range args {
			shape, ok = ir.BroadcastShapes(shape, x.Type.Shape)
			if !ok {
				break
			}
		}
		if ok && shape.Equal(v.Type.Shape) {
			v.Args[i] = a.Args[0]
			changed = true
		}
	}
	return changed
}

// spreadsOnly reports whether v is a broadcast, or a reshape that only adds or
// removes leading dimensions of size 1: reading its operand in its place,
// broadcast by NumPy rules, reads the same elements.
func spreadsOnly(v *ir.Value) bool {
	switch v.Op {
	case ir.OpBroadcast:
		return true
	case ir.OpReshape:
		return trimLeadingOnes(v.Type.Shape).Equal(trimLeadingOnes(v.Args[0].Type.Shape))
	}
	return false
}

func trimLeadingOnes(s ir.Shape) ir.Shape {
	for len(s) > 0 && s[0] == ir.ConstDim(1) {
		s = s[1:]
	}
	return s
}

// spreadOne removes a reshape or broadcast to the shape its operand has, and
// rewrites a reshape or broadcast of a reshape or broadcast of one element
// (a scalar, or a shape of size-1 dimensions) as one broadcast of that
// element, in place: every element of the result is that element. The
// gradient of a sum to a scalar spreads its cotangent so, and the spread then
// dies once elementwise consumers read the scalar (bypassBroadcasts).
func spreadOne(v *ir.Value) *ir.Value {
	if v.Op != ir.OpReshape && v.Op != ir.OpBroadcast {
		return nil
	}
	a := v.Args[0]
	if a.Type.Equal(v.Type) {
		return a // a reshape or broadcast to the same shape
	}
	if a.Op != ir.OpReshape && a.Op != ir.OpBroadcast {
		return nil
	}
	if s := a.Args[0]; len(ir.SqueezeOnes(s.Type.Shape)) == 0 && ir.BroadcastsTo(s.Type.Shape, v.Type.Shape) {
		v.Op, v.Args = ir.OpBroadcast, []*ir.Value{s}
		return v
	}
	return nil
}
