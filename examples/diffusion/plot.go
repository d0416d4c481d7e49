// This file draws the samples: one PNG per sampler, a row of scatter plots
// (the true data, then one panel per K), with gonum/plot.
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

// writePlots writes <dir>/<sampler>.png for every sampler and returns the paths.
func writePlots(dir string, data []float32, ks []int, ms []diffusion.Method,
	samples map[string]map[int][]float32, sw map[string]map[int]float64) ([]string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	var files []string
	for _, m := range ms {
		row := []*plot.Plot{scatter("data", data, color.RGBA{R: 40, G: 40, B: 40, A: 255})}
		for _, k := range ks {
			title := fmt.Sprintf("K=%d  SW2x100=%.2f", k, 100*sw[m.String()][k])
			row = append(row, scatter(title, samples[m.String()][k], color.RGBA{R: 200, G: 40, B: 40, A: 255}))
		}
		const panel = 3 * vg.Inch
		img := vgimg.New(panel*vg.Length(len(row)), panel+0.3*vg.Inch)
		dc := draw.New(img)
		head, body := splitTop(dc, 0.3*vg.Inch)
		head.FillText(draw.TextStyle{Color: color.Black, Font: font.From(plot.DefaultFont, 14), Handler: plot.DefaultTextHandler, XAlign: draw.XCenter},
			vg.Point{X: (head.Max.X + head.Min.X) / 2, Y: head.Min.Y + 0.08*vg.Inch}, m.String())
		canvases := plot.Align([][]*plot.Plot{row}, draw.Tiles{Rows: 1, Cols: len(row), PadX: vg.Millimeter, PadY: vg.Millimeter}, body)
		for i, p := range row {
			p.Draw(canvases[0][i])
		}
		path := filepath.Join(dir, fileName(m.String())+".png")
		f, err := os.Create(path)
		if err != nil {
			return nil, err
		}
		if _, err := (vgimg.PngCanvas{Canvas: img}).WriteTo(f); err != nil {
			f.Close()
			return nil, err
		}
		if err := f.Close(); err != nil {
			return nil, err
		}
		files = append(files, path)
	}
	return files, nil
}

// splitTop cuts a strip of height h off the top of c.
func splitTop(c draw.Canvas, h vg.Length) (top, rest draw.Canvas) {
	top, rest = c, c
	top.Min.Y = c.Max.Y - h
	rest.Max.Y = c.Max.Y - h
	return top, rest
}

func scatter(title string, x []float32, col color.Color) *plot.Plot {
	p := plot.New()
	p.Title.Text = title
	p.X.Min, p.X.Max, p.Y.Min, p.Y.Max = -1.2, 1.2, -1.2, 1.2
	pts := make(plotter.XYs, 0, len(x)/2)
	for i := 0; i+1 < len(x); i += 2 {
		// points outside the frame are drawn on its edge, so a spread-out
		// sampler still shows its mass
		pts = append(pts, plotter.XY{X: clamp(float64(x[i])), Y: clamp(float64(x[i+1]))})
	}
	s, err := plotter.NewScatter(pts)
	if err == nil {
		s.GlyphStyle.Color = col
		s.GlyphStyle.Radius = vg.Points(0.6)
		s.GlyphStyle.Shape = draw.CircleGlyph{}
		p.Add(s)
	}
	return p
}

func clamp(v float64) float64 { return max(-1.2, min(1.2, v)) }

// fileName turns a sampler name into a file name: "DDPM β̃" -> "ddpm-beta-tilde".
func fileName(name string) string {
	r := strings.NewReplacer("β̃", "beta-tilde", "β", "beta", "η=", "eta", " ", "-", "(", "", ")", "")
	return strings.ToLower(r.Replace(name))
}
