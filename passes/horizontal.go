// This file fuses horizontally: the elementwise loop kernels that write only
// results (no later kernel reads them), such as a train step's optimizer
// update of each parameter, run as one launch, a loops kernel whose loops lie
// end to end in one index space (like apex's multi-tensor apply, with the
// table of buffers passed as the kernel's arguments). One launch instead of
// one per parameter saves the launch and thread-pool overhead per tensor,
// which dominates for small tensors such as biases.
package passes

import (
	"fmt"
	"strings"

	"dlc.dev/dlc/ir"
)

// fuseHorizontal merges f's loop kernels of constant, distinct shapes that
// write only results and compute no scalar into one loops kernel, launched
// where the last of them was. It runs on a schedule fuse has just built.
func fuseHorizontal(f *ir.Func, opt *Options) {
	read := map[string]bool{} // groups a value of another group reads
	scalar := map[string]bool{}
	for _, v := range f.Body {
		if v.Type.IsScalar() {
			scalar[v.Group] = true
		}
		for _, a := range v.Args {
			if a.Group != v.Group {
				read[a.Group] = true
			}
		}
	}
	var merge []int
	shapes := map[string]bool{}
	for i, k := range f.Schedule {
		key := k.Domain.String()
		if k.Kind == ir.LoopKernel && k.Domain.IsConst() && !read[k.Group] && !scalar[k.Group] && !shapes[key] {
			merge = append(merge, i)
			shapes[key] = true
		}
	}
	if len(merge) < 2 {
		return
	}
	last := merge[len(merge)-1]
	in := map[string]bool{}
	var names []string
	for _, i := range merge {
		k := f.Schedule[i]
		in[k.Group] = true
		names = append(names, fmt.Sprintf("%s over %s", k.Group, k.Domain))
	}
	// The domain lays end to end one loop per group of values that compute
	// together (ir.LoopGroups: a loop per parameter of an update), so that
	// a part of the domain touches known elements of known buffers.
	var merged []*ir.Value
	for _, v := range f.Body {
		if in[v.Group] {
			merged = append(merged, v)
		}
	}
	var total int64
	for _, g := range ir.LoopGroups(merged) {
		total += g[0].Type.Shape.Size()
	}
	opt.explain("@%s: run %s as one launch: loop kernels that only write results (horizontal fusion)", f.Name, strings.Join(names, ", "))
	rename := map[string]string{}
	var sched []ir.KernelDecl
	var loops string
	for i, k := range f.Schedule {
		switch {
		case i == last:
			k = ir.KernelDecl{Kind: ir.LoopsKernel, Domain: ir.Shape{ir.ConstDim(total)}}
		case in[k.Group]:
			continue
		}
		name := ir.KernelGroup(len(sched))
		if i == last {
			loops = name
		} else {
			rename[k.Group] = name
		}
		k.Group = name
		sched = append(sched, k)
	}
	for _, v := range f.Body {
		switch {
		case in[v.Group]:
			v.Group = loops
		case rename[v.Group] != "":
			v.Group = rename[v.Group]
		}
	}
	f.Schedule = sched
}
