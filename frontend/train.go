// This file checks and lowers train steps,
//
//	kernel step = train(mlp, loss=ce, opt=lion(lr=1e-3)):
//
// one function from the batch, the model's parameters and the optimizer's
// state to the loss, the updated parameters and the updated state. Lowering
// calls the model and the loss, takes the gradient of the loss with respect to
// every model parameter (a grad value, which the autodiff pass expands) and
// applies the optimizer's body to each parameter at its own shape. Beside it
// go step.grad and step.update, the step cut between backward and update,
// for a data-parallel trainer that sums gradients across processes there.
package frontend

import (
	"fmt"
	"slices"

	"dlc.dev/dlc/ir"

	"github.com/alecthomas/participle/v2/lexer"
)

// newSuffix ends the name of each updated tensor: w1_new updates w1.
const newSuffix = "_new"

// initScaleName is the per-parameter value an optimizer argument may name:
// the scale of the parameter's initializer (Amos's eta).
const initScaleName = "init_scale"

// trainInfo is what a checked train step combines.
type trainInfo struct {
	model, loss, opt *kernel
	data             []*param             // the model's tensors without an initializer
	lossExtra        []*param             // the loss's tensors after its first, renamed to the model's dims
	weights          []*param             // the model's parameters with an initializer
	states           [][]*param           // per weight, its optimizer state
	fixed            map[string]*trainArg // optimizer scalars the declaration sets
	// low is the step's mixed precision (ir.BF16 or ir.F16), ir.Invalid for
	// f32; set says the declaration chose it rather than the build.
	low ir.DType
	set bool
	// scale and tracker are the loss-scale state of an f16 step, nil
	// otherwise (lossscale.go).
	scale, tracker *param
}

// trainArg is an optimizer scalar set by the declaration: a constant, or the
// parameter's initializer scale.
type trainArg struct {
	pos   lexer.Position
	val   float64
	scale bool
}

// checkTrainSignature gives train step k its signature: the model's data
// tensors, the loss's other tensors, the model's parameters and the optimizer
// state of each (named param_state); scalars of the model, the loss and the
// optimizer that the declaration does not set; outputs the loss, param_new
// and param_state_new.
func (k *kernel) checkTrainSignature(p *program, errs *errorSink) {
	n := errs.count()
	k.checkAnnotations(p, errs)
	d := k.decl.Train
	model := k.trainPart(p, d.Model, "model", errs)
	loss := k.trainPart(p, d.Loss, "loss", errs)
	opt := k.trainPart(p, d.Opt, "optimizer", errs)
	if model == nil || loss == nil || opt == nil || errs.count() > n {
		return
	}
	t := &trainInfo{model: model, loss: loss, opt: opt, fixed: map[string]*trainArg{}}
	k.train = t
	out, ok := checkTrainModel(d, model, t, errs)
	dims, ok2 := checkTrainLoss(d, loss, out, t, errs)
	stateOf, ok3 := checkTrainOpt(p, k, d, opt, t, errs)
	ok4 := checkTrainPrecision(p, d, t, errs)
	if !ok || !ok2 || !ok3 || !ok4 {
		return
	}
	for _, pr := range loss.params[1:loss.tensors] {
		q := *pr
		q.typ = substDims(pr.typ, dims)
		t.lossExtra = append(t.lossExtra, &q)
	}
	k.assembleTrain(d, stateOf, errs)
	k.sigOK = errs.count() == n
}

