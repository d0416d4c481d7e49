// This file keys builds for the build cache and explains its misses. A key
// covers everything an artifact depends on: the source and every file it
// imports (standard library included), dlc's own build (Identity), every
// backend's tools and resolved target, and every option that changes output.
//
// Which files a source imports is known only once it is parsed, so a lookup
// takes two steps: the first-level key (everything but the imports) finds
// the list of imports the last build of it read, with their hashes; when
// every one of them still hashes the same, the second-level key (the first
// plus that list) finds the artifact.
package compiler

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"

	"dlc.dev/dlc/artifact"
	"dlc.dev/dlc/codegen"
	"dlc.dev/dlc/internal/buildcache"
	"dlc.dev/dlc/ir"
	"dlc.dev/dlc/stdlib"
)

// cacheInputs are what a cached artifact was built from. They are recorded
// per source path, so that a miss can say which one changed.
type cacheInputs struct {
	Compiler string     `json:"compiler"` // Identity()
	Backends []string   `json:"backends"` // each backend's identity: tools and target
	Flags    []string   `json:"flags"`    // options that change output, "name=value"
	Source   fileHash   `json:"source"`
	Imports  []fileHash `json:"imports,omitempty"`
}

// fileHash is a file a build read, by the name positions give it.
type fileHash struct {
	Name   string `json:"name"`
	Std    bool   `json:"std,omitempty"`
	SHA256 string `json:"sha256"`
}

func sha256Hex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// key is the first-level key: everything but the imports.
func (in *cacheInputs) key() string {
	parts := []string{"dlc build v1", in.Compiler}
	parts = append(parts, in.Backends...)
	parts = append(parts, "flags")
	parts = append(parts, in.Flags...)
	return buildcache.Key(append(parts, in.Source.Name, in.Source.SHA256)...)
}

// outputKey is the second-level key: key with the imports.
func (in *cacheInputs) outputKey() string {
	parts := []string{in.key()}
	for _, f := range in.Imports {
		parts = append(parts, f.Name, fmt.Sprint(f.Std), f.SHA256)
	}
	return buildcache.Key(parts...)
}

// lastKey names the record of the last build of the source path.
func (in *cacheInputs) lastKey() string {
	name := in.Source.Name
	if abs, err := filepath.Abs(name); err == nil {
		name = abs
	}
	return buildcache.Key("last build of", name)
}

// newCacheInputs are the inputs of a build of filename (text src) with the
// given backends, before the imports are known.
func newCacheInputs(filename string, src []byte, opt Options, backends []backend) (*cacheInputs, error) {
	id, err := Identity()
	if err != nil {
		return nil, err
	}
	in := &cacheInputs{Compiler: id, Source: fileHash{Name: filename, SHA256: sha256Hex(src)}}
	for _, b := range backends {
		in.Backends = append(in.Backends, b.identity())
	}
	cpu := opt.CPU
	if cpu == "" {
		cpu = "default"
	}
	in.Flags = []string{"cpu=" + cpu, "gpu=" + opt.GPU}
	if opt.Precision != ir.Invalid {
		// Only when on, so that the keys of builds without it stay the same.
		in.Flags = append(in.Flags, "precision="+opt.Precision.String())
	}
	if opt.FPContract != codegen.ContractOff {
		// Likewise only when on.
		in.Flags = append(in.Flags, "fp-contract="+opt.FPContract.String())
	}
	return in, nil
}

// cacheLookup returns the cached artifact for in, completing in.Imports,
// or nil and why there is none.
func cacheLookup(c *buildcache.Cache, in *cacheInputs, opt Options) ([]byte, *artifact.Manifest, string) {
	deps, err := c.Get(buildcache.KindDeps, in.key())
	if err != nil {
		return nil, nil, explainMiss(c, in, err)
	}
	var variants [][]fileHash
	if err := json.Unmarshal(deps, &variants); err != nil {
		return nil, nil, "the list of imports in the cache does not decode: " + err.Error()
	}
	why := "no list of imports in the cache"
	now := map[string]string{} // hashes of the files read now, by name
	for i, imports := range variants {
		changed := changedImport(imports, opt, now)
		if changed != "" {
			if i == 0 {
				why = changed
			}
			continue
		}
		in.Imports = imports
		b, err := c.Get(buildcache.KindOutput, in.outputKey())
		if err != nil {
			return nil, nil, explainMiss(c, in, err)
		}
		man, _, err := artifact.Decode(b)
		if err != nil {
			return nil, nil, "the cached artifact does not decode (" + err.Error() + ")"
		}
		return b, man, ""
	}
	return nil, nil, why
}

