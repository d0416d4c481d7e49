// Package vectors reads the test vectors of MATH.md §6: arrays as
// {"shape", "dtype", "data"} in row-major order, with the non-finite values
// written as the strings "Infinity", "-Infinity" and "NaN".
package vectors

import (
	"encoding/json"
	"fmt"
	"math"
)

// Number is a JSON number or one of "Infinity", "-Infinity", "NaN".
type Number float64

// UnmarshalJSON reads a number or a non-finite string.
func (n *Number) UnmarshalJSON(b []byte) error {
	var s string
	if json.Unmarshal(b, &s) == nil {
		switch s {
		case "Infinity":
			*n = Number(math.Inf(1))
		case "-Infinity":
			*n = Number(math.Inf(-1))
		case "NaN":
			*n = Number(math.NaN())
		default:
			return fmt.Errorf("bad number %q", s)
		}
		return nil
	}
	var f float64
	if err := json.Unmarshal(b, &f); err != nil {
		return err
	}
	*n = Number(f)
	return nil
}

// Array is one array of a vector file.
type Array struct {
	Shape []int64  `json:"shape"`
	DType string   `json:"dtype"`
	Data  []Number `json:"data"`
}

// F64 returns the data as float64.
func (a Array) F64() []float64 {
	out := make([]float64, len(a.Data))
	for i, x := range a.Data {
		out[i] = float64(x)
	}
	return out
}

// F32 returns the data rounded to float32 (the vectors' inputs are exact in f32).
func (a Array) F32() []float32 {
	out := make([]float32, len(a.Data))
	for i, x := range a.Data {
		out[i] = float32(x)
	}
	return out
}

// Slice returns sub-array k along the first axis.
func (a Array) Slice(k int) Array {
	n := len(a.Data) / int(a.Shape[0])
	return Array{Shape: a.Shape[1:], DType: a.DType, Data: a.Data[k*n : (k+1)*n]}
}
