// This file tests the CUDA launcher and device tensors against a mock driver
// (testdata/mockcuda.c, compiled here with gcc): the purego bindings, context
// handling per OS thread, launch parameter packing, copies, the release of
// every driver resource, and the error of each failure a driver reports. The
// mock runs the CPU kernels of kernels.c behind grid-ABI entries, so each
// function's results on the "GPU" must equal the CPU launcher's bit for bit.
package runtime

import (
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"unsafe"

	"dlc.dev/dlc/artifact"

	"github.com/ebitengine/purego"
)

// mockDriver is the mock library built with the given gcc flags, once per
// test binary per flag set.
var mockDriver = sync.OnceValue(func() map[string]func() (string, error) {
	out := map[string]func() (string, error){}
	for _, v := range []string{"full", "nolaunch"} {
		out[v] = sync.OnceValues(func() (string, error) {
			gcc, err := exec.LookPath("gcc")
			if err != nil {
				return "", errNoGCC
			}
			dir, err := os.MkdirTemp("", "dlc-mockcuda-")
			if err != nil {
				return "", err
			}
			lib := filepath.Join(dir, "libcuda-"+v+".so")
			args := []string{"-shared", "-fPIC", "-O1", "-o", lib, filepath.Join("testdata", "mockcuda.c")}
			if v == "nolaunch" {
				args = append(args, "-DNO_LAUNCH")
			}
			if b, err := exec.Command(gcc, args...).CombinedOutput(); err != nil {
				return "", fmt.Errorf("gcc: %v\n%s", err, b)
			}
			return lib, nil
		})
	}
	return out
})

// mock is the test's handle on the mock driver's state.
type mock struct {
	path       string
	reset      func()
	fail       func(name string, code int32)
	device     func(n, major, minor int32)
	calls      func(name string) int32
	live       func() int32
	contexts   func() int32
	modules    func() int32
	streams    func() int32
	lastLaunch func(name *byte, n int32, grid, block *uint32)
}

// mockCUDA builds and opens the mock driver, or skips the test without gcc.
// The library stays open for the test binary: its state is shared with the
// runtime's handle on the same file.
func mockCUDA(t *testing.T, variant string) *mock {
	t.Helper()
	path, err := mockDriver()[variant]()
	if err == errNoGCC {
		t.Skip(err)
	}
	if err != nil {
		t.Fatal(err)
	}
	lib, err := purego.Dlopen(path, purego.RTLD_NOW|purego.RTLD_LOCAL)
	if err != nil {
		t.Fatal(err)
	}
	m := &mock{path: path}
	purego.RegisterLibFunc(&m.reset, lib, "mock_reset")
	purego.RegisterLibFunc(&m.fail, lib, "mock_fail")
	purego.RegisterLibFunc(&m.device, lib, "mock_device")
	purego.RegisterLibFunc(&m.calls, lib, "mock_calls")
	purego.RegisterLibFunc(&m.live, lib, "mock_live")
	purego.RegisterLibFunc(&m.contexts, lib, "mock_contexts")
	purego.RegisterLibFunc(&m.modules, lib, "mock_modules")
	purego.RegisterLibFunc(&m.streams, lib, "mock_streams")
	purego.RegisterLibFunc(&m.lastLaunch, lib, "mock_last_launch")
	m.reset()
	return m
}

// released checks that every driver resource the artifacts took is given back.
func (m *mock) released(t *testing.T) {
	t.Helper()
	if n, c, mod, s := m.live(), m.contexts(), m.modules(), m.streams(); n != 0 || c != 0 || mod != 0 || s != 0 {
		t.Errorf("after Close: %d allocations, %d context references, %d modules, %d streams live", n, c, mod, s)
	}
}

// cudaTarget is the cuda target of testFunctions: an entry per kernel, with
// the symbols the mock defines.
func cudaTarget(fns []artifact.Function) artifact.Target {
	t := artifact.Target{Kind: artifact.TargetCUDA, Section: artifact.SectionPTX, Triple: "nvptx64-nvidia-cuda", Arch: "sm_80"}
	for _, f := range fns {
		for _, k := range f.Kernels {
			t.Entries = append(t.Entries, artifact.Entry{Function: f.Name, Kernel: k.Name, Symbol: "dlc_" + f.Name + "_" + k.Name, ABI: artifact.ABIGrid, Block: 256})
		}
	}
	return t
}

