// This file checks the inline f32 transcendental functions (vecmath.go)
// through hand-built kernels y[i] = f(x[i]): their error in ulps against Go's
// float64 functions rounded to f32, over a dense sweep of f32 inputs (every
// f32 input with -dlc.exhaustive), compiled as dlc builds by default and with
// floating-point contraction, their special values, that loops around
// them vectorise 8 wide with no libm call left, and how fast they run.
package elemental_test

import (
	"context"
	"flag"
	"fmt"
	"maps"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"unsafe"

	"dlc.dev/dlc/codegen"
	cpubackend "dlc.dev/dlc/codegen/cpu"
	"dlc.dev/dlc/codegen/elemental"
	"dlc.dev/dlc/ir"

	"github.com/ebitengine/purego"
	llir "github.com/llir/llvm/ir"
	"github.com/llir/llvm/ir/constant"
	"github.com/llir/llvm/ir/enum"
	"github.com/llir/llvm/ir/types"
	"github.com/llir/llvm/ir/value"
)

var exhaustive = flag.Bool("dlc.exhaustive", false, "sweep every f32 input of the inline transcendental functions (minutes)")

// mathFuncs are the inline functions in a fixed order.
var mathFuncs = []string{"exp", "expm1", "log", "log1p", "tanh", "sigmoid", "erf", "erfc", "sin", "cos"}

// reference64 computes each function in float64.
var reference64 = map[string]func(float64) float64{
	"exp":   math.Exp,
	"expm1": math.Expm1,
	"log":   math.Log,
	"log1p": math.Log1p,
	"tanh":  math.Tanh,
	"sigmoid": func(x float64) float64 {
		if x >= 0 {
			return 1 / (1 + math.Exp(-x))
		}
		e := math.Exp(x)
		return e / (1 + e)
	},
	"erf":  math.Erf,
	"erfc": math.Erfc,
	"sin":  math.Sin,
	"cos":  math.Cos,
}

// TestVecMathSweepsEveryInline checks that this file sweeps every inline
// function of vecmath.go: each is in mathFuncs, with a float64 reference.
func TestVecMathSweepsEveryInline(t *testing.T) {
	for _, op := range elemental.InlineOps() {
		if !slices.Contains(mathFuncs, op.String()) || reference64[op.String()] == nil {
			t.Errorf("the inline %s is not swept (mathFuncs, reference64)", op)
		}
	}
	if len(elemental.InlineOps()) != len(mathFuncs) {
		t.Errorf("mathFuncs %v, but the inline functions are %v", mathFuncs, elemental.InlineOps())
	}
}

// mathKernel emits void @name(i64 n, float* noalias x, float* noalias y),
// the loop y[i] = body(x[i]) for i in [0, n), as emitBody does.
func mathKernel(m *llir.Module, name string, t codegen.Target, body func(b *llir.Block, x value.Value) value.Value) {
	n := llir.NewParam("n", types.I64)
	px := llir.NewParam("x", types.NewPointer(types.Float))
	py := llir.NewParam("y", types.NewPointer(types.Float))
	for _, p := range []*llir.Param{px, py} {
		p.Attrs = append(p.Attrs, enum.ParamAttrNoAlias, enum.ParamAttrNoCapture)
	}
	fn := m.NewFunc(name, types.Void, n, px, py)
	fn.FuncAttrs = funcAttrs(t)
	entry, loop, exit := fn.NewBlock("entry"), fn.NewBlock("loop"), fn.NewBlock("exit")
	zero := constant.NewInt(types.I64, 0)
	entry.NewCondBr(entry.NewICmp(enum.IPredSGT, n, zero), loop, exit)
	i := loop.NewPhi(llir.NewIncoming(zero, entry))
	gx := loop.NewGetElementPtr(types.Float, px, i)
	gx.InBounds = true
	y := body(loop, loop.NewLoad(types.Float, gx))
	gy := loop.NewGetElementPtr(types.Float, py, i)
	gy.InBounds = true
	loop.NewStore(y, gy)
	next := loop.NewAdd(i, constant.NewInt(types.I64, 1))
	i.Incs = append(i.Incs, llir.NewIncoming(next, loop))
	loop.NewCondBr(loop.NewICmp(enum.IPredEQ, next, n), exit, loop)
	exit.NewRet(nil)
}

