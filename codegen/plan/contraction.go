// This file plans contraction and transpose kernels. A contraction kernel
// computes one dot_general with its fused neighbours: the elementwise
// producers of each operand (its prologue, evaluated while the operand is
// packed) and the elementwise consumers of its result (its epilogue, applied
// to each tile of the result while it is in registers). Its plan groups the
// axes as the kernel walks them (batch, rows, columns, depth) and says how
// each buffer is addressed in those terms.
package plan

import (
	"fmt"
	"slices"

	"dlc.dev/dlc/artifact"
	"dlc.dev/dlc/codegen"
	"dlc.dev/dlc/ir"
)

// Contraction is the plan of a contraction kernel's values.
type Contraction struct {
	Dot    *ir.Value
	Groups ir.DotGroups
	// Operands are the dot's two operands: left (rows M, depth K) and right
	// (depth K, columns N).
	Operands [2]Operand
	// Epilogue are the values computed from the dot's result, in body order.
	Epilogue []*ir.Value
	// Batch are the sizes of the batch axes, in result order; M, N and K the
	// sizes of the row, column and depth axes.
	Batch, M, N, K ir.Shape
}

// Operand is one operand of a contraction kernel's dot.
type Operand struct {
	Value *ir.Value // the dot's operand
	// Prologue are the values that compute it inside the kernel, in body
	// order, Value last; empty when the kernel reads it from a buffer.
	Prologue []*ir.Value
	// Batch, Rows and Depth are its axes of each group: its batch axes in
	// result order, its free axes (the result's rows of the left operand,
	// columns of the right one) and its contracted axes in pair order.
	Batch, Rows, Depth []int
}

// Stride is how far apart in a buffer two neighbours along one group of
// axes are: the product of Dims (empty: 1), or nothing when the buffer is
// broadcast along the group (Zero: every index reads the same element).
type Stride struct {
	Zero bool
	Dims ir.Shape
}

// View says how a buffer is addressed at an index (b..., r, c) of a target
// shape whose axes are grouped into batch axes, a row group and a column
// group: element offset sum(b[t]*Batch[t]) + r*Row + c*Col.
type View struct {
	Batch    []Stride
	Row, Col Stride
}

// planContraction fills p.Contraction from the values of a contraction kernel.
func (p *Kernel) planContraction() error {
	var dot *ir.Value
	in := map[*ir.Value]bool{}
	for _, v := range p.Values {
		in[v] = true
		if v.Op.Has(ir.Contraction) {
			if dot != nil {
				return fmt.Errorf("%s: a contraction kernel computes one contraction, and %s is another", ir.FormatValue(v), ir.Ref(dot))
			}
			dot = v
		}
	}
	if dot == nil {
		return fmt.Errorf("the contraction kernel computes no contraction")
	}
	if why := contractionDType(dot); why != "" {
		return fmt.Errorf("%s: %s", ir.FormatValue(dot), why)
	}
	lhs, rhs := dot.Args[0].Type.Shape, dot.Args[1].Type.Shape
	g, why := ir.GroupDot(lhs, rhs, dot.Dot)
	if why != "" {
		return fmt.Errorf("%s: %s (fold-layouts transposes such operands)", ir.FormatValue(dot), why)
	}
	c := &Contraction{Dot: dot, Groups: g}
	c.Operands[0] = Operand{Value: dot.Args[0], Batch: g.LhsBatch, Rows: g.M, Depth: g.LhsK}
	c.Operands[1] = Operand{Value: dot.Args[1], Batch: g.RhsBatch, Rows: g.N, Depth: g.RhsK}
	for _, a := range g.LhsBatch {
		c.Batch = append(c.Batch, lhs[a])
	}
	for _, a := range g.M {
		c.M = append(c.M, lhs[a])
	}
	for _, a := range g.N {
		c.N = append(c.N, rhs[a])
	}
	for _, a := range g.LhsK {
		c.K = append(c.K, lhs[a])
	}
	// Each other value computes an operand (its prologue, while the operand
	// is packed) or is computed on the result's tiles (the epilogue: the
	// result's consumers, and values of the result's shape they read).
	inPrologue := map[*ir.Value]bool{}
	for i := range c.Operands {
		o := &c.Operands[i]
		if in[o.Value] {
			o.Prologue = producers(p.Values, o.Value, in)
		}
		for _, v := range o.Prologue {
			inPrologue[v] = true
			if !v.Op.Has(ir.Elementwise) || !v.Type.Shape.Equal(o.Value.Type.Shape) {
				return fmt.Errorf("%s: a producer of an operand of %s in its kernel is elementwise, of the operand's shape %s", ir.FormatValue(v), ir.Ref(dot), o.Value.Type.Shape)
			}
		}
	}
	for _, v := range p.Values {
		if v == dot || inPrologue[v] {
			continue
		}
		if !v.Type.Shape.Equal(dot.Type.Shape) || !v.Op.Has(ir.Elementwise) {
			return fmt.Errorf("%s: a value computed on the tiles of %s is elementwise, of its shape %s", ir.FormatValue(v), ir.Ref(dot), dot.Type.Shape)
		}
		for _, a := range v.Args {
			if inPrologue[a] {
				return fmt.Errorf("%s reads %s, which the kernel computes only while packing an operand", ir.FormatValue(v), ir.Ref(a))
			}
		}
		c.Epilogue = append(c.Epilogue, v)
	}
	p.Contraction = c
	return p.checkContractionBuffers()
}

