// This file checks the C baselines the benchmarks measure dlc against: that the
// thread count a benchmark sets is the one every later loop runs on, whichever
// OS thread Go makes the call from.
package tests

import (
	"os/exec"
	"path/filepath"
	goruntime "runtime"
	"strings"
	"testing"

	"github.com/ebitengine/purego"
	"github.com/stretchr/testify/require"
)

// TestBaselineThreads sets each baseline's thread count on one OS thread and
// asks another how many threads a parallel region of the file runs on.
// omp_set_num_threads alone would not carry over: its setting belongs to the
// OS thread that made the call, and the other thread's default is the number
// of CPUs.
func TestBaselineThreads(t *testing.T) {
	for _, name := range []string{"ddim.c", "lion.c", "zlpr.c"} {
		t.Run(name, func(t *testing.T) {
			sym := cBaseline(t, name, "-O1", "-march=x86-64-v3")
			set, size := sym("set_threads"), sym("team_size")
			for _, n := range []int{1, 2, 3} {
				// Both goroutines are locked to their OS threads and
				// alive together, so the two calls come from different threads.
				setDone, asked := make(chan struct{}), make(chan struct{})
				go func() {
					goruntime.LockOSThread()
					defer goruntime.UnlockOSThread()
					purego.SyscallN(set, uintptr(n))
					close(setDone)
					<-asked
				}()
				<-setDone
				got := make(chan int, 1)
				go func() {
					goruntime.LockOSThread()
					defer goruntime.UnlockOSThread()
					r, _, _ := purego.SyscallN(size)
					got <- int(r)
				}()
				require.Equal(t, n, <-got, "threads after set_threads(%d) on another OS thread", n)
				close(asked)
			}
		})
	}
}

// cBaseline compiles testdata/baseline/name with gcc, the given flags and
// OpenMP into a shared object, opens it, and returns a lookup of its symbols
// (which fails tb on a missing one). It skips tb when gcc or libgomp is
// missing.
func cBaseline(tb testing.TB, name string, flags ...string) (sym func(string) uintptr) {
	tb.Helper()
	if _, err := exec.LookPath("gcc"); err != nil {
		tb.Skip("gcc not found: no C baseline")
	}
	so := filepath.Join(tb.TempDir(), strings.TrimSuffix(name, ".c")+".so")
	args := append(append([]string{}, flags...), "-fopenmp", "-shared", "-fPIC", "-o", so, filepath.Join("testdata/baseline", name), "-lm")
	if out, err := exec.Command("gcc", args...).CombinedOutput(); err != nil {
		tb.Skipf("gcc -fopenmp failed (libgomp missing?): %v\n%s", err, out)
	}
	h, err := purego.Dlopen(so, purego.RTLD_NOW|purego.RTLD_LOCAL)
	require.NoError(tb, err)
	return func(symbol string) uintptr {
		tb.Helper()
		p, err := purego.Dlsym(h, symbol)
		require.NoError(tb, err, "%s in %s", symbol, name)
		return p
	}
}
