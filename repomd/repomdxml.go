package repomd

import (
	"bytes"
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"encoding/xml"
	"errors"
	"fmt"
	"hash"
	"io"
	"strconv"
	"strings"
)

// Checksum is a digest as repository metadata names it.
type Checksum struct {
	Type string // lowercase: md5, sha1, sha224, sha256, sha384 or sha512; "" when absent
	Hex  string // lowercase hex digest
}

// ParseChecksum validates a checksum type and hex digest as they appear in
// repomd.xml or primary.xml. The type is lowercased and "sha", which yum and
// old createrepo wrote for SHA-1, becomes "sha1". The digest must be hex of
// the type's length.
func ParseChecksum(typ, digest string) (Checksum, error) {
	typ = strings.ToLower(strings.TrimSpace(typ))
	if typ == "sha" {
		typ = "sha1"
	}
	size := checksumSize(typ)
	if size == 0 {
		return Checksum{}, fmt.Errorf("unknown checksum type %q", typ)
	}
	digest = strings.ToLower(strings.TrimSpace(digest))
	if _, err := hex.DecodeString(digest); err != nil {
		return Checksum{}, fmt.Errorf("%s checksum %q is not hex", typ, digest)
	}
	if len(digest) != 2*size {
		return Checksum{}, fmt.Errorf("%s checksum %q has %d hex digits, want %d", typ, digest, len(digest), 2*size)
	}
	return Checksum{Type: typ, Hex: digest}, nil
}

// checksumSize returns the digest length in bytes of a normalised type, or 0
// for an unknown one.
func checksumSize(typ string) int {
	switch typ {
	case "md5":
		return md5.Size
	case "sha1":
		return sha1.Size
	case "sha224":
		return sha256.Size224
	case "sha256":
		return sha256.Size
	case "sha384":
		return sha512.Size384
	case "sha512":
		return sha512.Size
	}
	return 0
}

// NewHash returns a fresh hash of the checksum's type.
func (c Checksum) NewHash() (hash.Hash, error) {
	switch c.Type {
	case "md5":
		return md5.New(), nil
	case "sha1":
		return sha1.New(), nil
	case "sha224":
		return sha256.New224(), nil
	case "sha256":
		return sha256.New(), nil
	case "sha384":
		return sha512.New384(), nil
	case "sha512":
		return sha512.New(), nil
	}
	return nil, fmt.Errorf("unknown checksum type %q", c.Type)
}

// String returns "type:hex", e.g. "sha256:c03bb2eb...".
func (c Checksum) String() string {
	return c.Type + ":" + c.Hex
}

// DataFile is one <data> entry of repomd.xml: a metadata file of the
// repository and what it must look like once fetched.
type DataFile struct {
	Type         string   // "primary", "filelists", "modules", "group_gz"...
	Checksum     Checksum // of the file as stored (compressed); zero when repomd.xml gives none
	OpenChecksum Checksum // of the decompressed content; zero when absent
	Href         string   // location relative to the repository root, or to Base
	Base         string   // location's xml:base, "" when absent
	Size         int64    // bytes as stored; 0 when absent
	OpenSize     int64    // decompressed bytes; 0 when absent
	Timestamp    int64    // seconds since the epoch; 0 when absent
}

// RepoMD is a parsed repomd.xml.
type RepoMD struct {
	Revision string
	Data     []DataFile // in file order
}

// Find returns the first data entry of type typ. Like librepo, a repeated
// type is not an error: the first one wins.
func (m *RepoMD) Find(typ string) (DataFile, bool) {
	for _, d := range m.Data {
		if d.Type == typ {
			return d, true
		}
	}
	return DataFile{}, false
}

// xmlNamespace is the namespace encoding/xml gives the reserved "xml:" prefix.
const xmlNamespace = "http://www.w3.org/XML/1998/namespace"

type repomdChecksum struct {
	Type  string `xml:"type,attr"`
	Value string `xml:",chardata"`
}

type repomdData struct {
	Type         string          `xml:"type,attr"`
	Checksum     *repomdChecksum `xml:"checksum"`
	OpenChecksum *repomdChecksum `xml:"open-checksum"`
	Location     *struct {
		Href  *string    `xml:"href,attr"`
		Attrs []xml.Attr `xml:",any,attr"`
	} `xml:"location"`
	Size      *string `xml:"size"`
	OpenSize  *string `xml:"open-size"`
	Timestamp *string `xml:"timestamp"`
}

