// This file interprets the ops that move or combine elements across indices:
// broadcasting, reshapes, gathers, scatters and reductions (contractions
// and transposes are in contract.go).
package ir

import (
	"fmt"
	"math"
)

// broadcastIndex maps a flat index of shape out to the flat index of an operand
// of shape in that broadcasts to it (NumPy rules).
func broadcastIndex(in, out []int64) (func(int) int, error) {
	if len(in) > len(out) {
		return nil, fmt.Errorf("shape %v does not broadcast to %v", in, out)
	}
	same := len(in) == len(out)
	for i := range in {
		if in[i] != out[len(out)-len(in)+i] {
			same = false
		}
	}
	if same {
		return func(j int) int { return j }, nil
	}
	// stride of each output axis in the operand (0 where it is broadcast)
	strides := make([]int, len(out))
	s := 1
	for i := len(in) - 1; i >= 0; i-- {
		o := len(out) - len(in) + i
		switch in[i] {
		case out[o]:
			strides[o] = s
		case 1:
			strides[o] = 0
		default:
			return nil, fmt.Errorf("shape %v does not broadcast to %v", in, out)
		}
		s *= int(in[i])
	}
	return func(j int) int {
		k := 0
		for o := len(out) - 1; o >= 0; o-- {
			n := int(out[o])
			k += (j % n) * strides[o]
			j /= n
		}
		return k
	}, nil
}

// axisSplit returns the products of the dimensions before, at and after axis.
func axisSplit(shape []int64, axis int) (outer, n, inner int) {
	outer, inner = 1, 1
	for i, d := range shape {
		switch {
		case i < axis:
			outer *= int(d)
		case i > axis:
			inner *= int(d)
		}
	}
	return outer, int(shape[axis]), inner
}

// evalStructural computes an op that moves or combines elements across
// indices: iota, reshape, broadcast, take_along_axis, scatter_add,
// dot_general, transpose and every reduction (its row's Reduce).
func evalStructural(v *Value, shape []int64, vals map[*Value]*Array) (*Array, error) {
	switch v.Op {
	case OpDotGeneral:
		return evalDotGeneral(v, vals[v.Args[0]], vals[v.Args[1]], shape)
	case OpTranspose:
		return evalTranspose(v, vals[v.Args[0]], shape)
	}
	out := NewArray(shape...)
	if v.Op == OpIota {
		_, n, inner := axisSplit(shape, v.Axis)
		for j := range out.Data {
			out.Data[j] = float64((j / inner) % n)
		}
		return out, nil
	}
	if len(v.Args) == 0 {
		return nil, fmt.Errorf("op %s is not supported", v.Op)
	}
	x := vals[v.Args[0]]
	switch v.Op {
	case OpReshape:
		if len(x.Data) != len(out.Data) {
			return nil, fmt.Errorf("reshape of %d elements to %v", len(x.Data), shape)
		}
		copy(out.Data, x.Data)
	case OpBroadcast:
		idx, err := broadcastIndex(x.Shape, shape)
		if err != nil {
			return nil, err
		}
		for j := range out.Data {
			out.Data[j] = x.Data[idx(j)]
		}
	case OpGather:
		return gather(v, out, x, vals[v.Args[1]])
	case OpScatterAdd:
		return scatterAdd(v, out, x, vals[v.Args[1]])
	default:
		if v.Op.row().Reduce == nil {
			return nil, fmt.Errorf("op %s is not supported", v.Op)
		}
		outer, n, inner := axisSplit(x.Shape, v.Axis)
		row := make([]float64, n)
		for o := 0; o < outer; o++ {
			for i := 0; i < inner; i++ {
				for k := 0; k < n; k++ {
					row[k] = x.Data[(o*n+k)*inner+i]
				}
				out.Data[o*inner+i] = Reduce(v.Op, v.Type.DType, v.Const, row)
			}
		}
	}
	return out, nil
}

// broadcastStrides returns the stride in a row-major array of shape in of each axis
// of out, an index space of the same rank: 0 where in is of size 1 (the axis
// it is broadcast along).
func broadcastStrides(in, out []int64) []int {
	st := make([]int, len(out))
	s := 1
	for i := len(in) - 1; i >= 0; i-- {
		if in[i] != 1 {
			st[i] = s
		}
		s *= int(in[i])
	}
	return st
}

