// This file emits the streaming variant of a loop kernel, SYM.stream: the
// same kernel with its element outputs written by non-temporal (streaming)
// stores, which go to memory without first reading each cache line and
// without evicting the inputs from the caches. That is faster for outputs far
// larger than the last-level cache and slower for outputs that would have
// stayed in it, and wrong for an output that shares memory with an input
// (whose line was just read: nothing to gain). Sizes and aliasing are known
// only at run time, so the runtime chooses SYM or SYM.stream per call
// (artifact.Entry.Stream).
//
// Streaming stores must be aligned vector stores. SYM.stream peels the first
// elements off with the ordinary kernel until its first output is aligned to a
// vector, runs a vector loop whose stores carry !nontemporal and the vector's
// alignment, and finishes with the ordinary kernel. The vector loop is the
// scalar element code widened to 8 lanes (widen.go), as in row kernels;
// LLVM's loop vectoriser refuses a non-temporal store it cannot prove
// aligned. Every element is computed by the same element code, so both
// entry points give the same bits.
package cpu

import (
	"dlc.dev/dlc/codegen"
	"dlc.dev/dlc/codegen/elemental"
	"dlc.dev/dlc/codegen/plan"
	"dlc.dev/dlc/ir"

	llir "github.com/llir/llvm/ir"
	"github.com/llir/llvm/ir/constant"
	"github.com/llir/llvm/ir/enum"
	"github.com/llir/llvm/ir/metadata"
	"github.com/llir/llvm/ir/types"
	"github.com/llir/llvm/ir/value"
)

// streamSuffix makes the symbol of a kernel's streaming variant; no kernel
// symbol has a dot, so it cannot name another kernel.
const streamSuffix = ".stream"

// emitStream emits SYM.stream for loop kernel p, whose ordinary entry point
// is kernel (SYM), and returns its symbol; "" when p writes no element output or its
// element code cannot be widened (an iota's index arithmetic).
func emitStream(e *elemental.Elemental, mod *llir.Module, p *plan.Kernel, kernel *llir.Func, t codegen.Target) (string, error) {
	streamed := elementOutputs(p)
	if len(streamed) == 0 {
		return "", nil
	}
	if hasIota(p) {
		return "", nil
	}
	name := Symbol(p.Fn.Name, p.Group) + streamSuffix
	a := newABIFunc(e, mod, p, name, t)
	s := &streamFunc{e: e, mod: mod, p: p, a: a, streamed: streamed}
	if err := s.scalarValues(); err != nil {
		return "", err
	}
	s.ranges()
	s.code = newElementCode(e, p, a.ptrs, s.vals, streamed)
	if s.code == nil {
		mod.Funcs = mod.Funcs[:len(mod.Funcs)-1] // a.fn, the last function
		return "", nil
	}

	plain, pre, done := a.fn.NewBlock("plain"), a.fn.NewBlock("stream"), a.fn.NewBlock("stream.done")
	a.entry.NewCondBr(s.ok, pre, plain)
	callKernel(plain, kernel, a.begin, a.end, a.bufs, a.raw)
	plain.NewRet(nil)

	// The peel, then a vector loop over [mid, vend) for the values of the
	// invariant conditions, then the rest.
	callKernel(pre, kernel, a.begin, s.mid, a.bufs, a.raw)
	if !s.unswitch(pre, pre, done, s.invariantConds(), map[value.Value]bool{}) {
		mod.Funcs = mod.Funcs[:len(mod.Funcs)-1]
		return "", nil
	}
	callKernel(done, kernel, s.vend, a.end, a.bufs, a.raw)
	// Streaming stores are weakly ordered: fence them before the runtime
	// tells another thread that the chunk is done.
	done.NewCall(e.Intrinsic("llvm.x86.sse.sfence", types.Void))
	done.NewRet(nil)
	return name, nil
}

