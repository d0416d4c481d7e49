// This file checks the constant bits of 2/pi that sin and cos reduce their
// arguments with (vecmath_trig.go) against 2/pi computed here from Machin's
// formula in integer arithmetic.
package elemental

import (
	"math/big"
	"testing"
)

// twoOverPiFixed returns floor(2/pi * 2^bits), with pi = 16 atan(1/5) -
// 4 atan(1/239) summed in fixed point with 64 guard bits.
func twoOverPiFixed(bits uint) *big.Int {
	prec := bits + 64
	one := new(big.Int).Lsh(big.NewInt(1), prec)
	atanInv := func(n int64) *big.Int { // atan(1/n) 2^prec
		sum := new(big.Int)
		pow := new(big.Int).Div(one, big.NewInt(n)) // n^-(2k+1) 2^prec
		n2 := big.NewInt(n * n)
		for k := int64(0); pow.Sign() != 0; k++ {
			term := new(big.Int).Div(pow, big.NewInt(2*k+1))
			if k%2 == 0 {
				sum.Add(sum, term)
			} else {
				sum.Sub(sum, term)
			}
			pow.Div(pow, n2)
		}
		return sum
	}
	pi := new(big.Int).Mul(atanInv(5), big.NewInt(16))
	pi.Sub(pi, new(big.Int).Mul(atanInv(239), big.NewInt(4)))
	// 2/pi 2^bits = 2^(bits+1+prec) / (pi 2^prec)
	return new(big.Int).Div(new(big.Int).Lsh(big.NewInt(1), bits+1+prec), pi)
}

// TestTwoOverPiBits checks twoOverPiBits: 32 zero bits, then the first 224
// bits of 2/pi.
func TestTwoOverPiBits(t *testing.T) {
	want := twoOverPiFixed(224)
	mask := big.NewInt(0xffffffff)
	if twoOverPiBits[0] != 0 {
		t.Errorf("word 0 = %#x, want 0", twoOverPiBits[0])
	}
	for j := 1; j < len(twoOverPiBits); j++ {
		w := new(big.Int).And(new(big.Int).Rsh(want, uint(32*(len(twoOverPiBits)-1-j))), mask).Uint64()
		if uint64(twoOverPiBits[j]) != w {
			t.Errorf("word %d = %#08x, want %#08x", j, twoOverPiBits[j], w)
		}
	}
}