// trainPart resolves the model, loss or optimizer kernel that id names.
func (k *kernel) trainPart(p *program, id *Ident, what string, errs *errorSink) *kernel {
	f := k.file.scope[id.Name]
	switch {
	case f == k:
		errs.add(id.Pos, "train step %s cannot be its own %s", k.name, what)
		return nil
	case f != nil && (f.decl.Grad != nil || f.decl.Train != nil):
		errs.add(id.Pos, "the %s of a train step is a kernel with a body; %s is declared with =", what, f.name)
		return nil
	case f != nil:
		k.calls = append(k.calls, callSite{f, id.Pos})
		if !f.sigOK {
			errs.add(id.Pos, "the %s %s has errors", what, f.name)
			return nil
		}
		return f
	}
	if other := p.kernels[id.Name]; other != nil {
		errs.add(id.Pos, "unknown kernel %s: it is defined in %s, which this file does not import (add import %q)", id.Name, other.file.name, other.file.importPathFrom(k.file))
		return nil
	}
	var names []string
	for n := range k.file.scope {
		if n != k.name {
			names = append(names, n)
		}
	}
	slices.Sort(names)
	errs.add(id.Pos, "unknown %s kernel %s%s", what, id.Name, didYouMean(id.Name, names))
	return nil
}

// checkTrainModel checks that the model has one float output and at least one
// parameter with an initializer, and returns the output.
func checkTrainModel(d *Train, model *kernel, t *trainInfo, errs *errorSink) (*output, bool) {
	for _, pr := range model.params[:model.tensors] {
		if pr.init != nil {
			t.weights = append(t.weights, pr)
		} else {
			t.data = append(t.data, pr)
		}
	}
	ok := true
	if len(t.weights) == 0 {
		errs.add(d.Model.Pos, "model %s has no parameter with an initializer, so there is nothing to train (declare one as w: f32[4, 8] = glorot_uniform())", model.name)
		ok = false
	}
	if len(model.outputs) != 1 {
		errs.add(d.Model.Pos, "a model has one output, which the loss reads; %s has %d (%s)", model.name, len(model.outputs), outputList(model))
		return nil, false
	}
	return model.outputs[0], ok
}

// checkTrainLoss checks that the loss reads the model's output first and
// returns a 0-d float, and returns how the loss's dimensions bind to the
// model's.
func checkTrainLoss(d *Train, loss *kernel, out *output, t *trainInfo, errs *errorSink) (map[string]ir.Dim, bool) {
	if len(loss.outputs) != 1 || !loss.outputs[0].typ.IsScalar() || !loss.outputs[0].typ.DType.IsFloat() {
		errs.add(d.Loss.Pos, "a loss has one output, a 0-d float; %s has %s (reduce a per-row loss with mean or sum)", loss.name, outputList(loss))
		return nil, false
	}
	if loss.tensors == 0 {
		errs.add(d.Loss.Pos, "the loss %s takes no tensor; its first tensor parameter receives the model's output %s", loss.name, out.typ)
		return nil, false
	}
	if out == nil {
		return nil, false
	}
	first := loss.params[0]
	dims := map[string]ir.Dim{}
	if first.typ.DType != out.typ.DType || len(first.typ.Shape) != len(out.typ.Shape) {
		errs.add(d.Loss.Pos, "the loss %s reads %s as %s, but the model's output %s is %s", loss.name, first.name, first.typ, out.name, out.typ)
		return nil, false
	}
	for i, ld := range first.typ.Shape {
		md := out.typ.Shape[i]
		if ld.IsSym() {
			if prev, ok := dims[ld.Sym]; !ok || prev == md {
				dims[ld.Sym] = md
				continue
			}
		} else if ld == md {
			continue
		}
		errs.add(d.Loss.Pos, "the loss %s reads %s as %s, but the model's output %s is %s", loss.name, first.name, first.typ, out.name, out.typ)
		return nil, false
	}
	return dims, true
}

// substDims renames the symbolic dimensions of t that dims binds.
func substDims(t ir.Type, dims map[string]ir.Dim) ir.Type {
	s := make(ir.Shape, len(t.Shape))
	for i, d := range t.Shape {
		if nd, ok := dims[d.Sym]; d.IsSym() && ok {
			d = nd
		}
		s[i] = d
	}
	t.Shape = s
	return t
}

