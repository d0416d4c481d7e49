// This file builds the LLVM module: for each kernel, an internal body function
// with noalias buffer pointers (for a loop kernel a plain loop over elements
// [begin, end); rows.go and axis.go emit the others) and an exported wrapper
// with the runtime's ABI that unpacks buffers and scalars.
package cpu

import (
	"fmt"
	"runtime/debug"
	"slices"
	"strings"

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

// Symbol is the exported name of kernel k (its IR placement group) of
// function fn in the shared object.
func Symbol(fn, k string) string { return "dlc_" + fn + "_" + k }

// Emit builds the LLVM module (one exported function per kernel, a second
// one for a loop kernel with streaming stores, and ParallelSymbol), the target-neutral kernel
// descriptors per IR function name in launch order, and the entry of every
// kernel on the CPU (its symbols and calling convention), function by
// function in module order. Private functions are skipped. A zero Target
// means codegen.CPUTarget(codegen.DefaultCPU). An error is a
// *codegen.InternalError naming the function and the kernel.
func Emit(m *ir.Module, t codegen.Target) (llvmIR string, kernels map[string][]artifact.Kernel, entries []artifact.Entry, err error) {
	return emit(m, t, emitOptions{outline: true, unswitch: true})
}

// emitOptions are choices of Emit that tests compare, each of which Emit
// always makes: outline repeated element code of large row loops
// (outline.go), and unswitch loop kernels on their select flags
// (emitWrapper).
type emitOptions struct {
	outline  bool
	unswitch bool
}

// emit is Emit with options.
func emit(m *ir.Module, t codegen.Target, opt emitOptions) (llvmIR string, kernels map[string][]artifact.Kernel, entries []artifact.Entry, err error) {
	if t.Triple == "" {
		t = codegen.CPUTarget(codegen.DefaultCPU)
	}
	mod := kernelir.NewModule(t)
	e := elemental.NewElemental(mod, elemental.LibmCalls(), t)
	kernels, entries, err = kernelir.EachKernel(m, func(p *plan.Kernel) (artifact.Entry, error) { return emitKernel(e, mod, p, t, opt) })
	if err != nil {
		return "", nil, nil, err
	}
	emitParallel(mod)
	return mod.String(), kernels, entries, nil
}

// emitKernel emits the body and the exported entry points of kernel p (a
// loop kernel has a streaming one, stream.go) and returns its entry. A
// failure, or a panic anywhere below, is a *codegen.InternalError naming the
// kernel.
func emitKernel(e *elemental.Elemental, mod *llir.Module, p *plan.Kernel, t codegen.Target, opt emitOptions) (entry artifact.Entry, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = codegen.KernelError(p.Fn, p.Group, fmt.Errorf("panic: %v", r), string(debug.Stack()))
		}
	}()
	if p.Kind == ir.ContractionKernel {
		if entry, err = emitContraction(e, mod, p, t); err != nil {
			return entry, codegen.KernelError(p.Fn, p.Group, err, "")
		}
		return entry, nil
	}
	var body *llir.Func
	switch p.Kind {
	case ir.LoopsKernel:
		entry = artifact.Entry{Function: p.Fn.Name, Kernel: p.Group, Symbol: Symbol(p.Fn.Name, p.Group), ABI: artifact.ABIChunk}
		if err := emitLoops(e, mod, p, t); err != nil {
			return entry, codegen.KernelError(p.Fn, p.Group, err, "")
		}
		return entry, nil
	case ir.TransposeKernel:
		body, err = emitTranspose(e, mod, p, t)
	case ir.RowKernel:
		body, err = emitRows(e, mod, p, t, opt)
	case ir.AxisKernel:
		body, err = emitAxis(e, mod, p, t)
	default:
		body, err = emitBody(e, mod, p, t)
	}
	if err != nil {
		return entry, codegen.KernelError(p.Fn, p.Group, err, "")
	}
	entry = artifact.Entry{Function: p.Fn.Name, Kernel: p.Group, Symbol: Symbol(p.Fn.Name, p.Group), ABI: artifact.ABIChunk}
	wrapper := emitWrapper(e, mod, p, body, t, opt)
	if p.Kind == ir.LoopKernel {
		if entry.Stream, err = emitStream(e, mod, p, wrapper, t); err != nil {
			return entry, codegen.KernelError(p.Fn, p.Group, err, "")
		}
	}
	return entry, nil
}

