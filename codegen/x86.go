// This file lists the x86-64 CPUs dlc builds for and the instruction-set
// features each one has: the features code compiled for it may use, which an
// artifact records and the runtime checks before it loads the code.
package codegen

// x86Feature is one instruction-set extension beyond the x86-64 baseline.
type x86Feature struct {
	flag string // as /proc/cpuinfo names it: what artifacts record and the runtime checks
	llvm string // as LLVM's -mattr names it
	gcc  string // the macro gcc -march defines when it has it (the tests' independent reference)
}

// x86Features are the extensions a compiled kernel may use: vector and
// scalar arithmetic, bit manipulation, prefetches. Extensions no kernel can
// use (system instructions, transactional memory) are left out.
var x86Features = []x86Feature{
	{"cx16", "cx16", "__GCC_HAVE_SYNC_COMPARE_AND_SWAP_16"},
	{"lahf_lm", "sahf", "__LAHF_SAHF__"},
	{"pni", "sse3", "__SSE3__"},
	{"ssse3", "ssse3", "__SSSE3__"},
	{"sse4_1", "sse4.1", "__SSE4_1__"},
	{"sse4_2", "sse4.2", "__SSE4_2__"},
	{"popcnt", "popcnt", "__POPCNT__"},
	{"sse4a", "sse4a", "__SSE4A__"},
	{"avx", "avx", "__AVX__"},
	{"avx2", "avx2", "__AVX2__"},
	{"fma", "fma", "__FMA__"},
	{"f16c", "f16c", "__F16C__"},
	{"bmi1", "bmi", "__BMI__"},
	{"bmi2", "bmi2", "__BMI2__"},
	{"abm", "lzcnt", "__LZCNT__"},
	{"movbe", "movbe", "__MOVBE__"},
	{"xsave", "xsave", "__XSAVE__"},
	{"adx", "adx", "__ADX__"},
	{"3dnowprefetch", "prfchw", "__PRFCHW__"},
	{"pclmulqdq", "pclmul", "__PCLMUL__"},
	{"aes", "aes", "__AES__"},
	{"sha_ni", "sha", "__SHA__"},
	{"gfni", "gfni", "__GFNI__"},
	{"vaes", "vaes", "__VAES__"},
	{"vpclmulqdq", "vpclmulqdq", "__VPCLMULQDQ__"},
	{"avx512f", "avx512f", "__AVX512F__"},
	{"avx512cd", "avx512cd", "__AVX512CD__"},
	{"avx512bw", "avx512bw", "__AVX512BW__"},
	{"avx512dq", "avx512dq", "__AVX512DQ__"},
	{"avx512vl", "avx512vl", "__AVX512VL__"},
	{"avx512_vnni", "avx512vnni", "__AVX512VNNI__"},
	{"avx512_bf16", "avx512bf16", "__AVX512BF16__"},
	{"avx512ifma", "avx512ifma", "__AVX512IFMA__"},
	{"avx512vbmi", "avx512vbmi", "__AVX512VBMI__"},
	{"avx512_vbmi2", "avx512vbmi2", "__AVX512VBMI2__"},
	{"avx512_bitalg", "avx512bitalg", "__AVX512BITALG__"},
	{"avx512_vpopcntdq", "avx512vpopcntdq", "__AVX512VPOPCNTDQ__"},
	{"avx512_fp16", "avx512fp16", "__AVX512FP16__"},
}

// cpuModel is an LLVM CPU name dlc accepts for -cpu: its parent's features
// and its own.
type cpuModel struct {
	name   string
	parent string // "" for none
	adds   []string
}

// The x86-64 micro-architecture levels of the psABI, as feature lists.
var (
	levelV2 = []string{"cx16", "lahf_lm", "pni", "ssse3", "sse4_1", "sse4_2", "popcnt"}
	levelV3 = []string{"avx", "avx2", "fma", "f16c", "bmi1", "bmi2", "abm", "movbe", "xsave"}
	levelV4 = []string{"avx512f", "avx512cd", "avx512bw", "avx512dq", "avx512vl"}
)

// cpuModels are the CPUs dlc accepts, each after its parent. LLVM 14 knows
// each name (it does not know znver4; a Zen 4 is znver3 with AVX-512 added,
// which -cpu native gives).
var cpuModels = []cpuModel{
	{name: "x86-64"},
	{name: "x86-64-v2", parent: "x86-64", adds: levelV2},
	{name: "x86-64-v3", parent: "x86-64-v2", adds: levelV3},
	{name: "x86-64-v4", parent: "x86-64-v3", adds: levelV4},
	{name: "haswell", parent: "x86-64-v3", adds: []string{"pclmulqdq"}},
	{name: "broadwell", parent: "haswell", adds: []string{"adx", "3dnowprefetch"}},
	{name: "skylake", parent: "broadwell", adds: []string{"aes"}},
	{name: "skylake-avx512", parent: "skylake", adds: levelV4},
	{name: "cascadelake", parent: "skylake-avx512", adds: []string{"avx512_vnni"}},
	{name: "cooperlake", parent: "cascadelake", adds: []string{"avx512_bf16"}},
	{name: "icelake-server", parent: "cascadelake", adds: []string{"avx512ifma", "avx512vbmi", "avx512_vbmi2", "avx512_bitalg",
		"avx512_vpopcntdq", "gfni", "vaes", "vpclmulqdq", "sha_ni"}},
	{name: "znver1", parent: "x86-64-v3", adds: []string{"sse4a", "pclmulqdq", "aes", "sha_ni", "adx", "3dnowprefetch"}},
	{name: "znver2", parent: "znver1"},
	{name: "znver3", parent: "znver2", adds: []string{"vaes", "vpclmulqdq"}},
}

// cpuModelNamed returns the model of an LLVM CPU name, or nil.
func cpuModelNamed(name string) *cpuModel {
	for i := range cpuModels {
		if cpuModels[i].name == name {
			return &cpuModels[i]
		}
	}
	return nil
}

// features are every feature of m, its parents' included.
func (m *cpuModel) features() []string {
	var fs []string
	if m.parent != "" {
		fs = cpuModelNamed(m.parent).features()
	}
	return append(fs, m.adds...)
}