// checkTrainOpt checks the optimizer: tensors (theta, grad, state...) all of
// one rank-1 float type, outputs (theta_new, state_new...) of that type, and
// the arguments the declaration gives its scalars. It returns the state
// tensors.
func checkTrainOpt(p *program, k *kernel, d *Train, opt *kernel, t *trainInfo, errs *errorSink) ([]*param, bool) {
	tensors := opt.params[:opt.tensors]
	shape := "an optimizer takes (theta, grad, state...) of one type f32[N] (state may be bf16[N] or f16[N]) and returns (theta_new, state_new...) of those types"
	if len(tensors) < 2 || len(opt.outputs) != len(tensors)-1 {
		errs.add(d.Opt.Pos, "%s; %s takes %d tensors and returns %d", shape, opt.name, len(tensors), len(opt.outputs))
		return nil, false
	}
	typ := tensors[0].typ
	same := len(typ.Shape) == 1 && typ.Shape[0].IsSym() && typ.DType.IsFloat() && tensors[1].typ.Equal(typ) && opt.outputs[0].typ.Equal(typ)
	for i, pr := range tensors[2:] {
		// State may be stored in another float dtype (lion_bf16's bf16
		// momentum), at the parameter's shape.
		same = same && pr.typ.DType.IsFloat() && pr.typ.Shape.Equal(typ.Shape) && opt.outputs[1+i].typ.Equal(pr.typ)
	}
	if !same {
		errs.add(d.Opt.Pos, "%s; %s does not", shape, opt.name)
		return nil, false
	}
	ok := true
	for _, w := range t.weights {
		if w.typ.DType != typ.DType {
			errs.add(d.Opt.Pos, "the optimizer %s updates %s tensors, but parameter %s of %s is %s", opt.name, typ.DType, w.name, t.model.name, w.typ)
			ok = false
		}
	}
	if !d.Paren && len(d.Args) > 0 {
		ok = false
	}
	for _, a := range d.Args {
		ok = k.checkOptArg(p, opt, a, t, errs) && ok
	}
	var states []*param
	for _, pr := range tensors[2:] {
		states = append(states, pr)
	}
	return states, ok
}

// checkOptArg checks one optimizer argument, name=constant or
// name=init_scale.
func (k *kernel) checkOptArg(p *program, opt *kernel, a *Arg, t *trainInfo, errs *errorSink) bool {
	var scalars []string
	for _, pr := range opt.params[opt.tensors:] {
		scalars = append(scalars, pr.name)
	}
	j := slices.IndexFunc(opt.params[opt.tensors:], func(pr *param) bool { return pr.name == a.Name })
	switch {
	case a.Name == "":
		errs.add(a.Pos, "an optimizer argument is named: %s(lr=1e-3)", opt.name)
		return false
	case j < 0:
		errs.add(a.Pos, "%s is not a scalar parameter of %s (its scalars: %s)%s", a.Name, opt.name, joinWords(scalars), didYouMean(a.Name, scalars))
		return false
	case t.fixed[a.Name] != nil:
		errs.add(a.Pos, "%s is given twice", a.Name)
		return false
	}
	pr := opt.params[opt.tensors+j]
	if n, isName := bare(a.Value).(*Name); isName && n.Name == initScaleName {
		if !pr.typ.DType.IsFloat() {
			errs.add(a.Value.Pos, "%s is a float, but %s of %s is %s", initScaleName, pr.name, opt.name, pr.typ)
			return false
		}
		for _, w := range t.weights {
			if w.init.ScaleOf(constShape(w.typ)) == 0 {
				errs.add(a.Value.Pos, "parameter %s starts at %s, whose scale is not known; declare it, as in %s(scale=0.5)", w.name, w.init.Kind, w.init.Kind)
				return false
			}
		}
		t.fixed[a.Name] = &trainArg{pos: a.Pos, scale: true}
		return true
	}
	c := &checker{prog: p, file: k.file, errs: errs, info: newBodyInfo(), constWhat: "the argument " + a.Name + " (a constant or " + initScaleName + ")"}
	op := c.constant(a.Value)
	if op.mode != modeUntyped {
		return false
	}
	v, msg := op.val.represent(pr.typ.DType)
	if msg != "" {
		errs.add(a.Value.Pos, "%s", msg)
		return false
	}
	t.fixed[a.Name] = &trainArg{pos: a.Pos, val: v}
	return true
}

