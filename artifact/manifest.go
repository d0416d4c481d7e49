// This file defines the artifact manifest: what a .dla file promises its loader.
//
// The manifest has two halves. Functions describe every entry point and its kernels
// without assuming any target: what each kernel reads and writes, the units its work
// splits into, the scalars it takes. Targets hold, for each target section (the CPU
// shared object now, PTX next), the triple and features the code needs and one entry
// per kernel saying how to launch it there.
package artifact

import "fmt"

// FormatVersion is the version of the container and manifest layout. A loader
// refuses any other version. Version 2 added kernel kinds, work units and index
// checks; version 3 moved the triple, CPU features and kernel symbols into one
// target section each, leaving kernel descriptions target-neutral. The
// build information (Manifest.Build) and the source sections are optional
// fields of version 3: a loader that does not know them ignores them.
const FormatVersion = 3

// Manifest describes everything in an artifact except the section bytes.
type Manifest struct {
	FormatVersion int        `json:"format_version"`
	Source        string     `json:"source"` // the .dl file it was built from (base name)
	Functions     []Function `json:"functions"`
	Targets       []Target   `json:"targets"` // one per target section, in build order
	// Build says what the artifact was built from and with; dlc verify
	// rebuilds it from there. Absent in an artifact built from IR.
	Build *BuildInfo `json:"build,omitempty"`
	// Sections lists the payload sections with their SHA-256 (hex).
	Sections []Section `json:"sections"`
	// ContentHash is the SHA-256 (hex) over the manifest (with this field empty) and all sections.
	ContentHash string `json:"content_hash"`
}

// Section names.
const (
	SectionIR     = "ir"       // optimized graph IR text (ir.Print), parsed by the runtime for host code
	SectionObject = "cpu.so"   // the shared object with every CPU kernel
	SectionLLVM   = "cpu.ll"   // the optimized LLVM IR, for inspection
	SectionPTX    = "cuda.ptx" // PTX text with every GPU kernel, JIT-compiled by the CUDA driver at load
)

// BuildInfo is the provenance of an artifact: the toolchain that built it,
// the option that chose its target, and every source file it read, each
// kept in a section of its own so that the artifact can be rebuilt.
type BuildInfo struct {
	DLC   string   `json:"dlc"`           // dlc's build identity (compiler.Identity) and version
	Tools []string `json:"tools"`         // each backend's tools, such as "LLVM version 14.0.6"
	CPU   string   `json:"cpu"`           // the -cpu option as given ("" for the default)
	GPU   string   `json:"gpu,omitempty"` // the compute capability of a cuda target, if any
	// Precision is the -precision option (bf16, f16) when one was given.
	Precision string `json:"precision,omitempty"`
	// Sources are the files read, the main file first, by the names
	// positions give them (as given on the command line).
	Sources []SourceFile `json:"sources"`
}

// SourceFile is one source file of a build.
type SourceFile struct {
	Name    string `json:"name"`
	Std     bool   `json:"std,omitempty"` // a standard library file, read from dlc itself
	SHA256  string `json:"sha256"`
	Section string `json:"section"` // the section holding its text
}

// SourceSection names the section of the i-th source file.
func SourceSection(i int) string { return fmt.Sprintf("src/%d", i) }

