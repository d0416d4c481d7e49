// This file checks f16 storage on CPUs without F16C, where it is i16 bits
// converted with integer code: every f16 widens, and f32 values of every
// kind narrow, to the very bits F16C's instructions give (x86-64-v3 code on
// this machine), in loop and row kernels alike.
package cpu

import (
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"strings"
	"testing"
	"unsafe"

	"dlc.dev/dlc/codegen"
	"dlc.dev/dlc/internal/hostcpu"
	"dlc.dev/dlc/ir"
	dlcrt "dlc.dev/dlc/runtime"

	"github.com/ebitengine/purego"
)

const f16Convert = `func @widen(%h: f16[N]) -> (y: f32[N]) {
  %1 = cast %h : f32[N] @k0
  return y = %1
}
func @narrow(%x: f32[N]) -> (h: f16[N]) {
  %1 = cast %x : f16[N] @k0
  return h = %1
}
`

// callLoop calls loop kernel sym of l over n elements of the raw buffers.
func callLoop(t *testing.T, l *library, sym string, n int, bufs ...unsafe.Pointer) {
	t.Helper()
	fn, err := purego.Dlsym(l.handle, sym)
	if err != nil {
		t.Fatal(err)
	}
	scalars := []float64{0}
	purego.SyscallN(fn, 0, uintptr(n), uintptr(unsafe.Pointer(&bufs[0])), uintptr(unsafe.Pointer(&scalars[0])))
	runtime.KeepAlive(bufs)
}

// needF16C skips a test that compares with F16C when this machine lacks it.
func needF16C(t *testing.T) {
	flags, err := hostcpu.Flags()
	if err != nil || !flags["f16c"] || !flags["avx2"] {
		t.Skip("this machine cannot run the F16C reference")
	}
}

// narrowInputs are f32 bit patterns covering every way to round to f16:
// a stride over all of them, and every pattern near the subnormal, normal,
// overflow and NaN boundaries of f16 (both signs).
func narrowInputs() []uint32 {
	var in []uint32
	for u := uint64(0); u < 1<<32; u += 4099 {
		in = append(in, uint32(u))
	}
	for _, c := range []float32{0, 0x1p-25, 0x1p-24, 0x1.8p-24, 0x1p-15, 0x1p-14, 0x1.ffcp-15, 1, 1.5, 2048, 65504, 65520, 65536, float32(math.Inf(1))} {
		center := int64(math.Float32bits(c))
		for d := int64(-3000); d <= 3000; d++ {
			if b := center + d; b >= 0 && b < 1<<31 {
				in = append(in, uint32(b), uint32(b)|1<<31)
			}
		}
	}
	for _, nan := range []uint32{0x7f800001, 0x7fa00000, 0x7fc00000, 0x7fffffff, 0x7f812345, 0x7fc01fff} {
		in = append(in, nan, nan|1<<31)
	}
	return in
}

func TestF16WithoutF16C(t *testing.T) {
	needF16C(t)
	soft := codegen.CPUTarget("x86-64")
	if soft.Caps.F16C {
		t.Fatal("x86-64 has F16C")
	}
	libs := []*library{buildLibraryFor(t, f16Convert, soft), buildLibraryFor(t, f16Convert, codegen.CPUTarget(codegen.DefaultCPU))}

	// Every f16 widens to the same f32 bits.
	halves := make([]uint16, 1<<16)
	for i := range halves {
		halves[i] = uint16(i)
	}
	var wide [2][]uint32
	for i, l := range libs {
		wide[i] = make([]uint32, len(halves))
		callLoop(t, l, "dlc_widen_k0", len(halves), unsafe.Pointer(&halves[0]), unsafe.Pointer(&wide[i][0]))
	}
	for h := range halves {
		if wide[0][h] != wide[1][h] {
			t.Fatalf("f16 %#04x widens to %#08x without F16C, %#08x with it", h, wide[0][h], wide[1][h])
		}
		if f := math.Float32frombits(wide[0][h]); f == f && f != ir.F16ToF32(uint16(h)) {
			t.Fatalf("f16 %#04x widens to %v, ir.F16ToF32 says %v", h, f, ir.F16ToF32(uint16(h)))
		}
	}

	// f32 values narrow to the same f16 bits.
	in := narrowInputs()
	var narrow [2][]uint16
	for i, l := range libs {
		narrow[i] = make([]uint16, len(in))
		callLoop(t, l, "dlc_narrow_k0", len(in), unsafe.Pointer(&in[0]), unsafe.Pointer(&narrow[i][0]))
	}
	for j, x := range in {
		if narrow[0][j] != narrow[1][j] {
			t.Fatalf("f32 %#08x (%v) narrows to %#04x without F16C, %#04x with it", x, math.Float32frombits(x), narrow[0][j], narrow[1][j])
		}
		if f := math.Float32frombits(x); f == f && narrow[0][j] != ir.F32ToF16(f) {
			t.Fatalf("f32 %v narrows to %#04x, ir.F32ToF16 says %#04x", f, narrow[0][j], ir.F32ToF16(f))
		}
	}
	t.Logf("%d halves widened, %d floats narrowed: same bits with and without F16C", len(halves), len(in))

	// The x86-64 code has no half type and calls nothing to convert.
	m, err := ir.Parse(f16Convert)
	if err != nil {
		t.Fatal(err)
	}
	ll, _, _, err := Emit(m, soft)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(ll, "half") {
		t.Error("x86-64 code uses LLVM's half, which it converts with library calls")
	}
}

