// This file implements `dlc verify`: rebuild an artifact from the sources it
// records, with this dlc and the LLVM it finds, and say exactly what differs.
package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"sort"

	"dlc.dev/dlc/artifact"
	"dlc.dev/dlc/compiler"
)

func runVerify(args []string, stdout, stderr io.Writer) error {
	flags := flag.NewFlagSet("verify", flag.ContinueOnError)
	pos, err := parseInterleaved(flags, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return &usageError{"need exactly one artifact"}
	}
	path := pos[0]
	data, err := readArtifactBytes(path)
	if err != nil {
		return err
	}
	man, secs, err := artifact.Decode(data)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if man.Build == nil || len(man.Build.Sources) == 0 {
		return fmt.Errorf("%s records no sources to rebuild from (it was built from IR, or by a dlc older than dlc verify)", path)
	}
	main, files, err := recordedSources(man.Build, secs)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	read := func(p string) ([]byte, error) {
		if b, ok := files[p]; ok {
			return b, nil
		}
		return nil, fmt.Errorf("%s is not among the sources the artifact records: %w", p, fs.ErrNotExist)
	}
	low, err := compiler.ParsePrecision(man.Build.Precision)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	contract, err := compiler.ManifestFPContract(man)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	opt := compiler.Options{CPU: man.Build.CPU, GPU: man.Build.GPU, Precision: low, FPContract: contract, ReadFile: read}
	rebuilt, rman, err := compiler.Build(context.Background(), main.Name, secs[main.Section], opt)
	if err != nil {
		return fmt.Errorf("rebuilding %s from its sources: %w", path, err)
	}
	if bytes.Equal(rebuilt, data) {
		files := "source files"
		if len(man.Build.Sources) == 1 {
			files = "source file"
		}
		fmt.Fprintf(stdout, "%s: verified: rebuilt byte for byte from its %d %s by dlc %s with %s\n", path, len(man.Build.Sources), files, rman.Build.DLC, joinComma(rman.Build.Tools))
		return nil
	}
	diffs := artifactDiffs(man, secs, rman, rebuilt)
	fmt.Fprintf(stdout, "%s: differs from its rebuild:\n", path)
	for _, d := range diffs {
		fmt.Fprintln(stdout, "  "+d)
	}
	return fmt.Errorf("%s is not what its sources build to here (%d differences)", filepath.Base(path), len(diffs))
}

// readArtifactBytes reads an artifact file.
func readArtifactBytes(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%s: no such artifact", path)
	}
	return b, err
}

// recordedSources checks the recorded sources against their hashes and
// returns the main file and the text of every file read through the file
// system (standard library files come from dlc itself).
func recordedSources(b *artifact.BuildInfo, secs map[string][]byte) (artifact.SourceFile, map[string][]byte, error) {
	files := map[string][]byte{}
	for _, f := range b.Sources {
		data, ok := secs[f.Section]
		if !ok {
			return artifact.SourceFile{}, nil, fmt.Errorf("source %s: section %s is missing", f.Name, f.Section)
		}
		sum := sha256.Sum256(data)
		if hex.EncodeToString(sum[:]) != f.SHA256 {
			return artifact.SourceFile{}, nil, fmt.Errorf("source %s: section %s does not match its recorded SHA-256", f.Name, f.Section)
		}
		if !f.Std {
			files[f.Name] = data
		}
	}
	return b.Sources[0], files, nil
}

// artifactDiffs lists what differs between an artifact and its rebuild: the
// toolchain and target first (the likely causes), then the sources, the
// manifest and every section.
func artifactDiffs(old *artifact.Manifest, oldSecs map[string][]byte, now *artifact.Manifest, rebuilt []byte) []string {
	var d []string
	ob, nb := old.Build, now.Build
	if ob.DLC != nb.DLC {
		d = append(d, fmt.Sprintf("dlc: built by %s, rebuilt by %s", ob.DLC, nb.DLC))
	}
	if !reflect.DeepEqual(ob.Tools, nb.Tools) {
		d = append(d, fmt.Sprintf("tools: built with %s, rebuilt with %s", joinComma(ob.Tools), joinComma(nb.Tools)))
	}
	if !reflect.DeepEqual(old.Targets, now.Targets) {
		for i := range max(len(old.Targets), len(now.Targets)) {
			var o, n artifact.Target
			if i < len(old.Targets) {
				o = old.Targets[i]
			}
			if i < len(now.Targets) {
				n = now.Targets[i]
			}
			if o.Arch != n.Arch || !reflect.DeepEqual(o.Features, n.Features) {
				d = append(d, fmt.Sprintf("target %s: built for %s, rebuilt for %s (-cpu %q)", o.Kind, o.Arch, n.Arch, ob.CPU))
			}
		}
	}
	for i, f := range nb.Sources {
		if i < len(ob.Sources) && ob.Sources[i].SHA256 != f.SHA256 {
			d = append(d, fmt.Sprintf("source %s: recorded text differs from what this dlc read (a standard library file of another dlc?)", f.Name))
		}
	}
	if !reflect.DeepEqual(old.Functions, now.Functions) {
		d = append(d, "manifest: the functions or kernels described differ (dlc inspect both)")
	}
	_, newSecs, err := artifact.Decode(rebuilt)
	if err != nil {
		return append(d, "the rebuild does not decode: "+err.Error())
	}
	d = append(d, sectionDiffs(oldSecs, newSecs)...)
	if len(d) == 0 {
		d = append(d, "the bytes differ, but no section or field does: the manifest's encoding differs")
	}
	return d
}

// sectionDiffs says which sections differ, are missing or are new, with
// their sizes and the first differing byte.
func sectionDiffs(old, now map[string][]byte) []string {
	names := map[string]bool{}
	for n := range old {
		names[n] = true
	}
	for n := range now {
		names[n] = true
	}
	var sorted []string
	for n := range names {
		sorted = append(sorted, n)
	}
	sort.Strings(sorted)
	var d []string
	for _, n := range sorted {
		o, inOld := old[n]
		b, inNew := now[n]
		switch {
		case !inNew:
			d = append(d, fmt.Sprintf("section %s: in the artifact, not in the rebuild", n))
		case !inOld:
			d = append(d, fmt.Sprintf("section %s: in the rebuild, not in the artifact", n))
		case !bytes.Equal(o, b):
			at := 0
			for at < len(o) && at < len(b) && o[at] == b[at] {
				at++
			}
			d = append(d, fmt.Sprintf("section %s: %d bytes, rebuilt %d bytes, first difference at byte %d", n, len(o), len(b), at))
		}
	}
	return d
}

func joinComma(s []string) string {
	if len(s) == 0 {
		return "no tools recorded"
	}
	out := s[0]
	for _, x := range s[1:] {
		out += ", " + x
	}
	return out
}
