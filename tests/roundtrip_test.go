package tests

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"dlc.dev/dlc/compiler"
	"dlc.dev/dlc/ir"
	"dlc.dev/dlc/passes"
)

// TestIRRoundTripEveryProgram prints the IR of every stdlib file and test program
// after every pass, parses it back and checks that it prints identically and
// still verifies.
func TestIRRoundTripEveryProgram(t *testing.T) {
	for _, file := range sources(t) {
		src, err := os.ReadFile(file)
		require.NoError(t, err)
		for _, stop := range append([]string{"input"}, passes.Names()...) {
			m, err := compiler.Lower(file, src, compiler.Options{}, stop)
			require.NoError(t, err, "%s after %s", file, stop)
			text := ir.Print(m)
			back, err := ir.Parse(text)
			require.NoError(t, err, "%s after %s:\n%s", filepath.Base(file), stop, text)
			require.NoError(t, ir.Verify(back))
			require.Equal(t, text, ir.Print(back), "%s after %s", file, stop)
		}
	}
}
