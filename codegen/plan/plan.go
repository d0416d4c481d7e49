// This file works out, for each kernel group of a scheduled function, what the
// kernel reads and writes: its kind, domain and work units, its buffers and its
// scalar arguments, in the order the runtime passes them (the artifact.Kernel
// descriptor).
package plan

import (
	"fmt"
	"slices"
	"sort"
	"strconv"

	"dlc.dev/dlc/artifact"
	"dlc.dev/dlc/codegen"
	"dlc.dev/dlc/codegen/elemental"
	"dlc.dev/dlc/ir"
)

// Kernel is one kernel: a group of a function and everything it touches.
type Kernel struct {
	Fn    *ir.Func
	Group string // the IR placement group, which names the kernel (artifact.Kernel.Name)
	Kind  ir.KernelKind
	// Declared says the function's schedule declares the kernel; an undeclared
	// group (hand-written IR) is a loop kernel whose domain is its values' shape.
	Declared bool
	Domain   ir.Shape
	Values   []*ir.Value // the group's values, in body order
	Buffers  []Buffer
	Scalars  []*ir.Value // scalar parameters, then host values
	// Dims are the symbolic dimensions a row or axis kernel takes as i64
	// scalars "#D", after scalars.
	Dims []string
	// Units and UnitWork are the descriptor's Units and UnitWork.
	Units, UnitWork ir.Shape
	// Parts are the loops of a loops kernel, laid end to end in its domain.
	Parts []Part
	// Contraction is the plan of a contraction kernel's values; nil for other kinds.
	Contraction *Contraction
}

// Part is one loop of a loops kernel: a loop kernel over its own shape whose
// elements are [Offset, Offset+Size) of the loops kernel's domain, and which
// takes the loops kernel's buffers Bufs (by index) and all its scalars.
type Part struct {
	Kernel       *Kernel
	Offset, Size int64
	Bufs         []int
}

// Buffer is one buffer argument and the IR value it holds.
type Buffer struct {
	Ref   artifact.BufferRef
	Value *ir.Value
}

// Kernels plans every kernel group of f, in launch order. An error is a
// *codegen.InternalError: the passes hand on only IR that compiles.
func Kernels(f *ir.Func) ([]*Kernel, error) {
	groups := f.Groups()
	order := map[string]int{}
	for i, g := range groups {
		order[g] = i
	}
	isKernel := func(v *ir.Value) bool { _, ok := order[v.Group]; return ok && v.Op != ir.OpConst && v.Op != ir.OpParam }

	// crossing holds the kernel values that a later kernel reads.
	crossing := map[*ir.Value]bool{}
	for _, v := range f.Body {
		if v.Op == ir.OpConst {
			continue
		}
		if v.Group == ir.GroupNone {
			return nil, codegen.FuncError(f, fmt.Errorf("%s is not scheduled", ir.FormatValue(v)))
		}
		if !isKernel(v) {
			continue
		}
		kind := ir.LoopKernel
		if k := f.Kernel(v.Group); k != nil {
			kind = k.Kind
		}
		if why := unsupported(v, kind); why != "" {
			return nil, codegen.KernelError(f, v.Group, fmt.Errorf("%s: %s", ir.FormatValue(v), why), "")
		}
		for _, a := range v.Args {
			switch {
			case a.Op == ir.OpConst, a.Op == ir.OpParam, a.Group == ir.GroupHost:
			case isKernel(a):
				if a.Group == v.Group {
					continue
				}
				if order[a.Group] > order[v.Group] {
					return nil, codegen.FuncError(f, fmt.Errorf("%s reads %s of a later kernel", ir.FormatValue(v), ir.Ref(a)))
				}
				crossing[a] = true
			default:
				return nil, codegen.FuncError(f, fmt.Errorf("%s reads %s, which is not scheduled", ir.FormatValue(v), ir.Ref(a)))
			}
		}
	}

	resultName := map[*ir.Value]string{}
	for _, r := range f.Results {
		v := r.Value
		if !isKernel(v) {
			return nil, codegen.FuncError(f, fmt.Errorf("result %s is %s, which no kernel computes", r.Name, describeValue(v)))
		}
		if _, ok := resultName[v]; !ok {
			resultName[v] = r.Name
		}
	}

	plans := make([]*Kernel, 0, len(groups))
	for _, g := range groups {
		p, err := planKernel(f, g, isKernel, resultName, crossing)
		if err != nil {
			return nil, err
		}
		plans = append(plans, p)
	}
	return plans, nil
}