// checkTrainPrecision sets the step's precision: the declaration's
// precision=bf16|f16|f32 when given, the build's otherwise. Mixed precision
// keeps f32 master weights, so it trains f32 parameters only.
func checkTrainPrecision(p *program, d *Train, t *trainInfo, errs *errorSink) bool {
	t.low = p.precision
	if d.Precision != nil {
		t.set = true
		switch d.Precision.Name {
		case "bf16":
			t.low = ir.BF16
		case "f16":
			t.low = ir.F16
		case "f32":
			t.low = ir.Invalid
		default:
			errs.add(d.Precision.Pos, "precision is bf16, f16 (mixed precision) or f32, not %s", d.Precision.Name)
			return false
		}
	}
	if t.low == ir.Invalid {
		return true
	}
	for _, w := range t.weights {
		if w.typ.DType != ir.F32 {
			at := d.Pos
			if d.Precision != nil {
				at = d.Precision.Pos
			}
			errs.add(at, "%s mixed precision keeps f32 master weights, but parameter %s of %s is %s", t.low, w.name, t.model.name, w.typ)
			return false
		}
	}
	return true
}

// constShape is the constant shape of a model parameter's type.
func constShape(t ir.Type) []int64 {
	s := make([]int64, len(t.Shape))
	for i, d := range t.Shape {
		s[i] = d.N
	}
	return s
}

// assembleTrain lays out the train step's parameters and outputs and reports
// names that clash.
func (k *kernel) assembleTrain(d *Train, stateOf []*param, errs *errorSink) {
	t := k.train
	seen := map[string]string{}
	add := func(pr *param, from string) {
		if prev, ok := seen[pr.name]; ok {
			errs.add(d.Pos, "the train step would have two parameters named %s (from %s and %s); rename one", pr.name, prev, from)
			return
		}
		seen[pr.name] = from
		k.params = append(k.params, pr)
	}
	for _, pr := range t.data {
		add(pr, "model "+t.model.name)
	}
	for _, pr := range t.lossExtra {
		add(pr, "loss "+t.loss.name)
	}
	for _, w := range t.weights {
		add(w, "model "+t.model.name)
	}
	for _, w := range t.weights {
		var st []*param
		for _, s := range stateOf {
			typ := w.typ
			typ.DType = s.typ.DType
			pr := &param{name: w.name + "_" + s.name, pos: w.pos, typ: typ}
			add(pr, "the state "+s.name+" of optimizer "+t.opt.name)
			st = append(st, pr)
		}
		t.states = append(t.states, st)
	}
	if t.low == ir.F16 {
		t.scale, t.tracker = lossScaleParams(k.decl.Name.Pos)
		add(t.scale, "the loss scaling of an f16 train step")
		add(t.tracker, "the loss scaling of an f16 train step")
	}
	k.tensors = len(k.params)
	for _, src := range []*kernel{t.model, t.loss, t.opt} {
		for _, pr := range src.params[src.tensors:] {
			if src == t.opt && t.fixed[pr.name] != nil {
				continue
			}
			add(pr, "kernel "+src.name)
		}
	}
	if t.low == ir.F16 {
		add(growthIntervalParam(k.decl.Name.Pos), "the loss scaling of an f16 train step")
	}
	outs := []*output{{name: t.loss.outputs[0].name, pos: d.Loss.Pos, typ: t.loss.outputs[0].typ}}
	for i, w := range t.weights {
		outs = append(outs, &output{name: w.name + newSuffix, pos: w.pos, typ: w.typ})
		for _, s := range t.states[i] {
			outs = append(outs, &output{name: s.name + newSuffix, pos: s.pos, typ: s.typ})
		}
	}
	if t.scale != nil {
		for _, s := range []*param{t.scale, t.tracker} {
			outs = append(outs, &output{name: s.name + newSuffix, pos: s.pos, typ: s.typ})
		}
	}
	for _, o := range outs {
		if prev, ok := seen[o.name]; ok {
			errs.add(d.Pos, "the train step's output %s clashes with a parameter from %s; rename it", o.name, prev)
		}
		seen[o.name] = "the outputs"
	}
	k.outputs = outs
}

