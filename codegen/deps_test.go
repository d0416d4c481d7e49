// This file checks the layering of the code generators: the packages another
// backend builds on (elemental, plan, kernelir, llvmtool and this one) never
// import the CPU backend, directly or through another package of dlc.
package codegen

import (
	"go/build"
	"path/filepath"
	"strings"
	"testing"
)

const module = "dlc.dev/dlc"

// importChains returns every package of the module that dir imports, directly
// or not (test files left out), each with the chain of imports that reaches it.
func importChains(t *testing.T, root, dir string) map[string][]string {
	t.Helper()
	chains := map[string][]string{}
	var visit func(dir string, chain []string)
	visit = func(dir string, chain []string) {
		pkg, err := build.ImportDir(dir, 0)
		if err != nil {
			t.Fatalf("%s: %v", dir, err)
		}
		for _, imp := range pkg.Imports {
			rel, ok := strings.CutPrefix(imp, module+"/")
			if !ok || chains[imp] != nil {
				continue
			}
			c := append(append([]string(nil), chain...), imp)
			chains[imp] = c
			visit(filepath.Join(root, filepath.FromSlash(rel)), c)
		}
	}
	visit(dir, nil)
	return chains
}

func TestBackendNeutralPackages(t *testing.T) {
	root := ".."
	const cpu = module + "/codegen/cpu"
	// The walk sees through packages: the compiler reaches the CPU backend.
	if _, ok := importChains(t, root, filepath.Join(root, "compiler"))[cpu]; !ok {
		t.Fatalf("the import walk does not find %s from the compiler", cpu)
	}
	for _, dir := range []string{".", "elemental", "plan", "kernelir", "llvmtool"} {
		if chain, ok := importChains(t, root, dir)[cpu]; ok {
			t.Errorf("codegen/%s imports the CPU backend: %s", dir, strings.Join(chain, " -> "))
		}
	}
}
