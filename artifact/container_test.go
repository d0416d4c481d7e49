// This file tests the .dla container: round trips, determinism and every class of damage.
package artifact

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
)

func sampleManifest() Manifest {
	def := 0.9
	return Manifest{
		Source: "lion.dl",
		Targets: []Target{{
			Kind: TargetCPU, Section: SectionObject, Triple: "x86_64-unknown-linux-gnu", Arch: "x86-64-v3",
			Features: []string{"avx", "avx2", "fma"},
			Entries: []Entry{
				{Function: "lion", Kernel: "k0", Symbol: "lion_k0", ABI: ABIChunk, Stream: "lion_k0.stream"},
				{Function: "pick", Kernel: "k0", Symbol: "pick_k0", ABI: ABIChunk},
			},
		}},
		Functions: []Function{{
			Name:    "lion",
			Pos:     "lion.dl:3:1",
			Inputs:  []Tensor{{Name: "theta", DType: "f32", Shape: []string{"N"}}},
			Scalars: []Scalar{{Name: "beta1", DType: "f32", Default: &def}, {Name: "lr", DType: "f32"}},
			Outputs: []Tensor{{Name: "theta", DType: "f32", Shape: []string{"N"}}},
			Kernels: []Kernel{{
				Name: "k0", Kind: KindLoop, Domain: []string{"N"}, Units: []string{"N"}, UnitWork: []string{},
				Buffers: []BufferRef{
					{Kind: BufInput, Name: "theta", DType: "f32", Shape: []string{"N"}},
					{Kind: BufOutput, Name: "theta", DType: "f32", Shape: []string{"N"}, Writes: true},
				},
				Scalars: []ScalarRef{{Name: "lr", DType: "f32"}, {Name: "%8", DType: "f32"}},
			}},
		}, {
			Name:    "pick",
			Pos:     "pick.dl:1:1",
			Inputs:  []Tensor{{Name: "x", DType: "f32", Shape: []string{"B", "C"}}, {Name: "i", DType: "i32", Shape: []string{"B", "K"}}},
			Outputs: []Tensor{{Name: "y", DType: "f32", Shape: []string{"B", "K"}}},
			Kernels: []Kernel{{
				Name: "k0", Kind: KindRows, Domain: []string{"B"}, Units: []string{"B"}, UnitWork: []string{"K"},
				Buffers: []BufferRef{
					{Kind: BufInput, Name: "x", DType: "f32", Shape: []string{"B", "C"}, Reread: true},
					{Kind: BufInput, Name: "i", DType: "i32", Shape: []string{"B", "K"}},
					{Kind: BufOutput, Name: "y", DType: "f32", Shape: []string{"B", "K"}, Writes: true},
				},
				Scalars: []ScalarRef{{Name: "#C", DType: "i64"}, {Name: "#K", DType: "i64"}},
			}},
			IndexChecks: []IndexCheck{{Input: "i", Axis: 1, Bound: "C", Of: "x"}},
		}},
	}
}

func sampleSections() map[string][]byte {
	return map[string][]byte{
		SectionObject: []byte("\x7fELF pretend shared object"),
		SectionIR:     []byte("func @lion() -> () {\n  return\n}\n"),
		SectionLLVM:   []byte("; llvm"),
	}
}

