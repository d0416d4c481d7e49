// Package stdlibargs makes the seeded arguments on which the tools run every
// standard-library function: stdlibbits hashes the outputs, gpucheck compares
// the GPU's with the CPU's. The same function always gets the same inputs.
package stdlibargs

import (
	"encoding/binary"
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"

	"dlc.dev/dlc/artifact"
	"dlc.dev/dlc/runtime"
)

// sizes binds the symbolic dimensions the sources use; others get 5.
var sizes = map[string]int64{"N": 4099, "B": 37, "C": 1001, "K": 3, "D": 2}

// Dims is the concrete shape of a manifest shape, and its element count.
func Dims(shape []string) ([]int64, int64) {
	out := make([]int64, len(shape))
	n := int64(1)
	for i, s := range shape {
		v, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			var ok bool
			if v, ok = sizes[s]; !ok {
				v = 5
			}
		}
		out[i] = v
		n *= v
	}
	return out, n
}

// Arguments makes seeded inputs (floats in [-4, 4) with a few specials,
// 16-bit ones rounded to nearest even from such an f32, integers within their
// index bounds) and zeroed outputs for fn, and returns the outputs' bytes by
// name.
func Arguments(fn artifact.Function) (runtime.Args, map[string][]byte, error) {
	rng := rand.New(rand.NewPCG(1, uint64(len(fn.Name))))
	bounds := map[string]int64{}
	for _, c := range fn.IndexChecks {
		_, n := Dims([]string{c.Bound})
		bounds[c.Input] = n
	}
	args := runtime.Args{Inputs: map[string]runtime.Tensor{}, Outputs: map[string]runtime.Tensor{}, Scalars: map[string]float64{}}
	for _, in := range fn.Inputs {
		dt, err := runtime.ParseDType(in.DType)
		if err != nil {
			return args, nil, fmt.Errorf("input %s: %w", in.Name, err)
		}
		shape, n := Dims(in.Shape)
		buf := make([]byte, int(n)*dt.Size())
		for i := int64(0); i < n; i++ {
			at := buf[int(i)*dt.Size():]
			switch dt {
			case runtime.Float32:
				x := float32(rng.Float64()*8 - 4)
				if in.Name == "labels" || in.Name == "targets" {
					x = float32(rng.IntN(2))
				}
				binary.LittleEndian.PutUint32(at, math.Float32bits(x))
			case runtime.Float64:
				binary.LittleEndian.PutUint64(at, math.Float64bits(rng.Float64()*8-4))
			case runtime.BFloat16, runtime.Float16:
				h := make([]uint16, 1)
				if x := []float32{float32(rng.Float64()*8 - 4)}; dt == runtime.BFloat16 {
					runtime.BF16FromF32(h, x)
				} else {
					runtime.F16FromF32(h, x)
				}
				binary.LittleEndian.PutUint16(at, h[0])
			case runtime.Int32, runtime.Int64:
				bound := int64(7)
				if b, ok := bounds[in.Name]; ok {
					bound = b
				}
				v := rng.Int64N(bound)
				if dt == runtime.Int32 {
					binary.LittleEndian.PutUint32(at, uint32(v))
				} else {
					binary.LittleEndian.PutUint64(at, uint64(v))
				}
			case runtime.Boolean:
				at[0] = byte(rng.IntN(2))
			default:
				return args, nil, fmt.Errorf("input %s: dtype %s", in.Name, dt)
			}
		}
		args.Inputs[in.Name] = runtime.FromBytes(dt, shape, buf)
	}
	for _, s := range fn.Scalars {
		v := 0.5
		if s.DType != "f32" && s.DType != "f64" && s.DType != "f16" && s.DType != "bf16" {
			v = 3 // an integer step, or true
			if s.DType == "bool" {
				v = 1
			}
		}
		if s.Default != nil {
			v = *s.Default
		}
		args.Scalars[s.Name] = v
	}
	outs := map[string][]byte{}
	for _, o := range fn.Outputs {
		dt, _ := runtime.ParseDType(o.DType)
		shape, n := Dims(o.Shape)
		buf := make([]byte, int(n)*dt.Size())
		outs[o.Name] = buf
		args.Outputs[o.Name] = runtime.FromBytes(dt, shape, buf)
	}
	return args, outs, nil
}
