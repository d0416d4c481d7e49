// This file tests the build cache as Build uses it: hits, misses and their
// explanations, corrupt entries, and concurrent builds.
package compiler

import (
	"bytes"
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"dlc.dev/dlc/codegen"
	"dlc.dev/dlc/internal/buildcache"
	"dlc.dev/dlc/ir"
)

// cachedProgram is a main file that imports a local file, which imports the
// standard library.
var cachedProgram = map[string]string{
	"main.dl": `import "lib/helpers"

kernel train(w: f32[N], g: f32[N], m: f32[N]) -> (w_new: f32[N], m_new: f32[N]) {
    w_new, m_new = lion_twice(w, g, m)
}
`,
	"lib/helpers.dl": `import "std/optim/lion"

kernel lion_twice(w: f32[N], g: f32[N], m: f32[N]) -> (w_new: f32[N], m_new: f32[N]) {
    let w1, m1 = lion(w, g, m)
    w_new, m_new = lion(w1, g, m1, beta1=0.95, beta2=0.98)
}
`,
}

// cachedBuild builds main.dl of files with cache c and returns the artifact
// and what the cache said.
func cachedBuild(t *testing.T, c *buildcache.Cache, files map[string]string, cpu string) ([]byte, string) {
	t.Helper()
	return cachedBuildWith(t, c, files, Options{CPU: cpu})
}

// cachedBuildWith is cachedBuild with the other options of opt.
func cachedBuildWith(t *testing.T, c *buildcache.Cache, files map[string]string, opt Options) ([]byte, string) {
	t.Helper()
	var said []string
	opt.Cache = c
	opt.ExplainCache = func(l string) { said = append(said, l) }
	opt.ReadFile = func(p string) ([]byte, error) {
		if s, ok := files[filepath.ToSlash(p)]; ok {
			return []byte(s), nil
		}
		return nil, fs.ErrNotExist
	}
	b, _, err := Build(context.Background(), "main.dl", []byte(files["main.dl"]), opt)
	require.NoError(t, err)
	return b, strings.Join(said, "\n")
}

func TestCacheExplainsMisses(t *testing.T) {
	needTools(t)
	c, err := buildcache.Open(t.TempDir(), 0)
	require.NoError(t, err)
	files := map[string]string{}
	for k, v := range cachedProgram {
		files[k] = v
	}
	first, said := cachedBuild(t, c, files, "")
	require.Equal(t, "miss: nothing built from main.dl is in the cache", said)
	again, said := cachedBuild(t, c, files, "")
	require.True(t, strings.HasPrefix(said, "hit: "), said)
	require.Equal(t, first, again)

	files["lib/helpers.dl"] += "\n// a comment\n"
	_, said = cachedBuild(t, c, files, "")
	require.Equal(t, "miss: import lib/helpers.dl changed", said)
	_, said = cachedBuild(t, c, files, "")
	require.True(t, strings.HasPrefix(said, "hit: "), said)

	files["main.dl"] += "\n"
	_, said = cachedBuild(t, c, files, "")
	require.Equal(t, "miss: the source main.dl changed", said)

	_, said = cachedBuild(t, c, files, "x86-64-v4")
	require.Equal(t, `miss: flag cpu changed: was "cpu=default", now "cpu=x86-64-v4"`, said)

	// Going back finds the earlier entries.
	files["main.dl"] = cachedProgram["main.dl"]
	files["lib/helpers.dl"] = cachedProgram["lib/helpers.dl"]
	again, said = cachedBuild(t, c, files, "")
	require.True(t, strings.HasPrefix(said, "hit: "), said)
	require.Equal(t, first, again)
}

// TestCachePrecisionIsAFlag checks that a -precision bf16 build after an f32
// build of the same file misses, naming the flag, and that each then hits.
func TestCachePrecisionIsAFlag(t *testing.T) {
	needTools(t)
	c, err := buildcache.Open(t.TempDir(), 0)
	require.NoError(t, err)
	files := map[string]string{"main.dl": `kernel dense(x: f32[B, K], w: f32[K, M]) -> (y: f32[B, M]) {
    y = x @ w
}
`}
	f32, said := cachedBuildWith(t, c, files, Options{})
	require.Equal(t, "miss: nothing built from main.dl is in the cache", said)
	bf16, said := cachedBuildWith(t, c, files, Options{Precision: ir.BF16})
	require.Equal(t, `miss: flag precision changed: was "", now "precision=bf16"`, said)
	require.NotEqual(t, f32, bf16, "the bf16 build reads 16-bit copies of x and w")
	again, said := cachedBuildWith(t, c, files, Options{Precision: ir.BF16})
	require.True(t, strings.HasPrefix(said, "hit: "), said)
	require.Equal(t, bf16, again)
	again, said = cachedBuildWith(t, c, files, Options{})
	require.True(t, strings.HasPrefix(said, "hit: "), said)
	require.Equal(t, f32, again)
}

