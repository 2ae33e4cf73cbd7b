package repomd

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

func parseTestRepomd(tb testing.TB, path string) *RepoMD {
	tb.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	md, err := ParseRepomd(data, path)
	if err != nil {
		tb.Fatal(err)
	}
	return md
}

func TestParseRepomdReal(t *testing.T) {
	tests := []struct {
		file     string
		revision string
		types    []string
	}{
		{"cs9-baseos.xml", "1644263915", []string{"primary", "filelists", "other", "group", "group_gz"}},
		{"cs9-appstream.xml", "9-stream", []string{"primary", "filelists", "other", "primary_db", "filelists_db", "other_db", "group", "group_xz", "modules"}},
		{"cs9-custom-zst.xml", "1713204559", []string{"primary", "filelists", "other"}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			md := parseTestRepomd(t, filepath.Join("testdata/repomdxml", tt.file))
			if md.Revision != tt.revision {
				t.Errorf("revision %q, want %q", md.Revision, tt.revision)
			}
			var types []string
			for _, d := range md.Data {
				types = append(types, d.Type)
				// createrepo_c names each file after its checksum.
				if !strings.HasPrefix(d.Href, "repodata/"+d.Checksum.Hex+"-") {
					t.Errorf("%s: href %q does not carry checksum %s", d.Type, d.Href, d.Checksum)
				}
				if d.Checksum.Type != "sha256" || d.Size <= 0 || d.Timestamp <= 0 {
					t.Errorf("%s: incomplete entry %+v", d.Type, d)
				}
			}
			if strings.Join(types, " ") != strings.Join(tt.types, " ") {
				t.Errorf("types %v, want %v", types, tt.types)
			}
		})
	}
}

// TestParseRepomdMatchesFiles checks the parsed checksums and sizes against
// the real files they describe.
func TestParseRepomdMatchesFiles(t *testing.T) {
	md := parseTestRepomd(t, "testdata/repomdxml/cs9-baseos.xml")
	primary, ok := md.Find("primary")
	if !ok {
		t.Fatal("no primary")
	}
	if primary.OpenSize != 8471009 || primary.Timestamp != 1644263915 || primary.OpenChecksum.Type != "sha256" {
		t.Errorf("primary entry %+v", primary)
	}
	for _, typ := range []string{"primary", "filelists", "group_gz"} {
		d, ok := md.Find(typ)
		if !ok {
			t.Fatalf("no %s", typ)
		}
		data := readSharedData(t, filepath.Join("cs9/baseos", d.Href))
		if int64(len(data)) != d.Size {
			t.Errorf("%s: file has %d bytes, repomd.xml says %d", typ, len(data), d.Size)
		}
		h, err := d.Checksum.NewHash()
		if err != nil {
			t.Fatal(err)
		}
		h.Write(data)
		if got := hex.EncodeToString(h.Sum(nil)); got != d.Checksum.Hex {
			t.Errorf("%s: file checksum %s, repomd.xml says %s", typ, got, d.Checksum.Hex)
		}
	}
	if _, ok := md.Find("modules"); ok {
		t.Error("found modules in a repository without them")
	}
}

const sha256Empty = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