// mathModule has a kernel per inline function, named after it, and with libm
// one calling each libm function (name_libm), as the elemental emitter did.
func mathModule(t codegen.Target, libm bool) string {
	m := llir.NewModule()
	m.SourceFilename = "dlc"
	m.TargetTriple = t.Triple
	m.DataLayout = t.DataLayout
	e := elemental.NewElemental(m, elemental.LibmCalls(), t)
	for _, name := range mathFuncs {
		op, _ := ir.OpByName(name)
		mathKernel(m, name, t, func(b *llir.Block, x value.Value) value.Value { return elemental.InlineF32(e, op, b, x) })
	}
	if libm {
		call := func(b *llir.Block, name string, x value.Value) value.Value {
			return b.NewCall(e.Libcall(name, types.Float, types.Float), x)
		}
		for _, name := range []string{"expf", "logf", "log1pf", "tanhf", "erff", "expm1f", "erfcf", "sinf", "cosf"} {
			mathKernel(m, name+"_libm", t, func(b *llir.Block, x value.Value) value.Value { return call(b, name, x) })
		}
		// The lowering of sigmoid before vecmath.go.
		mathKernel(m, "sigmoid_libm", t, func(b *llir.Block, x value.Value) value.Value {
			one := constant.NewFloat(types.Float, 1)
			abs := b.NewBitCast(b.NewAnd(b.NewBitCast(x, types.I32), constant.NewInt(types.I32, 0x7fffffff)), types.Float)
			e := call(b, "expf", b.NewFNeg(abs))
			den := b.NewFAdd(one, e)
			return b.NewSelect(b.NewFCmp(enum.FPredOGE, x, constant.NewFloat(types.Float, 0)), b.NewFDiv(one, den), b.NewFDiv(e, den))
		})
	}
	return m.String()
}

// mathLib is mathModule compiled and opened.
type mathLib struct {
	handle    uintptr
	optimized string
}

var mathLibs struct {
	sync.Mutex
	byCPU map[string]*mathLib
}

// openMathLib compiles mathModule for an LLVM CPU once per test binary.
func openMathLib(t testing.TB, cpu string) *mathLib {
	t.Helper()
	return openMathLibWith(t, cpu, codegen.ContractOff)
}

// openMathLibWith is openMathLib with floating-point contraction fpc.
func openMathLibWith(t testing.TB, cpu string, fpc codegen.FPContract) *mathLib {
	t.Helper()
	tools := needTools(t)
	mathLibs.Lock()
	defer mathLibs.Unlock()
	key := cpu + " -fp-contract=" + fpc.String()
	if l, ok := mathLibs.byCPU[key]; ok {
		return l
	}
	target := codegen.CPUTarget(cpu)
	so, optimized, err := cpubackend.Compile(context.Background(), mathModule(target, true), cpubackend.Options{Target: target, Tools: tools, FPContract: fpc})
	if err != nil {
		t.Fatal(err)
	}
	dir, err := os.MkdirTemp("", "dlc-vecmath-")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir) // the mapping outlives the file
	path := filepath.Join(dir, "math.so")
	if err := os.WriteFile(path, so, 0o755); err != nil {
		t.Fatal(err)
	}
	h, err := purego.Dlopen(path, purego.RTLD_NOW|purego.RTLD_LOCAL)
	if err != nil {
		t.Fatal(err)
	}
	l := &mathLib{handle: h, optimized: optimized}
	if mathLibs.byCPU == nil {
		mathLibs.byCPU = map[string]*mathLib{}
	}
	mathLibs.byCPU[key] = l
	return l
}

