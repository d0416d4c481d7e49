// This file checks the standard library sources against the float64 test
// vectors of MATH.md (copied into testdata/vectors). Each kernel is lowered
// and run twice: in the float64 reference interpreter, which must agree with
// the vectors closely, and in an f32 simulation (host scalars in float64,
// every tensor value rounded to f32), which must meet the tolerance the
// vectors suggest for an f32 kernel.
package frontend

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"math"
	"os"
	"strings"
	"testing"

	"dlc.dev/dlc/ir"
	"dlc.dev/dlc/stdlib"
)

// vecFloat is a JSON number, or "Infinity", "-Infinity" or "NaN".
type vecFloat float64

func (f *vecFloat) UnmarshalJSON(b []byte) error {
	switch s := strings.Trim(string(b), `"`); s {
	case "Infinity":
		*f = vecFloat(math.Inf(1))
	case "-Infinity":
		*f = vecFloat(math.Inf(-1))
	case "NaN":
		*f = vecFloat(math.NaN())
	default:
		var x float64
		if err := json.Unmarshal(b, &x); err != nil {
			return err
		}
		*f = vecFloat(x)
	}
	return nil
}

// vecArray is an array of the vectors, or a bare number (a scalar).
type vecArray struct {
	Shape []int64
	Data  []vecFloat
}

func (a *vecArray) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] != '{' {
		var x vecFloat
		a.Data = []vecFloat{0}
		err := x.UnmarshalJSON(b)
		a.Data[0] = x
		return err
	}
	var raw struct {
		Shape []int64
		Data  []vecFloat
	}
	err := json.Unmarshal(b, &raw)
	a.Shape, a.Data = raw.Shape, raw.Data
	return err
}

// step returns slice k of the leading axis.
func (a vecArray) step(k int) []float64 {
	n := len(a.Data) / int(a.Shape[0])
	return a.floats()[k*n : (k+1)*n]
}

func (a vecArray) floats() []float64 {
	out := make([]float64, len(a.Data))
	for i, x := range a.Data {
		out[i] = float64(x)
	}
	return out
}

type vecCase struct {
	Name      string
	Hparams   map[string]any
	Inputs    map[string]vecArray
	Expected  map[string]vecArray
	Tolerance struct{ Rtol, Atol float64 }
}

// loadVectors reads testdata/vectors/NAME.json.
func loadVectors(t *testing.T, name string) []vecCase {
	t.Helper()
	data, err := os.ReadFile("testdata/vectors/" + name + ".json")
	if err != nil {
		t.Fatal(err)
	}
	var file struct{ Cases []vecCase }
	if err := json.Unmarshal(data, &file); err != nil {
		t.Fatal(err)
	}
	return file.Cases
}

