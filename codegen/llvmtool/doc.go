// Package llvmtool finds the LLVM tools dlc runs (opt, llc, and the C driver
// that links a shared object) and runs them. Every backend that goes through
// LLVM uses it: the CPU backend for a shared object, a GPU backend for PTX
// (llc -march=nvptx64).
package llvmtool
