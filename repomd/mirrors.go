package repomd

import (
	"bufio"
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
)

// Metalink is what a metalink 3.0 document (as Fedora's and CentOS's
// MirrorManager serve it) says about a repository's repomd.xml.
type Metalink struct {
	Size int64 // repomd.xml's size in bytes; 0 when not given
	// Hashes are the digests of the current repomd.xml, then those of the
	// <mm0:alternates>: recent earlier versions that lagging mirrors may still
	// serve and that librepo accepts too. Types this package cannot compute
	// are left out.
	Hashes []Checksum
	// Mirrors are repository base URLs (the <url> minus its trailing
	// "repodata/repomd.xml"), most preferred first. Only http, https and file
	// URLs are kept.
	Mirrors []string
}

// metalinkSuffix is the path every usable metalink <url> ends with.
const metalinkSuffix = "repodata/repomd.xml"

type metalinkHash struct {
	Type  string `xml:"type,attr"`
	Value string `xml:",chardata"`
}

type metalinkDoc struct {
	XMLName xml.Name
	Files   []struct {
		Name       string         `xml:"name,attr"`
		Size       string         `xml:"size"`
		Hashes     []metalinkHash `xml:"verification>hash"`
		Alternates []struct {
			Hashes []metalinkHash `xml:"verification>hash"`
		} `xml:"alternates>alternate"`
		URLs []metalinkURL `xml:"resources>url"`
	} `xml:"files>file"`
}

// metalinkURL is one <url> of a metalink <file>.
type metalinkURL struct {
	Preference string `xml:"preference,attr"`
	URL        string `xml:",chardata"`
}

// ParseMetalink reads a metalink 3.0 document and returns what it says about
// repomd.xml. Old MirrorManager versions named the file "<dir>/repomd.xml";
// both forms are accepted.
func ParseMetalink(r io.Reader) (*Metalink, error) {
	dec := xml.NewDecoder(r)
	// Metalinks are ASCII; do not fail on a charset label encoding/xml lacks.
	dec.CharsetReader = func(_ string, r io.Reader) (io.Reader, error) { return r, nil }
	var doc metalinkDoc
	if err := dec.Decode(&doc); err != nil {
		return nil, fmt.Errorf("metalink: byte %d: %w", dec.InputOffset(), xmlError{err})
	}
	if doc.XMLName.Local != "metalink" {
		return nil, fmt.Errorf("metalink: root element is <%s>, want <metalink>", doc.XMLName.Local)
	}
	for _, file := range doc.Files {
		name := strings.TrimSpace(file.Name)
		if name != "repomd.xml" && !strings.HasSuffix(name, "/repomd.xml") {
			continue
		}
		ml := &Metalink{}
		if s := strings.TrimSpace(file.Size); s != "" {
			n, err := strconv.ParseInt(s, 10, 64)
			if err != nil || n < 0 {
				return nil, fmt.Errorf("metalink: repomd.xml <size> %q is not a byte count", s)
			}
			ml.Size = n
		}
		groups := [][]metalinkHash{file.Hashes}
		for _, alt := range file.Alternates {
			groups = append(groups, alt.Hashes)
		}
		for _, group := range groups {
			for _, h := range group {
				c, ok, err := parseMetalinkHash(h)
				if err != nil {
					return nil, fmt.Errorf("metalink: repomd.xml <hash>: %w", err)
				}
				if ok {
					ml.Hashes = append(ml.Hashes, c)
				}
			}
		}
		ml.Mirrors = metalinkMirrors(file.URLs)
		return ml, nil
	}
	return nil, errors.New(`metalink: no <file name="repomd.xml">`)
}

// metalinkMirrors returns the repository roots of urls that name one, by
// preference (highest first; the document's order among equals).
func metalinkMirrors(urls []metalinkURL) []string {
	type ranked struct {
		url        string
		preference int
	}
	var mirrors []ranked
	for _, u := range urls {
		base, ok := metalinkMirror(strings.TrimSpace(u.URL))
		if !ok {
			continue
		}
		// A missing or malformed preference ranks last rather than
		// costing the whole metalink.
		pref, _ := strconv.Atoi(strings.TrimSpace(u.Preference))
		mirrors = append(mirrors, ranked{base, pref})
	}
	slices.SortStableFunc(mirrors, func(a, b ranked) int { return b.preference - a.preference })
	var out []string
	for _, m := range mirrors {
		out = append(out, m.url)
	}
	return out
}

// parseMetalinkHash validates one <hash>. A type this package does not know
// is skipped (ok false); a known type with a malformed digest is an error,
// since silently dropping it could leave repomd.xml unverified.
func parseMetalinkHash(h metalinkHash) (c Checksum, ok bool, err error) {
	typ := strings.ToLower(strings.TrimSpace(h.Type))
	if typ != "sha" && checksumSize(typ) == 0 {
		return Checksum{}, false, nil
	}
	c, err = ParseChecksum(typ, h.Value)
	return c, err == nil, err
}

