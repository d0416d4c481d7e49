// This file is ZeRO-1 sharding of data-parallel training: the gradients are
// reduce-scattered, each rank updates only its block of the parameters with
// its block of the optimizer state (the update's one launch run over a
// range of its loops, runtime.Args.Range), and an all-gather gives every
// rank every updated parameter. Each rank holds 1/ranks of the optimizer
// state.
package train

import (
	"fmt"
	"slices"
	"strings"
	"unsafe"

	"dlc.dev/dlc/artifact"
	"dlc.dev/dlc/runtime"
	"dlc.dev/dlc/runtime/mpi"
)

// zeroLoop is one loop of the update's loops kernel: the update of one
// parameter and its state.
type zeroLoop struct {
	param *slot
	grad  string  // the gradient's name, d_<param>
	state []*slot // the state it updates, in the Trainer's order
	off   int64   // where the loop starts in the kernel's units
	at    int     // where the parameter starts in the arenas
	size  int     // its elements
}

// zero is what ZeRO-1 adds to a data-parallel Trainer.
type zero struct {
	loops  []zeroLoop
	block  int       // elements of each rank's block of the arenas
	params []float32 // every parameter, in loop order, 64-byte aligned; ranks × block elements
	grads  []float32 // the gradients in the same layout, the loss last (not in deterministic mode)
	shard  []float32 // this rank's block of the summed gradients
	gradIn map[string]runtime.Tensor
	rng    runtime.Range // this rank's units of the update
	// win[r][i] is the range of elements of state tensor i (the Trainer's
	// order) that rank r holds.
	win [][][2]int
	// stateBlock is the elements of each rank's block when the state is
	// gathered for a checkpoint: the most any rank holds.
	stateBlock int
}

// newZero lays out the parameters in the order of the update's loops, cuts
// the layout into one block per rank, and keeps of each state tensor only
// the elements of this rank's block.
func (d *dist) newZero(t *Trainer) error {
	loops, err := d.zeroLoops(t)
	if err != nil {
		return err
	}
	z := &zero{loops: loops}
	n := 0
	for i := range z.loops {
		z.loops[i].at = n
		n += roundUp(z.loops[i].size, arenaAlign)
	}
	// The last element of the arenas is no parameter's: the loss rides
	// there, summed by the reduce-scatter into the last rank's block and
	// handed to every rank by the all-gather, with no collective of its own.
	z.block = roundUp(n+1, arenaAlign*d.size) / d.size
	z.params = alignedF32(z.block * d.size)
	for _, l := range z.loops {
		p := l.param
		view := z.params[l.at : l.at+l.size]
		copy(view, unsafe.Slice((*float32)(unsafe.Pointer(unsafe.SliceData(p.data))), l.size))
		p.data = unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(view))), 4*l.size)
		p.tensor = runtime.FromBytes(p.dtype, p.shape, p.data)
	}
	z.shardState(t, d.rank, d.size)
	if d.det == nil {
		z.bindGrads(d)
	} else {
		z.gradIn = d.grads
	}
	d.zero = z
	return nil
}

// shardState works out the elements of every state tensor that each of
// size ranks holds, this rank's units of the update, and keeps of each
// state tensor only this rank's elements.
func (z *zero) shardState(t *Trainer, rank, size int) {
	z.win = make([][][2]int, size)
	for r := range size {
		z.win[r] = make([][2]int, len(t.state))
		held := 0
		for _, l := range z.loops {
			lo, hi := z.rankElems(l, r)
			for _, s := range l.state {
				z.win[r][slices.Index(t.state, s)] = [2]int{lo, hi}
				held += hi - lo
			}
		}
		z.stateBlock = max(z.stateBlock, held)
	}
	first := true
	for _, l := range z.loops {
		lo, hi := z.rankElems(l, rank)
		if lo < hi {
			if first {
				z.rng.Begin, first = l.off+int64(lo), false
			}
			z.rng.End = l.off + int64(hi)
		}
	}
	for i, s := range t.state {
		w := z.win[rank][i]
		s.win = &w
		s.data = make([]byte, 4*(w[1]-w[0]))
		s.tensor = runtime.FromBytes(s.dtype, s.shape, s.data)
	}
}

// bindGrads allocates the gradient arena, which step.grad writes, and this
// rank's block of its sum, which the update reads.
func (z *zero) bindGrads(d *dist) {
	z.grads = alignedF32(z.block * d.size)
	z.shard = alignedF32(z.block)
	d.grads = map[string]runtime.Tensor{}
	z.gradIn = map[string]runtime.Tensor{}
	for _, l := range z.loops {
		d.grads[l.grad] = runtime.F32(z.grads[l.at:l.at+l.size], l.param.shape...)
		lo, hi := z.rankElems(l, d.rank)
		g := runtime.F32(nil, l.param.shape...) // this rank updates none of it
		if lo < hi {
			at := l.at - d.rank*z.block
			g = runtime.F32(z.shard[at+lo:at+hi], l.param.shape...)
		}
		z.gradIn[l.grad] = g
	}
	d.loss = runtime.F32(z.grads[len(z.grads)-1:])
	d.loss.Shape = []int64{}
}

// rankElems is the range of elements of loop l's parameter that rank r's
// block of the arenas holds.
func (z *zero) rankElems(l zeroLoop, r int) (lo, hi int) {
	b, e := r*z.block, (r+1)*z.block
	lo, hi = max(b, l.at)-l.at, min(e, l.at+l.size)-l.at
	if hi < lo {
		return 0, 0
	}
	return lo, hi
}

