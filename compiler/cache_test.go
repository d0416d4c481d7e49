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

	"dlc.dev/dlc/internal/buildcache"
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
	var said []string
	opt := Options{
		CPU:          cpu,
		Cache:        c,
		ExplainCache: func(l string) { said = append(said, l) },
		ReadFile: func(p string) ([]byte, error) {
			if s, ok := files[filepath.ToSlash(p)]; ok {
				return []byte(s), nil
			}
			return nil, fs.ErrNotExist
		},
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