// compileStd compiles a standard library file as the main file.
func compileStd(t *testing.T, path string) *ir.Module {
	t.Helper()
	src, err := fs.ReadFile(stdlib.FS(), path)
	if err != nil {
		t.Fatal(err)
	}
	m, err := Compile("std/"+path, src, Options{})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// scalars converts hyper-parameters to interpreter scalars.
func scalars(h map[string]any) map[string]float64 {
	out := map[string]float64{}
	for k, v := range h {
		switch v := v.(type) {
		case float64:
			out[k] = v
		case bool:
			out[k] = 0
			if v {
				out[k] = 1
			}
		}
	}
	return out
}

// evaluator runs one function of a module on flat tensors.
type evaluator func(m *ir.Module, fn string, tensors map[string][]float64, scalars map[string]float64) (map[string][]float64, error)

// interpret64 is the float64 reference interpreter.
func interpret64(m *ir.Module, fn string, tensors map[string][]float64, sc map[string]float64) (map[string][]float64, error) {
	in := ir.Inputs{Tensors: map[string]*ir.Array{}, Scalars: sc}
	for k, v := range tensors {
		in.Tensors[k] = &ir.Array{Shape: []int64{int64(len(v))}, Data: v}
	}
	res, err := ir.Interpret(m, fn, in)
	if err != nil {
		return nil, err
	}
	out := map[string][]float64{}
	for k, v := range res {
		out[k] = v.Data
	}
	return out, nil
}

// simulateF32 runs a call-free function on flat tensors as a compiled f32
// kernel would; see simulateF32Arrays.
func simulateF32(m *ir.Module, fn string, tensors map[string][]float64, sc map[string]float64) (map[string][]float64, error) {
	in := map[string]*ir.Array{}
	for k, v := range tensors {
		in[k] = &ir.Array{Shape: []int64{int64(len(v))}, Data: v}
	}
	res, err := simulateF32Arrays(m, fn, in, sc)
	if err != nil {
		return nil, err
	}
	out := map[string][]float64{}
	for k, v := range res {
		out[k] = v.Data
	}
	return out, nil
}

// simulateF32Arrays runs a call-free function as a compiled f32 kernel
// would: values computed from scalars only are host values in float64; a
// scalar used by a tensor op is rounded to its dtype there; every tensor op
// is evaluated by the interpreter and its result rounded to its dtype, so a
// reduction accumulates wider than its dtype and rounds once.
func simulateF32Arrays(m *ir.Module, fn string, tensors map[string]*ir.Array, sc map[string]float64) (map[string]*ir.Array, error) {
	f := m.Func(fn)
	shapes := map[string][]int64{}
	for k, a := range tensors {
		shapes[k] = a.Shape
	}
	dims, err := ir.BindDims(f, shapes)
	if err != nil {
		return nil, err
	}
	round := func(a *ir.Array, d ir.DType) *ir.Array {
		out := &ir.Array{Shape: a.Shape, Data: make([]float64, len(a.Data))}
		for i, x := range a.Data {
			out.Data[i] = ir.Convert(x, d)
		}
		return out
	}
	scalar := func(x float64) *ir.Array { return &ir.Array{Data: []float64{x}} }
	vals := map[*ir.Value]*ir.Array{}
	host := map[*ir.Value]bool{}
	for _, p := range f.Params {
		if !p.Type.IsScalar() {
			vals[p] = round(tensors[p.Name], p.Type.DType)
			continue
		}
		x, ok := sc[p.Name]
		if !ok {
			if p.Default == nil {
				return nil, fmt.Errorf("missing scalar %s", p.Name)
			}
			x = *p.Default
		}
		vals[p], host[p] = scalar(ir.HostScalar(x, p.Type.DType)), true
	}
	for _, v := range f.Body {
		allHost := v.Type.IsScalar()
		for _, a := range v.Args {
			allHost = allHost && host[a]
		}
		switch {
		case v.Op == ir.OpConst:
			vals[v], host[v] = scalar(v.Const), true
		case v.Op == ir.OpDim:
			vals[v], host[v] = scalar(float64(dims[v.Name])), true
		case v.Op == ir.OpCall || v.Op == ir.OpExtract:
			return nil, fmt.Errorf("simulateF32: unsupported %s", ir.FormatValue(v))
		case allHost:
			args := make([]float64, len(v.Args))
			for i, a := range v.Args {
				args[i] = vals[a].Data[0]
			}
			d := v.Type.DType
			if d.IsFloat() {
				d = ir.F64
			}
			vals[v], host[v] = scalar(ir.EvalOp(v.Op, d, args...)), true
		default:
			args := make([]*ir.Array, len(v.Args))
			for i, a := range v.Args {
				args[i] = vals[a]
				if host[a] {
					args[i] = round(args[i], a.Type.DType)
				}
			}
			out, err := interpretOne(v, args, dims)
			if err != nil {
				return nil, err
			}
			vals[v] = round(out, v.Type.DType)
		}
	}
	out := map[string]*ir.Array{}
	for _, r := range f.Results {
		out[r.Name] = vals[r.Value]
	}
	return out, nil
}

// interpretOne evaluates one op on given operands with the reference
// interpreter, through a function made of that op alone. Every symbolic
// dimension is bound by an extra parameter of that size.
func interpretOne(v *ir.Value, args []*ir.Array, dims map[string]int64) (*ir.Array, error) {
	f := &ir.Func{Name: "one"}
	in := ir.Inputs{Tensors: map[string]*ir.Array{}, Scalars: map[string]float64{}}
	w := *v
	w.Args = nil
	for i, a := range v.Args {
		p := &ir.Value{Op: ir.OpParam, Type: a.Type, Name: fmt.Sprintf("a%d", i), Index: i}
		f.Params = append(f.Params, p)
		w.Args = append(w.Args, p)
		if a.Type.IsScalar() {
			in.Scalars[p.Name] = args[i].Data[0]
		} else {
			in.Tensors[p.Name] = args[i]
		}
	}
	for sym, n := range dims {
		p := &ir.Value{Op: ir.OpParam, Type: ir.Tensor(ir.F32, ir.SymDim(sym)), Name: "dim_" + sym}
		f.Params = append(f.Params, p)
		in.Tensors[p.Name] = ir.NewArray(n)
	}
	f.Body = []*ir.Value{&w}
	f.Results = []ir.Result{{Name: "r", Value: &w}}
	res, err := ir.Interpret(&ir.Module{Funcs: []*ir.Func{f}}, "one", in)
	if err != nil {
		return nil, err
	}
	return res["r"], nil
}

// closeTo compares got with want under atol + rtol·|want|; NaNs must match.
func closeTo(got, want []float64, rtol, atol float64) (int, bool) {
	if len(got) != len(want) {
		return -1, false
	}
	for i := range want {
		g, w := got[i], want[i]
		switch {
		case math.IsNaN(w) || math.IsNaN(g):
			if math.IsNaN(w) != math.IsNaN(g) {
				return i, false
			}
		case math.IsInf(w, 0) || math.IsInf(g, 0):
			if g != w {
				return i, false
			}
		case math.Abs(g-w) > atol+rtol*math.Abs(w):
			return i, false
		}
	}
	return 0, true
}

// evaluators are the two ways each vector is run, with the tolerance each
// must meet: float64 close to the oracle, and the f32 simulation within the
// vector's own tolerance.
func evaluators(c vecCase) []struct {
	name       string
	eval       evaluator
	rtol, atol float64
} {
	return []struct {
		name       string
		eval       evaluator
		rtol, atol float64
	}{
		{"float64", interpret64, 1e-9, 1e-12},
		{"f32", simulateF32, c.Tolerance.Rtol, c.Tolerance.Atol},
	}
}

// checkStep runs one step and compares the named outputs.
func checkStep(t *testing.T, m *ir.Module, fn string, c vecCase, tensors map[string][]float64, sc map[string]float64, want map[string][]float64, rename map[string]string) map[string]map[string][]float64 {
	t.Helper()
	outs := map[string]map[string][]float64{}
	for _, ev := range evaluators(c) {
		got, err := ev.eval(m, fn, tensors, sc)
		if err != nil {
			t.Fatalf("%s %s: %v", c.Name, ev.name, err)
		}
		for out, exp := range want {
			g := got[rename[out]]
			if i, ok := closeTo(g, exp, ev.rtol, ev.atol); !ok {
				t.Errorf("%s (%s): %s[%d] = %v, want %v", c.Name, ev.name, out, i, at(g, i), at(exp, i))
			}
		}
		outs[ev.name] = got
	}
	return outs
}

func at(x []float64, i int) float64 {
	if i < 0 || i >= len(x) {
		return math.NaN()
	}
	return x[i]
}

func TestStdlibLion(t *testing.T) {
	m := compileStd(t, "optim/lion.dl")
	rename := map[string]string{"theta": "theta_new", "m": "m_new"}
	for _, c := range loadVectors(t, "lion") {
		sc := scalars(c.Hparams)
		if g, ok := c.Inputs["grads"]; ok {
			runTrajectory(t, m, "lion", c, int(g.Shape[0]), rename, func(k int, state map[string]map[string][]float64, ev string) (map[string][]float64, map[string]float64) {
				return map[string][]float64{"theta": state[ev]["theta"], "m": state[ev]["m"], "grad": g.step(k)}, sc
			})
			continue
		}
		in := map[string][]float64{"theta": c.Inputs["theta"].floats(), "grad": c.Inputs["grad"].floats(), "m": c.Inputs["m"].floats()}
		checkStep(t, m, "lion", c, in, sc, expected(c), rename)
	}
}

func TestStdlibAdamW(t *testing.T) {
	m := compileStd(t, "optim/adamw.dl")
	rename := map[string]string{"theta": "theta_new", "m": "m_new", "v": "v_new"}
	for _, c := range loadVectors(t, "adamw") {
		sc := scalars(c.Hparams)
		if g, ok := c.Inputs["grads"]; ok {
			runTrajectory(t, m, "adamw", c, int(g.Shape[0]), rename, func(k int, state map[string]map[string][]float64, ev string) (map[string][]float64, map[string]float64) {
				s := scalars(c.Hparams)
				s["step"] = float64(k + 1)
				return map[string][]float64{"theta": state[ev]["theta"], "m": state[ev]["m"], "v": state[ev]["v"], "grad": g.step(k)}, s
			})
			continue
		}
		in := map[string][]float64{}
		for _, k := range []string{"theta", "grad", "m", "v"} {
			in[k] = c.Inputs[k].floats()
		}
		checkStep(t, m, "adamw", c, in, sc, expected(c), rename)
	}
}

func TestStdlibSGD(t *testing.T) {
	m := compileStd(t, "optim/sgd.dl")
	rename := map[string]string{"theta": "theta_new", "buf": "buf_new"}
	for _, c := range loadVectors(t, "sgd_momentum") {
		g := c.Inputs["grads"]
		runTrajectory(t, m, "sgd_momentum", c, int(g.Shape[0]), rename, func(k int, state map[string]map[string][]float64, ev string) (map[string][]float64, map[string]float64) {
			s := scalars(c.Hparams)
			s["step"] = float64(k + 1)
			buf := state[ev]["buf"]
			if k == 0 {
				buf = make([]float64, len(g.step(0)))
				for i := range buf {
					buf[i] = math.NaN() // ignored on the first step
				}
			}
			return map[string][]float64{"theta": state[ev]["theta"], "buf": buf, "grad": g.step(k)}, s
		})
	}
}

func TestStdlibDiffusion(t *testing.T) {
	m := compileStd(t, "diffusion/ddim.dl")
	rename := map[string]string{"x_prev": "x_prev"}
	for _, fn := range []string{"ddim_step", "ddpm_step"} {
		for _, c := range loadVectors(t, fn) {
			sc := scalars(c.Hparams)
			if c.Hparams["var_type"] == "large" {
				sc["large_var"] = 1
			}
			in := map[string][]float64{}
			for _, k := range []string{"x_t", "eps", "z"} {
				in[k] = c.Inputs[k].floats()
			}
			checkStep(t, m, fn, c, in, sc, map[string][]float64{"x_prev": c.Expected["x_prev"].floats()}, rename)
		}
	}
}

// expected returns the expected outputs of a single-step case.
func expected(c vecCase) map[string][]float64 {
	out := map[string][]float64{}
	for k, v := range c.Expected {
		out[k] = v.floats()
	}
	return out
}

// runTrajectory applies a kernel for several steps; inputs(k, state, ev)
// gives the arguments of step k from the state each evaluator reached.
// expected[k] is the state after step k+1.
func runTrajectory(t *testing.T, m *ir.Module, fn string, c vecCase, steps int, rename map[string]string,
	inputs func(k int, state map[string]map[string][]float64, ev string) (map[string][]float64, map[string]float64)) {
	t.Helper()
	state := map[string]map[string][]float64{}
	for _, ev := range evaluators(c) {
		state[ev.name] = map[string][]float64{}
		for out := range rename {
			if in, ok := c.Inputs[out]; ok {
				state[ev.name][out] = in.floats()
			} else {
				state[ev.name][out] = make([]float64, len(c.Inputs["theta"].Data))
			}
		}
	}
	for k := range steps {
		for _, ev := range evaluators(c) {
			tensors, sc := inputs(k, state, ev.name)
			got, err := ev.eval(m, fn, tensors, sc)
			if err != nil {
				t.Fatalf("%s step %d %s: %v", c.Name, k+1, ev.name, err)
			}
			for out, res := range rename {
				want := c.Expected[out].step(k)
				if i, ok := closeTo(got[res], want, ev.rtol, ev.atol); !ok {
					t.Errorf("%s step %d (%s): %s[%d] = %v, want %v", c.Name, k+1, ev.name, out, i, at(got[res], i), at(want, i))
				}
				state[ev.name][out] = got[res]
			}
		}
	}
}