// contractionDType says why the kernel cannot compute dot, or "": it
// accumulates in f32 or f64 and writes that, whatever its operands.
func contractionDType(dot *ir.Value) string {
	switch d := dot.Type.DType; d {
	case ir.F32, ir.F64:
		return ""
	default:
		return fmt.Sprintf("a contraction with a %s result is not compiled: contractions accumulate in f32 or f64 and write that (16-bit operands are fine); cast the operands to f32", d)
	}
}

// producers returns the values of vals (a kernel's, in body order) that
// root depends on within the kernel, root included, in body order.
func producers(vals []*ir.Value, root *ir.Value, in map[*ir.Value]bool) []*ir.Value {
	need := map[*ir.Value]bool{root: true}
	for i := len(vals) - 1; i >= 0; i-- {
		if v := vals[i]; need[v] {
			for _, a := range v.Args {
				if in[a] {
					need[a] = true
				}
			}
		}
	}
	var out []*ir.Value
	for _, v := range vals {
		if need[v] {
			out = append(out, v)
		}
	}
	return out
}

// checkContractionBuffers checks that every buffer the kernel writes is the
// dot or an epilogue value, and that every buffer a prologue or the
// epilogue reads can be addressed with one stride per group; it marks the
// buffers the dot reads, directly or through a prologue, as reread: a
// matrix product reads each of their elements many times, so no output may
// share their memory.
func (p *Kernel) checkContractionBuffers() error {
	c := p.Contraction
	for i, b := range p.Buffers {
		if b.Ref.Writes {
			if b.Value != c.Dot && !slices.Contains(c.Epilogue, b.Value) {
				return fmt.Errorf("%s is written by the contraction kernel, but it is no consumer of %s", ir.Ref(b.Value), ir.Ref(c.Dot))
			}
			continue
		}
		for side := 0; side < 3; side++ {
			if !p.Reads(side, b.Value) {
				continue
			}
			if _, err := p.View(i, side); err != nil {
				return err
			}
			if side < 2 {
				p.Buffers[i].Ref.Reread = true
			}
		}
	}
	return nil
}

// Sides of a contraction kernel from which a buffer is read: an operand
// (through its prologue, or as the operand itself) or the epilogue.
const (
	SideLeft = iota
	SideRight
	SideEpilogue
)

// Reads reports whether the values of one side read v (the dot's operand
// itself counts as read by its side when it is not computed in the kernel).
func (p *Kernel) Reads(side int, v *ir.Value) bool {
	c := p.Contraction
	var users []*ir.Value
	if side == SideEpilogue {
		users = c.Epilogue
	} else {
		o := c.Operands[side]
		if len(o.Prologue) == 0 {
			return o.Value == v
		}
		users = o.Prologue
	}
	for _, u := range users {
		if slices.Contains(u.Args, v) {
			return true
		}
	}
	return false
}

