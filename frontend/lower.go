// This file lowers checked kernels to the graph IR. It trusts the checker:
// every type, conversion and call resolution it needs was recorded in the
// kernel's bodyInfo, so lowering only emits values in source order.
package frontend

import (
	"dlc.dev/dlc/ir"

	"github.com/alecthomas/participle/v2/lexer"
)

// lowerProgram builds the module: the main file's kernels in source order,
// then, marked private, every other kernel they call, directly or not.
func lowerProgram(p *program) *ir.Module {
	reach := map[*kernel]bool{}
	var mark func(k *kernel)
	mark = func(k *kernel) {
		if reach[k] {
			return
		}
		reach[k] = true
		for _, cs := range k.calls {
			mark(cs.callee)
		}
	}
	m := &ir.Module{}
	for _, k := range p.order {
		if k.file.main {
			mark(k)
			m.Funcs = append(m.Funcs, lowerKernel(k))
			if k.decl.Train != nil && k.sigOK {
				m.Funcs = append(m.Funcs, lowerTrainPhases(k)...)
			}
		}
	}
	for _, k := range p.order {
		if !k.file.main && reach[k] {
			m.Funcs = append(m.Funcs, lowerKernel(k))
		}
	}
	return m
}

// lowerer builds the IR function of one kernel.
type lowerer struct {
	k    *kernel
	f    *ir.Func
	info *bodyInfo
	vals map[*entity]*ir.Value // parameters, typed lets and assigned outputs
}

// lowerKernel builds the IR function of a checked kernel.
func lowerKernel(k *kernel) *ir.Func {
	if k.decl.Grad != nil {
		return lowerGradKernel(k)
	}
	if k.decl.Train != nil {
		return lowerTrainKernel(k)
	}
	f := &ir.Func{Name: k.name, Kernels: k.count, Private: !k.file.main, Pos: irPos(k.decl.Name.Pos)}
	l := &lowerer{k: k, f: f, info: k.info, vals: map[*entity]*ir.Value{}}
	for i, pr := range k.params {
		v := &ir.Value{ID: i, Op: ir.OpParam, Type: pr.typ, Name: pr.name, Index: i, Pos: ir.At(irPos(pr.pos))}
		if pr.def != nil {
			d := *pr.def
			v.Default = &d
		}
		v.Init = pr.init
		f.Params = append(f.Params, v)
		l.vals[l.info.ents[i]] = v
	}
	for _, s := range k.decl.Body {
		switch s := s.(type) {
		case *Let:
			l.bind(s.Names, s.Value)
		case *Assign:
			l.bind(s.Names, s.Value)
		}
	}
	for _, e := range l.info.ents[len(k.params):] {
		f.Results = append(f.Results, ir.Result{Name: e.name, Value: l.vals[e]})
	}
	f.Renumber()
	return f
}

// bindName binds v to the source variable name unless it has a name already
// (a parameter, or a value another let or output named first).
func bindName(v *ir.Value, name string) *ir.Value {
	if v.Op != ir.OpParam && v.Var == "" {
		v.Var = name
	}
	return v
}

// bind lowers the right side of a let or an assignment and binds the names.
// A let of an untyped constant gets no value: each use materializes it in
// the dtype its context needs.
func (l *lowerer) bind(names []*Ident, rhs *OrExpr) {
	if len(names) == 1 {
		e := l.info.defs[names[0]]
		switch {
		case e == nil: // let _ = ...
		case e.kind == entOutput:
			l.vals[e] = bindName(l.fit(l.valueAs(rhs, e.op.typ.DType), e.op.typ.Shape, rhs.Pos), e.name)
		case e.op.mode == modeTyped:
			l.vals[e] = bindName(l.value(rhs), e.name)
		}
		return
	}
	call := asCall(rhs)
	v := l.kernelCall(call)
	results := l.info.calls[call].results
	for i, id := range names {
		e := l.info.defs[id]
		if e == nil {
			continue
		}
		x := l.extract(v, i, results[i], call.Pos)
		if e.kind == entOutput {
			x = l.fit(l.convert(x, e.op.typ.DType, call.Pos), e.op.typ.Shape, call.Pos)
		}
		l.vals[e] = bindName(x, e.name)
	}
}

