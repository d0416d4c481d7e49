// This file checks the measured FMA peak against what the machine's cores
// can at most do.
package peak

import (
	"testing"
	"time"

	"dlc.dev/dlc/internal/hostcpu"
)

func TestGFLOPS(t *testing.T) {
	flags, err := hostcpu.Flags()
	if err != nil {
		t.Skip(err)
	}
	g, ok := GFLOPS(1, 20*time.Millisecond, flags["avx2"] && flags["fma"])
	if !ok {
		t.Skip("no AVX2 FMA kernel on this machine")
	}
	// One core: at most two 8-lane FMA units at 6 GHz, 192 GFLOP/s; at
	// least a tenth of one unit at 1 GHz, even on a loaded machine.
	t.Logf("%.1f GFLOP/s on one thread", g)
	if g <= 1.6 || g > 192 {
		t.Errorf("%.1f GFLOP/s on one thread", g)
	}
}
