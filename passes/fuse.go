// This file fuses tensor work into kernels, following XLA's three shapes:
//
//   - loop fusion: a producer joins its elementwise consumer over the same domain;
//   - input fusion: a reduction over the last axis joins its elementwise
//     producers and the consumers that use its per-row result, so one row
//     kernel reads each row from memory once (ZLPR's two log-sum-exps and its
//     gradient);
//   - multi-output fusion: independent groups over the same rows share one
//     kernel, so Lion's theta and m updates read each input once.
//
// A contraction (dot_general) is a kernel of its own, and so is a transpose
// left after fold-layouts: neither joins a loop or row kernel.
//
// Every decision, taken or refused, is explained with its reason.
package passes

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"dlc.dev/dlc/ir"
)

// fuse places every tensor value in a kernel and writes the schedule.
// Contractions and transposes are kernels of their own.
func fuse(m *ir.Module, opt *Options) (bool, error) {
	changed := false
	for _, f := range m.Funcs {
		before := placement(f)
		if err := fuseFunc(f, opt); err != nil {
			return false, err
		}
		changed = changed || placement(f) != before
	}
	return changed, nil
}

// placement is what fusion decides for f: the schedule and each value's group.
func placement(f *ir.Func) string {
	var b strings.Builder
	for _, k := range f.Schedule {
		fmt.Fprintf(&b, "%s %s %s;", k.Group, k.Kind, k.Domain)
	}
	for _, v := range f.Body {
		b.WriteString(v.Group)
		b.WriteByte(',')
	}
	for _, r := range f.Results {
		fmt.Fprintf(&b, "%p,", r.Value) // a result given a copy
	}
	return b.String()
}

// kernelWork reports whether v is computed inside a kernel: every value that
// depends on tensor data (scalars computed from constants and scalar parameters
// are host values, placed by hoist-scalars).
func kernelWork(v *ir.Value) bool {
	return v.Op != ir.OpConst && v.Op != ir.OpParam && v.Group != ir.GroupHost && !v.Type.IsTuple() && v.Op != ir.OpDim
}

// lastAxis reports whether a reduction or gather works along its operand's last axis.
func lastAxis(v *ir.Value) bool {
	return v.Axis == len(v.Args[0].Type.Shape)-1
}

// standalone reports whether v must be a kernel of its own: a reduction or
// gather along a non-last axis, a gather that broadcasts an operand, a
// scatter_add (each of whose elements reads every update along its axis), a
// contraction or a transpose.
func standalone(v *ir.Value) bool {
	return v.Op.Has(ir.AlongAxis) && !lastAxis(v) || v.Op == ir.OpScatterAdd || ir.OwnKernel(v.Op) != 0 ||
		v.Op == ir.OpGather && ir.GatherBroadcasts(v)
}

// readsInPlace reports whether producer p is a reshape that the axis kernel
// of consumer c can read as its operand's buffer: p's group holds only
// reshapes, and c is p's one use (no other kernel and no result needs p's
// values written out).
func (fu *fuser) readsInPlace(p, c *ir.Value) bool {
	gp, gc := fu.of[p], fu.of[c]
	if p.Op != ir.OpReshape || !gc.alone || ir.OwnKernel(gc.standalone().Op) != 0 {
		return false
	}
	for _, v := range gp.members {
		if v.Op != ir.OpReshape {
			return false
		}
	}
	for _, r := range fu.f.Results {
		if r.Value == p {
			return false
		}
	}
	for _, v := range fu.f.Body {
		if v != c && slices.Contains(v.Args, p) {
			return false
		}
	}
	return true
}

// aloneReason says why standalone value v runs as a kernel of its own.
func aloneReason(v *ir.Value) string {
	switch {
	case ir.OwnKernel(v.Op) == ir.ContractionKernel:
		return fmt.Sprintf("%s is a contraction: it runs as a kernel of its own", v.Op)
	case ir.OwnKernel(v.Op) == ir.TransposeKernel:
		return "a transpose that no contraction reads in place runs as a kernel of its own"
	case v.Op == ir.OpScatterAdd:
		return "scatter_add reads every update along its axis for each element: it runs as a kernel of its own"
	case v.Op == ir.OpGather && lastAxis(v):
		return "take_along_axis broadcasts an operand: it runs as a kernel of its own"
	}
	return fmt.Sprintf("%s along axis %d is not the last axis: it runs as a kernel of its own", v.Op, v.Axis)
}

