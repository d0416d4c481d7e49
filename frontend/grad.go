// This file checks and lowers gradient kernels, kernel df = grad(f, wrt=(x, w)):
// df takes f's parameters and returns f's output followed by d_x, d_w, the
// gradients of that output with respect to x and w. Lowering emits a call of
// f and one IR grad value per name; the autodiff pass builds the gradients.
package frontend

import (
	"slices"
	"strings"

	"dlc.dev/dlc/ir"
)

// gradPrefix starts the name of each gradient output: d_x for x.
const gradPrefix = "d_"

// checkGradSignature gives the gradient kernel k its signature from the
// kernel it differentiates, which must have one output, a 0-d float, and
// float tensor parameters with the names listed in wrt. It runs after the
// other kernels' signatures are checked.
func (k *kernel) checkGradSignature(p *program, errs *errorSink) {
	n := errs.count()
	k.checkAnnotations(p, errs)
	g := k.decl.Grad
	f := k.gradTarget(p, errs)
	if f == nil {
		return
	}
	k.calls = append(k.calls, callSite{f, g.Of.Pos})
	if !f.sigOK {
		return // its own errors are reported
	}
	if len(f.outputs) != 1 {
		errs.add(g.Of.Pos, "grad needs a kernel with one output, a 0-d float (the loss); %s has %d outputs (%s)", f.name, len(f.outputs), outputList(f))
		return
	}
	if t := f.outputs[0].typ; !t.IsScalar() || !t.DType.IsFloat() {
		errs.add(g.Of.Pos, "grad needs a kernel whose output is a 0-d float (the loss); output %s of %s is %s (reduce it to a scalar, with sum or mean)", f.outputs[0].name, f.name, t)
		return
	}
	k.params, k.tensors = f.params, f.tensors
	k.outputs = append([]*output{}, f.outputs...)
	taken := map[string]bool{}
	for _, pr := range f.params {
		taken[pr.name] = true
	}
	taken[f.outputs[0].name] = true
	var seen []string
	for _, id := range g.Wrt {
		pr := k.wrtParam(f, id, seen, errs)
		seen = append(seen, id.Name)
		if pr == nil {
			continue
		}
		name := gradPrefix + pr.name
		if taken[name] {
			errs.add(id.Pos, "the gradient with respect to %s is named %s, but %s already has a parameter or output %s; rename it", id.Name, name, f.name, name)
			continue
		}
		k.outputs = append(k.outputs, &output{name: name, pos: id.Pos, typ: pr.typ})
	}
	k.sigOK = errs.count() == n
}

// gradTarget returns the kernel that gradient kernel k differentiates, or nil
// after reporting why there is none.
func (k *kernel) gradTarget(p *program, errs *errorSink) *kernel {
	of := k.decl.Grad.Of
	f := k.file.scope[of.Name]
	switch {
	case f == k:
		errs.add(of.Pos, "kernel %s cannot be the gradient of itself", k.name)
		return nil
	case f != nil && f.decl.Grad != nil:
		errs.add(of.Pos, "grad needs a kernel with one output, a 0-d float (the loss); %s is itself a gradient kernel, with several outputs", f.name)
		return nil
	case f != nil:
		return f
	}
	if other := p.kernels[of.Name]; other != nil {
		errs.add(of.Pos, "unknown kernel %s: it is defined in %s, which this file does not import (add import %q)", of.Name, other.file.name, other.file.importPathFrom(k.file))
		return nil
	}
	if lookupBuiltin(of.Name) != nil {
		errs.add(of.Pos, "grad needs a kernel, and %s is a builtin function", of.Name)
		return nil
	}
	var names []string
	for n := range k.file.scope {
		if n != k.name {
			names = append(names, n)
		}
	}
	slices.Sort(names)
	errs.add(of.Pos, "unknown kernel %s%s", of.Name, didYouMean(of.Name, names))
	return nil
}

// wrtParam returns the parameter of f that id names, after checking that it
// is a float tensor named once.
func (k *kernel) wrtParam(f *kernel, id *Ident, seen []string, errs *errorSink) *param {
	j := slices.IndexFunc(f.params, func(pr *param) bool { return pr.name == id.Name })
	switch {
	case slices.Contains(seen, id.Name):
		errs.add(id.Pos, "%s is listed twice in wrt", id.Name)
	case j < 0:
		var names []string
		for _, pr := range f.params[:f.tensors] {
			names = append(names, pr.name)
		}
		errs.add(id.Pos, "%s is not a parameter of %s (its tensor parameters: %s)%s", id.Name, f.name, strings.Join(names, ", "), didYouMean(id.Name, names))
	case j >= f.tensors:
		errs.add(id.Pos, "%s is a scalar parameter of %s; grad differentiates with respect to tensor parameters only", id.Name, f.name)
	case !f.params[j].typ.DType.IsFloat():
		errs.add(id.Pos, "%s is %s; only float tensors can be differentiated (integers and bools carry no gradient)", id.Name, f.params[j].typ)
	default:
		return f.params[j]
	}
	return nil
}

// lowerGradKernel builds the IR function of a gradient kernel: a call of the
// kernel it differentiates, its output, and a grad value per wrt name, which
// the autodiff pass expands.
func lowerGradKernel(k *kernel) *ir.Func {
	f := &ir.Func{Name: k.name, Kernels: k.count, Private: !k.file.main, Pos: irPos(k.decl.Name.Pos)}
	for i, pr := range k.params {
		v := &ir.Value{ID: i, Op: ir.OpParam, Type: pr.typ, Name: pr.name, Index: i, Pos: ir.At(irPos(pr.pos))}
		if pr.def != nil {
			d := *pr.def
			v.Default = &d
		}
		f.Params = append(f.Params, v)
	}
	g := k.decl.Grad
	target := k.calls[0].callee
	call := f.NewValue(ir.OpCall, ir.Type{Elems: []ir.Type{target.outputs[0].typ}}, f.Params...)
	call.Name, call.Pos = target.name, ir.At(irPos(g.Pos))
	y := f.NewValue(ir.OpExtract, target.outputs[0].typ, call)
	y.Pos = ir.At(irPos(g.Pos))
	f.Results = append(f.Results, ir.Result{Name: target.outputs[0].name, Value: y})
	for i, id := range g.Wrt {
		x := f.Param(id.Name)
		d := f.NewValue(ir.OpGrad, x.Type, y, x)
		d.Pos = ir.At(irPos(id.Pos))
		f.Results = append(f.Results, ir.Result{Name: k.outputs[1+i].name, Value: d})
	}
	return f
}

// gradHint explains the grad declaration when grad is called like a function.
func gradHint(name string) string {
	if name != "grad" {
		return ""
	}
	return "; a gradient is a kernel of its own: kernel df = grad(f, wrt=(x))"
}
