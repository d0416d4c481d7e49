package tests

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"dlc.dev/dlc/codegen"
	"dlc.dev/dlc/compiler"
	"dlc.dev/dlc/ir"
	"dlc.dev/dlc/runtime"
	"dlc.dev/dlc/runtime/npy"
)

const contractSource = "tests/testdata/contract/contract.dl"

// contractTol is how far an element of a compiled contraction may be from a
// reference. A sum of K products in floating point, one rounding per step,
// is off by at most gamma_K * sum_k |a_k||b_k| with gamma_K = K*u/(1-K*u)
// and u the unit roundoff (2^-24 for f32, 2^-53 for f64): the standard
// bound for recursive summation (Higham, Accuracy and Stability of
// Numerical Algorithms, §3.1). mag is a bound on sum |a||b| for the element
// (the function of |inputs|), and the epilogue adds a few roundings of
// |want|; against NumPy, which has an error of the same bound, twice that.
func contractTol(d ir.DType, k int64, mag, want float64) float64 {
	u := math.Ldexp(1, -24)
	if d == ir.F64 {
		u = math.Ldexp(1, -53)
	}
	return 2*float64(k+2)*u*mag + 8*u*math.Abs(want) + 1e-30
}

// contractCase is one call of a function of contract.dl: its sizes and the
// NumPy expression of each output (none where NumPy lacks the function).
type contractCase struct {
	fn    string
	dims  map[string]int64
	numpy map[string]string
}

// contractCases are the calls the end-to-end tests make: sizes of 1,
// primes, and sizes that are not multiples of the register tile.
func contractCases() []contractCase {
	mm := "a @ b"
	var cs []contractCase
	for _, d := range []map[string]int64{{"M": 1, "K": 1, "N": 1}, {"M": 7, "K": 13, "N": 5}, {"M": 37, "K": 130, "N": 97}, {"M": 64, "K": 3, "N": 200}} {
		cs = append(cs,
			contractCase{"mm", d, map[string]string{"c": mm}},
			contractCase{"mm_nt", d, map[string]string{"c": "a @ b.T"}},
			contractCase{"mm_tn", d, map[string]string{"c": "a.T @ b"}},
			contractCase{"mm_tt", d, map[string]string{"c": "a.T @ b.T"}},
			contractCase{"mm64", d, map[string]string{"c": mm}},
			contractCase{"dense", d, map[string]string{"y": "np.maximum(x @ w + b, 0)"}},
			contractCase{"dense_gelu", d, map[string]string{"h": "x @ w + b"}},
			contractCase{"masked", d, map[string]string{"dx": "(dy * np.where(h > 0, 1, 0).astype(np.float32)) @ w.T"}},
		)
	}
	for _, d := range []map[string]int64{{"B": 1, "M": 3, "K": 5, "N": 2}, {"B": 4, "M": 19, "K": 33, "N": 41}} {
		cs = append(cs,
			contractCase{"bmm", d, map[string]string{"c": "np.matmul(a, b)"}},
			contractCase{"bcast", d, map[string]string{"c": "np.matmul(a, b)"}},
			contractCase{"ein", d, map[string]string{"c": `np.einsum("bmk,nbk->bnm", a, b)`}},
		)
	}
	for _, d := range []map[string]int64{{"S": 1, "T": 1, "M": 1, "K": 2, "N": 1}, {"S": 2, "T": 3, "M": 7, "K": 11, "N": 19}} {
		cs = append(cs, contractCase{"bcast4", d, map[string]string{"c": "np.matmul(a, b)"}})
	}
	for _, d := range []map[string]int64{{"M": 5, "K": 7, "P": 3, "N": 11}, {"M": 20, "K": 65, "P": 9, "N": 17}} {
		cs = append(cs,
			contractCase{"ein_split", d, map[string]string{"c": `np.einsum("mkp,kn->mpn", a, b)`}},
			contractCase{"tr", d, map[string]string{"t": "np.transpose(a, (2, 0, 1))"}},
		)
	}
	for _, k := range []int64{1, 0, 1031} {
		d := map[string]int64{"K": k, "N": 23}
		cs = append(cs, contractCase{"vecmat", d, map[string]string{"c": mm}}, contractCase{"dot", d, map[string]string{"c": mm}})
	}
	return cs
}