// unsupported says why value v cannot be compiled into a kernel of the given
// kind, or "".
func unsupported(v *ir.Value, kind ir.KernelKind) string {
	elementwise := (v.Op.Has(ir.Elementwise) && elemental.Supports(v.Op)) || v.Op == ir.OpIota
	switch kind {
	case ir.LoopKernel, ir.LoopsKernel:
		if !elementwise {
			return fmt.Sprintf("op %s cannot be compiled into a kernel", v.Op)
		}
	case ir.RowKernel:
		switch {
		case elementwise, v.Op == ir.OpReshape, v.Op == ir.OpBroadcast:
		case v.Op.Has(ir.Reduction), v.Op == ir.OpGather:
			if v.Axis != len(v.Args[0].Type.Shape)-1 {
				return fmt.Sprintf("a row kernel computes %s only along the last axis, not axis %d", v.Op, v.Axis)
			}
		default:
			return fmt.Sprintf("op %s cannot be compiled into a row kernel", v.Op)
		}
	case ir.AxisKernel:
		if !v.Op.Has(ir.Reduction) && v.Op != ir.OpGather && v.Op != ir.OpScatterAdd && v.Op != ir.OpReshape {
			return fmt.Sprintf("op %s cannot be compiled into an axis kernel (only one reduction, gather or scatter_add, and reshapes of its operands)", v.Op)
		}
	case ir.ContractionKernel:
		if !v.Op.Has(ir.Contraction) && !elementwise {
			return fmt.Sprintf("op %s cannot be compiled into a contraction kernel (only one contraction and elementwise ops)", v.Op)
		}
	case ir.TransposeKernel:
		if v.Op != ir.OpTranspose {
			return fmt.Sprintf("op %s cannot be compiled into a transpose kernel", v.Op)
		}
	default:
		return fmt.Sprintf("kernel %s has unknown kind %s", v.Group, kind)
	}
	return ""
}

