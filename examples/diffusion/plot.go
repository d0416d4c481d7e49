// This file draws the samples with gonum/plot: one PNG per sampler, a header
// that says what the sampler is and what the numbers mean, then a row of
// scatter plots (the true data, then one panel per K with the sampler's points
// over the true data), each with axis labels, a legend and its distance to the
// data.
package main

import (
	"fmt"
	"image/color"
	"os"
	"path/filepath"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"

	"dlc.dev/dlc/diffusion"
)

// plotInput is everything the pictures show.
type plotInput struct {
	data    []float32 // true samples, interleaved (x1, x2)
	ks      []int
	methods []diffusion.Method
	samples map[string]map[int][]float32 // by method name and K
	sw      map[string]map[int]float64   // sliced W2 to data, by method name and K
	floor   float64                      // sliced W2 between two true sample sets
	dirs    int                          // random directions of the sliced W2
}

var (
	dataColor   = color.RGBA{R: 150, G: 150, B: 150, A: 255}
	sampleColor = color.RGBA{R: 200, G: 30, B: 30, A: 255}
)

const (
	panelSize = 3 * vg.Inch
	frame     = 1.2 // panels show [-frame, frame]^2
	titleSize = 15  // points
	lineSize  = 10  // points, the header's other lines
	lineGap   = 4   // points between header lines
)

// writePlots writes <dir>/<sampler>.png for every sampler and returns the paths.
func writePlots(dir string, in plotInput) ([]string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	var files []string
	for _, m := range in.methods {
		path := filepath.Join(dir, fileName(m.String())+".png")
		if err := writePlot(path, in, m); err != nil {
			return nil, err
		}
		files = append(files, path)
	}
	return files, nil
}

