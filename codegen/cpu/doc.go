// Package llvm is the CPU backend: it lowers the scheduled graph IR to LLVM IR
// (built with github.com/llir/llvm, one exported function per fused kernel) and
// turns that into a shared object with opt, llc and the system linker.
//
// The pieces, one file each:
//
//	storage.go   dtypes in registers and in memory, loads, stores, scalar arguments
//	elemental.go the per-element emitter: a table from ir.Op to a lowering
//	mathlib.go   the library functions that transcendental ops call (f64, pow)
//	vecmath.go   f32 exp, expm1, log, log1p, tanh, sigmoid, erf inline, so loops vectorise
//	plan.go      what one kernel reads and writes (the artifact.Kernel descriptor)
//	emit.go      the module, the ABI wrapper and the element loop of each kernel
//	rows.go      row kernels: per-row and per-element values, passes over a row
//	rowloop.go   one pass over a row: the scalar body, its vector clone, the tail
//	widen.go     cloning a scalar loop body onto <8 x T> vectors
//	reduce.go    fixed-lane reductions, including the online log-sum-exp
//	rowshare.go  sharing one exp or div between complementary masked lanes
//	axis.go      axis kernels: one reduction or gather along a non-last axis
//	index.go     the gather index checks the runtime runs before any kernel
//	tools.go     finding opt, llc and a linker
//	compile.go   running them
//
// RATIONALE.md explains the ABI, the aliasing contract and the numerics;
// RATIONALE_rows.md the row and axis kernels.
package cpu
