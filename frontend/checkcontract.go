// This file type-checks contractions and transposes: the matrix product
// a @ b (NumPy's matmul), einsum("bij,bjk->bik", a, b) and transpose(x,
// axes). Each is planned as a contraction: reshapes that drop the size-1
// axes broadcasting stretches, sums over axes only one operand has and the
// result drops, one dot_general (whose type comes from the op's own rule)
// and a transpose of its result into the order asked for. Lowering emits the
// plan as it is.
package frontend

import (
	"fmt"
	"slices"
	"strings"

	"dlc.dev/dlc/ir"

	"github.com/alecthomas/participle/v2/lexer"
)

// contraction is the checked plan of a @ b, einsum or transpose.
type contraction struct {
	prep []prepared // one per operand, in source order
	// swap says the dot_general takes the operands in the other order,
	// which spares a transpose of its result.
	swap bool
	dims ir.DotDims
	dot  ir.Type // the dot_general's type; invalid with one operand
	perm []int   // the transpose of the result; nil when none
	// reshape says the result is reshaped instead: its axes are in the
	// order asked for but for axes of size 1.
	reshape bool
	// result is the type of the whole expression.
	result ir.Type
}

// prepared is what happens to one operand before the product.
type prepared struct {
	reshape *ir.Type // drop size-1 axes that broadcast; nil when none
	sum     []ir.Type
	axes    []int // sum along axes[i] to type sum[i], highest axis first
}

// label names an axis of an operand or of the result for planning.
type label = int

// plan finishes a contraction of operands of types types whose axes carry
// labels ls (after their reshapes), into a result whose axes carry labels
// out: each operand is first summed over the labels that neither the result
// nor the other operand has. With two operands, labels in both are batch
// axes when the result keeps them and contracted otherwise.
func (c *checker) plan(what string, pos lexer.Position, types []ir.Type, ls [][]label, out []label) (*contraction, bool) {
	p := &contraction{prep: make([]prepared, len(types))}
	types, ls = slices.Clone(types), slices.Clone(ls)
	for i := range types {
		t := types[i]
		keep := func(l label) bool {
			return slices.Contains(out, l) || len(ls) == 2 && slices.Contains(ls[1-i], l)
		}
		for ax := len(ls[i]) - 1; ax >= 0; ax-- {
			if keep(ls[i][ax]) {
				continue
			}
			t = ir.Type{DType: t.DType, Shape: ir.ReduceShape(t.Shape, ax, false)}
			p.prep[i].sum, p.prep[i].axes = append(p.prep[i].sum, t), append(p.prep[i].axes, ax)
			ls[i] = slices.Delete(slices.Clone(ls[i]), ax, ax+1)
		}
		types[i] = t
	}
	if len(types) == 1 {
		p.perm = permOf(ls[0], out)
		p.result = types[0]
		if p.perm != nil {
			t, ok := c.applyOp(ir.OpTranspose, what, pos, nil, nil, types, ir.Attrs{Perm: p.perm})
			if !ok {
				return nil, false
			}
			p.result = t
		}
		return p, true
	}
	a, b := 0, 1
	dims, dotLabels := dotDims(ls[a], ls[b], out)
	perm := permOf(dotLabels, out)
	if perm != nil {
		if d, l := dotDims(ls[b], ls[a], out); permOf(l, out) == nil {
			a, b, dims, perm, p.swap = 1, 0, d, nil, true
		}
	}
	p.dims, p.perm = dims, perm
	t, ok := c.applyOp(ir.OpDotGeneral, what, pos, nil, nil, []ir.Type{types[a], types[b]}, ir.Attrs{Dot: dims})
	if !ok {
		return nil, false
	}
	p.dot, p.result = t, t
	if perm != nil {
		if p.result, ok = c.applyOp(ir.OpTranspose, what, pos, nil, nil, []ir.Type{t}, ir.Attrs{Perm: perm}); !ok {
			return nil, false
		}
		if ir.MovesOnlyOnes(t.Shape, perm) {
			p.perm, p.reshape = nil, true
		}
	}
	return p, true
}

