// This file tests the Trainer: initialization from a seed, steps, predict,
// and safetensors checkpoints, good and bad, including one laid out the way
// Python's safetensors writes it.
package train

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"testing"

	"dlc.dev/dlc/codegen/llvmtool"
	"dlc.dev/dlc/compiler"
	"dlc.dev/dlc/runtime"

	"github.com/stretchr/testify/require"
)

// src is a small classifier: 6 features, 5 hidden units, 3 classes, built
// from broadcasts and sums so that it compiles without contractions.
const src = `
import "std/optim/adamw"
import "std/loss/softmax_ce"

kernel net(x: f32[B, 6], w: f32[5, 6] = glorot_uniform(), b: f32[5] = zeros(),
           v: f32[3, 5] = normal(0.1), c: f32[3] = constant(0.5)) -> logits: f32[B, 3] {
    let h = relu(sum(expand_dims(x, axis=1) * w, axis=-1) + b)
    logits = sum(expand_dims(h, axis=1) * v, axis=-1) + c
}

kernel ce(logits: f32[B, C], labels: i32[B]) -> loss: f32 {
    let l, _ = softmax_ce_labels(logits, labels)
    loss = mean(l)
}

kernel step = train(net, loss=ce, opt=adamw(lr=0.02, wd=0))
`

func newTrainer(t *testing.T, seed uint64) *Trainer {
	t.Helper()
	if _, err := llvmtool.FindTools(); err != nil {
		t.Skipf("compiling needs the LLVM tools: %v", err)
	}
	b, _, err := compiler.Build(context.Background(), "net.dl", []byte(src), compiler.Options{})
	require.NoError(t, err)
	art, err := runtime.LoadBytes(b, runtime.Config{Threads: 1})
	require.NoError(t, err)
	t.Cleanup(func() { art.Close() })
	tr, err := New(art, Options{Step: "step", Predict: "net", Seed: seed})
	require.NoError(t, err)
	return tr
}

// batch is 8 rows whose class is the largest of the first 3 features.
func batch(i int) map[string]runtime.Tensor {
	x := make([]float32, 8*6)
	labels := make([]int32, 8)
	for r := range 8 {
		best := float32(math.Inf(-1))
		for j := range 6 {
			x[r*6+j] = float32(math.Sin(float64(i*97+r*13+j*7) * 0.61))
			if j < 3 && x[r*6+j] > best {
				best, labels[r] = x[r*6+j], int32(j)
			}
		}
	}
	return map[string]runtime.Tensor{"x": runtime.F32(x, 8, 6), "labels": runtime.I32(labels, 8)}
}

func snapshot(tr *Trainer) map[string][]float32 {
	out := map[string][]float32{}
	for _, n := range append(tr.Params(), tr.State()...) {
		xs, _ := tr.Float32(n)
		out[n] = slices.Clone(xs)
	}
	return out
}

func TestInitFromSeed(t *testing.T) {
	a, b := newTrainer(t, 1), newTrainer(t, 1)
	require.Equal(t, []string{"w", "b", "v", "c"}, a.Params())
	require.Equal(t, []string{"w_m", "w_v", "b_m", "b_v", "v_m", "v_v", "c_m", "c_v"}, a.State())
	require.Equal(t, snapshot(a), snapshot(b), "the same seed gives the same bits")
	w, _ := a.Float32("w")
	bound := math.Sqrt(6.0 / (6 + 5)) // glorot_uniform of [5, 6]: fan_in 5, fan_out 6
	for _, x := range w {
		require.Less(t, math.Abs(float64(x)), bound)
	}
	c, _ := a.Float32("c")
	require.Equal(t, []float32{0.5, 0.5, 0.5}, c)
	bias, _ := a.Float32("b")
	require.Equal(t, make([]float32, 5), bias)
	a.Init(2)
	w2, _ := a.Float32("w")
	require.NotEqual(t, snapshot(b)["w"], slices.Clone(w2), "another seed, other values")
}

func TestStepLearnsAndPredicts(t *testing.T) {
	tr := newTrainer(t, 4)
	first, err := tr.Step(batch(0))
	require.NoError(t, err)
	var last float64
	for i := range 200 {
		last, err = tr.Step(batch(i % 4))
		require.NoError(t, err)
	}
	require.EqualValues(t, 201, tr.Steps())
	require.Less(t, last, first/2, "200 AdamW steps on 4 batches at least halve the loss (%.3f -> %.3f)", first, last)
	logits := make([]float32, 8*3)
	require.NoError(t, tr.Predict(map[string]runtime.Tensor{"x": batch(0)["x"]}, map[string]runtime.Tensor{"logits": runtime.F32(logits, 8, 3)}))
	labels := unsafeSliceI32(batch(0)["labels"])
	right := 0
	for r := range 8 {
		if int32(argmax(logits[r*3:r*3+3])) == labels[r] {
			right++
		}
	}
	require.GreaterOrEqual(t, right, 7, "a batch it trained on")
	_, err = tr.Step(map[string]runtime.Tensor{"x": batch(0)["x"]})
	require.ErrorContains(t, err, "the batch has no labels")
}

func TestCheckpointRoundTrip(t *testing.T) {
	dir := t.TempDir()
	a := newTrainer(t, 9)
	for i := range 3 {
		_, err := a.Step(batch(i))
		require.NoError(t, err)
	}
	path := filepath.Join(dir, "ck.safetensors")
	require.NoError(t, a.Save(path))
	for i := 3; i < 5; i++ {
		_, err := a.Step(batch(i))
		require.NoError(t, err)
	}
	b := newTrainer(t, 100)
	require.NoError(t, b.Load(path))
	require.EqualValues(t, 3, b.Steps())
	for i := 3; i < 5; i++ {
		_, err := b.Step(batch(i))
		require.NoError(t, err)
	}
	require.Equal(t, snapshot(a), snapshot(b), "state and step counter restored: the same bits two steps on")
}

