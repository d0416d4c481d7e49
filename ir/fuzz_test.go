// This file fuzzes the IR text parser: no input may make Parse, Verify or
// Print panic, and a module that parses and verifies must print to text that
// parses again and prints the same (Print and Parse are inverses).
package ir

import (
	"os"
	"path/filepath"
	"testing"
)

func FuzzParse(f *testing.F) {
	files, err := filepath.Glob("testdata/*.ir")
	if err != nil || len(files) == 0 {
		f.Fatalf("no seed files in testdata: %v", err)
	}
	for _, file := range files {
		src, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(string(src))
	}
	f.Add("func @f(%x: f32[N]; %s: f32 = 1) -> (y: f32[N]) {\n  %2 = mul %s, %x : f32[N]\n  return y = %2\n}\n")
	f.Add("func @f(%x: f32[B,C]) -> (y: f32[B]) {\n  %1 = reduce_nanmax %x, axis=1, init=-inf : f32[B]\n  return y = %1\n}\n")
	f.Fuzz(func(t *testing.T, src string) {
		m, err := Parse(src)
		if err != nil {
			return
		}
		if Verify(m) != nil {
			return
		}
		text := Print(m)
		again, err := Parse(text)
		if err != nil {
			t.Fatalf("printed module does not parse: %v\ninput:\n%s\nprinted:\n%s", err, src, text)
		}
		if err := Verify(again); err != nil {
			t.Fatalf("printed module does not verify: %v\nprinted:\n%s", err, text)
		}
		if got := Print(again); got != text {
			t.Fatalf("print is not a fixed point:\nfirst:\n%s\nsecond:\n%s", text, got)
		}
	})
}
