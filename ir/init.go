// This file describes how a model parameter starts: its initializer, the
// scale an optimizer may derive from it, and the IR text of both. The values
// themselves are drawn on the host from a seed (kernels never generate random
// numbers); see docs/language.md#models.
package ir

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Init is the initializer of a model parameter: a tensor parameter with
// `= glorot_uniform()` in the source.
type Init struct {
	Kind string    // one of InitKinds
	Args []float64 // the kind's arguments, in InitKinds order, defaults filled in
	// Scale is the parameter's expected scale when the initializer gives none
	// itself (zeros(scale=0.5)); 0 when not given.
	Scale float64
}

// InitKind describes one initializer: its name and its arguments with defaults
// (NaN: required).
type InitKind struct {
	Name string
	Args []string
	Defs []float64
	Doc  string
}

// InitKinds lists every initializer. Fans follow Keras for a weight x @ w:
// fan_in is the product of every axis but the last, fan_out the last axis.
var InitKinds = []InitKind{
	{"zeros", nil, nil, "every element 0"},
	{"ones", nil, nil, "every element 1"},
	{"constant", []string{"value"}, []float64{math.NaN()}, "every element `value`"},
	{"normal", []string{"std", "mean"}, []float64{math.NaN(), 0}, "N(mean, std²)"},
	{"uniform", []string{"lo", "hi"}, []float64{math.NaN(), math.NaN()}, "U[lo, hi)"},
	{"glorot_uniform", nil, nil, "U[-a, a), a = √(6 / (fan_in + fan_out)) (Glorot & Bengio 2010; `xavier_uniform`)"},
	{"glorot_normal", nil, nil, "N(0, 2 / (fan_in + fan_out)) (`xavier_normal`)"},
	{"he_uniform", nil, nil, "U[-a, a), a = √(6 / fan_in) (He et al. 2015; `kaiming_uniform`)"},
	{"he_normal", nil, nil, "N(0, 2 / fan_in) (`kaiming_normal`)"},
}

// initAliases are other names of the same initializers.
var initAliases = map[string]string{
	"xavier_uniform": "glorot_uniform", "xavier_normal": "glorot_normal",
	"kaiming_uniform": "he_uniform", "kaiming_normal": "he_normal",
}

// LookupInit returns the initializer named name (or an alias of it), or nil.
func LookupInit(name string) *InitKind {
	if a, ok := initAliases[name]; ok {
		name = a
	}
	for i := range InitKinds {
		if InitKinds[i].Name == name {
			return &InitKinds[i]
		}
	}
	return nil
}

// Fans returns the fan-in and fan-out of a parameter of the given constant
// shape: every axis but the last, and the last (a vector: its length, twice).
func Fans(shape []int64) (fanIn, fanOut float64) {
	if len(shape) == 0 {
		return 1, 1
	}
	fanIn = 1
	for _, d := range shape[:len(shape)-1] {
		fanIn *= float64(d)
	}
	fanOut = float64(shape[len(shape)-1])
	if len(shape) == 1 {
		fanIn = fanOut
	}
	return fanIn, fanOut
}

// Dist is what an initializer draws from for one shape: a constant, a normal
// distribution or a uniform one.
type Dist struct {
	Kind string // "constant", "normal" or "uniform"
	// A and B are the value (constant), mean and standard deviation (normal)
	// or bounds (uniform).
	A, B float64
}

// Dist returns the distribution init draws from for a parameter of shape.
func (in Init) Dist(shape []int64) Dist {
	fi, fo := Fans(shape)
	switch in.Kind {
	case "zeros":
		return Dist{"constant", 0, 0}
	case "ones":
		return Dist{"constant", 1, 0}
	case "constant":
		return Dist{"constant", in.Args[0], 0}
	case "normal":
		return Dist{"normal", in.Args[1], in.Args[0]}
	case "uniform":
		return Dist{"uniform", in.Args[0], in.Args[1]}
	case "glorot_uniform":
		a := math.Sqrt(6 / (fi + fo))
		return Dist{"uniform", -a, a}
	case "glorot_normal":
		return Dist{"normal", 0, math.Sqrt(2 / (fi + fo))}
	case "he_uniform":
		a := math.Sqrt(6 / fi)
		return Dist{"uniform", -a, a}
	case "he_normal":
		return Dist{"normal", 0, math.Sqrt(2 / fi)}
	}
	panic(fmt.Sprintf("ir: unknown initializer %q", in.Kind))
}

// ScaleOf is the expected scale of a parameter that starts from init: the
// standard deviation it is drawn with, or the declared Scale; 0 when neither
// is known (a constant without scale=). Amos's ξ (eta) is this scale.
func (in Init) ScaleOf(shape []int64) float64 {
	if in.Scale > 0 {
		return in.Scale
	}
	d := in.Dist(shape)
	switch d.Kind {
	case "normal":
		return d.B
	case "uniform":
		return (d.B - d.A) / math.Sqrt(12)
	}
	return 0
}

// String prints init as IR text: glorot_uniform, normal(0.02, 0), zeros{scale=0.5}.
func (in Init) String() string {
	var b strings.Builder
	b.WriteString(in.Kind)
	if len(in.Args) > 0 {
		b.WriteString("(")
		for i, a := range in.Args {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(FormatConst(a, F64))
		}
		b.WriteString(")")
	}
	if in.Scale != 0 {
		b.WriteString(" scale " + strconv.FormatFloat(in.Scale, 'g', -1, 64))
	}
	return b.String()
}
