// Package buildcache stores build outputs on disk under content keys. An entry
// is written atomically (a temporary file renamed into place), so builds that
// run at once never see a partial one; it starts with the SHA-256 of its
// payload, so a corrupt entry is found and never used. Reading an entry marks
// it used; Trim removes the least recently used ones down to a size limit.
//
// The cache knows nothing of what it stores: the compiler decides what goes
// into a key (see compiler.Options.Cache).
package buildcache

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"dlc.dev/dlc/internal/atomicfile"
)

// DefaultLimit is the size a cache is trimmed to when no limit is given.
const DefaultLimit = 1 << 30

// Env names the environment variables that configure the default cache.
const (
	EnvDir   = "DLC_CACHE"       // the cache directory; "off" disables caching
	EnvLimit = "DLC_CACHE_LIMIT" // the size limit, as ParseSize reads it
)

// Cache is a build cache in one directory.
type Cache struct {
	dir   string
	limit int64
}

// ErrCorrupt is returned by Get for an entry whose checksum does not match;
// the entry has been removed.
var ErrCorrupt = errors.New("cache entry is corrupt")

// Open returns the cache in dir, creating the directory if needed; limit is
// its size bound in bytes (DefaultLimit when 0 or less).
func Open(dir string, limit int64) (*Cache, error) {
	if limit <= 0 {
		limit = DefaultLimit
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("build cache: %w", err)
	}
	return &Cache{dir: dir, limit: limit}, nil
}

// DefaultDir is the cache directory to use: $DLC_CACHE when set, else dlc
// under the user's cache directory (os.UserCacheDir). getenv reads the
// environment. It returns "" when $DLC_CACHE is "off".
func DefaultDir(getenv func(string) string) (string, error) {
	if d := getenv(EnvDir); d != "" {
		if d == "off" {
			return "", nil
		}
		return d, nil
	}
	base, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("build cache: %w (set %s)", err, EnvDir)
	}
	return filepath.Join(base, "dlc"), nil
}

// ParseSize reads a size such as 1073741824, 512M or 2G (K, M, G, T are
// powers of 1024).
func ParseSize(s string) (int64, error) {
	mult := int64(1)
	t := strings.ToUpper(strings.TrimSpace(s))
	t = strings.TrimSuffix(t, "B")
	if n := len(t); n > 0 {
		if i := strings.IndexByte("KMGT", t[n-1]); i >= 0 {
			mult = int64(1) << (10 * (i + 1))
			t = t[:n-1]
		}
	}
	n, err := strconv.ParseInt(t, 10, 64)
	if err != nil || n <= 0 || n > (1<<62)/mult {
		return 0, fmt.Errorf("%q is not a size (say 512M or 2G)", s)
	}
	return n * mult, nil
}

// Dir is the directory of the cache.
func (c *Cache) Dir() string { return c.dir }

// Limit is the size the cache is trimmed to.
func (c *Cache) Limit() int64 { return c.limit }

// Key is the SHA-256 of parts, each length-prefixed so that no two lists of
// parts share a key.
func Key(parts ...string) string {
	h := sha256.New()
	for _, p := range parts {
		fmt.Fprintf(h, "%d:%s;", len(p), p)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// Kinds of entries, each in its own subdirectory.
const (
	KindOutput = "o" // build outputs
	KindDeps   = "d" // what else a build read, under its first-level key
	KindLast   = "l" // the inputs of the last build of a source path, for explanations
	KindMemo   = "m" // small facts that are slow to find (the host CPU as LLVM names it)
)

func (c *Cache) path(kind, key string) string {
	return filepath.Join(c.dir, kind, key)
}

// Get returns the payload stored under kind and key. A missing entry is an
// error satisfying errors.Is(err, fs.ErrNotExist); a corrupt one is removed
// and reported as ErrCorrupt.
func (c *Cache) Get(kind, key string) ([]byte, error) {
	p := c.path(kind, key)
	b, err := os.ReadFile(p)
	if err != nil {
		return nil, err
	}
	if len(b) < sha256.Size {
		os.Remove(p)
		return nil, ErrCorrupt
	}
	sum := sha256.Sum256(b[sha256.Size:])
	if !bytes.Equal(sum[:], b[:sha256.Size]) {
		os.Remove(p)
		return nil, ErrCorrupt
	}
	now := time.Now()
	_ = os.Chtimes(p, now, now) // used now: trimmed last
	return b[sha256.Size:], nil
}

// Put stores payload under kind and key atomically.
func (c *Cache) Put(kind, key string, payload []byte) error {
	if err := os.MkdirAll(filepath.Join(c.dir, kind), 0o755); err != nil {
		return fmt.Errorf("build cache: %w", err)
	}
	sum := sha256.Sum256(payload)
	err := atomicfile.Write(c.path(kind, key), func(w io.Writer) error {
		if _, err := w.Write(sum[:]); err != nil {
			return err
		}
		_, err := w.Write(payload)
		return err
	})
	if err != nil {
		return fmt.Errorf("build cache: %w", err)
	}
	return nil
}

// Memo returns the fact stored under key, computing and storing it when
// there is none.
func (c *Cache) Memo(key string, compute func() (string, error)) (string, error) {
	if b, err := c.Get(KindMemo, key); err == nil {
		return string(b), nil
	}
	v, err := compute()
	if err != nil {
		return "", err
	}
	return v, c.Put(KindMemo, key, []byte(v))
}

// Entry is one file of the cache.
type Entry struct {
	Kind string
	Key  string
	Size int64
	Used time.Time
}

// Entries lists every entry, least recently used first.
func (c *Cache) Entries() ([]Entry, error) {
	var es []Entry
	for _, kind := range []string{KindOutput, KindDeps, KindLast, KindMemo} {
		des, err := os.ReadDir(filepath.Join(c.dir, kind))
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("build cache: %w", err)
		}
		for _, de := range des {
			if strings.HasPrefix(de.Name(), ".") {
				continue // a temporary file being written
			}
			info, err := de.Info()
			if err != nil {
				continue // removed meanwhile
			}
			es = append(es, Entry{kind, de.Name(), info.Size(), info.ModTime()})
		}
	}
	sort.SliceStable(es, func(i, j int) bool { return es[i].Used.Before(es[j].Used) })
	return es, nil
}

// Size is the total size of the entries.
func Size(es []Entry) int64 {
	var n int64
	for _, e := range es {
		n += e.Size
	}
	return n
}

// Trim removes the least recently used entries until the cache holds at
// most limit bytes, and returns how many it removed and their size.
func (c *Cache) Trim(limit int64) (removed int, freed int64, err error) {
	es, err := c.Entries()
	if err != nil {
		return 0, 0, err
	}
	total := Size(es)
	for _, e := range es {
		if total <= limit {
			break
		}
		if err := os.Remove(c.path(e.Kind, e.Key)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return removed, freed, fmt.Errorf("build cache: %w", err)
		}
		total -= e.Size
		removed++
		freed += e.Size
	}
	return removed, freed, nil
}

// Clear removes every entry.
func (c *Cache) Clear() error {
	for _, kind := range []string{KindOutput, KindDeps, KindLast, KindMemo} {
		if err := os.RemoveAll(filepath.Join(c.dir, kind)); err != nil {
			return fmt.Errorf("build cache: %w", err)
		}
	}
	return nil
}
