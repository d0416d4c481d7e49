// This file keeps each run's curves (history.csv in its -out directory) and
// draws several runs in one PNG (-compare), one labelled line per run: the
// f32, bf16 and f16 mixed-precision runs side by side.
package main

import (
	"encoding/csv"
	"fmt"
	"image/color"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
)

// writeHistory writes h as CSV: epoch, mean training loss, test accuracy.
func writeHistory(path string, h history) error {
	var b strings.Builder
	w := csv.NewWriter(&b)
	w.Write([]string{"epoch", "loss", "accuracy"})
	for i := range h.loss {
		w.Write([]string{strconv.Itoa(i + 1), strconv.FormatFloat(h.loss[i], 'g', -1, 64), strconv.FormatFloat(h.acc[i], 'g', -1, 64)})
	}
	w.Flush()
	return os.WriteFile(path, []byte(b.String()), 0o644)
}

// readHistory reads a history.csv that writeHistory wrote.
func readHistory(path string) (history, error) {
	var h history
	f, err := os.Open(path)
	if err != nil {
		return h, err
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		return h, fmt.Errorf("%s: %w", path, err)
	}
	if len(rows) < 2 {
		return h, fmt.Errorf("%s: no epochs", path)
	}
	for _, r := range rows[1:] {
		if len(r) != 3 {
			return h, fmt.Errorf("%s: a row of %d fields, want 3", path, len(r))
		}
		loss, err1 := strconv.ParseFloat(r[1], 64)
		acc, err2 := strconv.ParseFloat(r[2], 64)
		if err1 != nil || err2 != nil {
			return h, fmt.Errorf("%s: bad row %q", path, strings.Join(r, ","))
		}
		h.loss, h.acc = append(h.loss, loss), append(h.acc, acc)
	}
	return h, nil
}

// labelled is one run of -compare with its label.
type labelled struct {
	label string
	h     history
}

// compareRuns reads the runs spec names (LABEL=DIR,...) and draws them in
// out/compare.png.
func compareRuns(spec, out string) error {
	var runs []labelled
	for _, item := range strings.Split(spec, ",") {
		label, dir, ok := strings.Cut(item, "=")
		if !ok || label == "" || dir == "" {
			return fmt.Errorf("-compare: %q is not LABEL=DIR", item)
		}
		h, err := readHistory(filepath.Join(dir, "history.csv"))
		if err != nil {
			return fmt.Errorf("-compare: %w", err)
		}
		runs = append(runs, labelled{label, h})
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	path := filepath.Join(out, "compare.png")
	if err := plotRuns(path, runs); err != nil {
		return err
	}
	for _, r := range runs {
		fmt.Printf("%s: final test accuracy %.2f%%\n", r.label, 100*r.h.acc[len(r.h.acc)-1])
	}
	fmt.Printf("wrote %s\n", path)
	return nil
}

// plotRuns writes a PNG of the training loss and the test accuracy of every
// run, one coloured, labelled line each.
func plotRuns(path string, runs []labelled) error {
	loss := plot.New()
	loss.Title.Text, loss.X.Label.Text, loss.Y.Label.Text = "Training loss", "epoch", "mean softmax cross-entropy"
	acc := plot.New()
	acc.Title.Text, acc.X.Label.Text, acc.Y.Label.Text = "Test accuracy", "epoch", "accuracy (%)"
	for i, r := range runs {
		for _, p := range []struct {
			p     *plot.Plot
			ys    []float64
			scale float64
		}{{loss, r.h.loss, 1}, {acc, r.h.acc, 100}} {
			pts := make(plotter.XYs, len(p.ys))
			for j, y := range p.ys {
				pts[j] = plotter.XY{X: float64(j + 1), Y: y * p.scale}
			}
			line, points, err := plotter.NewLinePoints(pts)
			if err != nil {
				return err
			}
			c := plotutil.Color(i)
			line.Color, points.Color = c, c
			line.Dashes = plotutil.Dashes(i)
			points.Shape = plotutil.Shape(i)
			p.p.Add(line, points)
			p.p.Legend.Add(r.label, line, points)
		}
	}
	// The legends go where the curves are not: loss falls, accuracy rises.
	loss.Legend.Top = true
	for _, p := range []*plot.Plot{loss, acc} {
		p.Add(plotter.NewGrid())
		p.Legend.TextStyle.Color = color.Black
	}
	return writeSideBySide(path, loss, acc)
}