func TestParseRepomdFields(t *testing.T) {
	doc := `<?xml version="1.0" encoding="UTF-8"?>
<repomd xmlns="http://linux.duke.edu/metadata/repo">
  <revision> 42 </revision>
  <data type="primary">
    <checksum type="SHA">DA39A3EE5E6B4B0D3255BFEF95601890AFD80709</checksum>
    <open-checksum type="sha512">` + strings.Repeat("ab", 64) + `</open-checksum>
    <location xml:base="http://mirror.example/el9/" href="repodata/p.xml.gz"/>
    <timestamp>1362472431.5</timestamp>
    <size>10</size>
    <open-size>0</open-size>
  </data>
  <data type="primary"><checksum type="md5">d41d8cd98f00b204e9800998ecf8427e</checksum><location href="second"/></data>
  <data type="group"><location href="comps.xml"/></data>
</repomd>`
	md, err := ParseRepomd([]byte(doc), "repomd.xml")
	if err != nil {
		t.Fatal(err)
	}
	want := DataFile{
		Type:         "primary",
		Checksum:     Checksum{"sha1", "da39a3ee5e6b4b0d3255bfef95601890afd80709"},
		OpenChecksum: Checksum{"sha512", strings.Repeat("ab", 64)},
		Href:         "repodata/p.xml.gz",
		Base:         "http://mirror.example/el9/",
		Size:         10,
		Timestamp:    1362472431,
	}
	if md.Revision != "42" || len(md.Data) != 3 || md.Data[0] != want {
		t.Fatalf("got %+v, want revision 42 and first entry %+v", md, want)
	}
	if d, _ := md.Find("primary"); d.Href != "repodata/p.xml.gz" {
		t.Errorf("Find took %q, want the first primary", d.Href)
	}
	if d, _ := md.Find("group"); d.Checksum != (Checksum{}) {
		t.Errorf("group without checksum got %v", d.Checksum)
	}
}

func TestParseRepomdErrors(t *testing.T) {
	sha := `<checksum type="sha256">` + sha256Empty + `</checksum>`
	data := func(inner string) string {
		return `<repomd><revision>1</revision><data type="primary">` + inner + `</data></repomd>`
	}
	tests := []struct {
		name, doc, want string
	}{
		{"empty", "", "no <repomd> element"},
		{"not xml", "garbage", "no <repomd> element"},
		{"wrong root", "<metadata/>", "root element is <metadata>"},
		{"truncated", `<repomd><data type="primary"><location href="a"/>`, "unexpected end of file"},
		{"no location", data(sha), `<data type="primary">: no <location href>`},
		{"empty href", data(sha + `<location href=" "/>`), "no <location href>"},
		{"no type", `<repomd><data><location href="a"/></data></repomd>`, "<data> without a type"},
		{"unknown checksum", data(`<checksum type="crc32">00000000</checksum><location href="a"/>`), `unknown checksum type "crc32"`},
		{"non-hex checksum", data(`<checksum type="sha256">` + strings.Repeat("zz", 32) + `</checksum><location href="a"/>`), "is not hex"},
		{"short checksum", data(`<checksum type="sha256">abcd</checksum><location href="a"/>`), "has 4 hex digits, want 64"},
		{"bad open-checksum", data(sha + `<open-checksum type="">ab</open-checksum><location href="a"/>`), "<open-checksum>: unknown checksum type"},
		{"negative size", data(sha + `<location href="a"/><size>-1</size>`), "<size>: negative size -1"},
		{"negative open-size", data(sha + `<location href="a"/><open-size>-5</open-size>`), "<open-size>: negative size -5"},
		{"size not a number", data(sha + `<location href="a"/><size>12kB</size>`), `<size>: "12kB" is not a whole number`},
		{"bad timestamp", data(sha + `<location href="a"/><timestamp>yesterday</timestamp>`), "<timestamp>"},
		{"mismatched tags", `<repomd><data type="primary"></repomd>`, "XML syntax error"},
	}
	offset := regexp.MustCompile(`^repodata/repomd\.xml:\d+:\d+: `)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			md, err := ParseRepomd([]byte(tt.doc), "repodata/repomd.xml")
			if err == nil {
				t.Fatalf("no error, got %+v", md)
			}
			checkParseError(t, err, "repodata/repomd.xml", []byte(tt.doc), -1)
			if !offset.MatchString(err.Error()) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q, want file, line, column and %q", err, tt.want)
			}
		})
	}
}

