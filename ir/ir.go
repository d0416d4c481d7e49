// This file defines the graph IR: modules, functions and SSA values.
package ir

import "fmt"

// Placement groups: where a value is computed after scheduling.
const (
	GroupNone = ""     // not yet placed
	GroupHost = "host" // computed once per call on the host, in float64
)

// KernelGroup returns the group name of kernel k ("k0", "k1", ...).
func KernelGroup(k int) string { return fmt.Sprintf("k%d", k) }

// Value is an SSA value: the result of one op.
type Value struct {
	ID   int // unique within its function; renumbered by Func.Renumber
	Op   Op
	Args []*Value
	Type Type

	Const    float64  // OpConst: the value (integers and bools exactly); reductions: the initial element
	Name     string   // OpParam: parameter name; OpCall: callee; OpDim: the dimension
	Index    int      // OpParam: position; OpExtract: tuple element
	Axis     int      // reductions and OpGather: the axis (non-negative)
	KeepDims bool     // reductions: keep the reduced axis with size 1
	Dot      DotDims  // OpDotGeneral: the batch and contracting axes of each operand
	Perm     []int    // OpTranspose: result axis i is operand axis Perm[i]
	Default  *float64 // OpParam of a scalar: default value, if any
	Init     *Init    // OpParam of a model parameter: its initializer
	Group    string   // placement: GroupNone, GroupHost or a kernel group "kN"
	// Pos is where the value came from in the source: every position, first
	// the one that made it (pos.go).
	Pos PosList
	// Var is the source variable the value is bound to ("c" for let c = ...),
	// unique among the function's parameters and values (Renumber keeps it
	// so); the text form calls the value %c instead of %ID.
	Var string
}

// KernelKind says how a kernel iterates its domain.
type KernelKind uint8

const (
	// LoopKernel runs over every element of Domain, flattened; all its values
	// and operands have the domain's shape (or are scalars).
	LoopKernel KernelKind = iota + 1
	// RowKernel runs over the rows Domain (the leading dimensions) and, within a
	// row, over the last axis of its per-element values, which may reduce to
	// per-row values (shape Domain or Domain+[1]). An empty Domain is one row.
	RowKernel
	// AxisKernel computes one reduction or gather along a non-last axis, a
	// gather that broadcasts an operand, or a scatter_add, reading reshapes of
	// its operands in place; Domain is its operand's shape.
	AxisKernel
	// ContractionKernel computes one contraction (dot_general), reading its
	// operands in the layout its dimension numbers give; Domain is its result's shape.
	ContractionKernel
	// TransposeKernel computes one transpose; Domain is its result's shape.
	TransposeKernel
	// LoopsKernel runs several independent elementwise loops of constant
	// shapes as one launch (horizontal fusion): its values are grouped by
	// shape, each group one loop, and Domain is [the sum of their sizes], the
	// loops laid end to end in order of first appearance.
	LoopsKernel
)

func (k KernelKind) String() string {
	switch k {
	case LoopKernel:
		return "loop"
	case RowKernel:
		return "rows"
	case AxisKernel:
		return "axis"
	case ContractionKernel:
		return "contraction"
	case TransposeKernel:
		return "transpose"
	case LoopsKernel:
		return "loops"
	}
	return "invalid"
}

// KernelDecl is one kernel of a scheduled function, in launch order.
type KernelDecl struct {
	Group  string
	Kind   KernelKind
	Domain Shape
}

// Result is one named output of a function.
type Result struct {
	Name  string
	Value *Value
}

// Func is a function: parameters, a body in topological order, and named results.
type Func struct {
	Name    string
	Params  []*Value // OpParam values: tensors first, then scalars
	Body    []*Value // every non-param value, each after its operands
	Results []Result
	Kernels int  // demanded kernel count (@kernels(n)); 0 when not demanded
	Private bool // not an entry point; removed after inlining
	// Schedule lists the kernels in launch order once fusion has placed the values.
	Schedule []KernelDecl
	Pos      Pos
}

// Module is a set of functions in a stable order.
type Module struct {
	Funcs []*Func
}

// Func returns the function named name, or nil.
func (m *Module) Func(name string) *Func {
	for _, f := range m.Funcs {
		if f.Name == name {
			return f
		}
	}
	return nil
}

// Param returns the parameter named name, or nil.
func (f *Func) Param(name string) *Value {
	for _, p := range f.Params {
		if p.Name == name {
			return p
		}
	}
	return nil
}

