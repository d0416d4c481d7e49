// This file is reverse-mode automatic differentiation on the graph IR. A grad
// value, grad(y, x), is the gradient of the 0-d float y with respect to x;
// Differentiate replaces it with the reverse sweep: from y back to x, each
// value's cotangent is pushed through its op's gradient rule (the VJP of its
// row, vjp.go) to its operands, summed over the axes an operand was
// broadcast along, and accumulated over the operand's uses in a fixed order.
// The autodiff pass runs it on every function, and the interpreter on the
// functions it runs, so a grad value means the same thing everywhere.
package ir

import (
	"fmt"
	"slices"
)

// GradError is a gradient that cannot be computed: y does not depend on x, or
// depends on it only through ops that pass no gradient, or through an op
// without a gradient rule. Pos is where to look: the op at fault, or the
// grad value when there is none.
type GradError struct {
	Pos Pos
	Msg string
}

func (e *GradError) Error() string {
	if e.Pos.IsValid() || e.Pos.File != "" {
		return e.Pos.String() + ": " + e.Msg
	}
	return e.Msg
}

// HasGrad reports whether f has a grad value to expand.
func HasGrad(f *Func) bool {
	return slices.ContainsFunc(f.Body, func(v *Value) bool { return v.Op == OpGrad })
}

// Differentiate replaces every grad value of f with the values that compute
// it; m resolves calls, which are inlined first so the sweep sees one flat
// graph. Grad values are expanded in body order, so the gradient of a value
// that itself uses a gradient is the second derivative. The grad values of one
// y share one sweep, placed where the first of them was. f is renumbered.
func Differentiate(m *Module, f *Func) error {
	if !HasGrad(f) {
		return nil
	}
	if slices.ContainsFunc(f.Body, func(v *Value) bool { return v.Op == OpCall }) {
		if _, err := InlineCalls(m, f); err != nil {
			return err
		}
	}
	before := map[*Value]bool{}
	for _, v := range f.Body {
		before[v] = true
	}
	for i := 0; i < len(f.Body); i++ {
		if f.Body[i].Op != OpGrad {
			continue
		}
		n, err := expandGrads(f, i)
		if err != nil {
			return err
		}
		i += n - 1
	}
	removeDeadSweep(f, before)
	f.Renumber()
	return nil
}

// removeDeadSweep drops the values the sweeps added that nothing uses: rules
// compute the cotangents of every operand, and those of operands that need
// none (constants, scalar parameters) are dead. Values that were there
// before stay, dead or not, for the passes to judge.
func removeDeadSweep(f *Func, before map[*Value]bool) {
	used := map[*Value]bool{}
	for _, r := range f.Results {
		used[r.Value] = true
	}
	for i := len(f.Body) - 1; i >= 0; i-- {
		if v := f.Body[i]; used[v] || before[v] {
			for _, a := range v.Args {
				used[a] = true
			}
		}
	}
	f.Body = slices.DeleteFunc(f.Body, func(v *Value) bool { return !before[v] && !used[v] })
}

// expandGrads replaces the grad value at f.Body[i] and every later grad value
// of the same y with one reverse sweep inserted at i. It returns how many
// values took the place of the grad value at i.
func expandGrads(f *Func, i int) (int, error) {
	first := f.Body[i]
	y := first.Args[0]
	var grads []*Value
	var rest []*Value
	for _, v := range f.Body[i:] {
		if v.Op == OpGrad && v.Args[0] == y {
			grads = append(grads, v)
		} else {
			rest = append(rest, v)
		}
	}
	prefix := f.Body[:i:i]
	g := newGraph(prefix)
	var wrt []*Value
	for _, gv := range grads {
		x := gv.Args[1]
		if err := g.check(y, x, gv); err != nil {
			return 0, err
		}
		if !slices.Contains(wrt, x) {
			wrt = append(wrt, x)
		}
	}
	f.Body = prefix
	cts, err := sweep(f, g, y, wrt, first.Pos)
	if err != nil {
		return 0, err
	}
	added := len(f.Body) - i
	f.Body = append(f.Body, rest...)
	for _, gv := range grads {
		c := cts[gv.Args[1]]
		if c == nil {
			panic("autodiff: no cotangent reached " + Ref(gv.Args[1]))
		}
		f.ReplaceUses(gv, c)
	}
	return added, nil
}