// targetAttrs are the function attributes that let opt's cost model see the
// CPU and the features added to it or taken from it.
func targetAttrs(t codegen.Target) []llir.FuncAttribute {
	attrs := []llir.FuncAttribute{enum.FuncAttrNoUnwind}
	if t.CPU != "" {
		attrs = append(attrs, llir.AttrPair{Key: "target-cpu", Value: t.CPU})
	}
	if len(t.Attrs) > 0 {
		attrs = append(attrs, llir.AttrPair{Key: "target-features", Value: strings.Join(t.Attrs, ",")})
	}
	return attrs
}

// emitBody emits
//
//	internal void SYM.body(i64 begin, i64 end, T0* noalias, ..., S0, ...) alwaysinline
//
// which loads every input element, computes the group in IR order and stores
// every output element, for i in [begin, end). Scalar-typed values of the group
// are computed once before the loop; scalar-typed outputs are written by the
// chunk that starts at element 0. On a target with Caps.BF16Round, a loop
// that rounds to bf16 first runs a vector loop of its own over the whole
// vectors (bf16Loop), and the loop finishes the rest.
func emitBody(e *elemental.Elemental, mod *llir.Module, p *plan.Kernel, t codegen.Target) (_ *llir.Func, err error) {
	defer catch(&err)
	bf := newBody(e, mod, p, t)
	fn, end := bf.fn, bf.end
	vals := map[*ir.Value]value.Value{}
	for s, x := range bf.Scalars {
		vals[s] = x
	}

	var index value.Value // the loop's element index, once inside the loop
	compute := func(b *llir.Block, scalar bool) error {
		return e.EmitValues(b, p.Values, vals, scalar, func(v *ir.Value) value.Value { return iotaOf(b, bf, v, index) }, nameIR)
	}

	// Before the loop: scalar buffers read, scalar values computed.
	entry := fn.NewBlock("entry")
	scalars := kernelir.ScalarBuffers(p)
	kernelir.LoadInputs(e, entry, scalars, func(i int) value.Value { return bf.Ptrs[i] }, vals)
	if err := compute(entry, true); err != nil {
		return nil, err
	}
	head := bf.storeScalars(e, entry, scalars, vals)
	start, head, tail, err := bf.bf16Loop(e, p, t, head, vals)
	if err != nil {
		return nil, err
	}
	loop, exit := fn.NewBlock("loop"), fn.NewBlock("exit")
	head.NewCondBr(head.NewICmp(enum.IPredSLT, start, end), loop, exit)

	// The loop: load, compute, store element i.
	i := loop.NewPhi(llir.NewIncoming(start, head))
	i.SetName("i")
	index = i
	elem := func(k int) value.Value {
		gep := loop.NewGetElementPtr(e.MemType(p.Buffers[k].Value.Type.DType), bf.Ptrs[k], i)
		gep.InBounds = true
		return gep
	}
	elems := kernelir.ElementBuffers(p)
	kernelir.LoadInputs(e, loop, elems, elem, vals)
	if err := compute(loop, false); err != nil {
		return nil, err
	}
	kernelir.StoreOutputs(e, loop, elems, elem, vals)
	next := loop.NewAdd(i, constant.NewInt(types.I64, 1))
	next.OverflowFlags = []enum.OverflowFlag{enum.OverflowFlagNUW, enum.OverflowFlagNSW}
	next.SetName("i.next")
	back := loop.NewCondBr(loop.NewICmp(enum.IPredEQ, next, end), exit, loop)
	if tail {
		back.Metadata = append(back.Metadata, scalarLoop(mod))
	}
	i.Incs = append(i.Incs, llir.NewIncoming(next, loop))
	exit.NewRet(nil)
	return fn, nil
}

// storeScalars stores the scalar-typed outputs among scalars (their values
// in vals) when the chunk starts at element 0, after entry, and returns the
// block that continues: entry itself when there are none.
func (bf *bodyFunc) storeScalars(e *elemental.Elemental, entry *llir.Block, scalars kernelir.Buffers, vals map[*ir.Value]value.Value) *llir.Block {
	if !scalars.HasOutputs() {
		return entry
	}
	first, check := bf.fn.NewBlock("first"), bf.fn.NewBlock("check")
	entry.NewCondBr(entry.NewICmp(enum.IPredEQ, bf.begin, constant.NewInt(types.I64, 0)), first, check)
	kernelir.StoreOutputs(e, first, scalars, func(i int) value.Value { return bf.Ptrs[i] }, vals)
	first.NewBr(check)
	return check
}