// writePlot draws one sampler's picture into path.
func writePlot(path string, in plotInput, m diffusion.Method) error {
	npts := len(in.data) / 2
	row := []*plot.Plot{panel(fmt.Sprintf("true data (%d points)", npts), nil, in.data)}
	for _, k := range in.ks {
		title := fmt.Sprintf("K = %d steps: SW2 = %.3f", k, in.sw[m.String()][k])
		row = append(row, panel(title, in.data, in.samples[m.String()][k]))
	}
	lines := []string{
		plotText(describe(m)),
		fmt.Sprintf("Red: %d points sampled in K reverse steps; grey: the true data; points outside the frame sit on its edge.", npts),
		fmt.Sprintf("SW2: sliced Wasserstein-2 distance from red to grey (%d random directions), in data units; the ring's radius is 0.7.", in.dirs),
		fmt.Sprintf("Lower is better; two independent sets of true samples are %.3f apart. The printed tables give SW2 x100.", in.floor),
	}
	head := headerHeight(len(lines))
	img := vgimg.New(panelSize*vg.Length(len(row)), panelSize+head)
	top, body := splitTop(draw.New(img), head)
	drawHeader(top, lines)
	canvases := plot.Align([][]*plot.Plot{row}, draw.Tiles{Rows: 1, Cols: len(row), PadX: vg.Millimeter, PadY: vg.Millimeter}, body)
	for i, p := range row {
		p.Draw(canvases[0][i])
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if _, err := (vgimg.PngCanvas{Canvas: img}).WriteTo(f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// headerHeight is the height of a title and n-1 lines under it, with margins.
func headerHeight(n int) vg.Length {
	return vg.Points(titleSize + float64(n-1)*(lineSize+lineGap) + 2*lineGap + 12)
}

// drawHeader writes a title and explanatory lines, centred, into c.
func drawHeader(c draw.Canvas, lines []string) {
	mid := (c.Max.X + c.Min.X) / 2
	y := c.Max.Y - vg.Points(6)
	for i, l := range lines {
		size := vg.Points(lineSize)
		if i == 0 {
			size = vg.Points(titleSize)
		}
		y -= size
		c.FillText(draw.TextStyle{Color: color.Black, Font: font.From(plot.DefaultFont, size), Handler: plot.DefaultTextHandler, XAlign: draw.XCenter},
			vg.Point{X: mid, Y: y}, l)
		y -= vg.Points(lineGap)
	}
}

// splitTop cuts a strip of height h off the top of c.
func splitTop(c draw.Canvas, h vg.Length) (top, rest draw.Canvas) {
	top, rest = c, c
	top.Min.Y = c.Max.Y - h
	rest.Max.Y = c.Max.Y - h
	return top, rest
}

// panel is one scatter plot: the true data (grey, when given) under the
// points (red, or grey in the data panel), with axis labels and a legend.
func panel(title string, data, points []float32) *plot.Plot {
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text, p.Y.Label.Text = "x1", "x2"
	p.X.Min, p.X.Max, p.Y.Min, p.Y.Max = -frame, frame, -frame, frame
	p.Legend.Top, p.Legend.Left = true, true
	p.Legend.TextStyle.Font.Size = vg.Points(8)
	p.Legend.ThumbnailWidth = vg.Points(8)
	col, label := sampleColor, "samples"
	if data == nil {
		col, label = dataColor, "true data"
	} else {
		p.Add(scatter(data, dataColor, 0.5))
		p.Legend.Add("true data", scatter(nil, dataColor, 2.5))
	}
	p.Add(scatter(points, col, 0.6))
	p.Legend.Add(label, scatter(nil, col, 2.5))
	return p
}

// scatter draws interleaved (x1, x2) points as dots of the given radius in
// points; an empty one serves as a legend thumbnail.
func scatter(x []float32, col color.Color, radius float64) *plotter.Scatter {
	pts := make(plotter.XYs, 0, len(x)/2)
	for i := 0; i+1 < len(x); i += 2 {
		// points outside the frame are drawn on its edge, so a spread-out
		// sampler still shows its mass
		pts = append(pts, plotter.XY{X: clamp(float64(x[i])), Y: clamp(float64(x[i+1]))})
	}
	s := &plotter.Scatter{XYs: pts}
	s.GlyphStyle.Color = col
	s.GlyphStyle.Radius = vg.Points(radius)
	s.GlyphStyle.Shape = draw.CircleGlyph{}
	return s
}

func clamp(v float64) float64 { return max(-frame, min(frame, v)) }

// describe says what a sampler is: its mean and its reverse variance.
func describe(m diffusion.Method) string {
	mean := "DDIM mean"
	if m.Eta == 1 {
		mean = "DDPM mean"
	} else if m.Eta != 0 {
		mean = fmt.Sprintf("DDIM(η = %g) mean", m.Eta)
	}
	what := ""
	switch m.Kind {
	case diffusion.DDPM:
		what = "ancestral, variance β̃ (the forward posterior's)"
	case diffusion.DDPMLarge:
		what = "ancestral, variance β (the forward step's)"
	case diffusion.DDIM:
		what = fmt.Sprintf("η = %g", m.Eta)
		if m.Eta == 0 {
			what = "deterministic (η = 0)"
		}
	case diffusion.Analytic:
		what = mean + ", optimal scalar variance"
	case diffusion.ExtendedSN:
		what = mean + ", per-element variance from E[ε² | x_t]"
	case diffusion.ExtendedNPR:
		what = mean + ", per-element variance from E[(ε - ε_θ)² | x_t]"
	}
	return m.String() + ": " + what
}

// plotText spells out what the plot fonts cannot draw as one glyph: β̃ is β
// followed by a combining tilde, which the text renderer sets as a separate
// character after it.
func plotText(s string) string {
	return strings.ReplaceAll(s, "β̃", "beta-tilde")
}

// fileName turns a sampler name into a file name: "DDPM β̃" -> "ddpm-beta-tilde".
func fileName(name string) string {
	r := strings.NewReplacer("β̃", "beta-tilde", "β", "beta", "η=", "eta", " ", "-", "(", "", ")", "")
	return strings.ToLower(r.Replace(name))
}