// TensorParams returns the tensor parameters in order.
func (f *Func) TensorParams() []*Value {
	var ps []*Value
	for _, p := range f.Params {
		if !p.Type.IsScalar() {
			ps = append(ps, p)
		}
	}
	return ps
}

// ScalarParams returns the scalar parameters in order.
func (f *Func) ScalarParams() []*Value {
	var ps []*Value
	for _, p := range f.Params {
		if p.Type.IsScalar() {
			ps = append(ps, p)
		}
	}
	return ps
}

// NewValue appends a new value to the body and returns it.
func (f *Func) NewValue(op Op, t Type, args ...*Value) *Value {
	v := &Value{ID: f.nextID(), Op: op, Type: t, Args: args}
	f.Body = append(f.Body, v)
	return v
}

// NewValueAt appends a new value computed for value at: it takes at's
// source positions, so a rewrite still points at the source it came from.
func (f *Func) NewValueAt(at *Value, op Op, t Type, args ...*Value) *Value {
	v := f.NewValue(op, t, args...)
	v.Pos = at.Pos
	return v
}

func (f *Func) nextID() int {
	max := -1
	for _, v := range f.Params {
		if v.ID > max {
			max = v.ID
		}
	}
	for _, v := range f.Body {
		if v.ID > max {
			max = v.ID
		}
	}
	return max + 1
}

// Renumber gives params IDs 0..len(Params)-1 and body values the following IDs
// in order, and makes the source variable names of values unique.
func (f *Func) Renumber() {
	for i, p := range f.Params {
		p.ID = i
		p.Index = i
	}
	for i, v := range f.Body {
		v.ID = len(f.Params) + i
	}
	f.uniqueVars()
}

// ReplaceUses rewrites every use of old (operands and results) to new. new
// stands for old from now on, so it takes old's source positions, and its
// source variable when it has none.
func (f *Func) ReplaceUses(old, new *Value) {
	if old != new {
		new.Pos = MergePos(new.Pos, old.Pos)
		if new.Var == "" && new.Op != OpParam {
			new.Var = old.Var
		}
	}
	for _, v := range f.Body {
		for i, a := range v.Args {
			if a == old {
				v.Args[i] = new
			}
		}
	}
	for i := range f.Results {
		if f.Results[i].Value == old {
			f.Results[i].Value = new
		}
	}
}

// Clone returns a deep copy of f.
func (f *Func) Clone() *Func {
	g := &Func{Name: f.Name, Kernels: f.Kernels, Private: f.Private, Pos: f.Pos}
	m := map[*Value]*Value{}
	cp := func(v *Value) *Value {
		w := *v
		w.Args = make([]*Value, len(v.Args))
		for i, a := range v.Args {
			w.Args[i] = m[a]
		}
		w.Dot = v.Dot.Clone()
		w.Perm = cloneInts(v.Perm)
		if v.Default != nil {
			d := *v.Default
			w.Default = &d
		}
		if v.Init != nil {
			in := *v.Init
			in.Args = append([]float64(nil), v.Init.Args...)
			w.Init = &in
		}
		m[v] = &w
		return &w
	}
	for _, p := range f.Params {
		g.Params = append(g.Params, cp(p))
	}
	for _, v := range f.Body {
		g.Body = append(g.Body, cp(v))
	}
	for _, r := range f.Results {
		g.Results = append(g.Results, Result{Name: r.Name, Value: m[r.Value]})
	}
	for _, k := range f.Schedule {
		k.Domain = append(Shape(nil), k.Domain...)
		g.Schedule = append(g.Schedule, k)
	}
	return g
}

// Clone returns a deep copy of m.
func (m *Module) Clone() *Module {
	n := &Module{}
	for _, f := range m.Funcs {
		n.Funcs = append(n.Funcs, f.Clone())
	}
	return n
}

// Kernel returns the declaration of kernel group g, or nil.
func (f *Func) Kernel(g string) *KernelDecl {
	for i := range f.Schedule {
		if f.Schedule[i].Group == g {
			return &f.Schedule[i]
		}
	}
	return nil
}

// Groups returns the kernel groups of f in launch order: the schedule's order,
// then any group used but not declared, in order of first appearance.
func (f *Func) Groups() []string {
	seen := map[string]bool{}
	var gs []string
	for _, k := range f.Schedule {
		seen[k.Group] = true
		gs = append(gs, k.Group)
	}
	for _, v := range f.Body {
		if v.Group != GroupNone && v.Group != GroupHost && !seen[v.Group] {
			seen[v.Group] = true
			gs = append(gs, v.Group)
		}
	}
	return gs
}
