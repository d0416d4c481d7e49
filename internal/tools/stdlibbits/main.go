// Command stdlibbits prints a SHA-256 of every output of every function in the
// standard library (and the other .dl programs named on the command line) run
// on fixed, seeded inputs. Two builds of dlc that print the same lines compute
// the same bits, so a change to the compiler that must not change any result is
// checked by diffing this command's output before and after it:
//
//	go run ./internal/tools/stdlibbits > before.txt
//	... change the compiler ...
//	go run ./internal/tools/stdlibbits > after.txt && diff before.txt after.txt
package main

import (
	"context"
	"crypto/sha256"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"

	"dlc.dev/dlc/compiler"
	"dlc.dev/dlc/internal/stdlibargs"
	"dlc.dev/dlc/runtime"
)

func main() {
	threads := flag.Int("threads", 2, "threads per kernel")
	stream := flag.Int64("stream-bytes", 0, "runtime.Config.StreamBytes: 1 makes every loop kernel write with streaming stores, -1 none, 0 the default")
	flag.Parse()
	paths := flag.Args()
	if len(paths) == 0 {
		err := fs.WalkDir(os.DirFS("."), "stdlib", func(p string, d fs.DirEntry, err error) error {
			if err == nil && !d.IsDir() && filepath.Ext(p) == ".dl" {
				paths = append(paths, p)
			}
			return err
		})
		if err != nil {
			fail(err)
		}
		paths = append(paths, "diffusion/gmm.dl")
		sort.Strings(paths)
	}
	for _, p := range paths {
		if err := run(p, runtime.Config{Threads: *threads, StreamBytes: *stream}); err != nil {
			fail(fmt.Errorf("%s: %w", p, err))
		}
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "stdlibbits:", err)
	os.Exit(1)
}

func run(path string, cfg runtime.Config) error {
	src, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	b, man, err := compiler.Build(context.Background(), path, src, compiler.Options{})
	if err != nil {
		return err
	}
	art, err := runtime.LoadBytes(b, cfg)
	if err != nil {
		return err
	}
	defer art.Close()
	for _, fn := range man.Functions {
		f, err := art.Func(fn.Name)
		if err != nil {
			return err
		}
		args, outs, err := stdlibargs.Arguments(fn)
		if err != nil {
			return fmt.Errorf("%s: %w", fn.Name, err)
		}
		if err := f.Run(args); err != nil {
			return fmt.Errorf("%s: %w", fn.Name, err)
		}
		for _, o := range fn.Outputs {
			fmt.Printf("%s %s %s %x\n", path, fn.Name, o.Name, sha256.Sum256(outs[o.Name]))
		}
	}
	return nil
}