// dotDims are the dimension numbers of dot_general(a, b) for operands with
// labels la and lb and a result with labels out, and the labels of the
// dot_general's result: the batch labels in the order out has them, then the
// free labels of a, then those of b.
func dotDims(la, lb, out []label) (ir.DotDims, []label) {
	var d ir.DotDims
	var batch []label
	for _, l := range out {
		if slices.Contains(la, l) && slices.Contains(lb, l) {
			batch = append(batch, l)
			d.LhsBatch, d.RhsBatch = append(d.LhsBatch, slices.Index(la, l)), append(d.RhsBatch, slices.Index(lb, l))
		}
	}
	for i, l := range la {
		if j := slices.Index(lb, l); j >= 0 && !slices.Contains(out, l) {
			d.LhsContract, d.RhsContract = append(d.LhsContract, i), append(d.RhsContract, j)
		}
	}
	labels := slices.Clone(batch)
	for _, side := range [][]label{la, lb} {
		for _, l := range side {
			if !slices.Contains(la, l) || !slices.Contains(lb, l) {
				labels = append(labels, l)
			}
		}
	}
	return d, labels
}

// permOf is the transpose that takes axes labelled from to the order of to
// (the same labels), or nil when they are in that order already.
func permOf(from, to []label) []int {
	perm := make([]int, len(to))
	for i, l := range to {
		perm[i] = slices.Index(from, l)
	}
	if ir.IsIdentity(perm) {
		return nil
	}
	return perm
}

// Labels of the matrix axes of a @ b; batch axes are labelled 0, 1, ...
const (
	labelM label = -1 - iota
	labelK
	labelN
)

// matmul checks x @ y with NumPy's matmul rules: the last axis of x is
// contracted with the second-to-last of y (the only one, for a vector),
// leading batch axes broadcast, and a 1-D operand is a vector (vector @
// matrix, matrix @ vector, vector @ vector to a scalar). Both operands are
// float tensors of one dtype.
func (c *checker) matmul(pos lexer.Position, x, y operand) (operand, termInfo) {
	const what = "operator @"
	for _, o := range []operand{x, y} {
		if o.mode != modeTyped || o.typ.IsScalar() {
			c.errs.add(pos, "%s needs tensors, got %s (multiply by a scalar with *)", what, describeScalar(o))
			return operand{}, termInfo{}
		}
	}
	if !c.floatOperands(pos, what, []ir.Type{x.typ, y.typ}, []lexer.Position{pos, pos}) {
		return operand{}, termInfo{}
	}
	a, b := x.typ, y.typ
	ra, rb := len(a.Shape), len(b.Shape)
	ka, kb := a.Shape[ra-1], b.Shape[max(rb-2, 0)]
	if ka != kb {
		c.errs.add(pos, "cannot multiply %s @ %s: the contracted dimensions %s and %s differ (%s)", a, b, ka, kb, matmulHint(a, b))
		return operand{}, termInfo{}
	}
	// The batch axes: those before the two matrix axes, aligned on the right.
	ba, bb := a.Shape[:max(ra-2, 0)], b.Shape[:max(rb-2, 0)]
	roles, ok := matmulBatch(ba, bb)
	if !ok {
		c.errs.add(pos, "cannot multiply %s @ %s: the batch dimensions %s do not broadcast (leading axes broadcast as in NumPy, and a symbolic dimension matches only itself)", a, b, batchClash(ba, bb))
		return operand{}, termInfo{}
	}
	var la, lb, out []label
	var keepA, keepB, outShape ir.Shape
	for j, role := range roles {
		da, _ := dimAt(ba, j-(len(roles)-len(ba)))
		db, _ := dimAt(bb, j-(len(roles)-len(bb)))
		switch role {
		case batchBoth:
			la, lb, keepA, keepB, outShape = append(la, j), append(lb, j), append(keepA, da), append(keepB, db), append(outShape, da)
		case freeA:
			la, keepA, outShape = append(la, j), append(keepA, da), append(outShape, da)
		case freeB:
			lb, keepB, outShape = append(lb, j), append(keepB, db), append(outShape, db)
		}
		out = append(out, j)
	}
	if ra >= 2 {
		la, keepA, outShape, out = append(la, labelM), append(keepA, a.Shape[ra-2]), append(outShape, a.Shape[ra-2]), append(out, labelM)
	}
	la, keepA = append(la, labelK), append(keepA, ka)
	lb, keepB = append(lb, labelK), append(keepB, kb)
	if rb >= 2 {
		lb, keepB, outShape, out = append(lb, labelN), append(keepB, b.Shape[rb-1]), append(outShape, b.Shape[rb-1]), append(out, labelN)
	}
	ta, tb := ir.Type{DType: a.DType, Shape: keepA}, ir.Type{DType: b.DType, Shape: keepB}
	p, ok := c.plan(what, pos, []ir.Type{ta, tb}, [][]label{la, lb}, out)
	if !ok {
		return operand{}, termInfo{}
	}
	if len(keepA) != ra {
		p.prep[0].reshape = &ta
	}
	if len(keepB) != rb {
		p.prep[1].reshape = &tb
	}
	if want := (ir.Type{DType: a.DType, Shape: outShape}); !p.result.Equal(want) {
		panic(fmt.Sprintf("matmul of %s and %s planned as %s, want %s", a, b, p.result, want))
	}
	r := typed(p.result)
	return r, termInfo{res: r, opDT: a.DType, contract: p}
}

