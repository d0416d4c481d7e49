// This file finds expensive element values of a row kernel's loop that are
// needed on complementary lanes, and computes each such pair once.
//
// A loss often splits a row by a mask: ZLPR computes e^(s-L-) for the
// negative classes and e^(-s-L+) for the positive ones, each as a full-row
// exp whose other lanes are discarded by a select or are exp(-inf). Vector
// code pays for every lane of both. If value X is needed only where c holds
// and Y only where c does not (and they apply the same op), then
// op(select(c, X's operands, Y's operands)) serves both.
//
// "Needed only where c holds" is found two ways:
//
//   - every use of X is the true arm of a select on c (a guard);
//   - X is op(..., select(c, a, k), ...) with k and the other operands the
//     same for the whole row: then X = select(c, op(..a..), op(..k..)), whose
//     second arm is computed once per row and whose first is guarded by c
//     (the select is sunk through op).
//
// Two log-sum-exps whose operands are -inf (absent) on complementary lanes
// share the exp of their online step the same way.
//
// An expensive value computed again in a later pass over the same row (the
// stdlib's zlpr_hard needs its exponentials for the sums and again for the
// gradient) is instead stored, in the earlier pass, into an output that the
// later pass writes at the same positions, and loaded back from there
// (planReuse): the row is still in cache, and the later pass reads each
// element before it writes its final value.
package cpu

import (
	"fmt"
	"math"
	"strings"

	"dlc.dev/dlc/ir"
)

// expensive reports whether an elementwise op is worth computing once for two
// values: its row's cost class is a division or more.
func expensive(op ir.Op) bool {
	return op.Has(ir.Elementwise) && op.Info().Cost >= ir.CostDivide
}

// sunk says that a per-element value equals select(c, a, b) where exactly one
// arm varies along the row.
type sunk struct {
	c        *ir.Value
	varyTrue bool
	a, b     *ir.Value
}

func (s *sunk) vary() *ir.Value {
	if s.varyTrue {
		return s.a
	}
	return s.b
}

func (s *sunk) fixed() *ir.Value {
	if s.varyTrue {
		return s.b
	}
	return s.a
}

// sharePlan is what a loop computes differently: values replaced by
// (possibly synthetic) values that compute the same lanes.
type sharePlan struct {
	repl map[*ir.Value]*ir.Value
	lse  []lsePair // log-sum-exps sharing their exp
}

// lsePair is two log-sum-exps of one loop whose operands are absent where c
// is false (a) and where c is true (b).
type lsePair struct {
	a, b, c *ir.Value
}

// synth makes a synthetic value of the kernel: op on args, of v's type.
func (k *rowKernel) synth(op ir.Op, t ir.Type, perElem bool, args ...*ir.Value) *ir.Value {
	s := &ir.Value{ID: -1, Op: op, Type: t, Args: args}
	k.InGroup[s] = true
	k.Synthetic[s] = true
	if perElem {
		k.Class[s] = class{PerElem: true, Extent: t.Shape[len(t.Shape)-1]}
	} else {
		k.Class[s] = class{}
	}
	return s
}

// invariant reports whether operand x, used at shape t, is the same for every
// element of a row.
func (k *rowKernel) invariant(x *ir.Value, t ir.Shape) bool {
	if x.Op == ir.OpConst {
		return true
	}
	if _, ok := k.bf.Scalars[x]; ok {
		return true
	}
	if k.InGroup[x] {
		return !k.Class[x].PerElem
	}
	bi, ok := k.ReadBuf[x]
	return ok && !k.Contiguous(bi, t, false)
}

// sinkSelect returns v as a select with one row-invariant arm, or nil.
func (k *rowKernel) sinkSelect(v *ir.Value, memo map[*ir.Value]*sunk) *sunk {
	if s, ok := memo[v]; ok {
		return s
	}
	memo[v] = nil
	if !k.InGroup[v] || !k.Class[v].PerElem || !v.Op.Has(ir.Elementwise) {
		return nil
	}
	t := v.Type.Shape
	var s *sunk
	if v.Op == ir.OpSelect {
		a, b := v.Args[1], v.Args[2]
		if ia, ib := k.invariant(a, t), k.invariant(b, t); ia != ib {
			s = &sunk{c: v.Args[0], varyTrue: !ia, a: a, b: b}
		}
	} else {
		at := -1
		var inner *sunk
		for i, a := range v.Args {
			if k.invariant(a, t) {
				continue
			}
			if at >= 0 || !a.Type.Shape.Equal(t) {
				return nil
			}
			if inner = k.sinkSelect(a, memo); inner == nil {
				return nil
			}
			at = i
		}
		if inner == nil {
			return nil
		}
		with := func(x *ir.Value, perElem bool) *ir.Value {
			args := append([]*ir.Value(nil), v.Args...)
			args[at] = x
			return k.synth(v.Op, v.Type, perElem, args...)
		}
		s = &sunk{c: inner.c, varyTrue: inner.varyTrue}
		if inner.varyTrue {
			s.a, s.b = with(inner.a, true), with(inner.b, false)
		} else {
			s.a, s.b = with(inner.a, false), with(inner.b, true)
		}
	}
	memo[v] = s
	return s
}

