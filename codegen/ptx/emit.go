// This file builds the NVPTX module: for each kernel an entry (ptx_kernel)
// with the grid calling convention (artifact.ABIGrid) whose parameters are
// the unit count, the buffers, the scalars in their register types and the
// symbolic dimensions; and the body of a loop kernel, a grid-stride loop
// over elements around the elemental code. rows.go and axis.go emit the
// other kinds.
package ptx

import (
	"fmt"
	"runtime/debug"

	"dlc.dev/dlc/artifact"
	"dlc.dev/dlc/codegen"
	"dlc.dev/dlc/codegen/elemental"
	"dlc.dev/dlc/codegen/kernelir"
	"dlc.dev/dlc/codegen/plan"
	"dlc.dev/dlc/ir"

	llir "github.com/llir/llvm/ir"
	"github.com/llir/llvm/ir/constant"
	"github.com/llir/llvm/ir/enum"
	"github.com/llir/llvm/ir/types"
	"github.com/llir/llvm/ir/value"
)

// Threads per block. A loop or axis kernel is indifferent to it (every
// thread does the same per element); a row kernel's reductions combine in an
// order that depends on it, so it is fixed for every target and recorded in
// the entry.
const (
	loopBlock = 256
	rowBlock  = 256
	warp      = 32
)

// Symbol is the PTX entry name of kernel k of function fn: the CPU's name,
// so that a kernel is called the same on every target.
func Symbol(fn, k string) string { return "dlc_" + fn + "_" + k }

// Emit builds the NVPTX module of m for cuda target t: one entry per kernel,
// the target-neutral kernel descriptors per function in launch order, and
// the entry of every kernel on the GPU. Private functions are skipped. An
// error in the user's program that only this target cannot compile (a math
// function without a device form) is a positioned error; anything else is a
// *codegen.InternalError.
func Emit(m *ir.Module, t codegen.Target) (llvmIR string, kernels map[string][]artifact.Kernel, entries []artifact.Entry, err error) {
	if t.Kind != codegen.CUDA {
		return "", nil, nil, fmt.Errorf("ptx.Emit: target %s is not a cuda target", t.Name())
	}
	if err := checkMath(m, t); err != nil {
		return "", nil, nil, err
	}
	mod := kernelir.NewModule(t)
	e := newElemental(mod, t)
	kernels, entries, err = kernelir.EachKernel(m, func(p *plan.Kernel) (artifact.Entry, error) { return emitKernel(e, mod, p) })
	if err != nil {
		return "", nil, nil, err
	}
	if err := defineMath(mod, e); err != nil {
		return "", nil, nil, err
	}
	return mod.String(), kernels, entries, nil
}

// emitKernel emits the entry of kernel p and returns its artifact entry. A
// failure, or a panic below, is a *codegen.InternalError naming the kernel.
func emitKernel(e *elemental.Elemental, mod *llir.Module, p *plan.Kernel) (entry artifact.Entry, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = codegen.KernelError(p.Fn, p.Group, fmt.Errorf("panic: %v", r), string(debug.Stack()))
		}
	}()
	k := newKernel(e, mod, p)
	block := loopBlock
	switch p.Kind {
	case ir.RowKernel:
		block = rowBlock
		err = emitRows(k)
	case ir.AxisKernel:
		err = emitAxis(k)
	case ir.LoopKernel:
		err = emitLoop(k)
	case ir.LoopsKernel:
		err = emitLoops(k)
	default:
		err = fmt.Errorf("the GPU backend has no %s kernels", p.Kind)
	}
	if err != nil {
		return entry, codegen.KernelError(p.Fn, p.Group, err, "")
	}
	return artifact.Entry{Function: p.Fn.Name, Kernel: p.Group, Symbol: Symbol(p.Fn.Name, p.Group), ABI: artifact.ABIGrid, Block: block}, nil
}

// fail ends the emission of a kernel with an error (elemental.Fail).
func fail(format string, args ...any) { elemental.Fail(format, args...) }

// catch, deferred by each kernel emitter, turns a fail back into *err.
func catch(err *error) {
	if r := recover(); r != nil {
		*err = elemental.Recovered(r)
	}
}

