// This file holds what every kernel of both backends starts from: the LLVM
// module, the walk over the kernels of a module, a kernel's parameters in
// register form, and the loads and stores of a loop kernel's elements.
package kernelir

import (
	"dlc.dev/dlc/artifact"
	"dlc.dev/dlc/codegen"
	"dlc.dev/dlc/codegen/elemental"
	"dlc.dev/dlc/codegen/plan"
	"dlc.dev/dlc/ir"

	llir "github.com/llir/llvm/ir"
	"github.com/llir/llvm/ir/constant"
	"github.com/llir/llvm/ir/types"
	"github.com/llir/llvm/ir/value"
)

// sourceFilename is the fixed source_filename of every module, so that the
// object (whose symbol table names it) does not depend on where dlc ran.
const sourceFilename = "dlc"

// NewModule is an empty LLVM module for target t.
func NewModule(t codegen.Target) *llir.Module {
	mod := llir.NewModule()
	mod.SourceFilename = sourceFilename
	mod.TargetTriple = t.Triple
	mod.DataLayout = t.DataLayout
	return mod
}

// EachKernel plans the kernels of every public function of m, in module
// order, and emits each with emit. It returns the kernel descriptors per
// function name in launch order and the entries emit returned, in order.
func EachKernel(m *ir.Module, emit func(p *plan.Kernel) (artifact.Entry, error)) (kernels map[string][]artifact.Kernel, entries []artifact.Entry, err error) {
	kernels = map[string][]artifact.Kernel{}
	entries = []artifact.Entry{}
	for _, f := range m.Funcs {
		if f.Private {
			continue
		}
		plans, err := plan.Kernels(f)
		if err != nil {
			return nil, nil, err
		}
		descs := make([]artifact.Kernel, 0, len(plans))
		for _, p := range plans {
			entry, err := emit(p)
			if err != nil {
				return nil, nil, err
			}
			descs = append(descs, p.Descriptor())
			entries = append(entries, entry)
		}
		kernels[f.Name] = descs
	}
	return kernels, entries, nil
}

// BufferParamName is the LLVM name of a buffer pointer: kind-prefixed, since a
// result may share its name with a parameter.
func BufferParamName(b plan.Buffer) string {
	switch b.Ref.Kind {
	case artifact.BufInput:
		return "in." + b.Ref.Name
	case artifact.BufOutput:
		return "out." + b.Ref.Name
	}
	return "tmp." + plan.ValueName(b.Value)
}

// Params are a kernel's arguments in register form, as its code uses them.
type Params struct {
	Ptrs    []value.Value             // per buffer, its element pointer
	Scalars map[*ir.Value]value.Value // scalar parameters and host values
	Dims    map[string]value.Value    // symbolic dimensions (i64)
}

// NewParams is a Params with empty maps.
func NewParams() Params {
	return Params{Scalars: map[*ir.Value]value.Value{}, Dims: map[string]value.Value{}}
}

// Dim is the size of dimension d as an i64.
func (p *Params) Dim(d ir.Dim) value.Value {
	if !d.IsSym() {
		return constant.NewInt(types.I64, d.N)
	}
	x, ok := p.Dims[d.Sym]
	if !ok {
		elemental.Fail("dimension %s is not an argument of the kernel (compiler bug)", d.Sym)
	}
	return x
}

// Buffers are some buffers of a kernel: LoadInputs and StoreOutputs take
// the inputs or the outputs among them.
type Buffers struct {
	p      *plan.Kernel
	which  []int // indices into p.Buffers, unless all
	all    bool
	scalar bool // the scalar-typed buffers, else the per-element ones
}

// ScalarBuffers are the scalar-typed buffers of p.
func ScalarBuffers(p *plan.Kernel) Buffers { return Buffers{p: p, all: true, scalar: true} }

// ElementBuffers are the per-element buffers of p.
func ElementBuffers(p *plan.Kernel) Buffers { return Buffers{p: p, all: true} }

// PartBuffers are the per-element buffers of p among which (indices into
// p.Buffers), in that order.
func PartBuffers(p *plan.Kernel, which []int) Buffers { return Buffers{p: p, which: which} }

// each calls f for each buffer of s that is written (out) or read (!out),
// in order.
func (s Buffers) each(out bool, f func(i int, b plan.Buffer)) {
	visit := func(i int) {
		b := s.p.Buffers[i]
		if b.Ref.Writes == out && b.Value.Type.IsScalar() == s.scalar {
			f(i, b)
		}
	}
	if s.all {
		for i := range s.p.Buffers {
			visit(i)
		}
		return
	}
	for _, i := range s.which {
		visit(i)
	}
}

// LoadInputs loads in b, for each input among s, the element at
// address at(i) (i the buffer's index), into vals in register form.
func LoadInputs(e *elemental.Elemental, b *llir.Block, s Buffers, at func(i int) value.Value, vals map[*ir.Value]value.Value) {
	s.each(false, func(i int, buf plan.Buffer) {
		d := buf.Value.Type.DType
		vals[buf.Value] = e.Widen(b, d, b.NewLoad(e.MemType(d), at(i)))
	})
}

// StoreOutputs stores in b, for each output among s, its value in
// vals to address at(i) (i the buffer's index), in its memory form.
func StoreOutputs(e *elemental.Elemental, b *llir.Block, s Buffers, at func(i int) value.Value, vals map[*ir.Value]value.Value) {
	s.each(true, func(i int, buf plan.Buffer) {
		b.NewStore(e.Narrow(b, buf.Value.Type.DType, vals[buf.Value]), at(i))
	})
}

// HasOutputs reports whether s holds an output.
func (s Buffers) HasOutputs() bool {
	n := 0
	s.each(true, func(int, plan.Buffer) { n++ })
	return n > 0
}