// testPTX declares an entry for every kernel of the cuda target; extra is
// appended to the text.
func testPTX(t artifact.Target, extra string) []byte {
	var b strings.Builder
	b.WriteString(".version 7.0\n.target sm_80\n.address_size 64\n")
	for _, e := range t.Entries {
		fmt.Fprintf(&b, "\n.visible .entry %s(\n\t.param .u64 %s_param_0\n)\n{\n\tret;\n}\n", e.Symbol, e.Symbol)
	}
	b.WriteString(extra)
	return []byte(b.String())
}

// cudaArtifact encodes the test artifact with a cpu and a cuda target.
func cudaArtifact(t *testing.T, ptxExtra string) []byte {
	t.Helper()
	man := testManifest()
	ct := cudaTarget(man.Functions)
	man.Targets = append(man.Targets, ct)
	s := testSections(t)
	s[artifact.SectionPTX] = testPTX(ct, ptxExtra)
	return encode(t, man, s)
}

// loadMock loads the test artifact on the mock's GPU 0.
func loadMock(t *testing.T, m *mock) *Artifact {
	t.Helper()
	a, err := LoadBytes(cudaArtifact(t, ""), Config{Device: CUDADevice(0), CUDALibrary: m.path})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	return a
}

// randomTensor is a host tensor of n pseudo-random values of dtype dt.
func randomTensor(dt DType, seed int, shape ...int64) Tensor {
	n := 1
	for _, d := range shape {
		n *= int(d)
	}
	switch dt {
	case Int32:
		x := make([]int32, n)
		for i := range x {
			x[i] = int32((i*7919+seed*104729)%2001) - 1000
		}
		return I32(x, shape...)
	case Int64:
		return I64(make([]int64, n), shape...)
	}
	x := make([]float32, n)
	for i := range x {
		x[i] = float32(math.Sin(float64(i*31+seed*17)) * 3)
	}
	return F32(x, shape...)
}

// runBoth runs function name on the CPU artifact and on the mock GPU with the
// same inputs and returns both sets of outputs, read back to the host.
func runBoth(t *testing.T, cpu, gpu *Artifact, name string, scalars map[string]float64, shapes map[string][]int64) (want, got map[string]Tensor) {
	t.Helper()
	spec := testFunctionSpec(t, name)
	hostIn, devIn := map[string]Tensor{}, map[string]Tensor{}
	for i, in := range spec.Inputs {
		x := randomTensor(mustDType(t, in.DType), i, shapes[in.Name]...)
		hostIn[in.Name] = x
		d, err := gpu.ToDevice(x)
		if err != nil {
			t.Fatal(err)
		}
		if d.Device != CUDADevice(0) {
			t.Fatalf("ToDevice: the tensor is on %s", d.Device)
		}
		defer gpu.Free(d)
		devIn[in.Name] = d
	}
	want, devOut := map[string]Tensor{}, map[string]Tensor{}
	for _, o := range spec.Outputs {
		want[o.Name] = randomTensor(mustDType(t, o.DType), 99, shapes[o.Name]...)
		d, err := gpu.Alloc(mustDType(t, o.DType), shapes[o.Name]...)
		if err != nil {
			t.Fatal(err)
		}
		defer gpu.Free(d)
		devOut[o.Name] = d
	}
	if err := mustFunc(t, cpu, name).Run(Args{Inputs: hostIn, Outputs: want, Scalars: scalars}); err != nil {
		t.Fatalf("%s on the CPU: %v", name, err)
	}
	if err := mustFunc(t, gpu, name).Run(Args{Inputs: devIn, Outputs: devOut, Scalars: scalars}); err != nil {
		t.Fatalf("%s on the GPU: %v", name, err)
	}
	got = map[string]Tensor{}
	for k, d := range devOut {
		h, err := gpu.ToHost(d)
		if err != nil {
			t.Fatal(err)
		}
		got[k] = h
	}
	return want, got
}