// kernel returns kernel name of the library as a Go function of x and y;
// it may be called from any goroutine.
func (l *mathLib) kernel(t testing.TB, name string) func(x, y []float32) {
	t.Helper()
	sym, err := purego.Dlsym(l.handle, name)
	if err != nil {
		t.Fatal(err)
	}
	return func(x, y []float32) {
		if len(x) == 0 {
			return
		}
		purego.SyscallN(sym, uintptr(len(x)), uintptr(unsafe.Pointer(&x[0])), uintptr(unsafe.Pointer(&y[0:len(x)][0])))
		runtime.KeepAlive(x)
		runtime.KeepAlive(y)
	}
}

// call runs kernel name on x, writing y.
func (l *mathLib) call(t testing.TB, name string, x, y []float32) {
	t.Helper()
	l.kernel(t, name)(x, y)
}

// ulpDist is the number of f32 values between got and want (0 when both
// are NaN, and ±0 are one value; a NaN against a number is MaxInt64).
func ulpDist(got, want float32) int64 {
	gn, wn := got != got, want != want
	if gn || wn {
		if gn && wn {
			return 0
		}
		return math.MaxInt64
	}
	d := ordered(ir.F32, float64(got)) - ordered(ir.F32, float64(want))
	if d < 0 {
		d = -d
	}
	return d
}

// ulpErr is |got - want| in ulps of the f32 nearest want (fractional;
// subnormals in units of the smallest subnormal); 0 when not finite.
func ulpErr(got float32, want float64) float64 {
	if math.IsInf(want, 0) || math.IsNaN(want) || math.IsInf(float64(got), 0) || got != got {
		return 0
	}
	w := math.Abs(float64(float32(want)))
	ulp := 0x1p-149
	if w >= 0x1p-126 {
		_, e := math.Frexp(w) // w = f * 2^e, f in [0.5, 1)
		ulp = math.Ldexp(1, e-24)
	}
	return math.Abs(float64(got)-want) / ulp
}

// sweepStats is the worst error of one function over a sweep.
type sweepStats struct {
	n       int64
	maxDist int64
	worstX  float32
	worstY  float32
	maxErr  float64
	errX    float32 // where maxErr is
	over1   int64   // inputs more than 1 ulp from f(x)
}

func (s *sweepStats) merge(o sweepStats) {
	s.n += o.n
	s.over1 += o.over1
	if o.maxDist > s.maxDist {
		s.maxDist, s.worstX, s.worstY = o.maxDist, o.worstX, o.worstY
	}
	if o.maxErr > s.maxErr {
		s.maxErr, s.errX = o.maxErr, o.errX
	}
}

// check compares the results y of inputs x with the reference.
func (s *sweepStats) check(ref func(float64) float64, x, y []float32) {
	for j, xj := range x {
		want := ref(float64(xj))
		d := ulpDist(y[j], float32(want))
		if d > s.maxDist {
			s.maxDist, s.worstX, s.worstY = d, xj, y[j]
		}
		e := ulpErr(y[j], want)
		if e > s.maxErr {
			s.maxErr, s.errX = e, xj
		}
		if e > 1 {
			s.over1++
		}
	}
	s.n += int64(len(x))
}

// specialRegions are f32 values around which every nearby bit pattern is
// tested: zeros, the subnormal boundary, ±1, the inf/NaN boundary, and each
// function's thresholds (where the algorithm switches, or the result
// saturates, overflows or underflows).
var specialRegions = []float32{
	0, 0x1p-126, 0x1p-149 * 4096, 1, 2, 0.5, 0x1.fffffep127,
	0.34657359, 0.625, 1.0, 3.92, 4, 9.0, 9.1, 17.33, 20, 24 * 0.6931472, 25 * 0.6931472,
	88.72283, 89, 87.33655, 103.97, 104, 0.70710677, 1.4142135, 0.29289323, 0.41421357, 0.5,
	// erfc: subnormal results, underflow to 0, the clamp.
	9.194, 10.04, elemental.ErfcMax,
	// sin and cos: pi/4 (the reduction starts), pi/2, pi, and the f32
	// closest to a multiple of pi/2 relative to its size.
	0.78539816, 1.5707964, 3.1415927, 7.729179e28,
}

