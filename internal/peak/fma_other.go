//go:build !amd64

// This file stands in for the FMA kernel where there is none.
package peak

const available = false

func fmaLoop(n int64) {}