// valueAs lowers e as a value of dtype dt: constants are materialized in
// dt and integer scalars are converted.
func (l *lowerer) valueAs(e Expr, dt ir.DType) *ir.Value {
	if op := l.info.types[e]; op.mode == modeUntyped {
		return l.constant(op.val, dt, e.Position())
	}
	return l.convert(l.value(e), dt, e.Position())
}

// value lowers a typed expression.
func (l *lowerer) value(e Expr) *ir.Value {
	op := l.info.types[e]
	if op.mode == modeUntyped {
		return l.constant(op.val, op.val.defaultDType(), e.Position())
	}
	switch e := e.(type) {
	case Binary:
		return l.binary(e)
	case *Unary:
		if e.Primary != nil {
			return l.value(e.Primary)
		}
		switch e.Op {
		case "+":
			return l.value(e.X)
		case "!":
			return l.newValue(ir.OpNot, op.typ, e.Pos, l.value(e.X))
		}
		return l.newValue(ir.OpNeg, op.typ, e.Pos, l.value(e.X))
	case *Paren:
		return l.value(e.X)
	case *Name:
		return l.vals[l.info.uses[e]]
	case *Call:
		return l.call(e)
	}
	panic("lower: unexpected expression " + e.String())
}

// binary lowers X op Y op Z ... left to right. A constant prefix (1 + 2 in
// 1 + 2 + x) was folded by the checker and is materialized at the first
// typed operand.
func (l *lowerer) binary(e Binary) *ir.Value {
	first, terms := e.Terms()
	if len(terms) == 0 {
		return l.value(first)
	}
	infos := l.info.terms[e]
	prefix := l.info.types[first]
	var acc *ir.Value
	for i, t := range terms {
		ti := infos[i]
		if ti.res.mode == modeUntyped {
			prefix = ti.res
			continue
		}
		var x *ir.Value
		switch {
		case acc != nil:
			x = l.convert(acc, ti.opDT, t.Pos)
		case prefix.mode == modeUntyped:
			x = l.constant(prefix.val, ti.opDT, first.Position())
		default:
			x = l.convert(l.value(first), ti.opDT, first.Position())
		}
		y := l.valueAs(t.Y, ti.opDT)
		if ti.contract != nil { // a @ b
			acc = l.contraction(ti.contract, []*ir.Value{x, y}, t.Pos)
			continue
		}
		acc = l.newValue(binaryOp(t.Op), ti.res.typ, t.Pos, x, y)
	}
	return acc
}

// call lowers a call used as a value.
func (l *lowerer) call(e *Call) *ir.Value {
	info := l.info.calls[e]
	t := l.info.types[e].typ
	if info.kernel != nil {
		return l.extract(l.kernelCall(e), 0, info.results[0], e.Pos)
	}
	b := info.builtin
	switch b.kind {
	case bkCast:
		if op := l.info.types[e.Args[0].Value]; op.mode == modeUntyped {
			return l.constant(op.val, info.opDT, e.Pos)
		}
		return l.convert(l.value(e.Args[0].Value), info.opDT, e.Pos)
	case bkSelect:
		c := l.valueAs(e.Args[0].Value, ir.Bool)
		a := l.valueAs(e.Args[1].Value, info.opDT)
		b := l.valueAs(e.Args[2].Value, info.opDT)
		return l.newValue(ir.OpSelect, t, e.Pos, c, a, b)
	case bkReduce:
		return l.reduction(e, info, t)
	case bkTranspose, bkEinsum:
		var xs []*ir.Value
		for _, a := range info.args {
			xs = append(xs, l.value(a))
		}
		return l.contraction(info.contract, xs, e.Pos)
	case bkGather:
		x, idx := l.value(e.Args[0].Value), l.value(e.Args[1].Value)
		v := l.newValue(ir.OpGather, t, e.Pos, x, idx)
		v.Axis = info.axis
		return v
	case bkReshape:
		return l.newValue(ir.OpReshape, t, e.Pos, l.value(e.Args[0].Value))
	case bkIota:
		v := l.newValue(ir.OpIota, t, e.Pos)
		v.Axis = info.axis
		return v
	case bkDim: // a constant dimension was folded by the checker
		x := l.info.types[e.Args[0].Value].typ
		return l.dim(x.Shape[info.axis], t.DType, e.Pos)
	}
	var args []*ir.Value
	for _, a := range e.Args {
		args = append(args, l.valueAs(a.Value, info.opDT))
	}
	if b.op == ir.OpInvalid {
		return l.composite(b.name, t, e.Pos, args[0])
	}
	return l.newValue(b.op, t, e.Pos, args...)
}