// batchRole is what a @ b makes of one position of the broadcast batch axes.
type batchRole uint8

const (
	batchBoth batchRole = iota // a batch axis of both operands
	freeA                      // a free axis of a; b lacks it, or its axis of size 1 is dropped
	freeB                      // a free axis of b; a lacks it, or its axis of size 1 is dropped
)

// matmulBatch gives the role of each position of the batch axes ba and bb,
// aligned on the right, or reports that they do not broadcast. An axis that
// is missing or of size 1 on one side is a free axis of the other operand,
// so nothing is copied to broadcast it; a size-1 axis is then dropped by a
// reshape of its operand. An axis of size 1 on both sides stays a batch axis
// unless one operand is reshaped anyway, which then drops it too.
func matmulBatch(ba, bb ir.Shape) ([]batchRole, bool) {
	nb := max(len(ba), len(bb))
	roles := make([]batchRole, nb)
	var ones []int // positions of size 1 on both sides
	dropA, dropB := false, false
	one := ir.ConstDim(1)
	for j := range roles {
		da, inA := dimAt(ba, j-(nb-len(ba)))
		db, inB := dimAt(bb, j-(nb-len(bb)))
		switch {
		case inA && inB && da == one && db == one:
			ones = append(ones, j)
		case inA && inB && da == db:
			roles[j] = batchBoth
		case inA && (!inB || db == one):
			roles[j], dropB = freeA, dropB || inB
		case inB && (!inA || da == one):
			roles[j], dropA = freeB, dropA || inA
		default:
			return nil, false
		}
	}
	for _, j := range ones {
		switch {
		case dropB:
			roles[j] = freeA
		case dropA:
			roles[j] = freeB
		default:
			roles[j] = batchBoth
		}
	}
	return roles, true
}

// batchClash names the first pair of batch dimensions that do not broadcast.
func batchClash(ba, bb ir.Shape) string {
	nb := max(len(ba), len(bb))
	for j := range nb {
		da, inA := dimAt(ba, j-(nb-len(ba)))
		db, inB := dimAt(bb, j-(nb-len(bb)))
		if inA && inB && da != db && da != ir.ConstDim(1) && db != ir.ConstDim(1) {
			return fmt.Sprintf("%s and %s", da, db)
		}
	}
	return ""
}

// dimAt returns s[i] when i is an index of s.
func dimAt(s ir.Shape, i int) (ir.Dim, bool) {
	if i < 0 || i >= len(s) {
		return ir.Dim{}, false
	}
	return s[i], true
}

