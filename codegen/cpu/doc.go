// Package cpu is the CPU backend: it lowers the scheduled graph IR to LLVM IR
// (built with github.com/llir/llvm, one exported function per fused kernel,
// its per-element code from codegen/elemental, its arguments from
// codegen/plan and the code it shares with the GPU backend from
// codegen/kernelir) and turns that into a shared object with opt, llc and the
// system linker.
//
// The pieces, one file each:
//
//	emit.go      the module, the ABI wrapper and the element loop of each kernel
//	rows.go      row kernels: per-row and per-element values, passes over a row
//	rowloop.go   one pass over a row: the scalar body, its vector clone, the tail
//	widen.go     cloning a scalar loop body onto <8 x T> vectors
//	rowshare.go  sharing one exp or div between complementary masked lanes
//	axis.go      axis kernels: one reduction or gather along a non-last axis
//	stream.go    a loop kernel's second entry point, with streaming stores
//	vecloop.go   a loop kernel's element code widened into a vector loop of dlc's own
//	bf16round.go the vector rounding to bf16 with vcvtneps2bf16 (Caps.BF16Round)
//	compile.go   running opt, llc and the linker
//
// RATIONALE.md explains the ABI and the aliasing contract; RATIONALE_rows.md
// the row and axis kernels.
package cpu
