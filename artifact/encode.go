// This file writes the .dla container: a header, the manifest, the sections and a checksum.
//
// Layout (all integers little-endian):
//
//	magic        "DLA\x00"
//	u32          format version
//	u64          total file length, trailer included (so truncation is named as such)
//	u64          manifest length M
//	M bytes      manifest JSON
//	for each section, in ascending name order:
//	  u32        name length
//	  name bytes
//	  u64        data length
//	  data bytes
//	32 bytes     SHA-256 of every byte before it
package artifact

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"sort"
	"unicode/utf8"
)

// magic opens every artifact.
const magic = "DLA\x00"

// headerSize is the fixed part before the manifest: magic, version, total length, manifest length.
const headerSize = 4 + 4 + 8 + 8

// trailerSize is the length of the SHA-256 checksum that closes the file.
const trailerSize = sha256.Size

// maxSectionName bounds a section name, so a corrupt length is caught early.
const maxSectionName = 255

// Encode serializes m and the section payloads into an artifact.
//
// The output is deterministic: sections are written in ascending name order and the
// manifest's fields in their declaration order. Encode fills in m.FormatVersion,
// m.Sections (name, size, SHA-256 of each payload) and m.ContentHash; whatever the
// caller put there is replaced. The caller's manifest is not modified.
func Encode(m Manifest, sections map[string][]byte) ([]byte, error) {
	names := make([]string, 0, len(sections))
	for name := range sections {
		if err := checkSectionName(name); err != nil {
			return nil, err
		}
		names = append(names, name)
	}
	sort.Strings(names)

	if err := checkTargets(&m, sections); err != nil {
		return nil, err
	}
	m.FormatVersion = FormatVersion
	m.Sections = make([]Section, len(names))
	for i, name := range names {
		sum := sha256.Sum256(sections[name])
		m.Sections[i] = Section{Name: name, Size: int64(len(sections[name])), SHA256: hex.EncodeToString(sum[:])}
	}
	ch, err := contentHash(&m, names, sections)
	if err != nil {
		return nil, err
	}
	m.ContentHash = ch
	mj, err := marshalManifest(&m)
	if err != nil {
		return nil, err
	}

	total := headerSize + len(mj) + trailerSize
	for _, name := range names {
		total += 4 + len(name) + 8 + len(sections[name])
	}
	buf := bytes.NewBuffer(make([]byte, 0, total))
	buf.WriteString(magic)
	buf.Write(binary.LittleEndian.AppendUint32(nil, FormatVersion))
	buf.Write(binary.LittleEndian.AppendUint64(nil, uint64(total)))
	buf.Write(binary.LittleEndian.AppendUint64(nil, uint64(len(mj))))
	buf.Write(mj)
	for _, name := range names {
		buf.Write(binary.LittleEndian.AppendUint32(nil, uint32(len(name))))
		buf.WriteString(name)
		buf.Write(binary.LittleEndian.AppendUint64(nil, uint64(len(sections[name]))))
		buf.Write(sections[name])
	}
	sum := sha256.Sum256(buf.Bytes())
	buf.Write(sum[:])
	return buf.Bytes(), nil
}

// checkSectionName rejects names the container cannot hold unambiguously.
func checkSectionName(name string) error {
	switch {
	case name == "":
		return fmt.Errorf("section name is empty")
	case len(name) > maxSectionName:
		return fmt.Errorf("section name %.20q... is longer than %d bytes", name, maxSectionName)
	case !utf8.ValidString(name):
		return fmt.Errorf("section name %q is not valid UTF-8", name)
	}
	return nil
}

// marshalManifest is the one serialization of a manifest that hashes and files use.
// encoding/json writes struct fields in declaration order, so the bytes are stable.
func marshalManifest(m *Manifest) ([]byte, error) {
	b, err := json.Marshal(m)
	if err != nil {
		return nil, fmt.Errorf("encode manifest: %w", err)
	}
	return b, nil
}

// contentHash is the SHA-256 (hex) over the manifest serialized with ContentHash
// empty, followed by every section's bytes in the order of m.Sections.
// The manifest lists each section's name and size, so the concatenation is unambiguous.
func contentHash(m *Manifest, names []string, sections map[string][]byte) (string, error) {
	c := *m
	c.ContentHash = ""
	mj, err := marshalManifest(&c)
	if err != nil {
		return "", err
	}
	h := sha256.New()
	h.Write(mj)
	for _, name := range names {
		h.Write(sections[name])
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