// contractInputs are random inputs of f for the sizes dims, exactly
// representable in their dtypes.
func contractInputs(rng *rand.Rand, f *ir.Func, dims map[string]int64) ir.Inputs {
	in := ir.Inputs{Tensors: map[string]*ir.Array{}, Scalars: map[string]float64{}}
	for _, p := range f.Params {
		if p.Type.IsScalar() {
			in.Scalars[p.Name] = 0.75
			continue
		}
		a := ir.NewArray(concreteShape(p.Type.Shape, dims)...)
		for i := range a.Data {
			a.Data[i] = ir.Convert(rng.NormFloat64(), p.Type.DType)
		}
		in.Tensors[p.Name] = a
	}
	return in
}

func concreteShape(s ir.Shape, dims map[string]int64) []int64 {
	out := make([]int64, len(s))
	for i, d := range s {
		out[i] = d.N
		if d.IsSym() {
			out[i] = dims[d.Sym]
		}
	}
	return out
}

// absInputs are the inputs with every element replaced by its magnitude:
// the function of them bounds sum |a||b| for each element of a product.
func absInputs(in ir.Inputs) ir.Inputs {
	out := ir.Inputs{Tensors: map[string]*ir.Array{}, Scalars: in.Scalars}
	for n, a := range in.Tensors {
		b := ir.NewArray(a.Shape...)
		for i, x := range a.Data {
			b.Data[i] = math.Abs(x)
		}
		out.Tensors[n] = b
	}
	return out
}

// runContraction runs function name of art on in and returns its outputs.
func runContraction(t *testing.T, art *runtime.Artifact, f *ir.Func, in ir.Inputs, dims map[string]int64) map[string]*ir.Array {
	t.Helper()
	args := runtime.Args{Inputs: map[string]runtime.Tensor{}, Outputs: map[string]runtime.Tensor{}, Scalars: in.Scalars}
	for _, p := range f.TensorParams() {
		args.Inputs[p.Name] = toTensor(p.Type.DType, in.Tensors[p.Name])
	}
	out := map[string]runtime.Tensor{}
	for _, r := range f.Results {
		out[r.Name] = toTensor(r.Value.Type.DType, ir.NewArray(concreteShape(r.Value.Type.Shape, dims)...))
		args.Outputs[r.Name] = out[r.Name]
	}
	fn, err := art.Func(f.Name)
	require.NoError(t, err)
	require.NoError(t, fn.Run(args))
	got := map[string]*ir.Array{}
	for _, r := range f.Results {
		a := ir.NewArray(concreteShape(r.Value.Type.Shape, dims)...)
		copy(a.Data, fromTensor(r.Value.Type.DType, out[r.Name]))
		got[r.Name] = a
	}
	return got
}

// TestContractionsMatchReferences compiles contract.dl and runs each case,
// comparing every output with the float64 interpreter on the unoptimized IR
// and, where NumPy is installed, with NumPy's matmul and einsum, within
// contractTol.
func TestContractionsMatchReferences(t *testing.T) {
	src, err := os.ReadFile(filepath.Join("..", contractSource))
	require.NoError(t, err)
	ref, err := compiler.Lower(contractSource, src, compiler.Options{}, "input")
	require.NoError(t, err)
	art := load(t, contractSource)
	np := newNumpyRefs(t)
	rng := rand.New(rand.NewPCG(21, 22))
	for ci, c := range contractCases() {
		f := ref.Func(c.fn)
		in := contractInputs(rng, f, c.dims)
		want, err := ir.Interpret(ref, c.fn, in)
		require.NoError(t, err)
		mag, err := ir.Interpret(ref, c.fn, absInputs(in))
		require.NoError(t, err)
		got := runContraction(t, art, f, in, c.dims)
		k := c.dims["K"]
		name := fmt.Sprintf("%s%v", c.fn, c.dims)
		for _, r := range f.Results {
			d := r.Value.Type.DType
			closeToRef(t, name+" "+r.Name+" against the interpreter", got[r.Name].Data, want[r.Name].Data, func(i int) float64 {
				tol := contractTol(ir.F32, k, mag[r.Name].Data[i], want[r.Name].Data[i])
				if d == ir.F64 {
					tol = contractTol(ir.F64, k, mag[r.Name].Data[i], want[r.Name].Data[i])
				}
				if d == ir.BF16 {
					tol += math.Ldexp(math.Abs(want[r.Name].Data[i]), -7) // one bf16 ulp: the rounding may go either way
				}
				return tol
			})
			if expr, ok := c.numpy[r.Name]; ok {
				np.add(fmt.Sprintf("%d_%s", ci, r.Name), expr, f, in, func(npOut []float64) {
					closeToRef(t, name+" "+r.Name+" against NumPy", got[r.Name].Data, npOut, func(i int) float64 {
						return 2 * contractTol(d, k, mag[r.Name].Data[i], npOut[i])
					})
				})
			}
		}
	}
	np.run()
}

