// This file checks the streaming entry points of loop kernels (stream.go):
// they compute the same bytes as the ordinary ones for every dtype, size,
// chunking and placement of the outputs (aligned, needing a peel, mutually
// misaligned, not even aligned to an element), and their vector loop
// stores with vmovntps.
package cpu

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"strings"
	"testing"

	"dlc.dev/dlc/codegen"
	"dlc.dev/dlc/ir"
)

// streamIR has f64 outputs through libm calls (one call per lane in the
// vector loop), and selects on bool scalars, for which the vector loop is
// specialised (both values of %flag and of %off, and a third condition that
// is not).
const streamIR = `func @wide(%d: f64[N], %x: f32[N]; %a: f64 = 0.5, %flag: bool = true, %off: bool = false, %third: bool = true) -> (e: f64[N], y: f32[N], c: f64[N]) {
  %7 = exp %d : f64[N] @k0
  %8 = mul %7, %a : f64[N] @k0
  %9 = tanh %x : f32[N] @k0
  %10 = select %flag, %9, %x : f32[N] @k0
  %11 = neg %10 : f32[N] @k0
  %12 = select %off, %11, %10 : f32[N] @k0
  %13 = select %third, %12, %x : f32[N] @k0
  %14 = cast %x : f64[N] @k0
  return e = %8, y = %13, c = %14
}
`

func TestStreamingSameBits(t *testing.T) {
	lion, err := os.ReadFile("../../ir/testdata/lion.ir")
	if err != nil {
		t.Fatal(err)
	}
	sources := map[string]string{"lion": string(lion), "wide": streamIR}
	for _, name := range []string{"storage", "two"} {
		sources[name] = loadIR(t, "testdata/emit/"+name+".ir")
	}
	shifts := map[string]func(int) int{
		"aligned":         func(int) int { return 0 },
		"peeled":          func(int) int { return 4 },
		"misaligned":      func(i int) int { return 4 * i },
		"not an element":  func(i int) int { return 2 + 8*i },
		"allocator":       nil,
		"one byte beyond": func(int) int { return 1 },
	}
	r := rand.New(rand.NewPCG(9, 10))
	for name, src := range sources {
		lib := buildLibrary(t, src)
		for _, f := range lib.mod.Funcs {
			streaming := 0
			for _, k := range lib.kernels[f.Name] {
				if lib.target.Entry(f.Name, k.Name).Stream != "" {
					streaming++
				}
			}
			if streaming == 0 {
				t.Fatalf("%s: @%s has no streaming entry point", name, f.Name)
			}
			for _, n := range []int64{0, 1, 7, 8, 9, 31, 100, 1003, 4099} {
				in := streamInputs(r, f, n)
				for _, scalars := range []map[string]float64{nil, {"flag": 0, "off": 1, "third": 0}, {"flag": 0, "third": 1}} {
					want := lib.run(t, f.Name, in, scalars, runOptions{})
					for sname, shift := range shifts {
						for _, splits := range [][]int64{nil, {n / 3, n/2 + 1}} {
							what := fmt.Sprintf("%s @%s n=%d %v %s splits %v", name, f.Name, n, scalars, sname, splits)
							got := lib.run(t, f.Name, in, scalars, runOptions{stream: true, shift: shift, splits: splits})
							sameBits(t, what, got, want)
						}
					}
				}
			}
		}
	}
}

// streamInputs are random inputs of f with every symbolic dimension n, and
// some specials (NaN, ±inf, -0) among them.
func streamInputs(r *rand.Rand, f *ir.Func, n int64) map[string]*ir.Array {
	in := map[string]*ir.Array{}
	for _, p := range f.TensorParams() {
		shape := make([]int64, len(p.Type.Shape))
		for i, d := range p.Type.Shape {
			shape[i] = n
			if !d.IsSym() {
				shape[i] = d.N
			}
		}
		a := randomArray(r, p.Type.DType, shape...)
		for i, x := range []float64{math.NaN(), math.Inf(1), math.Inf(-1), math.Copysign(0, -1)} {
			if i < len(a.Data) && p.Type.DType.IsFloat() {
				a.Data[len(a.Data)-1-i] = x
			}
		}
		in[p.Name] = a
	}
	return in
}

// TestStreamingStores checks the code: Lion's streaming entry point stores
// with vmovntps (θ' and m' for each vector of an iteration) and fences them; the
// ordinary one has no streaming store.
func TestStreamingStores(t *testing.T) {
	tools := needTools(t)
	target := codegen.CPUTarget(codegen.DefaultCPU)
	_, optimized, err := Compile(context.Background(), emitLion(t), Options{Target: target, Tools: tools})
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(tools.LLC, "-O3", "-fp-contract=off", "-mtriple="+target.Triple, "-mcpu="+target.CPU, "-o", "-", "-")
	cmd.Stdin = strings.NewReader(optimized)
	asm, err := cmd.Output()
	if err != nil {
		t.Fatal(err)
	}
	fns := map[string]string{}
	for _, part := range strings.Split(string(asm), "\n.Lfunc_end")[:2] {
		for _, name := range []string{"dlc_lion_k0:", "dlc_lion_k0.stream:"} {
			if i := strings.Index(part, "\n"+name); i >= 0 {
				fns[name] = part[i:]
			}
		}
	}
	plain, stream := fns["dlc_lion_k0:"], fns["dlc_lion_k0.stream:"]
	if plain == "" || stream == "" {
		t.Fatalf("no assembly for both entry points: %v", fns)
	}
	if strings.Contains(plain, "movnt") {
		t.Error("the ordinary entry point has streaming stores")
	}
	if n := strings.Count(stream, "vmovntps\t%ymm"); n != 2*streamUnroll {
		t.Errorf("the streaming entry point has %d vmovntps of a ymm register, want %d (θ' and m', %d vectors each)", n, 2*streamUnroll, streamUnroll)
	}
	if !strings.Contains(stream, "sfence") {
		t.Error("the streaming entry point does not fence its stores")
	}
}

// TestUnswitchSameBits checks that a loop kernel unswitched on its select
// flags (emitWrapper: %flag and %off of streamIR; %third is past
// maxUnswitch) computes the same bytes as the kernel that selects per
// element, for every combination of the flags, at sizes with and without a
// vector loop.
func TestUnswitchSameBits(t *testing.T) {
	tg := codegen.CPUTarget(codegen.DefaultCPU)
	split := buildLibraryWith(t, streamIR, tg, emitOptions{outline: true, unswitch: true})
	whole := buildLibraryWith(t, streamIR, tg, emitOptions{outline: true})
	r := rand.New(rand.NewPCG(11, 12))
	for _, n := range []int64{1, 9, 100, 4099} {
		in := streamInputs(r, split.mod.Func("wide"), n)
		for c := range 8 {
			scalars := map[string]float64{"flag": float64(c & 1), "off": float64(c >> 1 & 1), "third": float64(c >> 2 & 1)}
			want := whole.run(t, "wide", in, scalars, runOptions{})
			got := split.run(t, "wide", in, scalars, runOptions{})
			sameBits(t, fmt.Sprintf("n=%d %v", n, scalars), got, want)
		}
	}
}