// ParseRepomd parses repomd.xml. Its errors are *ParseError, naming name (a
// file or URL) and the position where the problem was found. A missing
// primary entry is not an error here: whoever needs it reports its absence.
func ParseRepomd(data []byte, name string) (*RepoMD, error) {
	dec := xml.NewDecoder(bytes.NewReader(data))
	// repomd.xml is ASCII in practice; accept any declared charset as is
	// rather than fail on a label encoding/xml does not know.
	dec.CharsetReader = func(_ string, r io.Reader) (io.Reader, error) { return r, nil }
	// fail reports a problem at byte offset, caused by cause (or nil).
	fail := func(offset int64, cause error, format string, args ...any) error {
		return &ParseError{Pos: positionIn(name, data, offset), Msg: fmt.Sprintf(format, args...), Err: cause}
	}

	md := &RepoMD{}
	depth := 0
	sawRoot := false
	for {
		offset := dec.InputOffset()
		tok, err := dec.Token()
		if err == io.EOF {
			if !sawRoot {
				return nil, fail(offset, nil, "no <repomd> element")
			}
			return md, nil
		}
		if err != nil {
			return nil, fail(dec.InputOffset(), err, "%v", xmlError{err})
		}
		switch t := tok.(type) {
		case xml.StartElement:
			depth++
			switch {
			case depth == 1:
				if t.Name.Local != "repomd" {
					return nil, fail(offset, nil, "root element is <%s>, want <repomd>", t.Name.Local)
				}
				sawRoot = true
			case depth == 2 && t.Name.Local == "revision":
				var rev string
				if err := dec.DecodeElement(&rev, &t); err != nil {
					return nil, fail(dec.InputOffset(), err, "<revision>: %v", xmlError{err})
				}
				depth--
				md.Revision = strings.TrimSpace(rev)
			case depth == 2 && t.Name.Local == "data":
				var raw repomdData
				if err := dec.DecodeElement(&raw, &t); err != nil {
					return nil, fail(dec.InputOffset(), err, "<data>: %v", xmlError{err})
				}
				depth--
				d, err := raw.dataFile()
				if err != nil {
					return nil, fail(offset, err, "%v", err)
				}
				md.Data = append(md.Data, d)
			}
		case xml.EndElement:
			depth--
		}
	}
}

// xmlError is an encoding/xml error worded for people: a truncated file says
// so instead of "unexpected EOF". The caller adds the byte offset.
type xmlError struct{ err error }

func (e xmlError) Error() string {
	var syntax *xml.SyntaxError
	if errors.Is(e.err, io.ErrUnexpectedEOF) || errors.As(e.err, &syntax) && syntax.Msg == "unexpected EOF" {
		return "unexpected end of file (truncated?)"
	}
	return e.err.Error()
}

func (e xmlError) Unwrap() error { return e.err }

// dataFile validates a decoded <data> element.
func (raw *repomdData) dataFile() (DataFile, error) {
	d := DataFile{Type: strings.TrimSpace(raw.Type)}
	what := fmt.Sprintf("<data type=%q>", d.Type)
	if d.Type == "" {
		return d, errors.New("<data> without a type")
	}
	if raw.Location == nil || raw.Location.Href == nil || strings.TrimSpace(*raw.Location.Href) == "" {
		return d, fmt.Errorf("%s: no <location href>", what)
	}
	d.Href = strings.TrimSpace(*raw.Location.Href)
	for _, a := range raw.Location.Attrs {
		if a.Name.Space == xmlNamespace && a.Name.Local == "base" {
			d.Base = strings.TrimSpace(a.Value)
		}
	}
	var err error
	if raw.Checksum != nil {
		if d.Checksum, err = ParseChecksum(raw.Checksum.Type, raw.Checksum.Value); err != nil {
			return d, fmt.Errorf("%s: <checksum>: %w", what, err)
		}
	}
	if raw.OpenChecksum != nil {
		if d.OpenChecksum, err = ParseChecksum(raw.OpenChecksum.Type, raw.OpenChecksum.Value); err != nil {
			return d, fmt.Errorf("%s: <open-checksum>: %w", what, err)
		}
	}
	if d.Size, err = parseSize(raw.Size); err != nil {
		return d, fmt.Errorf("%s: <size>: %w", what, err)
	}
	if d.OpenSize, err = parseSize(raw.OpenSize); err != nil {
		return d, fmt.Errorf("%s: <open-size>: %w", what, err)
	}
	if raw.Timestamp != nil {
		if d.Timestamp, err = parseTimestamp(*raw.Timestamp); err != nil {
			return d, fmt.Errorf("%s: <timestamp>: %w", what, err)
		}
	}
	return d, nil
}

func parseSize(s *string) (int64, error) {
	if s == nil {
		return 0, nil
	}
	n, err := strconv.ParseInt(strings.TrimSpace(*s), 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%q is not a whole number", *s)
	}
	if n < 0 {
		return 0, fmt.Errorf("negative size %d", n)
	}
	return n, nil
}

// parseTimestamp accepts whole seconds and, as some older generators wrote,
// fractional ones (truncated).
func parseTimestamp(s string) (int64, error) {
	s = strings.TrimSpace(s)
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return n, nil
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f != f || f > 1<<62 || f < -(1<<62) {
		return 0, fmt.Errorf("%q is not a time in seconds", s)
	}
	return int64(f), nil
}