// closeToRef checks got against want elementwise within tol(i); NaN
// matches NaN.
func closeToRef(t *testing.T, what string, got, want []float64, tol func(i int) float64) {
	t.Helper()
	require.Equal(t, len(want), len(got), what)
	bad := 0
	for i := range want {
		if math.IsNaN(want[i]) && math.IsNaN(got[i]) {
			continue
		}
		if d := math.Abs(got[i] - want[i]); !(d <= tol(i)) {
			if bad++; bad <= 3 {
				t.Errorf("%s: [%d] = %.9g, want %.9g (off by %.3g, tolerance %.3g)", what, i, got[i], want[i], d, tol(i))
			}
		}
	}
	if bad > 3 {
		t.Errorf("%s: %d of %d elements out of tolerance", what, bad, len(want))
	}
}

// numpyRefs evaluates NumPy expressions of a function's inputs in one
// Python process: inputs go to .npy files, a JSON list says what to
// compute, and each result comes back as a .npy file.
type numpyRefs struct {
	t      *testing.T
	dir    string
	python string
	jobs   []numpyJob
	checks map[string]func([]float64)
}

type numpyJob struct {
	Name   string            `json:"name"`
	Expr   string            `json:"expr"`
	Inputs map[string]string `json:"inputs"`
}

// newNumpyRefs finds a Python with NumPy, or logs why the NumPy comparison
// is skipped.
func newNumpyRefs(t *testing.T) *numpyRefs {
	n := &numpyRefs{t: t, dir: t.TempDir(), checks: map[string]func([]float64){}}
	for _, cand := range []string{"/usr/bin/python3", "python3"} {
		if err := exec.Command(cand, "-c", "import numpy").Run(); err == nil {
			n.python = cand
			return n
		}
	}
	t.Logf("NumPy is not installed (apt-get install python3-numpy): contractions are compared with the interpreter only")
	return n
}

// add asks for expr of f's inputs in; check receives the result.
func (n *numpyRefs) add(name, expr string, f *ir.Func, in ir.Inputs, check func([]float64)) {
	if n.python == "" {
		return
	}
	job := numpyJob{Name: name, Expr: expr, Inputs: map[string]string{}}
	for _, p := range f.TensorParams() {
		path := filepath.Join(n.dir, name+"_"+p.Name+".npy")
		require.NoError(n.t, npy.WriteFile(path, toTensor(p.Type.DType, in.Tensors[p.Name])))
		job.Inputs[p.Name] = path
	}
	n.jobs = append(n.jobs, job)
	n.checks[name] = check
}

// run evaluates every job and runs the checks.
func (n *numpyRefs) run() {
	if n.python == "" || len(n.jobs) == 0 {
		return
	}
	list := filepath.Join(n.dir, "jobs.json")
	b, err := json.Marshal(n.jobs)
	require.NoError(n.t, err)
	require.NoError(n.t, os.WriteFile(list, b, 0o644))
	out, err := exec.Command(n.python, "testdata/contract/numpy_ref.py", list, n.dir).CombinedOutput()
	require.NoError(n.t, err, "%s", out)
	for _, j := range n.jobs {
		r, err := npy.ReadFile(filepath.Join(n.dir, j.Name+"_out.npy"))
		require.NoError(n.t, err)
		n.checks[j.Name](fromTensor(ir.DType(r.DType), r))
	}
	n.t.Logf("%d outputs compared with NumPy (%s)", len(n.jobs), strings.TrimSpace(string(out)))
}

// TestContractionThreadsSameBits runs contractions on 1, 2, 3 and 8
// threads of an OpenMP team and on 2 of the Go pool: the contracted dimension is never split between threads, and
// each element is one chain of multiply-adds in k order whatever the
// blocking, so every thread count gives the same bits. So it is with
// floating-point contraction too (-fp-contract fast), which fuses the
// epilogues' multiplies and adds alike on full tiles and on edges.
func TestContractionThreadsSameBits(t *testing.T) {
	for _, fpc := range []codegen.FPContract{codegen.ContractOff, codegen.ContractFast} {
		t.Run(fpc.String(), func(t *testing.T) { contractionThreadsSameBits(t, fpc) })
	}
}

