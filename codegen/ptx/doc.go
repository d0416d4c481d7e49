// Package ptx is the NVIDIA GPU backend: it lowers the scheduled graph IR to
// LLVM IR for the NVPTX target (one kernel entry per fused kernel, its
// per-element code from codegen/elemental, its arguments from codegen/plan
// and the code it shares with the CPU backend from codegen/kernelir) and
// turns that into PTX with opt and llc. The CUDA driver JIT-compiles the PTX
// when the runtime loads it.
//
// The pieces, one file each:
//
//	emit.go     the module, the kernel entry and its parameters, loop kernels
//	            (a grid-stride loop over elements)
//	rows.go     row kernels: a thread block per row, passes over the row,
//	            block reductions by warp shuffles in a fixed order (how a row
//	            addresses its buffers and computes its values is
//	            codegen/kernelir's, shared with the CPU)
//	axis.go     axis kernels: a thread per output position
//	devmath.go  the math the GPU calls instead of expanding (erfc, sin, cos on
//	            f32, with the elemental layer's inline bodies), and the error for
//	            math without a GPU form
//	compile.go  running opt and llc, and checking the LLVM version for the sm
//	check.go    the checks every PTX text must pass (entries, no calls)
//
// RATIONALE.md explains the launch shapes, the reductions and the numerics.
package ptx