func testFunctionSpec(t *testing.T, name string) artifact.Function {
	for _, f := range testFunctions() {
		if f.Name == name {
			return f
		}
	}
	t.Fatalf("no test function %s", name)
	return artifact.Function{}
}

// TestCUDAMockMatchesCPU runs the test functions on the mock GPU and on the
// CPU and compares every output bit for bit: scalars of each type, several
// kernels with a temporary, a row kernel, an output both kernels read.
func TestCUDAMockMatchesCPU(t *testing.T) {
	m := mockCUDA(t, "full")
	cpu := loadTest(t, Config{})
	gpu := loadMock(t, m)
	n := []int64{1000}
	for _, c := range []struct {
		name    string
		scalars map[string]float64
		shapes  map[string][]int64
	}{
		{"scale", map[string]float64{"s": -1.25}, map[string][]int64{"x": n, "y": n}},
		{"lion", map[string]float64{"lr": 0.01, "beta1": 0.8, "wd": 0.1}, map[string][]int64{"theta": n, "grad": n, "m": n, "theta_new": n, "m_new": n}},
		{"chain", nil, map[string][]int64{"x": n, "y": n}},
		{"hazard", map[string]float64{"s": 0.5}, map[string][]int64{"x": n, "y": n, "z": n}},
		{"iadd", map[string]float64{"a": -77}, map[string][]int64{"x": n, "y": n}},
		{"rows", nil, map[string][]int64{"x": {37, 256}, "y": {37}}},
		{"pair", map[string]float64{"s": 3, "flag": 1, "k": 5}, map[string][]int64{"a": {1000, 4}, "b": n, "y": n}},
	} {
		want, got := runBoth(t, cpu, gpu, c.name, c.scalars, c.shapes)
		for k := range want {
			if !slices.Equal(want[k].Bytes(), got[k].Bytes()) {
				t.Errorf("%s: output %s differs between the CPU and the GPU", c.name, k)
			}
		}
	}
	name := make([]byte, 64)
	var grid, block uint32
	m.lastLaunch(&name[0], int32(len(name)), &grid, &block)
	if k := cString(&name[0]); k != "dlc_pair_k0" || grid != 4 || block != 256 {
		t.Errorf("last launch %s <<<%d, %d>>>, want dlc_pair_k0 <<<4, 256>>> (1000 units, 256 threads per block)", k, grid, block)
	}
	if err := gpu.Close(); err != nil {
		t.Fatal(err)
	}
	m.released(t)
}

// TestCUDADeviceTensors checks the copies between host and device, and that a
// host tensor given to a GPU function (or the reverse) is refused by name.
func TestCUDADeviceTensors(t *testing.T) {
	m := mockCUDA(t, "full")
	gpu := loadMock(t, m)
	defer gpu.Close()
	if gpu.Device() != CUDADevice(0) {
		t.Errorf("Device() = %s", gpu.Device())
	}
	x := F32([]float32{1, 2, 3, 4, 5})
	d, err := gpu.ToDevice(x)
	if err != nil {
		t.Fatal(err)
	}
	d2, err := gpu.Alloc(Float32, 5)
	if err != nil {
		t.Fatal(err)
	}
	if err := gpu.Copy(d2, d); err != nil {
		t.Fatal(err)
	}
	back, err := gpu.ToHost(d2)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(back.Bytes(), x.Bytes()) {
		t.Errorf("host -> device -> device -> host gives %v", back.Bytes())
	}
	if err := gpu.Copy(d2, F32([]float32{1, 2})); err == nil || !strings.Contains(err.Error(), "copy") {
		t.Errorf("copy of another shape: %v", err)
	}
	if _, err := gpu.ToDevice(d); err == nil || !strings.Contains(err.Error(), "cuda:0 already") {
		t.Errorf("ToDevice of a device tensor: %v", err)
	}
	f := mustFunc(t, gpu, "scale")
	err = f.Run(Args{Inputs: map[string]Tensor{"x": x}, Outputs: map[string]Tensor{"y": d2}})
	if err == nil || !strings.Contains(err.Error(), "host") || !strings.Contains(err.Error(), "cuda:0") {
		t.Errorf("host input to a GPU function: %v", err)
	}
	for _, t2 := range []Tensor{d, d2} {
		if err := gpu.Free(t2); err != nil {
			t.Error(err)
		}
	}
	if n := m.live(); n != 0 {
		t.Errorf("%d allocations live after Free", n)
	}
	cpu := loadTest(t, Config{})
	if h, err := cpu.ToDevice(x); err != nil || h.Data != x.Data {
		t.Errorf("ToDevice on the host artifact: %v, a copy", err)
	}
}