// callKernel calls the ordinary kernel for units [begin, end), and keeps
// opt from inlining it: a copy of its vectorised loop for the peel and for
// the rest would double the compile time and the object for nothing.
func callKernel(b *llir.Block, kernel *llir.Func, begin, end, bufs, scalars value.Value) {
	c := b.NewCall(kernel, begin, end, bufs, scalars)
	c.FuncAttrs = append(c.FuncAttrs, enum.FuncAttrNoInline)
}

// streamUnroll is how many vectors of elements one iteration of the vector
// loop computes and stores: two keep more loads in flight.
const streamUnroll = 2

// maxUnswitch is how many loop-invariant conditions the vector loop is
// specialised for (2^maxUnswitch loops at most).
const maxUnswitch = 2

// streamFunc is the state of one SYM.stream's emission.
type streamFunc struct {
	e        *elemental.Elemental
	mod      *llir.Module
	p        *plan.Kernel
	a        *abiFunc
	streamed []int                     // buffers written by streaming stores
	vals     map[*ir.Value]value.Value // scalar arguments and values, in entry
	mid      value.Value               // where the vector loop starts: the first output is aligned there
	vend     value.Value               // where it ends
	ok       value.Value               // whether to stream: aligned outputs, a vector to store
	code     *elementCode
	blocks   int // for unique block names
	nt       *metadata.Tuple
}

// block appends a new block named after what it does.
func (s *streamFunc) block(name string) *llir.Block {
	s.blocks++
	return s.a.fn.NewBlock(name + "." + itoa(s.blocks))
}

// scalarValues reads the scalar buffers and computes the scalar-typed values
// of the kernel in entry, for the vector loop.
func (s *streamFunc) scalarValues() error {
	s.vals = map[*ir.Value]value.Value{}
	for i, sc := range s.p.Scalars {
		s.vals[sc] = s.a.scalars[i]
	}
	entry := s.a.entry
	for i, b := range s.p.Buffers {
		if !b.Ref.Writes && b.Value.Type.IsScalar() {
			d := b.Value.Type.DType
			s.vals[b.Value] = s.e.Widen(entry, d, entry.NewLoad(s.e.MemType(d), s.a.ptrs[i]))
		}
	}
	return s.e.EmitValues(entry, s.p.Values, s.vals, true, nil, nameIR)
}

// vectorBytes is the size of one vector of buffer i's elements: the
// alignment its streaming stores need.
func (s *streamFunc) vectorBytes(i int) int64 {
	return int64(lanes * memSize(s.e.MemType(s.p.Buffers[i].Value.Type.DType)))
}

// misalignment is the address of element at of buffer i modulo n, in entry.
func (s *streamFunc) misalignment(i int, at value.Value, n int64) value.Value {
	b := s.a.entry
	mt := s.e.MemType(s.p.Buffers[i].Value.Type.DType)
	g := b.NewGetElementPtr(mt, s.a.ptrs[i], at)
	return b.NewAnd(b.NewPtrToInt(g, types.I64), i64(n-1))
}

// ranges works out, in entry, the vector loop's [mid, vend) and whether to
// stream at all: mid is the first element from begin at which the first
// output is aligned to a vector; the loop streams only when every output is
// aligned at mid (buffers whose start is not a multiple of their element
// size, or whose offsets differ, cannot all be) and at least one vector
// fits. Otherwise SYM.stream is the ordinary kernel.
func (s *streamFunc) ranges() {
	b, begin, end := s.a.entry, s.a.begin, s.a.end
	first := s.streamed[0]
	size := int64(memSize(s.e.MemType(s.p.Buffers[first].Value.Type.DType)))
	vb := s.vectorBytes(first)
	mis := s.misalignment(first, begin, vb)
	peel := b.NewUDiv(b.NewAnd(b.NewSub(i64(vb), mis), i64(vb-1)), i64(size))
	n := b.NewSub(end, begin)
	clamped := b.NewSelect(b.NewICmp(enum.IPredSLT, peel, n), peel, n)
	s.mid = b.NewAdd(begin, clamped)
	count := b.NewMul(b.NewSDiv(b.NewSub(end, s.mid), i64(streamUnroll*lanes)), i64(streamUnroll*lanes))
	s.vend = b.NewAdd(s.mid, count)
	var ok value.Value = b.NewAnd(b.NewICmp(enum.IPredSLT, begin, end), b.NewICmp(enum.IPredSGT, count, i64(0)))
	ok = b.NewAnd(ok, b.NewICmp(enum.IPredEQ, b.NewURem(mis, i64(size)), i64(0)))
	for _, i := range s.streamed[1:] {
		ok = b.NewAnd(ok, b.NewICmp(enum.IPredEQ, s.misalignment(i, s.mid, s.vectorBytes(i)), i64(0)))
	}
	s.ok = ok
}

