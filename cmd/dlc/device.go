// This file holds what `dlc run` and `dlc bench` share to run a function:
// the --device, --cuda-driver and --threads flags, opening the function they
// name on that device, and moving a call's tensors to the device and its
// outputs back.
package main

import (
	"flag"
	"fmt"
	"strconv"
	"strings"

	"dlc.dev/dlc/artifact"
	"dlc.dev/dlc/runtime"
)

// deviceFlags are the flags that choose where kernels run.
type deviceFlags struct {
	device  *string
	driver  *string
	threads *int
}

func addDeviceFlags(fs *flag.FlagSet) deviceFlags {
	return deviceFlags{
		device:  fs.String("device", "cpu", "`DEVICE`: cpu, or cuda[:N] for GPU N (default 0), which needs an artifact built with --target cuda"),
		driver:  fs.String("cuda-driver", runtime.DefaultCUDALibrary, "`PATH`: the CUDA driver library to open for --device cuda"),
		threads: fs.Int("threads", 0, "`N`: the number of worker threads (default: all CPUs)"),
	}
}

// config is the runtime configuration the flags ask for.
func (d deviceFlags) config() (runtime.Config, error) {
	dev, err := parseDevice(*d.device)
	if err != nil {
		return runtime.Config{}, err
	}
	return runtime.Config{Threads: *d.threads, Device: dev, CUDALibrary: *d.driver}, nil
}

// openFunction parses a command's arguments with fs, whose flags include
// these, checks that they name an artifact and a function, runs check (when
// not nil) on the command's other flags, and opens the function on the
// device the flags choose.
func (d deviceFlags) openFunction(fs *flag.FlagSet, args []string, check func() error) (*runtime.Artifact, *runtime.Func, *artifact.Function, error) {
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return nil, nil, nil, err
	}
	if len(pos) != 2 {
		return nil, nil, nil, &usageError{"need an artifact and a function name"}
	}
	if check != nil {
		if err := check(); err != nil {
			return nil, nil, nil, err
		}
	}
	cfg, err := d.config()
	if err != nil {
		return nil, nil, nil, err
	}
	return openFunc(pos[0], pos[1], cfg)
}

// parseDevice reads a --device value: cpu, cuda or cuda:N.
func parseDevice(s string) (runtime.Device, error) {
	if s == "cpu" || s == "host" {
		return runtime.Device{}, nil
	}
	rest, ok := strings.CutPrefix(s, "cuda")
	if !ok {
		return runtime.Device{}, fmt.Errorf("--device %q: want cpu, cuda or cuda:N", s)
	}
	if rest == "" {
		return runtime.CUDADevice(0), nil
	}
	n, err := strconv.Atoi(strings.TrimPrefix(rest, ":"))
	if err != nil || !strings.HasPrefix(rest, ":") || n < 0 {
		return runtime.Device{}, fmt.Errorf("--device %q: want cpu, cuda or cuda:N with N a GPU number", s)
	}
	return runtime.CUDADevice(n), nil
}

// onDevice returns a copy of args whose tensors are in art's device memory:
// inputs copied there, outputs allocated there, an output that shares an
// input's memory sharing the input's copy. back copies the outputs into the
// host tensors of args; free releases the device memory. On the host args
// is returned as it is.
func onDevice(art *runtime.Artifact, args runtime.Args) (dev runtime.Args, back func() error, free func(), err error) {
	if art.Device().Kind == runtime.Host {
		return args, func() error { return nil }, func() {}, nil
	}
	var held []runtime.Tensor
	free = func() {
		for _, t := range held {
			art.Free(t)
		}
	}
	dev = runtime.Args{Inputs: map[string]runtime.Tensor{}, Outputs: map[string]runtime.Tensor{}, Scalars: args.Scalars}
	for name, t := range args.Inputs {
		d, err := art.ToDevice(t)
		if err != nil {
			free()
			return dev, nil, nil, fmt.Errorf("input %s: %w", name, err)
		}
		held = append(held, d)
		dev.Inputs[name] = d
	}
	for name, t := range args.Outputs {
		if in, ok := sharedInput(args, t); ok {
			dev.Outputs[name] = dev.Inputs[in]
			continue
		}
		d, err := art.Alloc(t.DType, t.Shape...)
		if err != nil {
			free()
			return dev, nil, nil, fmt.Errorf("output %s: %w", name, err)
		}
		held = append(held, d)
		dev.Outputs[name] = d
	}
	back = func() error {
		for name, t := range args.Outputs {
			if err := art.Copy(t, dev.Outputs[name]); err != nil {
				return fmt.Errorf("output %s: %w", name, err)
			}
		}
		return nil
	}
	return dev, back, free, nil
}

// sharedInput is the input whose memory output t is, if any.
func sharedInput(args runtime.Args, t runtime.Tensor) (string, bool) {
	for name, in := range args.Inputs {
		if in.Data == t.Data && in.Len == t.Len {
			return name, true
		}
	}
	return "", false
}
