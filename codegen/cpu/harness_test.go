// This file is a minimal kernel runner for tests: it compiles IR text to a
// shared object, opens it with purego and calls each kernel of a function on Go
// slices, the way the runtime will (without depending on the runtime package).
package cpu

import (
	"context"
	"encoding/binary"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"unsafe"

	"dlc.dev/dlc/artifact"
	"dlc.dev/dlc/codegen"
	"dlc.dev/dlc/codegen/llvmtool"
	"dlc.dev/dlc/internal/gemm"
	"dlc.dev/dlc/ir"

	"github.com/ebitengine/purego"
)

// needTools returns the LLVM tools or skips the test with the reason.
func needTools(t testing.TB) *llvmtool.Tools {
	t.Helper()
	tools, err := llvmtool.FindTools()
	if err != nil {
		t.Skipf("skipping: cannot compile kernels: %v", err)
	}
	return tools
}

// library is a compiled module opened in this process.
type library struct {
	mod     *ir.Module
	kernels map[string][]artifact.Kernel
	target  *artifact.Target // its entry of every kernel on the CPU
	handle  uintptr
}

// buildLibrary parses src, emits, compiles and opens it for the default CPU.
func buildLibrary(t testing.TB, src string) *library {
	t.Helper()
	return buildLibraryFor(t, src, codegen.CPUTarget(codegen.DefaultCPU))
}

// buildLibraryFor is buildLibrary for target tg.
func buildLibraryFor(t testing.TB, src string, tg codegen.Target) *library {
	t.Helper()
	return buildLibraryWith(t, src, tg, emitOptions{outline: true, unswitch: true})
}

// buildLibraryWith is buildLibraryFor with emit options.
func buildLibraryWith(t testing.TB, src string, tg codegen.Target, opt emitOptions) *library {
	t.Helper()
	tools := needTools(t)
	m, err := ir.Parse(src)
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	if err := ir.Verify(m); err != nil {
		t.Fatalf("verify: %v", err)
	}
	ll, kernels, entries, err := emit(m, tg, opt)
	if err != nil {
		t.Fatalf("emit: %v", err)
	}
	so, _, err := Compile(context.Background(), ll, Options{Target: tg, Tools: tools})
	if err != nil {
		t.Fatalf("compile: %v", err)
	}
	path := filepath.Join(t.TempDir(), "kernels.so")
	if err := os.WriteFile(path, so, 0o755); err != nil {
		t.Fatal(err)
	}
	h, err := purego.Dlopen(path, purego.RTLD_NOW|purego.RTLD_LOCAL)
	if err != nil {
		t.Fatalf("dlopen: %v", err)
	}
	t.Cleanup(func() { purego.Dlclose(h) })
	return &library{mod: m, kernels: kernels, target: &artifact.Target{Kind: artifact.TargetCPU, Entries: entries}, handle: h}
}

// runOptions vary how a function's kernels are called.
type runOptions struct {
	splits  []int64           // chunk boundaries inside each kernel's units: [0,s0), [s0,s1), ..., [sk,n)
	inPlace map[string]string // result name -> tensor parameter whose buffer it reuses
	stream  bool              // call each kernel's streaming entry point where it has one
	// shift moves the start of the i-th output or temporary this many bytes
	// past a 64-byte boundary (nil: where the allocator puts it).
	shift func(i int) int
	// threads is the thread count a contraction's call is planned for
	// (0: 2); reblock, when set, changes the plan's blocking.
	threads int
	reblock func(p *gemm.Plan)
}

// alloc returns n zero bytes, the i-th output or temporary of a call.
func (o runOptions) alloc(i int, n int64) []byte {
	if o.shift == nil {
		return make([]byte, n)
	}
	raw := make([]byte, n+128)
	at := (64 - int(uintptr(unsafe.Pointer(&raw[0]))%64)) % 64
	at += o.shift(i)
	return raw[at : at+int(n)]
}

