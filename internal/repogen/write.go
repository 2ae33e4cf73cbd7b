package repogen

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
	"github.com/ulikunitz/xz"
)

// Entry is one dependency as primary.xml's <rpm:entry> holds it. Flags is
// one of "", "EQ", "LT", "LE", "GT", "GE", "NE"; an empty Flags means any
// version and then Epoch, Ver and Rel must be empty. Pre marks Requires(pre)
// and is only valid in Requires.
type Entry struct {
	Name, Flags, Epoch, Ver, Rel string
	Pre                          bool
}

// Pkg is one package to write. Files are plain files and Dirs directories;
// both are written sorted by path, as rpm stores them. The package's
// self-provides (name = EVR, name(x86-64) = EVR) are not added by the
// writer: put them in Provides as rpmbuild would.
type Pkg struct {
	Name, Arch, Epoch, Ver, Rel, SourceRPM                                                string
	Provides, Requires, Conflicts, Obsoletes, Recommends, Suggests, Supplements, Enhances []Entry
	Files                                                                                 []string
	Dirs                                                                                  []string
}

// Compression selects how primary and filelists are compressed. The zero
// value is gzip, which every rpm-md reader understands.
type Compression uint8

// The compressions WriteRepo can produce.
const (
	Gzip Compression = iota
	XZ
	Zstd
	NoCompression
)

// ParseCompression maps a createrepo_c --compress-type name ("gz", "xz",
// "zstd" or "zst", "none") to a Compression.
func ParseCompression(name string) (Compression, error) {
	switch name {
	case "gz", "gzip":
		return Gzip, nil
	case "xz":
		return XZ, nil
	case "zst", "zstd":
		return Zstd, nil
	case "none":
		return NoCompression, nil
	}
	return 0, fmt.Errorf("unknown compression %q (want gz, xz, zstd or none)", name)
}

// String returns the name ParseCompression accepts.
func (c Compression) String() string {
	switch c {
	case Gzip:
		return "gz"
	case XZ:
		return "xz"
	case Zstd:
		return "zstd"
	case NoCompression:
		return "none"
	}
	return "Compression(" + strconv.Itoa(int(c)) + ")"
}

// suffix is the file name suffix after ".xml", as createrepo_c names files.
func (c Compression) suffix() string {
	switch c {
	case Gzip:
		return ".gz"
	case XZ:
		return ".xz"
	case Zstd:
		return ".zst"
	}
	return ""
}

// metadataTime stands in for createrepo_c's clock in <revision>, <timestamp>
// and <time>: output must be byte-identical for the same input.
const metadataTime = "1700000000"

// WriteRepo writes dir/repodata/{repomd.xml, <sha256>-primary.xml.<ext>,
// <sha256>-filelists.xml.<ext>} for pkgs, in createrepo_c's format, and
// removes primary and filelists files a previous run left there. The same
// pkgs and comp always give byte-identical files.
func WriteRepo(dir string, pkgs []Pkg, comp Compression) error {
	if comp > NoCompression {
		return fmt.Errorf("write repo %s: %v", dir, comp)
	}
	for i := range pkgs {
		if err := validatePkg(&pkgs[i]); err != nil {
			return fmt.Errorf("write repo %s: package %d (%s): %w", dir, i, pkgs[i].Name, err)
		}
	}
	repodata := filepath.Join(dir, "repodata")
	if err := os.MkdirAll(repodata, 0o755); err != nil {
		return fmt.Errorf("write repo: %w", err)
	}
	if err := removeOldMetadata(repodata); err != nil {
		return err
	}
	ids := make([]string, len(pkgs))
	for i := range pkgs {
		ids[i] = pkgID(&pkgs[i])
	}

	type result struct {
		rec dataRecord
		err error
	}
	flDone := make(chan result, 1)
	go func() {
		rec, err := writeMetadata(repodata, "filelists", comp, func(w *bufio.Writer) error {
			return writeFilelists(w, pkgs, ids)
		})
		flDone <- result{rec, err}
	}()
	primary, perr := writeMetadata(repodata, "primary", comp, func(w *bufio.Writer) error {
		return writePrimary(w, pkgs, ids)
	})
	fl := <-flDone
	if err := errors.Join(perr, fl.err); err != nil {
		return fmt.Errorf("write repo %s: %w", dir, err)
	}
	return writeRepomd(filepath.Join(repodata, "repomd.xml"), []dataRecord{primary, fl.rec})
}