func sampleArtifact(t testing.TB) []byte {
	t.Helper()
	b, err := Encode(sampleManifest(), sampleSections())
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// reseal recomputes the trailer, so a test can reach the checks behind the checksum.
func reseal(b []byte) []byte {
	b = bytes.Clone(b)
	body := b[:len(b)-trailerSize]
	sum := sha256.Sum256(body)
	copy(b[len(body):], sum[:])
	return b
}

func TestRoundTrip(t *testing.T) {
	b := sampleArtifact(t)
	m, s, err := Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(s, sampleSections()) {
		t.Errorf("sections differ: got %q", s)
	}
	want := sampleManifest()
	if m.FormatVersion != FormatVersion || len(m.Sections) != 3 || m.ContentHash == "" {
		t.Errorf("filled fields: version %d, %d sections, hash %q", m.FormatVersion, len(m.Sections), m.ContentHash)
	}
	if m.Sections[0].Name != SectionLLVM || m.Sections[1].Name != SectionObject || m.Sections[2].Name != SectionIR {
		t.Errorf("sections not sorted: %+v", m.Sections)
	}
	got := *m
	got.FormatVersion, got.Sections, got.ContentHash = 0, nil, ""
	if !reflect.DeepEqual(got, want) {
		t.Errorf("manifest differs:\ngot  %+v\nwant %+v", got, want)
	}
	// Re-encoding the decoded manifest gives the same bytes.
	b2, err := Encode(*m, s)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(b, b2) {
		t.Error("re-encoding a decoded artifact changed its bytes")
	}
}

func TestEncodeDeterministic(t *testing.T) {
	first := sampleArtifact(t)
	for range 20 {
		// Map iteration order differs between runs; the bytes must not.
		if b := sampleArtifact(t); !bytes.Equal(first, b) {
			t.Fatal("same input gave different bytes")
		}
	}
	m := sampleManifest()
	m.ContentHash, m.FormatVersion = "stale", 99
	m.Sections = []Section{{Name: "bogus"}}
	b, err := Encode(m, sampleSections())
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(first, b) {
		t.Error("caller-supplied Sections/ContentHash/FormatVersion leaked into the output")
	}
}

func TestEncodeContentHashDiffers(t *testing.T) {
	a, _, _ := Decode(sampleArtifact(t))
	s := sampleSections()
	s[SectionIR] = []byte("something else")
	b, err := Encode(sampleManifest(), s)
	if err != nil {
		t.Fatal(err)
	}
	m, _, err := Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	if a.ContentHash == m.ContentHash {
		t.Error("content hash ignores section bytes")
	}
}

func TestEncodeEmpty(t *testing.T) {
	b, err := Encode(Manifest{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	m, s, err := Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	if len(s) != 0 || len(m.Sections) != 0 {
		t.Errorf("got sections %v %v", s, m.Sections)
	}
}

func TestEncodeBadSectionName(t *testing.T) {
	for _, name := range []string{"", strings.Repeat("x", 256), "\xff"} {
		if _, err := Encode(Manifest{}, map[string][]byte{name: nil}); err == nil {
			t.Errorf("section name %q accepted", name)
		}
	}
}

func TestDecodeFlipEveryByte(t *testing.T) {
	b := sampleArtifact(t)
	for i := range b {
		for _, mask := range []byte{0x01, 0x80, 0xff} {
			c := bytes.Clone(b)
			c[i] ^= mask
			if _, _, err := Decode(c); err == nil {
				t.Fatalf("byte %d ^ %#x: no error", i, mask)
			}
		}
	}
}

func TestDecodeTruncateEveryLength(t *testing.T) {
	b := sampleArtifact(t)
	for n := 0; n < len(b); n++ {
		_, _, err := Decode(b[:n])
		if err == nil {
			t.Fatalf("truncated to %d bytes: no error", n)
		}
		if n >= headerSize && !errors.Is(err, ErrTruncated) {
			t.Fatalf("truncated to %d bytes: %v, want %v", n, err, ErrTruncated)
		}
	}
}

func TestDecodeErrors(t *testing.T) {
	good := sampleArtifact(t)
	withVersion := func(v uint32) []byte {
		c := bytes.Clone(good)
		binary.LittleEndian.PutUint32(c[4:], v)
		return c
	}
	m, _, _ := Decode(good)
	manifestEnd := headerSize + int(binary.LittleEndian.Uint64(good[16:]))
	_ = m
	tests := []struct {
		name string
		b    []byte
		is   error
		msg  string
	}{
		{"empty", nil, ErrNotArtifact, "not a dlc artifact"},
		{"elf", []byte("\x7fELF\x02\x01\x01\x00 and more bytes than the header needs......"), ErrNotArtifact, `not a dlc artifact (it starts with "\x7fELF")`},
		{"text", []byte("func @f() -> () {}"), ErrNotArtifact, "not a dlc artifact"},
		{"magic prefix", []byte("DL"), ErrTruncated, "artifact is truncated"},
		{"newer version", withVersion(FormatVersion + 1), ErrVersion, fmt.Sprintf("artifact built by a newer dlc (format %d); this dlc reads format %d", FormatVersion+1, FormatVersion)},
		{"older version", withVersion(FormatVersion - 1), ErrVersion, fmt.Sprintf("artifact built by an older dlc (format %d); rebuild it with this dlc", FormatVersion-1)},
		{"format 1", withVersion(1), ErrVersion, "artifact built by an older dlc (format 1); rebuild it with this dlc"},
		{"zero version", withVersion(0), ErrCorrupt, "bad format version 0"},
		{"garbage version", withVersion(0xdeadbeef), ErrCorrupt, "bad format version"},
		{"trailing bytes", append(bytes.Clone(good), 0), ErrCorrupt, "1 unexpected bytes after its end"},
		{"half", good[:len(good)/2], ErrTruncated, "artifact is truncated"},
		{"flipped payload", func() []byte { c := bytes.Clone(good); c[len(c)-40] ^= 1; return c }(), ErrCorrupt, "checksum mismatch"},
		{"flipped trailer", func() []byte { c := bytes.Clone(good); c[len(c)-1] ^= 1; return c }(), ErrCorrupt, "checksum mismatch"},
		{"resealed section", func() []byte { c := bytes.Clone(good); c[len(c)-40] ^= 1; return reseal(c) }(), ErrCorrupt, "checksum mismatch"},
		{"resealed manifest", func() []byte {
			c := bytes.Clone(good)
			i := bytes.Index(c, []byte(`"lion.dl"`))
			c[i+1] = 'L'
			return reseal(c)
		}(), ErrCorrupt, "content hash mismatch"},
		{"resealed manifest json", func() []byte {
			c := bytes.Clone(good)
			c[headerSize] = '['
			return reseal(c)
		}(), ErrCorrupt, "manifest"},
		{"resealed huge manifest length", func() []byte {
			c := bytes.Clone(good)
			binary.LittleEndian.PutUint64(c[16:], 1<<62)
			return reseal(c)
		}(), ErrCorrupt, "runs past the end"},
		{"resealed huge section length", func() []byte {
			c := bytes.Clone(good)
			// first section: u32 name length, name, u64 data length
			nlen := int(binary.LittleEndian.Uint32(c[manifestEnd:]))
			binary.LittleEndian.PutUint64(c[manifestEnd+4+nlen:], 1<<63)
			return reseal(c)
		}(), ErrCorrupt, "runs past the end"},
		{"resealed zero name length", func() []byte {
			c := bytes.Clone(good)
			binary.LittleEndian.PutUint32(c[manifestEnd:], 0)
			return reseal(c)
		}(), ErrCorrupt, "section name length 0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := Decode(tt.b)
			if err == nil {
				t.Fatal("no error")
			}
			if !errors.Is(err, tt.is) {
				t.Errorf("error %q is not %q", err, tt.is)
			}
			if !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("error %q does not mention %q", err, tt.msg)
			}
		})
	}
}

func TestDecodeSectionListMismatch(t *testing.T) {
	// A well-formed file whose manifest lists other sections than it holds.
	s := sampleSections()
	b, err := Encode(sampleManifest(), s)
	if err != nil {
		t.Fatal(err)
	}
	m, _, err := Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	delete(s, SectionLLVM)
	if err := checkSections(m, []string{SectionObject, SectionIR}, s); err == nil || !strings.Contains(err.Error(), "manifest lists 3 sections") {
		t.Errorf("got %v", err)
	}
}

func TestWriteReadFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "model.dla")
	b := sampleArtifact(t)
	if err := WriteFile(path, b); err != nil {
		t.Fatal(err)
	}
	m, s, err := ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if m.Source != "lion.dl" || len(s) != 3 {
		t.Errorf("got %+v %v", m, s)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o644 {
		t.Errorf("mode %v, want 0644", fi.Mode().Perm())
	}
	// Overwrite in place; no temporary files stay behind.
	if err := WriteFile(path, b[:10]); err != nil {
		t.Fatal(err)
	}
	if _, _, err := ReadFile(path); err == nil || !strings.Contains(err.Error(), path) || !errors.Is(err, ErrTruncated) {
		t.Errorf("got %v", err)
	}
	ents, _ := os.ReadDir(dir)
	if len(ents) != 1 {
		t.Errorf("directory holds %d entries, want 1", len(ents))
	}
}