// run calls function name on tensors (values already representable in their
// dtypes) and scalars (missing ones take their defaults), and returns the
// results decoded to float64.
func (l *library) run(t testing.TB, name string, tensors map[string]*ir.Array, scalars map[string]float64, opt runOptions) map[string]*ir.Array {
	t.Helper()
	f := l.mod.Func(name)
	shapes := map[string][]int64{}
	for n, a := range tensors {
		shapes[n] = a.Shape
	}
	dims, err := ir.BindDims(f, shapes)
	if err != nil {
		t.Fatal(err)
	}
	host, err := ir.EvalHost(f, scalars, dims)
	if err != nil {
		t.Fatal(err)
	}
	concrete := func(s ir.Shape) []int64 {
		c, err := ir.ConcreteShape(s, dims)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	// Buffers by kind and name; outputs in place share their input's bytes.
	mem := map[string][]byte{}
	for _, p := range f.TensorParams() {
		mem[artifact.BufInput+" "+p.Name] = encode(p.Type.DType, tensors[p.Name].Data)
	}
	for _, r := range f.Results {
		key := artifact.BufOutput + " " + r.Name
		if in, ok := opt.inPlace[r.Name]; ok {
			mem[key] = mem[artifact.BufInput+" "+in]
			continue
		}
		mem[key] = opt.alloc(len(mem), elems(concrete(r.Value.Type.Shape))*int64(r.Value.Type.DType.Size())+1)
	}
	for _, k := range l.kernels[name] {
		e := l.target.Entry(name, k.Name)
		if e == nil {
			t.Fatalf("kernel %s of %s has no entry", k.Name, name)
		}
		symbol := e.Symbol
		if opt.stream && e.Stream != "" {
			symbol = e.Stream
		}
		sym, err := purego.Dlsym(l.handle, symbol)
		if err != nil {
			t.Fatalf("dlsym %s: %v", symbol, err)
		}
		bufs := make([]uintptr, len(k.Buffers)+1)
		for i, b := range k.Buffers {
			key := b.Kind + " " + b.Name
			if _, ok := mem[key]; !ok {
				if b.Kind != artifact.BufTemp {
					t.Fatalf("%s: buffer %s %s not bound", symbol, b.Kind, b.Name)
				}
				shape := make(ir.Shape, len(b.Shape))
				for j, s := range b.Shape {
					shape[j] = parseDim(s)
				}
				d, _ := ir.ParseDType(b.DType)
				mem[key] = opt.alloc(len(mem), elems(concrete(shape))*int64(d.Size())+1)
			}
			bufs[i] = uintptr(unsafe.Pointer(&mem[key][0]))
		}
		sc := make([]float64, len(k.Scalars)+1)
		for i, s := range k.Scalars {
			if s.Name[0] == '#' {
				n, ok := dims[s.Name[1:]]
				if !ok {
					t.Fatalf("%s: dimension %s is not bound", symbol, s.Name)
				}
				sc[i] = float64(n)
				continue
			}
			if s.Name[0] == '%' {
				v := valueByRef(f, s.Name)
				sc[i] = host[v.ID]
				continue
			}
			x, ok := scalars[s.Name]
			if !ok {
				x = *f.Param(s.Name).Default
			}
			sc[i] = x
		}
		if k.Contraction != nil {
			runContraction(t, sym, l, e, k, bufs, sc, dims, opt)
			continue
		}
		units := make(ir.Shape, len(k.Units))
		for j, s := range k.Units {
			units[j] = parseDim(s)
		}
		n := elems(concrete(units))
		begin := int64(0)
		for _, end := range append(append([]int64(nil), opt.splits...), n) {
			if end > n {
				end = n
			}
			purego.SyscallN(sym, uintptr(begin), uintptr(end), uintptr(unsafe.Pointer(&bufs[0])), uintptr(unsafe.Pointer(&sc[0])))
			begin = end
		}
		runtime.KeepAlive(bufs)
		runtime.KeepAlive(sc)
	}
	runtime.KeepAlive(mem)
	out := map[string]*ir.Array{}
	for _, r := range f.Results {
		shape := concrete(r.Value.Type.Shape)
		a := ir.NewArray(shape...)
		copy(a.Data, decode(r.Value.Type.DType, mem[artifact.BufOutput+" "+r.Name], len(a.Data)))
		out[r.Name] = a
	}
	return out
}

func elems(shape []int64) int64 {
	n := int64(1)
	for _, d := range shape {
		n *= d
	}
	return n
}

func parseDim(s string) ir.Dim {
	var n int64
	for _, c := range s {
		if c < '0' || c > '9' {
			return ir.SymDim(s)
		}
		n = 10*n + int64(c-'0')
	}
	return ir.ConstDim(n)
}

func valueByRef(f *ir.Func, ref string) *ir.Value {
	for _, v := range f.Body {
		if ir.Ref(v) == ref {
			return v
		}
	}
	panic("no value " + ref)
}

// encode stores float64 values in the memory layout of dtype d.
func encode(d ir.DType, xs []float64) []byte {
	size := d.Size()
	b := make([]byte, len(xs)*size+1)
	le := binary.LittleEndian
	for i, x := range xs {
		p := b[i*size:]
		switch d {
		case ir.F32:
			le.PutUint32(p, math.Float32bits(float32(x)))
		case ir.F64:
			le.PutUint64(p, math.Float64bits(x))
		case ir.F16:
			le.PutUint16(p, ir.F32ToF16(float32(x)))
		case ir.BF16:
			le.PutUint16(p, ir.F32ToBF16(float32(x)))
		case ir.I32:
			le.PutUint32(p, uint32(int32(x)))
		case ir.I64:
			le.PutUint64(p, uint64(int64(x)))
		case ir.Bool:
			if x != 0 {
				p[0] = 1
			}
		}
	}
	return b
}

// decode reads n values of dtype d as float64.
func decode(d ir.DType, b []byte, n int) []float64 {
	size := d.Size()
	xs := make([]float64, n)
	le := binary.LittleEndian
	for i := range xs {
		p := b[i*size:]
		switch d {
		case ir.F32:
			xs[i] = float64(math.Float32frombits(le.Uint32(p)))
		case ir.F64:
			xs[i] = math.Float64frombits(le.Uint64(p))
		case ir.F16:
			xs[i] = float64(ir.F16ToF32(le.Uint16(p)))
		case ir.BF16:
			xs[i] = float64(ir.BF16ToF32(le.Uint16(p)))
		case ir.I32:
			xs[i] = float64(int32(le.Uint32(p)))
		case ir.I64:
			xs[i] = float64(int64(le.Uint64(p)))
		case ir.Bool:
			xs[i] = float64(p[0])
		}
	}
	return xs
}

// runContraction calls contraction kernel k the way the runtime does, with
// a plan from internal/gemm: the packing launch, then the compute launch,
// each unit in a call of its own, last unit first (units are independent).
// bufs and sc have one free slot at the end, for the workspace.
func runContraction(t testing.TB, sym uintptr, l *library, e *artifact.Entry, k artifact.Kernel, bufs []uintptr, sc []float64, dims map[string]int64, opt runOptions) {
	t.Helper()
	size := func(ds []string) int64 {
		n := int64(1)
		for _, d := range ds {
			x := parseDim(d)
			if x.IsSym() {
				n *= dims[x.Sym]
			} else {
				n *= x.N
			}
		}
		return n
	}
	c := k.Contraction
	dt, _ := ir.ParseDType(c.DType)
	shape := gemm.Shape{Batch: size(c.Batch), M: size(c.M), N: size(c.N), K: size(c.K)}
	kern := gemm.Kernel{MR: e.Tile[0], NR: e.Tile[1], ElemSize: int64(dt.Size()), ByDepth: [2]bool{e.PackByDepth[0], e.PackByDepth[1]}, KStep: e.KStep}
	threads := opt.threads
	if threads == 0 {
		threads = 2
	}
	p := gemm.New(shape, kern, threads)
	if opt.reblock != nil {
		opt.reblock(&p)
	}
	ws := make([]byte, p.Workspace*kern.ElemSize+128)
	at := (64 - int(uintptr(unsafe.Pointer(&ws[0]))%64)) % 64
	bufs[len(k.Buffers)] = uintptr(unsafe.Pointer(&ws[at]))
	scal := append(sc[:len(k.Scalars):len(k.Scalars)], make([]float64, gemm.NumScalars)...)
	p.Scalars(scal[len(k.Scalars):])
	call := func(fn uintptr, n int64) {
		for u := n - 1; u >= 0; u-- {
			purego.SyscallN(fn, uintptr(u), uintptr(u+1), uintptr(unsafe.Pointer(&bufs[0])), uintptr(unsafe.Pointer(&scal[0])))
		}
	}
	if n := p.PackUnits(); n > 0 {
		pack, err := purego.Dlsym(l.handle, e.Pack)
		if err != nil {
			t.Fatalf("dlsym %s: %v", e.Pack, err)
		}
		call(pack, n)
	}
	call(sym, p.Units())
	runtime.KeepAlive(ws)
	runtime.KeepAlive(scal)
}
