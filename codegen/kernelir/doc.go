// Package kernelir emits the LLVM IR of a kernel that both backends emit the
// same way around the per-element code of codegen/elemental: the module and
// the walk over its kernels, a kernel's parameters in register form, and the
// loads and stores of a loop kernel's elements.
//
// It is a package of its own because it fits neither neighbour: elemental
// emits one op on registers with no buffer, loop or calling convention in
// sight, and plan decides what a kernel reads and writes without emitting
// any code. kernelir addresses buffers, but knows no ABI and no launch. Like
// elemental and plan it never imports codegen/cpu (codegen's deps_test.go
// checks it), so the GPU backend builds on it alone.
package kernelir
