// This file outlines repeated element code of a row kernel's loop: a
// computation written out many times with other constants (the 64
// Gauss–Hermite terms of the EXACT loss, each a log Φ through erfc, log and
// log1p) becomes one internal function, and its vector twin, called once
// per term. Unrolled, such a loop is one basic block of tens of thousands of
// instructions, on which LLVM's instruction selection and register
// allocation take tens of seconds; outlined, each term is a call, and the
// code LLVM compiles shrinks by the number of terms.
//
// A candidate is a value v with the values it post-dominates in the loop's
// use graph: every use of those is inside the region, so the region is
// closed and computes one register from its leaves (values computed outside
// it, constants). Regions are compared by shape (ops, types and how leaves
// are used); constants that differ between instances become arguments.
// The outlined function executes exactly the instructions the inline code
// would, in the same order, on the same operands: the bits are the same
// (no fast-math flag lets LLVM reassociate across the call).
package cpu

import (
	"fmt"
	"math"
	"strings"

	"dlc.dev/dlc/codegen/elemental"
	"dlc.dev/dlc/ir"

	llir "github.com/llir/llvm/ir"
	"github.com/llir/llvm/ir/enum"
	"github.com/llir/llvm/ir/types"
	"github.com/llir/llvm/ir/value"
)

// Outlining thresholds. Only loops whose element code is large enough to
// strain LLVM are outlined, so every smaller kernel's code is untouched.
const (
	outlineMinLoop  = 512 // values a loop computes per element before anything is outlined
	outlineMinCount = 4   // instances of one region shape
	outlineMinSize  = 12  // values in one region
)

// region is one candidate for outlining: root and the values it owns, in
// body order, with the shape that identifies its class.
type region struct {
	root    *ir.Value
	members []*ir.Value   // each after its operands; the root last
	ops     [][]operandOf // per member, where each operand comes from
	shape   string
	leaves  []leafSlot // the operands from outside, by first use
}

// operandOf is where an operand of a region's member comes from: another
// member (by index) or a leaf slot.
type operandOf struct {
	member, leaf int // one of them is -1
}

// leafSlot is one operand of a region from outside it: a value seen at the
// shape of the member that reads it, or a constant.
type leafSlot struct {
	v     *ir.Value
	shape ir.Shape
}

// outlined is a class of regions computed by one function pair.
type outlined struct {
	scalar, vector *llir.Func
	embed          []bool // per leaf slot: a constant the same in every instance, inside the function
}

// outlinePlan is what a loop computes by calls: each outlined root, and the
// members computed inside the functions.
type outlinePlan struct {
	calls  map[*ir.Value]*region
	inside map[*ir.Value]bool
	class  map[string]*outlined
}

// planOutline finds the regions of loop l worth outlining.
func (k *rowKernel) planOutline(l *rowLoop) *outlinePlan {
	op := &outlinePlan{calls: map[*ir.Value]*region{}, inside: map[*ir.Value]bool{}, class: map[string]*outlined{}}
	if !k.outline || len(l.Needed) < outlineMinLoop || len(l.share.repl) > 0 || len(l.share.lse) > 0 {
		return op
	}
	eligible := map[*ir.Value]bool{}
	for _, v := range l.Needed {
		eligible[v] = k.outlinable(v, l)
	}
	ipdom, children := k.postDominators(l, eligible)
	tree := newDomTree(children)
	// A region's members are exactly the values of v's subtree (each one
	// reaches the exit only through v, so it is a transitive operand of v
	// through the subtree), so two regions of the same shape have the same
	// root op, type and subtree size. Regions whose root, type and size
	// occur fewer than outlineMinCount times cannot repeat often enough,
	// and are not built: on a long chain of sums, building every partial
	// sum's region would take time quadratic in the chain.
	roots := map[string]int{}
	rootKey := func(v *ir.Value) string { return fmt.Sprintf("%s %s %d", v.Op, v.Type, tree.size(v)) }
	for _, v := range l.Needed {
		if eligible[v] && tree.size(v) >= outlineMinSize {
			roots[rootKey(v)]++
		}
	}
	regions := map[*ir.Value]*region{}
	count := map[string]int{}
	for _, v := range l.Needed {
		if !eligible[v] || tree.size(v) < outlineMinSize || roots[rootKey(v)] < outlineMinCount {
			continue
		}
		r := regionOf(v, ipdom, tree)
		if len(r.members) != tree.size(v) {
			panic(fmt.Sprintf("outline: the region of %s has %d members, its post-dominator subtree %d values", ir.Ref(v), len(r.members), tree.size(v)))
		}
		regions[v] = r
		if len(r.members) >= outlineMinSize {
			count[r.shape]++
		}
	}
	// Top down: outline the largest repeated regions, descend into the rest.
	var visit func(v *ir.Value)
	visit = func(v *ir.Value) {
		if r := regions[v]; r != nil && len(r.members) >= outlineMinSize && count[r.shape] >= outlineMinCount {
			op.calls[v] = r
			for _, w := range r.members {
				if w != v {
					op.inside[w] = true
				}
			}
			return
		}
		for _, c := range children[v] {
			visit(c)
		}
	}
	for _, c := range children[nil] {
		visit(c)
	}
	op.decideEmbedding()
	return op
}

