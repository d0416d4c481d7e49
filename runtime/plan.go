// This file turns one manifest function into a plan: dtypes parsed, dimensions numbered,
// every buffer and scalar a kernel takes resolved to where its value comes from. All
// manifest validation happens here, at load time, so Run only checks the caller's arguments.
package runtime

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"dlc.dev/dlc/artifact"
	"dlc.dev/dlc/ir"
)

// dim is one dimension of a declared shape: a symbol or a constant.
type dim struct {
	sym int   // index into plan.syms; -1 for a constant
	n   int64 // the constant
}

// tensorSpec is a tensor parameter or result.
type tensorSpec struct {
	name    string
	dtype   DType
	shape   []dim
	written bool // some kernel writes it: every output, and an input a kernel marks as written
}

// scalarSpec is a scalar parameter.
type scalarSpec struct {
	name  string
	dtype DType
	def   *float64
}

// slotKind says where a kernel buffer comes from.
type slotKind uint8

const (
	slotInput slotKind = iota
	slotOutput
	slotTemp
)

// slot is one buffer argument of a kernel.
type slot struct {
	kind  slotKind
	index int // into plan.inputs, plan.outputs or plan.temps
}

// scalarKind says where a kernel's scalar argument comes from.
type scalarKind uint8

const (
	scalarParam scalarKind = iota // a scalar argument of the call
	scalarHost                    // a host value computed from them
	scalarDim                     // the bound size of a symbolic dimension ("#N")
)

// scalarSrc is one scalar argument of a kernel.
type scalarSrc struct {
	kind  scalarKind
	index int // into plan.scalars, plan.hostIDs or plan.syms
}

// kernelPlan is one kernel launch.
type kernelPlan struct {
	name    string // unique within the function, e.g. "k0"
	entry   int    // the kernel's index in the launcher's table
	domain  []dim
	units   []dim // the product is the number of units [begin, end) counts
	work    []dim // the product estimates the work of one unit
	bufs    []slot
	reread  []bool // per buffer: read after something was written in the same unit
	writes  []bool // per buffer: the kernel writes it
	kind    string
	parts   []artifact.LoopPart // the loops of a loops kernel
	scalars []scalarSrc
	// gemm are the sizes of a contraction kernel (artifact.Contraction); nil
	// for other kinds.
	gemm *gemmSpec
}

// gemmSpec is the size of a contraction kernel's work, as shapes whose
// products are the batch count and M, N, K.
type gemmSpec struct {
	batch, m, n, k []dim
	elemSize       int64
}

// indexCheck is an index input whose every element must lie in [0, bound).
type indexCheck struct {
	input int
	bound dim
	axis  int
	of    string
}

// tempSpec is an intermediate buffer between kernels, named by its IR value.
type tempSpec struct {
	ref   string
	dtype DType
	shape []dim
}

// plan is everything Run needs to know about a function, resolved once at load.
type plan struct {
	name     string
	inputs   []tensorSpec
	outputs  []tensorSpec
	scalars  []scalarSpec
	syms     []string // symbolic dimensions, in order of first appearance among the inputs
	temps    []tempSpec
	kernels  []kernelPlan
	checks   []indexCheck
	host     *ir.Func // the IR function whose host values kernels take; nil if none
	hostRefs []string // those host values as kernels name them: "%12", or "%bc" for a named value
	hostIDs  []int    // their IDs in host, per hostRefs
	// aliasOK[o][i] says output o may share memory exactly with input i (an in-place
	// update): no kernel reads input i after an earlier kernel has written output o.
	aliasOK [][]bool
	// reread[o][i] says why not, when a kernel reads input i again after writing
	// output o in the same unit (a later pass over a row, or a gather).
	reread [][]bool
}

// resolveFunc finds the code of the kernel of the function being planned with the
// given name and returns its index in the launcher's table.
type resolveFunc func(kernel string, contraction bool) (int, error)

