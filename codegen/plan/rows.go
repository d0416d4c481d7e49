// This file analyses a row kernel the same way for every backend: which
// values are per-row and which per-element, the stage each is computed in,
// the pass each reduction accumulates in, which loops a pass runs, and which
// inputs are read again after an output that may share their memory was
// written (the aliasing contract the runtime relies on).
//
// Every value of the group is per-row (shape R or R+[1]) or per-element (shape
// R+[X], one loop per extent X). A value's stage says when it can be computed:
// a per-element value in pass s, a per-row value before pass s (after pass
// s-1). A reduction accumulates in the pass of its operand, so its result
// belongs to the next stage. How a backend runs a pass (vector lanes on a CPU,
// block-strided threads on a GPU) is its own business.
package plan

import (
	"fmt"
	"sort"

	"dlc.dev/dlc/ir"
)

// RowClass says how a value of a row kernel is indexed.
type RowClass struct {
	PerElem bool
	Extent  ir.Dim // per-element values: the length of the row
}

// Rows is the target-neutral analysis of a row kernel.
type Rows struct {
	Kernel *Kernel
	Shape  ir.Shape // the rows: the kernel's domain
	Rank   int

	ReadBuf  map[*ir.Value]int   // a value read from memory: its buffer
	WriteBuf map[*ir.Value][]int // a value this kernel writes: its buffers
	InGroup  map[*ir.Value]bool
	Class    map[*ir.Value]RowClass
	Stage    map[*ir.Value]int
	AccPass  map[*ir.Value]int // a reduction: the pass it accumulates in, or -1 (one element)
	Passes   int               // passes over the row's elements
}

// RowLoop is one loop of a pass: the roots over one extent.
type RowLoop struct {
	Extent ir.Dim
	Reds   []*ir.Value // reductions accumulating here
	Stores []*ir.Value // per-element values written here
	Needed []*ir.Value // per-element values to compute, in body order
}

// AnalyseRows classifies the values of row kernel p and stages them. An error
// is a broken invariant of the passes that formed the group.
func AnalyseRows(p *Kernel) (*Rows, error) {
	r := &Rows{
		Kernel: p, Shape: p.Domain, Rank: len(p.Domain),
		ReadBuf: map[*ir.Value]int{}, WriteBuf: map[*ir.Value][]int{}, InGroup: map[*ir.Value]bool{},
		Class: map[*ir.Value]RowClass{}, Stage: map[*ir.Value]int{}, AccPass: map[*ir.Value]int{},
	}
	for i, b := range p.Buffers {
		if b.Ref.Writes {
			r.WriteBuf[b.Value] = append(r.WriteBuf[b.Value], i)
		} else {
			r.ReadBuf[b.Value] = i
		}
	}
	for _, v := range p.Values {
		r.InGroup[v] = true
	}
	for _, v := range p.Values {
		if err := r.analyse(v); err != nil {
			return nil, err
		}
	}
	return r, nil
}

// classify returns the class of value v in this kernel.
func (r *Rows) classify(v *ir.Value) (RowClass, error) {
	s := v.Type.Shape
	withOne := append(append(ir.Shape{}, r.Shape...), ir.ConstDim(1))
	switch {
	case s.Equal(r.Shape) || s.Equal(withOne):
		return RowClass{}, nil
	case len(s) == r.Rank+1 && s[:r.Rank].Equal(r.Shape):
		return RowClass{PerElem: true, Extent: s[r.Rank]}, nil
	}
	return RowClass{}, fmt.Errorf("%s: shape %s is neither per-row nor per-element in a row kernel over rows %s", ir.FormatValue(v), s, r.Shape)
}