// matmulHint explains which axes a @ b contracts, and suggests a transpose
// when one would make the dimensions meet.
func matmulHint(a, b ir.Type) string {
	ra, rb := len(a.Shape), len(b.Shape)
	if rb == 1 {
		return "a @ b contracts the last axis of a with the only axis of b"
	}
	hint := "a @ b contracts the last axis of a with the second-to-last axis of b"
	switch {
	case rb == 2 && a.Shape[ra-1] == b.Shape[1]:
		hint += "; a @ transpose(b) contracts the last axes of both"
	case ra == 2 && a.Shape[0] == b.Shape[rb-2]:
		hint += "; transpose(a) @ b contracts the first axis of a"
	}
	return hint
}

// describeScalar describes an operand that is not a tensor.
func describeScalar(o operand) string {
	if o.mode == modeTyped {
		return "scalar " + o.typ.String()
	}
	return o.String()
}

// floatOperands reports whether the operands of a contraction, of types ts,
// share one float dtype, and says why not: at pos when the dtypes differ,
// else at the first operand (at[0]).
func (c *checker) floatOperands(pos lexer.Position, what string, ts []ir.Type, at []lexer.Position) bool {
	for _, t := range ts[1:] {
		if t.DType != ts[0].DType {
			c.errs.add(pos, "mismatched dtypes %s and %s in %s (convert one with cast(x, %s))", ts[0].DType, t.DType, what, ts[0].DType)
			return false
		}
	}
	if !ts[0].DType.IsFloat() {
		c.errs.add(at[0], "%s needs float operands, got %s (convert with cast(x, f32))", what, ts[0])
		return false
	}
	return true
}

// transposeCall checks transpose(x) (every axis reversed) and transpose(x,
// axes) or transpose(x, axes=...), with axes a tuple of constant integers
// that lists each axis of x once (negative axes count from the end).
func (c *checker) transposeCall(e *Call, info *callInfo) operand {
	var x, axes *Arg
	bad := false
	for _, a := range e.Args {
		switch {
		case a.Name == "" && x == nil:
			x = a
		case a.Name == "" && axes == nil:
			axes = a
		case a.Name == "axes" && axes == nil:
			axes = a
		case a.Name == "":
			c.errs.add(a.Pos, "wrong number of arguments to transpose: want 1 or 2, got %d (transpose(x, axes))", len(e.Args))
			bad = true
		default:
			c.errs.add(a.Pos, "unknown or repeated argument %s to transpose (transpose(x, axes))", a.Name)
			bad = true
		}
	}
	if x == nil {
		c.errs.add(e.Pos, "transpose needs a tensor: transpose(x) or transpose(x, axes)")
		return operand{}
	}
	op := c.expr(x.Value)
	if bad || op.mode == modeInvalid || !c.needTensor(x.Pos, "transpose", op) {
		return operand{}
	}
	rank := len(op.typ.Shape)
	perm := make([]int, rank)
	for i := range perm {
		perm[i] = rank - 1 - i
	}
	if axes != nil {
		var ok bool
		if perm, ok = c.axesTuple(axes, op.typ); !ok {
			return operand{}
		}
	}
	labels := make([]label, rank)
	out := make([]label, rank)
	for i := range labels {
		labels[i], out[i] = i, perm[i]
	}
	p, ok := c.plan("transpose", e.Pos, []ir.Type{op.typ}, [][]label{labels}, out)
	if !ok {
		return operand{}
	}
	info.contract, info.opDT, info.args = p, op.typ.DType, []Expr{x.Value}
	return typed(p.result)
}

