// This file checks that the figures README.md and diffusion/README.md quote
// are what the diffusion example prints: each quoted figure is found by a
// pattern around it and compared with the value computed from the example's
// -json output, to the precision the text gives (0.12 must be within 0.005,
// 31% within 0.5 points). A table in diffusion/README.md is compared cell by
// cell. A figure that moved, or a sentence that was reworded, fails here.
package tests

import (
	"fmt"
	"math"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// stat is a Monte Carlo mean with its standard error.
type stat struct {
	Mean   float64 `json:"mean"`
	StdErr float64 `json:"stderr"`
}

// exampleFigures is what `examples/diffusion -json` writes: per sampler name
// and K, in data units.
type exampleFigures struct {
	ExactNLL   float64                    `json:"exact_nll"`
	Bound      map[string]map[int]stat    `json:"bound"`
	Gap        map[string]map[int]stat    `json:"gap_to_exact"`
	Paired     map[string]map[int]stat    `json:"paired_to_ddpm_beta"`
	SW2Floor   float64                    `json:"sw2_floor"`
	SW2        map[string]map[int]float64 `json:"sw2"`
	Spread     map[string]map[int]float64 `json:"spread"`
	LogDensity map[string]map[int]float64 `json:"log_density"`
}

// lower is how much lower a is than b, in percent.
func lower(a, b float64) float64 { return 100 * (1 - a/b) }

// higher is how much higher a is than b, in percent.
func higher(a, b float64) float64 { return 100 * (a/b - 1) }

// quote is a sentence that states figures: its text with # for each number,
// and the values those numbers must round to. Spaces match any white space,
// so the sentence may wrap.
type quote struct {
	file, text string
	want       func(f *exampleFigures) []float64
}

// ks are the numbers of steps of the example's default run.
var ks = []int{10, 25, 50, 100, 1000}

// paired is the gain of method's bound over DDPM β's at every K.
func paired(method string) func(f *exampleFigures) []float64 {
	return func(f *exampleFigures) []float64 {
		var v []float64
		for _, k := range ks {
			v = append(v, -f.Paired[method][k].Mean)
		}
		return v
	}
}

// pairedRange is the smallest and largest gain of method at K <= 50.
func pairedRange(method string) func(f *exampleFigures) []float64 {
	return func(f *exampleFigures) []float64 {
		lo, hi := math.Inf(1), math.Inf(-1)
		for _, k := range []int{10, 25, 50} {
			lo, hi = min(lo, -f.Paired[method][k].Mean), max(hi, -f.Paired[method][k].Mean)
		}
		return []float64{lo, hi}
	}
}

// quotes lists every figure the two READMEs take from the example's default run.
func quotes() []quote { return append(readmeQuotes(), diffusionReadmeQuotes()...) }

// readmeQuotes are the figures of the top-level README.
func readmeQuotes() []quote {
	const readme = "../README.md"
	return []quote{
		{readme, "Analytic-DDPM's bound beats DDPM with β_t by # / # / # / # / # nats/dim at K = 10 / 25 / 50 / 100 / 1000", paired("Analytic-DDPM")},
		{readme, "and SN/NPR-DPM by # / # / # / # / #;", paired("SN-DDPM")},
		{readme, "far worse at small K (# nats/dim at K = 10)", func(f *exampleFigures) []float64 { return []float64{f.Bound["DDPM β̃"][10].Mean} }},
		{readme, "is #% / #% lower than DDIM's at K = 10 / 25", func(f *exampleFigures) []float64 {
			return []float64{lower(f.SW2["SN-DDIM"][10], f.SW2["DDIM"][10]), lower(f.SW2["SN-DDIM"][25], f.SW2["DDIM"][25])}
		}},
		{readme, "Analytic-DDIM is #% better at K = 10, worse at K = 25 (by #%)", func(f *exampleFigures) []float64 {
			return []float64{lower(f.SW2["Analytic-DDIM"][10], f.SW2["DDIM"][10]), higher(f.SW2["Analytic-DDIM"][25], f.SW2["DDIM"][25])}
		}},
		{readme, "their spread is #× the true one at K = 25, DDIM's #×", func(f *exampleFigures) []float64 {
			return []float64{f.Spread["Analytic-DDIM"][25], f.Spread["DDIM"][25]}
		}},
	}
}

// diffusionReadmeQuotes are the figures of diffusion/README.md, besides its tables.
func diffusionReadmeQuotes() []quote {
	const dreadme = "../diffusion/README.md"
	return []quote{
		{dreadme, "(exact NLL of these 2,000 points: #;", func(f *exampleFigures) []float64 { return []float64{f.ExactNLL} }},
		{dreadme, "Each value ±#–# (β̃: ±# at K = 10)", func(f *exampleFigures) []float64 {
			lo, hi := math.Inf(1), math.Inf(-1)
			for _, m := range []string{"DDPM β", "Analytic-DDPM", "SN-DDPM"} {
				for _, k := range ks {
					lo, hi = min(lo, f.Bound[m][k].StdErr), max(hi, f.Bound[m][k].StdErr)
				}
			}
			return []float64{lo, hi, f.Bound["DDPM β̃"][10].StdErr}
		}},
		{dreadme, "Analytic-DDPM is better by #±#, #±#, #±#, #±# and #±# nats/dim at K = 10, 25, 50, 100, 1000", func(f *exampleFigures) []float64 {
			var v []float64
			for _, k := range ks {
				v = append(v, -f.Paired["Analytic-DDPM"][k].Mean, f.Paired["Analytic-DDPM"][k].StdErr)
			}
			return v
		}},
		{dreadme, "SN/NPR-DDPM by #, #, #, # and #.", paired("SN-DDPM")},
		{dreadme, "within one standard error (#) of the exact NLL", func(f *exampleFigures) []float64 {
			return []float64{f.Gap["DDPM β"][1000].StdErr}
		}},
		{dreadme, "(two independent true sample sets: #, the noise floor)", func(f *exampleFigures) []float64 { return []float64{100 * f.SW2Floor} }},
		{dreadme, "largest at small K (#–# nats/dim at K ≤ 50 against the better baseline β, # at K = 100, # at K = 1000)", func(f *exampleFigures) []float64 {
			return append(pairedRange("Analytic-DDPM")(f), -f.Paired["Analytic-DDPM"][100].Mean, -f.Paired["Analytic-DDPM"][1000].Mean)
		}},
		{dreadme, "catastrophic at small K (# nats/dim at K = 10,", func(f *exampleFigures) []float64 { return []float64{f.Bound["DDPM β̃"][10].Mean} }},
		{dreadme, "roughly doubles the gain (#–# nats/dim at K ≤ 50)", pairedRange("SN-DDPM")},
		{dreadme, "SN/NPR beat DDIM by #% in sliced W2 at K = 10, #% at K = 25 and #% at K = 50", func(f *exampleFigures) []float64 {
			var v []float64
			for _, k := range []int{10, 25, 50} {
				v = append(v, lower(f.SW2["SN-DDIM"][k], f.SW2["DDIM"][k]))
			}
			return v
		}},
		{dreadme, "SN-DDPM beats both DDPM baselines: by #% at K = 10, #–#% at K = 25", func(f *exampleFigures) []float64 {
			best10 := min(f.SW2["DDPM β̃"][10], f.SW2["DDPM β"][10])
			return []float64{lower(f.SW2["SN-DDPM"][10], best10),
				lower(f.SW2["SN-DDPM"][25], f.SW2["DDPM β̃"][25]), lower(f.SW2["SN-DDPM"][25], f.SW2["DDPM β"][25])}
		}},
		{dreadme, "(not at 25, #% worse)", func(f *exampleFigures) []float64 {
			return []float64{higher(f.SW2["Analytic-DDPM"][25], f.SW2["DDPM β̃"][25])}
		}},
		{dreadme, "Analytic-DDIM beats DDIM only at K = 10 (#%), is worse at K = 25 (#%)", func(f *exampleFigures) []float64 {
			return []float64{lower(f.SW2["Analytic-DDIM"][10], f.SW2["DDIM"][10]), higher(f.SW2["Analytic-DDIM"][25], f.SW2["DDIM"][25])}
		}},
		{dreadme, "(spread # at K = 25, against # for DDIM", func(f *exampleFigures) []float64 {
			return []float64{f.Spread["Analytic-DDIM"][25], f.Spread["DDIM"][25]}
		}},
		{dreadme, "over-disperses less (#)", func(f *exampleFigures) []float64 { return []float64{f.Spread["SN-DDIM"][25]} }},
		{dreadme, "(spread # < # < # at K = 100)", func(f *exampleFigures) []float64 {
			return []float64{f.Spread["DDPM β̃"][100], f.Spread["Analytic-DDPM"][100], f.Spread["DDPM β"][100]}
		}},
	}
}

// quotedTable is a table of diffusion/README.md: its header line, and the
// figures of a cell from the method its column names and the K of its row.
type quotedTable struct {
	header string
	cell   func(f *exampleFigures, method string, k int) []float64
}

func quotedTables() []quotedTable {
	return []quotedTable{
		{"|    K |  DDPM β | DDPM β̃ | Analytic-DDPM | SN-DDPM (= NPR) |", func(f *exampleFigures, m string, k int) []float64 {
			return []float64{f.Bound[m][k].Mean}
		}},
		{"|    K | DDIM | Analytic-DDIM | SN-DDIM | DDPM β̃ | DDPM β | Analytic-DDPM | SN-DDPM |", func(f *exampleFigures, m string, k int) []float64 {
			return []float64{100 * f.SW2[m][k], f.Spread[m][k]} // "SW2x100 / spread"
		}},
	}
}

// number matches a quoted figure: 0.12, −0.007 (a minus sign or a hyphen), 409, 2,000.
const number = `([−-]?[0-9][0-9,]*(?:\.[0-9]+)?)`

// parseQuoted reads a quoted figure and the half-unit of its last digit.
func parseQuoted(s string) (v, tol float64, err error) {
	s = strings.NewReplacer("−", "-", ",", "").Replace(s)
	v, err = strconv.ParseFloat(s, 64)
	decimals := 0
	if i := strings.IndexByte(s, '.'); i >= 0 {
		decimals = len(s) - i - 1
	}
	return v, 0.5*math.Pow(10, -float64(decimals)) + 1e-9, err
}

// quotePattern turns a quote's text into a regexp: # is a number, a space any white space.
func quotePattern(text string) *regexp.Regexp {
	var b strings.Builder
	for i, part := range strings.Split(text, "#") {
		if i > 0 {
			b.WriteString(number)
		}
		for j, word := range strings.Split(part, " ") {
			if j > 0 {
				b.WriteString(`\s+`)
			}
			b.WriteString(regexp.QuoteMeta(word))
		}
	}
	return regexp.MustCompile(b.String())
}

// checkQuotedFigures compares every quoted figure and table with the example's figures.
func checkQuotedFigures(t *testing.T, f *exampleFigures) {
	t.Helper()
	files := map[string]string{}
	read := func(path string) string {
		if _, ok := files[path]; !ok {
			b, err := os.ReadFile(path)
			require.NoError(t, err)
			files[path] = string(b)
		}
		return files[path]
	}
	for _, q := range quotes() {
		m := quotePattern(q.text).FindStringSubmatch(read(q.file))
		if !assert.NotNil(t, m, "%s no longer says %q; update the figures and this test together", q.file, q.text) {
			continue
		}
		want := q.want(f)
		require.Len(t, want, len(m)-1, "%q", q.text)
		for i, s := range m[1:] {
			got, tol, err := parseQuoted(s)
			require.NoError(t, err)
			assert.InDelta(t, want[i], got, tol, "%s: figure %d of %q is %s, but the example gives %.4g", q.file, i+1, q.text, s, want[i])
		}
	}
	for _, tab := range quotedTables() {
		checkTable(t, "../diffusion/README.md", read("../diffusion/README.md"), tab, f)
	}
}

// checkTable compares the rows of a Markdown table (K, then one column per
// method) with the example's figures.
func checkTable(t *testing.T, file, text string, tab quotedTable, f *exampleFigures) {
	t.Helper()
	i := strings.Index(text, tab.header)
	require.GreaterOrEqual(t, i, 0, "%s has no table %q", file, tab.header)
	cells := func(line string) []string {
		parts := strings.Split(strings.Trim(strings.TrimSpace(line), "|"), "|")
		for j := range parts {
			parts[j] = strings.TrimSpace(strings.ReplaceAll(parts[j], "**", ""))
		}
		return parts
	}
	lines := strings.Split(text[i:], "\n")
	head := cells(lines[0])
	methods := make([]string, len(head))
	for j, h := range head {
		methods[j] = strings.TrimSuffix(h, " (= NPR)")
	}
	rows := 0
	for _, line := range lines[2:] { // after the header and the alignment row
		if !strings.HasPrefix(line, "|") {
			break
		}
		row := cells(line)
		require.Len(t, row, len(head), "%s: %q", file, line)
		k, err := strconv.Atoi(row[0])
		require.NoError(t, err, "%s: %q", file, line)
		for j := 1; j < len(row); j++ {
			want := tab.cell(f, methods[j], k)
			figs := strings.Split(row[j], " / ")
			require.Len(t, figs, len(want), "%s: K = %d, %s: %q", file, k, methods[j], row[j])
			for n, s := range figs {
				got, tol, err := parseQuoted(s)
				require.NoError(t, err, "%s: %q", file, row[j])
				assert.InDelta(t, want[n], got, tol, fmt.Sprintf("%s: table %q, K = %d, %s: %s, but the example gives %.4g", file, tab.header, k, methods[j], s, want[n]))
			}
		}
		rows++
	}
	require.Equal(t, 5, rows, "%s: table %q should have a row per K", file, tab.header)
}
