// Package codegen holds what every code generator shares about where code
// runs: the Target, which passes and emitters ask instead of testing a CPU
// name. The code generators are its subpackages:
//
//	elemental  per-element code on register values: the op lowerings, how
//	           dtypes are stored (f16, bf16), which math library computes what,
//	           the inline vector math, and reduction arithmetic for any number
//	           of lanes
//	plan       what each kernel of a scheduled function reads and writes, in
//	           the order the runtime passes it (the artifact.Kernel descriptor)
//	kernelir   the LLVM IR both backends emit the same way around the
//	           elemental code: parameters, a loop kernel's loads and stores,
//	           and a row kernel's addressing, values, element code and loop
//	           states, with hooks for what differs
//	cpu        the CPU backend: loop, row and axis kernels around the elemental
//	           code, their vector loops, and the opt/llc/link driver
//	ptx        the GPU backend: the same kernels as PTX entries, thread-block
//	           reductions, and the opt/llc driver for NVPTX
//	llvmtool   finding LLVM's opt and llc (and a linker) and running them
//
// elemental, plan, kernelir and llvmtool never import cpu (deps_test.go
// checks it), so another backend builds on them alone. RATIONALE.md says
// where the lines fall and why.
package codegen