// planKernel plans the kernel of group g.
func planKernel(f *ir.Func, g string, isKernel func(*ir.Value) bool, resultName map[*ir.Value]string, crossing map[*ir.Value]bool) (*Kernel, error) {
	p := &Kernel{Fn: f, Group: g, Kind: ir.LoopKernel, Domain: ir.Shape{}}
	if k := f.Kernel(g); k != nil {
		p.Kind, p.Declared, p.Domain = k.Kind, true, append(ir.Shape{}, k.Domain...)
	}
	haveDomain := p.Declared
	paramsUsed := map[*ir.Value]bool{}
	var tempsRead, hostUsed []*ir.Value
	seen := map[*ir.Value]bool{}
	for _, v := range f.Body {
		if v.Group != g || !isKernel(v) {
			continue
		}
		p.Values = append(p.Values, v)
		if p.Kind == ir.LoopKernel && !v.Type.IsScalar() {
			if !haveDomain {
				p.Domain, haveDomain = v.Type.Shape, true
			} else if !v.Type.Shape.Equal(p.Domain) {
				return nil, codegen.KernelError(f, g, fmt.Errorf("%s: shape %s differs from the kernel's domain %s", ir.FormatValue(v), v.Type.Shape, p.Domain), "")
			}
		}
		for _, a := range v.Args {
			if seen[a] {
				continue
			}
			seen[a] = true
			switch {
			case a.Op == ir.OpConst:
			case a.Op == ir.OpParam:
				paramsUsed[a] = true
			case a.Group == ir.GroupHost:
				hostUsed = append(hostUsed, a)
			case a.Group != g:
				tempsRead = append(tempsRead, a)
			}
		}
	}
	if p.Kind == ir.LoopKernel {
		for _, v := range p.Values {
			if p.Declared && !v.Type.Shape.Equal(p.Domain) {
				return nil, codegen.KernelError(f, g, fmt.Errorf("%s: a loop kernel over %s computes only values of that shape", ir.FormatValue(v), p.Domain), "")
			}
			for _, a := range v.Args {
				if !a.Type.IsScalar() && !a.Type.Shape.Equal(p.Domain) {
					return nil, codegen.KernelError(f, g, fmt.Errorf("%s: operand %s has shape %s, but a loop kernel over %s reads only that shape (broadcasting needs a row kernel)", ir.FormatValue(v), ir.Ref(a), a.Type.Shape, p.Domain), "")
				}
			}
		}
	}
	if p.Kind == ir.LoopsKernel {
		for _, v := range p.Values {
			for _, a := range v.Args {
				if !a.Type.IsScalar() && !a.Type.Shape.Equal(v.Type.Shape) {
					return nil, codegen.KernelError(f, g, fmt.Errorf("%s: operand %s has shape %s, but each loop of a loops kernel reads only its own shape", ir.FormatValue(v), ir.Ref(a), a.Type.Shape), "")
				}
			}
		}
	}
	if p.Kind == ir.AxisKernel && p.AxisValue() == nil {
		return nil, codegen.KernelError(f, g, fmt.Errorf("an axis kernel computes exactly one reduction, gather or scatter_add, after reshapes of its operands, this one %d values", len(p.Values)), "")
	}

	buf := func(kind, name string, v *ir.Value, writes bool) {
		p.Buffers = append(p.Buffers, Buffer{Value: v, Ref: artifact.BufferRef{
			Kind: kind, Name: name, DType: v.Type.DType.String(), Shape: shapeStrings(v.Type.Shape), Writes: writes,
		}})
	}
	for _, a := range f.Params {
		if paramsUsed[a] && !a.Type.IsScalar() {
			buf(artifact.BufInput, a.Name, a, false)
		}
	}
	sortByID(tempsRead)
	for _, a := range tempsRead {
		if name, ok := resultName[a]; ok {
			buf(artifact.BufOutput, name, a, false)
		} else {
			buf(artifact.BufTemp, ir.Ref(a), a, false)
		}
	}
	for _, r := range f.Results {
		if r.Value.Group == g {
			buf(artifact.BufOutput, r.Name, r.Value, true)
		}
	}
	var tempsWritten []*ir.Value
	for _, v := range p.Values {
		if _, isResult := resultName[v]; crossing[v] && !isResult {
			tempsWritten = append(tempsWritten, v)
		}
	}
	sortByID(tempsWritten)
	for _, v := range tempsWritten {
		buf(artifact.BufTemp, ir.Ref(v), v, true)
	}

	for _, a := range f.Params {
		if paramsUsed[a] && a.Type.IsScalar() {
			p.Scalars = append(p.Scalars, a)
		}
	}
	sortByID(hostUsed)
	p.Scalars = append(p.Scalars, hostUsed...)
	var err error
	switch p.Kind {
	case ir.ContractionKernel:
		err = p.planContraction()
	case ir.TransposeKernel:
		err = p.planTranspose()
	}
	if err != nil {
		return nil, p.ownKernelError(err)
	}
	p.planUnits()
	if p.Kind == ir.LoopsKernel {
		if err := p.planParts(); err != nil {
			return nil, codegen.KernelError(f, g, err, "")
		}
	}
	return p, nil
}

// planParts splits a loops kernel into its loops: its values grouped by
// shape and, within a shape, by what they compute together (values joined
// through arguments of that shape: one parameter's update with its state),
// in order of first appearance, each reading and writing the buffers it
// touches. A loop per parameter lets a caller run the update of a range of
// the domain that covers part of one parameter's elements (ZeRO sharding
// in package train) knowing which buffers that range touches.
func (p *Kernel) planParts() error {
	var off int64
	for i, vals := range ir.LoopGroups(p.Values) {
		s := vals[0].Type.Shape
		touched := map[*ir.Value]bool{}
		for _, v := range vals {
			touched[v] = true
			for _, a := range v.Args {
				touched[a] = true
			}
		}
		k := &Kernel{Fn: p.Fn, Group: fmt.Sprintf("%s.%d", p.Group, i), Kind: ir.LoopKernel, Declared: true,
			Domain: s, Values: vals, Scalars: p.Scalars, Units: s}
		part := Part{Kernel: k, Offset: off, Size: s.Size()}
		for j, b := range p.Buffers {
			if touched[b.Value] {
				k.Buffers = append(k.Buffers, b)
				part.Bufs = append(part.Bufs, j)
			}
		}
		p.Parts = append(p.Parts, part)
		off += part.Size
	}
	if len(p.Domain) != 1 || off != p.Domain[0].N {
		return fmt.Errorf("a loops kernel over %s has loops of %d elements in all", p.Domain, off)
	}
	return nil
}