func TestWriteFileFailureLeavesNothing(t *testing.T) {
	dir := t.TempDir()
	// The target is a directory: the rename fails after the temp file was written.
	target := filepath.Join(dir, "out.dla")
	if err := os.Mkdir(target, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(target, "keep"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := WriteFile(target, []byte("x")); err == nil {
		t.Fatal("no error renaming over a non-empty directory")
	}
	ents, _ := os.ReadDir(dir)
	if len(ents) != 1 {
		t.Errorf("temporary file left behind: %v", ents)
	}
	if err := WriteFile(filepath.Join(dir, "missing", "x.dla"), nil); err == nil {
		t.Error("no error for a missing directory")
	}
}

func TestReadFileMissing(t *testing.T) {
	if _, _, err := ReadFile(filepath.Join(t.TempDir(), "nope.dla")); err == nil || !errors.Is(err, os.ErrNotExist) {
		t.Errorf("got %v", err)
	}
}

// assemble lays out a container around arbitrary manifest bytes, bypassing Encode.
func assemble(mj []byte, names []string, sections map[string][]byte) []byte {
	var b []byte
	b = append(b, magic...)
	b = binary.LittleEndian.AppendUint32(b, FormatVersion)
	b = binary.LittleEndian.AppendUint64(b, 0) // total, patched below
	b = binary.LittleEndian.AppendUint64(b, uint64(len(mj)))
	b = append(b, mj...)
	for _, n := range names {
		b = binary.LittleEndian.AppendUint32(b, uint32(len(n)))
		b = append(b, n...)
		b = binary.LittleEndian.AppendUint64(b, uint64(len(sections[n])))
		b = append(b, sections[n]...)
	}
	binary.LittleEndian.PutUint64(b[8:], uint64(len(b)+trailerSize))
	sum := sha256.Sum256(b)
	return append(b, sum[:]...)
}

func TestDecodeNonCanonicalManifest(t *testing.T) {
	m, s, err := Decode(sampleArtifact(t))
	if err != nil {
		t.Fatal(err)
	}
	names := []string{SectionLLVM, SectionObject, SectionIR}
	mj, _ := marshalManifest(m)
	if _, _, err := Decode(assemble(mj, names, s)); err != nil {
		t.Fatalf("assemble is broken: %v", err)
	}
	spaced := bytes.Replace(mj, []byte(`{"format_version"`), []byte(`{ "format_version"`), 1)
	if _, _, err := Decode(assemble(spaced, names, s)); err == nil || !strings.Contains(err.Error(), "canonical") {
		t.Errorf("got %v", err)
	}
	// Sections out of order are refused even with a valid checksum.
	if _, _, err := Decode(assemble(mj, []string{SectionObject, SectionLLVM, SectionIR}, s)); err == nil || !strings.Contains(err.Error(), "out of order") {
		t.Errorf("got %v", err)
	}
}

// forge encodes m like Encode but without its checks, so a test can reach Decode's.
func forge(t *testing.T, m Manifest, sections map[string][]byte) []byte {
	t.Helper()
	names := make([]string, 0, len(sections))
	for n := range sections {
		names = append(names, n)
	}
	sort.Strings(names)
	m.FormatVersion = FormatVersion
	m.Sections = nil
	for _, n := range names {
		sum := sha256.Sum256(sections[n])
		m.Sections = append(m.Sections, Section{Name: n, Size: int64(len(sections[n])), SHA256: hex.EncodeToString(sum[:])})
	}
	ch, err := contentHash(&m, names, sections)
	if err != nil {
		t.Fatal(err)
	}
	m.ContentHash = ch
	mj, err := marshalManifest(&m)
	if err != nil {
		t.Fatal(err)
	}
	return assemble(mj, names, sections)
}

func TestDecodeTargets(t *testing.T) {
	tests := []struct {
		name string
		edit func(m *Manifest)
		msg  string
	}{
		{"missing section", func(m *Manifest) { m.Targets[0].Section = "ptx" }, `target cpu: no section "ptx"`},
		{"two of a kind", func(m *Manifest) { m.Targets = append(m.Targets, m.Targets[0]) }, `two targets of kind "cpu"`},
		{"unknown contraction", func(m *Manifest) { m.Targets[0].FPContract = "off" }, `target cpu: fp_contract "off", not "fast" or absent`},
		{"parallel off the CPU", func(m *Manifest) { m.Targets[0].Kind, m.Targets[0].Parallel = TargetCUDA, "dlc_parallel" }, `target cuda: a parallel entry point on a target that is not a CPU`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := sampleManifest()
			tt.edit(&m)
			if _, err := Encode(m, sampleSections()); err == nil || !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("Encode: got %v, want %q", err, tt.msg)
			}
			_, _, err := Decode(forge(t, m, sampleSections()))
			if err == nil || !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("Decode: got %v, want %q", err, tt.msg)
			}
		})
	}
	// forge itself writes what Decode accepts.
	if _, _, err := Decode(forge(t, sampleManifest(), sampleSections())); err != nil {
		t.Fatal(err)
	}
	// Contracted code says so, and the field survives a round trip.
	m := sampleManifest()
	m.Targets[0].FPContract = FPContractFast
	b, err := Encode(m, sampleSections())
	if err != nil {
		t.Fatal(err)
	}
	got, _, err := Decode(b)
	if err != nil || got.Targets[0].FPContract != FPContractFast {
		t.Fatalf("Decode: %v, target %+v", err, got.Targets)
	}
}