func removeOldMetadata(repodata string) error {
	entries, err := os.ReadDir(repodata)
	if err != nil {
		return fmt.Errorf("write repo: %w", err)
	}
	for _, e := range entries {
		n := e.Name()
		if strings.Contains(n, "-primary.xml") || strings.Contains(n, "-filelists.xml") {
			if err := os.Remove(filepath.Join(repodata, n)); err != nil {
				return fmt.Errorf("write repo: removing stale metadata: %w", err)
			}
		}
	}
	return nil
}

// dataRecord is what repomd.xml says about one metadata file.
type dataRecord struct {
	kind              string // "primary", "filelists"
	href              string
	checksum, openSum string
	size, openSize    int64
	compressed        bool
}

// countingHash hashes and counts what is written through it.
type countingHash struct {
	h hash.Hash
	n int64
}

func (c *countingHash) Write(p []byte) (int, error) {
	c.n += int64(len(p))
	return c.h.Write(p)
}

// writeMetadata streams the XML that body writes through the compressor into
// a temporary file, hashing both sides, then renames it to its
// content-addressed name.
func writeMetadata(repodata, kind string, comp Compression, body func(*bufio.Writer) error) (rec dataRecord, err error) {
	f, err := os.CreateTemp(repodata, "."+kind+"-*.tmp")
	if err != nil {
		return rec, fmt.Errorf("%s: %w", kind, err)
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	closed := &countingHash{h: sha256.New()}
	fileBuf := bufio.NewWriterSize(io.MultiWriter(f, closed), 1<<16)
	cw, err := newCompressor(fileBuf, comp)
	if err != nil {
		return rec, fmt.Errorf("%s: starting %v compressor: %w", kind, comp, err)
	}
	open := &countingHash{h: sha256.New()}
	xmlBuf := bufio.NewWriterSize(io.MultiWriter(cw, open), 1<<16)
	if err = body(xmlBuf); err != nil {
		return rec, fmt.Errorf("%s: %w", kind, err)
	}
	if err = xmlBuf.Flush(); err != nil {
		return rec, fmt.Errorf("%s: %w", kind, err)
	}
	if err = cw.Close(); err != nil {
		return rec, fmt.Errorf("%s: closing %v compressor: %w", kind, comp, err)
	}
	if err = fileBuf.Flush(); err != nil {
		return rec, fmt.Errorf("%s: %w", kind, err)
	}
	if err = f.Close(); err != nil {
		return rec, fmt.Errorf("%s: %w", kind, err)
	}
	// CreateTemp makes the file private; metadata is for everyone to read.
	if err = os.Chmod(f.Name(), 0o644); err != nil {
		return rec, fmt.Errorf("%s: %w", kind, err)
	}
	rec = dataRecord{
		kind:       kind,
		checksum:   hex.EncodeToString(closed.h.Sum(nil)),
		openSum:    hex.EncodeToString(open.h.Sum(nil)),
		size:       closed.n,
		openSize:   open.n,
		compressed: comp != NoCompression,
	}
	name := rec.checksum + "-" + kind + ".xml" + comp.suffix()
	rec.href = "repodata/" + name
	if err = os.Rename(f.Name(), filepath.Join(repodata, name)); err != nil {
		return rec, fmt.Errorf("%s: %w", kind, err)
	}
	return rec, nil
}

// newCompressor returns a writer that compresses to w with comp.
func newCompressor(w io.Writer, comp Compression) (io.WriteCloser, error) {
	switch comp {
	case Gzip:
		return gzip.NewWriterLevel(w, gzip.DefaultCompression)
	case XZ:
		return xz.WriterConfig{}.NewWriter(w)
	case Zstd:
		// One encoder goroutine: the machine is shared and the stream must
		// not depend on scheduling.
		return zstd.NewWriter(w, zstd.WithEncoderConcurrency(1))
	}
	return nopCloser{w}, nil
}

type nopCloser struct{ io.Writer }

func (nopCloser) Close() error { return nil }

func writeRepomd(path string, recs []dataRecord) error {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>
<repomd xmlns="http://linux.duke.edu/metadata/repo" xmlns:rpm="http://linux.duke.edu/metadata/rpm">
  <revision>` + metadataTime + "</revision>\n")
	for _, r := range recs {
		fmt.Fprintf(&b, "  <data type=\"%s\">\n", r.kind)
		fmt.Fprintf(&b, "    <checksum type=\"sha256\">%s</checksum>\n", r.checksum)
		if r.compressed {
			fmt.Fprintf(&b, "    <open-checksum type=\"sha256\">%s</open-checksum>\n", r.openSum)
		}
		fmt.Fprintf(&b, "    <location href=\"%s\"/>\n", r.href)
		fmt.Fprintf(&b, "    <timestamp>%s</timestamp>\n", metadataTime)
		fmt.Fprintf(&b, "    <size>%d</size>\n", r.size)
		if r.compressed {
			fmt.Fprintf(&b, "    <open-size>%d</open-size>\n", r.openSize)
		}
		b.WriteString("  </data>\n")
	}
	b.WriteString("</repomd>\n")
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		return fmt.Errorf("write repo: %w", err)
	}
	return nil
}

var validFlags = []string{"", "EQ", "LT", "LE", "GT", "GE", "NE"}

// validatePkg rejects what would make malformed XML or metadata that
// createrepo_c could never have written.
func validatePkg(p *Pkg) error {
	if p.Name == "" || p.Arch == "" || p.Ver == "" {
		return errors.New("name, arch and version are required")
	}
	for _, s := range []string{p.Name, p.Arch, p.Epoch, p.Ver, p.Rel, p.SourceRPM} {
		if err := checkXMLText(s); err != nil {
			return err
		}
	}
	for _, list := range [][]string{p.Files, p.Dirs} {
		for _, f := range list {
			if err := checkXMLText(f); err != nil {
				return err
			}
		}
	}
	for k, deps := range depLists(p) {
		for _, e := range deps {
			if err := validateEntry(e, k == 1); err != nil {
				return fmt.Errorf("%s %q: %w", depTags[k], e.Name, err)
			}
		}
	}
	return nil
}

func validateEntry(e Entry, inRequires bool) error {
	if e.Name == "" {
		return errors.New("empty dependency name")
	}
	if !slices.Contains(validFlags, e.Flags) {
		return fmt.Errorf("unknown flags %q", e.Flags)
	}
	if e.Flags == "" && (e.Epoch != "" || e.Ver != "" || e.Rel != "") {
		return errors.New("version without flags")
	}
	if e.Flags != "" && e.Ver == "" {
		return errors.New("flags without version")
	}
	if e.Pre && !inRequires {
		return errors.New("pre outside requires")
	}
	for _, s := range []string{e.Name, e.Epoch, e.Ver, e.Rel} {
		if err := checkXMLText(s); err != nil {
			return err
		}
	}
	return nil
}

// checkXMLText rejects strings that XML 1.0 cannot carry.
func checkXMLText(s string) error {
	for i, r := range s {
		switch {
		case r == utf8.RuneError:
			if _, n := utf8.DecodeRuneInString(s[i:]); n == 1 {
				return fmt.Errorf("invalid UTF-8 at byte %d of %q", i, s)
			}
		case r < 0x20 && r != '\t' && r != '\n' && r != '\r',
			r >= 0xD800 && r <= 0xDFFF, r == 0xFFFE, r == 0xFFFF:
			return fmt.Errorf("character %U at byte %d of %q is not allowed in XML", r, i, s)
		}
	}
	return nil
}

// depTags are the primary.xml elements in createrepo_c's order.
var depTags = [8]string{"provides", "requires", "conflicts", "obsoletes", "suggests", "enhances", "recommends", "supplements"}

// depLists returns p's dependency lists in depTags' order.
func depLists(p *Pkg) [8][]Entry {
	return [8][]Entry{p.Provides, p.Requires, p.Conflicts, p.Obsoletes, p.Suggests, p.Enhances, p.Recommends, p.Supplements}
}

// pkgID stands in for the rpm file's sha256, which filelists joins on: a
// hash of everything the metadata says about the package, so distinct
// packages get distinct ids and the same package always the same one.
func pkgID(p *Pkg) string {
	h := sha256.New()
	var b []byte
	field := func(s string) {
		b = strconv.AppendInt(b[:0], int64(len(s)), 10)
		b = append(b, ':')
		b = append(b, s...)
		h.Write(b)
	}
	for _, s := range []string{p.Name, p.Arch, p.Epoch, p.Ver, p.Rel, p.SourceRPM} {
		field(s)
	}
	for k, deps := range depLists(p) {
		field(depTags[k])
		for _, e := range deps {
			field(e.Name)
			field(e.Flags)
			field(e.Epoch)
			field(e.Ver)
			field(e.Rel)
			if e.Pre {
				field("pre")
			}
		}
	}
	field("files")
	for _, f := range p.Files {
		field(f)
	}
	field("dirs")
	for _, d := range p.Dirs {
		field(d)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// pathEntry is one file of a package, dir or not.
type pathEntry struct {
	path string
	dir  bool
}

func sortedPaths(p *Pkg) []pathEntry {
	out := make([]pathEntry, 0, len(p.Files)+len(p.Dirs))
	for _, f := range p.Files {
		out = append(out, pathEntry{f, false})
	}
	for _, d := range p.Dirs {
		out = append(out, pathEntry{d, true})
	}
	slices.SortStableFunc(out, func(a, b pathEntry) int { return strings.Compare(a.path, b.path) })
	return out
}

// isPrimaryFile is createrepo_c's rule for the files primary.xml lists.
func isPrimaryFile(path string) bool {
	return strings.HasPrefix(path, "/etc/") || strings.Contains(path, "bin/") || path == "/usr/lib/sendmail"
}

func location(p *Pkg) string {
	evr := p.Ver
	if p.Rel != "" {
		evr += "-" + p.Rel
	}
	return "Packages/" + p.Name + "-" + evr + "." + p.Arch + ".rpm"
}

func orZero(epoch string) string {
	if epoch == "" {
		return "0"
	}
	return epoch
}

func writePrimary(w *bufio.Writer, pkgs []Pkg, ids []string) error {
	fmt.Fprintf(w, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"+
		"<metadata xmlns=\"http://linux.duke.edu/metadata/common\" xmlns:rpm=\"http://linux.duke.edu/metadata/rpm\" packages=\"%d\">\n", len(pkgs))
	var b []byte
	for i := range pkgs {
		p := &pkgs[i]
		b = append(b[:0], "<package type=\"rpm\">\n  <name>"...)
		b = appendText(b, p.Name)
		b = append(b, "</name>\n  <arch>"...)
		b = appendText(b, p.Arch)
		b = append(b, "</arch>\n"...)
		b = appendVersion(b, p)
		b = append(b, "  <checksum type=\"sha256\" pkgid=\"YES\">"...)
		b = append(b, ids[i]...)
		b = append(b, "</checksum>\n  <summary>"...)
		b = appendText(b, p.Name)
		b = append(b, "</summary>\n  <description>"...)
		b = appendText(b, p.Name)
		b = append(b, " generated by repogen.</description>\n  <packager></packager>\n  <url></url>\n  <time file=\""+metadataTime+"\" build=\""+metadataTime+"\"/>\n  <size package=\"0\" installed=\"0\" archive=\"0\"/>\n  <location href=\""...)
		b = appendAttr(b, location(p))
		b = append(b, "\"/>\n  <format>\n    <rpm:license>Unspecified</rpm:license>\n    <rpm:vendor></rpm:vendor>\n    <rpm:group>Unspecified</rpm:group>\n    <rpm:buildhost>repogen</rpm:buildhost>\n    <rpm:sourcerpm>"...)
		b = appendText(b, p.SourceRPM)
		b = append(b, "</rpm:sourcerpm>\n    <rpm:header-range start=\"0\" end=\"0\"/>\n"...)
		for k, deps := range depLists(p) {
			if len(deps) == 0 {
				continue
			}
			b = append(b, "    <rpm:"...)
			b = append(b, depTags[k]...)
			b = append(b, ">\n"...)
			for _, e := range deps {
				b = appendEntry(b, e)
			}
			b = append(b, "    </rpm:"...)
			b = append(b, depTags[k]...)
			b = append(b, ">\n"...)
		}
		for _, f := range sortedPaths(p) {
			if isPrimaryFile(f.path) {
				b = appendFile(b, "    ", f)
			}
		}
		b = append(b, "  </format>\n</package>\n"...)
		if _, err := w.Write(b); err != nil {
			return err
		}
	}
	_, err := w.WriteString("</metadata>")
	return err
}

func writeFilelists(w *bufio.Writer, pkgs []Pkg, ids []string) error {
	fmt.Fprintf(w, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"+
		"<filelists xmlns=\"http://linux.duke.edu/metadata/filelists\" packages=\"%d\">\n", len(pkgs))
	var b []byte
	for i := range pkgs {
		p := &pkgs[i]
		b = append(b[:0], "<package pkgid=\""...)
		b = append(b, ids[i]...)
		b = append(b, "\" name=\""...)
		b = appendAttr(b, p.Name)
		b = append(b, "\" arch=\""...)
		b = appendAttr(b, p.Arch)
		b = append(b, "\">\n"...)
		b = appendVersion(b, p)
		for _, f := range sortedPaths(p) {
			b = appendFile(b, "  ", f)
		}
		b = append(b, "</package>\n"...)
		if _, err := w.Write(b); err != nil {
			return err
		}
	}
	_, err := w.WriteString("</filelists>")
	return err
}

func appendVersion(b []byte, p *Pkg) []byte {
	b = append(b, "  <version epoch=\""...)
	b = appendAttr(b, orZero(p.Epoch))
	b = append(b, "\" ver=\""...)
	b = appendAttr(b, p.Ver)
	b = append(b, "\" rel=\""...)
	b = appendAttr(b, p.Rel)
	return append(b, "\"/>\n"...)
}

func appendFile(b []byte, indent string, f pathEntry) []byte {
	b = append(b, indent...)
	if f.dir {
		b = append(b, "<file type=\"dir\">"...)
	} else {
		b = append(b, "<file>"...)
	}
	b = appendText(b, f.path)
	return append(b, "</file>\n"...)
}

// appendEntry writes attributes in createrepo_c's order: name, then flags,
// epoch (0 when absent), ver and rel (when present) for versioned ones, then pre.
func appendEntry(b []byte, e Entry) []byte {
	b = append(b, "      <rpm:entry name=\""...)
	b = appendAttr(b, e.Name)
	b = append(b, '"')
	if e.Flags != "" {
		b = append(b, " flags=\""...)
		b = append(b, e.Flags...)
		b = append(b, "\" epoch=\""...)
		b = appendAttr(b, orZero(e.Epoch))
		b = append(b, "\" ver=\""...)
		b = appendAttr(b, e.Ver)
		b = append(b, '"')
		if e.Rel != "" {
			b = append(b, " rel=\""...)
			b = appendAttr(b, e.Rel)
			b = append(b, '"')
		}
	}
	if e.Pre {
		b = append(b, " pre=\"1\""...)
	}
	return append(b, "/>\n"...)
}

// appendText escapes element content the way libxml2 does.
func appendText(b []byte, s string) []byte { return appendEscaped(b, s, false) }

// appendAttr escapes attribute values the way libxml2 does, keeping
// whitespace characters that attribute normalisation would otherwise eat.
func appendAttr(b []byte, s string) []byte { return appendEscaped(b, s, true) }

func appendEscaped(b []byte, s string, attr bool) []byte {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '&':
			b = append(b, "&amp;"...)
		case c == '<':
			b = append(b, "&lt;"...)
		case c == '>':
			b = append(b, "&gt;"...)
		case c == '\r':
			b = append(b, "&#13;"...)
		case attr && c == '"':
			b = append(b, "&quot;"...)
		case attr && c == '\n':
			b = append(b, "&#10;"...)
		case attr && c == '\t':
			b = append(b, "&#9;"...)
		default:
			b = append(b, c)
		}
	}
	return b
}
