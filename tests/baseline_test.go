// This file checks the C baselines the benchmarks measure dlc against: that the
// thread count a benchmark sets is the one every later loop runs on, whichever
// OS thread Go makes the call from.
package tests

import (
	"os/exec"
	"path/filepath"
	goruntime "runtime"
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
	if _, err := exec.LookPath("gcc"); err != nil {
		t.Skip("gcc not found: no C baseline")
	}
	for _, name := range []string{"ddim.c", "lion.c", "zlpr.c"} {
		t.Run(name, func(t *testing.T) {
			so := filepath.Join(t.TempDir(), name+".so")
			out, err := exec.Command("gcc", "-O1", "-march=x86-64-v3", "-fopenmp", "-shared", "-fPIC", "-o", so, filepath.Join("testdata/baseline", name), "-lm").CombinedOutput()
			if err != nil {
				t.Skipf("gcc -fopenmp failed (libgomp missing?): %v\n%s", err, out)
			}
			h, err := purego.Dlopen(so, purego.RTLD_NOW|purego.RTLD_LOCAL)
			require.NoError(t, err)
			set, err := purego.Dlsym(h, "set_threads")
			require.NoError(t, err)
			size, err := purego.Dlsym(h, "team_size")
			require.NoError(t, err)
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