// sweepInputs calls emit with chunks of the inputs of a sweep: every stride-th
// bit pattern, then 2^13 patterns around each special region of either sign.
func sweepInputs(stride uint64, emit func(bits []uint32)) {
	const chunk = 1 << 20
	buf := make([]uint32, 0, chunk)
	flush := func() {
		if len(buf) > 0 {
			emit(buf)
			buf = make([]uint32, 0, chunk)
		}
	}
	for u := uint64(0); u < 1<<32; u += stride {
		buf = append(buf, uint32(u))
		if len(buf) == chunk {
			flush()
		}
	}
	for _, c := range specialRegions {
		for _, sign := range []uint32{0, 1 << 31} {
			center := int64(math.Float32bits(c))
			for d := int64(-4096); d < 4096; d++ {
				if b := center + d; b >= 0 && b < 1<<31 {
					buf = append(buf, uint32(b)|sign)
				}
			}
		}
		if len(buf) >= chunk-(1<<14) {
			flush()
		}
	}
	flush()
}

// sweep measures function name over the inputs of sweepInputs on all CPUs.
func sweep(t *testing.T, lib *mathLib, name string, stride uint64) sweepStats {
	ref, f := reference64[name], lib.kernel(t, name)
	work := make(chan []uint32, 4)
	results := make(chan sweepStats)
	workers := runtime.NumCPU()
	for range workers {
		go func() {
			var s sweepStats
			var x, y []float32
			for bits := range work {
				x, y = x[:0], y[:0]
				for _, b := range bits {
					x = append(x, math.Float32frombits(b))
				}
				y = append(y, make([]float32, len(x))...)
				f(x, y)
				s.check(ref, x, y)
			}
			results <- s
		}()
	}
	sweepInputs(stride, func(bits []uint32) { work <- bits })
	close(work)
	var total sweepStats
	for range workers {
		total.merge(<-results)
	}
	return total
}

// maxULP is the acceptance bound of the sweep: every function within 2 ulps
// of the correctly rounded result.
const maxULP = 2

// maxErrULP bounds each function's error in ulps of f(x) (fractional, as
// ulpErr): 1.32 for all (erf reaches 1.314 over all inputs), less for the
// functions computed in f64 and rounded once.
func maxErrULP(name string) float64 {
	switch name {
	case "erfc", "sin", "cos":
		return 0.51
	}
	return 1.32
}

// TestVecMathULP is the accuracy acceptance test: every 97th f32 bit pattern
// (about 44 million inputs, every exponent and sign), plus every pattern near
// the special regions; with -dlc.exhaustive, all 2^32.
func TestVecMathULP(t *testing.T) {
	lib := openMathLib(t, codegen.DefaultCPU)
	stride := uint64(97)
	if *exhaustive {
		stride = 1
	}
	if testing.Short() {
		stride = 9973
	}
	for _, name := range mathFuncs {
		t.Run(name, func(t *testing.T) {
			s := sweep(t, lib, name, stride)
			t.Logf("%s: %d inputs (stride %d): max %d ulp from the rounded result at x = %v (%#x, got %v), max error %.4f ulp at x = %v (%#x), %d inputs (%.3g%%) above 1 ulp",
				name, s.n, stride, s.maxDist, s.worstX, math.Float32bits(s.worstX), s.worstY, s.maxErr, s.errX, math.Float32bits(s.errX),
				s.over1, 100*float64(s.over1)/float64(s.n))
			if s.maxDist > maxULP {
				t.Errorf("%s(%v) = %v is %d ulps from %v, more than %d",
					name, s.worstX, s.worstY, s.maxDist, float32(reference64[name](float64(s.worstX))), maxULP)
			}
			if s.maxErr > maxErrULP(name) {
				t.Errorf("%s(%v) is %.4f ulps from %v, more than %v", name, s.errX, s.maxErr, reference64[name](float64(s.errX)), maxErrULP(name))
			}
		})
	}
}