// rowCandidates lists the row domains a value can belong to, preferred first:
// a value of shape [R..., X] is per-element in a kernel over rows R, or
// per-row in a kernel over rows [R..., X].
func rowCandidates(v *ir.Value) []ir.Shape {
	switch {
	case v.Op.Has(ir.AlongAxis):
		s := v.Args[0].Type.Shape
		if v.Op == ir.OpGather {
			s = v.Args[1].Type.Shape
		}
		return []ir.Shape{s[:len(s)-1]}
	case len(v.Type.Shape) == 0:
		return []ir.Shape{{}}
	}
	s := v.Type.Shape
	c := []ir.Shape{s[:len(s)-1]}
	if s[len(s)-1] != ir.ConstDim(1) {
		c = append(c, s)
	}
	return c
}

func intersect(a, b []ir.Shape) []ir.Shape {
	var out []ir.Shape
	for _, x := range a {
		for _, y := range b {
			if x.Equal(y) {
				out = append(out, x)
				break
			}
		}
	}
	return out
}

// group is a set of values that will form one kernel.
type group struct {
	members    []*ir.Value
	candidates []ir.Shape // row domains every member fits
	alone      bool       // a standalone reduction or gather
	first      int        // body index of the earliest member
}

type fuser struct {
	f      *ir.Func
	opt    *Options
	order  map[*ir.Value]int
	of     map[*ir.Value]*group
	groups []*group
	refuse []string // producer -> consumer edges left unfused, with reasons
	// reads[g] are the groups whose values g reads; readBy[g] those that read g's.
	reads, readBy map[*group]map[*group]bool
	update        map[*ir.Value]bool // a train step's optimizer update (update.go)
}

func fuseFunc(f *ir.Func, opt *Options) error {
	ensureResultsComputed(f)
	fu := &fuser{f: f, opt: opt, order: map[*ir.Value]int{}, of: map[*ir.Value]*group{}, update: updateValues(f)}
	for i, v := range f.Body {
		fu.order[v] = i
		v.Group = map[bool]string{true: ir.GroupHost, false: ir.GroupNone}[v.Group == ir.GroupHost]
		if !kernelWork(v) {
			continue
		}
		if k := ir.OwnKernel(v.Op); k != 0 {
			opt.explainAt([]*ir.Value{v}, "@%s: %s (%s) is a %s kernel of its own", f.Name, ir.Ref(v), v.Op, k)
		}
		g := &group{members: []*ir.Value{v}, candidates: rowCandidates(v), alone: standalone(v), first: i}
		fu.of[v] = g
		fu.groups = append(fu.groups, g)
	}
	fu.linkGroups()
	// Loop and input fusion along producer-consumer edges.
	for _, c := range f.Body {
		if fu.of[c] == nil {
			continue
		}
		for i, p := range c.Args {
			if fu.of[p] == nil || fu.of[p] == fu.of[c] {
				continue
			}
			if fu.update[c] && !fu.update[p] {
				why := "the optimizer update starts once every gradient is written: it runs in one launch for all parameters"
				fu.refuse = append(fu.refuse, fmt.Sprintf("%s%s -> %s%s: %s", ir.Ref(p), at(p), ir.Ref(c), at(c), why))
				opt.explainAt([]*ir.Value{p, c}, "@%s: do not fuse %s into %s: %s", f.Name, ir.Ref(p), ir.Ref(c), why)
				continue
			}
			if fu.fuseContractionEdge(p, c, i) {
				continue
			}
			if fu.readsInPlace(p, c) {
				opt.explainAt([]*ir.Value{p, c}, "@%s: fuse %s into the axis kernel of %s: a reshape keeps the order of its elements, so the kernel reads its operand's buffer in place", f.Name, ir.Ref(p), ir.Ref(c))
				fu.merge(fu.of[c], fu.of[p])
				continue
			}
			if why := fu.refusal(p, c, i); why != "" {
				fu.refuse = append(fu.refuse, fmt.Sprintf("%s%s -> %s%s: %s", ir.Ref(p), at(p), ir.Ref(c), at(c), why))
				opt.explainAt([]*ir.Value{p, c}, "@%s: do not fuse %s into %s: %s", f.Name, ir.Ref(p), ir.Ref(c), why)
				continue
			}
			opt.explainAt([]*ir.Value{p, c}, "@%s: fuse %s into the kernel of its consumer %s: %s", f.Name, ir.Ref(p), ir.Ref(c), fusionKind(p, c))
			fu.merge(fu.of[p], fu.of[c])
		}
	}
	// Multi-output fusion: groups over the same rows share one kernel.
	for i := 0; i < len(fu.groups); i++ {
		for j := i + 1; j < len(fu.groups); j++ {
			a, b := fu.live(i), fu.live(j)
			if a == nil || b == nil || a == b || a.alone || b.alone || fu.update[a.members[0]] != fu.update[b.members[0]] {
				continue
			}
			shape, ok := sameIteration(a, b)
			if !ok || fu.cycle(a, b) || fu.gatherInside(a, b) != nil {
				continue
			}
			opt.explainAt([]*ir.Value{b.members[0], a.members[0]}, "@%s: merge the kernel of %s into the kernel of %s: same domain %s%s (multi-output fusion)",
				f.Name, ir.Ref(b.members[0]), ir.Ref(a.members[0]), shape, fu.sharedInputs(a, b))
			fu.merge(a, b)
		}
	}
	return fu.schedule()
}