// invariantConds are the conditions of the element code's selects that
// are the same for every element (a bool scalar argument, say clip_x0), at
// most maxUnswitch of them in order of appearance.
func (s *streamFunc) invariantConds() []value.Value {
	inCode := map[value.Value]bool{}
	for _, in := range s.code.insts {
		if v, ok := in.(value.Value); ok {
			inCode[v] = true
		}
	}
	var conds []value.Value
	seen := map[value.Value]bool{}
	for _, in := range s.code.insts {
		sel, ok := in.(*llir.InstSelect)
		if !ok || inCode[sel.Cond] || seen[sel.Cond] || len(conds) == maxUnswitch {
			continue
		}
		if _, isConst := sel.Cond.(constant.Constant); isConst {
			continue
		}
		seen[sel.Cond] = true
		conds = append(conds, sel.Cond)
	}
	return conds
}

// unswitch branches from b on each condition of conds in turn and emits, at
// each leaf, the vector loop with the conditions' values fixed (set): opt
// then drops the arms of selects that are never taken, which the loop would
// otherwise compute for every element (a clamp that clip_x0 turns off). pre
// dominates every loop and gets their splats. It reports whether the code
// could be widened.
func (s *streamFunc) unswitch(b, pre, done *llir.Block, conds []value.Value, set map[value.Value]bool) bool {
	if len(conds) == 0 {
		return s.vectorLoop(b, pre, done, set)
	}
	yes, no := s.block("stream.if"), s.block("stream.else")
	b.NewCondBr(conds[0], yes, no)
	for _, arm := range []struct {
		b   *llir.Block
		val bool
	}{{yes, true}, {no, false}} {
		set[conds[0]] = arm.val
		if !s.unswitch(arm.b, pre, done, conds[1:], set) {
			return false
		}
	}
	delete(set, conds[0])
	return true
}

// vectorLoop emits the vector loop over [mid, vend) after b, streamUnroll
// vectors of elements per iteration, with the conditions of set fixed, and
// branches to done after it.
func (s *streamFunc) vectorLoop(b, pre, done *llir.Block, set map[value.Value]bool) bool {
	loop := s.block("stream.vec")
	if s.code.vectorLoop(s.e, pre, b, loop, done, s.mid, s.vend, lanes, streamUnroll, set) != nil {
		return false
	}
	s.markStreaming(loop)
	return true
}

// markStreaming makes every vector store of vloop (each an element output)
// a streaming store, aligned to its vector.
func (s *streamFunc) markStreaming(vloop *llir.Block) {
	if s.nt == nil {
		s.nt = &metadata.Tuple{MetadataID: -1, Fields: []metadata.Field{constant.NewInt(types.I32, 1)}}
		s.mod.MetadataDefs = append(s.mod.MetadataDefs, s.nt)
	}
	for _, in := range vloop.Insts {
		st, ok := in.(*llir.InstStore)
		if !ok {
			continue
		}
		vt := st.Src.Type().(*types.VectorType)
		st.Align = llir.Align(int(vt.Len) * memSize(vt.ElemType))
		st.Metadata = append(st.Metadata, &metadata.Attachment{Name: "nontemporal", Node: s.nt})
	}
}