// TestVecMathULPContracted sweeps the functions compiled with
// floating-point contraction (-fp-contract fast), which lets llc fuse the
// multiplies and adds of their polynomials and reductions that are not
// explicit FMAs already: they must keep the bounds they have without it.
// Every 97th bit pattern (about 44 million inputs) plus the special
// regions, as TestVecMathULP; all 2^32 with -dlc.exhaustive. It also counts
// how many of a sample of inputs get other bits than without contraction.
func TestVecMathULPContracted(t *testing.T) {
	lib, off := openMathLibWith(t, codegen.DefaultCPU, codegen.ContractFast), openMathLib(t, codegen.DefaultCPU)
	stride := uint64(97)
	if *exhaustive {
		stride = 1
	}
	if testing.Short() {
		stride = 99991
	}
	x := make([]float32, 0, 1<<16)
	for u := uint64(0); u < 1<<32; u += 65521 {
		x = append(x, math.Float32frombits(uint32(u)))
	}
	y, yoff := make([]float32, len(x)), make([]float32, len(x))
	for _, name := range mathFuncs {
		t.Run(name, func(t *testing.T) {
			lib.call(t, name, x, y)
			off.call(t, name, x, yoff)
			differ := 0
			for i := range x {
				if math.Float32bits(y[i]) != math.Float32bits(yoff[i]) && !(y[i] != y[i] && yoff[i] != yoff[i]) {
					differ++
				}
			}
			s := sweep(t, lib, name, stride)
			t.Logf("%s contracted: %d inputs (stride %d): max %d ulp from the rounded result, max error %.4f ulp at x = %v, %d inputs (%.3g%%) above 1 ulp; %d of %d sampled inputs give other bits than without contraction",
				name, s.n, stride, s.maxDist, s.maxErr, s.errX, s.over1, 100*float64(s.over1)/float64(s.n), differ, len(x))
			if s.maxDist > maxULP {
				t.Errorf("%s(%v) = %v is %d ulps from %v, more than %d",
					name, s.worstX, s.worstY, s.maxDist, float32(reference64[name](float64(s.worstX))), maxULP)
			}
			if s.maxErr > maxErrULP(name) {
				t.Errorf("%s(%v) is %.4f ulps from %v, more than %v", name, s.errX, s.maxErr, reference64[name](float64(s.errX)), maxErrULP(name))
			}
		})
	}
}

// ref32 is f(x) for an f32 x, rounded to f32.
func ref32(f func(float64) float64, x float32) float32 { return float32(f(float64(x))) }