// f16Rows is a row kernel on f16: sums, a row maximum, an element output.
const f16Rows = `func @rows(%h: f16[B,C], %w: f16[C]) -> (s: f16[B], y: f16[B,C], mx: f32[B]) {
  kernel k0 rows [B]
  %1 = mul %h, %w : f16[B,C] @k0
  %2 = reduce_sum %1, axis=1 : f16[B] @k0
  %3 = cast %h : f32[B,C] @k0
  %4 = reduce_max %3, axis=1 : f32[B] @k0
  return s = %2, y = %1, mx = %4
}
`

func TestF16RowsWithoutF16C(t *testing.T) {
	needF16C(t)
	r := rand.New(rand.NewPCG(5, 6))
	in := map[string]*ir.Array{"h": randomArray(r, ir.F16, 7, 37), "w": randomArray(r, ir.F16, 37)}
	in["h"].Data[3] = math.Inf(-1)
	in["h"].Data[40] = math.NaN()
	in["h"].Data[41] = 6e-8 // an f16 subnormal
	got := buildLibraryFor(t, f16Rows, codegen.CPUTarget("x86-64")).run(t, "rows", in, nil, runOptions{})
	want := buildLibrary(t, f16Rows).run(t, "rows", in, nil, runOptions{})
	for _, name := range []string{"s", "y", "mx"} {
		g, w := got[name].Data, want[name].Data
		if !slices.EqualFunc(g, w, func(a, b float64) bool { return a == b || a != a && b != b }) {
			t.Errorf("%s: %v without F16C, %v with it", name, g, w)
		}
	}
}

// convertKernels widen and narrow bf16 and f16 with loop kernels.
const convertKernels = `func @bf16_widen(%h: bf16[N]) -> (y: f32[N]) {
  %1 = cast %h : f32[N] @k0
  return y = %1
}
func @bf16_narrow(%x: f32[N]) -> (h: bf16[N]) {
  %1 = cast %x : bf16[N] @k0
  return h = %1
}
func @f16_widen(%h: f16[N]) -> (y: f32[N]) {
  %1 = cast %h : f32[N] @k0
  return y = %1
}
func @f16_narrow(%x: f32[N]) -> (h: f16[N]) {
  %1 = cast %x : f16[N] @k0
  return h = %1
}
`

// bf16Inputs are f32 patterns at every bf16 rounding decision: each upper
// half with the lower halves that round down, tie and round up, and the
// neighbours of bf16's subnormal, overflow and NaN boundaries.
func bf16Inputs() []uint32 {
	var in []uint32
	for hi := uint32(0); hi < 1<<16; hi++ {
		for _, lo := range []uint32{0, 1, 0x7fff, 0x8000, 0x8001, 0xffff} {
			in = append(in, hi<<16|lo)
		}
	}
	return in
}

// TestStorageConversionsMatchRuntime checks that the kernels' storage
// conversions give the bits of the runtime's slice conversions
// (runtime.BF16FromF32 and friends, tested against an independent reference
// there): every 16-bit pattern widened, f32 patterns at every rounding
// decision narrowed, NaN payloads included, on x86-64-v3 (F16C), on
// x86-64 (f16 in integer code) and, where this machine has AVX512_BF16, on
// a target with Caps.BF16Round (bf16 rounded by vcvtneps2bf16).
func TestStorageConversionsMatchRuntime(t *testing.T) {
	needF16C(t)
	halves := make([]uint16, 1<<16)
	for i := range halves {
		halves[i] = uint16(i)
	}
	in := append(narrowInputs(), bf16Inputs()...)
	xs := unsafe.Slice((*float32)(unsafe.Pointer(&in[0])), len(in))
	targets := []codegen.Target{codegen.CPUTarget(codegen.DefaultCPU), codegen.CPUTarget("x86-64")}
	if tg := bf16DotTarget(); hostHas(t, tg) {
		targets = append(targets, tg) // bf16 rounded by vcvtneps2bf16 (bf16round.go)
	} else {
		t.Log("this machine lacks AVX512_BF16: bf16 rounded in integer code only")
	}
	for _, tg := range targets {
		cpuName := tg.Name()
		l := buildLibraryFor(t, convertKernels, tg)
		for _, c := range []struct {
			name   string
			widen  func([]float32, []uint16) int
			narrow func([]uint16, []float32) int
		}{{"bf16", dlcrt.F32FromBF16, dlcrt.BF16FromF32}, {"f16", dlcrt.F32FromF16, dlcrt.F16FromF32}} {
			got, want := make([]float32, len(halves)), make([]float32, len(halves))
			callLoop(t, l, "dlc_"+c.name+"_widen_k0", len(halves), unsafe.Pointer(&halves[0]), unsafe.Pointer(&got[0]))
			c.widen(want, halves)
			for h := range halves {
				if g, w := math.Float32bits(got[h]), math.Float32bits(want[h]); g != w {
					t.Fatalf("%s: %s %#04x widens to %#08x in a kernel, %#08x in the runtime", cpuName, c.name, h, g, w)
				}
			}
			gotN, wantN := make([]uint16, len(in)), make([]uint16, len(in))
			callLoop(t, l, "dlc_"+c.name+"_narrow_k0", len(in), unsafe.Pointer(&in[0]), unsafe.Pointer(&gotN[0]))
			c.narrow(wantN, xs)
			for j, x := range in {
				if gotN[j] != wantN[j] {
					t.Fatalf("%s: f32 %#08x narrows to %s %#04x in a kernel, %#04x in the runtime", cpuName, x, c.name, gotN[j], wantN[j])
				}
			}
		}
	}
	t.Logf("%d patterns widened, %d narrowed, to the same bits in kernels and the runtime", len(halves), len(in))
}
