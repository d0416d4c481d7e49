// This file identifies the dlc build that is running, for build cache keys:
// two different builds of dlc (or of a program that embeds the compiler, such
// as a test binary) must never share cache entries.
package compiler

import (
	"crypto/sha256"
	"debug/elf"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"io"
	"os"
)

// Identity names the running executable's build: the build ID the Go linker
// writes into every binary (a hash of everything it was built from), or,
// where there is none, the SHA-256 of the executable.
func Identity() (string, error) {
	exe, err := os.Executable()
	if err != nil {
		return "", fmt.Errorf("cannot find the running executable: %w", err)
	}
	if id, ok := goBuildID(exe); ok {
		return "go:" + id, nil
	}
	f, err := os.Open(exe)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return "sha256:" + hex.EncodeToString(h.Sum(nil)), nil
}

// goBuildID reads the Go build ID note of an ELF executable.
func goBuildID(exe string) (string, bool) {
	f, err := elf.Open(exe)
	if err != nil {
		return "", false
	}
	defer f.Close()
	s := f.Section(".note.go.buildid")
	if s == nil {
		return "", false
	}
	b, err := s.Data()
	if err != nil || len(b) < 16 {
		return "", false
	}
	// An ELF note: name size, description size, type, the name "Go\x00\x00",
	// then the build ID.
	namesz := binary.LittleEndian.Uint32(b[0:])
	descsz := binary.LittleEndian.Uint32(b[4:])
	off := 12 + (namesz+3)&^3
	if namesz != 4 || string(b[12:15]) != "Go\x00" || uint64(off)+uint64(descsz) > uint64(len(b)) || descsz == 0 {
		return "", false
	}
	return string(b[off : off+descsz]), true
}