func contractionThreadsSameBits(t *testing.T, fpc codegen.FPContract) {
	needTools(t)
	src, err := os.ReadFile(filepath.Join("..", contractSource))
	require.NoError(t, err)
	b, _, err := compiler.Build(context.Background(), contractSource, src, compiler.Options{FPContract: fpc})
	require.NoError(t, err)
	ref, err := compiler.Lower(contractSource, src, compiler.Options{}, "input")
	require.NoError(t, err)
	cases := []contractCase{
		{fn: "mm", dims: map[string]int64{"M": 150, "K": 1100, "N": 170}},
		{fn: "mm_tn", dims: map[string]int64{"M": 301, "K": 64, "N": 77}},
		{fn: "bmm", dims: map[string]int64{"B": 6, "M": 50, "K": 70, "N": 90}},
		{fn: "dense_gelu", dims: map[string]int64{"M": 100, "K": 200, "N": 300}},
		{fn: "masked", dims: map[string]int64{"M": 128, "K": 256, "N": 96}},
	}
	var first []map[string]*ir.Array
	for _, cfg := range []runtime.Config{{Threads: 1}, {Threads: 2}, {Threads: 3}, {Threads: 8}, {Threads: 2, GoPool: true}} {
		threads := cfg.Threads
		art, err := runtime.LoadBytes(b, cfg)
		require.NoError(t, err)
		for i, c := range cases {
			f := ref.Func(c.fn)
			rng := rand.New(rand.NewPCG(23, uint64(i)))
			got := runContraction(t, art, f, contractInputs(rng, f, c.dims), c.dims)
			if threads == 1 {
				first = append(first, got)
				continue
			}
			for name, a := range got {
				for j, x := range a.Data {
					if math.Float64bits(x) != math.Float64bits(first[i][name].Data[j]) {
						t.Fatalf("%s on %d threads (Go pool %v): %s[%d] = %v, on one thread %v", c.fn, threads, cfg.GoPool, name, j, x, first[i][name].Data[j])
					}
				}
			}
		}
		require.NoError(t, art.Close())
	}
}

// TestContractionBadArguments checks that a call with mismatched sizes,
// dtypes or shapes, or an output sharing memory with an operand, is an
// error that names the argument, and writes nothing.
func TestContractionBadArguments(t *testing.T) {
	art := load(t, contractSource)
	fn, err := art.Func("dense")
	require.NoError(t, err)
	f32 := func(n int, shape ...int64) runtime.Tensor { return runtime.F32(make([]float32, n), shape...) }
	out := make([]float32, 12)
	for i := range out {
		out[i] = 42
	}
	y := runtime.F32(out, 3, 4)
	x, w, b := f32(6, 3, 2), f32(8, 2, 4), f32(4, 4)
	square := runtime.F32(out, 3, 4)
	for _, c := range []struct {
		name string
		args runtime.Args
		want string
	}{
		{"contracted size", runtime.Args{Inputs: map[string]runtime.Tensor{"x": x, "w": f32(12, 3, 4), "b": b}, Outputs: map[string]runtime.Tensor{"y": y}}, "w"},
		{"dtype", runtime.Args{Inputs: map[string]runtime.Tensor{"x": runtime.F64(make([]float64, 6), 3, 2), "w": w, "b": b}, Outputs: map[string]runtime.Tensor{"y": y}}, "x"},
		{"output shape", runtime.Args{Inputs: map[string]runtime.Tensor{"x": x, "w": w, "b": b}, Outputs: map[string]runtime.Tensor{"y": runtime.F32(out, 4, 3)}}, "y"},
		{"bias shape", runtime.Args{Inputs: map[string]runtime.Tensor{"x": x, "w": w, "b": f32(3, 3)}, Outputs: map[string]runtime.Tensor{"y": y}}, "b"},
		{"missing input", runtime.Args{Inputs: map[string]runtime.Tensor{"x": x, "b": b}, Outputs: map[string]runtime.Tensor{"y": y}}, "w"},
		{"output over an operand", runtime.Args{Inputs: map[string]runtime.Tensor{"x": square, "w": runtime.F32(make([]float32, 16), 4, 4), "b": b}, Outputs: map[string]runtime.Tensor{"y": square}}, "x"},
	} {
		err := fn.Run(c.args)
		require.Error(t, err, c.name)
		require.Contains(t, err.Error(), c.want, c.name)
		t.Logf("%s: %v", c.name, err)
		for i, v := range out {
			require.Equal(t, float32(42), v, "%s: element %d of the output was written", c.name, i)
		}
	}
}
