// This file tests that every mistake in a call is an error naming the argument, what
// was expected and what was given, and that nothing runs when a check fails.
package runtime

import (
	"strings"
	"testing"
	"unsafe"
)

func TestArgumentErrors(t *testing.T) {
	a := loadTest(t, Config{})
	x3, x5, y3 := make([]float32, 3), make([]float32, 5), make([]float32, 3)
	big := make([]float32, 20)
	f64 := make([]float64, 3)
	tests := []struct {
		fn   string
		args Args
		msg  string
	}{
		{"scale", Args{Outputs: map[string]Tensor{"y": F32(y3)}},
			`scale: missing input "x" (inputs: x)`},
		{"scale", Args{Inputs: map[string]Tensor{"X": F32(x3)}, Outputs: map[string]Tensor{"y": F32(y3)}},
			`scale: missing input "x" (inputs: x; got unknown "X")`},
		{"scale", Args{Inputs: map[string]Tensor{"x": F32(x3), "w": F32(x3), "v": F32(x3)}, Outputs: map[string]Tensor{"y": F32(y3)}},
			`scale: unknown input "v" (inputs: x)`},
		{"scale", Args{Inputs: map[string]Tensor{"x": F32(x3)}},
			`scale: missing output "y" (outputs: y)`},
		{"scale", Args{Inputs: map[string]Tensor{"x": F32(x3)}, Outputs: map[string]Tensor{"y": F32(y3), "yy": F32(y3)}},
			`scale: unknown output "yy" (outputs: y)`},
		{"scale", Args{Inputs: map[string]Tensor{"x": F64(f64)}, Outputs: map[string]Tensor{"y": F32(y3)}},
			`scale: input x: dtype f64, want f32`},
		{"scale", Args{Inputs: map[string]Tensor{"x": onDevice(F32(x3))}, Outputs: map[string]Tensor{"y": F32(y3)}},
			`scale: input x: its memory is on cuda:0, but the kernels run on the CPU and take host memory`},
		{"scale", Args{Inputs: map[string]Tensor{"x": F32(x3)}, Outputs: map[string]Tensor{"y": onDevice(F32(y3))}},
			`scale: output y: its memory is on cuda:0, but the kernels run on the CPU and take host memory`},
		{"scale", Args{Inputs: map[string]Tensor{"x": F32(x3, 1, 3)}, Outputs: map[string]Tensor{"y": F32(y3)}},
			`scale: input x: shape [1 3] has rank 2, want rank 1`},
		{"scale", Args{Inputs: map[string]Tensor{"x": F32(x3, -3)}, Outputs: map[string]Tensor{"y": F32(y3)}},
			`scale: input x: shape [-3] has a negative dimension`},
		{"scale", Args{Inputs: map[string]Tensor{"x": F32(x3, 4)}, Outputs: map[string]Tensor{"y": F32(big, 4)}},
			`scale: input x: buffer holds 12 bytes, shape [4] of f32 needs 16`},
		{"scale", Args{Inputs: map[string]Tensor{"x": {DType: Float32, Shape: []int64{2}, Len: 8}}, Outputs: map[string]Tensor{"y": F32(y3)}},
			`scale: input x: Data is nil`},
		{"scale", Args{Inputs: map[string]Tensor{"x": F32(x3)}, Outputs: map[string]Tensor{"y": F32(x5)}},
			`scale: output y: shape [5], want [3] (f32[N] with N=3 from x)`},
		{"scale", Args{Inputs: map[string]Tensor{"x": F32(big, 3)}, Outputs: map[string]Tensor{"y": F32(big[1:], 3)}},
			"overlap partially"},
		{"scale", Args{Inputs: map[string]Tensor{"x": F32(x3)}, Outputs: map[string]Tensor{"y": F32(y3)}, Scalars: map[string]float64{"S": 1}},
			`scale: unknown scalar "S" (scalars: s)`},
		{"pair", Args{Inputs: map[string]Tensor{"a": F32(big, 5, 4), "b": F32(x3)}, Outputs: map[string]Tensor{"y": F32(y3)}},
			`pair: input b: dimension N is 3 here but 5 from a`},
		{"pair", Args{Inputs: map[string]Tensor{"a": F32(big, 4, 5), "b": F32(x3)}, Outputs: map[string]Tensor{"y": F32(y3)}},
			`pair: input a: dimension 1 is 5, want 4 (f32[N,4])`},
		{"pair", Args{Inputs: map[string]Tensor{"a": F32(big, 3, 4), "b": F32(x3)}, Outputs: map[string]Tensor{"y": F32(y3)}, Scalars: map[string]float64{"flag": 2}},
			`pair: scalar flag: 2 is not a bool (0 or 1)`},
		{"pair", Args{Inputs: map[string]Tensor{"a": F32(big, 3, 4), "b": F32(x3)}, Outputs: map[string]Tensor{"y": F32(y3)}, Scalars: map[string]float64{"k": 1.5}},
			`pair: scalar k: 1.5 is not an integer (i64)`},
		{"pair", Args{Inputs: map[string]Tensor{"a": F32(big, 3, 4), "b": F32(x3)}, Outputs: map[string]Tensor{"y": F32(y3)}, Scalars: map[string]float64{"k": 1e19}},
			`pair: scalar k: 1e+19 is out of range for i64`},
		{"iadd", Args{Inputs: map[string]Tensor{"x": I32(make([]int32, 3))}, Outputs: map[string]Tensor{"y": I32(make([]int32, 3))}},
			`iadd: missing scalar "a": it has no default (scalars: a)`},
		{"iadd", Args{Inputs: map[string]Tensor{"x": I32(make([]int32, 3))}, Outputs: map[string]Tensor{"y": I32(make([]int32, 3))}, Scalars: map[string]float64{"a": 1 << 31}},
			`iadd: scalar a: 2.147483648e+09 is out of range for i32`},
		{"lion", Args{
			Inputs:  map[string]Tensor{"theta": F32(x3), "grad": F32(y3), "m": F32(x5[:3])},
			Outputs: map[string]Tensor{"theta_new": F32(x3), "m_new": F32(x3)}},
			`lion: output theta_new and output m_new are the same buffer; a written buffer needs its own memory`},
		{"lion", Args{
			Inputs:  map[string]Tensor{"theta": F32(x3), "grad": F32(y3), "m": F32(x5[:3])},
			Outputs: map[string]Tensor{"theta_new": F32(y3), "m_new": F32(x5[:3])}},
			""}, // theta_new over grad is an exact alias of another input: allowed
		{"lion", Args{
			Inputs:  map[string]Tensor{"theta": F32(x3), "grad": F32(y3), "m": F32(x5[:3])},
			Outputs: map[string]Tensor{"theta_new": I32F(x3), "m_new": F32(x5[:3])}},
			`lion: output theta_new: dtype i32, want f32`},
	}
	for _, tt := range tests {
		f := mustFunc(t, a, tt.fn)
		err := f.Run(tt.args)
		switch {
		case tt.msg == "" && err != nil:
			t.Errorf("%s: unexpected error %v", tt.fn, err)
		case tt.msg == "":
		case err == nil:
			t.Errorf("%s: no error, want %q", tt.fn, tt.msg)
		case !strings.Contains(err.Error(), tt.msg):
			t.Errorf("%s: error\n  %s\nwant\n  %s", tt.fn, err, tt.msg)
		}
	}
}