// TestVecMathSpecial checks special values bit for bit (signed zeros too),
// and values at the edges of the range (overflow, subnormal results).
func TestVecMathSpecial(t *testing.T) {
	lib := openMathLib(t, codegen.DefaultCPU)
	inf, nan := float32(math.Inf(1)), float32(math.NaN())
	negz := float32(math.Copysign(0, -1))
	tiny := float32(0x1p-140)
	cases := map[string][][2]float32{
		"exp": {{float32(math.Inf(-1)), 0}, {inf, inf}, {nan, nan}, {0, 1}, {negz, 1},
			{88.72284, inf}, {89, inf}, {1000, inf}, {88.7228, ref32(math.Exp, 88.7228)}, {-104, 0}, {-1000, 0},
			{-103.28, 0x1p-149}, {-87.33655, ref32(math.Exp, -87.33655)}, {1, float32(math.E)}},
		"expm1": {{float32(math.Inf(-1)), -1}, {inf, inf}, {nan, nan}, {0, 0}, {negz, negz},
			{tiny, tiny}, {-tiny, -tiny}, {0x1p-149, 0x1p-149}, {-30, -1}, {1000, inf}, {88.72284, inf}},
		"log": {{0, float32(math.Inf(-1))}, {negz, float32(math.Inf(-1))}, {-1, nan}, {-0x1p-149, nan},
			{float32(math.Inf(-1)), nan}, {inf, inf}, {nan, nan}, {1, 0}, {0x1p-149, float32(math.Log(0x1p-149))},
			{0x1p-130, float32(math.Log(0x1p-130))}, {0x1.fffffep127, float32(math.Log(0x1.fffffep127))}},
		"log1p": {{-1, float32(math.Inf(-1))}, {-1.5, nan}, {float32(math.Inf(-1)), nan}, {inf, inf}, {nan, nan},
			{0, 0}, {negz, negz}, {tiny, tiny}, {-tiny, -tiny}, {0x1p-149, 0x1p-149}, {0x1.fffffep127, float32(math.Log(0x1.fffffep127))}},
		"tanh": {{inf, 1}, {float32(math.Inf(-1)), -1}, {0, 0}, {negz, negz}, {nan, nan}, {tiny, tiny}, {-tiny, -tiny},
			{0x1p-149, 0x1p-149}, {20, 1}, {-20, -1}, {1e30, 1}},
		"sigmoid": {{float32(math.Inf(-1)), 0}, {inf, 1}, {nan, nan}, {0, 0.5}, {negz, 0.5}, {100, 1},
			{-100, float32(math.Exp(-100))}, {-103.28, 0x1p-149}, {-200, 0}},
		"erf": {{inf, 1}, {float32(math.Inf(-1)), -1}, {0, 0}, {negz, negz}, {nan, nan}, {tiny, float32(math.Erf(float64(tiny)))},
			{4, 1}, {-10, -1}, {1e30, 1}},
		"erfc": {{inf, 0}, {float32(math.Inf(-1)), 2}, {nan, nan}, {0, 1}, {negz, 1}, {tiny, 1}, {-tiny, 1},
			{-4, 2}, {-10, 2}, {-1e30, 2}, {elemental.ErfcMax, 0}, {11, 0}, {1e30, 0}, {1, ref32(math.Erfc, 1)},
			{9.5, ref32(math.Erfc, 9.5)}, {10.04, ref32(math.Erfc, 10.04)}, {-0.5, ref32(math.Erfc, -0.5)}},
		"sin": {{0, 0}, {negz, negz}, {inf, nan}, {float32(math.Inf(-1)), nan}, {nan, nan}, {tiny, tiny}, {-tiny, -tiny},
			{0x1p-149, 0x1p-149}, {1.5707964, 1}, {-1.5707964, -1}, {1, ref32(math.Sin, 1)},
			{0x1.fffffep127, ref32(math.Sin, 0x1.fffffep127)}, {-7.729179e28, ref32(math.Sin, -7.729179e28)}},
		"cos": {{0, 1}, {negz, 1}, {inf, nan}, {float32(math.Inf(-1)), nan}, {nan, nan}, {tiny, 1}, {0x1p-149, 1},
			{3.1415927, -1}, {-3.1415927, -1}, {1.5707964, ref32(math.Cos, 1.5707964)}, {1, ref32(math.Cos, 1)},
			{0x1.fffffep127, ref32(math.Cos, 0x1.fffffep127)}, {7.729179e28, ref32(math.Cos, 7.729179e28)}},
	}
	for _, name := range mathFuncs {
		for _, c := range cases[name] {
			y := make([]float32, 1)
			lib.call(t, name, []float32{c[0]}, y)
			got, want := y[0], c[1]
			// Zeros, infinities, NaN, ±1, 1/2 and f(x) = x are exact, signs of
			// zero included; other values are within the sweep's bound.
			exact := want == 0 || math.IsInf(float64(want), 0) || want != want || want == 1 || want == -1 || want == 0.5 || want == c[0]
			same := math.Float32bits(got) == math.Float32bits(want) || (got != got && want != want)
			if !same && (exact || ulpDist(got, want) > maxULP) {
				t.Errorf("%s(%v) = %v (%#x), want %v (%#x)", name, c[0], got, math.Float32bits(got), want, math.Float32bits(want))
			}
		}
	}
}