// View is how buffer i is addressed from side (SideLeft, SideRight: at an
// index of that operand, rows and depth; SideEpilogue: at an index of the
// result, rows and columns). The buffer broadcasts into that shape by
// NumPy's rules; along each group of axes it must either have every axis
// or broadcast every one.
func (p *Kernel) View(i, side int) (View, error) {
	c := p.Contraction
	s := p.Buffers[i].Value.Type.Shape
	var t ir.Shape
	var batch, rows, cols []int
	switch side {
	case SideLeft, SideRight:
		o := c.Operands[side]
		t, batch, rows, cols = o.Value.Type.Shape, o.Batch, o.Rows, o.Depth
	default:
		t = c.Dot.Type.Shape
		nb, nm := len(c.Batch), len(c.M)
		batch, rows, cols = axisRange(0, nb), axisRange(nb, nb+nm), axisRange(nb+nm, len(t))
	}
	if len(s) > len(t) {
		return View{}, fmt.Errorf("%s of shape %s does not broadcast into %s", ir.Ref(p.Buffers[i].Value), s, t)
	}
	var v View
	for _, a := range batch {
		st, err := groupStride(s, t, []int{a})
		if err != nil {
			return View{}, fmt.Errorf("%s: %w", ir.Ref(p.Buffers[i].Value), err)
		}
		v.Batch = append(v.Batch, st)
	}
	var err error
	if v.Row, err = groupStride(s, t, rows); err == nil {
		v.Col, err = groupStride(s, t, cols)
	}
	if err != nil {
		return View{}, fmt.Errorf("%s: %w", ir.Ref(p.Buffers[i].Value), err)
	}
	return v, nil
}

// groupStride is the stride of a group of axes of target shape t in a
// buffer of shape s broadcast into t (aligned on the last axis): zero when
// the buffer broadcasts every axis of the group, the stride of its
// innermost axis when it has them all (they are a contiguous run).
func groupStride(s, t ir.Shape, axes []int) (Stride, error) {
	off := len(t) - len(s)
	has, lacks := 0, 0
	inner := -1
	for _, a := range axes {
		if t[a] == ir.ConstDim(1) {
			continue
		}
		if a < off || s[a-off] == ir.ConstDim(1) {
			lacks++
			continue
		}
		if s[a-off] != t[a] {
			return Stride{}, fmt.Errorf("axis %d of %s does not broadcast into %s", a-off, s, t)
		}
		has++
		inner = max(inner, a-off)
	}
	switch {
	case has == 0:
		return Stride{Zero: true}, nil
	case lacks > 0:
		return Stride{}, fmt.Errorf("%s broadcasts some but not all of the axes %s of %s, which the kernel walks as one", s, ir.FormatInts(axes), t)
	}
	return Stride{Dims: append(ir.Shape{}, s[inner+1:]...)}, nil
}

func axisRange(lo, hi int) []int {
	var r []int
	for i := lo; i < hi; i++ {
		r = append(r, i)
	}
	return r
}

// contractionDescriptor is the artifact's description of a contraction
// kernel's work.
func (c *Contraction) descriptor() *artifact.Contraction {
	return &artifact.Contraction{
		Batch: shapeStrings(c.Batch), M: shapeStrings(c.M), N: shapeStrings(c.N), K: shapeStrings(c.K),
		DType: c.Dot.Type.DType.String(),
	}
}

// planTranspose checks a transpose kernel: one transpose, of rank 2 or more
// (fold-layouts removes the others), whose units are its output's rows.
func (p *Kernel) planTranspose() error {
	if len(p.Values) != 1 || p.Values[0].Op != ir.OpTranspose {
		return fmt.Errorf("a transpose kernel computes one transpose, this one %d values", len(p.Values))
	}
	if v := p.Values[0]; len(v.Type.Shape) < 2 {
		return fmt.Errorf("%s: a transpose of rank %d moves nothing", ir.FormatValue(v), len(v.Type.Shape))
	}
	return nil
}

// ownKernelError wraps a planning error of kernel p as an internal error.
func (p *Kernel) ownKernelError(err error) error {
	return codegen.KernelError(p.Fn, p.Group, err, "")
}