// at is " (file:line:col)" for a value with a source position, else "".
func at(v *ir.Value) string {
	if p := v.Pos.First(); p.IsValid() {
		return " (" + p.String() + ")"
	}
	return ""
}

// sameIteration reports whether two groups walk the same elements: both have
// a value of one shape [R..., X] and both can run over rows R. Groups that only
// share an empty row domain are not merged: that would make one
// single-threaded row out of two parallel loops.
func sameIteration(a, b *group) (ir.Shape, bool) {
	common := intersect(a.candidates, b.candidates)
	for _, x := range a.members {
		for _, y := range b.members {
			s := x.Type.Shape
			if len(s) == 0 || !s.Equal(y.Type.Shape) {
				continue
			}
			for _, r := range common {
				if r.Equal(s[:len(s)-1]) {
					return s, true
				}
			}
		}
	}
	return nil, false
}

// live returns groups[i] if it still exists (merged groups are emptied).
func (fu *fuser) live(i int) *group {
	if len(fu.groups[i].members) == 0 {
		return nil
	}
	return fu.groups[i]
}

// refusal says why producer p cannot join consumer c (as operand i), or "".
func (fu *fuser) refusal(p, c *ir.Value, i int) string {
	gp, gc := fu.of[p], fu.of[c]
	switch {
	case gp.alone && gp.contraction() == nil:
		return aloneReason(p)
	case gc.alone:
		return aloneReason(gc.standalone())
	case gp.alone:
		return aloneReason(gp.standalone())
	case c.Op == ir.OpGather && i == 0:
		return "take_along_axis reads its data at positions known only at run time, so the data must be in memory"
	}
	if len(intersect(gp.candidates, gc.candidates)) == 0 {
		return fmt.Sprintf("their kernels iterate different rows (%s and %s)", shapesString(gp.candidates), shapesString(gc.candidates))
	}
	if fu.cycle(gp, gc) {
		return "another kernel sits between them (fusing would make a cycle)"
	}
	if g := fu.gatherInside(gp, gc); g != nil {
		return fmt.Sprintf("%s would read its data from the same kernel, but take_along_axis reads its data at positions known only at run time, so the data must be in memory", ir.Ref(g))
	}
	return ""
}

// gatherInside returns a gather that merging a and b would put in the kernel
// that computes its data, or nil.
func (fu *fuser) gatherInside(a, b *group) *ir.Value {
	for _, g := range [2]*group{a, b} {
		for _, v := range g.members {
			if v.Op != ir.OpGather {
				continue
			}
			if d := fu.of[v.Args[0]]; d == a || d == b {
				return v
			}
		}
	}
	return nil
}

func shapesString(ss []ir.Shape) string {
	var parts []string
	for _, s := range ss {
		parts = append(parts, s.String())
	}
	return strings.Join(parts, " or ")
}