// kernel is one kernel entry being emitted: its parameters in register form
// and the blocks emitted so far.
type kernel struct {
	e     *elemental.Elemental
	mod   *llir.Module
	p     *plan.Kernel
	fn    *llir.Func
	count value.Value // the number of units (i64)
	kernelir.Params
	entry  *llir.Block
	blocks int
}

// ScalarType is the PTX parameter type of a scalar of dtype d under
// artifact.ABIGrid: f32 for f32, f16 and bf16, double, i32, i64, i8 for bool.
func ScalarType(d ir.DType) types.Type {
	switch d {
	case ir.F32, ir.F16, ir.BF16:
		return types.Float
	case ir.F64:
		return types.Double
	case ir.I32:
		return types.I32
	case ir.I64:
		return types.I64
	case ir.Bool:
		return types.I8
	}
	panic(fmt.Sprintf("no scalar parameter type for %s", d))
}

// newKernel declares the entry of p and converts its scalars in the entry
// block: f16 and bf16 are rounded to their precision (the host rounded them
// to f32 already), a bool is the byte != 0.
func newKernel(e *elemental.Elemental, mod *llir.Module, p *plan.Kernel) *kernel {
	k := &kernel{e: e, mod: mod, p: p, Params: kernelir.NewParams()}
	count := llir.NewParam("count", types.I64)
	params := []*llir.Param{count}
	k.count = count
	for _, b := range p.Buffers {
		bp := llir.NewParam(kernelir.BufferParamName(b), types.NewPointer(e.MemType(b.Value.Type.DType)))
		params = append(params, bp)
		k.Ptrs = append(k.Ptrs, bp)
	}
	var sps []*llir.Param
	for _, s := range p.Scalars {
		sp := llir.NewParam("s."+plan.ValueName(s), ScalarType(s.Type.DType))
		params = append(params, sp)
		sps = append(sps, sp)
	}
	for _, d := range p.Dims {
		dp := llir.NewParam("dim."+d, types.I64)
		params = append(params, dp)
		k.Dims[d] = dp
	}
	k.fn = mod.NewFunc(Symbol(p.Fn.Name, p.Group), types.Void, params...)
	k.fn.CallingConv = enum.CallingConvPTXKernel
	k.fn.FuncAttrs = append(k.fn.FuncAttrs, enum.FuncAttrNoUnwind)
	k.entry = k.fn.NewBlock("entry")
	for i, s := range p.Scalars {
		var x value.Value = sps[i]
		switch d := s.Type.DType; d {
		case ir.F16, ir.BF16:
			x = e.Round(k.entry, d, x)
		case ir.Bool:
			x = k.entry.NewICmp(enum.IPredNE, x, constant.NewInt(types.I8, 0))
		}
		k.Scalars[s] = x
	}
	return k
}

// block appends a new block named after what it does.
func (k *kernel) block(name string) *llir.Block {
	k.blocks++
	return k.fn.NewBlock(fmt.Sprintf("%s.%d", name, k.blocks))
}

// sreg reads a PTX special register (tid.x, ntid.x, ctaid.x, nctaid.x) as i64.
func (k *kernel) sreg(b *llir.Block, name string) value.Value {
	f := k.e.Intrinsic("llvm.nvvm.read.ptx.sreg."+name, types.I32)
	return b.NewZExt(b.NewCall(f), types.I64)
}

// product is the product of the dimensions of s, in block b.
func (k *kernel) product(b *llir.Block, s ir.Shape) value.Value {
	return elemental.Product(b, s, k.Dim)
}

// gridLoop emits for (u = ctaid*ntid + tid; u < count; u += nctaid*ntid)
// after b: body gets the block and u and returns the block where an
// iteration ends. It returns the block after the loop.
func (k *kernel) gridLoop(b *llir.Block, name string, body func(b *llir.Block, u value.Value) *llir.Block) *llir.Block {
	ntid := k.sreg(b, "ntid.x")
	first := b.NewAdd(b.NewMul(k.sreg(b, "ctaid.x"), ntid), k.sreg(b, "tid.x"))
	stride := b.NewMul(k.sreg(b, "nctaid.x"), ntid)
	return k.loop(b, name, first, k.count, stride, body)
}