// bodyFunc is the internal body function of a kernel and its parameters:
//
//	internal void SYM.body(i64 begin, i64 end, T0* noalias, ..., S0, ..., i64 #D0, ...) alwaysinline
type bodyFunc struct {
	fn         *llir.Func
	begin, end *llir.Param
	kernelir.Params
}

// newBody declares the body function of p.
func newBody(e *elemental.Elemental, mod *llir.Module, p *plan.Kernel, t codegen.Target) *bodyFunc {
	bf := &bodyFunc{begin: llir.NewParam("begin", types.I64), end: llir.NewParam("end", types.I64), Params: kernelir.NewParams()}
	params := []*llir.Param{bf.begin, bf.end}
	for _, b := range p.Buffers {
		bp := llir.NewParam(kernelir.BufferParamName(b), types.NewPointer(e.MemType(b.Value.Type.DType)))
		bp.Attrs = append(bp.Attrs, enum.ParamAttrNoAlias, enum.ParamAttrNoCapture)
		params = append(params, bp)
		bf.Ptrs = append(bf.Ptrs, bp)
	}
	for _, s := range p.Scalars {
		sp := llir.NewParam("s."+plan.ValueName(s), elemental.RegType(s.Type.DType))
		params = append(params, sp)
		bf.Scalars[s] = sp
	}
	for _, d := range p.Dims {
		dp := llir.NewParam("dim."+d, types.I64)
		params = append(params, dp)
		bf.Dims[d] = dp
	}
	bf.fn = mod.NewFunc(Symbol(p.Fn.Name, p.Group)+".body", types.Void, params...)
	bf.fn.Linkage = enum.LinkageInternal
	bf.fn.FuncAttrs = append([]llir.FuncAttribute{enum.FuncAttrAlwaysInline}, targetAttrs(t)...)
	return bf
}

// iotaOf is element i's index along v.Axis of v's shape, (i / inner) % n,
// in v's integer dtype (a loop kernel with an iota takes its dimensions).
func iotaOf(b *llir.Block, bf *bodyFunc, v *ir.Value, i value.Value) value.Value {
	s := v.Type.Shape
	var inner value.Value = constant.NewInt(types.I64, 1)
	for _, d := range s[v.Axis+1:] {
		inner = b.NewMul(inner, bf.Dim(d))
	}
	x := b.NewURem(b.NewUDiv(i, inner), bf.Dim(s[v.Axis]))
	if v.Type.DType == ir.I32 {
		return b.NewTrunc(x, types.I32)
	}
	return x
}

// emitWrapper emits the exported kernel with the runtime's ABI (see
// artifact.ABIChunk): void SYM(i64 begin, i64 end, i8** bufs, double* scalars).
// It casts each buffer pointer to its element type, converts each scalar from
// double to its dtype once (a dimension "#D" to i64), and calls the body,
// which opt inlines. A loop kernel whose per-element selects choose by bool
// scalar arguments calls it once per combination of their values, each with
// the values fixed (callUnswitched).
func emitWrapper(e *elemental.Elemental, mod *llir.Module, p *plan.Kernel, body *llir.Func, t codegen.Target, opt emitOptions) *llir.Func {
	a := newABIFunc(e, mod, p, Symbol(p.Fn.Name, p.Group), t)
	var conds []int
	if p.Kind == ir.LoopKernel && opt.unswitch {
		conds = selectFlags(p)
	}
	a.callUnswitched(a.entry, body, conds, a.scalars)
	return a.fn
}

// selectFlags lists the bool scalar arguments of loop kernel p (indices
// into p.Scalars) that choose between the arms of a per-element select,
// such as ddim_step's clip_x0, at most maxUnswitch of them in order of
// appearance.
func selectFlags(p *plan.Kernel) []int {
	var flags []int
	for _, v := range p.Values {
		if v.Op != ir.OpSelect || v.Type.IsScalar() || !v.Args[0].Type.IsScalar() {
			continue
		}
		j := slices.Index(p.Scalars, v.Args[0])
		if j >= 0 && !slices.Contains(flags, j) && len(flags) < maxUnswitch {
			flags = append(flags, j)
		}
	}
	return flags
}