// analyse classifies v, gives it its stage and counts the passes it needs.
func (r *Rows) analyse(v *ir.Value) error {
	c, err := r.classify(v)
	if err != nil {
		return err
	}
	r.Class[v] = c
	st := 0
	switch {
	case v.Op.Has(ir.Reduction):
		if st, err = r.analyseReduction(v, c); err != nil {
			return err
		}
	case v.Op == ir.OpGather:
		if !r.IsBuffer(v.Args[0]) {
			return fmt.Errorf("%s: take_along_axis reads data computed in the same kernel; it must be a kernel input", ir.FormatValue(v))
		}
		st = r.StageOf(v.Args[1])
	default:
		for _, a := range v.Args {
			st = max(st, r.StageOf(a))
		}
	}
	r.Stage[v] = st
	if c.PerElem && len(r.WriteBuf[v]) > 0 {
		r.Passes = max(r.Passes, st+1)
	}
	return nil
}

// analyseReduction gives reduction v its accumulating pass and returns its
// stage: the stage after that pass, or its operand's for a one-element row.
func (r *Rows) analyseReduction(v *ir.Value, c RowClass) (int, error) {
	if c.PerElem {
		return 0, fmt.Errorf("%s: a reduction's result is per-row", ir.FormatValue(v))
	}
	x := v.Args[0]
	xs := x.Type.Shape
	if len(xs) == 0 {
		return 0, fmt.Errorf("%s: a reduction of a scalar", ir.FormatValue(v))
	}
	perElemOperand := xs[len(xs)-1] != ir.ConstDim(1)
	if r.InGroup[x] {
		perElemOperand = r.Class[x].PerElem
	} else if perElemOperand && !(len(xs) == r.Rank+1 && xs[:r.Rank].Equal(r.Shape)) {
		return 0, fmt.Errorf("%s: operand shape %s does not have the rows %s", ir.FormatValue(v), xs, r.Shape)
	}
	if !perElemOperand {
		r.AccPass[v] = -1
		return r.StageOf(x), nil
	}
	pass := r.StageOf(x)
	r.AccPass[v] = pass
	r.Passes = max(r.Passes, pass+1)
	return pass + 1, nil
}

// StageOf is the stage of an operand: values outside the group are available
// from the start.
func (r *Rows) StageOf(a *ir.Value) int {
	if r.InGroup[a] {
		return r.Stage[a]
	}
	return 0
}

// IsBuffer reports whether a is read from memory.
func (r *Rows) IsBuffer(a *ir.Value) bool {
	_, ok := r.ReadBuf[a]
	return ok
}

// StageValues returns the per-row values of stage s in body order: those to
// compute (all but the reductions a pass has finished) and those the kernel
// writes.
func (r *Rows) StageValues(s int) (compute, written []*ir.Value) {
	for _, v := range r.Kernel.Values {
		if r.Class[v].PerElem || r.Stage[v] != s {
			continue
		}
		if len(r.WriteBuf[v]) > 0 {
			written = append(written, v)
		}
		if !v.Op.Has(ir.Reduction) || r.AccPass[v] < 0 {
			compute = append(compute, v)
		}
	}
	return compute, written
}

// Loops groups the roots of pass s by extent, in order of first appearance,
// with the per-element values each loop computes in body order.
func (r *Rows) Loops(s int) ([]*RowLoop, error) {
	var loops []*RowLoop
	at := func(x ir.Dim) *RowLoop {
		for _, l := range loops {
			if l.Extent == x {
				return l
			}
		}
		l := &RowLoop{Extent: x}
		loops = append(loops, l)
		return l
	}
	for _, v := range r.Kernel.Values {
		switch {
		case v.Op.Has(ir.Reduction) && r.AccPass[v] == s:
			xs := v.Args[0].Type.Shape
			l := at(xs[len(xs)-1])
			l.Reds = append(l.Reds, v)
		case r.Class[v].PerElem && r.Stage[v] == s && len(r.WriteBuf[v]) > 0:
			l := at(r.Class[v].Extent)
			l.Stores = append(l.Stores, v)
		}
	}
	for _, l := range loops {
		if err := r.need(l); err != nil {
			return nil, err
		}
	}
	return loops, nil
}