// gather computes take_along_axis v: out[p] = x[p with its axis index
// replaced by idx[p]], x and idx read through their broadcast size-1 axes.
func gather(v *Value, out, x, ix *Array) (*Array, error) {
	sx, si := broadcastStrides(x.Shape, out.Shape), broadcastStrides(ix.Shape, out.Shape)
	n := x.Shape[v.Axis]
	for p := range out.Data {
		xo, io, rest := 0, 0, p
		for d := len(out.Shape) - 1; d >= 0; d-- {
			m := rest % int(out.Shape[d])
			rest /= int(out.Shape[d])
			io += m * si[d]
			if d != v.Axis {
				xo += m * sx[d]
			}
		}
		at := ix.Data[io]
		if at < 0 || at >= float64(n) {
			return nil, fmt.Errorf("index %v out of range [0, %d) along axis %d", at, n, v.Axis)
		}
		out.Data[p] = x.Data[xo+int(at)*sx[v.Axis]]
	}
	return out, nil
}

// scatterAdd adds each update to out at the position its index gives along
// the axis, updates taken in order; the indices are read through their
// broadcast size-1 axes.
func scatterAdd(v *Value, out, upd, ix *Array) (*Array, error) {
	so, si := broadcastStrides(out.Shape, upd.Shape), broadcastStrides(ix.Shape, upd.Shape)
	n := out.Shape[v.Axis]
	for p := range upd.Data {
		oo, io, rest := 0, 0, p
		for d := len(upd.Shape) - 1; d >= 0; d-- {
			m := rest % int(upd.Shape[d])
			rest /= int(upd.Shape[d])
			io += m * si[d]
			if d != v.Axis {
				oo += m * so[d]
			}
		}
		at := ix.Data[io]
		if at < 0 || at >= float64(n) {
			return nil, fmt.Errorf("index %v out of range [0, %d) along axis %d", at, n, v.Axis)
		}
		out.Data[oo+int(at)*so[v.Axis]] += upd.Data[p]
	}
	return out, nil
}

// Reduce combines init and xs with a reduction op in float64: the meaning in
// its table row, which every compiled reduction is compared with.
func Reduce(op Op, d DType, init float64, xs []float64) float64 {
	fold := op.row().Reduce
	if fold == nil {
		panic(fmt.Sprintf("Reduce: %s is not a reduction", op))
	}
	return fold(d, init, xs)
}

func reduceSum(d DType, acc float64, xs []float64) float64 {
	for _, x := range xs {
		acc += x
	}
	return wrapInt(d, acc)
}

// reduceMax and reduceMin propagate NaN from any element.
func reduceMax(_ DType, acc float64, xs []float64) float64 {
	for _, x := range xs {
		acc = nanMax(acc, x)
	}
	return acc
}

func reduceMin(_ DType, acc float64, xs []float64) float64 {
	for _, x := range xs {
		acc = nanMin(acc, x)
	}
	return acc
}

// reduceNanMax and reduceNanMin leave NaN elements out.
func reduceNanMax(_ DType, acc float64, xs []float64) float64 {
	for _, x := range xs {
		if !math.IsNaN(x) {
			acc = nanMax(acc, x)
		}
	}
	return acc
}

func reduceNanMin(_ DType, acc float64, xs []float64) float64 {
	for _, x := range xs {
		if !math.IsNaN(x) {
			acc = nanMin(acc, x)
		}
	}
	return acc
}

// reduceLSE is log(exp(init) + sum(exp(xs))), shifted by the maximum; -inf
// elements are absent, and a NaN, all-absent or +inf maximum is the result.
func reduceLSE(_ DType, init float64, xs []float64) float64 {
	m := init
	for _, x := range xs {
		m = nanMax(m, x)
	}
	if math.IsNaN(m) || math.IsInf(m, 0) {
		return m
	}
	s := math.Exp(init - m)
	for _, x := range xs {
		s += math.Exp(x - m)
	}
	return m + math.Log(s)
}