// callUnswitched branches from b on each scalar argument of conds in turn
// and, at each leaf, calls body with those arguments fixed to their value:
// body is inlined once per combination, so opt drops the arm of each select
// that is never taken instead of computing it for every element and throwing
// it away (it does not unswitch a loop on a select itself). The kernel tests
// the flags once per call, and each element computes what it did before.
func (a *abiFunc) callUnswitched(b *llir.Block, body *llir.Func, conds []int, scalars []value.Value) {
	if len(conds) == 0 {
		b.NewCall(body, append(append([]value.Value{a.begin, a.end}, a.ptrs...), scalars...)...)
		b.NewRet(nil)
		return
	}
	j := conds[0]
	n := len(a.fn.Blocks) // block names must be unique: the flags nest
	yes, no := a.fn.NewBlock(fmt.Sprintf("flag%d.true.%d", j, n)), a.fn.NewBlock(fmt.Sprintf("flag%d.false.%d", j, n))
	b.NewCondBr(scalars[j], yes, no)
	for _, arm := range []struct {
		b   *llir.Block
		val bool
	}{{yes, true}, {no, false}} {
		fixed := slices.Clone(scalars)
		fixed[j] = constant.NewBool(arm.val)
		a.callUnswitched(arm.b, body, conds[1:], fixed)
	}
}

// abiFunc is an exported function with the runtime's ABI and its arguments
// unpacked in its entry block.
type abiFunc struct {
	fn         *llir.Func
	entry      *llir.Block
	begin, end *llir.Param
	bufs, raw  *llir.Param   // the buffer and scalar arrays as the runtime passes them
	ptrs       []value.Value // per buffer, its element pointer
	scalars    []value.Value // per scalar, in register form; then the dimensions (i64)
}

// newABIFunc declares the exported function name with the runtime's ABI for
// kernel p and unpacks its buffers and scalars.
func newABIFunc(e *elemental.Elemental, mod *llir.Module, p *plan.Kernel, name string, t codegen.Target) *abiFunc {
	i8p := types.NewPointer(types.I8)
	a := &abiFunc{begin: llir.NewParam("begin", types.I64), end: llir.NewParam("end", types.I64)}
	bufs, scalars := llir.NewParam("bufs", types.NewPointer(i8p)), llir.NewParam("scalars", types.NewPointer(types.Double))
	a.bufs, a.raw = bufs, scalars
	a.fn = mod.NewFunc(name, types.Void, a.begin, a.end, bufs, scalars)
	a.fn.FuncAttrs = targetAttrs(t)
	b := a.fn.NewBlock("entry")
	a.entry = b
	for j, bp := range p.Buffers {
		slot := b.NewGetElementPtr(i8p, bufs, constant.NewInt(types.I64, int64(j)))
		slot.InBounds = true
		raw := value.Value(b.NewLoad(i8p, slot))
		if pt := types.NewPointer(e.MemType(bp.Value.Type.DType)); !types.Equal(pt, i8p) {
			raw = b.NewBitCast(raw, pt)
		}
		a.ptrs = append(a.ptrs, raw)
	}
	for j, s := range p.Scalars {
		slot := b.NewGetElementPtr(types.Double, scalars, constant.NewInt(types.I64, int64(j)))
		slot.InBounds = true
		a.scalars = append(a.scalars, e.FromDouble(b, s.Type.DType, b.NewLoad(types.Double, slot)))
	}
	for j := range p.Dims {
		slot := b.NewGetElementPtr(types.Double, scalars, constant.NewInt(types.I64, int64(len(p.Scalars)+j)))
		slot.InBounds = true
		a.scalars = append(a.scalars, e.FromDouble(b, ir.I64, b.NewLoad(types.Double, slot)))
	}
	return a
}

// bodyArgs are the arguments of the body function for units [begin, end).
func (a *abiFunc) bodyArgs(begin, end value.Value) []value.Value {
	return append(append([]value.Value{begin, end}, a.ptrs...), a.scalars...)
}

// nameValue names a freshly emitted instruction after the IR value it computes;
// operands passed through unchanged (a cast to the same dtype) keep their names.
func nameValue(x value.Value, name string) {
	n, ok := x.(interface {
		IsUnnamed() bool
		SetName(string)
	})
	if _, isParam := x.(*llir.Param); ok && !isParam && n.IsUnnamed() {
		n.SetName(name)
	}
}

// nameIR names x, the LLVM value of v, after v (plan.ValueName).
func nameIR(v *ir.Value, x value.Value) { nameValue(x, plan.ValueName(v)) }