// zeroLoops reads the loops of step.update's one kernel: each must update
// one parameter, reading its gradient, and its state.
func (d *dist) zeroLoops(t *Trainer) ([]zeroLoop, error) {
	ks := d.updSpec.Kernels
	if len(ks) != 1 || (ks[0].Kind != artifact.KindLoops && ks[0].Kind != artifact.KindLoop) {
		return nil, fmt.Errorf("train: ZeRO-1 runs %s as one loop or loops kernel; it has %d kernels", d.updSpec.Name, len(ks))
	}
	k := ks[0]
	parts := k.Parts
	if k.Kind == artifact.KindLoop {
		all := make([]int, len(k.Buffers))
		for i := range all {
			all[i] = i
		}
		n := int64(len(t.params[0].data) / 4)
		parts = []artifact.LoopPart{{Offset: 0, Size: n, Buffers: all}}
	}
	if len(parts) == 0 {
		return nil, fmt.Errorf("train: ZeRO-1 needs the loops of %s's kernel, which this artifact does not record; rebuild it with this dlc", d.updSpec.Name)
	}
	var loops []zeroLoop
	for i, p := range parts {
		l := zeroLoop{off: p.Offset, size: int(p.Size)}
		var params, grads []string
		for _, j := range p.Buffers {
			b := k.Buffers[j]
			if b.Kind != artifact.BufInput {
				continue
			}
			s := t.byName[b.Name]
			switch {
			case s != nil && slices.Contains(t.params, s):
				l.param = s
				params = append(params, b.Name)
			case s != nil:
				l.state = append(l.state, s)
			case strings.HasPrefix(b.Name, gradPrefix):
				l.grad = b.Name
				grads = append(grads, b.Name)
			}
		}
		if len(params) != 1 || len(grads) != 1 || int64(len(l.param.data)/4) != p.Size {
			return nil, fmt.Errorf("train: ZeRO-1 needs each loop of %s to update one parameter; loop %d updates %s from %s", d.updSpec.Name, i, orNone(params), orNone(grads))
		}
		for _, s := range l.state {
			if len(s.data)/4 != l.size {
				return nil, fmt.Errorf("train: ZeRO-1 shards state of its parameter's shape; %s is %v, %s %v", s.spec.Name, s.shape, l.param.spec.Name, l.param.shape)
			}
		}
		slices.SortFunc(l.state, func(a, b *slot) int { return slices.Index(t.state, a) - slices.Index(t.state, b) })
		loops = append(loops, l)
	}
	for _, s := range append(slices.Clone(t.params), t.state...) {
		if !slices.ContainsFunc(loops, func(l zeroLoop) bool { return l.param == s || slices.Contains(l.state, s) }) {
			return nil, fmt.Errorf("train: ZeRO-1: %s is not updated by a loop of %s's kernel", s.spec.Name, d.updSpec.Name)
		}
	}
	return loops, nil
}

func orNone(xs []string) string {
	if len(xs) == 0 {
		return "nothing"
	}
	return strings.Join(xs, " and ")
}

// zeroSum reduce-scatters the gradients: this rank's block of their sum
// lands in z.shard; the last rank puts the loss's sum, the last element,
// where the all-gather of the parameters will take it to every rank.
func (d *dist) zeroSum() error {
	z := d.zero
	if d.comm == nil {
		copy(z.shard, z.grads)
	} else if err := d.comm.ReduceScatter(runtime.F32(z.grads), runtime.F32(z.shard), mpi.Sum); err != nil {
		return fmt.Errorf("train: summing the gradients: %w", err)
	}
	if d.rank == d.size-1 {
		z.params[len(z.params)-1] = z.shard[len(z.shard)-1]
	}
	return nil
}

// zeroGather gives every rank every rank's updated parameters (and the
// summed loss, zeroSum).
func (d *dist) zeroGather() error {
	z := d.zero
	if d.comm == nil {
		return nil
	}
	own := runtime.F32(z.params[d.rank*z.block : (d.rank+1)*z.block])
	if err := d.comm.Allgather(own, runtime.F32(z.params)); err != nil {
		return fmt.Errorf("train: gathering the updated parameters: %w", err)
	}
	return nil
}

// gatherState returns every state tensor whole on rank 0 (nil elsewhere),
// gathered from every rank's blocks: a collective, every rank calls it.
func (d *dist) gatherState(t *Trainer) (map[*slot][]byte, error) {
	z := d.zero
	own := make([]float32, z.stateBlock)
	n := 0
	for _, s := range t.state {
		n += copy(own[n:], unsafe.Slice((*float32)(unsafe.Pointer(unsafe.SliceData(s.data))), len(s.data)/4))
	}
	all := own
	if d.comm != nil {
		all = make([]float32, z.stateBlock*d.size)
		if err := d.comm.Allgather(runtime.F32(own), runtime.F32(all)); err != nil {
			return nil, fmt.Errorf("train: gathering the optimizer state: %w", err)
		}
	}
	if d.rank != 0 {
		return nil, nil
	}
	out := map[*slot][]byte{}
	for _, s := range t.state {
		out[s] = make([]byte, 4*elementsOf(s.shape))
	}
	for r := range d.size {
		at := r * z.stateBlock
		for i, s := range t.state {
			w := z.win[r][i]
			src := all[at : at+w[1]-w[0]]
			copy(out[s][4*w[0]:4*w[1]], unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(src))), 4*len(src)))
			at += w[1] - w[0]
		}
	}
	return out, nil
}

// elementsOf is the number of elements of shape.
func elementsOf(shape []int64) int64 {
	n := int64(1)
	for _, d := range shape {
		n *= d
	}
	return n
}
