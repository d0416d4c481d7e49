// This file works out, for each kernel group of a scheduled function, what the
// kernel reads and writes: its domain, its buffers and its scalar arguments, in
// the order the runtime passes them (the artifact.Kernel descriptor).
package llvm

import (
	"fmt"
	"sort"
	"strconv"

	"dlc/artifact"
	"dlc/ir"
)

// kernelPlan is one kernel: a group of a function and everything it touches.
type kernelPlan struct {
	fn      *ir.Func
	group   string
	symbol  string
	domain  ir.Shape
	values  []*ir.Value // the group's values, in body order
	buffers []bufferPlan
	scalars []*ir.Value // scalar parameters, then host values
}

// bufferPlan is one buffer argument and the IR value it holds.
type bufferPlan struct {
	ref   artifact.BufferRef
	value *ir.Value
}

// Symbol is the exported name of the kernel for group g of function fn.
func Symbol(fn, g string) string { return "dlc_" + fn + "_" + g }

// planKernels plans every kernel group of f, in launch order.
func planKernels(f *ir.Func) ([]*kernelPlan, error) {
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
			return nil, fmt.Errorf("@%s: %s is not scheduled", f.Name, ir.FormatValue(v))
		}
		if !isKernel(v) {
			continue
		}
		if !v.Op.Has(ir.Elementwise) || !Supports(v.Op) {
			return nil, fmt.Errorf("@%s: %s: op %s cannot be compiled into a kernel", f.Name, ir.FormatValue(v), v.Op)
		}
		for _, a := range v.Args {
			switch {
			case a.Op == ir.OpConst, a.Op == ir.OpParam, a.Group == ir.GroupHost:
			case isKernel(a):
				if a.Group == v.Group {
					continue
				}
				if order[a.Group] > order[v.Group] {
					return nil, fmt.Errorf("@%s: %s reads %s of a later kernel", f.Name, ir.FormatValue(v), ir.Ref(a))
				}
				crossing[a] = true
			default:
				return nil, fmt.Errorf("@%s: %s reads %s, which is not scheduled", f.Name, ir.FormatValue(v), ir.Ref(a))
			}
		}
	}

	resultName := map[*ir.Value]string{}
	for _, r := range f.Results {
		v := r.Value
		if !isKernel(v) {
			return nil, fmt.Errorf("@%s: result %s is %s, which no kernel computes", f.Name, r.Name, describeValue(v))
		}
		if _, ok := resultName[v]; !ok {
			resultName[v] = r.Name
		}
	}

	plans := make([]*kernelPlan, 0, len(groups))
	for _, g := range groups {
		p, err := planKernel(f, g, isKernel, resultName, crossing)
		if err != nil {
			return nil, err
		}
		plans = append(plans, p)
	}
	return plans, nil
}

// planKernel plans the kernel of group g.
func planKernel(f *ir.Func, g string, isKernel func(*ir.Value) bool, resultName map[*ir.Value]string, crossing map[*ir.Value]bool) (*kernelPlan, error) {
	p := &kernelPlan{fn: f, group: g, symbol: Symbol(f.Name, g), domain: ir.Shape{}}
	haveDomain := false
	paramsUsed := map[*ir.Value]bool{}
	var tempsRead, hostUsed []*ir.Value
	seen := map[*ir.Value]bool{}
	for _, v := range f.Body {
		if v.Group != g || !isKernel(v) {
			continue
		}
		p.values = append(p.values, v)
		if !v.Type.IsScalar() {
			if !haveDomain {
				p.domain, haveDomain = v.Type.Shape, true
			} else if !v.Type.Shape.Equal(p.domain) {
				return nil, fmt.Errorf("@%s: %s: shape %s differs from the domain %s of kernel %s", f.Name, ir.FormatValue(v), v.Type.Shape, p.domain, g)
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

	buf := func(kind, name string, v *ir.Value, writes bool) {
		p.buffers = append(p.buffers, bufferPlan{value: v, ref: artifact.BufferRef{
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
	for _, v := range p.values {
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
			p.scalars = append(p.scalars, a)
		}
	}
	sortByID(hostUsed)
	p.scalars = append(p.scalars, hostUsed...)
	return p, nil
}

// descriptor is the artifact.Kernel of the plan.
func (p *kernelPlan) descriptor() artifact.Kernel {
	k := artifact.Kernel{
		Symbol:  p.symbol,
		Group:   p.group,
		Domain:  shapeStrings(p.domain),
		Buffers: make([]artifact.BufferRef, len(p.buffers)),
		Scalars: make([]artifact.ScalarRef, len(p.scalars)),
	}
	for i, b := range p.buffers {
		k.Buffers[i] = b.ref
	}
	for i, s := range p.scalars {
		name := ir.Ref(s)
		if s.Op == ir.OpParam {
			name = s.Name
		}
		k.Scalars[i] = artifact.ScalarRef{Name: name, DType: s.Type.DType.String()}
	}
	return k
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

// valueName is the LLVM local name of the register holding v.
func valueName(v *ir.Value) string {
	if v.Op == ir.OpParam {
		return v.Name
	}
	return "v" + strconv.Itoa(v.ID)
}