// newPlan validates fn and resolves it against the parsed IR (nil if the artifact has
// none) and the launcher's code.
func newPlan(fn *artifact.Function, mod *ir.Module, resolve resolveFunc) (*plan, error) {
	p := &plan{name: fn.Name}
	var err error
	if p.inputs, err = p.tensors("input", fn.Inputs, true); err != nil {
		return nil, err
	}
	if p.outputs, err = p.tensors("output", fn.Outputs, false); err != nil {
		return nil, err
	}
	for i := range p.outputs {
		p.outputs[i].written = true
	}
	seen := map[string]bool{}
	for _, s := range fn.Scalars {
		if s.Name == "" || seen[s.Name] {
			return nil, fmt.Errorf("scalar %q is unnamed or repeated", s.Name)
		}
		seen[s.Name] = true
		dt, err := ParseDType(s.DType)
		if err != nil {
			return nil, fmt.Errorf("scalar %s: %w", s.Name, err)
		}
		p.scalars = append(p.scalars, scalarSpec{name: s.Name, dtype: dt, def: s.Default})
	}
	hostIndex := map[string]int{}
	for k := range fn.Kernels {
		kd := &fn.Kernels[k]
		if kd.Name == "" || slices.ContainsFunc(p.kernels, func(kp kernelPlan) bool { return kp.name == kd.Name }) {
			return nil, fmt.Errorf("kernel %d: name %q is empty or repeated", k, kd.Name)
		}
		kp, err := p.kernel(kd, resolve, hostIndex)
		if err != nil {
			return nil, fmt.Errorf("kernel %s: %w", kd.Name, err)
		}
		p.kernels = append(p.kernels, kp)
	}
	for i, c := range fn.IndexChecks {
		ic, err := p.indexCheck(c)
		if err != nil {
			return nil, fmt.Errorf("index check %d (%s): %w", i, c.Input, err)
		}
		p.checks = append(p.checks, ic)
	}
	if len(p.hostRefs) > 0 {
		if err := p.resolveHost(mod); err != nil {
			return nil, err
		}
	}
	p.computeAliasOK()
	return p, nil
}

// tensors parses tensor declarations; inputs may introduce symbolic dimensions.
func (p *plan) tensors(what string, ts []artifact.Tensor, bind bool) ([]tensorSpec, error) {
	seen := map[string]bool{}
	specs := make([]tensorSpec, 0, len(ts))
	for _, t := range ts {
		if t.Name == "" || seen[t.Name] {
			return nil, fmt.Errorf("%s %q is unnamed or repeated", what, t.Name)
		}
		seen[t.Name] = true
		dt, err := ParseDType(t.DType)
		if err != nil {
			return nil, fmt.Errorf("%s %s: %w", what, t.Name, err)
		}
		shape, err := p.shape(t.Shape, bind)
		if err != nil {
			return nil, fmt.Errorf("%s %s: %w", what, t.Name, err)
		}
		specs = append(specs, tensorSpec{name: t.Name, dtype: dt, shape: shape})
	}
	return specs, nil
}

// shape parses dimensions: a non-negative integer or a symbol. Only inputs may bind
// a new symbol; everything else must be sized by them.
func (p *plan) shape(ss []string, bind bool) ([]dim, error) {
	shape := make([]dim, len(ss))
	for i, s := range ss {
		if n, err := strconv.ParseInt(s, 10, 64); err == nil {
			if n < 0 {
				return nil, fmt.Errorf("negative dimension %d", n)
			}
			shape[i] = dim{sym: -1, n: n}
			continue
		}
		if !isIdent(s) {
			return nil, fmt.Errorf("bad dimension %q", s)
		}
		j := p.symIndex(s)
		if j < 0 {
			if !bind {
				return nil, fmt.Errorf("dimension %s is not bound by any input", s)
			}
			j = len(p.syms)
			p.syms = append(p.syms, s)
		}
		shape[i] = dim{sym: j}
	}
	return shape, nil
}

func (p *plan) symIndex(s string) int {
	for i, t := range p.syms {
		if t == s {
			return i
		}
	}
	return -1
}

// isIdent reports whether s is a dimension symbol: a letter or '_', then letters, digits, '_'.
func isIdent(s string) bool {
	if s == "" {
		return false
	}
	for i, c := range s {
		letter := c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
		if !letter && (i == 0 || c < '0' || c > '9') {
			return false
		}
	}
	return true
}

func indexOf(ts []tensorSpec, name string) int {
	for i, t := range ts {
		if t.name == name {
			return i
		}
	}
	return -1
}