// outlinable reports whether per-element value v of loop l can be computed
// inside an outlined function: an elementwise op on registers, computed the
// ordinary way (not loaded back, not replaced by a share plan).
func (k *rowKernel) outlinable(v *ir.Value, l *rowLoop) bool {
	if _, ok := l.reload[v]; ok || k.Synthetic[v] {
		return false
	}
	return v.Op.Has(ir.Elementwise) && elemental.Supports(v.Op) && k.Class[v].PerElem
}

// postDominators computes, for every eligible value of loop l, the value
// that immediately post-dominates it in the loop's use graph (nil: the
// loop's exit), and the tree's children in body order (children[nil] are
// the roots). A value used by a reduction, a store, a kept copy or an
// ineligible value is used at the exit.
func (k *rowKernel) postDominators(l *rowLoop, eligible map[*ir.Value]bool) (map[*ir.Value]*ir.Value, map[*ir.Value][]*ir.Value) {
	atExit := map[*ir.Value]bool{}
	for _, r := range l.Reds {
		atExit[r.Args[0]] = true
	}
	for _, v := range l.Stores {
		atExit[v] = true
	}
	for _, kv := range l.keep {
		atExit[kv.v] = true
	}
	users := map[*ir.Value][]*ir.Value{}
	for _, u := range l.Needed {
		for _, a := range u.Args {
			if !eligible[u] {
				atExit[a] = true
				continue
			}
			users[a] = append(users[a], u)
		}
	}
	ipdom := map[*ir.Value]*ir.Value{}
	depth := map[*ir.Value]int{}
	meet := func(a, b *ir.Value) *ir.Value {
		for a != b {
			if a == nil || b == nil {
				return nil
			}
			if depth[a] >= depth[b] {
				a = ipdom[a]
			} else {
				b = ipdom[b]
			}
		}
		return a
	}
	for i := len(l.Needed) - 1; i >= 0; i-- {
		v := l.Needed[i]
		if !eligible[v] {
			continue
		}
		var d *ir.Value
		if !atExit[v] && len(users[v]) > 0 {
			d = users[v][0]
			for _, u := range users[v][1:] {
				d = meet(d, u)
			}
		}
		ipdom[v] = d
		if d != nil {
			depth[v] = depth[d] + 1
		}
	}
	children := map[*ir.Value][]*ir.Value{}
	for _, v := range l.Needed {
		if eligible[v] {
			children[ipdom[v]] = append(children[ipdom[v]], v)
		}
	}
	return ipdom, children
}

// regionOf is the region v post-dominates, and its shape: its members in
// the order a walk from v through operands first reaches them, leaves
// numbered by first use, constants by slot (their values are not part of
// the shape).
func regionOf(v *ir.Value, ipdom map[*ir.Value]*ir.Value, tree *domTree) *region {
	owned := func(w *ir.Value) bool { return tree.within(w, v) }
	r := &region{root: v}
	index := map[*ir.Value]int{}
	leafIndex := map[string]int{}
	var b strings.Builder
	var walk func(w *ir.Value) int
	walk = func(w *ir.Value) int {
		if i, ok := index[w]; ok {
			return i
		}
		ops := make([]operandOf, len(w.Args))
		args := make([]string, len(w.Args))
		for i, a := range w.Args {
			if _, inRegion := ipdom[a]; inRegion && owned(a) {
				m := walk(a)
				ops[i] = operandOf{member: m, leaf: -1}
				args[i] = fmt.Sprintf("v%d", m)
				continue
			}
			key := fmt.Sprintf("%p@%s", a, w.Type.Shape)
			if a.Op == ir.OpConst {
				key = fmt.Sprintf("const %d", len(r.leaves)) // a slot per use: instances may differ
			}
			j, ok := leafIndex[key]
			if !ok {
				j = len(r.leaves)
				leafIndex[key] = j
				r.leaves = append(r.leaves, leafSlot{v: a, shape: w.Type.Shape})
			}
			kind := "x"
			if a.Op == ir.OpConst {
				kind = "c"
			}
			ops[i] = operandOf{member: -1, leaf: j}
			args[i] = fmt.Sprintf("%s%d:%s", kind, j, a.Type)
		}
		index[w] = len(r.members)
		r.members = append(r.members, w)
		r.ops = append(r.ops, ops)
		fmt.Fprintf(&b, "%s %s(%s);", w.Op, w.Type, strings.Join(args, ","))
		return index[w]
	}
	walk(v)
	r.shape = b.String()
	return r
}

// domTree numbers the post-dominator tree in preorder, so that whether one
// value post-dominates another is two comparisons, not a walk up the tree.
type domTree struct {
	pre, end map[*ir.Value]int // preorder number; one past the subtree's last
}

