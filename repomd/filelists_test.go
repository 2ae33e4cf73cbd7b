package repomd

import (
	"bytes"
	"html"
	"io"
	"regexp"
	"slices"
	"strings"
	"testing"
	"testing/iotest"
)

// parseFixturePrimary parses a primary.xml fixture of testdata/xml.
func parseFixturePrimary(tb testing.TB, name string, strs *Strings) []Package {
	tb.Helper()
	pkgs, err := ParsePrimary(bytes.NewReader(readFixture(tb, name)), name, strs)
	if err != nil {
		tb.Fatal(err)
	}
	return pkgs
}

func TestParseFilelistsFeatures(t *testing.T) {
	strs := NewStrings()
	pkgs := parseFixturePrimary(t, "features-primary.xml", strs)
	err := ParseFilelists(bytes.NewReader(readFixture(t, "features-filelists.xml")), "features-filelists.xml", strs, pkgs)
	if err != nil {
		t.Fatal(err)
	}
	// Primary's files first, then the new ones, each once; files inside
	// unknown elements and the package missing from primary are ignored.
	want := []string{
		"/usr/bin/foo /etc/foo.d(dir) /var/log/foo<1>.log(ghost) /usr/share/doc/foo/README /usr/share/doc/foo(dir)",
		"foo.spec foo-2.0.tar.gz",
		"",
	}
	for i := range pkgs {
		var files []string
		for _, f := range pkgs[i].Files {
			files = append(files, renderFile(strs, f))
		}
		if got := strings.Join(files, " "); got != want[i] {
			t.Errorf("%s: files %q, want %q", strs.String(pkgs[i].Name), got, want[i])
		}
	}
	if _, ok := strs.Lookup("/nowhere"); ok {
		t.Error("the file of a package missing from primary was interned")
	}
}

func TestParseFilelistsErrors(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"wrong root", `<metadata/>`, "filelists.xml:1:1: root element is <metadata>, want <filelists>"},
		{"name disagrees", `<filelists><package pkgid="abc123" name="foo" arch="x86_64"/></filelists>`,
			`filelists.xml:1:12: package abc123: name "foo", but primary says "foo&bar"`},
		{"arch disagrees", `<filelists><package pkgid="abc123" arch="noarch"/></filelists>`,
			`filelists.xml:1:12: package abc123: arch "noarch", but primary says "x86_64"`},
		{"version disagrees", `<filelists><package pkgid="abc123"><version epoch="0" ver="2.0" rel="1.el9"/></package></filelists>`,
			`filelists.xml:1:36: package abc123: version "2.0-1.el9", but primary says "3:2.0-1.el9"`},
		{"unknown file type", `<filelists><package pkgid="abc123"><file type="fifo">/x</file></package></filelists>`,
			`filelists.xml:1:36: file with unknown type "fifo"`},
		{"truncated", `<filelists><package pkgid="abc123"><file>/usr/b`, "filelists.xml:1:48: unexpected end of input inside <file>"},
		{"truncated in skipped package", `<filelists><package pkgid="zzz"><file>/usr/b`, "filelists.xml:1:45: unexpected end of input inside <file>"},
		{"bad entity", `<filelists><package pkgid="abc123"><file>&bogus;</file></package></filelists>`, "filelists.xml:1:42: bad reference &bogus;"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			strs := NewStrings()
			pkgs := parseFixturePrimary(t, "features-primary.xml", strs)
			err := ParseFilelists(strings.NewReader(tt.in), "filelists.xml", strs, pkgs)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v, want %q", err, tt.want)
			}
		})
	}
}

var refFilelistsBlockRE = regexp.MustCompile(`(?s)<package pkgid="([^"]*)" name="([^"]*)" arch="([^"]*)">(.*?)</package>`)

func TestParseFilelistsBaseOS(t *testing.T) {
	primary := realXML(t, baseosPrimaryGlob)
	filelists := realXML(t, baseosFilelistsGlob)
	strs := NewStrings()
	pkgs, err := ParsePrimary(bytes.NewReader(primary), "primary.xml", strs)
	if err != nil {
		t.Fatal(err)
	}
	primaryFiles := map[string][]string{}
	for i := range pkgs {
		for _, f := range pkgs[i].Files {
			primaryFiles[pkgs[i].PkgID] = append(primaryFiles[pkgs[i].PkgID], renderFile(strs, f))
		}
	}
	if err := ParseFilelists(bytes.NewReader(filelists), "filelists.xml", strs, pkgs); err != nil {
		t.Fatal(err)
	}

	// Independently: each package's files as filelists.xml lists them.
	want := map[string][]string{}
	for _, m := range refFilelistsBlockRE.FindAllStringSubmatch(string(filelists), -1) {
		for _, f := range refFileRE.FindAllStringSubmatch(m[4], -1) {
			s := html.UnescapeString(f[2])
			if f[1] != "" {
				s += "(" + f[1] + ")"
			}
			want[m[1]] = append(want[m[1]], s)
		}
	}
	if len(want) < 1000 {
		t.Fatalf("reference reading found only %d packages with files", len(want))
	}
	total := 0
	for i := range pkgs {
		p := &pkgs[i]
		seen := map[string]bool{}
		var got []string
		for _, f := range p.Files {
			s := renderFile(strs, f)
			if seen[s] {
				t.Errorf("%s: %s listed twice", strs.String(p.Name), s)
			}
			seen[s] = true
			got = append(got, s)
		}
		total += len(got)
		// Primary's files come first, in primary's order...
		prim := primaryFiles[p.PkgID]
		if len(got) < len(prim) || strings.Join(got[:len(prim)], " ") != strings.Join(prim, " ") {
			t.Errorf("%s: files do not start with primary's %q", strs.String(p.Name), prim)
			continue
		}
		// ...and, as filelists repeats them, the whole list is filelists'.
		wantSet := map[string]bool{}
		for _, s := range want[p.PkgID] {
			wantSet[s] = true
		}
		if len(wantSet) != len(got) {
			t.Errorf("%s: %d files, filelists.xml lists %d", strs.String(p.Name), len(got), len(wantSet))
			continue
		}
		for _, s := range got {
			if !wantSet[s] {
				t.Errorf("%s: %s not in filelists.xml", strs.String(p.Name), s)
			}
		}
	}
	if n := bytes.Count(filelists, []byte("<file")) - bytes.Count(filelists, []byte("<filelists")); total != n {
		t.Errorf("%d files in all, filelists.xml has %d <file> elements", total, n)
	}
}