func fusionKind(p, c *ir.Value) string {
	switch {
	case c.Op.Has(ir.Reduction):
		return fmt.Sprintf("producer of a reduction over the last axis, same rows %s", rowCandidates(c)[0])
	case p.Op.Has(ir.Reduction):
		return "input fusion: the consumer reads the per-row result while the row is in cache"
	case c.Op == ir.OpReshape:
		return "a reshape of a per-row value"
	case p.Type.Shape.Equal(c.Type.Shape):
		return fmt.Sprintf("elementwise, same domain %s", c.Type.Shape)
	}
	return fmt.Sprintf("%s broadcasts into %s within the row", p.Type.Shape, c.Type.Shape)
}

// linkGroups records which groups read which, value by value.
func (fu *fuser) linkGroups() {
	fu.reads, fu.readBy = map[*group]map[*group]bool{}, map[*group]map[*group]bool{}
	for _, g := range fu.groups {
		fu.reads[g], fu.readBy[g] = map[*group]bool{}, map[*group]bool{}
	}
	for _, v := range fu.f.Body {
		g := fu.of[v]
		if g == nil {
			continue
		}
		for _, x := range v.Args {
			if h := fu.of[x]; h != nil && h != g {
				fu.reads[g][h] = true
				fu.readBy[h][g] = true
			}
		}
	}
}

// merge moves b's members into a, keeping them in body order, and b's
// reads and readers.
func (fu *fuser) merge(a, b *group) {
	a.candidates = intersect(a.candidates, b.candidates)
	a.alone = a.alone || b.alone
	for _, v := range b.members {
		fu.of[v] = a
	}
	a.members = fu.mergeOrdered(a.members, b.members)
	a.first = fu.order[a.members[0]]
	b.members = nil
	for h := range fu.reads[b] {
		delete(fu.readBy[h], b)
		if h != a {
			fu.reads[a][h] = true
			fu.readBy[h][a] = true
		}
	}
	for h := range fu.readBy[b] {
		delete(fu.reads[h], b)
		if h != a {
			fu.readBy[a][h] = true
			fu.reads[h][a] = true
		}
	}
	delete(fu.reads[a], b)
	delete(fu.readBy[a], b)
	delete(fu.reads, b)
	delete(fu.readBy, b)
}

// mergeOrdered merges two lists of values in body order. A group grows by
// absorbing smaller ones, often all after it or all before it, so each run
// of xs between two members of ys is found by binary search and copied
// whole: merging into a large group costs little more than the small one.
func (fu *fuser) mergeOrdered(xs, ys []*ir.Value) []*ir.Value {
	if len(xs) < len(ys) {
		xs, ys = ys, xs
	}
	if len(ys) == 0 {
		return xs
	}
	if fu.order[ys[0]] > fu.order[xs[len(xs)-1]] {
		return append(xs, ys...) // the lists are the groups' own: neither is used again
	}
	merged := make([]*ir.Value, 0, len(xs)+len(ys))
	i := 0
	for _, y := range ys {
		oy := fu.order[y]
		k := i + sort.Search(len(xs)-i, func(n int) bool { return fu.order[xs[i+n]] > oy })
		merged = append(merged, xs[i:k]...)
		merged = append(merged, y)
		i = k
	}
	return append(merged, xs[i:]...)
}

// cycle reports whether merging a and b would make a kernel depend on itself:
// one of them reads, through some other kernel, what the other computes.
func (fu *fuser) cycle(a, b *group) bool {
	return fu.through(a, b) || fu.through(b, a)
}

// through reports whether group from reads group to through at least one
// other group.
func (fu *fuser) through(from, to *group) bool {
	seen := map[*group]bool{from: true}
	var stack []*group
	for h := range fu.reads[from] {
		if h != to {
			seen[h] = true
			stack = append(stack, h)
		}
	}
	for len(stack) > 0 {
		g := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		for h := range fu.reads[g] {
			if h == to {
				return true
			}
			if !seen[h] {
				seen[h] = true
				stack = append(stack, h)
			}
		}
	}
	return false
}

