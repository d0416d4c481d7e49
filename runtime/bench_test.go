// This file benchmarks a memory-bound kernel across sizes and thread counts, to tune
// DefaultMinChunk and chunksPerThread (see RATIONALE.md).
package runtime

import (
	"fmt"
	goruntime "runtime"
	"testing"
)

func BenchmarkScale(b *testing.B) {
	for _, n := range []int{1 << 12, 1 << 15, 1 << 17, 1 << 20, 1 << 24} {
		for _, threads := range []int{1, goruntime.NumCPU()} {
			b.Run(fmt.Sprintf("n=%d/threads=%d", n, threads), func(b *testing.B) {
				f := mustFunc(b, loadTest(b, Config{Threads: threads}), "scale")
				x, y := make([]float32, n), make([]float32, n)
				args := Args{Inputs: map[string]Tensor{"x": F32(x)}, Outputs: map[string]Tensor{"y": F32(y)}}
				b.SetBytes(int64(8 * n))
				b.ReportAllocs()
				for b.Loop() {
					if err := f.Run(args); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// BenchmarkCallOverhead is the cost of Run around a kernel that does almost nothing.
func BenchmarkCallOverhead(b *testing.B) {
	f := mustFunc(b, loadTest(b, Config{Threads: 1}), "scale")
	x, y := make([]float32, 1), make([]float32, 1)
	args := Args{Inputs: map[string]Tensor{"x": F32(x)}, Outputs: map[string]Tensor{"y": F32(y)}}
	for b.Loop() {
		if err := f.Run(args); err != nil {
			b.Fatal(err)
		}
	}
}