// kernel resolves one kernel's domain, buffers, scalars and code.
func (p *plan) kernel(k *artifact.Kernel, resolve resolveFunc, hostIndex map[string]int) (kernelPlan, error) {
	kp := kernelPlan{name: k.Name, kind: k.Kind}
	var err error
	if kp.domain, err = p.shape(k.Domain, false); err != nil {
		return kp, fmt.Errorf("domain: %w", err)
	}
	switch k.Kind {
	case "", artifact.KindLoop, artifact.KindLoops:
		// A loop kernel's units are its elements.
		kp.units = kp.domain
		if k.Units != nil {
			if kp.units, err = p.shape(k.Units, false); err != nil {
				return kp, fmt.Errorf("units: %w", err)
			}
		}
	case artifact.KindRows, artifact.KindAxis, artifact.KindTranspose:
		if kp.units, err = p.shape(k.Units, false); err != nil {
			return kp, fmt.Errorf("units: %w", err)
		}
	case artifact.KindContraction:
		if kp.gemm, err = p.contraction(k.Contraction); err != nil {
			return kp, err
		}
	default:
		return kp, fmt.Errorf("unknown kernel kind %q", k.Kind)
	}
	if kp.work, err = p.shape(k.UnitWork, false); err != nil {
		return kp, fmt.Errorf("unit work: %w", err)
	}
	for j, b := range k.Buffers {
		s, err := p.buffer(b)
		if err != nil {
			return kp, fmt.Errorf("buffer %d (%s %s): %w", j, b.Kind, b.Name, err)
		}
		kp.bufs = append(kp.bufs, s)
		kp.reread = append(kp.reread, b.Reread)
		kp.writes = append(kp.writes, b.Writes)
	}
	if err := checkParts(k); err != nil {
		return kp, err
	}
	kp.parts = k.Parts
	for j, s := range k.Scalars {
		if _, err := ParseDType(s.DType); err != nil {
			return kp, fmt.Errorf("scalar %d (%s): %w", j, s.Name, err)
		}
		if d, ok := strings.CutPrefix(s.Name, "#"); ok {
			n := p.symIndex(d)
			if n < 0 {
				return kp, fmt.Errorf("scalar %d: dimension %q is not bound by any input", j, d)
			}
			kp.scalars = append(kp.scalars, scalarSrc{kind: scalarDim, index: n})
			continue
		}
		if id, ok := strings.CutPrefix(s.Name, "%"); ok {
			if id == "" {
				return kp, fmt.Errorf("scalar %d: bad IR value %q", j, s.Name)
			}
			h, ok := hostIndex[s.Name]
			if !ok {
				h = len(p.hostRefs)
				hostIndex[s.Name] = h
				p.hostRefs = append(p.hostRefs, s.Name)
			}
			kp.scalars = append(kp.scalars, scalarSrc{kind: scalarHost, index: h})
			continue
		}
		i := -1
		for x, sp := range p.scalars {
			if sp.name == s.Name {
				i = x
			}
		}
		if i < 0 {
			return kp, fmt.Errorf("scalar %d: %q is neither a scalar parameter nor an IR value", j, s.Name)
		}
		kp.scalars = append(kp.scalars, scalarSrc{kind: scalarParam, index: i})
	}
	if kp.entry, err = resolve(k.Name, kp.gemm != nil); err != nil {
		return kp, err
	}
	return kp, nil
}

// contraction resolves the sizes of a contraction kernel.
func (p *plan) contraction(c *artifact.Contraction) (*gemmSpec, error) {
	if c == nil {
		return nil, fmt.Errorf("a contraction kernel without its sizes")
	}
	dt, err := ParseDType(c.DType)
	if err != nil || (dt != Float32 && dt != Float64) {
		return nil, fmt.Errorf("contraction in %q: only f32 and f64 accumulate", c.DType)
	}
	g := &gemmSpec{elemSize: int64(dt.Size())}
	for _, x := range []struct {
		what string
		ds   []string
		to   *[]dim
	}{{"batch", c.Batch, &g.batch}, {"m", c.M, &g.m}, {"n", c.N, &g.n}, {"k", c.K, &g.k}} {
		if *x.to, err = p.shape(x.ds, false); err != nil {
			return nil, fmt.Errorf("contraction %s: %w", x.what, err)
		}
	}
	return g, nil
}

