package passes

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"golang.org/x/tools/txtar"

	"dlc.dev/dlc/ir"
)

var update = flag.Bool("update", false, "rewrite want.ir sections of pass tests")

// TestPasses runs each pass on testdata/<pass>/*.txtar: in.ir through the pass
// must print as want.ir; a file without want.ir asserts the pass changes nothing.
func TestPasses(t *testing.T) {
	for _, p := range Pipeline() {
		files, _ := filepath.Glob(filepath.Join("testdata", p.Name, "*.txtar"))
		for _, file := range files {
			t.Run(p.Name+"/"+filepath.Base(file), func(t *testing.T) {
				ar, err := txtar.ParseFile(file)
				require.NoError(t, err)
				var in, want *txtar.File
				var log []string
				opt := &Options{Explain: func(l string) { log = append(log, l) }}
				for i := range ar.Files {
					switch ar.Files[i].Name {
					case "in.ir":
						in = &ar.Files[i]
					case "want.ir":
						want = &ar.Files[i]
					case "options":
						require.NoError(t, parseTestOptions(string(ar.Files[i].Data), opt))
					}
				}
				require.NotNil(t, in, "no in.ir section")
				m, err := ir.Parse(string(in.Data))
				require.NoError(t, err)
				require.NoError(t, ir.Verify(m))
				before := ir.Print(m)
				require.NoError(t, runOne(p, m, opt))
				got := ir.Print(m)
				if want == nil {
					require.Equal(t, before, got, "pass must change nothing")
					return
				}
				if *update {
					want.Data = []byte(got)
					require.NoError(t, os.WriteFile(file, txtar.Format(ar), 0o644))
					return
				}
				require.Equal(t, string(want.Data), got)
				// A pass test may pin explanations: lines of an "explain" section must appear.
				for _, f := range ar.Files {
					if f.Name == "explain" {
						for _, l := range strings.Split(strings.TrimSpace(string(f.Data)), "\n") {
							require.Contains(t, strings.Join(log, "\n"), l)
						}
					}
				}
			})
		}
	}
}

// parseTestOptions reads the "options" section of a pass test, one setting
// per line: "precision=bf16" (or f16) switches mixed precision on for every
// function, "precision@NAME=bf16" (or off) for function NAME.
func parseTestOptions(text string, opt *Options) error {
	for _, line := range strings.Fields(text) {
		k, v, _ := strings.Cut(line, "=")
		d, ok := ir.ParseDType(v)
		if v == "off" {
			d, ok = ir.Invalid, true
		}
		if !ok {
			return fmt.Errorf("options: %q is not a dtype", v)
		}
		switch fn, isFunc := strings.CutPrefix(k, "precision@"); {
		case k == "precision":
			opt.Precision = d
		case isFunc:
			if opt.FuncPrecision == nil {
				opt.FuncPrecision = map[string]ir.DType{}
			}
			opt.FuncPrecision[fn] = d
		default:
			return fmt.Errorf("options: unknown setting %q", k)
		}
	}
	return nil
}

func TestOrderingFacts(t *testing.T) {
	pos := map[string]int{}
	for i, n := range Names() {
		pos[n] = i
	}
	for _, o := range ordering {
		a, ok1 := pos[o[0]]
		b, ok2 := pos[o[1]]
		require.True(t, ok1 && ok2, "unknown pass in %v", o)
		require.Less(t, a, b, "%s must run before %s: %s", o[0], o[1], o[2])
	}
}

func TestRunUnknownStopAfter(t *testing.T) {
	err := Run(&ir.Module{}, &Options{StopAfter: "nope"})
	require.ErrorContains(t, err, `unknown pass "nope"`)
}

func TestPanicBecomesInternalError(t *testing.T) {
	m, err := ir.Parse("func @f(%x: f32[N]) -> (y: f32[N]) {\n  %1 = neg %x : f32[N]\n  return y = %1\n}\n")
	require.NoError(t, err)
	p := Pass{Name: "boom", Run: func(*ir.Module, *Options) (bool, error) { panic("broken invariant") }}
	err = runOne(p, m, &Options{})
	var ie *InternalError
	require.ErrorAs(t, err, &ie)
	require.Equal(t, "boom", ie.Pass)
	require.Contains(t, ie.Error(), "%1 = neg %x")
}

func TestKernelCountDemand(t *testing.T) {
	m, err := ir.Parse(`func @f(%x: f32[N], %y: f32[M]) -> (a: f32[N], b: f32[M]) kernels=1 {
  %2 = neg %x : f32[N]
  %3 = neg %y : f32[M]
  return a = %2, b = %3
}
`)
	require.NoError(t, err)
	m.Funcs[0].Pos = ir.Pos{File: "f.dl", Line: 3, Col: 1}
	err = Run(m, &Options{})
	var ue *Error
	require.ErrorAs(t, err, &ue)
	require.Contains(t, ue.Error(), "f.dl:3:1: @kernels(1) demanded for f, but fusion produced 2 kernel(s)")
	require.Contains(t, ue.Error(), "k1: loop kernel over [M], 1 ops, writes b")
}