// reduction lowers sum, max, min and logsumexp to one reduction, and mean
// to a sum times 1/n, where n is the size of the axis: a constant, or the
// symbolic dimension's size when the kernel runs (OpDim).
func (l *lowerer) reduction(e *Call, info *callInfo, t ir.Type) *ir.Value {
	b := info.builtin
	x := l.value(e.Args[0].Value)
	v := l.newValue(b.op, t, e.Pos, x)
	v.Axis, v.KeepDims = info.axis, info.keepDims
	v.Const = ir.ReductionIdentity(b.op)
	if info.initial != nil {
		v.Const = *info.initial
	}
	if b.name != "mean" {
		return v
	}
	var inv *ir.Value
	if d := x.Type.Shape[info.axis]; d.IsSym() {
		one := l.constFloat(1, t.DType, e.Pos)
		inv = l.newValue(ir.OpDiv, ir.Scalar(t.DType), e.Pos, one, l.dim(d, t.DType, e.Pos))
	} else {
		inv = l.constFloat(1/float64(d.N), t.DType, e.Pos)
	}
	return l.newValue(ir.OpMul, t, e.Pos, v, inv)
}

// contraction emits a checked contraction of operands xs (a @ b, einsum,
// transpose): each operand's reshape and sums, the dot_general of two
// operands, and the transpose (or reshape) of the result, where the plan
// has them.
func (l *lowerer) contraction(p *contraction, xs []*ir.Value, pos lexer.Position) *ir.Value {
	xs = append([]*ir.Value{}, xs...)
	for i, pr := range p.prep {
		if pr.reshape != nil {
			xs[i] = l.newValue(ir.OpReshape, *pr.reshape, pos, xs[i])
		}
		for k, axis := range pr.axes {
			xs[i] = l.newValue(ir.OpReduceSum, pr.sum[k], pos, xs[i])
			xs[i].Axis = axis
		}
	}
	y := xs[0]
	if len(xs) == 2 {
		a, b := xs[0], xs[1]
		if p.swap {
			a, b = b, a
		}
		y = l.newValue(ir.OpDotGeneral, p.dot, pos, a, b)
		y.Dot = p.dims.Clone()
	}
	switch {
	case p.perm != nil:
		y = l.newValue(ir.OpTranspose, p.result, pos, y)
		y.Perm = append([]int{}, p.perm...)
	case p.reshape:
		y = l.newValue(ir.OpReshape, p.result, pos, y)
	}
	return y
}

// dim emits the size of a symbolic dimension as a scalar of dtype dt.
func (l *lowerer) dim(d ir.Dim, dt ir.DType, pos lexer.Position) *ir.Value {
	v := l.newValue(ir.OpDim, ir.Scalar(dt), pos)
	v.Name = d.Sym
	return v
}

