// Package elemental emits the per-element code of a kernel into LLVM IR
// (github.com/llir/llvm): one IR op on register values at a time, with no
// loop, buffer or calling convention in sight, so that every backend wraps
// the same code in its own loop (a CPU element loop, a GPU thread).
//
// The pieces, one file each:
//
//	storage.go      dtypes in registers and in memory: loads widen, stores
//	                narrow, scalar arguments arrive as doubles
//	elemental.go    the emitter: a table from ir.Op to a lowering
//	mathlib.go      the library functions transcendental ops call (f64, pow)
//	vecmath.go      f32 exp, expm1, log, log1p, tanh, sigmoid, erf and erfc
//	                inline, so loops vectorise
//	vecmath_trig.go f32 sin and cos inline, with a branch-free Payne–Hanek
//	                reduction
//	reduce.go       reduction arithmetic (sum, max, min, nanmax, nanmin, the
//	                online log-sum-exp) for any number of lanes
//
// RATIONALE.md explains the numerics and the transcendental functions.
package elemental