// optimizedFuncs splits optimized LLVM IR into its function definitions by name.
func optimizedFuncs(ll string) map[string]string {
	out := map[string]string{}
	for _, part := range strings.Split(ll, "\ndefine ")[1:] {
		at := strings.Index(part, "@")
		paren := strings.Index(part, "(")
		if at < 0 || paren < at {
			continue
		}
		out[strings.Trim(part[at+1:paren], `"`)] = part
	}
	return out
}

// libmNames are the library functions the inline functions replace.
var libmNames = []string{"@expf", "@logf", "@log1pf", "@tanhf", "@erff", "@expm1f", "@exp2f", "@erfcf", "@sinf", "@cosf",
	"@llvm.exp.", "@llvm.log.", "@llvm.sin.", "@llvm.cos."}

// TestVecMathVectorises checks that opt -O3 -mcpu=x86-64-v3 turns each loop
// into <8 x float> code with no call at all, both for the hand-built kernels
// and for IR ops through Emit (f32, and f16/bf16, which compute in f32).
func TestVecMathVectorises(t *testing.T) {
	lib := openMathLib(t, codegen.DefaultCPU)
	fns := optimizedFuncs(lib.optimized)
	for _, name := range mathFuncs {
		body, ok := fns[name]
		if !ok {
			t.Fatalf("no function @%s in the optimized IR", name)
		}
		checkVectorised(t, name, body)
	}

	var src strings.Builder
	var kernels []string
	for _, op := range mathFuncs {
		for _, d := range []string{"f32", "f16", "bf16"} {
			name := op + "_" + d
			fmt.Fprintf(&src, "func @%s(%%x: %s[N]) -> (r: %s[N]) {\n  %%1 = %s %%x : %s[N] @k0\n  return r = %%1\n}\n", name, d, d, op, d)
			kernels = append(kernels, "dlc_"+name+"_k0")
		}
	}
	m, err := ir.Parse(src.String())
	if err != nil {
		t.Fatal(err)
	}
	target := codegen.CPUTarget(codegen.DefaultCPU)
	ll, _, _, err := cpubackend.Emit(m, target)
	if err != nil {
		t.Fatal(err)
	}
	_, optimized, err := cpubackend.Compile(context.Background(), ll, cpubackend.Options{Target: target, Tools: needTools(t)})
	if err != nil {
		t.Fatal(err)
	}
	fns = optimizedFuncs(optimized)
	for _, k := range kernels {
		body, ok := fns[k]
		if !ok {
			t.Fatalf("no function @%s in the optimized IR; have %v", k, slices.Sorted(maps.Keys(fns)))
		}
		checkVectorised(t, k, body)
	}
}

// checkVectorised fails unless an optimized function has 8-wide float code,
// no call (libm's or an llvm.exp-like intrinsic, which llc scalarises), no
// fast-math or FMA contraction, and no FMA outside exp (which calls llvm.fma
// and llvm.rint on x86-64-v3: single instructions, not calls).
func checkVectorised(t *testing.T, name, body string) {
	t.Helper()
	if !strings.Contains(body, "<8 x float>") {
		t.Errorf("%s: the optimized loop has no <8 x float> operations", name)
	}
	for _, lm := range libmNames {
		if strings.Contains(body, lm) {
			t.Errorf("%s: the optimized loop still calls %s", name, lm)
		}
	}
	isExp := name == "exp" || strings.HasPrefix(name, "dlc_exp_")
	for _, line := range strings.Split(body, "\n") {
		if strings.HasPrefix(line, "declare ") {
			continue // the module's declarations follow its last function
		}
		// Inlining the kernel body declares its noalias scopes with a call.
		inst := isExp && (strings.Contains(line, "@llvm.fma.") || strings.Contains(line, "@llvm.rint."))
		if strings.Contains(line, " call ") && !inst && !strings.Contains(line, "@llvm.experimental.noalias.scope.decl") {
			t.Errorf("%s: the optimized loop has a call: %s", name, strings.TrimSpace(line))
		}
		if strings.Contains(line, "fmuladd") || strings.Contains(line, " fast ") || strings.Contains(line, "contract") || (!isExp && strings.Contains(line, "llvm.fma")) {
			t.Errorf("%s: the optimized loop has FMA or fast-math: %s", name, strings.TrimSpace(line))
		}
	}
}