func TestParseFilelistsAppStreamStub(t *testing.T) {
	stub := realXML(t, appstreamFilelistsGlob)
	strs := NewStrings()
	pkgs := parseFixturePrimary(t, "features-primary.xml", strs)
	before := renderPackage(strs, &pkgs[0])
	if err := ParseFilelists(bytes.NewReader(stub), "filelists.xml", strs, pkgs); err != nil {
		t.Fatal(err)
	}
	if after := renderPackage(strs, &pkgs[0]); after != before {
		t.Errorf("an empty filelists changed a package:\n%s\n%s", before, after)
	}
}

// TestParseFilelistsTruncated cuts the BaseOS filelists at many offsets:
// every cut must fail with the offset.
func TestParseFilelistsTruncated(t *testing.T) {
	primary := realXML(t, baseosPrimaryGlob)
	filelists := realXML(t, baseosFilelistsGlob)
	strs := NewStrings()
	pkgs, err := ParsePrimary(bytes.NewReader(primary), "primary.xml", strs)
	if err != nil {
		t.Fatal(err)
	}
	end := bytes.LastIndex(filelists, []byte("</filelists>"))
	for i := range 20 {
		cut := i*end/20 + i*7919%1000
		err := ParseFilelists(bytes.NewReader(filelists[:cut]), "filelists.xml", strs, pkgs)
		checkParseError(t, err, "filelists.xml", filelists, int64(cut))
	}
}

// fuzzFilelists parses a filelists document into a copy of pkgs, checks
// that no package lists a path twice and renders the packages.
func fuzzFilelists(t *testing.T, r io.Reader, strs *Strings, pkgs []Package) (string, error) {
	pkgs = slices.Clone(pkgs)
	err := ParseFilelists(r, "filelists.xml", strs, pkgs)
	var b strings.Builder
	for i := range pkgs {
		seen := map[ID]bool{}
		for _, f := range pkgs[i].Files {
			if seen[f.Path] {
				t.Fatalf("%s listed twice", strs.String(f.Path))
			}
			seen[f.Path] = true
		}
		b.WriteString(renderPackage(strs, &pkgs[i]))
	}
	return b.String(), err
}

func FuzzParseFilelists(f *testing.F) {
	f.Add(readFixture(f, "features-filelists.xml"))
	sample := readFixture(f, "cs9-baseos-sample-filelists.xml")
	f.Add(sample)
	for _, b := range realPackageBlocks(sample, 4) {
		f.Add([]byte("<filelists>" + b + "</filelists>"))
	}
	// ParseFilelists only replaces Files, so each run can start from a
	// copy of the same packages.
	strs := NewStrings()
	pkgs := parseFixturePrimary(f, "cs9-baseos-sample-primary.xml", strs)
	pkgs = append(pkgs, parseFixturePrimary(f, "features-primary.xml", strs)...)
	f.Fuzz(func(t *testing.T, data []byte) {
		whole, err := fuzzFilelists(t, bytes.NewReader(data), strs, pkgs)
		if err != nil {
			checkParseError(t, err, "filelists.xml", data, -1)
			return
		}
		// The result must not depend on how the input arrives.
		bytewise, err := fuzzFilelists(t, iotest.OneByteReader(bytes.NewReader(data)), strs, pkgs)
		if err != nil {
			t.Fatalf("whole input parsed, one byte at a time: %v", err)
		}
		if whole != bytewise {
			t.Fatalf("results differ:\n%s\n%s", whole, bytewise)
		}
	})
}

func BenchmarkParseFilelists(b *testing.B) {
	primary := realXML(b, baseosPrimaryGlob)
	filelists := realXML(b, baseosFilelistsGlob)
	strs := NewStrings()
	pkgs, err := ParsePrimary(bytes.NewReader(primary), "primary.xml", strs)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(filelists)))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if err := ParseFilelists(bytes.NewReader(filelists), "filelists.xml", strs, pkgs); err != nil {
			b.Fatal(err)
		}
	}
}
