// This file checks that dlc works as a library of another module: a program in a
// module of its own (testdata/usedlc), which requires dlc.dev/dlc through a replace
// directive pointing at this checkout, builds with nothing but the module cache and
// runs a compiled kernel through the runtime.
package tests

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"dlc.dev/dlc/artifact"
	"dlc.dev/dlc/compiler"
	"dlc.dev/dlc/ir"
	"dlc.dev/dlc/runtime"
	"dlc.dev/dlc/runtime/npy"
)

func TestExternalModule(t *testing.T) {
	needTools(t)
	root, err := filepath.Abs("..")
	require.NoError(t, err)
	dir := t.TempDir()

	// The other module: its go.mod, this checkout's go.sum (so every hash it needs
	// is known without asking a checksum database), and the program.
	mod := filepath.Join(dir, "usedlc")
	require.NoError(t, os.Mkdir(mod, 0o755))
	gomod := "module example.com/usedlc\n\ngo 1.26\n\nrequire dlc.dev/dlc v0.0.0\n\nreplace dlc.dev/dlc => " + root + "\n"
	require.NoError(t, os.WriteFile(filepath.Join(mod, "go.mod"), []byte(gomod), 0o644))
	copyFile(t, filepath.Join(root, "go.sum"), filepath.Join(mod, "go.sum"))
	copyFile(t, filepath.Join("testdata", "usedlc", "main.go"), filepath.Join(mod, "main.go"))
	bin := filepath.Join(dir, "usedlc.bin")
	cmd := exec.Command("go", "build", "-o", bin, ".")
	cmd.Dir = mod
	// -mod=mod fills in the requirements dlc brings; GOPROXY=off keeps the build to
	// the module cache; GOWORK=off ignores any go.work around the temporary directory.
	cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOPROXY=off", "GOWORK=off", "GOTOOLCHAIN=local")
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "building a module that requires dlc:\n%s", out)
	got, err := os.ReadFile(filepath.Join(mod, "go.mod"))
	require.NoError(t, err)
	require.Contains(t, string(got), "github.com/ebitengine/purego", "the runtime's own requirement reaches the other module")

	// A Lion artifact, built here, and its inputs.
	src, err := os.ReadFile("../stdlib/optim/lion.dl")
	require.NoError(t, err)
	b, _, err := compiler.Build(context.Background(), "lion.dl", src, compiler.Options{})
	require.NoError(t, err)
	art := filepath.Join(dir, "lion.dla")
	require.NoError(t, artifact.WriteFile(art, b))
	n := 3000
	in := ir.Inputs{Tensors: map[string]*ir.Array{}, Scalars: map[string]float64{"lr": 0.01, "wd": 0.1}}
	for k, name := range []string{"theta", "grad", "m"} {
		v := make([]float32, n)
		a := ir.NewArray(int64(n))
		for i := range v {
			v[i] = float32((i*5+k*11)%23-11) / 4
			a.Data[i] = float64(v[i])
		}
		in.Tensors[name] = a
		require.NoError(t, npy.WriteFile(filepath.Join(dir, name+".npy"), runtime.F32(v)))
	}

	outDir := filepath.Join(dir, "out")
	require.NoError(t, os.Mkdir(outDir, 0o755))
	out, err = exec.Command(bin, art, dir, outDir).CombinedOutput()
	require.NoError(t, err, "%s", out)

	want, err := ir.Interpret(lowerRef(t, "../stdlib/optim/lion.dl", src), "lion", in)
	require.NoError(t, err)
	for _, name := range []string{"theta_new", "m_new"} {
		res, err := npy.ReadFile(filepath.Join(outDir, name+".npy"))
		require.NoError(t, err)
		require.Equal(t, runtime.Float32, res.DType)
		require.Equal(t, []int64{int64(n)}, res.Shape)
		got := make([]float32, n)
		for i := range got {
			got[i] = mathFloat32frombits(le32(res.Bytes()[4*i:]))
		}
		closeTo(t, name, got, want[name].Data, 2e-5, 1e-6)
	}

	// The program's errors reach its caller: a format-2 artifact is refused by name.
	v2 := append([]byte(nil), b...)
	v2[4] = 2
	require.NoError(t, os.WriteFile(art, v2, 0o644))
	out, err = exec.Command(bin, art, dir, outDir).CombinedOutput()
	require.Error(t, err)
	require.True(t, strings.Contains(string(out), "built by an older dlc (format 2); rebuild it with this dlc"), "%s", out)
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	b, err := os.ReadFile(from)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(to, b, 0o644))
}