// checkTrainBody checks, once every body is checked, that the optimizer's
// body is elementwise over its one dimension, so it can be applied to each
// parameter at the parameter's shape.
func (k *kernel) checkTrainBody(errs *errorSink) {
	t := k.train
	if t == nil || !k.sigOK {
		return
	}
	f, err := lowerOptimizer(t.opt)
	if err == nil {
		n := t.opt.params[0].typ.Shape
		for _, v := range f.Body {
			if v.Op == ir.OpDim || !v.Type.IsScalar() && !v.Type.Shape.Equal(n) || v.Op.Has(ir.AlongAxis) {
				err = fmt.Errorf("%s computes %s", t.opt.name, ir.FormatValue(v))
				break
			}
		}
	}
	if err != nil {
		errs.add(k.decl.Train.Opt.Pos, "a train step applies its optimizer to each parameter at the parameter's shape, so the optimizer must be elementwise: %v", err)
		k.sigOK = false
	}
}

// lowerOptimizer lowers optimizer kernel k with the kernels it calls inlined.
func lowerOptimizer(k *kernel) (*ir.Func, error) {
	m := &ir.Module{}
	seen := map[*kernel]bool{}
	var add func(k *kernel)
	add = func(k *kernel) {
		if seen[k] {
			return
		}
		seen[k] = true
		m.Funcs = append(m.Funcs, lowerKernel(k))
		for _, cs := range k.calls {
			add(cs.callee)
		}
	}
	add(k)
	f := m.Funcs[0]
	if _, err := ir.InlineCalls(m, f); err != nil {
		return nil, err
	}
	return f, nil
}

// lowerTrainKernel builds the IR function of a train step: the model, the
// loss, a grad value per parameter and the optimizer's body per parameter.
func lowerTrainKernel(k *kernel) *ir.Func {
	t := k.train
	f := &ir.Func{Name: k.name, Kernels: k.count, Private: !k.file.main, Pos: irPos(k.decl.Name.Pos)}
	trainParams(f, k, func(*param) bool { return true })
	loss := lowerTrainLoss(f, k)
	f.Results = append(f.Results, ir.Result{Name: k.outputs[0].name, Value: loss})
	if t.scale != nil {
		lowerScaledUpdate(f, k, loss)
		return f
	}
	for i, w := range t.weights {
		g := f.NewValue(ir.OpGrad, w.typ, loss, f.Param(w.name))
		g.Pos = ir.At(irPos(w.pos))
		lowerTrainUpdate(f, k, i, g, nil)
	}
	return f
}

// The phases of a train step, for a data-parallel trainer that sums the
// gradients of every rank between backward and update: step.grad is the
// forward and backward pass, step.update the optimizer's update alone.
const (
	gradSuffix   = ".grad"
	updateSuffix = ".update"
	// gradScaleName is the scalar of step.update that multiplies every
	// gradient (1/P when P ranks each took the mean over their rows).
	gradScaleName = "grad_scale"
)