// guardOf returns (c, pol) if every use of v in the group is the pol arm of a
// select on c (and v is not written to memory).
func (k *rowKernel) guardOf(v *ir.Value) (*ir.Value, bool, bool) {
	if len(k.WriteBuf[v]) > 0 {
		return nil, false, false
	}
	var c *ir.Value
	pol, found := false, false
	for _, u := range k.Kernel.Values {
		for i, a := range u.Args {
			if a != v {
				continue
			}
			if u.Op != ir.OpSelect || i == 0 || u.Args[1] == u.Args[2] || !u.Type.Shape.Equal(v.Type.Shape) {
				return nil, false, false
			}
			p := i == 1
			if found && (u.Args[0] != c || p != pol) {
				return nil, false, false
			}
			c, pol, found = u.Args[0], p, true
		}
	}
	return c, pol, found
}

// dependsOn reports whether v is y or computed from y.
func dependsOn(v, y *ir.Value) bool {
	seen := map[*ir.Value]bool{}
	var walk func(v *ir.Value) bool
	walk = func(v *ir.Value) bool {
		if v == y {
			return true
		}
		if seen[v] {
			return false
		}
		seen[v] = true
		for _, a := range v.Args {
			if walk(a) {
				return true
			}
		}
		return false
	}
	return walk(v)
}

// planSharing finds the pairs of loop l.
func (k *rowKernel) planSharing(l *rowLoop) *sharePlan {
	sp := &sharePlan{repl: map[*ir.Value]*ir.Value{}}
	memo := map[*ir.Value]*sunk{}
	type cand struct {
		x    *ir.Value // the expensive value computed only on its lanes
		c    *ir.Value
		pol  bool
		from *ir.Value // the needed value it comes from
		s    *sunk     // non-nil when x is the varying arm of from's sunk form
	}
	var cands []cand
	for _, v := range l.Needed {
		if !expensive(v.Op) || !v.Type.DType.IsFloat() {
			continue
		}
		if c, pol, ok := k.guardOf(v); ok {
			cands = append(cands, cand{x: v, c: c, pol: pol, from: v})
			continue
		}
		if s := k.sinkSelect(v, memo); s != nil {
			cands = append(cands, cand{x: s.vary(), c: s.c, pol: s.varyTrue, from: v, s: s})
		}
	}
	used := map[int]bool{}
	for i := range cands {
		for j := i + 1; j < len(cands) && !used[i]; j++ {
			a, b := cands[i], cands[j]
			if used[j] || a.c != b.c || a.pol == b.pol || a.x.Op != b.x.Op || !a.x.Type.Equal(b.x.Type) ||
				dependsOn(a.x, b.from) || dependsOn(b.x, a.from) || dependsOn(a.x, b.x) || dependsOn(b.x, a.x) {
				continue
			}
			used[i], used[j] = true, true
			if !a.pol {
				a, b = b, a // a is the true-lane value
			}
			args := make([]*ir.Value, len(a.x.Args))
			for n := range args {
				if a.x.Args[n] == b.x.Args[n] {
					args[n] = a.x.Args[n]
					continue
				}
				x, y := a.x.Args[n], b.x.Args[n]
				t := a.x.Type
				t.DType = x.Type.DType
				args[n] = k.synth(ir.OpSelect, t, true, a.c, x, y)
			}
			shared := k.synth(a.x.Op, a.x.Type, true, args...)
			for _, c := range []cand{a, b} {
				if c.s == nil {
					sp.repl[c.from] = shared
					continue
				}
				arms := []*ir.Value{c.s.c, shared, c.s.b}
				if !c.s.varyTrue {
					arms = []*ir.Value{c.s.c, c.s.a, shared}
				}
				sp.repl[c.from] = k.synth(ir.OpSelect, c.from.Type, true, arms...)
				// Other sunk forms built on the varying arm use it on the same
				// lanes only (sinking keeps the select's condition and arm).
				sp.repl[c.x] = shared
			}
		}
	}
	// Log-sum-exps whose operands are absent on complementary lanes.
	var lses []*ir.Value
	var forms []*sunk
	for _, v := range l.Reds {
		x := v.Args[0]
		if v.Op != ir.OpReduceLSE || !k.InGroup[x] {
			continue
		}
		s := k.sinkSelect(x, memo)
		if s == nil || s.fixed().Op != ir.OpConst || !math.IsInf(s.fixed().Const, -1) {
			continue
		}
		lses, forms = append(lses, v), append(forms, s)
	}
	paired := map[int]bool{}
	for i := range lses {
		for j := i + 1; j < len(lses) && !paired[i]; j++ {
			if paired[j] || forms[i].c != forms[j].c || forms[i].varyTrue == forms[j].varyTrue || lses[i].Type.DType != lses[j].Type.DType {
				continue
			}
			paired[i], paired[j] = true, true
			a, b := lses[i], lses[j]
			if !forms[i].varyTrue {
				a, b = b, a
			}
			sp.lse = append(sp.lse, lsePair{a: a, b: b, c: forms[i].c})
		}
	}
	return sp
}