// TestDecodeFormat2 reads a whole artifact in the layout dlc wrote before targets
// had sections of their own: the triple, CPU and features at the top of the manifest
// and each kernel's symbol in its description.
func TestDecodeFormat2(t *testing.T) {
	mj := []byte(`{"format_version":2,"source":"lion.dl","triple":"x86_64-unknown-linux-gnu","cpu":"x86-64-v3",` +
		`"cpu_features":["avx","avx2"],"functions":[{"name":"lion","pos":"lion.dl:3:1","inputs":[],"scalars":[],"outputs":[],` +
		`"kernels":[{"symbol":"dlc_lion_k0","group":"k0","kind":"loop","domain":["N"],"units":["N"],"unit_work":[],"buffers":[],"scalars":[]}]}],` +
		`"sections":[],"content_hash":""}`)
	b := assemble(mj, nil, nil)
	binary.LittleEndian.PutUint32(b[4:], 2)
	b = reseal(b)
	_, _, err := Decode(b)
	var ve *VersionError
	if !errors.As(err, &ve) || ve.Version != 2 || !errors.Is(err, ErrVersion) {
		t.Fatalf("got %v, want a VersionError for format 2", err)
	}
	if want := fmt.Sprintf("artifact built by an older dlc (format 2); rebuild it with this dlc (format %d)", FormatVersion); err.Error() != want {
		t.Errorf("error\n  %s\nwant\n  %s", err, want)
	}
}