func TestBadCheckpoints(t *testing.T) {
	dir := t.TempDir()
	tr := newTrainer(t, 5)
	before := snapshot(tr)
	write := func(name string, tensors map[string]fixtureTensor, meta map[string]string) string {
		p := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(p, fixtureBytes(tensors, meta), 0o644))
		return p
	}
	good := func() map[string]fixtureTensor {
		m := map[string]fixtureTensor{}
		for _, n := range tr.Params() {
			ts, _ := tr.Tensor(n)
			xs, _ := tr.Float32(n)
			m[n] = fixtureTensor{"F32", ts.Shape, xs}
		}
		return m
	}
	missing := good()
	delete(missing, "v")
	shape := good()
	shape["w"] = fixtureTensor{"F32", []int64{6, 5}, shape["w"].data}
	dtype := good()
	dtype["c"] = fixtureTensor{"F64", []int64{3}, []float32{1, 2, 3, 4, 5, 6}}
	partial := good()
	partial["w_m"] = fixtureTensor{"F32", []int64{5, 6}, make([]float32, 30)}
	cases := map[string]string{
		write("missing.safetensors", missing, nil): "no tensor v (f32 [3 5])",
		write("shape.safetensors", shape, nil):     "tensor w is F32 [6 5], want F32 [5 6]",
		write("dtype.safetensors", dtype, nil):     "tensor c is F64 [3], want F32 [3]",
		write("partial.safetensors", partial, nil): "has optimizer state w_m but not w_v",
		filepath.Join(dir, "absent.safetensors"):   "no such file",
	}
	garbage := filepath.Join(dir, "garbage.safetensors")
	require.NoError(t, os.WriteFile(garbage, []byte("not a checkpoint at all"), 0o644))
	cases[garbage] = "not a safetensors file"
	for path, want := range cases {
		err := tr.Load(path)
		require.ErrorContains(t, err, want, path)
		require.Equal(t, before, snapshot(tr), "a failed load changes nothing (%s)", path)
	}
}

// TestPythonLayoutFixture loads a weights-only checkpoint laid out as
// Python's safetensors writes it (header keys sorted, the header padded with
// spaces to 8 bytes, tensors in order of dtype alignment then name, and an
// __metadata__ of strings), written here by fixtureBytes, independent of the
// library the Trainer uses: the Python package is not installable on the
// machines that build dlc.
func TestPythonLayoutFixture(t *testing.T) {
	tr := newTrainer(t, 6)
	_, err := tr.Step(batch(0))
	require.NoError(t, err)
	w := make([]float32, 30)
	for i := range w {
		w[i] = float32(i) / 64
	}
	m := map[string]fixtureTensor{
		"w": {"F32", []int64{5, 6}, w},
		"b": {"F32", []int64{5}, []float32{1, 2, 3, 4, 5}},
		"v": {"F32", []int64{3, 5}, make([]float32, 15)},
		"c": {"F32", []int64{3}, []float32{-1, 0, 1}},
	}
	path := filepath.Join(t.TempDir(), "torch.safetensors")
	require.NoError(t, os.WriteFile(path, fixtureBytes(m, map[string]string{"format": "pt"}), 0o644))
	require.NoError(t, tr.Load(path))
	got, _ := tr.Float32("w")
	require.Equal(t, w, got)
	got, _ = tr.Float32("c")
	require.Equal(t, []float32{-1, 0, 1}, got)
	state, _ := tr.Float32("w_m")
	require.Equal(t, make([]float32, 30), state, "weights only: the state starts again at zero")
	require.EqualValues(t, 0, tr.Steps())
}

// fixtureTensor is one tensor for fixtureBytes: a dtype name, a shape and
// its values (F64 stores data pairs as one float64 each: only its size matters here).
type fixtureTensor struct {
	dtype string
	shape []int64
	data  []float32
}

// fixtureBytes writes tensors in the safetensors layout per the format's
// specification: an 8-byte little-endian header size N, N bytes of JSON
// {name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__": {...}},
// then the data, little-endian and row-major.
func fixtureBytes(tensors map[string]fixtureTensor, meta map[string]string) []byte {
	names := make([]string, 0, len(tensors))
	for n := range tensors {
		names = append(names, n)
	}
	size := map[string]int{"F64": 8, "F32": 4}
	sort.Slice(names, func(i, j int) bool {
		a, b := tensors[names[i]], tensors[names[j]]
		if size[a.dtype] != size[b.dtype] {
			return size[a.dtype] > size[b.dtype]
		}
		return names[i] < names[j]
	})
	header := map[string]any{}
	var data bytes.Buffer
	for _, n := range names {
		tt := tensors[n]
		begin := data.Len()
		for _, x := range tt.data {
			binary.Write(&data, binary.LittleEndian, x)
		}
		header[n] = map[string]any{"dtype": tt.dtype, "shape": tt.shape, "data_offsets": []int{begin, data.Len()}}
	}
	if meta != nil {
		header["__metadata__"] = meta
	}
	h, _ := json.Marshal(header) // encoding/json sorts map keys, as Python's writer does
	for len(h)%8 != 0 {
		h = append(h, ' ')
	}
	out := binary.LittleEndian.AppendUint64(nil, uint64(len(h)))
	return append(append(out, h...), data.Bytes()...)
}

func argmax(xs []float32) int {
	best := 0
	for i, x := range xs {
		if x > xs[best] {
			best = i
		}
	}
	return best
}
