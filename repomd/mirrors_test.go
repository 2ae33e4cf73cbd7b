package repomd

import (
	"bytes"
	"context"
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// placeholderDigests returns the four digests the sample metalink lists for
// one of its placeholder strings.
func placeholderDigests(s string) []Checksum {
	b := []byte(s)
	md5Sum, sha1Sum, sha256Sum, sha512Sum := md5.Sum(b), sha1.Sum(b), sha256.Sum256(b), sha512.Sum512(b)
	return []Checksum{
		{Type: "md5", Hex: hex.EncodeToString(md5Sum[:])},
		{Type: "sha1", Hex: hex.EncodeToString(sha1Sum[:])},
		{Type: "sha256", Hex: hex.EncodeToString(sha256Sum[:])},
		{Type: "sha512", Hex: hex.EncodeToString(sha512Sum[:])},
	}
}

const fedoraUpdates = "/fedora/linux/updates/41/Everything/x86_64/"

func TestParseMetalinkFedora(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("testdata", "fetch", "metalink.xml"))
	if err != nil {
		t.Fatal(err)
	}
	ml, err := ParseMetalink(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	if ml.Size != 7231 {
		t.Errorf("Size = %d, want 7231", ml.Size)
	}
	wantHashes := slices.Concat(placeholderDigests("repomd current"), placeholderDigests("repomd alt1"), placeholderDigests("repomd alt2"))
	if !slices.Equal(ml.Hashes, wantHashes) {
		t.Errorf("Hashes =\n%v\nwant\n%v", ml.Hashes, wantHashes)
	}
	// By preference, highest first, in document order among equals;
	// rsync and ftp dropped.
	wantMirrors := []string{
		"https://ftp.fau.de" + fedoraUpdates,
		"http://ftp.fau.de" + fedoraUpdates,
		"https://mirror.23m.com" + fedoraUpdates,
		"https://mirror.nl.leaseweb.net" + fedoraUpdates,
		"https://ftp.tu-graz.ac.at/mirror" + fedoraUpdates,
		"http://ftp.fi.muni.cz/pub/linux" + fedoraUpdates,
		"https://dl.fedoraproject.org/pub" + fedoraUpdates,
	}
	if !slices.Equal(ml.Mirrors, wantMirrors) {
		t.Errorf("Mirrors =\n%s\nwant\n%s", strings.Join(ml.Mirrors, "\n"), strings.Join(wantMirrors, "\n"))
	}
}

func TestParseMetalink(t *testing.T) {
	sha := strings.Repeat("ab", 32)
	doc := func(file string) string {
		return `<?xml version="1.0" encoding="utf-8"?>
<metalink version="3.0" xmlns="http://www.metalinker.org/" xmlns:mm0="http://fedorahosted.org/mirrormanager"><files>` + file + `</files></metalink>`
	}
	tests := []struct {
		name        string
		in          string
		wantErr     string
		wantMirrors []string
		wantHashes  []Checksum
	}{
		{
			name: "old directory-qualified name, no preference, unknown and legacy hash types",
			in: doc(`<file name="pub/epel/7/x86_64/repodata/repomd.xml"><verification>
				<hash type="sha3-256">zz</hash><hash type="SHA">` + strings.Repeat("CD", 20) + `</hash><hash type="sha256">` + sha + `</hash></verification>
				<resources><url protocol="http">http://a/epel/7/x86_64/repodata/repomd.xml</url>
				<url protocol="https" preference="50">https://b/epel/7/x86_64/repodata/repomd.xml</url>
				<url>file:///srv/epel/repodata/repomd.xml</url>
				<url>https://c/epel/7/x86_64/repodata/other.xml</url>
				<url>https://d/repodata/repomd.xml.asc</url></resources></file>`),
			wantMirrors: []string{"https://b/epel/7/x86_64/", "http://a/epel/7/x86_64/", "file:///srv/epel/"},
			wantHashes:  []Checksum{{Type: "sha1", Hex: strings.Repeat("cd", 20)}, {Type: "sha256", Hex: sha}},
		},
		{
			name:        "other files are skipped",
			in:          doc(`<file name="repomd.xml.asc"><resources><url>https://x/repodata/repomd.xml</url></resources></file><file name="repomd.xml"/>`),
			wantMirrors: nil,
		},
		{name: "not XML", in: "Bad Request: repo=nonexistent\n", wantErr: "metalink: byte "},
		{name: "truncated", in: doc(`<file name="repomd.xml"><verification>`)[:150], wantErr: "unexpected end of file"},
		{name: "wrong root", in: `<repomd/>`, wantErr: "root element is <repomd>"},
		{name: "no repomd.xml", in: doc(`<file name="other.xml"/>`), wantErr: `no <file name="repomd.xml">`},
		{name: "bad digest", in: doc(`<file name="repomd.xml"><verification><hash type="sha256">abcd</hash></verification></file>`), wantErr: "has 4 hex digits"},
		{name: "bad size", in: doc(`<file name="repomd.xml"><size>-4</size></file>`), wantErr: `<size> "-4"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ml, err := ParseMetalink(strings.NewReader(tt.in))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(ml.Mirrors, tt.wantMirrors) || !slices.Equal(ml.Hashes, tt.wantHashes) {
				t.Errorf("got mirrors %q hashes %v, want %q %v", ml.Mirrors, ml.Hashes, tt.wantMirrors, tt.wantHashes)
			}
		})
	}
}

func TestParseMirrorlist(t *testing.T) {
	tests := []struct {
		name, in, wantErr string
		want              []string
	}{
		{
			name: "fedora",
			in: "# repo = fedora-41 arch = x86_64 country = DE country = AT \n" +
				"https://ftp.fau.de" + fedoraUpdates + "\n\n" +
				"  http://ftp.fi.muni.cz/pub/linux" + fedoraUpdates + "  \r\n" +
				"file:///srv/mirror/fedora/\n",
			want: []string{"https://ftp.fau.de" + fedoraUpdates, "http://ftp.fi.muni.cz/pub/linux" + fedoraUpdates, "file:///srv/mirror/fedora/"},
		},
		{name: "empty", in: "# nothing here\n", want: nil},
		{name: "html error page", in: "<html>\n<body>502</body>", wantErr: `line 1: "<html>" is not an http, https or file URL`},
		{name: "centos eol answer", in: "Invalid release/repo/arch combination\n", wantErr: "line 1"},
		{name: "rsync", in: "https://a/\nrsync://b/\n", wantErr: "line 2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseMirrorlist(strings.NewReader(tt.in))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || !slices.Equal(got, tt.want) {
				t.Errorf("got %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}

// sampleMetalink returns a metalink listing mirrors (base URLs ending in /)
// and the sha256 digests of the given repomd.xml versions.
func sampleMetalink(repomds [][]byte, mirrors ...string) []byte {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="utf-8"?>
<metalink version="3.0" xmlns="http://www.metalinker.org/" type="dynamic" generator="mirrormanager" xmlns:mm0="http://fedorahosted.org/mirrormanager">
 <files><file name="repomd.xml"><verification><hash type="sha256">` + sha256Of(repomds[0]) + `</hash></verification><mm0:alternates>`)
	for _, r := range repomds[1:] {
		b.WriteString(`<mm0:alternate><verification><hash type="sha256">` + sha256Of(r) + `</hash></verification></mm0:alternate>`)
	}
	b.WriteString(`</mm0:alternates><resources maxconnections="1">`)
	for _, m := range mirrors {
		b.WriteString(`<url protocol="http" type="http" location="US" preference="100">` + m + `repodata/repomd.xml</url>`)
	}
	b.WriteString("</resources></file></files></metalink>\n")
	return []byte(b.String())
}

func TestResolveMirrorsMetalink(t *testing.T) {
	current := []byte("<repomd><revision>2</revision></repomd>\n")
	previous := []byte("<repomd><revision>1</revision></repomd>\n")
	mirrorA := newCountingServer(t, serveFiles(map[string][]byte{"/a/" + repomdHref: previous}))
	mirrorB := newCountingServer(t, serveFiles(map[string][]byte{"/b/" + repomdHref: current}))
	metalink := sampleMetalink([][]byte{current, previous}, mirrorB.URL+"/b/", mirrorA.URL+"/a/")
	mm := newCountingServer(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("repo") != "updates-released-f41" {
			http.NotFound(w, r)
			return
		}
		w.Write(metalink)
	})
	metalinkURL := mm.URL + "/metalink?repo=updates-released-f41&arch=x86_64"
	f, log := newTestFetcher(t)
	ctx := context.Background()

	// A baseurl comes first; one the metalink repeats is listed once.
	baseurls := []string{mirrorA.URL + "/a"}
	mirrors, want, err := f.ResolveMirrors(ctx, "updates", baseurls, "http://ignored.invalid/mirrorlist", metalinkURL)
	if err != nil {
		t.Fatal(err)
	}
	if wantMirrors := []string{mirrorA.URL + "/a", mirrorB.URL + "/b/"}; !slices.Equal(mirrors, wantMirrors) {
		t.Errorf("mirrors %q, want %q", mirrors, wantMirrors)
	}
	if wantSums := []Checksum{{"sha256", sha256Of(current)}, {"sha256", sha256Of(previous)}}; !slices.Equal(want, wantSums) {
		t.Errorf("want %v, want %v", want, wantSums)
	}
	// The lagging baseurl serves the previous version, an alternate the
	// metalink still accepts.
	body, _, err := f.Repomd(ctx, "updates", mirrors, want)
	if err != nil || !bytes.Equal(body, previous) {
		t.Errorf("Repomd: %q, %v\n%s", body, err, log)
	}

	// Offline, the cached metalink gives the same answer.
	mm.Close()
	f.CacheOnly = true
	offline, offlineWant, err := f.ResolveMirrors(ctx, "updates", baseurls, "", metalinkURL)
	if err != nil || !slices.Equal(offline, mirrors) || !slices.Equal(offlineWant, want) {
		t.Errorf("cache-only: %q %v, %v", offline, offlineWant, err)
	}
	assertCacheClean(t, f.CacheDir)

	fresh, _ := newTestFetcher(t)
	fresh.CacheOnly = true
	if _, _, err := fresh.ResolveMirrors(ctx, "updates", nil, "", metalinkURL); err == nil || !strings.Contains(err.Error(), "metalink.xml: not cached") {
		t.Errorf("cache-only without a cached metalink: %v", err)
	}
}

func TestResolveMirrorsMirrorlist(t *testing.T) {
	metalinkBody := sampleMetalink([][]byte{[]byte("x")}, "https://m1.example/repo/")
	srv := newCountingServer(t, serveFiles(map[string][]byte{
		"/list":     []byte("# mirrors\nhttps://m1.example/repo/\nhttps://m2.example/repo\n"),
		"/metalink": metalinkBody,
		"/garbage":  []byte("Invalid release/repo/arch combination\n"),
		"/html":     []byte("<html>oops"),
	}))
	local := filepath.Join(t.TempDir(), "mirrors.txt")
	if err := os.WriteFile(local, []byte("https://m3.example/repo/\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	tests := []struct {
		name       string
		baseurls   []string
		mirrorlist string
		wantErr    string
		want       []string
		wantSums   int
		wantLog    string
	}{
		{name: "plain list", mirrorlist: srv.URL + "/list", want: []string{"https://m1.example/repo/", "https://m2.example/repo"}},
		{name: "metalink behind mirrorlist=", mirrorlist: srv.URL + "/metalink", want: []string{"https://m1.example/repo/"}, wantSums: 1},
		{name: "local file", mirrorlist: local, want: []string{"https://m3.example/repo/"}},
		{name: "baseurl only", baseurls: []string{"/srv/repo"}, want: []string{"/srv/repo"}},
		{name: "failing list without baseurl", mirrorlist: srv.URL + "/missing", wantErr: "HTTP 404"},
		{name: "bad list without baseurl", mirrorlist: srv.URL + "/garbage", wantErr: "line 1: \"Invalid release/repo/arch combination\" is not an http, https or file URL"},
		{name: "html page", mirrorlist: srv.URL + "/html", wantErr: "/html: metalink: byte 10: unexpected end of file"},
		{
			name: "failing list with baseurl", baseurls: []string{"https://base.example/repo/"}, mirrorlist: srv.URL + "/missing",
			want: []string{"https://base.example/repo/"}, wantLog: "using baseurl only",
		},
		{name: "nothing", wantErr: "no mirrors"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, log := newTestFetcher(t)
			mirrors, sums, err := f.ResolveMirrors(ctx, "r", tt.baseurls, tt.mirrorlist, "")
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || !slices.Equal(mirrors, tt.want) || len(sums) != tt.wantSums {
				t.Errorf("got %q (%d sums), %v; want %q (%d sums)", mirrors, len(sums), err, tt.want, tt.wantSums)
			}
			if !strings.Contains(log.String(), tt.wantLog) {
				t.Errorf("log lacks %q:\n%s", tt.wantLog, log)
			}
		})
	}
}

func FuzzParseMetalink(f *testing.F) {
	if data, err := os.ReadFile(filepath.Join("testdata", "fetch", "metalink.xml")); err == nil {
		f.Add(data)
	}
	f.Add(sampleMetalink([][]byte{[]byte("a"), []byte("b")}, "http://m/", "file:///srv/"))
	f.Add([]byte(`<metalink><files><file name="repomd.xml"><size>1</size><resources><url preference="x">https://h/repodata/repomd.xml</url></resources></file></files></metalink>`))
	f.Add([]byte(`<metalink><files><file name="repomd.xml"><verification><hash type="md5">00</hash></verification></file></files></metalink>`))
	f.Add([]byte("<"))
	f.Fuzz(func(t *testing.T, data []byte) {
		ml, err := ParseMetalink(bytes.NewReader(data))
		if err != nil {
			return
		}
		for _, m := range ml.Mirrors {
			if !isMirrorURL(m) {
				t.Errorf("mirror %q is not an http, https or file URL", m)
			}
		}
		for _, c := range ml.Hashes {
			if n := checksumSize(c.Type); n == 0 || len(c.Hex) != 2*n || strings.ToLower(c.Hex) != c.Hex {
				t.Errorf("hash %v is not a valid digest", c)
			}
		}
		if ml.Size < 0 {
			t.Errorf("negative size %d", ml.Size)
		}
	})
}

func FuzzParseMirrorlist(f *testing.F) {
	f.Add([]byte("# repo = fedora-41\nhttps://ftp.fau.de/fedora/\n\nhttp://m/x\r\n"))
	f.Add([]byte("file:///srv/repo/\n#\n"))
	f.Add([]byte("<html>"))
	f.Add([]byte("http://[::1]:80/%zz\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		mirrors, err := ParseMirrorlist(bytes.NewReader(data))
		if err != nil {
			return
		}
		for _, m := range mirrors {
			if !isMirrorURL(m) || m != strings.TrimSpace(m) || strings.HasPrefix(m, "#") {
				t.Errorf("mirror %q is not a trimmed http, https or file URL", m)
			}
			if _, err := parseMirror(m); err != nil {
				t.Errorf("mirror %q cannot be fetched from: %v", m, err)
			}
		}
	})
}

func BenchmarkParseMetalink(b *testing.B) {
	data, err := os.ReadFile(filepath.Join("testdata", "fetch", "metalink.xml"))
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := ParseMetalink(bytes.NewReader(data)); err != nil {
			b.Fatal(err)
		}
	}
}
