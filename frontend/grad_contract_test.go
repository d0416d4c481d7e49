// This file tests gradients through contractions written with @, einsum and
// transpose, in the reference interpreter, against the matrix formulas.
package frontend

import (
	"math"
	"math/rand/v2"
	"testing"

	"dlc.dev/dlc/ir"
)

// TestGradThroughContractions differentiates loss = Σ (x·W + b)² two ways:
// with @ and W as [K, N], and with einsum over W stored transposed as [N, K]
// and read back through transpose. With dy = 2(x·W + b), the gradients are
// dW = xᵀ·dy, db = Σ_b dy and dx = dy·Wᵀ (stored transposed for the second).
func TestGradThroughContractions(t *testing.T) {
	const src = `
kernel lin(x: f64[B, K], w: f64[K, N], b: f64[N]) -> loss: f64 {
    let y = x @ w + b
    loss = sum(sum(y * y, axis=0))
}

kernel lin_t(x: f64[B, K], wt: f64[N, K], b: f64[N]) -> loss: f64 {
    let y = einsum("bk,kn->bn", x, transpose(wt)) + b
    loss = sum(sum(y * y, axis=0))
}

kernel dlin = grad(lin, wrt=(w, b, x))
kernel dlin_t = grad(lin_t, wrt=(wt, b, x))
`
	m, err := Compile("lin.dl", []byte(src), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := ir.Verify(m); err != nil {
		t.Fatal(err)
	}
	const B, K, N = 3, 4, 2
	rng := rand.New(rand.NewPCG(1, 2))
	fill := func(shape ...int64) *ir.Array {
		a := ir.NewArray(shape...)
		for i := range a.Data {
			a.Data[i] = 2*rng.Float64() - 1
		}
		return a
	}
	x, w, b := fill(B, K), fill(K, N), fill(N)
	wt := ir.NewArray(N, K)
	for k := range K {
		for n := range N {
			wt.Data[n*K+k] = w.Data[k*N+n]
		}
	}
	dy := make([]float64, B*N)
	for i := range B {
		for n := range N {
			y := b.Data[n]
			for k := range K {
				y += x.Data[i*K+k] * w.Data[k*N+n]
			}
			dy[i*N+n] = 2 * y
		}
	}
	dw, db, dx := make([]float64, K*N), make([]float64, N), make([]float64, B*K)
	for i := range B {
		for n := range N {
			db[n] += dy[i*N+n]
			for k := range K {
				dw[k*N+n] += x.Data[i*K+k] * dy[i*N+n]
				dx[i*K+k] += dy[i*N+n] * w.Data[k*N+n]
			}
		}
	}
	dwt := make([]float64, N*K)
	for k := range K {
		for n := range N {
			dwt[n*K+k] = dw[k*N+n]
		}
	}
	check := func(fn, name string, got *ir.Array, want []float64) {
		t.Helper()
		if got == nil || len(got.Data) != len(want) {
			t.Fatalf("%s: %s has %v, want %d elements", fn, name, got, len(want))
		}
		for i, w := range want {
			if math.Abs(got.Data[i]-w) > 1e-13*(1+math.Abs(w)) {
				t.Errorf("%s: %s[%d] = %v, want %v", fn, name, i, got.Data[i], w)
			}
		}
	}
	out, err := ir.Interpret(m, "dlin", ir.Inputs{Tensors: map[string]*ir.Array{"x": x, "w": w, "b": b}})
	if err != nil {
		t.Fatal(err)
	}
	check("dlin", "d_w", out["d_w"], dw)
	check("dlin", "d_b", out["d_b"], db)
	check("dlin", "d_x", out["d_x"], dx)
	out, err = ir.Interpret(m, "dlin_t", ir.Inputs{Tensors: map[string]*ir.Array{"x": x, "wt": wt, "b": b}})
	if err != nil {
		t.Fatal(err)
	}
	check("dlin_t", "d_wt", out["d_wt"], dwt)
	check("dlin_t", "d_b", out["d_b"], db)
	check("dlin_t", "d_x", out["d_x"], dx)
}