// use is one operand slot: operand Index of User.
type use struct {
	User  *Value
	Index int
}

// graph is the forward graph a sweep runs over: the values before the grad
// values, with their uses in body order.
type graph struct {
	body []*Value
	pos  map[*Value]int // body index; parameters are absent
	uses map[*Value][]use
}

func newGraph(body []*Value) *graph {
	g := &graph{body: body, pos: map[*Value]int{}, uses: map[*Value][]use{}}
	for i, v := range body {
		g.pos[v] = i
		for j, a := range v.Args {
			g.uses[a] = append(g.uses[a], use{v, j})
		}
	}
	return g
}

// carries reports whether a cotangent flows from operand j of u to the
// operand: both are floats, and u's op passes gradients (it is not NoGrad).
func carries(u *Value, j int) bool {
	return u.Type.DType.IsFloat() && !u.Type.IsTuple() && u.Args[j].Type.DType.IsFloat() && !u.Op.Has(NoGrad)
}

// reach returns the values that depend on x, through any use (all) or
// through uses that carry a gradient only (diff).
func (g *graph) reach(x *Value) (all, diff map[*Value]bool) {
	all, diff = map[*Value]bool{x: true}, map[*Value]bool{x: true}
	var visit func(v *Value)
	visit = func(v *Value) {
		for _, u := range g.uses[v] {
			d := diff[v] && carries(u.User, u.Index)
			if all[u.User] && (!d || diff[u.User]) {
				continue
			}
			all[u.User] = true
			if d {
				diff[u.User] = true
			}
			visit(u.User)
		}
	}
	visit(x)
	return all, diff
}

// check reports why the gradient of y with respect to x, asked for by grad
// value gv, cannot be computed: y does not depend on x, or only through a
// value whose op passes no gradient.
func (g *graph) check(y, x, gv *Value) error {
	all, diff := g.reach(x)
	if diff[y] {
		return nil
	}
	name := x.Name
	if x.Op != OpParam {
		name = Ref(x)
	}
	if !all[y] {
		return &GradError{Pos: gv.Pos.First(), Msg: fmt.Sprintf("cannot differentiate with respect to %s: the result does not depend on it", name)}
	}
	// The first value that depends on x and feeds y, but where the gradient stops.
	feeds := g.feeders(y)
	for _, u := range g.body {
		if !all[u] || !feeds[u] {
			continue
		}
		for j, a := range u.Args {
			if diff[a] && !carries(u, j) {
				pos := u.Pos
				if !pos.IsValid() {
					pos = gv.Pos
				}
				return &GradError{Pos: pos.First(), Msg: fmt.Sprintf(
					"cannot differentiate with respect to %s (grad at %s): the result depends on it only through %s here, %s",
					name, relativePos(gv.Pos.First(), pos.First()), u.Op, stopReason(u, j))}
			}
		}
	}
	return &GradError{Pos: gv.Pos.First(), Msg: fmt.Sprintf("cannot differentiate with respect to %s: no path to the result carries a gradient", name)}
}

// relativePos prints p for a message positioned at from: line:col in the
// same file, the whole position in another.
func relativePos(p, from Pos) string {
	if p.File == from.File && p.IsValid() {
		return fmt.Sprintf("line %d:%d", p.Line, p.Col)
	}
	return p.String()
}

// stopReason says why operand j of u passes no gradient.
func stopReason(u *Value, j int) string {
	switch {
	case u.Op.Has(Compare):
		return "a comparison, whose bool result carries no gradient"
	case u.Op.Has(NoGrad):
		return "which is piecewise constant: its gradient is zero wherever it is defined"
	case !u.Type.DType.IsFloat():
		return fmt.Sprintf("whose result is %s, and integers and bools carry no gradient", u.Type.DType)
	}
	return fmt.Sprintf("whose operand %d is %s, and integers and bools carry no gradient", j, u.Args[j].Type.DType)
}

