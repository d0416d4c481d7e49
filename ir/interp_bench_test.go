// This file measures the float64 interpreter on an elementwise chain.
package ir

import "testing"

// BenchmarkInterpretLion interprets a Lion-like elementwise chain over 1M elements.
func BenchmarkInterpretLion(b *testing.B) {
	m, err := Parse(`func @lion(%theta: f32[N], %grad: f32[N], %m: f32[N]; %lr: f32 = 0.0001, %b1: f32 = 0.9, %b2: f32 = 0.99) -> (t: f32[N], mm: f32[N]) {
  %6 = mul %b1, %m : f32[N]
  %7 = const 1 : f32
  %8 = sub %7, %b1 : f32
  %9 = mul %8, %grad : f32[N]
  %10 = add %6, %9 : f32[N]
  %11 = sign %10 : f32[N]
  %12 = mul %lr, %11 : f32[N]
  %13 = sub %theta, %12 : f32[N]
  %14 = exp %13 : f32[N]
  %15 = mul %b2, %m : f32[N]
  %16 = sub %7, %b2 : f32
  %17 = mul %16, %grad : f32[N]
  %18 = add %15, %17 : f32[N]
  return t = %14, mm = %18
}
`)
	if err != nil {
		b.Fatal(err)
	}
	n := int64(1 << 20)
	in := Inputs{Tensors: map[string]*Array{"theta": NewArray(n), "grad": NewArray(n), "m": NewArray(n)}}
	for i := range in.Tensors["grad"].Data {
		in.Tensors["grad"].Data[i] = float64(i%17) - 8
	}
	b.ResetTimer()
	for range b.N {
		if _, err := Interpret(m, "lion", in); err != nil {
			b.Fatal(err)
		}
	}
}