// planUnits works out the work units of the kernel and, for row and axis
// kernels (and loop kernels with an iota), the symbolic dimensions it takes
// as scalars: every one in its domain, its values' shapes and its buffers'
// shapes, in order of appearance.
func (p *Kernel) planUnits() {
	switch p.Kind {
	case ir.LoopsKernel:
		p.Units = p.Domain
		return
	case ir.LoopKernel:
		p.Units = p.Domain
		iota := false
		for _, v := range p.Values {
			iota = iota || v.Op == ir.OpIota
		}
		if !iota {
			return // an elementwise loop needs no sizes
		}
	case ir.RowKernel:
		p.Units = p.Domain
		if x, ok := p.mainExtent(); ok {
			p.UnitWork = ir.Shape{x}
		}
	case ir.AxisKernel:
		v := p.AxisValue()
		switch v.Op {
		case ir.OpGather:
			p.Units = v.Type.Shape
		case ir.OpScatterAdd: // each output position reads the updates along the axis
			p.Units = v.Type.Shape
			p.UnitWork = ir.Shape{v.Args[0].Type.Shape[v.Axis]}
		default:
			s := v.Args[0].Type.Shape
			p.Units = append(append(ir.Shape{}, s[:v.Axis]...), s[v.Axis+1:]...)
			p.UnitWork = ir.Shape{s[v.Axis]}
		}
	case ir.TransposeKernel:
		// Units are the rows of the output; a unit copies one.
		s := p.Values[0].Type.Shape
		p.Units, p.UnitWork = s[:len(s)-1], s[len(s)-1:]
	case ir.ContractionKernel:
		// The runtime plans the units of each call (internal/gemm).
	}
	seen := map[string]bool{}
	add := func(s ir.Shape) {
		for _, d := range s {
			if d.IsSym() && !seen[d.Sym] {
				seen[d.Sym] = true
				p.Dims = append(p.Dims, d.Sym)
			}
		}
	}
	add(p.Domain)
	for _, v := range p.Values {
		add(v.Type.Shape)
		for _, a := range v.Args {
			add(a.Type.Shape)
		}
	}
	for _, b := range p.Buffers {
		add(b.Value.Type.Shape)
	}
}

// mainExtent is the row length of a row kernel: the last dimension shared by
// most of its per-element values (the first one on a tie).
func (p *Kernel) mainExtent() (ir.Dim, bool) {
	r := len(p.Domain)
	count := map[ir.Dim]int{}
	var order []ir.Dim
	note := func(s ir.Shape) {
		if len(s) == r+1 && s[:r].Equal(p.Domain) && s[r] != ir.ConstDim(1) {
			if count[s[r]] == 0 {
				order = append(order, s[r])
			}
			count[s[r]]++
		}
	}
	for _, v := range p.Values {
		note(v.Type.Shape)
		if v.Op.Has(ir.Reduction) {
			note(v.Args[0].Type.Shape)
		}
	}
	best, ok := ir.Dim{}, false
	for _, d := range order {
		if !ok || count[d] > count[best] {
			best, ok = d, true
		}
	}
	return best, ok
}

