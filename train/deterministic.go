// This file is the deterministic mode of data-parallel training: the global
// batch is cut into a fixed number M of microbatches, each rank runs
// step.grad on its M/ranks of them one at a time, every rank gathers every
// microbatch's gradients and loss, and every rank sums them in microbatch
// order 0, 1, ..., M−1 with the same f32 additions. The sum, and so the
// update, has the same bits for every rank count that divides M.
package train

import (
	"fmt"

	"dlc.dev/dlc/runtime"
)

// detSum is the deterministic mode's state: one gradient arena per
// microbatch, end to end, this rank's own among them.
type detSum struct {
	micro, local int                         // microbatches in all, and on this rank
	all          []float32                   // micro arenas of d.stride elements, in microbatch order
	grads        []map[string]runtime.Tensor // the gradients of each of this rank's microbatches
	losses       []runtime.Tensor
}

// newDetSum sets d up to sum micro microbatches' gradients in order: it
// allocates micro arenas (the memory cost of the mode: micro gradient
// copies per rank) and binds the first as the sum the update reads.
func (d *dist) newDetSum(params []*slot, micro int) error {
	if micro <= 0 || micro%d.size != 0 {
		return fmt.Errorf("train: Microbatches is %d; deterministic mode needs a positive multiple of the %d ranks", micro, d.size)
	}
	if int64(micro/d.size)*int64(d.stride) > 1<<31-1 {
		return fmt.Errorf("train: %d microbatches per rank of %d gradient elements are more than one MPI call moves; use fewer microbatches", micro/d.size, d.stride)
	}
	s := &detSum{micro: micro, local: micro / d.size, all: alignedF32(micro * d.stride)}
	for j := range s.local {
		m := d.rank*s.local + j
		g, l := d.views(s.all[m*d.stride:(m+1)*d.stride], params)
		s.grads = append(s.grads, g)
		s.losses = append(s.losses, l)
	}
	d.arena = s.all[:d.stride]
	d.grads, d.loss = d.views(d.arena, params)
	d.gradScale = 1 / float64(micro)
	d.det = s
	return nil
}

// detGrads runs step.grad on each of this rank's microbatches of batch (its
// rows cut in d.det.local equal parts), gathers every rank's microbatch
// arenas and sums them, gradients and losses, in microbatch order into the
// first arena.
func (d *dist) detGrads(t *Trainer, batch map[string]runtime.Tensor, scalars map[string]float64) error {
	s := d.det
	for j := range s.local {
		mb, err := cutRows(batch, j, s.local, "microbatches of this rank")
		if err != nil {
			return err
		}
		if err := d.runGrad(t, mb, scalars, s.grads[j], s.losses[j]); err != nil {
			return err
		}
	}
	if d.size > 1 {
		n := s.local * d.stride
		own := runtime.F32(s.all[d.rank*n : (d.rank+1)*n])
		if err := d.comm.Allgather(own, runtime.F32(s.all)); err != nil {
			return fmt.Errorf("train: gathering the microbatches' gradients: %w", err)
		}
	}
	sum := s.all[:d.stride]
	for m := 1; m < s.micro; m++ {
		addF32(sum, s.all[m*d.stride:(m+1)*d.stride])
	}
	return nil
}

// addF32 adds b to a element by element, each sum rounded to f32.
func addF32(a, b []float32) {
	b = b[:len(a)]
	for i := range a {
		a[i] += b[i]
	}
}
