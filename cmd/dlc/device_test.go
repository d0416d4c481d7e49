// This file tests reading --device values.
package main

import (
	"strings"
	"testing"

	"dlc.dev/dlc/runtime"
)

func TestParseDevice(t *testing.T) {
	for s, want := range map[string]runtime.Device{"cpu": {}, "host": {}, "cuda": runtime.CUDADevice(0), "cuda:0": runtime.CUDADevice(0), "cuda:3": runtime.CUDADevice(3)} {
		got, err := parseDevice(s)
		if err != nil || got != want {
			t.Errorf("parseDevice(%q) = %v, %v; want %v", s, got, err, want)
		}
	}
	for _, s := range []string{"", "gpu", "cuda:", "cuda:-1", "cuda0", "cuda:x", "CUDA"} {
		if _, err := parseDevice(s); err == nil || !strings.Contains(err.Error(), "--device") {
			t.Errorf("parseDevice(%q): error %v, want one naming --device", s, err)
		}
	}
}
