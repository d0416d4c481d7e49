package tests

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"
)

// exampleArgs gives examples that take flags a quick configuration; every
// directory under examples/ is run, whether listed here or not.
var exampleArgs = map[string][]string{
	"lion":      {"-steps", "200", "-dim", "1000"},
	"diffusion": {"-n", "1000", "-k", "10,100", "-out", os.TempDir() + "/dlc-diffusion-example"},
}

// exampleChecks verifies what an example claims.
var exampleChecks = map[string]func(t *testing.T, out string){
	"lion": func(t *testing.T, out string) {
		m := regexp.MustCompile(`loss (\S+) -> (\S+)`).FindStringSubmatch(out)
		require.NotNil(t, m, out)
		first, _ := strconv.ParseFloat(m[1], 64)
		last, _ := strconv.ParseFloat(m[2], 64)
		require.Less(t, last, first/100, "Lion must reduce the loss by 100x:\n%s", out)
	},
	"diffusion": func(t *testing.T, out string) {
		require.Contains(t, out, "Paired difference to DDPM β")
		require.Contains(t, out, "sliced Wasserstein-2")
		require.FileExists(t, filepath.Join(os.TempDir(), "dlc-diffusion-example", "sn-ddim.png"))
	},
}

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
			args := append([]string{"run", "./examples/" + name}, exampleArgs[name]...)
			cmd := exec.Command("go", args...)
			cmd.Dir = ".."
			out, err := cmd.CombinedOutput()
			require.NoError(t, err, "%s", out)
			if check, ok := exampleChecks[name]; ok {
				check(t, string(out))
			}
		})
	}
}
