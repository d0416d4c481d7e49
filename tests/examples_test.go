package tests

import (
	"bytes"
	"encoding/json"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"
)

// exampleArgs gives each example its arguments; dir is a scratch directory.
// Every directory under examples/ is run, whether listed here or not.
var exampleArgs = map[string]func(t *testing.T, dir string) []string{
	"fashion": func(t *testing.T, dir string) []string {
		args := []string{"-out", filepath.Join(dir, "out")}
		if testing.Short() {
			args = append(args, "-epochs", "1", "-train", "10000")
		}
		// Otherwise the default run, the one the README quotes (about a minute).
		return args
	},
	"multilabel": func(t *testing.T, dir string) []string {
		// Shorter than the default run (4 epochs of 60,000 pairs, about 3
		// minutes for both losses on 2 cores), which the README quotes.
		if testing.Short() {
			return []string{"-epochs", "1", "-train", "10000", "-test", "2000"}
		}
		return []string{"-epochs", "1", "-train", "30000", "-test", "5000"}
	},
	"lion": func(t *testing.T, dir string) []string { return []string{"-steps", "200", "-dim", "1000"} },
	"diffusion": func(t *testing.T, dir string) []string {
		args := []string{"-out", filepath.Join(dir, "plots"), "-json", filepath.Join(dir, "figures.json")}
		if testing.Short() {
			args = append(args, "-n", "1000", "-k", "10,100")
		}
		// Otherwise the default run, the one the READMEs quote (about 30 s).
		return args
	},
}

// exampleChecks verifies what an example claims; dir is its scratch directory.
var exampleChecks = map[string]func(t *testing.T, out, dir string){
	"fashion":    checkFashion,
	"multilabel": checkMultilabel,
	"exacttoy":   checkExactToy,
	"lion": func(t *testing.T, out, dir string) {
		m := regexp.MustCompile(`loss (\S+) -> (\S+)`).FindStringSubmatch(out)
		require.NotNil(t, m, out)
		first, _ := strconv.ParseFloat(m[1], 64)
		last, _ := strconv.ParseFloat(m[2], 64)
		require.Less(t, last, first/100, "Lion must reduce the loss by 100x:\n%s", out)
	},
	"diffusion": func(t *testing.T, out, dir string) {
		require.Contains(t, out, "step kernels: compiled\nmodel: gmm.dl, compiled\n", "everything runs compiled")
		require.Contains(t, out, "Paired difference to DDPM β")
		require.Contains(t, out, "sliced Wasserstein-2")
		for _, name := range []string{"ddim", "analytic-ddim", "sn-ddim", "npr-ddim", "ddpm-beta-tilde", "ddpm-beta", "analytic-ddpm", "sn-ddpm"} {
			checkPNG(t, filepath.Join(dir, "plots", name+".png"))
		}
		b, err := os.ReadFile(filepath.Join(dir, "figures.json"))
		require.NoError(t, err)
		var figs exampleFigures
		require.NoError(t, json.Unmarshal(b, &figs))
		if testing.Short() {
			t.Log("-short: the quick run cannot be compared with the figures the READMEs quote")
			return
		}
		checkQuotedFigures(t, &figs)
	},
}

// TestExamplesRun builds every example and runs it from an empty directory,
// so that an example that finds its data only from the repository root fails.
// An example with its own go.mod is built in its directory, as a user would.
func TestExamplesRun(t *testing.T) {
	needTools(t)
	dirs, err := filepath.Glob("../examples/*")
	require.NoError(t, err)
	require.NotEmpty(t, dirs)
	for _, dir := range dirs {
		if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
			continue
		}
		name := filepath.Base(dir)
		t.Run(name, func(t *testing.T) {
			if needsContractions[name] {
				needContractions(t)
			}
			if needsData[name] {
				needFashionMNIST(t)
			}
			scratch := t.TempDir()
			bin := filepath.Join(scratch, name)
			build := exec.Command("go", "build", "-o", bin, ".")
			build.Dir = dir
			out, err := build.CombinedOutput()
			require.NoError(t, err, "go build in %s: %s", dir, out)
			var args []string
			if f, ok := exampleArgs[name]; ok {
				args = f(t, scratch)
			}
			cmd := exec.Command(bin, args...)
			cmd.Dir = t.TempDir()
			out, err = cmd.CombinedOutput()
			require.NoError(t, err, "%s", out)
			if check, ok := exampleChecks[name]; ok {
				check(t, string(out), scratch)
			}
		})
	}
}

// checkPNG checks that path is a PNG picture of a plausible size.
func checkPNG(t *testing.T, path string) {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	cfg, err := png.DecodeConfig(bytes.NewReader(b))
	require.NoError(t, err, path)
	require.Greater(t, cfg.Width, 500, path)
	require.Greater(t, cfg.Height, 250, path)
}