// axesTuple reads transpose's axes: a tuple of constant integers, one per
// axis of t, each axis once.
func (c *checker) axesTuple(a *Arg, t ir.Type) ([]int, bool) {
	rank := len(t.Shape)
	par := asParen(a.Value)
	if par == nil || !par.IsTuple() {
		c.errs.add(a.Value.Pos, "the axes of transpose must be a tuple of constant integers such as (1, 0), got %s", a.Value)
		return nil, false
	}
	elems := par.Elems()
	if len(elems) != rank {
		c.errs.add(a.Value.Pos, "transpose of %s needs %d axes, got %d in %s", t, rank, len(elems), a.Value)
		return nil, false
	}
	perm := make([]int, rank)
	for i, el := range elems {
		op := c.expr(el)
		switch {
		case op.mode == modeInvalid:
			return nil, false
		case op.mode == modeTyped:
			c.errs.add(el.Pos, "the axes of transpose must be constant integers, got %s of type %s", el, op.typ)
			return nil, false
		case op.val.kind != constInt:
			c.errs.add(el.Pos, "the axes of transpose must be constant integers, got %s", op)
			return nil, false
		}
		ax, msg := op.val.represent(ir.I32)
		if msg != "" || ax < float64(-rank) || ax >= float64(rank) {
			c.errs.add(el.Pos, "axis %s is out of range for %s, which has axes %d..%d", op.val, t, -rank, rank-1)
			return nil, false
		}
		if ax < 0 {
			ax += float64(rank)
		}
		perm[i] = int(ax)
		if j := slices.Index(perm[:i], perm[i]); j >= 0 {
			c.errs.add(el.Pos, "axis %d is listed twice in %s: the axes of transpose list each axis of %s once", perm[i], a.Value, t)
			return nil, false
		}
	}
	return perm, true
}

// asParen returns the innermost parentheses when e is nothing but a
// parenthesized expression or tuple: ((1, 0)) is the tuple (1, 0).
func asParen(e Expr) *Paren {
	p, ok := bare(e).(*Paren)
	if !ok {
		return nil
	}
	if inner := asParen(p.X); inner != nil && !p.IsTuple() {
		return inner
	}
	return p
}

// asString returns the string when e is nothing but a string constant.
func asString(e Expr) (*StringLit, bool) {
	s, ok := bare(e).(*StringLit)
	return s, ok
}

// einsumSpec is a parsed einsum subscript string.
type einsumSpec struct {
	in  [][]rune // the subscripts of each operand
	out []rune
}

// parseSubscripts reads "ij,jk->ik" (or NumPy's implicit form "ij,jk",
// whose output is the letters used once, in alphabetical order) and checks
// what the string alone can get wrong.
func parseSubscripts(s string) (einsumSpec, string) {
	var sp einsumSpec
	ins, out, explicit := strings.Cut(s, "->")
	if strings.Contains(out, "->") {
		return sp, fmt.Sprintf("the subscripts %q have more than one \"->\"", s)
	}
	if strings.Contains(s, "...") {
		return sp, fmt.Sprintf("the subscripts %q use \"...\", which einsum does not support yet: name every axis", s)
	}
	for i, part := range strings.Split(ins, ",") {
		var ls []rune
		for _, r := range strings.ReplaceAll(part, " ", "") {
			if !isLetter(r) {
				return sp, fmt.Sprintf("bad subscript %q in %q: subscripts are letters, a to z and A to Z, one per axis", r, s)
			}
			if slices.Contains(ls, r) {
				return sp, fmt.Sprintf("subscript %q appears twice in %q, the subscripts of operand %d: an axis cannot repeat (einsum here takes no diagonals or traces)", r, part, i+1)
			}
			ls = append(ls, r)
		}
		sp.in = append(sp.in, ls)
	}
	count := map[rune]int{}
	for _, ls := range sp.in {
		for _, r := range ls {
			count[r]++
		}
	}
	if !explicit {
		for r, n := range count {
			if n == 1 {
				sp.out = append(sp.out, r)
			}
		}
		slices.Sort(sp.out)
		return sp, ""
	}
	for _, r := range strings.ReplaceAll(out, " ", "") {
		switch {
		case !isLetter(r):
			return sp, fmt.Sprintf("bad subscript %q in %q: subscripts are letters, a to z and A to Z, one per axis", r, s)
		case slices.Contains(sp.out, r):
			return sp, fmt.Sprintf("subscript %q appears twice in the output %q of %q: each result axis is named once", r, out, s)
		case count[r] == 0:
			return sp, fmt.Sprintf("output subscript %q of %q is not a subscript of any operand", r, s)
		}
		sp.out = append(sp.out, r)
	}
	return sp, ""
}