// need fills l.Needed: the group's per-element values its roots depend on.
func (r *Rows) need(l *RowLoop) error {
	order := map[*ir.Value]int{}
	for i, v := range r.Kernel.Values {
		order[v] = i
	}
	need := map[*ir.Value]bool{}
	var visit func(v *ir.Value) error
	visit = func(v *ir.Value) error {
		if !r.InGroup[v] || !r.Class[v].PerElem || need[v] {
			return nil
		}
		if r.Class[v].Extent != l.Extent {
			return fmt.Errorf("%s: per-element over %s, needed in a loop over %s", ir.FormatValue(v), r.Class[v].Extent, l.Extent)
		}
		need[v] = true
		for _, a := range v.Args {
			if err := visit(a); err != nil {
				return err
			}
		}
		return nil
	}
	for _, v := range l.Reds {
		if err := visit(v.Args[0]); err != nil {
			return err
		}
	}
	for _, v := range l.Stores {
		if err := visit(v); err != nil {
			return err
		}
	}
	for v := range need {
		l.Needed = append(l.Needed, v)
	}
	sort.Slice(l.Needed, func(i, j int) bool { return order[l.Needed[i]] < order[l.Needed[j]] })
	return nil
}

// Phases records, per buffer, the phases of a row in which an emitted row
// kernel reads, gathers from and writes it: phase 2s is stage s, 2s+1 pass s.
type Phases struct {
	Loads, Gathered, Stores map[int][]int
}

// NewPhases returns an empty record.
func NewPhases() Phases {
	return Phases{Loads: map[int][]int{}, Gathered: map[int][]int{}, Stores: map[int][]int{}}
}

// MarkRereads flags the buffers of p that are read after an output that could
// share their memory was written in the same row: by a later phase, or by a
// gather at a position of its own choosing. The runtime lets an output share
// memory only with an input of the same dtype and shape, so only those pairs
// matter.
func (ph Phases) MarkRereads(p *Kernel) {
	for bi, in := range p.Buffers {
		if in.Ref.Writes {
			continue
		}
		for bo, out := range p.Buffers {
			if !out.Ref.Writes || out.Ref.DType != in.Ref.DType || !out.Value.Type.Shape.Equal(in.Value.Type.Shape) {
				continue
			}
			for _, st := range ph.Stores[bo] {
				for _, at := range ph.Loads[bi] {
					if at > st {
						p.Buffers[bi].Ref.Reread = true
					}
				}
				for _, at := range ph.Gathered[bi] {
					if at >= st {
						p.Buffers[bi].Ref.Reread = true
					}
				}
			}
		}
	}
}

// Axis is what an axis kernel computes: its value (after any reshapes of
// its operands, which it reads in place), the buffer each operand is read
// from and the buffers it writes.
type Axis struct {
	Value *ir.Value
	Args  []int // operand i of Value -> its buffer
	Outs  []int
}

// AnalyseAxis finds the operands and outputs of axis kernel p and marks the
// inputs no output may share memory with: a gather reads its data wherever
// the indices say, and each position of a scatter-add's output reads every
// update and index along the axis. An error is a broken invariant of the
// passes that formed the group.
func AnalyseAxis(p *Kernel) (*Axis, error) {
	v := p.AxisValue()
	if v == nil {
		return nil, fmt.Errorf("an axis kernel computes one value after reshapes, this one %d values (compiler bug)", len(p.Values))
	}
	a := &Axis{Value: v}
	in := map[*ir.Value]int{}
	for i, b := range p.Buffers {
		if b.Ref.Writes {
			a.Outs = append(a.Outs, i)
		} else {
			in[b.Value] = i
		}
	}
	for i, x := range v.Args {
		b, ok := in[p.Operand(x)]
		if !ok {
			return nil, fmt.Errorf("%s: operand %d is not a buffer of the axis kernel (compiler bug)", ir.FormatValue(v), i)
		}
		a.Args = append(a.Args, b)
	}
	if len(a.Outs) == 0 {
		return nil, fmt.Errorf("%s: the axis kernel writes nothing (compiler bug)", ir.FormatValue(v))
	}
	switch v.Op {
	case ir.OpGather:
		p.Buffers[a.Args[0]].Ref.Reread = true
	case ir.OpScatterAdd:
		p.Buffers[a.Args[0]].Ref.Reread = true
		p.Buffers[a.Args[1]].Ref.Reread = true
	}
	return a, nil
}
