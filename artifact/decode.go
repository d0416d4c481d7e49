// This file reads the .dla container back, validating every length and checksum
// before trusting it, so a foreign, truncated or corrupt file is an error, never a crash.
package artifact

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
)

// Errors that Decode wraps, so callers (a build cache, say) can tell them apart with errors.Is.
var (
	ErrNotArtifact = errors.New("not a dlc artifact")
	ErrVersion     = errors.New("unsupported artifact format version")
	ErrTruncated   = errors.New("artifact is truncated")
	ErrCorrupt     = errors.New("artifact is corrupt")
)

// VersionError reports an artifact written in another format version by an older
// or a newer dlc. It matches ErrVersion under errors.Is.
type VersionError struct {
	Version int // the version the file declares
}

func (e *VersionError) Error() string {
	if e.Version < FormatVersion {
		return fmt.Sprintf("artifact built by an older dlc (format %d); rebuild it with this dlc (format %d)", e.Version, FormatVersion)
	}
	return fmt.Sprintf("artifact built by a newer dlc (format %d); this dlc reads format %d, so load it with that dlc or a newer one", e.Version, FormatVersion)
}

// Is makes errors.Is(err, ErrVersion) hold.
func (e *VersionError) Is(target error) bool { return target == ErrVersion }

// maxPlausibleVersion separates a newer dlc's artifact from a damaged version field.
const maxPlausibleVersion = 1 << 16

// Decode parses an artifact and returns its manifest and sections.
//
// Every length is checked against the file size before it is used, then the trailer
// checksum, each section's SHA-256 and the content hash. The section slices alias b.
func Decode(b []byte) (*Manifest, map[string][]byte, error) {
	if len(b) < len(magic) {
		if len(b) > 0 && bytes.HasPrefix([]byte(magic), b) {
			return nil, nil, fmt.Errorf("%w (%d bytes)", ErrTruncated, len(b))
		}
		return nil, nil, fmt.Errorf("%w (file of %d bytes)", ErrNotArtifact, len(b))
	}
	if string(b[:len(magic)]) != magic {
		return nil, nil, fmt.Errorf("%w (it starts with %q)", ErrNotArtifact, b[:len(magic)])
	}
	if len(b) < len(magic)+4 {
		return nil, nil, fmt.Errorf("%w (%d bytes)", ErrTruncated, len(b))
	}
	version := binary.LittleEndian.Uint32(b[4:])
	if version != FormatVersion {
		if version == 0 || version >= maxPlausibleVersion {
			return nil, nil, fmt.Errorf("%w (bad format version %d)", ErrCorrupt, version)
		}
		return nil, nil, &VersionError{Version: int(version)}
	}
	if len(b) < headerSize {
		return nil, nil, fmt.Errorf("%w (%d bytes)", ErrTruncated, len(b))
	}
	total := binary.LittleEndian.Uint64(b[8:])
	switch {
	case total > uint64(len(b)):
		return nil, nil, fmt.Errorf("%w (%d of %d bytes)", ErrTruncated, len(b), total)
	case total < uint64(len(b)):
		return nil, nil, fmt.Errorf("%w (%d unexpected bytes after its end)", ErrCorrupt, uint64(len(b))-total)
	case total < headerSize+trailerSize:
		return nil, nil, fmt.Errorf("%w (impossible length %d)", ErrCorrupt, total)
	}
	body := b[:len(b)-trailerSize]
	sum := sha256.Sum256(body)
	if !bytes.Equal(sum[:], b[len(body):]) {
		return nil, nil, fmt.Errorf("%w (checksum mismatch)", ErrCorrupt)
	}

	// The checksum only proves the bytes are what some writer wrote; keep checking
	// every length so a crafted file cannot make us slice out of bounds.
	r := reader{b: body, off: headerSize - 8}
	mlen, err := r.u64("manifest length")
	if err != nil {
		return nil, nil, err
	}
	mj, err := r.bytes(mlen, "manifest")
	if err != nil {
		return nil, nil, err
	}
	var names []string
	sections := map[string][]byte{}
	for r.off < len(r.b) {
		nlen, err := r.u32("section name length")
		if err != nil {
			return nil, nil, err
		}
		if nlen == 0 || nlen > maxSectionName {
			return nil, nil, fmt.Errorf("%w (section name length %d)", ErrCorrupt, nlen)
		}
		nb, err := r.bytes(uint64(nlen), "section name")
		if err != nil {
			return nil, nil, err
		}
		name := string(nb)
		if err := checkSectionName(name); err != nil {
			return nil, nil, fmt.Errorf("%w (%v)", ErrCorrupt, err)
		}
		if len(names) > 0 && name <= names[len(names)-1] {
			return nil, nil, fmt.Errorf("%w (section %q out of order or repeated)", ErrCorrupt, name)
		}
		dlen, err := r.u64("section " + name + " length")
		if err != nil {
			return nil, nil, err
		}
		data, err := r.bytes(dlen, "section "+name)
		if err != nil {
			return nil, nil, err
		}
		names = append(names, name)
		sections[name] = data
	}

	m := &Manifest{}
	if err := json.Unmarshal(mj, m); err != nil {
		return nil, nil, fmt.Errorf("%w (manifest: %v)", ErrCorrupt, err)
	}
	// Only Encode's serialization is accepted, so the bytes the content hash covers
	// are the bytes on disk (json.Unmarshal alone would accept other spellings).
	if canon, err := marshalManifest(m); err != nil || !bytes.Equal(canon, mj) {
		return nil, nil, fmt.Errorf("%w (manifest is not in canonical form)", ErrCorrupt)
	}
	if m.FormatVersion != FormatVersion {
		return nil, nil, fmt.Errorf("%w (manifest says format version %d, header %d)", ErrCorrupt, m.FormatVersion, version)
	}
	if err := checkSections(m, names, sections); err != nil {
		return nil, nil, err
	}
	if err := checkTargets(m, sections); err != nil {
		return nil, nil, err
	}
	ch, err := contentHash(m, names, sections)
	if err != nil {
		return nil, nil, fmt.Errorf("%w (%v)", ErrCorrupt, err)
	}
	if ch != m.ContentHash {
		return nil, nil, fmt.Errorf("%w (content hash mismatch)", ErrCorrupt)
	}
	return m, sections, nil
}