// loop emits for (i = from; i < to; i += step) { body } after b and returns
// the block after the loop.
func (k *kernel) loop(b *llir.Block, name string, from, to, step value.Value, body func(b *llir.Block, i value.Value) *llir.Block) *llir.Block {
	head, after := k.block(name), k.block(name+".done")
	b.NewCondBr(b.NewICmp(enum.IPredSLT, from, to), head, after)
	i := head.NewPhi(llir.NewIncoming(from, b))
	last := body(head, i)
	next := last.NewAdd(i, step)
	next.OverflowFlags = []enum.OverflowFlag{enum.OverflowFlagNSW}
	last.NewCondBr(last.NewICmp(enum.IPredSLT, next, to), head, after)
	i.Incs = append(i.Incs, llir.NewIncoming(next, last))
	// after last, for readability
	k.fn.Blocks = append(without(k.fn.Blocks, after), after)
	return after
}

func without(bs []*llir.Block, x *llir.Block) []*llir.Block {
	out := bs[:0]
	for _, b := range bs {
		if b != x {
			out = append(out, b)
		}
	}
	return out
}

func i64(n int64) constant.Constant { return constant.NewInt(types.I64, n) }

// elem is the address of element i of buffer bi.
func (k *kernel) elem(b *llir.Block, bi int, i value.Value) value.Value {
	g := b.NewGetElementPtr(k.e.MemType(k.p.Buffers[bi].Value.Type.DType), k.Ptrs[bi], i)
	g.InBounds = true
	return g
}

// emitLoop emits a loop kernel: scalar buffers are read and scalar-typed
// values computed once per thread, thread 0 of block 0 stores the
// scalar-typed outputs, and a grid-stride loop loads, computes and stores
// every element.
func emitLoop(k *kernel) (err error) {
	defer catch(&err)
	p, e := k.p, k.e
	vals := map[*ir.Value]value.Value{}
	for s, x := range k.Scalars {
		vals[s] = x
	}
	b := k.entry
	scalars := kernelir.ScalarBuffers(p)
	ptr := func(i int) value.Value { return k.Ptrs[i] }
	kernelir.LoadInputs(e, b, scalars, ptr, vals)
	var index value.Value
	compute := func(b *llir.Block, scalar bool) error {
		return k.e.EmitValues(b, k.p.Values, vals, scalar, func(v *ir.Value) value.Value { return iotaOf(k, b, v, index) }, nil)
	}
	if err := compute(b, true); err != nil {
		return err
	}
	if scalars.HasOutputs() {
		first, rest := k.block("first"), k.block("elements")
		gid := b.NewAdd(b.NewMul(k.sreg(b, "ctaid.x"), k.sreg(b, "ntid.x")), k.sreg(b, "tid.x"))
		b.NewCondBr(b.NewICmp(enum.IPredEQ, gid, i64(0)), first, rest)
		kernelir.StoreOutputs(e, first, scalars, ptr, vals)
		first.NewBr(rest)
		b = rest
	}
	var cerr error
	elems := kernelir.ElementBuffers(p)
	exit := k.gridLoop(b, "elem", func(b *llir.Block, i value.Value) *llir.Block {
		index = i
		at := func(bi int) value.Value { return k.elem(b, bi, i) }
		kernelir.LoadInputs(e, b, elems, at, vals)
		if cerr = compute(b, false); cerr != nil {
			return b
		}
		kernelir.StoreOutputs(e, b, elems, at, vals)
		return b
	})
	if cerr != nil {
		return cerr
	}
	exit.NewRet(nil)
	return nil
}

// iotaOf is element i's index along v.Axis of v's shape, (i / inner) % n,
// in v's integer dtype.
func iotaOf(k *kernel, b *llir.Block, v *ir.Value, i value.Value) value.Value {
	s := v.Type.Shape
	inner := k.product(b, s[v.Axis+1:])
	x := b.NewURem(b.NewUDiv(i, inner), k.Dim(s[v.Axis]))
	return kernelir.IntOf(b, x, v.Type.DType)
}
