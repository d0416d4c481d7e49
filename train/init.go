// This file draws the initial value of each parameter from its initializer:
// a PCG stream seeded with the Trainer's seed and a hash of the parameter's
// name, so that a parameter's values depend on the seed and its name only,
// not on the order or number of the other parameters.
package train

import (
	"encoding/binary"
	"hash/fnv"
	"math"
	"math/rand/v2"

	"dlc.dev/dlc/ir"
	"dlc.dev/dlc/runtime"
)

// fill draws s's initial values with seed.
func fill(s *slot, seed uint64) {
	in := ir.Init{Kind: s.spec.Init.Kind, Args: s.spec.Init.Args, Scale: s.spec.Init.Scale}
	d := in.Dist(s.shape)
	h := fnv.New64a()
	h.Write([]byte(s.spec.Name))
	rng := rand.New(rand.NewPCG(seed, h.Sum64()))
	n := len(s.data) / s.dtype.Size()
	for i := range n {
		var x float64
		switch d.Kind {
		case "constant":
			x = d.A
		case "normal":
			x = d.A + d.B*rng.NormFloat64()
		case "uniform":
			x = d.A + (d.B-d.A)*rng.Float64()
		}
		put(s, i, x)
	}
}

// put stores x as element i of s, rounded to s's dtype.
func put(s *slot, i int, x float64) {
	switch s.dtype {
	case runtime.Float32:
		binary.LittleEndian.PutUint32(s.data[4*i:], math.Float32bits(float32(x)))
	case runtime.Float64:
		binary.LittleEndian.PutUint64(s.data[8*i:], math.Float64bits(x))
	}
}