// feeders returns the values y depends on, and y.
func (g *graph) feeders(y *Value) map[*Value]bool {
	in := map[*Value]bool{y: true}
	for i := len(g.body) - 1; i >= 0; i-- {
		if v := g.body[i]; in[v] {
			for _, a := range v.Args {
				in[a] = true
			}
		}
	}
	return in
}

// sweep appends to f the reverse sweep from y to each value of wrt and
// returns their cotangents. Only values on a differentiable path from some
// x in wrt to y get a cotangent.
func sweep(f *Func, g *graph, y *Value, wrt []*Value, pos PosList) (map[*Value]*Value, error) {
	active := map[*Value]bool{}
	for _, x := range wrt {
		_, diff := g.reach(x)
		for v := range diff {
			active[v] = true
		}
	}
	s := &sweeper{f: f, needed: map[*Value]bool{y: true}, guards: map[*Value][]guard{}}
	for i := g.pos[y] - 1; i >= 0; i-- {
		v := g.body[i]
		if active[v] && slices.ContainsFunc(g.uses[v], func(u use) bool { return s.needed[u.User] && carries(u.User, u.Index) }) {
			s.needed[v] = true
			s.guards[v] = s.guardsOf(v, g.uses[v])
		}
	}
	for _, x := range wrt {
		if x.Op == OpParam {
			s.needed[x] = true // reach found a path from x to y
			s.guards[x] = s.guardsOf(x, g.uses[x])
		}
	}
	seed := f.NewValue(OpConst, Scalar(y.Type.DType))
	seed.Const, seed.Pos = 1, pos
	s.ct = map[*Value]*Value{y: seed}
	for i := g.pos[y]; i >= 0; i-- {
		v := g.body[i]
		if s.ct[v] == nil || !s.needed[v] || !active[v] {
			continue
		}
		if err := s.pull(v); err != nil {
			return nil, err
		}
	}
	for _, x := range wrt {
		s.ct[x] = s.mask(s.guards[x], nil, s.ct[x]) // x itself may be used in one branch only
	}
	return s.ct, nil
}

// sweeper is the state of one reverse sweep.
type sweeper struct {
	f      *Func
	ct     map[*Value]*Value // the cotangents so far
	needed map[*Value]bool   // on a differentiable path from an input to y
	guards map[*Value][]guard
}

// guard says that a cotangent is zero wherever Cond is false (Side 1) or
// true (Side 2): every path from the value to y goes through that operand of
// a select on Cond, elementwise.
type guard struct {
	Cond *Value
	Side int
}

// guardsOf returns the guards of needed value v from those of its users: a
// guard holds for v when it holds along every use, through elementwise ops
// and reductions that keep their axis (where v's elements line up with the
// user's), or is added by the select branch v is. A guard's condition must
// broadcast to v's shape, so that it is one bool per element of v.
func (s *sweeper) guardsOf(v *Value, uses []use) []guard {
	var common []guard
	first := true
	for _, u := range uses {
		if !s.needed[u.User] || !carries(u.User, u.Index) {
			continue
		}
		var gs []guard
		if aligned(u.User) {
			gs = append(gs, s.guards[u.User]...)
		}
		if u.User.Op == OpSelect && u.Index > 0 {
			gs = append(gs, guard{u.User.Args[0], u.Index})
		}
		gs = slices.DeleteFunc(gs, func(g guard) bool { return !BroadcastsTo(g.Cond.Type.Shape, v.Type.Shape) })
		if first {
			common, first = gs, false
			continue
		}
		common = slices.DeleteFunc(common, func(g guard) bool { return !slices.Contains(gs, g) })
	}
	return common
}

// aligned reports whether the cotangents op u's rule gives its operands line
// up element by element (after broadcasting) with u's own: elementwise ops,
// and reductions that keep their axis.
func aligned(u *Value) bool {
	return u.Op.Has(Elementwise) || u.Op.Has(Reduction) && u.KeepDims
}