// Section names one payload and its checksum.
type Section struct {
	Name   string `json:"name"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
}

// Target is one target section: the code of every kernel for one kind of device,
// what that device must offer, and how to launch each kernel on it.
type Target struct {
	Kind    string `json:"kind"`    // TargetCPU
	Section string `json:"section"` // the section holding the code, e.g. SectionObject
	Triple  string `json:"triple"`  // e.g. x86_64-unknown-linux-gnu
	// Arch is the processor the code is built for: on a CPU, an LLVM CPU name such as
	// x86-64-v3, followed by the LLVM attributes added to it or taken from it for
	// -cpu native (znver3+avx512f+avx512bw).
	Arch string `json:"arch"`
	// Features are what the device must support, as its check names them: for a
	// CPU, the flags of /proc/cpuinfo (avx2, fma, f16c, ...). Sorted.
	Features []string `json:"features"`
	Entries  []Entry  `json:"entries"` // one per kernel of every function
	// FPContract is FPContractFast when the code was compiled with
	// floating-point contraction (dlc build -fp-contract fast): a multiply
	// and an add of the source may be one fused multiply-add, which rounds
	// once. Empty, the default, when every operation rounds where the source
	// says, as the reference interpreter does.
	FPContract string `json:"fp_contract,omitempty"`
	// Parallel, on a CPU, is the symbol of the entry point that runs one
	// launch of an ABIChunk kernel over a team of threads of OpenMP's runtime
	// (libgomp), which the code is linked against:
	//
	//	void Parallel(void (*fn)(int64 begin, int64 end, void **bufs, double *scalars),
	//	              int64 begin, int64 count, int64 chunk, void **bufs, double *scalars, int64 threads)
	//
	// calls fn on [begin, begin+count) in chunks of chunk units, claimed by
	// the threads of the team (the caller included) until none is left.
	// Empty: the runtime splits the chunks over threads of its own.
	Parallel string `json:"parallel,omitempty"`
}

// FPContractFast is Target.FPContract for code compiled with floating-point
// contraction.
const FPContractFast = "fast"

// Target kinds.
const (
	TargetCPU  = "cpu"  // a shared object for the host CPU
	TargetCUDA = "cuda" // PTX for NVIDIA GPUs; Arch is the compute capability (sm_80)
)

// Entry says how one kernel is launched on a target.
type Entry struct {
	Function string `json:"function"` // Function.Name
	Kernel   string `json:"kernel"`   // Kernel.Name within that function
	Symbol   string `json:"symbol"`   // the entry point in the target's code: a shared-object symbol on a CPU, a PTX .entry on a GPU
	ABI      string `json:"abi"`      // how it is called: ABIChunk, ABIGrid
	// Block is the number of threads per block an ABIGrid kernel is written for
	// (a row kernel's reductions depend on it); the launcher picks the grid.
	Block int `json:"block,omitempty"`
	// Stream, when set, is a second entry point of the same kernel on a CPU (same
	// ABI, same bits) that writes its element outputs with streaming (non-temporal)
	// stores, which bypass the caches: faster for outputs far larger than the
	// last-level cache, slower for smaller ones, and of no use for an output that
	// shares memory with an input. The CPU launcher calls it instead of Symbol when
	// no buffer the kernel writes is one it reads and the kernel writes more than
	// runtime.Config.StreamBytes in the call.
	Stream string `json:"stream,omitempty"`
	// Pack, Tile and PackByDepth describe a contraction kernel (KindContraction)
	// on a CPU. Pack is its packing entry point (same ABI), which the launcher
	// calls before Symbol when the call's plan packs an operand once for all
	// units; Tile is the kernel's register tile [MR, NR], and PackByDepth says,
	// for each operand, whether the packing launch splits it by rows of k
	// (an operand stored contiguous along its rows or columns) or by slivers:
	// internal/gemm plans a call from these. KStep, when above 1, is what the
	// depth of each K block but the last must be a multiple of (2 for a
	// kernel that packs k in bf16 pairs); 0 or 1 puts no constraint.
	Pack        string  `json:"pack,omitempty"`
	Tile        []int64 `json:"tile,omitempty"`
	PackByDepth []bool  `json:"pack_by_depth,omitempty"`
	KStep       int64   `json:"k_step,omitempty"`
}

// ABIChunk is the CPU calling convention of a kernel:
//
//	void SYMBOL(int64 begin, int64 end, void **bufs, const double *scalars)
//
// processes units [begin, end) of Kernel.Units (row-major, flattened), so the runtime
// may split the units into chunks at any unit boundary. bufs[i] is the base pointer of
// Kernel.Buffers[i]; scalars[j] is the value of Kernel.Scalars[j] as a double (the
// kernel converts it to the scalar's dtype).
//
// A contraction kernel's units are planned per call (internal/gemm): bufs has one
// more pointer after Kernel.Buffers, the workspace (64-byte aligned, the plan's
// size), and scalars has the plan's blocking scalars after Kernel.Scalars. Its
// packing entry point takes the same arguments, with the packing launch's units.
const ABIChunk = "chunk"

// ABIGrid is the GPU calling convention of a kernel: a PTX .entry
//
//	SYMBOL(u64 count, BUF0*, ..., SCALAR0, ..., u64 #D0, ...)
//
// launched with Entry.Block threads per block on any number of blocks: it
// processes units [0, count) of Kernel.Units with grid-stride loops, so the
// grid size never changes a result. BUFi is the device address of
// Kernel.Buffers[i]. Scalars are passed in their dtype's register type
// (f32 for f32, f16 and bf16, which the kernel rounds; f64; s32; s64; u8 0
// or 1 for bool), converted on the host as ir.Convert converts; a dimension
// "#D" is an s64.
const ABIGrid = "grid"

// Target returns the target of the given kind, or nil.
func (m *Manifest) Target(kind string) *Target {
	for i := range m.Targets {
		if m.Targets[i].Kind == kind {
			return &m.Targets[i]
		}
	}
	return nil
}

// Entry returns the entry of kernel k of function fn, or nil.
func (t *Target) Entry(fn, k string) *Entry {
	for i := range t.Entries {
		if e := &t.Entries[i]; e.Function == fn && e.Kernel == k {
			return e
		}
	}
	return nil
}

// Function is one entry point.
type Function struct {
	Name    string   `json:"name"`
	Pos     string   `json:"pos"` // file:line:col of the definition
	Inputs  []Tensor `json:"inputs"`
	Scalars []Scalar `json:"scalars"`
	Outputs []Tensor `json:"outputs"`
	Kernels []Kernel `json:"kernels"` // launched in this order by one call
	// IndexChecks lists the index inputs that kernels gather with; the runtime
	// checks every index against its bound before any kernel runs.
	IndexChecks []IndexCheck `json:"index_checks,omitempty"`
}

// IndexCheck says that input tensor Input holds indices into axis Axis of Of
// (take_along_axis), so each must lie in [0, Bound).
type IndexCheck struct {
	Input string `json:"input"` // an integer input tensor, by name
	Axis  int    `json:"axis"`  // the gather's axis
	Bound string `json:"bound"` // the size of that axis: "C" or "1000"
	Of    string `json:"of"`    // the gathered tensor, for messages: an input's name or an IR value "%12"
}

// Tensor is a tensor parameter or result: dtype and shape, symbolic dims by name.
type Tensor struct {
	Name  string   `json:"name"`
	DType string   `json:"dtype"`
	Shape []string `json:"shape"` // "N", "128"
	// Init is how a model parameter starts (an input with an initializer);
	// nil for any other tensor.
	Init *Init `json:"init,omitempty"`
	// Updates names the input an output is the new value of (w_new updates
	// w): passing the same tensor as both updates it in place.
	Updates string `json:"updates,omitempty"`
}

// Init is the initializer of a model parameter (ir.Init): Kind is one of
// zeros, ones, constant, normal, uniform, glorot_uniform, glorot_normal,
// he_uniform, he_normal; Args its arguments; Scale the declared scale, 0 when
// none.
type Init struct {
	Kind  string    `json:"kind"`
	Args  []float64 `json:"args,omitempty"`
	Scale float64   `json:"scale,omitempty"`
}

// Scalar is a scalar parameter.
type Scalar struct {
	Name    string   `json:"name"`
	DType   string   `json:"dtype"`
	Default *float64 `json:"default,omitempty"`
}

// Kernel describes one kernel of a function, the same for every target: what it
// reads and writes, in what order its entry takes them, and how its work splits.
// How each target launches it is that target's Entry for it.
type Kernel struct {
	Name   string   `json:"name"`   // unique within the function: its IR placement group, e.g. "k0"
	Kind   string   `json:"kind"`   // KindLoop, KindRows, KindAxis, KindContraction, KindTranspose or KindLoops
	Domain []string `json:"domain"` // the IR kernel's domain (loop: elements; rows: the rows; axis: the operand)
	// Units are the dimensions whose product is the number of independent units:
	// elements for a loop kernel, rows for a row kernel (a row is never split), output
	// positions for an axis kernel. Empty: one unit.
	Units []string `json:"units"`
	// UnitWork are the dimensions whose product estimates the work of one unit (the
	// row length of a row kernel, the reduced size of an axis kernel). Empty: 1.
	UnitWork []string    `json:"unit_work"`
	Buffers  []BufferRef `json:"buffers"` // in the order the entry takes them
	Scalars  []ScalarRef `json:"scalars"` // in the order the entry takes them
	// Contraction gives the sizes of a contraction kernel (KindContraction), whose
	// units the runtime plans per call from them: it has no Units.
	Contraction *Contraction `json:"contraction,omitempty"`
	// Parts are the loops of a loops kernel (KindLoops) in their order in
	// Domain, each over a contiguous range of it; empty for other kinds.
	Parts []LoopPart `json:"parts,omitempty"`
	// Cost is the kernel's work and traffic, for its roofline.
	Cost *Cost `json:"cost,omitempty"`
	// Source is where the kernel's values come from: one "file:line:col"
	// per source line, in order of first appearance, at most MaxKernelSource.
	Source []string `json:"source,omitempty"`
}

// MaxKernelSource bounds Kernel.Source.
const MaxKernelSource = 12

// LoopPart is one loop of a loops kernel: its elements are [Offset,
// Offset+Size) of the kernel's domain, element i of the loop is element i
// of each of its Buffers (indices into the kernel's Buffers) whose size is
// Size, and it reads the others whole.
type LoopPart struct {
	Offset  int64 `json:"offset"`
	Size    int64 `json:"size"`
	Buffers []int `json:"buffers"`
}

// Cost is what a kernel must do at least, as expressions of the function's
// dimensions ("20*N", "3*B*C + 2*B"; ir.EvalCount evaluates them): the bytes
// it moves (every buffer read or written once), its arithmetic operations
// and its transcendental calls, counted from the op table's cost classes
// (ir.Work).
type Cost struct {
	Bytes           string `json:"bytes"`
	Ops             string `json:"ops"`
	Transcendentals string `json:"transcendentals"`
}

// Contraction is the size of the work of a contraction kernel: Batch products of
// an M x K matrix by a K x N one, each group the product of its dimensions
// (empty: 1), accumulated in DType.
type Contraction struct {
	Batch []string `json:"batch"`
	M     []string `json:"m"`
	N     []string `json:"n"`
	K     []string `json:"k"`
	DType string   `json:"dtype"`
}

// Kernel kinds (ir.KernelKind's names).
const (
	KindLoop = "loop" // elementwise over Domain
	KindRows = "rows" // per row: reductions along the last axis and their producers and consumers
	KindAxis = "axis" // one reduction or gather along a non-last axis
	// KindContraction is one contraction (a packed, register-blocked matrix
	// product) with the elementwise producers of its operands and consumers of
	// its result; its units are planned per call (Kernel.Contraction).
	KindContraction = "contraction"
	// KindTranspose copies its input with the axes permuted; its units are the
	// rows of its output.
	KindTranspose = "transpose"
	// KindLoops is several elementwise loops launched as one, laid end to end
	// in Domain, one dimension: the runtime splits it like a loop.
	KindLoops = "loops"
)

// Buffer kinds.
const (
	BufInput  = "input"  // a tensor parameter, by name
	BufOutput = "output" // a function result, by name
	BufTemp   = "temp"   // an intermediate between kernels, by IR value "%12"
)

// BufferRef is one buffer argument of a kernel.
type BufferRef struct {
	Kind   string   `json:"kind"`
	Name   string   `json:"name"`
	DType  string   `json:"dtype"`
	Shape  []string `json:"shape"`
	Writes bool     `json:"writes"` // the kernel writes this buffer
	// Reread marks a buffer the kernel reads after it has written some output
	// elsewhere in the same unit (a later pass over a row, or a gather), so no output
	// of this kernel may share its memory.
	Reread bool `json:"reread,omitempty"`
}

// ScalarRef is one scalar argument of a kernel: a scalar parameter by name,
// a host-computed IR value "%12" (evaluated in float64 before any kernel runs),
// or "#C", the bound size of the symbolic dimension C (dtype i64).
type ScalarRef struct {
	Name  string `json:"name"`
	DType string `json:"dtype"` // the dtype the kernel converts it to
}
