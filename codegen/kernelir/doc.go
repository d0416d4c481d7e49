// Package kernelir emits the LLVM IR of a kernel that both backends emit the
// same way around the per-element code of codegen/elemental: a kernel's
// parameters in register form, the loads and stores of a loop kernel's
// elements, and most of a row kernel — how it addresses a buffer's part of
// the row under broadcasting, its per-row values, the element code of a pass
// and the phis that carry reduction states through a pass's loop — and the
// index arithmetic of gathers and scatters, in row and axis kernels alike.
//
// What differs between the backends stays in them, behind small hooks:
// where values that are the same for every row are computed (RowBackend),
// whether registers are named, how an element's index is formed and what a
// backend records about each load (ElemBackend), and how a pass iterates and
// combines its reductions (8 vector lanes on a CPU, 256 threads of a block
// on a GPU), which each backend writes around StateLoop.
//
// It is a package of its own because it fits neither neighbour: elemental
// emits one op on registers with no buffer, loop or calling convention in
// sight, and plan decides what a kernel reads and writes without emitting
// any code. kernelir addresses buffers and emits loops, but knows no ABI
// and no launch. Like elemental and plan it never imports codegen/cpu
// (codegen's deps_test.go checks it), so the GPU backend builds on it alone.
package kernelir
