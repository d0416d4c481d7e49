// This file locates the .dl programs the samplers run: the step kernels of the
// standard library (std/diffusion/ddim.dl and variance.dl) and the exact
// Gaussian-mixture model (gmm.dl, next to this file).
package diffusion

import (
	"context"
	_ "embed"
	"fmt"
	"io/fs"

	"dlc.dev/dlc/stdlib"
)

//go:embed gmm.dl
var gmmSource []byte

// stepFiles are the standard-library files with the step kernels.
var stepFiles = []string{"diffusion/ddim.dl", "diffusion/variance.dl"}

// OpenSteps returns an engine with every step kernel: ddim_step, ddpm_step
// (ddim.dl), ddim_step_var, ddpm_step_var, extended_adpm_variance and
// ddim_step_ext (variance.dl).
func OpenSteps(ctx context.Context, mode Mode) (Engine, error) {
	var es []Engine
	for _, name := range stepFiles {
		src, err := fs.ReadFile(stdlib.FS(), name)
		if err != nil {
			return nil, err
		}
		e, err := Open(ctx, "stdlib/"+name, src, mode)
		if err != nil {
			return nil, fmt.Errorf("step kernels: %w", err)
		}
		es = append(es, e)
	}
	return Join(es...), nil
}

// OpenGMM returns an engine for gmm.dl.
func OpenGMM(ctx context.Context, mode Mode) (Engine, error) {
	e, err := Open(ctx, "diffusion/gmm.dl", gmmSource, mode)
	if err != nil {
		return nil, fmt.Errorf("gmm model: %w", err)
	}
	return e, nil
}