// key is a structural name of value v: original values by ID, synthetic
// ones by their op and operands, so that two loops' synthetic values for the
// same computation have the same key.
func (k *rowKernel) key(v *ir.Value) string {
	if !k.Synthetic[v] {
		return fmt.Sprintf("%%%d", v.ID)
	}
	parts := make([]string, len(v.Args))
	for i, a := range v.Args {
		parts[i] = k.key(a)
	}
	return fmt.Sprintf("%s:%s(%s)", v.Op, v.Type, strings.Join(parts, ","))
}

// expensiveValues lists the expensive per-element values loop l computes,
// following its share plan, in the order they are first reached.
func (k *rowKernel) expensiveValues(l *rowLoop) []*ir.Value {
	var out []*ir.Value
	seen := map[*ir.Value]bool{}
	var visit func(v *ir.Value)
	visit = func(v *ir.Value) {
		if seen[v] || !k.InGroup[v] || !k.Class[v].PerElem {
			return
		}
		seen[v] = true
		if r, ok := l.share.repl[v]; ok {
			visit(r)
			return
		}
		for _, a := range v.Args {
			visit(a)
		}
		if expensive(v.Op) && (v.Type.DType == ir.F32 || v.Type.DType == ir.F64) {
			out = append(out, v)
		}
	}
	for _, v := range l.Reds {
		visit(v.Args[0])
	}
	for _, p := range l.share.lse {
		visit(p.c)
	}
	for _, v := range l.Stores {
		visit(v)
	}
	return out
}

// planReuse finds expensive values that a later loop over the same extent
// computes again, and an output of that later loop to carry each in: one
// with the value's dtype (f32 or f64, stored exactly) and shape that no
// other value uses for this.
func (k *rowKernel) planReuse(loops [][]*rowLoop) {
	type first struct {
		l *rowLoop
		v *ir.Value
	}
	computed := map[string]first{}
	used := map[int]bool{}
	for _, pass := range loops {
		for _, l := range pass {
			for _, v := range k.expensiveValues(l) {
				key := k.key(v)
				prev, ok := computed[key]
				if !ok {
					computed[key] = first{l, v}
					continue
				}
				if prev.l == l || prev.l.Extent != l.Extent {
					continue
				}
				if bo, ok := k.scratchFor(l, v, used); ok {
					used[bo] = true
					prev.l.keep = append(prev.l.keep, kept{v: prev.v, buf: bo})
					if l.reload == nil {
						l.reload = map[*ir.Value]int{}
					}
					l.reload[v] = bo
				}
			}
		}
	}
}

// scratchFor picks an output written by loop l that can carry v from an earlier pass.
func (k *rowKernel) scratchFor(l *rowLoop, v *ir.Value, used map[int]bool) (int, bool) {
	for _, w := range l.Stores {
		for _, bo := range k.WriteBuf[w] {
			if !used[bo] && w.Type.Equal(v.Type) {
				return bo, true
			}
		}
	}
	return 0, false
}