// pull applies v's gradient rule to its cotangent and adds what each needed
// operand receives to that operand's cotangent, operands in order.
//
// A contribution leaving a select branch is masked with the select's
// condition (mask): inside the branch the cotangent is zero where the other
// branch was chosen, and a rule there may turn that zero into NaN (0·∞ where
// the unchosen branch overflows, as log(0.5·erfc(x)) does for x < -14 in
// f32), which must not reach the operands. This is the "double where" that
// PyTorch and JAX leave to the user.
func (s *sweeper) pull(v *Value) error {
	f, r := s.f, v.Op.row()
	if r.Traits&NoGrad != 0 {
		return nil // a source of the sweep itself (grad with respect to a NoGrad value)
	}
	if r.VJP == nil {
		return &GradError{Pos: v.Pos.First(), Msg: fmt.Sprintf("cannot differentiate through %s: it has no gradient rule", v.Op)}
	}
	from := len(f.Body)
	gs := r.VJP(f, v, v.Args, s.ct[v])
	if len(gs) != len(v.Args) {
		panic(fmt.Sprintf("autodiff: the rule of %s returned %d cotangents for %d operands", v.Op, len(gs), len(v.Args)))
	}
	for j, a := range v.Args {
		if gs[j] == nil || !s.needed[a] || !carries(v, j) {
			continue
		}
		c := gs[j]
		if aligned(v) {
			c = s.mask(s.guards[v], s.guards[a], c)
		}
		c = fit(f, c, a.Type)
		if old := s.ct[a]; old != nil {
			c = f.NewValue(OpAdd, a.Type, old, c)
		}
		s.ct[a] = c
	}
	for _, w := range f.Body[from:] {
		if !w.Pos.IsValid() {
			w.Pos = v.Pos
		}
	}
	return nil
}

// mask zeroes cotangent c where a guard in gs that is not in keep says it is
// zero: a contribution from a value guarded by gs to one guarded by keep.
func (s *sweeper) mask(gs, keep []guard, c *Value) *Value {
	for _, g := range gs {
		if slices.Contains(keep, g) || !BroadcastsTo(g.Cond.Type.Shape, c.Type.Shape) {
			continue
		}
		zero := s.f.NewValue(OpConst, Scalar(c.Type.DType))
		args := []*Value{g.Cond, c, zero}
		if g.Side == 2 {
			args[1], args[2] = zero, c
		}
		c = s.f.NewValue(OpSelect, c.Type, args...)
	}
	return c
}

// fit makes cotangent c have type t, the operand's: summed over the axes the
// operand was broadcast along (leading axes, and size-1 axes stretched), or
// broadcast when c is smaller.
func fit(f *Func, c *Value, t Type) *Value {
	if c.Type.DType != t.DType {
		panic(fmt.Sprintf("autodiff: cotangent %s for an operand of type %s", c.Type, t))
	}
	switch s := c.Type.Shape; {
	case s.Equal(t.Shape):
		return c
	case BroadcastsTo(t.Shape, s):
		return sumTo(f, c, t)
	case BroadcastsTo(s, t.Shape):
		return f.NewValue(OpBroadcast, t, c)
	}
	panic(fmt.Sprintf("autodiff: cotangent %s does not fit an operand of type %s", c.Type, t))
}

// sumTo sums c over the axes that shape t.Shape broadcasts along to c's
// shape: stretched size-1 axes first (kept), then the leading ones.
func sumTo(f *Func, c *Value, t Type) *Value {
	lead := len(c.Type.Shape) - len(t.Shape)
	for i, d := range t.Shape {
		if d == ConstDim(1) && c.Type.Shape[lead+i] != d {
			c = sumAxis(f, c, lead+i, true)
		}
	}
	for ; lead > 0; lead-- {
		c = sumAxis(f, c, 0, false)
	}
	return c
}

// sumAxis appends reduce_sum of c along axis.
func sumAxis(f *Func, c *Value, axis int, keep bool) *Value {
	s := f.NewValue(OpReduceSum, Type{DType: c.Type.DType, Shape: ReduceShape(c.Type.Shape, axis, keep)}, c)
	s.Axis, s.KeepDims = axis, keep
	return s
}
