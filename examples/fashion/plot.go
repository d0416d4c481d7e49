// This file draws the training curves with gonum/plot: the mean training
// loss and the test accuracy per epoch, side by side, with labelled axes.
package main

import (
	"os"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// plotHistory writes a PNG of h to path.
func plotHistory(path string, h history) error {
	loss, err := curve("Training loss", "mean softmax cross-entropy", h.loss, 1)
	if err != nil {
		return err
	}
	acc, err := curve("Test accuracy", "accuracy (%)", h.acc, 100)
	if err != nil {
		return err
	}
	return writeSideBySide(path, loss, acc)
}

// writeSideBySide draws two plots next to each other into a PNG at path;
// on an error it leaves no file behind.
func writeSideBySide(path string, left, right *plot.Plot) error {
	const w, ht = 10 * vg.Inch, 4 * vg.Inch
	img := vgimg.New(w, ht)
	dc := draw.New(img)
	tiles := draw.Tiles{Rows: 1, Cols: 2, PadX: vg.Inch / 4, PadTop: vg.Inch / 8, PadBottom: vg.Inch / 8, PadLeft: vg.Inch / 8, PadRight: vg.Inch / 8}
	left.Draw(tiles.At(dc, 0, 0))
	right.Draw(tiles.At(dc, 1, 0))
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if _, err := (vgimg.PngCanvas{Canvas: img}).WriteTo(f); err != nil {
		f.Close()
		os.Remove(path)
		return err
	}
	if err := f.Close(); err != nil {
		os.Remove(path)
		return err
	}
	return nil
}

// curve is one panel: ys (scaled) against the epoch.
func curve(title, ylabel string, ys []float64, scale float64) (*plot.Plot, error) {
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = "epoch"
	p.Y.Label.Text = ylabel
	pts := make(plotter.XYs, len(ys))
	for i, y := range ys {
		pts[i] = plotter.XY{X: float64(i + 1), Y: y * scale}
	}
	line, points, err := plotter.NewLinePoints(pts)
	if err != nil {
		return nil, err
	}
	points.Shape = draw.CircleGlyph{}
	p.Add(line, points, plotter.NewGrid())
	return p, nil
}