// lowerTrainPhases builds step.grad and step.update of train step k: the
// fused step cut where the update reads the gradients. step.grad takes the
// batch, the parameters and the model's and loss's scalars and returns the
// loss and d_<param> per parameter; step.update takes the parameters, the
// state, the gradients, the optimizer's scalars and grad_scale and returns
// the updated parameters and state, like the step.
func lowerTrainPhases(k *kernel) []*ir.Func {
	t := k.train
	optScalar := map[string]bool{}
	for _, pr := range t.opt.params[t.opt.tensors:] {
		optScalar[pr.name] = t.fixed[pr.name] == nil
	}
	isState := map[*param]bool{}
	for _, st := range t.states {
		for _, s := range st {
			isState[s] = true
		}
	}
	isWeight := map[*param]bool{}
	for _, w := range t.weights {
		isWeight[w] = true
	}
	pos := irPos(k.decl.Name.Pos)
	scaling := map[string]bool{}
	if t.scale != nil {
		scaling = map[string]bool{lossScaleName: true, lossTrackerName: true, growthIntervalName: true}
	}
	g := &ir.Func{Name: k.name + gradSuffix, Private: !k.file.main, Pos: pos}
	trainParams(g, k, func(pr *param) bool {
		return !isState[pr] && !optScalar[pr.name] && (!scaling[pr.name] || pr == t.scale)
	})
	loss := lowerTrainLoss(g, k)
	g.Results = append(g.Results, ir.Result{Name: k.outputs[0].name, Value: loss})
	seed := loss
	if t.scale != nil {
		seed, _ = scaleLoss(g, k, loss)
	}
	for _, w := range t.weights {
		d := g.NewValue(ir.OpGrad, w.typ, seed, g.Param(w.name))
		d.Pos = ir.At(irPos(w.pos))
		g.Results = append(g.Results, ir.Result{Name: gradPrefix + w.name, Value: d})
	}
	u := &ir.Func{Name: k.name + updateSuffix, Private: !k.file.main, Pos: pos}
	trainParams(u, k, func(pr *param) bool { return isWeight[pr] || isState[pr] || pr == t.scale || pr == t.tracker })
	var grads []*ir.Value
	for _, w := range t.weights {
		grads = append(grads, addParam(u, &param{name: gradPrefix + w.name, pos: w.pos, typ: w.typ}))
	}
	trainParams(u, k, func(pr *param) bool { return optScalar[pr.name] })
	if t.scale != nil {
		trainParams(u, k, func(pr *param) bool { return pr.name == growthIntervalName })
	}
	one := 1.0
	dt := t.weights[0].typ.DType
	scale := addParam(u, &param{name: gradScaleName, pos: k.decl.Name.Pos, typ: ir.Type{DType: dt}, def: &one})
	var summed []*ir.Value
	for i, w := range t.weights {
		s := scale
		if w.typ.DType != dt {
			s = u.NewValue(ir.OpCast, ir.Type{DType: w.typ.DType}, s)
		}
		d := u.NewValue(ir.OpMul, w.typ, grads[i], s)
		d.Pos = ir.At(irPos(w.pos))
		summed = append(summed, d)
	}
	if t.scale != nil {
		// step.grad's gradients are of the scaled loss.
		s := u.NewValue(ir.OpReshape, ir.Scalar(ir.F32), u.Param(lossScaleName))
		s.Pos = ir.At(pos)
		lowerCheckedUpdate(u, k, summed, s)
		return []*ir.Func{g, u}
	}
	for i, d := range summed {
		lowerTrainUpdate(u, k, i, d, nil)
	}
	return []*ir.Func{g, u}
}

// reportPrecisions tells report the precision of every train step of p's
// main file whose declaration sets one, and of its phases.
func reportPrecisions(p *program, report func(fn string, low ir.DType)) {
	for _, k := range p.order {
		if k.file.main && k.train != nil && k.train.set {
			for _, name := range []string{k.name, k.name + gradSuffix, k.name + updateSuffix} {
				report(name, k.train.low)
			}
		}
	}
}

// trainParams adds to f the parameters of train step k that keep selects,
// in the step's order.
func trainParams(f *ir.Func, k *kernel, keep func(*param) bool) {
	for _, pr := range k.params {
		if keep(pr) {
			addParam(f, pr)
		}
	}
}

// addParam appends parameter pr to f.
func addParam(f *ir.Func, pr *param) *ir.Value {
	i := len(f.Params)
	v := &ir.Value{ID: i, Op: ir.OpParam, Type: pr.typ, Name: pr.name, Index: i, Pos: ir.At(irPos(pr.pos)), Init: pr.init}
	if pr.def != nil {
		x := *pr.def
		v.Default = &x
	}
	f.Params = append(f.Params, v)
	return v
}