// onDevice marks t's memory as CUDA device memory. The CPU launcher must refuse it
// before touching it.
func onDevice(t Tensor) Tensor {
	t.Device = CUDADevice(0)
	return t
}

// I32F reinterprets float32 memory as i32, to hand a wrong dtype over the right bytes.
func I32F(x []float32) Tensor {
	return Tensor{DType: Int32, Shape: []int64{int64(len(x))}, Data: unsafe.Pointer(unsafe.SliceData(x)), Len: 4 * len(x)}
}

// TestNothingWrittenOnError checks that argument errors are found before any kernel runs.
func TestNothingWrittenOnError(t *testing.T) {
	f := mustFunc(t, loadTest(t, Config{}), "hazard")
	x, y, z := []float32{1, 2}, []float32{7, 7}, []float32{7, 7}
	err := f.Run(Args{Inputs: map[string]Tensor{"x": F32(x)}, Outputs: map[string]Tensor{"y": F32(y), "z": F32(z)}, Scalars: map[string]float64{"nope": 1}})
	if err == nil {
		t.Fatal("no error")
	}
	if y[0] != 7 || z[0] != 7 {
		t.Errorf("outputs written before the error: y = %v, z = %v", y, z)
	}
}

func TestOverlapRules(t *testing.T) {
	f := mustFunc(t, loadTest(t, Config{}), "pair")
	mem := make([]float32, 64)
	run := func(a, b, y []float32) error {
		n := int64(len(b))
		return f.Run(Args{Inputs: map[string]Tensor{"a": F32(a, n, 4), "b": F32(b)}, Outputs: map[string]Tensor{"y": F32(y)}})
	}
	// Read-only inputs may overlap each other in any way.
	if err := run(mem[0:12], mem[2:5], mem[20:23]); err != nil {
		t.Errorf("overlapping inputs: %v", err)
	}
	// The output may replace an input exactly...
	if err := run(mem[0:12], mem[20:23], mem[20:23]); err != nil {
		t.Errorf("exact alias: %v", err)
	}
	// ...but not touch one partly, from either side.
	for _, y := range [][]float32{mem[10:13], mem[11:14], mem[21:24], mem[19:22]} {
		if err := run(mem[0:12], mem[20:23], y); err == nil || !strings.Contains(err.Error(), "overlap partially") {
			t.Errorf("partial overlap at %p: got %v", &y[0], err)
		}
	}
	// An output over the middle of a larger input is partial, even when it starts there.
	if err := run(mem[0:12], mem[30:33], mem[0:3]); err == nil || !strings.Contains(err.Error(), "overlap partially") {
		t.Errorf("output at the start of a larger input: got %v", err)
	}
}

func TestUnknownFunction(t *testing.T) {
	a := loadTest(t, Config{})
	_, err := a.Func("scal")
	if err == nil || err.Error() != `unknown function "scal" (functions: scale, lion, chain, hazard, mark, iadd, rows, pair)` {
		t.Errorf("got %v", err)
	}
	if f := mustFunc(t, a, "lion"); f.Name() != "lion" {
		t.Errorf("Name() = %q", f.Name())
	}
	if a.Manifest().Source != "test.dl" {
		t.Errorf("Manifest().Source = %q", a.Manifest().Source)
	}
}