// buffer resolves one buffer reference.
func (p *plan) buffer(b artifact.BufferRef) (slot, error) {
	dt, err := ParseDType(b.DType)
	if err != nil {
		return slot{}, err
	}
	check := func(t *tensorSpec) error {
		if t.dtype != dt {
			return fmt.Errorf("dtype %s, but the %s is %s", dt, b.Kind, t.dtype)
		}
		return nil
	}
	switch b.Kind {
	case artifact.BufInput:
		i := indexOf(p.inputs, b.Name)
		if i < 0 {
			return slot{}, fmt.Errorf("no such input")
		}
		if b.Writes {
			p.inputs[i].written = true
		}
		return slot{kind: slotInput, index: i}, check(&p.inputs[i])
	case artifact.BufOutput:
		i := indexOf(p.outputs, b.Name)
		if i < 0 {
			return slot{}, fmt.Errorf("no such output")
		}
		return slot{kind: slotOutput, index: i}, check(&p.outputs[i])
	case artifact.BufTemp:
		shape, err := p.shape(b.Shape, false)
		if err != nil {
			return slot{}, err
		}
		for i, t := range p.temps {
			if t.ref == b.Name {
				if t.dtype != dt || len(t.shape) != len(shape) {
					return slot{}, fmt.Errorf("declared differently by another kernel")
				}
				for d := range shape {
					if shape[d] != t.shape[d] {
						return slot{}, fmt.Errorf("declared differently by another kernel")
					}
				}
				return slot{kind: slotTemp, index: i}, nil
			}
		}
		p.temps = append(p.temps, tempSpec{ref: b.Name, dtype: dt, shape: shape})
		return slot{kind: slotTemp, index: len(p.temps) - 1}, nil
	}
	return slot{}, fmt.Errorf("unknown buffer kind %q", b.Kind)
}

// indexCheck resolves one index check: an integer input and the bound of its values.
func (p *plan) indexCheck(c artifact.IndexCheck) (indexCheck, error) {
	i := indexOf(p.inputs, c.Input)
	if i < 0 {
		return indexCheck{}, fmt.Errorf("no such input")
	}
	if !p.inputs[i].dtype.IsInt() {
		return indexCheck{}, fmt.Errorf("input is %s, not integers", p.inputs[i].dtype)
	}
	bound, err := p.shape([]string{c.Bound}, false)
	if err != nil {
		return indexCheck{}, fmt.Errorf("bound: %w", err)
	}
	return indexCheck{input: i, bound: bound[0], axis: c.Axis, of: c.Of}, nil
}

// resolveHost finds the IR function and checks that every host value kernels take exists.
func (p *plan) resolveHost(mod *ir.Module) error {
	if mod == nil {
		return fmt.Errorf("kernels take host values (%s), but the artifact has no %s section", p.hostRefs[0], artifact.SectionIR)
	}
	f := mod.Func(p.name)
	if f == nil {
		return fmt.Errorf("the %s section has no function %s", artifact.SectionIR, p.name)
	}
	p.hostIDs = p.hostIDs[:0]
	for _, ref := range p.hostRefs {
		found := false
		for _, v := range f.Body {
			if ir.Ref(v) == ref {
				if v.Group != ir.GroupHost {
					return fmt.Errorf("kernel scalar %s is not a host value in the %s section", ref, artifact.SectionIR)
				}
				p.hostIDs = append(p.hostIDs, v.ID)
				found = true
				break
			}
		}
		if !found {
			return fmt.Errorf("kernel scalar %s is not defined in the %s section", ref, artifact.SectionIR)
		}
	}
	p.host = f
	return nil
}

// computeAliasOK decides which output/input pairs may share memory. Within one kernel
// every element (every row of a row kernel) is read before it is written, so sharing
// is safe unless the kernel marks the input as reread (read again after it wrote
// something in the same unit); across kernels it is not once a later kernel reads an
// input that an earlier one overwrote.
func (p *plan) computeAliasOK() {
	firstWrite := make([]int, len(p.outputs)) // first kernel writing each output
	lastRead := make([]int, len(p.inputs))    // last kernel reading each input
	for i := range firstWrite {
		firstWrite[i] = len(p.kernels)
	}
	for i := range lastRead {
		lastRead[i] = -1
	}
	for k, kp := range p.kernels {
		for _, s := range kp.bufs {
			switch s.kind {
			case slotOutput:
				firstWrite[s.index] = min(firstWrite[s.index], k)
			case slotInput:
				lastRead[s.index] = k
			}
		}
	}
	p.aliasOK = make([][]bool, len(p.outputs))
	for o := range p.outputs {
		p.aliasOK[o] = make([]bool, len(p.inputs))
		for i := range p.inputs {
			p.aliasOK[o][i] = !p.inputs[i].written && lastRead[i] <= firstWrite[o]
		}
	}
	p.reread = make([][]bool, len(p.outputs))
	for o := range p.outputs {
		p.reread[o] = make([]bool, len(p.inputs))
	}
	for _, kp := range p.kernels {
		for a, in := range kp.bufs {
			if in.kind != slotInput || !kp.reread[a] {
				continue
			}
			for _, out := range kp.bufs {
				if out.kind == slotOutput && p.aliasOK[out.index][in.index] {
					p.aliasOK[out.index][in.index] = false
					p.reread[out.index][in.index] = true
				}
			}
		}
	}
}
