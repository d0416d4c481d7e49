// Command stdlibbits prints a SHA-256 of every output of every function in the
// standard library (and the other .dl programs named on the command line) run
// on fixed, seeded inputs. Two builds of dlc that print the same lines compute
// the same bits, so a change to the compiler that must not change any result is
// checked by diffing this command's output before and after it:
//
//	go run ./internal/tools/stdlibbits > before.txt
//	... change the compiler ...
//	go run ./internal/tools/stdlibbits > after.txt && diff before.txt after.txt
package main

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"flag"
	"fmt"
	"io/fs"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strconv"

	"dlc.dev/dlc/artifact"
	"dlc.dev/dlc/compiler"
	"dlc.dev/dlc/runtime"
)

// sizes binds the symbolic dimensions the sources use; others get 5.
var sizes = map[string]int64{"N": 4099, "B": 37, "C": 1001, "K": 3, "D": 2}

func main() {
	threads := flag.Int("threads", 2, "threads per kernel")
	stream := flag.Int64("stream-bytes", 0, "runtime.Config.StreamBytes: 1 makes every loop kernel write with streaming stores, -1 none, 0 the default")
	flag.Parse()
	paths := flag.Args()
	if len(paths) == 0 {
		err := fs.WalkDir(os.DirFS("."), "stdlib", func(p string, d fs.DirEntry, err error) error {
			if err == nil && !d.IsDir() && filepath.Ext(p) == ".dl" {
				paths = append(paths, p)
			}
			return err
		})
		if err != nil {
			fail(err)
		}
		paths = append(paths, "diffusion/gmm.dl")
		sort.Strings(paths)
	}
	for _, p := range paths {
		if err := run(p, runtime.Config{Threads: *threads, StreamBytes: *stream}); err != nil {
			fail(fmt.Errorf("%s: %w", p, err))
		}
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "stdlibbits:", err)
	os.Exit(1)
}

func run(path string, cfg runtime.Config) error {
	src, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	b, man, err := compiler.Build(context.Background(), path, src, compiler.Options{})
	if err != nil {
		return err
	}
	art, err := runtime.LoadBytes(b, cfg)
	if err != nil {
		return err
	}
	defer art.Close()
	for _, fn := range man.Functions {
		f, err := art.Func(fn.Name)
		if err != nil {
			return err
		}
		args, outs, err := arguments(fn)
		if err != nil {
			return fmt.Errorf("%s: %w", fn.Name, err)
		}
		if err := f.Run(args); err != nil {
			return fmt.Errorf("%s: %w", fn.Name, err)
		}
		for _, o := range fn.Outputs {
			fmt.Printf("%s %s %s %x\n", path, fn.Name, o.Name, sha256.Sum256(outs[o.Name]))
		}
	}
	return nil
}

func dims(shape []string) ([]int64, int64) {
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

// arguments makes seeded inputs (floats in [-4, 4), 16-bit ones rounded from
// such an f32, with a few specials,
// integers within their index bounds) and zeroed outputs for fn.
func arguments(fn artifact.Function) (runtime.Args, map[string][]byte, error) {
	rng := rand.New(rand.NewPCG(1, uint64(len(fn.Name))))
	bounds := map[string]int64{}
	for _, c := range fn.IndexChecks {
		_, n := dims([]string{c.Bound})
		bounds[c.Input] = n
	}
	args := runtime.Args{Inputs: map[string]runtime.Tensor{}, Outputs: map[string]runtime.Tensor{}, Scalars: map[string]float64{}}
	for _, in := range fn.Inputs {
		dt, err := runtime.ParseDType(in.DType)
		if err != nil {
			return args, nil, fmt.Errorf("input %s: %w", in.Name, err)
		}
		shape, n := dims(in.Shape)
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
		shape, n := dims(o.Shape)
		buf := make([]byte, int(n)*dt.Size())
		outs[o.Name] = buf
		args.Outputs[o.Name] = runtime.FromBytes(dt, shape, buf)
	}
	return args, outs, nil
}