// metalinkMirror turns a metalink <url> into a repository base URL; ok is
// false for URLs dnf could not use either (rsync, ftp, other files).
func metalinkMirror(raw string) (string, bool) {
	if !strings.HasSuffix(raw, metalinkSuffix) {
		return "", false
	}
	base := strings.TrimSuffix(raw, metalinkSuffix)
	if !isMirrorURL(base) {
		return "", false
	}
	return base, true
}

// isMirrorURL reports whether s is an http, https or file URL that can
// serve as a mirror.
func isMirrorURL(s string) bool {
	if !strings.Contains(s, "://") {
		return false
	}
	_, err := parseMirror(s)
	return err == nil
}

// ParseMirrorlist reads a mirrorlist: one base URL per line, blank lines and
// lines starting with '#' ignored. Variables such as $basearch must already
// be substituted. A line that is not an http, https or file URL is an error
// naming the line, so that an HTML error page is not taken for mirrors.
func ParseMirrorlist(r io.Reader) ([]string, error) {
	var mirrors []string
	sc := bufio.NewScanner(r)
	sc.Buffer(nil, 64<<10)
	for line := 1; sc.Scan(); line++ {
		s := strings.TrimSpace(sc.Text())
		if s == "" || strings.HasPrefix(s, "#") {
			continue
		}
		if !isMirrorURL(s) {
			return nil, fmt.Errorf("mirrorlist: line %d: %q is not an http, https or file URL", line, s)
		}
		mirrors = append(mirrors, s)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("mirrorlist: %w", err)
	}
	return mirrors, nil
}

// isMetalink tells a metalink from a plain mirrorlist by its first
// non-blank byte: dnf lets mirrorlist= point at a metalink too.
func isMetalink(body []byte) bool {
	body = bytes.TrimPrefix(body, []byte("\xef\xbb\xbf"))
	return bytes.HasPrefix(bytes.TrimSpace(body), []byte("<"))
}

// ResolveMirrors returns the mirrors to try for a repository, in order: the
// baseurls first, then those of the metalink or, when no metalink is given,
// the mirrorlist (either may be a URL or a local path). want holds the
// repomd.xml digests a metalink lists, to pass to Repomd. The list is
// fetched afresh and kept in the cache for CacheOnly runs. When it cannot be
// had but baseurls are given, a warning is logged and the baseurls are used
// alone, as dnf does.
func (f *Fetcher) ResolveMirrors(ctx context.Context, repoID string, baseurls []string, mirrorlist, metalink string) (mirrors []string, want []Checksum, err error) {
	mirrors = append(mirrors, baseurls...)
	listURL, cacheName := metalink, "metalink.xml"
	if listURL == "" {
		listURL, cacheName = mirrorlist, "mirrorlist.txt"
	}
	if listURL != "" {
		listed, sums, err := f.fetchMirrorList(ctx, repoID, listURL, cacheName)
		switch {
		case err == nil:
			mirrors = append(mirrors, listed...)
			want = sums
		case ctx.Err() != nil || len(baseurls) == 0:
			return nil, nil, err
		default:
			f.logf("repo %s: %v; using baseurl only", repoID, err)
		}
	}
	mirrors = dedupeMirrors(mirrors)
	if len(mirrors) == 0 {
		return nil, nil, errors.New("no mirrors: no baseurl, and the mirror list names none")
	}
	return mirrors, want, nil
}

// fetchMirrorList gets and parses a metalink or mirrorlist.
func (f *Fetcher) fetchMirrorList(ctx context.Context, repoID, listURL, cacheName string) ([]string, []Checksum, error) {
	body, fromNetwork, err := f.smallFile(ctx, repoID, listURL, cacheName)
	if err != nil {
		return nil, nil, err
	}
	var mirrors []string
	var want []Checksum
	if isMetalink(body) {
		ml, err := ParseMetalink(bytes.NewReader(body))
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %w", listURL, err)
		}
		mirrors, want = ml.Mirrors, ml.Hashes
	} else if mirrors, err = ParseMirrorlist(bytes.NewReader(body)); err != nil {
		return nil, nil, fmt.Errorf("%s: %w", listURL, err)
	}
	// Cache only what parsed, so a broken answer never replaces a good copy.
	if fromNetwork && f.CacheDir != "" {
		if err := f.storeCached(repoID, cacheName, body); err != nil {
			f.logf("repo %s: %v", repoID, err)
		}
	}
	return mirrors, want, nil
}

// dedupeMirrors drops repeated mirrors, ignoring trailing slashes, keeping
// the first of each.
func dedupeMirrors(mirrors []string) []string {
	seen := make(map[string]bool, len(mirrors))
	out := mirrors[:0]
	for _, m := range mirrors {
		key := strings.TrimRight(m, "/")
		if seen[key] {
			continue
		}
		seen[key] = true
		out = append(out, m)
	}
	return out
}