// composite lowers a builtin that is several IR ops: softplus(x) as
// max(x, 0) + log1p(exp(-|x|)), which neither overflows nor loses log1p's
// precision, log_sigmoid(x) = -softplus(-x) as min(x, 0) - log1p(exp(-|x|)),
// and relu(x) as select(x <= 0, 0, x): max(x, 0) for every x, NaN included,
// with the gradient of torch.relu, 0 at x = 0 (max splits a tie).
func (l *lowerer) composite(name string, t ir.Type, pos lexer.Position, x *ir.Value) *ir.Value {
	zero := l.constFloat(0, t.DType, pos)
	if name == "relu" {
		le := l.newValue(ir.OpLe, t.WithDType(ir.Bool), pos, x, zero)
		return l.newValue(ir.OpSelect, t, pos, le, zero, x)
	}
	tail := l.newValue(ir.OpLog1p, t, pos,
		l.newValue(ir.OpExp, t, pos,
			l.newValue(ir.OpNeg, t, pos,
				l.newValue(ir.OpAbs, t, pos, x))))
	switch name {
	case "softplus":
		return l.newValue(ir.OpAdd, t, pos, l.newValue(ir.OpMax, t, pos, x, zero), tail)
	case "log_sigmoid":
		return l.newValue(ir.OpSub, t, pos, l.newValue(ir.OpMin, t, pos, x, zero), tail)
	}
	panic("lower: unknown composite builtin " + name)
}

// fit stores v in a destination of shape s: a reshape when only dimensions
// of size 1 differ, else a broadcast; the checker allowed one (see fits).
func (l *lowerer) fit(v *ir.Value, s ir.Shape, pos lexer.Position) *ir.Value {
	switch t := v.Type; {
	case t.Shape.Equal(s):
		return v
	case ir.SqueezeOnes(t.Shape).Equal(ir.SqueezeOnes(s)):
		return l.newValue(ir.OpReshape, ir.Type{DType: t.DType, Shape: s}, pos, v)
	default:
		return l.newValue(ir.OpBroadcast, ir.Type{DType: t.DType, Shape: s}, pos, v)
	}
}

// kernelCall emits the call of a kernel; its value is the tuple of results.
// Scalar parameters without an argument get their default.
func (l *lowerer) kernelCall(e *Call) *ir.Value {
	info := l.info.calls[e]
	k := info.kernel
	args := make([]*ir.Value, len(k.params))
	for j, p := range k.params {
		if info.args[j] == nil {
			args[j] = l.constFloat(*p.def, p.typ.DType, e.Pos)
			continue
		}
		args[j] = l.valueAs(info.args[j], info.argDT[j])
	}
	v := l.newValue(ir.OpCall, ir.Type{Elems: info.results}, e.Pos, args...)
	v.Name = k.name
	return v
}

// extract emits element i of a call's results.
func (l *lowerer) extract(call *ir.Value, i int, t ir.Type, pos lexer.Position) *ir.Value {
	v := l.newValue(ir.OpExtract, t, pos, call)
	v.Index = i
	return v
}

// convert casts v to dtype dt when it has another dtype; the checker allows
// this only for integer scalars meeting floats, and for cast().
func (l *lowerer) convert(v *ir.Value, dt ir.DType, pos lexer.Position) *ir.Value {
	if v.Type.DType == dt {
		return v
	}
	return l.newValue(ir.OpCast, v.Type.WithDType(dt), pos, v)
}

// constant materializes an untyped constant as a scalar of dtype dt.
func (l *lowerer) constant(c cval, dt ir.DType, pos lexer.Position) *ir.Value {
	v, _ := c.represent(dt)
	return l.constFloat(v, dt, pos)
}

// constFloat emits a scalar constant.
func (l *lowerer) constFloat(x float64, dt ir.DType, pos lexer.Position) *ir.Value {
	v := l.newValue(ir.OpConst, ir.Scalar(dt), pos)
	v.Const = x
	return v
}

// newValue appends a value with a source position.
func (l *lowerer) newValue(op ir.Op, t ir.Type, pos lexer.Position, args ...*ir.Value) *ir.Value {
	v := l.f.NewValue(op, t, args...)
	v.Pos = ir.At(irPos(pos))
	return v
}

// binaryOp maps an operator to its IR op.
func binaryOp(op string) ir.Op {
	switch op {
	case "+":
		return ir.OpAdd
	case "-":
		return ir.OpSub
	case "*":
		return ir.OpMul
	case "/":
		return ir.OpDiv
	case "&&":
		return ir.OpAnd
	case "||":
		return ir.OpOr
	case "==":
		return ir.OpEq
	case "!=":
		return ir.OpNe
	case "<":
		return ir.OpLt
	case "<=":
		return ir.OpLe
	case ">":
		return ir.OpGt
	}
	return ir.OpGe
}