// changedImport says which of imports (from an earlier build) reads
// differently now, or "" when none does. now caches the hashes of the files
// read so far.
func changedImport(imports []fileHash, opt Options, now map[string]string) string {
	for _, f := range imports {
		h, ok := now[f.Name]
		if !ok {
			data, err := readSource(f, opt)
			if err != nil {
				return fmt.Sprintf("import %s cannot be read now (%v)", f.Name, err)
			}
			h = sha256Hex(data)
			now[f.Name] = h
		}
		if h != f.SHA256 {
			return fmt.Sprintf("import %s changed", f.Name)
		}
	}
	return ""
}

// readSource reads a file a build read before, as the frontend would.
func readSource(f fileHash, opt Options) ([]byte, error) {
	if f.Std {
		return fs.ReadFile(stdlib.FS(), strings.TrimPrefix(f.Name, "std/")) // the frontend names them std/PATH
	}
	read := opt.ReadFile
	if read == nil {
		return os.ReadFile(f.Name)
	}
	return read(f.Name)
}

// explainMiss says why there is no entry for in: a corrupt entry, or the
// first input that differs from the last build of the same source path.
func explainMiss(c *buildcache.Cache, in *cacheInputs, err error) string {
	if errors.Is(err, buildcache.ErrCorrupt) {
		return "the cache entry was corrupt (its checksum does not match); it is removed and rebuilt"
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return "the cache cannot be read: " + err.Error()
	}
	b, err := c.Get(buildcache.KindLast, in.lastKey())
	var last cacheInputs
	if err != nil || json.Unmarshal(b, &last) != nil {
		return "nothing built from " + in.Source.Name + " is in the cache"
	}
	switch {
	case last.Source.SHA256 != in.Source.SHA256:
		return "the source " + in.Source.Name + " changed"
	case last.Compiler != in.Compiler:
		return fmt.Sprintf("the compiler changed: this dlc is build %s, the cached entry is from %s", in.Compiler, last.Compiler)
	}
	if d := firstDifference("flag", last.Flags, in.Flags); d != "" {
		return d
	}
	if d := firstDifference("backend", last.Backends, in.Backends); d != "" {
		return d
	}
	return "the entry was trimmed from the cache"
}

// firstDifference says which of two lists of "name=value" items differ
// first, or "" when they are the same.
func firstDifference(what string, old, now []string) string {
	for i := 0; i < len(old) || i < len(now); i++ {
		var o, n string
		if i < len(old) {
			o = old[i]
		}
		if i < len(now) {
			n = now[i]
		}
		if o == n {
			continue
		}
		name, _, _ := strings.Cut(n, "=")
		if name == "" {
			name, _, _ = strings.Cut(o, "=")
		}
		return fmt.Sprintf("%s %s changed: was %q, now %q", what, name, o, n)
	}
	return ""
}

// maxImportVariants is how many lists of imports are kept under one
// first-level key: going back to an earlier version of an import finds the
// earlier build.
const maxImportVariants = 8

// cacheStore records a build: its artifact under the full key, its imports
// under the first-level key (first among the lists kept there), its inputs
// as the last build of the source path; then trims the cache to its limit.
// Two builds storing under one key at once may drop one list of imports:
// that costs a later build a miss, never a wrong artifact.
func cacheStore(c *buildcache.Cache, in *cacheInputs, files []sourceFile, b []byte) error {
	in.Imports = nil
	for _, f := range files[1:] {
		in.Imports = append(in.Imports, fileHash{Name: f.name, Std: f.std, SHA256: sha256Hex(f.data)})
	}
	variants := [][]fileHash{in.Imports}
	if old, err := c.Get(buildcache.KindDeps, in.key()); err == nil {
		var vs [][]fileHash
		if json.Unmarshal(old, &vs) == nil {
			for _, v := range vs {
				if len(variants) < maxImportVariants && !reflect.DeepEqual(v, in.Imports) {
					variants = append(variants, v)
				}
			}
		}
	}
	deps, err := json.Marshal(variants)
	if err != nil {
		return err
	}
	last, err := json.Marshal(in)
	if err != nil {
		return err
	}
	if err := c.Put(buildcache.KindOutput, in.outputKey(), b); err != nil {
		return err
	}
	if err := c.Put(buildcache.KindDeps, in.key(), deps); err != nil {
		return err
	}
	if err := c.Put(buildcache.KindLast, in.lastKey(), last); err != nil {
		return err
	}
	_, _, err = c.Trim(c.Limit())
	return err
}
