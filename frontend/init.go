// This file checks the initializer of a model parameter: a tensor parameter
// with a default, w: f32[784, 512] = glorot_uniform(), is a parameter the
// model learns, and its default says how it starts.
package frontend

import (
	"math"
	"slices"

	"dlc.dev/dlc/ir"
)

// initScaleArg is the named argument every initializer takes: the expected
// scale of a parameter whose initializer gives none (zeros(scale=0.5)).
const initScaleArg = "scale"

// checkInit checks the initializer d.Default of tensor parameter d of type t
// and returns it, or nil after reporting why it is not one.
func (k *kernel) checkInit(p *program, d *Param, t ir.Type, errs *errorSink) *ir.Init {
	call := asCall(d.Default)
	if call == nil {
		errs.add(d.Default.Pos, "tensor parameter %s cannot have a default; a model parameter starts from an initializer such as %s: %s = glorot_uniform()", d.Name, d.Name, d.Type)
		return nil
	}
	kind := ir.LookupInit(call.Func)
	if kind == nil {
		var names []string
		for _, ik := range ir.InitKinds {
			names = append(names, ik.Name)
		}
		errs.add(call.Pos, "unknown initializer %s%s (initializers: %s)", call.Func, didYouMean(call.Func, names), joinWords(names))
		return nil
	}
	ok := true
	if !t.DType.IsFloat() {
		errs.add(d.Type.Pos, "model parameter %s is %s; a parameter with an initializer must be a float tensor", d.Name, t)
		ok = false
	}
	for _, dim := range t.Shape {
		if dim.IsSym() {
			errs.add(d.Type.Pos, "model parameter %s has the symbolic dimension %s; a parameter with an initializer has a constant shape, so it can be created before any call", d.Name, dim.Sym)
			ok = false
			break
		}
	}
	in := &ir.Init{Kind: kind.Name, Args: slices.Clone(kind.Defs)}
	given := make([]bool, len(kind.Args))
	c := &checker{prog: p, file: k.file, errs: errs, info: newBodyInfo()}
	for i, a := range call.Args {
		j := i
		if a.Name != "" {
			j = slices.Index(kind.Args, a.Name)
		}
		c.constWhat = "an argument of " + kind.Name
		switch {
		case a.Name == initScaleArg:
			x, good := c.initNumber(a)
			if good && !(x > 0) {
				errs.add(a.Value.Pos, "scale must be positive, not %v", x)
				good = false
			}
			in.Scale, ok = x, ok && good
			continue
		case a.Name == "" && i >= len(kind.Args):
			errs.add(a.Pos, "%s takes %s", kind.Name, plural(len(kind.Args), "argument"))
			ok = false
			continue
		case j < 0:
			errs.add(a.Pos, "%s has no argument %s (its arguments: %s)", kind.Name, a.Name, joinWords(append(slices.Clone(kind.Args), initScaleArg)))
			ok = false
			continue
		case given[j]:
			errs.add(a.Pos, "argument %s of %s is given twice", kind.Args[j], kind.Name)
			ok = false
			continue
		}
		given[j] = true
		x, good := c.initNumber(a)
		in.Args[j], ok = x, ok && good
	}
	for j, x := range in.Args {
		if math.IsNaN(x) && !given[j] {
			errs.add(call.Pos, "%s needs the argument %s", kind.Name, kind.Args[j])
			ok = false
		}
	}
	if ok && kind.Name == "normal" && !(in.Args[0] >= 0) {
		errs.add(call.Pos, "normal needs std >= 0, not %v", in.Args[0])
		ok = false
	}
	if ok && kind.Name == "uniform" && !(in.Args[0] < in.Args[1]) {
		errs.add(call.Pos, "uniform needs lo < hi, not %v and %v", in.Args[0], in.Args[1])
		ok = false
	}
	if !ok {
		return nil
	}
	return in
}

// initNumber evaluates an initializer argument, a constant number.
func (c *checker) initNumber(a *Arg) (float64, bool) {
	op := c.constant(a.Value)
	if op.mode != modeUntyped {
		return 0, false
	}
	x, msg := op.val.represent(ir.F64)
	if msg != "" {
		c.errs.add(a.Value.Pos, "%s", msg)
		return 0, false
	}
	return x, true
}

// joinWords joins names with commas.
func joinWords(names []string) string {
	s := ""
	for i, n := range names {
		if i > 0 {
			s += ", "
		}
		s += n
	}
	return s
}