// TestParseRepomdErrorOffset checks that the offset points at the bad entry.
func TestParseRepomdErrorOffset(t *testing.T) {
	good := `<data type="primary"><location href="a"/></data>`
	bad := `<data type="other"><location href="b"/><size>-1</size></data>`
	doc := "<repomd>\n  " + good + "\n  " + bad + "\n</repomd>\n"
	_, err := ParseRepomd([]byte(doc), "r")
	checkParseError(t, err, "r", []byte(doc), int64(strings.Index(doc, bad)))
	if want := "r:3:3: "; err == nil || !strings.HasPrefix(err.Error(), want) {
		t.Fatalf("error %v, want prefix %q", err, want)
	}
}

func TestChecksum(t *testing.T) {
	tests := []struct {
		typ, digest string // digest of the empty input
	}{
		{"md5", "d41d8cd98f00b204e9800998ecf8427e"},
		{"sha", "da39a3ee5e6b4b0d3255bfef95601890afd80709"},
		{"sha1", "da39a3ee5e6b4b0d3255bfef95601890afd80709"},
		{"sha224", "d14a028c2a3a2bc9476102bb288234c415a2b01f828ea62ac5b3e42f"},
		{"SHA256", sha256Empty},
		{"sha384", "38b060a751ac96384cd9327eb1b1e36a21fdb71114be07434c0cc7bf63f6e1da274edebfe76f65fbd51ad2f14898b95b"},
		{"sha512", "cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e"},
	}
	for _, tt := range tests {
		c, err := ParseChecksum(tt.typ, tt.digest)
		if err != nil {
			t.Fatalf("ParseChecksum(%q): %v", tt.typ, err)
		}
		h, err := c.NewHash()
		if err != nil {
			t.Fatalf("%s: NewHash: %v", c, err)
		}
		if got := hex.EncodeToString(h.Sum(nil)); got != c.Hex {
			t.Errorf("%s hash of nothing is %s, want %s", c.Type, got, c.Hex)
		}
		if want := strings.ToLower(tt.typ); c.Type != want && !(tt.typ == "sha" && c.Type == "sha1") {
			t.Errorf("type %q, want %q", c.Type, want)
		}
	}
	if s := (Checksum{"sha256", "ab"}).String(); s != "sha256:ab" {
		t.Errorf("String() = %q", s)
	}
	if _, err := (Checksum{"crc32", "00"}).NewHash(); err == nil {
		t.Error("NewHash accepted crc32")
	}
	if _, err := (Checksum{}).NewHash(); err == nil {
		t.Error("NewHash accepted an empty type")
	}
	sum := sha256.Sum256(nil)
	if c, err := ParseChecksum("sha256", " "+strings.ToUpper(hex.EncodeToString(sum[:]))+"\n"); err != nil || c.Hex != sha256Empty {
		t.Errorf("ParseChecksum did not normalise: %v, %v", c, err)
	}
}

func FuzzParseRepomd(f *testing.F) {
	paths, err := filepath.Glob("testdata/repomdxml/*.xml")
	if err != nil || len(paths) == 0 {
		f.Fatalf("no seed files: %v", err)
	}
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte(`<repomd><data type="x"><location xml:base="b" href="h"/><size>1</size></data></repomd>`))
	f.Fuzz(func(t *testing.T, data []byte) {
		md, err := ParseRepomd(data, "fuzz")
		if err != nil {
			checkParseError(t, err, "fuzz", data, -1)
			return
		}
		for _, d := range md.Data {
			if d.Type == "" || d.Href == "" || d.Size < 0 || d.OpenSize < 0 {
				t.Fatalf("invalid entry accepted: %+v", d)
			}
			for _, c := range []Checksum{d.Checksum, d.OpenChecksum} {
				if c == (Checksum{}) {
					continue
				}
				if _, err := c.NewHash(); err != nil {
					t.Fatalf("accepted checksum %v: %v", c, err)
				}
				if _, err := ParseChecksum(c.Type, c.Hex); err != nil {
					t.Fatalf("accepted checksum %v: %v", c, err)
				}
			}
		}
	})
}