// TestCacheFPContractIsAFlag checks that a -fp-contract fast build after a
// default build of the same file misses, naming the flag, that each then
// hits, and that the default build's key has no fp-contract in it, so that
// its entries from before the option are still found.
func TestCacheFPContractIsAFlag(t *testing.T) {
	needTools(t)
	c, err := buildcache.Open(t.TempDir(), 0)
	require.NoError(t, err)
	off, said := cachedBuildWith(t, c, cachedProgram, Options{})
	require.Equal(t, "miss: nothing built from main.dl is in the cache", said)
	fast, said := cachedBuildWith(t, c, cachedProgram, Options{FPContract: codegen.ContractFast})
	require.Equal(t, `miss: flag fp-contract changed: was "", now "fp-contract=fast"`, said)
	require.NotEqual(t, off, fast, "Lion's multiply-adds are fused")
	again, said := cachedBuildWith(t, c, cachedProgram, Options{FPContract: codegen.ContractFast})
	require.True(t, strings.HasPrefix(said, "hit: "), said)
	require.Equal(t, fast, again)
	again, said = cachedBuildWith(t, c, cachedProgram, Options{})
	require.True(t, strings.HasPrefix(said, "hit: "), said)
	require.Equal(t, off, again)
	in, err := newCacheInputs("main.dl", []byte(cachedProgram["main.dl"]), Options{}, nil)
	require.NoError(t, err)
	require.Equal(t, []string{"cpu=default", "gpu="}, in.Flags)
}

func TestCacheCorruptEntryIsRebuilt(t *testing.T) {
	needTools(t)
	c, err := buildcache.Open(t.TempDir(), 0)
	require.NoError(t, err)
	first, _ := cachedBuild(t, c, cachedProgram, "")
	es, err := c.Entries()
	require.NoError(t, err)
	n := 0
	for _, e := range es {
		if e.Kind != buildcache.KindOutput {
			continue
		}
		p := filepath.Join(c.Dir(), e.Kind, e.Key)
		b, err := os.ReadFile(p)
		require.NoError(t, err)
		b[len(b)/2] ^= 0x40
		require.NoError(t, os.WriteFile(p, b, 0o644))
		n++
	}
	require.Equal(t, 1, n)
	again, said := cachedBuild(t, c, cachedProgram, "")
	require.Contains(t, said, "miss: the cache entry was corrupt")
	require.Equal(t, first, again)
	_, said = cachedBuild(t, c, cachedProgram, "")
	require.True(t, strings.HasPrefix(said, "hit: "), said)
}

func TestCacheConcurrentBuilds(t *testing.T) {
	needTools(t)
	c, err := buildcache.Open(t.TempDir(), 0)
	require.NoError(t, err)
	const n = 4
	out := make([][]byte, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			out[i], _ = cachedBuild(t, c, cachedProgram, "")
		}()
	}
	wg.Wait()
	for i := range n {
		require.True(t, bytes.Equal(out[0], out[i]), "build %d differs", i)
	}
	b, said := cachedBuild(t, c, cachedProgram, "")
	require.True(t, strings.HasPrefix(said, "hit: "), said)
	require.Equal(t, out[0], b)
}

func TestCacheTrimmedToLimit(t *testing.T) {
	needTools(t)
	c, err := buildcache.Open(t.TempDir(), 4096)
	require.NoError(t, err)
	cachedBuild(t, c, cachedProgram, "")
	es, err := c.Entries()
	require.NoError(t, err)
	require.LessOrEqual(t, buildcache.Size(es), int64(4096))
	_, said := cachedBuild(t, c, cachedProgram, "")
	require.True(t, strings.HasPrefix(said, "miss: "), "an artifact over the limit is not kept: %s", said)
}