// lowerTrainLoss calls the model and the loss of train step k in f and
// returns the loss.
func lowerTrainLoss(f *ir.Func, k *kernel) *ir.Value {
	t := k.train
	d := k.decl.Train
	call := func(callee *kernel, first *ir.Value, pos lexer.Position) *ir.Value {
		var args []*ir.Value
		for i, pr := range callee.params {
			if i == 0 && first != nil {
				args = append(args, first)
				continue
			}
			args = append(args, f.Param(pr.name))
		}
		c := f.NewValue(ir.OpCall, ir.Type{Elems: []ir.Type{callee.outputs[0].typ}}, args...)
		c.Name, c.Pos = callee.name, ir.At(irPos(pos))
		y := f.NewValue(ir.OpExtract, callee.outputs[0].typ, c)
		y.Pos = ir.At(irPos(pos))
		return y
	}
	out := call(t.model, nil, d.Model.Pos)
	return call(t.loss, out, d.Loss.Pos)
}

// lowerTrainUpdate applies the optimizer of train step k to its i-th
// parameter with gradient g in f, and adds the updated parameter and state
// to f's results. With ok (a 0-d bool) set, each result is the update where
// ok holds and the value read otherwise, bit for bit.
func lowerTrainUpdate(f *ir.Func, k *kernel, i int, g, ok *ir.Value) {
	t := k.train
	w := t.weights[i]
	opt, err := lowerOptimizer(t.opt)
	if err != nil {
		panic(fmt.Sprintf("optimizer %s was checked: %v", t.opt.name, err))
	}
	args := []*ir.Value{f.Param(w.name), g}
	for _, s := range t.states[i] {
		args = append(args, f.Param(s.name))
	}
	for _, pr := range t.opt.params[t.opt.tensors:] {
		a := t.fixed[pr.name]
		if a == nil {
			args = append(args, f.Param(pr.name))
			continue
		}
		val := a.val
		if a.scale {
			val = w.init.ScaleOf(constShape(w.typ))
		}
		c := f.NewValue(ir.OpConst, pr.typ)
		c.Const, c.Pos = val, ir.At(irPos(a.pos))
		args = append(args, c)
	}
	for j, r := range applyAt(f, opt, args, w.typ.Shape) {
		if ok != nil {
			old := args[0]
			if j > 0 {
				old = args[1+j]
			}
			r = f.NewValue(ir.OpSelect, r.Type, ok, r, old)
			r.Pos = ir.At(irPos(w.pos))
		}
		f.Results = append(f.Results, ir.Result{Name: k.outputs[1+i*(1+len(t.states[i]))+j].name, Value: r})
	}
}

// applyAt copies the body of elementwise function opt into f with args for
// its parameters, every tensor of opt's one-dimensional shape taking shape,
// and returns the copies of opt's results.
func applyAt(f *ir.Func, opt *ir.Func, args []*ir.Value, shape ir.Shape) []*ir.Value {
	n := opt.Params[0].Type.Shape
	vals := map[*ir.Value]*ir.Value{}
	for i, p := range opt.Params {
		vals[p] = args[i]
	}
	for _, cv := range opt.Body {
		cargs := make([]*ir.Value, len(cv.Args))
		for i, a := range cv.Args {
			cargs[i] = vals[a]
		}
		typ := cv.Type
		if typ.Shape.Equal(n) {
			typ.Shape = append(ir.Shape(nil), shape...)
		}
		v := f.NewValue(cv.Op, typ, cargs...)
		id := v.ID
		*v = *cv
		// Each parameter has its own copy: the optimizer's variable names
		// would repeat.
		v.ID, v.Args, v.Type, v.Group, v.Var = id, cargs, typ, ir.GroupNone, ""
		vals[cv] = v
	}
	var rs []*ir.Value
	for _, r := range opt.Results {
		rs = append(rs, vals[r.Value])
	}
	return rs
}