// TestCUDAMockErrors makes each step of loading and running fail in turn and
// checks that the error names what failed, with the driver's own words.
func TestCUDAMockErrors(t *testing.T) {
	m := mockCUDA(t, "full")
	art := cudaArtifact(t, "")
	load := func(cfg Config) error {
		if cfg.CUDALibrary == "" {
			cfg.CUDALibrary = m.path
		}
		cfg.Device = CUDADevice(cfg.Device.Index)
		a, err := LoadBytes(art, cfg)
		if err == nil {
			a.Close()
		}
		return err
	}
	cases := []struct {
		name  string
		setup func()
		cfg   Config
		bytes []byte
		want  []string
	}{
		{"no driver", nil, Config{CUDALibrary: "/nonexistent/libcuda.so.1"}, nil, []string{"cannot open the CUDA driver /nonexistent/libcuda.so.1", "NVIDIA driver"}},
		{"no device", func() { m.device(0, 9, 0) }, Config{}, nil, []string{"0 CUDA devices"}},
		{"ordinal", nil, Config{Device: Device{Index: 3}}, nil, []string{"cuda:3", "1 CUDA devices"}},
		{"old GPU", func() { m.device(1, 7, 5) }, Config{}, nil, []string{"PTX is for sm_80", "compute capability 7.5", "-target cuda:sm_75"}},
		{"init", func() { m.fail("cuInit", 100) }, Config{}, nil, []string{"cuInit", "CUDA_ERROR_NO_DEVICE", "no CUDA-capable device"}},
		{"JIT", nil, Config{}, cudaArtifact(t, "BROKEN\n"), []string{"load PTX on cuda:0", "CUDA_ERROR_INVALID_PTX", "BROKEN is not an instruction"}},
		{"entry", func() { m.fail("cuModuleGetFunction", 500) }, Config{}, nil, []string{"dlc_scale_k0", "CUDA_ERROR_NOT_FOUND"}},
		{"no cuda target", nil, Config{}, encode(t, testManifest(), testSections(t)), []string{"no cuda target", "dlc build -target cuda"}},
	}
	for _, c := range cases {
		m.reset()
		if c.setup != nil {
			c.setup()
		}
		var err error
		if c.bytes != nil {
			art, c.bytes = c.bytes, art
			err = load(c.cfg)
			art = c.bytes
		} else {
			err = load(c.cfg)
		}
		if err == nil {
			t.Errorf("%s: loaded", c.name)
			continue
		}
		for _, w := range c.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: error %q does not say %q", c.name, err, w)
			}
		}
	}
	m.reset()
	m.released(t)
}