// TestVecMathOtherCPUs checks that the functions vectorise without a call for
// CPUs without AVX or FMA too (4 wide), and give the same bits as on
// x86-64-v3: nothing depends on the vector width, and only exp on FMA (its
// FMA form is within 1 ulp of the other).
func TestVecMathOtherCPUs(t *testing.T) {
	v3 := openMathLib(t, codegen.DefaultCPU)
	x := make([]float32, 0, 1<<16)
	for u := uint64(0); u < 1<<32; u += 65521 {
		x = append(x, math.Float32frombits(uint32(u)))
	}
	want, got := make([]float32, len(x)), make([]float32, len(x))
	for _, cpu := range []string{"x86-64", "x86-64-v2"} {
		lib := openMathLib(t, cpu)
		fns := optimizedFuncs(lib.optimized)
		for _, name := range mathFuncs {
			body := fns[name]
			if !strings.Contains(body, "<4 x float>") {
				t.Errorf("%s %s: the optimized loop has no <4 x float> operations", cpu, name)
			}
			if strings.Contains(body, " call ") {
				t.Errorf("%s %s: the optimized loop has a call", cpu, name)
			}
			v3.call(t, name, x, want)
			lib.call(t, name, x, got)
			for i := range x {
				if name == "exp" && ulpDist(got[i], want[i]) <= 1 {
					continue
				}
				if math.Float32bits(got[i]) != math.Float32bits(want[i]) && !(got[i] != got[i] && want[i] != want[i]) {
					t.Errorf("%s %s(%v) = %v, but %v on %s", cpu, name, x[i], got[i], want[i], codegen.DefaultCPU)
					break
				}
			}
		}
	}
}

// BenchmarkVecMath compares y[i] = f(x[i]) inline and with libm's scalar
// function (sigmoid: the old lowering around expf), in ns per element on one
// core, on 16K elements (in cache: the cost of the arithmetic) and on 1M.
// sin and cos also run on large arguments (up to 1e6 in magnitude), where
// libm leaves its fast path; the inline code costs the same for every x.
func BenchmarkVecMath(b *testing.B) {
	lib := openMathLib(b, codegen.DefaultCPU)
	for _, n := range []int{1 << 14, 1 << 20} {
		x, y := make([]float32, n), make([]float32, n)
		for _, c := range []struct {
			name, libm string
			scale      float32 // inputs in (-scale, scale)
		}{
			{"exp", "expf", 10}, {"log", "logf", 0}, {"log1p", "log1pf", 0}, {"tanh", "tanhf", 10},
			{"sigmoid", "sigmoid", 10}, {"erf", "erff", 10}, {"expm1", "expm1f", 10},
			{"erfc", "erfcf", 10}, {"sin", "sinf", 10}, {"cos", "cosf", 10}, {"sin", "sinf", 1e6}, {"cos", "cosf", 1e6},
		} {
			for i := range x {
				// Inputs where every function does real work: (-10, 10), and
				// positive for the logarithms.
				v := (float32(i)/float32(n)*2 - 1) * c.scale
				if strings.HasPrefix(c.name, "log") {
					v = float32(i)/float32(n)*100 + 1e-3
				}
				x[i] = v
			}
			for _, variant := range []string{c.name, c.libm + "_libm"} {
				name := fmt.Sprintf("%s/n=%d", variant, n)
				if c.scale > 10 {
					name = fmt.Sprintf("%s/x=%g/n=%d", variant, c.scale, n)
				}
				b.Run(name, func(b *testing.B) {
					k := lib.kernel(b, variant)
					for b.Loop() {
						k(x, y)
					}
					b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/elem")
				})
			}
		}
	}
}