// Descriptor is the artifact.Kernel of the plan.
func (p *Kernel) Descriptor() artifact.Kernel {
	k := artifact.Kernel{
		Name:     p.Group,
		Kind:     p.Kind.String(),
		Domain:   shapeStrings(p.Domain),
		Units:    shapeStrings(p.Units),
		UnitWork: shapeStrings(p.UnitWork),
		Buffers:  make([]artifact.BufferRef, len(p.Buffers)),
		Scalars:  make([]artifact.ScalarRef, 0, len(p.Scalars)+len(p.Dims)),
	}
	for i, b := range p.Buffers {
		k.Buffers[i] = b.Ref
	}
	if p.Contraction != nil {
		k.Contraction = p.Contraction.descriptor()
	}
	for _, part := range p.Parts {
		k.Parts = append(k.Parts, artifact.LoopPart{Offset: part.Offset, Size: part.Size, Buffers: part.Bufs})
	}
	for _, s := range p.Scalars {
		name := ir.Ref(s)
		if s.Op == ir.OpParam {
			name = s.Name
		}
		k.Scalars = append(k.Scalars, artifact.ScalarRef{Name: name, DType: s.Type.DType.String()})
	}
	for _, d := range p.Dims {
		k.Scalars = append(k.Scalars, artifact.ScalarRef{Name: "#" + d, DType: ir.I64.String()})
	}
	k.Cost = p.cost()
	k.Source = p.source()
	return k
}

// source is the first position on each source line of the kernel's values.
func (p *Kernel) source() []string {
	type line struct {
		file string
		n    int
	}
	seen := map[line]bool{}
	var out []string
	for _, pos := range p.Fn.KernelPos(p.Group) {
		l := line{pos.File, pos.Line}
		if !pos.IsValid() || seen[l] || len(out) == artifact.MaxKernelSource {
			continue
		}
		seen[l] = true
		out = append(out, pos.String())
	}
	return out
}

// cost is the kernel's minimum traffic (each buffer once) and its work.
func (p *Kernel) cost() *artifact.Cost {
	bytes, ops, trans := ir.Count{}, ir.Count{}, ir.Count{}
	for _, b := range p.Buffers {
		bytes.Add(ir.CountOf(b.Value.Type.Shape).Scale(int64(b.Value.Type.DType.Size())))
	}
	for _, v := range p.Values {
		o, t := ir.Work(v)
		ops.Add(o)
		trans.Add(t)
	}
	return &artifact.Cost{Bytes: bytes.String(), Ops: ops.String(), Transcendentals: trans.String()}
}

// describeValue says what kind of value v is, for error messages.
func describeValue(v *ir.Value) string {
	switch {
	case v.Op == ir.OpParam:
		return "parameter " + ir.Ref(v)
	case v.Op == ir.OpConst:
		return "constant " + ir.Ref(v)
	case v.Group == ir.GroupHost:
		return "host value " + ir.Ref(v)
	}
	return ir.FormatValue(v)
}

func shapeStrings(s ir.Shape) []string {
	out := make([]string, len(s))
	for i, d := range s {
		out[i] = d.String()
	}
	return out
}

func sortByID(vs []*ir.Value) {
	sort.SliceStable(vs, func(i, j int) bool { return vs[i].ID < vs[j].ID })
}

// ValueName is the LLVM local name of the register holding v.
func ValueName(v *ir.Value) string {
	if v.Op == ir.OpParam {
		return v.Name
	}
	return "v" + strconv.Itoa(v.ID)
}

// AxisValue returns the reduction, gather or scatter_add that axis kernel p
// computes: its last value, every other one a reshape that it reads in place
// (Operand). It returns nil when p is not so.
func (p *Kernel) AxisValue() *ir.Value {
	if len(p.Values) == 0 {
		return nil
	}
	v := p.Values[len(p.Values)-1]
	if v.Op == ir.OpReshape {
		return nil
	}
	for _, r := range p.Values[:len(p.Values)-1] {
		if r.Op != ir.OpReshape {
			return nil
		}
	}
	return v
}

// Operand returns the value whose buffer holds operand a of an axis kernel:
// a itself, or the operand of the kernel's reshapes that compute it (a
// reshape keeps the order of the elements, so the buffer reads the same).
func (p *Kernel) Operand(a *ir.Value) *ir.Value {
	for a.Op == ir.OpReshape && slices.Contains(p.Values, a) {
		a = a.Args[0]
	}
	return a
}
