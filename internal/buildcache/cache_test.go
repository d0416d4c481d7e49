// This file tests the cache's entries: checksums, trimming and clearing.
package buildcache

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestPutGet(t *testing.T) {
	c, err := Open(t.TempDir(), 0)
	require.NoError(t, err)
	_, err = c.Get(KindOutput, Key("a"))
	require.True(t, errors.Is(err, fs.ErrNotExist), "%v", err)
	require.NoError(t, c.Put(KindOutput, Key("a"), []byte("payload")))
	b, err := c.Get(KindOutput, Key("a"))
	require.NoError(t, err)
	require.Equal(t, "payload", string(b))
}

func TestCorruptEntry(t *testing.T) {
	c, err := Open(t.TempDir(), 0)
	require.NoError(t, err)
	k := Key("a")
	require.NoError(t, c.Put(KindOutput, k, []byte("payload")))
	p := filepath.Join(c.Dir(), KindOutput, k)
	b, err := os.ReadFile(p)
	require.NoError(t, err)
	b[len(b)-1] ^= 1
	require.NoError(t, os.WriteFile(p, b, 0o644))
	_, err = c.Get(KindOutput, k)
	require.ErrorIs(t, err, ErrCorrupt)
	require.NoFileExists(t, p, "a corrupt entry is removed")

	require.NoError(t, os.WriteFile(p, []byte("short"), 0o644))
	_, err = c.Get(KindOutput, k)
	require.ErrorIs(t, err, ErrCorrupt)
}

func TestKeyParts(t *testing.T) {
	require.NotEqual(t, Key("ab", "c"), Key("a", "bc"))
	require.Equal(t, Key("a", "b"), Key("a", "b"))
}

func TestTrimLeastRecentlyUsed(t *testing.T) {
	c, err := Open(t.TempDir(), 0)
	require.NoError(t, err)
	payload := make([]byte, 1000)
	old := time.Now().Add(-time.Hour)
	for i, k := range []string{"a", "b", "c"} {
		require.NoError(t, c.Put(KindOutput, Key(k), payload))
		at := old.Add(time.Duration(i) * time.Minute)
		require.NoError(t, os.Chtimes(filepath.Join(c.Dir(), KindOutput, Key(k)), at, at))
	}
	_, err = c.Get(KindOutput, Key("a")) // a is now the most recently used
	require.NoError(t, err)
	n, freed, err := c.Trim(2100)
	require.NoError(t, err)
	require.Equal(t, 1, n)
	require.Equal(t, int64(1000+32), freed)
	_, err = c.Get(KindOutput, Key("b"))
	require.True(t, errors.Is(err, fs.ErrNotExist), "b was the least recently used")
	for _, k := range []string{"a", "c"} {
		_, err = c.Get(KindOutput, Key(k))
		require.NoError(t, err)
	}
	require.NoError(t, c.Clear())
	es, err := c.Entries()
	require.NoError(t, err)
	require.Empty(t, es)
}

func TestParseSize(t *testing.T) {
	for s, want := range map[string]int64{"1000": 1000, "512M": 512 << 20, "2G": 2 << 30, "64k": 64 << 10, "1GB": 1 << 30} {
		got, err := ParseSize(s)
		require.NoError(t, err, s)
		require.Equal(t, want, got, s)
	}
	for _, s := range []string{"", "-1", "0", "big", "1X", "99999999999T"} {
		_, err := ParseSize(s)
		require.Error(t, err, s)
	}
}

func TestDefaultDir(t *testing.T) {
	env := map[string]string{EnvDir: "/somewhere"}
	d, err := DefaultDir(func(k string) string { return env[k] })
	require.NoError(t, err)
	require.Equal(t, "/somewhere", d)
	env[EnvDir] = "off"
	d, err = DefaultDir(func(k string) string { return env[k] })
	require.NoError(t, err)
	require.Equal(t, "", d)
}
