// This file implements `dlc cache` (show, trim and clear the build cache),
// the cache flags `dlc build` shares with it, and the build's phase log.
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"dlc.dev/dlc/internal/buildcache"
)

// cacheFlags locate the build cache and bound its size.
type cacheFlags struct {
	dir, limit *string
}

func addCacheFlags(fs *flag.FlagSet) cacheFlags {
	return cacheFlags{
		dir:   fs.String("cache-dir", "", "`DIR`: the build cache (default $"+buildcache.EnvDir+", else dlc in the user's cache directory; $"+buildcache.EnvDir+"=off disables it)"),
		limit: fs.String("cache-limit", "", "`SIZE`: keep the build cache under this size, least recently used entries removed first (default $"+buildcache.EnvLimit+", else 1G)"),
	}
}

// open opens the cache the flags and the environment name; nil when it is off.
func (f cacheFlags) open() (*buildcache.Cache, error) {
	dir := *f.dir
	if dir == "" {
		var err error
		if dir, err = buildcache.DefaultDir(os.Getenv); err != nil || dir == "" {
			return nil, err
		}
	}
	limit := int64(0)
	s, what := *f.limit, "--cache-limit"
	if s == "" {
		s, what = os.Getenv(buildcache.EnvLimit), "$"+buildcache.EnvLimit
	}
	if s != "" {
		var err error
		if limit, err = buildcache.ParseSize(s); err != nil {
			return nil, fmt.Errorf("%s: %w", what, err)
		}
	}
	return buildcache.Open(dir, limit)
}

func runCache(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("cache", flag.ContinueOnError)
	cf := addCacheFlags(fs)
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return &usageError{"need one of show, trim, clear"}
	}
	c, err := cf.open()
	if err != nil {
		return err
	}
	if c == nil {
		return fmt.Errorf("the build cache is off ($%s=off)", buildcache.EnvDir)
	}
	switch pos[0] {
	case "show":
		es, err := c.Entries()
		if err != nil {
			return err
		}
		outputs := 0
		for _, e := range es {
			if e.Kind == buildcache.KindOutput {
				outputs++
			}
		}
		fmt.Fprintf(stdout, "build cache %s\n%d artifacts, %d entries in all, %s of %s\n", c.Dir(), outputs, len(es), sizeText(buildcache.Size(es)), sizeText(c.Limit()))
		return nil
	case "trim":
		n, freed, err := c.Trim(c.Limit())
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "removed %d entries (%s) from %s\n", n, sizeText(freed), c.Dir())
		return nil
	case "clear":
		if err := c.Clear(); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "cleared %s\n", c.Dir())
		return nil
	}
	return &usageError{fmt.Sprintf("unknown cache command %q (show, trim, clear)", pos[0])}
}

// sizeText prints a byte count in KiB, MiB or GiB.
func sizeText(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d bytes", n)
}

// phaseLog collects the phases of a build (compiler.Options.Phase).
type phaseLog struct {
	names []string
	took  []time.Duration
}

func (p *phaseLog) add(name string, took time.Duration) {
	p.names = append(p.names, name)
	p.took = append(p.took, took)
}

// print writes one line per phase, then the total.
func (p *phaseLog) print(w io.Writer, total time.Duration) {
	for i, n := range p.names {
		fmt.Fprintf(w, "dlc build: %-30s %8.1f ms\n", n, p.took[i].Seconds()*1e3)
	}
	fmt.Fprintf(w, "dlc build: %-30s %8.1f ms\n", "total", total.Seconds()*1e3)
}

// isTerminal says whether w is a terminal.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	info, err := f.Stat()
	return err == nil && info.Mode()&os.ModeCharDevice != 0
}
