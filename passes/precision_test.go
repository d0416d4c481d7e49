// This file tests the precision pass on whole programs: off, it changes no
// IR text of any program; on, its casts join existing kernels, the policy
// table covers every op, and the interpreter rounds where the pass says.
package passes

import (
	"io/fs"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"dlc.dev/dlc/frontend"
	"dlc.dev/dlc/ir"
	"dlc.dev/dlc/stdlib"
)

// mlpSource is a two-layer perceptron's loss and its gradient kernel: four
// contractions forward and backward, two of them on parameters.
const mlpSource = `
import "std/loss/softmax_ce"

kernel mlp(x: f32[B, D], w1: f32[D, H], b1: f32[H], w2: f32[H, C], labels: i32[B]) -> loss: f32 {
    let h = relu(x @ w1 + b1)
    let l, _ = softmax_ce_labels(h @ w2, labels)
    loss = mean(l)
}

kernel dmlp = grad(mlp, wrt=(w1, b1, w2))
`

// lowerWith compiles src and runs the pipeline with opt.
func lowerWith(t *testing.T, name string, src []byte, opt *Options) *ir.Module {
	t.Helper()
	m, err := frontend.Compile(name, src, frontend.Options{Stdlib: stdlib.FS(), ReadFile: func(p string) ([]byte, error) { return os.ReadFile(p) }})
	if err != nil {
		t.Fatal(err)
	}
	if err := Run(m, opt); err != nil {
		t.Fatal(err)
	}
	return m
}