// newDomTree numbers the tree given by its children (children[nil] are the
// roots).
func newDomTree(children map[*ir.Value][]*ir.Value) *domTree {
	t := &domTree{pre: map[*ir.Value]int{}, end: map[*ir.Value]int{}}
	n := 0
	var number func(v *ir.Value)
	number = func(v *ir.Value) {
		t.pre[v] = n
		n++
		for _, c := range children[v] {
			number(c)
		}
		t.end[v] = n
	}
	for _, r := range children[nil] {
		number(r)
	}
	return t
}

// within reports whether w is in v's subtree (v post-dominates w, or is w).
func (t *domTree) within(w, v *ir.Value) bool {
	pw, ok := t.pre[w]
	return ok && t.pre[v] <= pw && pw < t.end[v]
}

// size is the number of values in v's subtree.
func (t *domTree) size(v *ir.Value) int { return t.end[v] - t.pre[v] }

// decideEmbedding marks, for each class, the constant slots that hold the
// same constant in every instance: those stay constants inside the
// function, the others become arguments.
func (op *outlinePlan) decideEmbedding() {
	first := map[string]*region{}
	for _, r := range op.calls {
		o, ok := op.class[r.shape]
		if !ok {
			o = &outlined{embed: make([]bool, len(r.leaves))}
			for i, s := range r.leaves {
				o.embed[i] = s.v.Op == ir.OpConst
			}
			op.class[r.shape] = o
			first[r.shape] = r
			continue
		}
		f := first[r.shape]
		for i, s := range r.leaves {
			if o.embed[i] && !sameConst(s.v, f.leaves[i].v) {
				o.embed[i] = false
			}
		}
	}
}

func sameConst(a, b *ir.Value) bool {
	return a.Type.Equal(b.Type) && math.Float64bits(a.Const) == math.Float64bits(b.Const)
}

// call emits the call computing outlined root v in element code ec.
func (ec *elemCode) call(r *region) value.Value {
	k := ec.k
	o := ec.outline.class[r.shape]
	var args []value.Value
	for i, s := range r.leaves {
		if o.embed[i] {
			continue
		}
		args = append(args, ec.Operand(s.v, s.shape, false))
	}
	if o.scalar == nil {
		k.defineOutlined(o, r, args)
	}
	return ec.B.NewCall(o.scalar, args...)
}

// defineOutlined writes the scalar function of class o from its first
// instance r (whose arguments have the types of args) and its vector twin.
func (k *rowKernel) defineOutlined(o *outlined, r *region, args []value.Value) {
	n := len(k.twins)
	base := fmt.Sprintf("%s.o%d", k.bf.fn.Name(), n)
	params := make([]*llir.Param, len(args))
	vparams := make([]*llir.Param, len(args))
	for i, a := range args {
		params[i] = llir.NewParam(fmt.Sprintf("a%d", i), a.Type())
		vparams[i] = llir.NewParam(fmt.Sprintf("a%d", i), vec(a.Type()))
	}
	entry := llir.NewBlock("entry")
	leaf := make([]value.Value, len(r.leaves))
	next := 0
	for i, s := range r.leaves {
		if o.embed[i] {
			leaf[i] = elemental.Const(s.v.Type.DType, s.v.Const)
			continue
		}
		leaf[i] = params[next]
		next++
	}
	regs := make([]value.Value, len(r.members))
	for m, v := range r.members {
		ops := make([]value.Value, len(v.Args))
		for i, src := range r.ops[m] {
			if src.member >= 0 {
				ops[i] = regs[src.member]
			} else {
				ops[i] = leaf[src.leaf]
			}
		}
		regs[m] = k.Elementwise(entry, v, ops)
	}
	res := regs[len(regs)-1]
	body := append([]llir.Instruction{}, entry.Insts...)
	entry.NewRet(res)
	o.scalar = k.newOutlinedFunc(base, res.Type(), params, entry)

	ventry := llir.NewBlock("entry")
	w := newWidener(k.E, ventry, ventry, nil)
	for i, p := range params {
		w.m[p] = vparams[i]
	}
	if err := w.run(body); err != nil {
		fail("outline %s: %v", ir.FormatValue(r.root), err)
	}
	vres, err := w.get(res)
	if err != nil {
		fail("outline %s: %v", ir.FormatValue(r.root), err)
	}
	ventry.NewRet(vres)
	o.vector = k.newOutlinedFunc(base+".v8", vres.Type(), vparams, ventry)
	k.twins[o.scalar] = o.vector
}

// newOutlinedFunc adds an internal, never-inlined function with one block.
func (k *rowKernel) newOutlinedFunc(name string, ret types.Type, params []*llir.Param, entry *llir.Block) *llir.Func {
	fn := k.Mod.NewFunc(name, ret, params...)
	fn.Linkage = enum.LinkageInternal
	fn.FuncAttrs = append([]llir.FuncAttribute{enum.FuncAttrNoInline}, targetAttrs(k.t)...)
	entry.Parent = fn
	fn.Blocks = []*llir.Block{entry}
	return fn
}
