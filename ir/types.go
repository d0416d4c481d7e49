// This file defines dtypes, dimensions, shapes and value types of the graph IR.
package ir

import (
	"fmt"
	"strconv"
	"strings"
)

// DType is the element type of a value.
type DType uint8

const (
	Invalid DType = iota
	F32
	F64
	F16
	BF16
	I32
	I64
	Bool
)

var dtypeNames = [...]string{Invalid: "invalid", F32: "f32", F64: "f64", F16: "f16", BF16: "bf16", I32: "i32", I64: "i64", Bool: "bool"}

func (d DType) String() string {
	if int(d) < len(dtypeNames) {
		return dtypeNames[d]
	}
	return fmt.Sprintf("dtype(%d)", d)
}

// ParseDType returns the dtype named s.
func ParseDType(s string) (DType, bool) {
	for i, n := range dtypeNames {
		if n == s && DType(i) != Invalid {
			return DType(i), true
		}
	}
	return Invalid, false
}

// IsFloat reports whether d is a floating-point dtype.
func (d DType) IsFloat() bool { return d == F32 || d == F64 || d == F16 || d == BF16 }

// IsInt reports whether d is an integer dtype.
func (d DType) IsInt() bool { return d == I32 || d == I64 }

// Size is the storage size of one element in bytes.
func (d DType) Size() int {
	switch d {
	case F64, I64:
		return 8
	case F32, I32:
		return 4
	case F16, BF16:
		return 2
	case Bool:
		return 1
	}
	return 0
}

// Dim is one dimension of a shape: a constant size, or a symbol bound at run time.
type Dim struct {
	Sym string // non-empty for a symbolic dimension
	N   int64  // the size when Sym is empty
}

// Sym returns a symbolic dimension.
func SymDim(name string) Dim { return Dim{Sym: name} }

// ConstDim returns a constant dimension.
func ConstDim(n int64) Dim { return Dim{N: n} }

func (d Dim) String() string {
	if d.Sym != "" {
		return d.Sym
	}
	return strconv.FormatInt(d.N, 10)
}

// IsSym reports whether d is symbolic.
func (d Dim) IsSym() bool { return d.Sym != "" }

// Shape is a list of dimensions; rank 0 is a scalar.
type Shape []Dim

func (s Shape) String() string {
	parts := make([]string, len(s))
	for i, d := range s {
		parts[i] = d.String()
	}
	return "[" + strings.Join(parts, ",") + "]"
}

// IsConst reports whether every dimension of s is a constant.
func (s Shape) IsConst() bool {
	for _, d := range s {
		if d.IsSym() {
			return false
		}
	}
	return true
}

// Size is the number of elements of a constant shape.
func (s Shape) Size() int64 {
	n := int64(1)
	for _, d := range s {
		n *= d.N
	}
	return n
}

// Equal reports whether two shapes have the same dimensions.
func (s Shape) Equal(t Shape) bool {
	if len(s) != len(t) {
		return false
	}
	for i := range s {
		if s[i] != t[i] {
			return false
		}
	}
	return true
}

// Type is the type of a value: a dtype and a shape, or a tuple (results of a call).
type Type struct {
	DType DType
	Shape Shape
	Elems []Type // non-nil for a tuple
}

// Scalar returns the rank-0 type of d.
func Scalar(d DType) Type { return Type{DType: d} }

// Tensor returns the type d[dims...].
func Tensor(d DType, dims ...Dim) Type { return Type{DType: d, Shape: Shape(dims)} }

// IsTuple reports whether t is a tuple type.
func (t Type) IsTuple() bool { return t.Elems != nil }

// IsScalar reports whether t has rank 0.
func (t Type) IsScalar() bool { return !t.IsTuple() && len(t.Shape) == 0 }

// Equal reports whether two types are identical.
func (t Type) Equal(u Type) bool {
	if t.IsTuple() != u.IsTuple() {
		return false
	}
	if t.IsTuple() {
		if len(t.Elems) != len(u.Elems) {
			return false
		}
		for i := range t.Elems {
			if !t.Elems[i].Equal(u.Elems[i]) {
				return false
			}
		}
		return true
	}
	return t.DType == u.DType && t.Shape.Equal(u.Shape)
}

// String prints f32[N,4], f32 for a scalar, or (f32[N], f32[N]) for a tuple.
func (t Type) String() string {
	if t.IsTuple() {
		parts := make([]string, len(t.Elems))
		for i, e := range t.Elems {
			parts[i] = e.String()
		}
		return "(" + strings.Join(parts, ", ") + ")"
	}
	if len(t.Shape) == 0 {
		return t.DType.String()
	}
	return t.DType.String() + t.Shape.String()
}

// WithDType returns t with its dtype replaced.
func (t Type) WithDType(d DType) Type { t.DType = d; return t }

// BroadcastShapes combines two shapes by NumPy rules: align from the right; a
// dimension of constant size 1 (or a missing one) stretches to the other.
// Symbolic dimensions match only the same symbol.
func BroadcastShapes(a, b Shape) (Shape, bool) {
	n := max(len(a), len(b))
	out := make(Shape, n)
	for i := 1; i <= n; i++ {
		var da, db Dim
		ha, hb := i <= len(a), i <= len(b)
		if ha {
			da = a[len(a)-i]
		}
		if hb {
			db = b[len(b)-i]
		}
		switch {
		case !ha:
			out[n-i] = db
		case !hb:
			out[n-i] = da
		case da == db:
			out[n-i] = da
		case da == ConstDim(1):
			out[n-i] = db
		case db == ConstDim(1):
			out[n-i] = da
		default:
			return nil, false
		}
	}
	if n == 0 {
		return nil, true
	}
	return out, true
}

// BroadcastsTo reports whether shape s stretches to shape t by NumPy rules.
func BroadcastsTo(s, t Shape) bool {
	r, ok := BroadcastShapes(s, t)
	return ok && r.Equal(t)
}

// ReduceShape is the shape of a reduction of s along axis.
func ReduceShape(s Shape, axis int, keepDims bool) Shape {
	out := make(Shape, 0, len(s))
	for i, d := range s {
		switch {
		case i != axis:
			out = append(out, d)
		case keepDims:
			out = append(out, ConstDim(1))
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// SqueezeOnes returns s without its constant size-1 dimensions; two shapes with
// equal squeezed forms hold the same elements in the same order.
func SqueezeOnes(s Shape) Shape {
	var out Shape
	for _, d := range s {
		if d != ConstDim(1) {
			out = append(out, d)
		}
	}
	return out
}