func isLetter(r rune) bool { return 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' }

// einsumCall checks einsum(subscripts, a) and einsum(subscripts, a, b):
// every letter names one axis, the same size wherever it appears; letters
// of both operands that the output leaves out are contracted, those it keeps
// are batch axes, and letters of one operand that it leaves out are summed.
func (c *checker) einsumCall(e *Call, info *callInfo) operand {
	const what = "einsum"
	for _, a := range e.Args {
		if a.Name != "" {
			c.errs.add(a.Pos, "builtin einsum takes no named arguments")
			return operand{}
		}
	}
	if len(e.Args) == 0 {
		c.errs.add(e.Pos, `einsum needs its subscripts and one or two operands, as in einsum("ij,jk->ik", a, b)`)
		return operand{}
	}
	sub, isStr := asString(e.Args[0].Value)
	ops := make([]operand, len(e.Args)-1)
	bad := !isStr
	for i, a := range e.Args[1:] {
		ops[i] = c.expr(a.Value)
		bad = bad || ops[i].mode == modeInvalid
	}
	if !isStr {
		c.errs.add(e.Args[0].Pos, `einsum needs its subscripts first, as a string: einsum("ij,jk->ik", a, b)`)
		return operand{}
	}
	sp, msg := parseSubscripts(sub.Value)
	if msg != "" {
		c.errs.add(sub.Pos, "einsum: %s", msg)
		return operand{}
	}
	if n := len(ops); n < 1 || n > 2 {
		c.errs.add(e.Pos, "einsum takes one or two operands, got %d", n)
		return operand{}
	}
	if len(sp.in) != len(ops) {
		c.errs.add(sub.Pos, "einsum: the subscripts %q name %d %s, but %d %s given", sub.Value, len(sp.in), plural(len(sp.in), "operand"), len(ops), map[bool]string{true: "is", false: "are"}[len(ops) == 1])
		return operand{}
	}
	if bad {
		return operand{}
	}
	types, ok := c.einsumOperands(e, sp, ops)
	if !ok {
		return operand{}
	}
	letters := map[rune]label{}
	labelOf := func(r rune) label {
		if _, ok := letters[r]; !ok {
			letters[r] = len(letters)
		}
		return letters[r]
	}
	ls := make([][]label, len(sp.in))
	for i, in := range sp.in {
		for _, r := range in {
			ls[i] = append(ls[i], labelOf(r))
		}
	}
	var out []label
	for _, r := range sp.out {
		out = append(out, labelOf(r))
	}
	p, ok := c.plan(what, e.Pos, types, ls, out)
	if !ok {
		return operand{}
	}
	info.contract, info.opDT = p, types[0].DType
	for _, a := range e.Args[1:] {
		info.args = append(info.args, a.Value)
	}
	return typed(p.result)
}

// einsumOperands checks the operands of einsum against the subscripts: float
// tensors of one dtype, one subscript per axis, and each letter the same
// size wherever it appears.
func (c *checker) einsumOperands(e *Call, sp einsumSpec, ops []operand) ([]ir.Type, bool) {
	types := make([]ir.Type, len(ops))
	for i, op := range ops {
		at := e.Args[i+1].Pos
		if !c.needTensor(at, "einsum", op) {
			return nil, false
		}
		types[i] = op.typ
		if n := len(sp.in[i]); n != len(op.typ.Shape) {
			c.errs.add(at, "einsum: operand %d has %d %s (%q) but rank %d (%s)", i+1, n, plural(n, "subscript"), string(sp.in[i]), len(op.typ.Shape), op.typ)
			return nil, false
		}
	}
	at := make([]lexer.Position, len(ops))
	for i := range at {
		at[i] = e.Args[i+1].Pos
	}
	if !c.floatOperands(e.Pos, "einsum", types, at) {
		return nil, false
	}
	type seen struct {
		d       ir.Dim
		operand int
	}
	first := map[rune]seen{}
	for i, in := range sp.in {
		for ax, r := range in {
			d := types[i].Shape[ax]
			s, ok := first[r]
			if !ok {
				first[r] = seen{d, i}
				continue
			}
			if s.d != d {
				c.errs.add(e.Args[i+1].Pos, "einsum: subscript %q is %s in operand %d (%s) but %s in operand %d (%s)", r, s.d, s.operand+1, types[s.operand], d, i+1, types[i])
				return nil, false
			}
		}
	}
	return types, true
}