// checkSections verifies that the manifest lists exactly the sections present, with their sizes and hashes.
func checkSections(m *Manifest, names []string, sections map[string][]byte) error {
	if len(m.Sections) != len(names) {
		return fmt.Errorf("%w (manifest lists %d sections, file holds %d)", ErrCorrupt, len(m.Sections), len(names))
	}
	for i, s := range m.Sections {
		if s.Name != names[i] {
			return fmt.Errorf("%w (manifest lists section %q where the file holds %q)", ErrCorrupt, s.Name, names[i])
		}
		data := sections[s.Name]
		if s.Size != int64(len(data)) {
			return fmt.Errorf("%w (section %q is %d bytes, manifest says %d)", ErrCorrupt, s.Name, len(data), s.Size)
		}
		sum := sha256.Sum256(data)
		if s.SHA256 != hex.EncodeToString(sum[:]) {
			return fmt.Errorf("%w (section %q checksum mismatch)", ErrCorrupt, s.Name)
		}
	}
	return nil
}

// checkTargets verifies that every target names a section the file holds and
// a known floating-point contraction, that only a CPU target has a parallel
// entry point, and that no two targets are of one kind
// (a loader picks a target by its kind).
func checkTargets(m *Manifest, sections map[string][]byte) error {
	for i, t := range m.Targets {
		if _, ok := sections[t.Section]; !ok {
			return fmt.Errorf("%w (target %s: no section %q)", ErrCorrupt, t.Kind, t.Section)
		}
		if t.FPContract != "" && t.FPContract != FPContractFast {
			return fmt.Errorf("%w (target %s: fp_contract %q, not %q or absent)", ErrCorrupt, t.Kind, t.FPContract, FPContractFast)
		}
		if t.Parallel != "" && t.Kind != TargetCPU {
			return fmt.Errorf("%w (target %s: a parallel entry point on a target that is not a CPU)", ErrCorrupt, t.Kind)
		}
		for _, u := range m.Targets[:i] {
			if u.Kind == t.Kind {
				return fmt.Errorf("%w (two targets of kind %q)", ErrCorrupt, t.Kind)
			}
		}
	}
	return nil
}

// reader walks the body of an artifact, bounding every length by what is left.
type reader struct {
	b   []byte
	off int
}

func (r *reader) u32(what string) (uint32, error) {
	if len(r.b)-r.off < 4 {
		return 0, fmt.Errorf("%w (%s runs past the end)", ErrCorrupt, what)
	}
	v := binary.LittleEndian.Uint32(r.b[r.off:])
	r.off += 4
	return v, nil
}

func (r *reader) u64(what string) (uint64, error) {
	if len(r.b)-r.off < 8 {
		return 0, fmt.Errorf("%w (%s runs past the end)", ErrCorrupt, what)
	}
	v := binary.LittleEndian.Uint64(r.b[r.off:])
	r.off += 8
	return v, nil
}

// bytes returns the next n bytes, capacity-capped so appends cannot clobber what follows.
func (r *reader) bytes(n uint64, what string) ([]byte, error) {
	if n > uint64(len(r.b)-r.off) {
		return nil, fmt.Errorf("%w (%s of %d bytes runs past the end)", ErrCorrupt, what, n)
	}
	end := r.off + int(n)
	s := r.b[r.off:end:end]
	r.off = end
	return s, nil
}
