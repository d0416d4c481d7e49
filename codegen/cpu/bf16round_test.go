// This file checks the rounding of floats to bf16 with vcvtneps2bf16 on
// targets with Caps.BF16Round (bf16round.go): in a loop kernel's vector
// loop, its streaming variant, a mixed-precision loop and a row kernel, every
// result is ir.F32ToBF16's bits, over special values, a sweep of all f32
// patterns and vectors holding one subnormal among normals.
package cpu

import (
	"math"
	"math/rand/v2"
	"runtime"
	"strings"
	"testing"
	"unsafe"

	"dlc.dev/dlc/codegen"
	"dlc.dev/dlc/codegen/elemental"
	"dlc.dev/dlc/ir"

	"github.com/ebitengine/purego"
)

// bf16RoundKernels round to bf16 in a loop kernel, in registers and in
// memory after f32 arithmetic on a widened bf16 input (mixed precision), and
// in a row kernel.
const bf16RoundKernels = `func @narrow(%x: f32[N]) -> (h: bf16[N]) {
  %1 = cast %x : bf16[N] @k0
  return h = %1
}
func @mixed(%m: bf16[N], %g: f32[N]) -> (y: f32[N], h: bf16[N], r: f32[N]) {
  %1 = cast %m : f32[N] @k0
  %2 = mul %1, %g : f32[N] @k0
  %3 = add %2, %g : f32[N] @k0
  %4 = cast %3 : bf16[N] @k0
  %5 = cast %4 : f32[N] @k0
  return y = %3, h = %4, r = %5
}
func @rows(%x: f32[B,C]) -> (s: f32[B], h: bf16[B,C]) {
  kernel k0 rows [B]
  %1 = reduce_sum %x, axis=1 : f32[B] @k0
  %2 = cast %x : bf16[B,C] @k0
  return s = %1, h = %2
}
`

// bf16RoundTarget is x86-64-v4 with AVX512_BF16: a target with
// Caps.BF16Round that this machine can run when it has AVX512_BF16.
func bf16RoundTarget(t *testing.T) codegen.Target {
	t.Helper()
	tg := bf16DotTarget()
	if !tg.Caps.BF16Round {
		t.Fatalf("%s lacks Caps.BF16Round", tg.Name())
	}
	return tg
}

// bf16RoundInputs are f32 patterns for the rounding: every rounding
// decision of bf16 (bf16Inputs: down, tie, up at every exponent, into the
// next binade and to inf, every subnormal range, NaN payloads), a sweep of
// all patterns with its f16 boundaries (narrowInputs), named special values,
// vectors of 16 normals of which one is replaced by a subnormal, in each lane
// in turn (so that the integer rounding runs for that vector alone), and
// random patterns.
func bf16RoundInputs() []uint32 {
	in := append(bf16Inputs(), narrowInputs()...)
	in = append(in,
		0x00000000, 0x80000000, // ±0
		0x7f800000, 0xff800000, // ±inf
		0x00000001, 0x80000001, 0x007fffff, 0x807fffff, // smallest and largest subnormals
		0x00800000, 0x80800000, 0x00807fff, 0x00808000, 0x00818000, // smallest normals, ties
		0x7f7f7fff, 0x7f7f8000, 0x7f7fffff, 0xff7f8000, // largest finite: down, tie to inf, up to inf
		0x3f808000, 0x3f818000, 0x3fffffff, 0x3f7f8000, // ties to even, into the next binade
		0x7f800001, 0xff800001, 0x7fbfffff, 0x7f80ffff, 0x7f810000, // signalling NaNs
		0x7fc00000, 0xffc00000, 0x7fc00001, 0x7fffffff, 0xffffffff, // quiet NaNs
	)
	r := rand.New(rand.NewPCG(1, 2))
	for v := 0; v < 4096; v++ {
		sub := r.Uint32()&0x807fffff | 1 // a subnormal, either sign
		for l := 0; l < 16; l++ {
			x := r.Uint32()&0x8fffffff | 0x30000000 // normal, |x| in [2^-31, 2^32)
			if l == v%16 {
				x = sub
			}
			in = append(in, x)
		}
	}
	for range 1 << 20 {
		in = append(in, r.Uint32())
	}
	return in
}

// callRaw calls the kernel of fn in l (its streaming variant if stream) for
// units [begin, end) with raw buffers by name; the kernel takes no scalars.
func callRaw(t *testing.T, l *library, fn string, stream bool, begin, end int, bufs map[string]unsafe.Pointer) {
	t.Helper()
	k := l.kernels[fn][0]
	e := l.target.Entry(fn, k.Name)
	sym := e.Symbol
	if stream {
		if e.Stream == "" {
			t.Fatalf("%s has no streaming variant", fn)
		}
		sym = e.Stream
	}
	ptrs := make([]unsafe.Pointer, len(k.Buffers))
	for i, b := range k.Buffers {
		if ptrs[i] = bufs[b.Name]; ptrs[i] == nil {
			t.Fatalf("%s: no buffer %s", fn, b.Name)
		}
	}
	f, err := purego.Dlsym(l.handle, sym)
	if err != nil {
		t.Fatal(err)
	}
	scalars := []float64{0}
	purego.SyscallN(f, uintptr(begin), uintptr(end), uintptr(unsafe.Pointer(&ptrs[0])), uintptr(unsafe.Pointer(&scalars[0])))
	runtime.KeepAlive(bufs)
}