// TestCUDAMockRunErrors checks failures during a call: allocation, launch, and
// a kernel's illegal address, which shows when the stream is synchronized.
func TestCUDAMockRunErrors(t *testing.T) {
	m := mockCUDA(t, "full")
	gpu := loadMock(t, m)
	m.fail("cuMemAlloc", 2)
	if _, err := gpu.Alloc(Float32, 1<<20); err == nil || !strings.Contains(err.Error(), "CUDA_ERROR_OUT_OF_MEMORY") || !strings.Contains(err.Error(), "4194304 bytes") {
		t.Errorf("alloc: %v", err)
	}
	x, err := gpu.ToDevice(F32(make([]float32, 64)))
	if err != nil {
		t.Fatal(err)
	}
	y, err := gpu.Alloc(Float32, 64)
	if err != nil {
		t.Fatal(err)
	}
	f := mustFunc(t, gpu, "scale")
	args := Args{Inputs: map[string]Tensor{"x": x}, Outputs: map[string]Tensor{"y": y}}
	m.fail("cuLaunchKernel", 1)
	if err := f.Run(args); err == nil || !strings.Contains(err.Error(), "cuLaunchKernel") || !strings.Contains(err.Error(), "invalid argument") {
		t.Errorf("launch: %v", err)
	}
	if err := f.Run(args); err != nil {
		t.Errorf("the call after a failed launch: %v", err)
	}
	// A device tensor whose address is no device memory: the kernel faults.
	host := make([]float32, 64)
	bad := Tensor{DType: Float32, Shape: []int64{64}, Data: unsafe.Pointer(&host[0]), Len: 256, Device: CUDADevice(0)}
	err = f.Run(Args{Inputs: map[string]Tensor{"x": bad}, Outputs: map[string]Tensor{"y": y}})
	if err == nil || !strings.Contains(err.Error(), "CUDA_ERROR_ILLEGAL_ADDRESS") {
		t.Errorf("illegal address: %v", err)
	}
	gpu.Free(x)
	gpu.Free(y)
	if err := gpu.Close(); err != nil {
		t.Fatal(err)
	}
	m.released(t)
	if _, err := gpu.Alloc(Float32, 4); err == nil {
		t.Errorf("alloc on a closed artifact succeeded")
	}
}

// TestCUDAMissingSymbol loads through a driver without cuLaunchKernel.
func TestCUDAMissingSymbol(t *testing.T) {
	m := mockCUDA(t, "nolaunch")
	_, err := LoadBytes(cudaArtifact(t, ""), Config{Device: CUDADevice(0), CUDALibrary: m.path})
	if err == nil || !strings.Contains(err.Error(), "has no cuLaunchKernel") {
		t.Errorf("error %v, want one naming the missing cuLaunchKernel", err)
	}
}

func mustDType(t *testing.T, name string) DType {
	d, err := ParseDType(name)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// TestCUDAIndexChecks checks index inputs in device memory: the check reads
// them back through the Func's stream before any kernel runs.
func TestCUDAIndexChecks(t *testing.T) {
	m := mockCUDA(t, "full")
	man := testManifest()
	for i := range man.Functions {
		if man.Functions[i].Name == "iadd" {
			man.Functions[i].IndexChecks = []artifact.IndexCheck{{Input: "x", Axis: 0, Bound: "N", Of: "x"}}
		}
	}
	ct := cudaTarget(man.Functions)
	man.Targets = append(man.Targets, ct)
	s := testSections(t)
	s[artifact.SectionPTX] = testPTX(ct, "")
	gpu, err := LoadBytes(encode(t, man, s), Config{Device: CUDADevice(0), CUDALibrary: m.path})
	if err != nil {
		t.Fatal(err)
	}
	defer gpu.Close()
	f := mustFunc(t, gpu, "iadd")
	y, err := gpu.Alloc(Int32, 4)
	if err != nil {
		t.Fatal(err)
	}
	defer gpu.Free(y)
	for _, c := range []struct {
		x    []int32
		want string
	}{{[]int32{0, 3, 2, 1}, ""}, {[]int32{0, 3, 4, 1}, "4"}} {
		x, err := gpu.ToDevice(I32(c.x))
		if err != nil {
			t.Fatal(err)
		}
		launches := m.calls("cuLaunchKernel")
		err = f.Run(Args{Inputs: map[string]Tensor{"x": x}, Outputs: map[string]Tensor{"y": y}, Scalars: map[string]float64{"a": 1}})
		gpu.Free(x)
		switch {
		case c.want == "" && err != nil:
			t.Errorf("indices %v: %v", c.x, err)
		case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
			t.Errorf("indices %v: error %v, want one naming %s", c.x, err, c.want)
		case c.want != "" && m.calls("cuLaunchKernel") != launches:
			t.Errorf("indices %v: a kernel ran after the check failed", c.x)
		}
	}
	if m.calls("cuMemcpyDtoHAsync") < 2 {
		t.Errorf("the indices were read %d times through the stream, want 2", m.calls("cuMemcpyDtoHAsync"))
	}
}
