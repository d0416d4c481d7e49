// This file emits the entry point that runs one launch of a kernel over a
// team of threads of OpenMP's runtime (libgomp), which the shared object is
// linked against: the runtime makes one call per launch instead of one per
// chunk and per worker. RATIONALE.md ("Threads") says why the team is not
// made of Go goroutines.
package cpu

import (
	llir "github.com/llir/llvm/ir"
	"github.com/llir/llvm/ir/constant"
	"github.com/llir/llvm/ir/enum"
	"github.com/llir/llvm/ir/types"
	"github.com/llir/llvm/ir/value"
)

// ParallelSymbol is the exported entry point that runs a launch on a team:
//
//	void dlc_parallel(void (*fn)(i64 begin, i64 end, i8** bufs, double* scalars),
//	                  i64 begin, i64 count, i64 chunk, i8** bufs, double* scalars, i64 threads)
//
// calls fn on units [begin, begin+count) in chunks of chunk units, which the
// threads of a team of the given size (the caller included) claim from an
// atomic counter until none is left, and returns when every chunk is done.
// Which thread runs a chunk does not change any bits: chunks are independent
// and every kernel computes a unit the same way whatever its chunk.
const ParallelSymbol = "dlc_parallel"

// Linux's signal-mask constants (pthread_sigmask) and glibc's sigset_t size.
const (
	sigBlock    = 0
	sigSetMask  = 2
	sigsetWords = 16 // 1024 bits
	gompNoFlags = 0
	// unblocked is the first word of the blocked set: every signal but
	// those a faulting instruction raises (SIGILL, SIGTRAP, SIGBUS, SIGFPE,
	// SIGSEGV; bit n-1 is signal n), which stay with Go's handler so that
	// a fault still ends in Go's report, and SIGPROF, which Go's handler
	// takes on any thread (a sample of code outside Go), so that a CPU
	// profile still counts the time in kernels.
	unblocked = ^int64(1<<3 | 1<<4 | 1<<6 | 1<<7 | 1<<10 | 1<<26)
)

// emitParallel adds ParallelSymbol to mod.
//
// Every thread of a team is created by libgomp inside the call, and inherits
// the caller's signal mask. The caller is a thread of a Go program, which
// takes every signal; a signal delivered to a thread Go did not create goes
// through Go's handler for foreign threads. So the call blocks every signal
// around the team's work, and the threads libgomp creates block them for
// good: the process's signals keep going to Go's own threads. Blocking and
// restoring the mask are two system calls per launch, a fraction of a
// microsecond. Signals raised by a faulting instruction, and the profiling
// signal, are not blocked.
func emitParallel(mod *llir.Module) {
	i8p := types.NewPointer(types.I8)
	chunkFn := types.NewPointer(types.NewFunc(types.Void, types.I64, types.I64, types.NewPointer(i8p), types.NewPointer(types.Double)))
	// The team's shared state: what to call, the range, the counter.
	job := mod.NewTypeDef(ParallelSymbol+".job", types.NewStruct(chunkFn, types.I64, types.I64, types.I64, types.NewPointer(i8p), types.NewPointer(types.Double), types.I64))
	const (
		fFn = iota
		fBegin
		fCount
		fChunk
		fBufs
		fScalars
		fNext
	)
	jobPtr := types.NewPointer(job)
	field := func(b *llir.Block, p value.Value, i int64) value.Value {
		g := b.NewGetElementPtr(job, p, constant.NewInt(types.I32, 0), constant.NewInt(types.I32, i))
		g.InBounds = true
		return g
	}

	// The function every thread of the team runs: claim chunks until none is left.
	data := llir.NewParam("data", i8p)
	work := mod.NewFunc("dlc_parallel.work", types.Void, data)
	work.Linkage = enum.LinkageInternal
	{
		entry, loop, call, done := work.NewBlock("entry"), work.NewBlock("claim"), work.NewBlock("call"), work.NewBlock("done")
		j := entry.NewBitCast(data, jobPtr)
		load := func(b *llir.Block, t types.Type, i int64) value.Value { return b.NewLoad(t, field(b, j, i)) }
		fn := load(entry, chunkFn, fFn)
		begin, count, chunk := load(entry, types.I64, fBegin), load(entry, types.I64, fCount), load(entry, types.I64, fChunk)
		bufs, scalars := load(entry, types.NewPointer(i8p), fBufs), load(entry, types.NewPointer(types.Double), fScalars)
		next := field(entry, j, fNext)
		entry.NewBr(loop)

		c := loop.NewAtomicRMW(enum.AtomicOpAdd, next, constant.NewInt(types.I64, 1), enum.AtomicOrderingMonotonic)
		lo := loop.NewMul(c, chunk)
		loop.NewCondBr(loop.NewICmp(enum.IPredSLT, lo, count), call, done)

		hi := call.NewAdd(lo, chunk)
		hi2 := call.NewSelect(call.NewICmp(enum.IPredSLT, hi, count), hi, count)
		call.NewCall(fn, call.NewAdd(begin, lo), call.NewAdd(begin, hi2), bufs, scalars)
		call.NewBr(loop)
		done.NewRet(nil)
	}

	gomp := mod.NewFunc("GOMP_parallel", types.Void,
		llir.NewParam("fn", types.NewPointer(work.Sig)), llir.NewParam("data", i8p),
		llir.NewParam("num_threads", types.I32), llir.NewParam("flags", types.I32))
	sigmask := mod.NewFunc("pthread_sigmask", types.I32,
		llir.NewParam("how", types.I32), llir.NewParam("set", i8p), llir.NewParam("oldset", i8p))

	params := []*llir.Param{
		llir.NewParam("fn", chunkFn), llir.NewParam("begin", types.I64), llir.NewParam("count", types.I64),
		llir.NewParam("chunk", types.I64), llir.NewParam("bufs", types.NewPointer(i8p)),
		llir.NewParam("scalars", types.NewPointer(types.Double)), llir.NewParam("threads", types.I64),
	}
	f := mod.NewFunc(ParallelSymbol, types.Void, params...)
	b := f.NewBlock("entry")
	j := b.NewAlloca(job)
	for i, p := range params[:fScalars+1] {
		b.NewStore(p, field(b, j, int64(i)))
	}
	b.NewStore(constant.NewInt(types.I64, 0), field(b, j, fNext))
	sigset := types.NewArray(sigsetWords, types.I64)
	all, old := b.NewAlloca(sigset), b.NewAlloca(sigset)
	for i := range int64(sigsetWords) {
		g := b.NewGetElementPtr(sigset, all, constant.NewInt(types.I32, 0), constant.NewInt(types.I32, i))
		g.InBounds = true
		w := int64(-1)
		if i == 0 {
			w = unblocked
		}
		b.NewStore(constant.NewInt(types.I64, w), g)
	}
	allp, oldp := b.NewBitCast(all, i8p), b.NewBitCast(old, i8p)
	b.NewCall(sigmask, constant.NewInt(types.I32, sigBlock), allp, oldp)
	b.NewCall(gomp, work, b.NewBitCast(j, i8p), b.NewTrunc(params[6], types.I32), constant.NewInt(types.I32, gompNoFlags))
	b.NewCall(sigmask, constant.NewInt(types.I32, sigSetMask), oldp, constant.NewNull(i8p))
	b.NewRet(nil)
}
