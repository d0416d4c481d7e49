// This file tests the values bench generates for integer inputs.
package main

import (
	"math/rand/v2"
	"testing"
	"unsafe"

	"github.com/stretchr/testify/require"

	"dlc.dev/dlc/runtime"
)

func TestBenchTensorIndices(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, c := range []struct {
		dt     runtime.DType
		bound  int64
		lo, hi int64
	}{
		{runtime.Int32, 7, 0, 6},
		{runtime.Int64, 1000, 0, 999},
		{runtime.Int32, 0, 1, 8},
	} {
		tn := benchTensor(c.dt, []int64{4096}, 0, c.bound, rng)
		seen := map[int64]bool{}
		for i := 0; i < 4096; i++ {
			var x int64
			if c.dt == runtime.Int32 {
				x = int64(*(*int32)(unsafe.Add(tn.Data, 4*i)))
			} else {
				x = *(*int64)(unsafe.Add(tn.Data, 8*i))
			}
			require.GreaterOrEqual(t, x, c.lo)
			require.LessOrEqual(t, x, c.hi)
			seen[x] = true
		}
		require.True(t, seen[c.lo] && seen[c.hi], "%v bound %d: the whole range is used", c.dt, c.bound)
	}
}
