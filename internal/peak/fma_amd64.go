// This file declares the amd64 FMA kernel (fma_amd64.s).
package peak

// available says that fmaLoop is implemented here.
const available = true

// fmaLoop runs n iterations of 12 independent 8-lane FMAs (AVX2 and FMA3).
//
//go:noescape
func fmaLoop(n int64)
