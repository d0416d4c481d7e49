// This file defines the artifact manifest: what a .dla file promises its loader.
package artifact

// FormatVersion is the version of the container and manifest layout.
// A loader refuses any other version.
const FormatVersion = 1

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
// processes elements [begin, end) of Domain (row-major, flattened).
// bufs[i] is the base pointer of Buffers[i]; scalars[j] is the value of Scalars[j] as a double
// (the kernel converts it to the scalar's dtype).
type Kernel struct {
	Symbol  string      `json:"symbol"`
	Group   string      `json:"group"`  // IR placement group, e.g. "k0"
	Domain  []string    `json:"domain"` // iteration shape; elements = product
	Buffers []BufferRef `json:"buffers"`
	Scalars []ScalarRef `json:"scalars"`
}

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
}

// ScalarRef is one scalar argument of a kernel: a scalar parameter by name,
// or a host-computed IR value "%12" (evaluated in float64 before any kernel runs).
type ScalarRef struct {
	Name  string `json:"name"`
	DType string `json:"dtype"` // the dtype the kernel converts it to
}