// programs returns every .dl source of the standard library and tests/programs.
func programs(t *testing.T) map[string][]byte {
	t.Helper()
	srcs := map[string][]byte{}
	err := fs.WalkDir(stdlib.FS(), ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || filepath.Ext(p) != ".dl" {
			return err
		}
		srcs["stdlib/"+p], err = fs.ReadFile(stdlib.FS(), p)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	paths, _ := filepath.Glob("../tests/programs/*.dl")
	for _, p := range paths {
		if srcs[p], err = os.ReadFile(p); err != nil {
			t.Fatal(err)
		}
	}
	srcs["mlp.dl"] = []byte(mlpSource)
	return srcs
}

// TestPrecisionOffChangesNothing runs every program through the pipeline
// with the precision pass and through the same pipeline without it: with
// mixed precision off the IR texts are identical.
func TestPrecisionOffChangesNothing(t *testing.T) {
	for name, src := range programs(t) {
		with := ir.Print(lowerWith(t, name, src, &Options{}))
		m, err := frontend.Compile(name, src, frontend.Options{Stdlib: stdlib.FS()})
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range Pipeline() {
			if p.Name == "precision" {
				continue
			}
			if err := runOne(p, m, &Options{}); err != nil {
				t.Fatal(err)
			}
		}
		if without := ir.Print(m); with != without {
			t.Errorf("%s: the precision pass changed the IR with mixed precision off", name)
		}
	}
}

// kernelsOf counts the kernels of every function of m.
func kernelsOf(m *ir.Module) map[string]int {
	n := map[string]int{}
	for _, f := range m.Funcs {
		n[f.Name] = len(f.Schedule)
	}
	return n
}

// TestPrecisionCastsFuse checks that every cast the pass adds joins a kernel
// that computes something else, so the mixed program has exactly as many
// kernels as the f32 one: a cast of a computed value joins its producer's
// kernel, and a cast of a parameter (one per contraction that reads it) is
// computed by that contraction's kernel while it packs the operand.
func TestPrecisionCastsFuse(t *testing.T) {
	for _, low := range []ir.DType{ir.BF16, ir.F16} {
		for name, src := range programs(t) {
			plain := kernelsOf(lowerWith(t, name, src, &Options{}))
			m := lowerWith(t, name, src, &Options{Precision: low})
			for _, f := range m.Funcs {
				members := map[string]int{}
				readers := map[*ir.Value]int{}
				for _, v := range f.Body {
					members[v.Group]++
					for _, a := range uniqueArgs(v) {
						readers[a]++
					}
				}
				for _, v := range f.Body {
					if v.Op != ir.OpCast || v.Type.DType != low || v.Args[0].Type.DType != ir.F32 {
						continue
					}
					if v.Args[0].Op == ir.OpParam && readers[v] != 1 {
						t.Errorf("%s @%s (%s): %s is read %d times, want once: a parameter gets a cast per contraction", name, f.Name, low, ir.FormatValue(v), readers[v])
					}
					if members[v.Group] < 2 {
						t.Errorf("%s @%s (%s): %s is a kernel of its own", name, f.Name, low, ir.FormatValue(v))
					}
				}
				if got, want := len(f.Schedule), plain[f.Name]; got != want {
					t.Errorf("%s @%s (%s): %d kernels, want the f32 program's %d", name, f.Name, low, got, want)
				}
			}
		}
	}
	m := lowerWith(t, "mlp.dl", []byte(mlpSource), &Options{Precision: ir.BF16})
	var casts []string
	for _, v := range m.Func("dmlp").Body {
		if v.Op == ir.OpCast && v.Type.DType == ir.BF16 {
			casts = append(casts, ir.FormatValue(v))
		}
	}
	// x, w1 and w2 are parameters; relu's output h and the gradients that
	// flow back into contractions are computed in kernels the casts join.
	if len(casts) < 5 {
		t.Errorf("dmlp has %d bf16 casts, want one per distinct contraction operand:\n%s", len(casts), strings.Join(casts, "\n"))
	}
}

// policyOf is MATH.md §4's recipe written out per op, independently of the
// op table: contractions may read 16-bit operands; reductions, log-sum-exp,
// exp, expm1, log, log1p, pow and rsqrt stay f32; everything else follows
// its operands.
func policyOf(op ir.Op) ir.Precision {
	switch op.String() {
	case "dot_general":
		return ir.PrecisionLow
	case "reduce_sum", "reduce_max", "reduce_min", "reduce_lse", "reduce_nanmax", "reduce_nanmin",
		"exp", "expm1", "log", "log1p", "pow", "rsqrt":
		return ir.PrecisionF32
	}
	return ir.PrecisionFollow
}

// TestPrecisionPolicyCoversEveryOp checks every row's policy against the
// recipe, and that the pass gives each op what its policy says: an f32
// contraction reads 16-bit operands and keeps an f32 result, and no other
// op's operands or result change dtype.
func TestPrecisionPolicyCoversEveryOp(t *testing.T) {
	for _, op := range ir.AllOps() {
		if got, want := op.Info().Precision, policyOf(op); got != want {
			t.Errorf("op %s: precision policy %d, MATH.md §4 says %d", op, got, want)
		}
	}
	for name, src := range programs(t) {
		before := lowerWith(t, name, src, &Options{StopAfter: "fold-layouts"})
		types := map[string]string{}
		for _, f := range before.Funcs {
			for _, v := range f.Body {
				types[f.Name+"/"+v.Pos.String()+"/"+v.Op.String()] += v.Type.String() + ";"
			}
		}
		after := lowerWith(t, name, src, &Options{StopAfter: "precision", Precision: ir.BF16})
		for _, f := range after.Funcs {
			seen := map[string]string{}
			for _, v := range f.Body {
				if v.Op == ir.OpCast && v.Type.DType == ir.BF16 && v.Args[0].Type.DType == ir.F32 {
					continue // added by the pass
				}
				seen[f.Name+"/"+v.Pos.String()+"/"+v.Op.String()] += v.Type.String() + ";"
				if v.Op.Info().Precision == ir.PrecisionLow && v.Type.DType == ir.F32 {
					for _, a := range v.Args {
						if a.Type.DType != ir.BF16 {
							t.Errorf("%s: %s reads %s, want bf16", name, ir.FormatValue(v), a.Type)
						}
					}
				}
			}
			for k, want := range seen {
				if types[k] != want {
					t.Errorf("%s: %s has types %s after the pass, %s before", name, k, want, types[k])
				}
			}
		}
	}
}

// TestPrecisionInterpreterRounds interprets a mixed contraction and checks it
// against the products of operands rounded to bf16 by hand (the bits of
// float32 values truncated after adding half an ulp, ties to even), summed
// in float64 and rounded once to f32: the interpreter rounds exactly where
// the pass puts casts, and the sum is not rounded to 16 bits.
func TestPrecisionInterpreterRounds(t *testing.T) {
	const src = "kernel mm(x: f32[B, K], w: f32[K, N]) -> y: f32[B, N] {\n    y = x @ w\n}\n"
	m := lowerWith(t, "mm.dl", []byte(src), &Options{Precision: ir.BF16})
	const B, K, N = 3, 37, 5
	r := rand.New(rand.NewPCG(3, 4))
	x, w := ir.NewArray(B, K), ir.NewArray(K, N)
	for _, a := range []*ir.Array{x, w} {
		for i := range a.Data {
			a.Data[i] = float64(float32(r.NormFloat64()))
		}
	}
	got, err := ir.Interpret(m, "mm", ir.Inputs{Tensors: map[string]*ir.Array{"x": x, "w": w}})
	if err != nil {
		t.Fatal(err)
	}
	round := func(v float64) float64 {
		b := math.Float32bits(float32(v))
		b += 0x7fff + (b>>16)&1
		return float64(math.Float32frombits(b &^ 0xffff))
	}
	for i := range B {
		for j := range N {
			s := 0.0
			for k := range K {
				s += round(x.Data[i*K+k]) * round(w.Data[k*N+j])
			}
			if g, want := got["y"].Data[i*N+j], float64(float32(s)); g != want {
				t.Fatalf("y[%d,%d] = %v, want %v", i, j, g, want)
			}
		}
	}
}

// TestPrecisionGradientsClose interprets the perceptron's gradients in f32
// and in bf16 mixed precision. Each bf16 operand carries a relative error of
// at most 2^-9, a product 2^-8, and the gradients pass through two layers of
// contractions, so on these well-scaled random inputs the norm-wise relative
// difference stays within a few 2^-8: the bound is 2^-5, and it must not be
// zero (the pass changed the numerics).
func TestPrecisionGradientsClose(t *testing.T) {
	plain := lowerWith(t, "mlp.dl", []byte(mlpSource), &Options{})
	mixed := lowerWith(t, "mlp.dl", []byte(mlpSource), &Options{Precision: ir.BF16})
	const B, D, H, C = 8, 16, 12, 10
	r := rand.New(rand.NewPCG(7, 8))
	arr := func(scale float64, shape ...int64) *ir.Array {
		a := ir.NewArray(shape...)
		for i := range a.Data {
			a.Data[i] = float64(float32(scale * r.NormFloat64()))
		}
		return a
	}
	labels := ir.NewArray(B)
	for i := range labels.Data {
		labels.Data[i] = float64(r.IntN(C))
	}
	in := ir.Inputs{Tensors: map[string]*ir.Array{"x": arr(1, B, D), "w1": arr(0.25, D, H), "b1": arr(0.1, H), "w2": arr(0.3, H, C), "labels": labels}}
	want, err := ir.Interpret(plain, "dmlp", in)
	if err != nil {
		t.Fatal(err)
	}
	got, err := ir.Interpret(mixed, "dmlp", in)
	if err != nil {
		t.Fatal(err)
	}
	for name, w := range want {
		var diff, norm float64
		for i, x := range w.Data {
			diff += (got[name].Data[i] - x) * (got[name].Data[i] - x)
			norm += x * x
		}
		rel := math.Sqrt(diff / norm)
		t.Logf("%s: relative difference %.3g (2^%.1f)", name, rel, math.Log2(rel))
		if rel > 0x1p-5 || (name != "loss" && rel == 0) {
			t.Errorf("%s: relative difference %.3g between bf16 mixed and f32", name, rel)
		}
	}
}

// uniqueArgs is v's operands, each once.
func uniqueArgs(v *ir.Value) []*ir.Value {
	var out []*ir.Value
	seen := map[*ir.Value]bool{}
	for _, a := range v.Args {
		if !seen[a] {
			seen[a] = true
			out = append(out, a)
		}
	}
	return out
}
