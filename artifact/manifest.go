// This file defines the artifact manifest: what a .dla file promises its loader.
package artifact

// FormatVersion is the version of the container and manifest layout.
// A loader refuses any other version. Version 2 added kernel kinds and work
// units (begin and end of the ABI count units, not domain elements) and index checks.
const FormatVersion = 2

// Manifest describes everything in an artifact except the section bytes.
type Manifest struct {
	FormatVersion int        `json:"format_version"`
	Source        string     `json:"source"`       // the .dl file it was built from (base name)
	Triple        string     `json:"triple"`       // e.g. x86_64-unknown-linux-gnu
	CPU           string     `json:"cpu"`          // e.g. x86-64-v3
	CPUFeatures   []string   `json:"cpu_features"` // required, as /proc/cpuinfo names them (avx2, fma, f16c, ...)
	Functions     []Function `json:"functions"`
	// Sections lists the payload sections with their SHA-256 (hex).
	Sections []Section `json:"sections"`
	// ContentHash is the SHA-256 (hex) over the manifest (with this field empty) and all sections.
	ContentHash string `json:"content_hash"`
}

// Section names.
const (
	SectionIR     = "ir"     // optimized graph IR text (ir.Print), parsed by the runtime for host code
	SectionObject = "cpu.so" // the shared object with every CPU kernel
	SectionLLVM   = "cpu.ll" // the optimized LLVM IR, for inspection
)

// Section names one payload and its checksum.
type Section struct {
	Name   string `json:"name"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
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
}

// Scalar is a scalar parameter.
type Scalar struct {
	Name    string   `json:"name"`
	DType   string   `json:"dtype"`
	Default *float64 `json:"default,omitempty"`
}

// Kernel is one compiled kernel and how to call it.
//
// CPU ABI: void SYMBOL(int64 begin, int64 end, void **bufs, const double *scalars)
// processes units [begin, end) (row-major, flattened): the product of Units is the
// number of units, which the runtime may split into chunks at any unit boundary.
// bufs[i] is the base pointer of Buffers[i]; scalars[j] is the value of Scalars[j] as a double
// (the kernel converts it to the scalar's dtype).
type Kernel struct {
	Symbol string   `json:"symbol"`
	Group  string   `json:"group"`  // IR placement group, e.g. "k0"
	Kind   string   `json:"kind"`   // KindLoop, KindRows or KindAxis
	Domain []string `json:"domain"` // the IR kernel's domain (loop: elements; rows: the rows; axis: the operand)
	// Units are the dimensions whose product is the number of independent units:
	// elements for a loop kernel, rows for a row kernel (a row is never split), output
	// positions for an axis kernel. Empty: one unit.
	Units []string `json:"units"`
	// UnitWork are the dimensions whose product estimates the work of one unit (the
	// row length of a row kernel, the reduced size of an axis kernel). Empty: 1.
	UnitWork []string    `json:"unit_work"`
	Buffers  []BufferRef `json:"buffers"`
	Scalars  []ScalarRef `json:"scalars"`
	// Streaming, when set, is the symbol of the same kernel (same ABI, same
	// bits) with its element outputs written by streaming (non-temporal)
	// stores, which bypass the caches: faster for outputs far larger than the
	// last-level cache, slower for smaller ones, and of no use for an output
	// that shares memory with an input. The runtime calls it instead of
	// Symbol when no output shares memory with an input of the kernel and the
	// kernel writes more than its threshold (runtime.Config.StreamBytes).
	Streaming string `json:"streaming,omitempty"`
}

// Kernel kinds (ir.KernelKind's names).
const (
	KindLoop = "loop" // elementwise over Domain
	KindRows = "rows" // per row: reductions along the last axis and their producers and consumers
	KindAxis = "axis" // one reduction or gather along a non-last axis
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
