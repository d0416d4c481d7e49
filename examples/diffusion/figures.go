// This file holds the figures the example prints, in full precision, and
// writes them as JSON (-json FILE), so that what the READMEs quote can be
// checked against a run.
package main

import (
	"encoding/json"
	"os"
)

// stat is a Monte Carlo mean with its standard error.
type stat struct {
	Mean   float64 `json:"mean"`
	StdErr float64 `json:"stderr"`
}

// table holds one figure per method name and K.
type table[V any] map[string]map[int]V

func (t table[V]) set(method string, k int, v V) {
	if t[method] == nil {
		t[method] = map[int]V{}
	}
	t[method][k] = v
}

// figures is everything the example measures. Sample-quality figures are in
// data units (the printed SW2 table is x100).
type figures struct {
	ExactNLL       float64        `json:"exact_nll"`           // nats/dim of the bound's data points
	Bound          table[stat]    `json:"bound"`               // variational bound, nats/dim
	Gap            table[stat]    `json:"gap_to_exact"`        // bound minus exact NLL, paired per point
	Paired         table[stat]    `json:"paired_to_ddpm_beta"` // bound minus DDPM β's, paired
	SW2Floor       float64        `json:"sw2_floor"`           // sliced W2 between two true sample sets
	SW2            table[float64] `json:"sw2"`                 // sliced W2 to true samples
	TrueSpread     float64        `json:"true_spread"`         // spread of true samples (about 1)
	Spread         table[float64] `json:"spread"`              // sample/true within-component std
	TrueLogDensity float64        `json:"true_log_density"`    // mean log-density of true samples
	LogDensity     table[float64] `json:"log_density"`         // mean log-density of the samples
}

// write stores the figures as indented JSON.
func (f *figures) write(path string) error {
	b, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o644)
}