// sharedInputs describes the tensor parameters two groups both read.
func (fu *fuser) sharedInputs(a, b *group) string {
	reads := func(g *group) map[*ir.Value]bool {
		r := map[*ir.Value]bool{}
		for _, v := range g.members {
			for _, x := range v.Args {
				if x.Op == ir.OpParam && !x.Type.IsScalar() {
					r[x] = true
				}
			}
		}
		return r
	}
	ra, rb := reads(a), reads(b)
	var shared []string
	for _, p := range fu.f.Params {
		if ra[p] && rb[p] {
			shared = append(shared, p.Name)
		}
	}
	if len(shared) == 0 {
		return ""
	}
	return ", both read " + strings.Join(shared, ", ")
}

// schedule orders the groups topologically (earliest first among ready ones),
// names them k0, k1, ... and declares how each iterates.
func (fu *fuser) schedule() error {
	var live []*group
	for _, g := range fu.groups {
		if len(g.members) > 0 {
			live = append(live, g)
		}
	}
	deps := map[*group]map[*group]bool{}
	for _, g := range live {
		deps[g] = map[*group]bool{}
		for _, v := range g.members {
			for _, x := range v.Args {
				if h := fu.of[x]; h != nil && h != g {
					deps[g][h] = true
				}
			}
		}
	}
	done := map[*group]bool{}
	f := fu.f
	f.Schedule = nil
	for len(done) < len(live) {
		var next *group
		for _, g := range live {
			if done[g] {
				continue
			}
			ready := true
			for d := range deps[g] {
				ready = ready && done[d]
			}
			if ready && (next == nil || g.first < next.first) {
				next = g
			}
		}
		if next == nil {
			return fmt.Errorf("@%s: kernels depend on each other in a cycle", f.Name)
		}
		done[next] = true
		name := ir.KernelGroup(len(f.Schedule))
		for _, v := range next.members {
			v.Group = name
		}
		f.Schedule = append(f.Schedule, declare(name, next))
	}
	fuseHorizontal(f, fu.opt)
	if f.Kernels > 0 && len(f.Schedule) != f.Kernels {
		var desc []string
		for _, k := range f.Schedule {
			desc = append(desc, describeGroup(f, k))
		}
		msg := fmt.Sprintf("@kernels(%d) demanded for %s, but fusion produced %d kernel(s):\n\t%s",
			f.Kernels, f.Name, len(f.Schedule), strings.Join(desc, "\n\t"))
		if len(fu.refuse) > 0 {
			msg += "\nedges that broke fusion:\n\t" + strings.Join(fu.refuse, "\n\t")
		}
		return &Error{Pos: f.Pos, Msg: msg}
	}
	return nil
}

// declare chooses how a group iterates: a flat loop when every value and
// tensor operand has one shape, else rows over its preferred row domain.
func declare(name string, g *group) ir.KernelDecl {
	if g.alone {
		for _, v := range g.members {
			if k := ir.OwnKernel(v.Op); k != 0 {
				return ir.KernelDecl{Group: name, Kind: k, Domain: v.Type.Shape}
			}
		}
		v := g.standalone()
		return ir.KernelDecl{Group: name, Kind: ir.AxisKernel, Domain: v.Args[0].Type.Shape}
	}
	shape := g.members[0].Type.Shape
	loop := len(shape) > 0
	for _, v := range g.members {
		if v.Op.Has(ir.AlongAxis) || v.Op == ir.OpReshape || v.Op == ir.OpBroadcast || !v.Type.Shape.Equal(shape) {
			loop = false
		}
		for _, x := range v.Args {
			if !x.Type.IsScalar() && !x.Type.Shape.Equal(shape) {
				loop = false
			}
		}
	}
	if loop {
		return ir.KernelDecl{Group: name, Kind: ir.LoopKernel, Domain: shape}
	}
	return ir.KernelDecl{Group: name, Kind: ir.RowKernel, Domain: g.candidates[0]}
}

// ensureResultsComputed gives every result that is a parameter an explicit copy,
// so that every result is written by a kernel.
func ensureResultsComputed(f *ir.Func) {
	for i, r := range f.Results {
		if r.Value.Op == ir.OpParam && !r.Value.Type.IsScalar() {
			c := f.NewValue(ir.OpCast, r.Value.Type, r.Value)
			c.Pos = r.Value.Pos
			f.Results[i].Value = c
		}
	}
}