// checkBF16 fails at the first of got that is not ir.F32ToBF16 of in.
func checkBF16(t *testing.T, what string, in []uint32, got []uint16) {
	t.Helper()
	for i, x := range in {
		if want := ir.F32ToBF16(math.Float32frombits(x)); got[i] != want {
			t.Fatalf("%s: f32 %#08x (%v, element %d) rounds to %#04x, ir.F32ToBF16 gives %#04x", what, x, math.Float32frombits(x), i, got[i], want)
		}
	}
}

func TestBF16RoundInstruction(t *testing.T) {
	tg := bf16RoundTarget(t)
	m, err := ir.Parse(bf16RoundKernels)
	if err != nil {
		t.Fatal(err)
	}
	ll, _, _, err := Emit(m, tg)
	if err != nil {
		t.Fatal(err)
	}
	// 16 lanes in the loop kernels' vector loops, 8 in the streaming and row ones.
	for _, width := range []string{"512", "256"} {
		if !strings.Contains(ll, "@llvm.x86.avx512bf16.cvtneps2bf16."+width) || !strings.Contains(ll, "@llvm.x86.avx512.fpclass.ps."+width) {
			t.Errorf("%s: the kernels do not round %s-bit vectors with vcvtneps2bf16 and check them with vfpclassps", tg.Name(), width)
		}
	}
	if ll, _, _, _ := Emit(m, codegen.CPUTarget(codegen.DefaultCPU)); strings.Contains(ll, elemental.BF16RoundName) {
		t.Errorf("%s, without Caps.BF16Round, calls %s", codegen.DefaultCPU, elemental.BF16RoundName)
	}
	if !hostHas(t, tg) {
		t.Skip("skipping: this machine cannot run vcvtneps2bf16 (its CPU flags lack avx512_bf16 or AVX-512)")
	}
	l := buildLibraryFor(t, bf16RoundKernels, tg)
	in := bf16RoundInputs()
	n := len(in)
	x := unsafe.Pointer(&in[0])

	// The loop kernel in one call, in chunks that start off the vectors, and
	// its streaming variant.
	for _, c := range []struct {
		name   string
		stream bool
		splits []int
	}{{"one call", false, nil}, {"chunks", false, []int{13, 1000, n - 5}}, {"streaming", true, nil}, {"streaming chunks", true, []int{7, n / 2}}} {
		h := make([]uint16, n)
		begin := 0
		for _, end := range append(c.splits, n) {
			callRaw(t, l, "narrow", c.stream, begin, end, map[string]unsafe.Pointer{"x": x, "h": unsafe.Pointer(&h[0])})
			begin = end
		}
		checkBF16(t, "narrow, "+c.name, in, h)
	}

	// Mixed precision: y = m*g + g in f32 (m = 0 in the first half, so y is
	// every pattern of g but the infinities), h = y rounded, r = h widened.
	r := rand.New(rand.NewPCG(3, 4))
	mb := make([]uint16, n)
	for i := n / 2; i < n; i++ {
		mb[i] = uint16(r.Uint32())
	}
	y, h, rr := make([]uint32, n), make([]uint16, n), make([]uint32, n)
	callRaw(t, l, "mixed", false, 0, n, map[string]unsafe.Pointer{"m": unsafe.Pointer(&mb[0]), "g": x,
		"y": unsafe.Pointer(&y[0]), "h": unsafe.Pointer(&h[0]), "r": unsafe.Pointer(&rr[0])})
	for i, g := range in {
		gf := math.Float32frombits(g)
		want := float32(ir.BF16ToF32(mb[i])*gf) + gf
		if got := math.Float32frombits(y[i]); y[i] != math.Float32bits(want) && !(got != got && want != want) {
			t.Fatalf("mixed: y[%d] = %v, want %v", i, got, want)
		}
		if rr[i] != uint32(h[i])<<16 {
			t.Fatalf("mixed: r[%d] = %#08x, h[%d] = %#04x widened", i, rr[i], i, h[i])
		}
	}
	checkBF16(t, "mixed", y, h)

	// A row kernel: rows of 67 (8 vectors and 3 more), inputs without NaNs
	// (the harness passes them through float64).
	const cols = 67
	var finite []uint32
	for _, p := range in {
		if f := math.Float32frombits(p); f == f {
			finite = append(finite, p)
		}
	}
	finite = finite[:len(finite)/cols*cols]
	xs := ir.NewArray(int64(len(finite)/cols), cols)
	for i, p := range finite {
		xs.Data[i] = float64(math.Float32frombits(p))
	}
	got := l.run(t, "rows", map[string]*ir.Array{"x": xs}, nil, runOptions{})["h"].Data
	hr := make([]uint16, len(got))
	for i, v := range got {
		hr[i] = uint16(math.Float32bits(float32(v)) >> 16)
	}
	checkBF16(t, "rows", finite, hr)
	t.Logf("%d patterns rounded by vcvtneps2bf16 to ir.F32ToBF16's bits in loop, streaming, mixed and row kernels", n)
}
