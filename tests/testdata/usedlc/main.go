// Command usedlc is a program in a module of its own that uses dlc as a library: it
// loads a Lion artifact, reads theta, grad and m from .npy files, runs one update in
// place and writes theta_new.npy and m_new.npy. It imports only the runtime, as any
// program that runs artifacts built by `dlc build` would.
//
//	usedlc LION.dla INDIR OUTDIR
package main

import (
	"fmt"
	"os"
	"path/filepath"

	"dlc.dev/dlc/runtime"
	"dlc.dev/dlc/runtime/npy"
)

func main() {
	if len(os.Args) != 4 {
		fmt.Fprintln(os.Stderr, "usage: usedlc LION.dla INDIR OUTDIR")
		os.Exit(2)
	}
	if err := run(os.Args[1], os.Args[2], os.Args[3]); err != nil {
		fmt.Fprintln(os.Stderr, "usedlc:", err)
		os.Exit(1)
	}
}

func run(path, inDir, outDir string) error {
	art, err := runtime.Load(path, runtime.Config{})
	if err != nil {
		return err
	}
	defer art.Close()
	lion, err := art.Func("lion")
	if err != nil {
		return err
	}
	in := map[string]runtime.Tensor{}
	for _, name := range []string{"theta", "grad", "m"} {
		if in[name], err = npy.ReadFile(filepath.Join(inDir, name+".npy")); err != nil {
			return err
		}
	}
	theta, m := in["theta"], in["m"]
	err = lion.Run(runtime.Args{
		Inputs:  in,
		Outputs: map[string]runtime.Tensor{"theta_new": theta, "m_new": m}, // in place
		Scalars: map[string]float64{"lr": 0.01, "wd": 0.1},
	})
	if err != nil {
		return err
	}
	if err := npy.WriteFile(filepath.Join(outDir, "theta_new.npy"), theta); err != nil {
		return err
	}
	return npy.WriteFile(filepath.Join(outDir, "m_new.npy"), m)
}
