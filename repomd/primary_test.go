package repomd

import (
	"bytes"
	"fmt"
	"html"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"testing/iotest"
	"unsafe"

	"github.com/repoclosure/repoclosure/internal/repogen"
	"github.com/repoclosure/repoclosure/internal/testenv"
)

// renderPackage prints a package compactly, for comparisons in tests.
func renderPackage(strs *Strings, p *Package) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s %s src=%s id=%s base=%s loc=%s\n",
		strs.String(p.Name), strs.String(p.EVR), strs.String(p.Arch), strs.String(p.SourceRPM),
		p.PkgID, p.LocationBase, p.Location)
	for k := range NumDepKinds {
		if len(p.Deps(k)) == 0 {
			continue
		}
		fmt.Fprintf(&b, "%s:", k)
		for _, d := range p.Deps(k) {
			b.WriteString(" " + renderDep(strs, d))
		}
		b.WriteString("\n")
	}
	if len(p.Files) > 0 {
		b.WriteString("files:")
		for _, f := range p.Files {
			b.WriteString(" " + renderFile(strs, f))
		}
		b.WriteString("\n")
	}
	return b.String()
}

func renderDep(strs *Strings, d Dep) string {
	s := "[" + strs.String(d.Name)
	if d.Op() != OpNone || d.EVR() != 0 {
		s += " " + d.Op().String() + " " + strs.String(d.EVR())
	}
	if d.Pre() {
		s += " (pre)"
	}
	return s + "]"
}

func renderFile(strs *Strings, f File) string {
	switch f.Kind {
	case FileDir:
		return strs.String(f.Path) + "(dir)"
	case FileGhost:
		return strs.String(f.Path) + "(ghost)"
	}
	return strs.String(f.Path)
}

func TestParsePrimaryFeatures(t *testing.T) {
	strs := NewStrings()
	pkgs, err := ParsePrimary(bytes.NewReader(readFixture(t, "features-primary.xml")), "features-primary.xml", strs)
	if err != nil {
		t.Fatal(err)
	}
	// Expected by reading the fixture with XML's and libsolv's rules: the
	// version counts only with flags, epoch "0" is dropped but "0:" is added
	// before a version containing a colon, pre="1" counts in requires only,
	// kind="pattern" prefixes the name, a repeated list replaces the earlier
	// one, elements inside unknown ones are ignored, the arch defaults to
	// noarch and the pkgid="YES" checksum wins.
	want := []string{
		"foo&bar 3:2.0-1.el9 x86_64 src=foo-2.0-1.el9.src.rpm id=abc123 base=http://mirror.example/~repo/ loc=Packages/foo-2.0-1.el9.x86_64.rpm\n" +
			"provides: [foo&bar = 3:2.0-1.el9] [libfoo.so.1()(64bit)] [foo-zero-epoch = 1.0] [foo-colon = 0:1:2] [bundled(x) >= 1.2-3] [k1] [pattern:k2]\n" +
			"requires: [(foo >= 1.0 if bar)] [/bin/sh (pre)] [quux < 5] [le <= 1] [gt > 1] [ne <> 1] [ge >= 1-2 (pre)]\n" +
			"conflicts: [c < 1:1-1]\n" +
			"obsoletes: [o]\n" +
			"suggests: [s]\n" +
			"enhances: [e]\n" +
			"recommends: [r]\n" +
			"supplements: [(a and b)]\n" +
			"files: /usr/bin/foo /etc/foo.d(dir) /var/log/foo<1>.log(ghost)\n",
		"foo 2.0-1.el9 src src= id=def456 base= loc=src/foo-2.0-1.el9.src.rpm\n" +
			"requires: [make]\n",
		"no-arch 1 noarch src= id=789 base= loc=\n",
	}
	if len(pkgs) != len(want) {
		t.Fatalf("%d packages, want %d", len(pkgs), len(want))
	}
	for i := range pkgs {
		if got := renderPackage(strs, &pkgs[i]); got != want[i] {
			t.Errorf("package %d:\ngot\n%s\nwant\n%s", i, got, want[i])
		}
	}
	if pkgs[1].SourceRPM != 0 {
		t.Errorf("source package has SourceRPM %d, want 0", pkgs[1].SourceRPM)
	}
}

func TestParsePrimaryAnnouncedCount(t *testing.T) {
	tests := []struct {
		packages string
		wantCap  int
	}{
		{"2", 2},
		{"", 1},
		{"x1", 1},
		{"99999999999999999999", maxAnnounced}, // a hostile count buys no huge allocation
	}
	for _, tt := range tests {
		in := `<metadata packages="` + tt.packages + `"><package><name>a</name></package></metadata>`
		pkgs, err := ParsePrimary(strings.NewReader(in), "primary.xml", NewStrings())
		if err != nil {
			t.Fatal(err)
		}
		if len(pkgs) != 1 || cap(pkgs) != tt.wantCap {
			t.Errorf("packages=%q: len %d, cap %d, want 1 and %d", tt.packages, len(pkgs), cap(pkgs), tt.wantCap)
		}
	}
}

// TestAppendEVR checks the EVR rules of libsolv's makeevr_atts, and that
// appendEVR agrees with FormatEVR except where only attribute presence tells.
func TestAppendEVR(t *testing.T) {
	tests := []struct {
		attrs map[string]string
		want  string
	}{
		{map[string]string{"epoch": "0", "ver": "1.0", "rel": "1.el9"}, "1.0-1.el9"},
		{map[string]string{"epoch": "2", "ver": "1.0", "rel": "1"}, "2:1.0-1"},
		{map[string]string{"epoch": "0", "ver": "1.0"}, "1.0"},
		{map[string]string{"ver": "1.0"}, "1.0"},
		{map[string]string{"epoch": "", "ver": "1.0", "rel": "3"}, "1.0-3"},
		{map[string]string{}, ""},
		{map[string]string{"epoch": "1"}, "1:"},
		{map[string]string{"epoch": "0", "ver": "12:3"}, "0:12:3"}, // "0:" keeps it unambiguous
		{map[string]string{"ver": "x:3"}, "x:3"},
		{map[string]string{"epoch": "00", "ver": "1"}, "00:1"},         // only "0" is dropped
		{map[string]string{"epoch": "0", "ver": "1", "rel": ""}, "1-"}, // a present rel adds its dash
	}
	for _, tt := range tests {
		var e evrAttrs
		for _, name := range []string{"epoch", "ver", "rel"} {
			if v, ok := tt.attrs[name]; ok {
				e.set(xmlAttr{name: []byte(name), value: []byte(v)})
			}
		}
		got := string(appendEVR(nil, &e))
		if got != tt.want {
			t.Errorf("%v: got %q, want %q", tt.attrs, got, tt.want)
		}
		rel, hasRel := tt.attrs["rel"]
		if format := FormatEVR(tt.attrs["epoch"], tt.attrs["ver"], rel); format != got && !(hasRel && rel == "") {
			t.Errorf("%v: FormatEVR gives %q, appendEVR %q", tt.attrs, format, got)
		}
	}
}

func TestParsePrimaryErrors(t *testing.T) {
	const head = `<metadata xmlns:rpm="r">`
	const pkg = `<package type="rpm"><name>p</name><arch>noarch</arch>`
	tests := []struct {
		name, in, want string
	}{
		{"wrong root", `<filelists/>`, "primary.xml:1:1: root element is <filelists>, want <metadata>"},
		{"package without name", head + `<package type="rpm"><arch>x</arch></package></metadata>`,
			"primary.xml:1:25: package without name"},
		{"empty name", head + `<package><name></name></package></metadata>`, "primary.xml:1:25: package without name"},
		{"self-closing package", head + `<package/></metadata>`, "primary.xml:1:25: package without name"},
		{"bad flags", head + pkg + `<format><rpm:requires><rpm:entry name="x" flags="EQUAL" ver="1"/></rpm:requires></format></package></metadata>`,
			`primary.xml:1:100: rpm:entry "x": bad flags value "EQUAL"`},
		{"lower-case flags", head + pkg + `<format><rpm:provides><rpm:entry name="x" flags="eq" ver="1"/></rpm:provides></format></package></metadata>`,
			`bad flags value "eq"`},
		{"entry without name", head + pkg + `<format><rpm:provides><rpm:entry flags="EQ" ver="1"/></rpm:provides></format></package></metadata>`,
			"primary.xml:1:100: rpm:entry without name"},
		{"unknown file type", head + pkg + `<format><file type="socket">/x</file></format></package></metadata>`,
			`primary.xml:1:86: file with unknown type "socket"`},
		{"truncated package", head + pkg + `<format>`, "primary.xml:1:86: unexpected end of input inside <format>"},
		{"mismatched tags", head + pkg + `</format></package></metadata>`, "primary.xml:1:78: end tag </format> does not match <package>"},
		{"bad entity in name", head + `<package><name>a&b;</name></package></metadata>`, "primary.xml:1:41: bad reference &b;"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pkgs, err := ParsePrimary(strings.NewReader(tt.in), "primary.xml", NewStrings())
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v, want %q", err, tt.want)
			}
			if pkgs != nil {
				t.Errorf("%d packages returned with the error", len(pkgs))
			}
		})
	}
}

// refPackage is a package as the test reads it from raw primary.xml with
// regular expressions, independently of the parser.
type refPackage struct {
	name, arch, evr, sourceRPM, pkgID, href, base string
	deps                                          [NumDepKinds][]string
	files                                         []string
}

var (
	refNameRE     = regexp.MustCompile(`<name>([^<]*)</name>`)
	refArchRE     = regexp.MustCompile(`<arch>([^<]*)</arch>`)
	refVersionRE  = regexp.MustCompile(`<version ([^>]*)/>`)
	refChecksumRE = regexp.MustCompile(`<checksum [^>]*pkgid="YES"[^>]*>([^<]*)</checksum>`)
	refLocationRE = regexp.MustCompile(`<location ([^>]*)/>`)
	refSourceRE   = regexp.MustCompile(`<rpm:sourcerpm>([^<]*)</rpm:sourcerpm>`)
	refFileRE     = regexp.MustCompile(`<file(?: type="(dir|ghost)")?>([^<]*)</file>`)
)

// refBlocks cuts data into its <package type="rpm">...</package> elements.
func refBlocks(data []byte) []string {
	var blocks []string
	s := string(data)
	for {
		i := strings.Index(s, `<package type="rpm">`)
		if i < 0 {
			return blocks
		}
		end := i + strings.Index(s[i:], "</package>") + len("</package>")
		blocks = append(blocks, s[i:end])
		s = s[end:]
	}
}

// refAttrs reads the name="value" attributes of a tag, unescaped.
func refAttrs(s string) map[string]string {
	m := map[string]string{}
	for {
		eq := strings.Index(s, `="`)
		if eq < 0 {
			return m
		}
		end := strings.IndexByte(s[eq+2:], '"')
		m[strings.TrimSpace(s[:eq])] = html.UnescapeString(s[eq+2 : eq+2+end])
		s = s[eq+2+end+1:]
	}
}

func refText(re *regexp.Regexp, block string) string {
	if m := re.FindStringSubmatch(block); m != nil {
		return html.UnescapeString(m[1])
	}
	return ""
}

// refParse reads one <package> block the simple way.
func refParse(block string) refPackage {
	var p refPackage
	p.name = refText(refNameRE, block)
	p.arch = refText(refArchRE, block)
	v := refAttrs(refVersionRE.FindStringSubmatch(block)[1])
	p.evr = FormatEVR(v["epoch"], v["ver"], v["rel"])
	p.pkgID = refText(refChecksumRE, block)
	p.sourceRPM = refText(refSourceRE, block)
	loc := refAttrs(refLocationRE.FindStringSubmatch(block)[1])
	p.href, p.base = loc["href"], loc["xml:base"]
	for k := range NumDepKinds {
		open, end := "<rpm:"+k.String()+">", "</rpm:"+k.String()+">"
		i := strings.Index(block, open)
		if i < 0 {
			continue
		}
		list := block[i : i+strings.Index(block[i:], end)]
		for _, e := range strings.Split(list, "<rpm:entry ")[1:] {
			a := refAttrs(e[:strings.Index(e, "/>")])
			d := "[" + a["name"]
			if a["flags"] != "" {
				op := map[string]string{"EQ": "=", "LT": "<", "LE": "<=", "GT": ">", "GE": ">=", "NE": "!="}[a["flags"]]
				d += " " + op + " " + FormatEVR(a["epoch"], a["ver"], a["rel"])
			}
			if k == Requires && a["pre"] == "1" {
				d += " (pre)"
			}
			p.deps[k] = append(p.deps[k], d+"]")
		}
	}
	for _, f := range refFileRE.FindAllStringSubmatch(block, -1) {
		s := html.UnescapeString(f[2])
		if f[1] != "" {
			s += "(" + f[1] + ")"
		}
		p.files = append(p.files, s)
	}
	return p
}

// comparePackage compares a parsed package with the reference reading.
func comparePackage(t *testing.T, strs *Strings, got *Package, want refPackage) {
	t.Helper()
	head := fmt.Sprintf("%s %s %s %s %s %s %s", strs.String(got.Name), strs.String(got.Arch), strs.String(got.EVR),
		strs.String(got.SourceRPM), got.PkgID, got.Location, got.LocationBase)
	wantHead := fmt.Sprintf("%s %s %s %s %s %s %s", want.name, want.arch, want.evr, want.sourceRPM, want.pkgID, want.href, want.base)
	if head != wantHead {
		t.Errorf("got  %s\nwant %s", head, wantHead)
	}
	for k := range NumDepKinds {
		var deps []string
		for _, d := range got.Deps(k) {
			deps = append(deps, renderDep(strs, d))
		}
		if strings.Join(deps, " ") != strings.Join(want.deps[k], " ") {
			t.Errorf("%s %s: got %d, want %d:\ngot  %.300s\nwant %.300s", want.name, k, len(deps), len(want.deps[k]),
				strings.Join(deps, " "), strings.Join(want.deps[k], " "))
		}
	}
	var files []string
	for _, f := range got.Files {
		files = append(files, renderFile(strs, f))
	}
	if strings.Join(files, " ") != strings.Join(want.files, " ") {
		t.Errorf("%s files: got %q, want %q", want.name, files, want.files)
	}
}

func TestParsePrimaryBaseOS(t *testing.T) {
	data := realXML(t, baseosPrimaryGlob)
	strs := NewStrings()
	pkgs, err := ParsePrimary(bytes.NewReader(data), "primary.xml", strs)
	if err != nil {
		t.Fatal(err)
	}
	if len(pkgs) != 1125 {
		t.Fatalf("%d packages, want 1125", len(pkgs))
	}
	// Every package against an independent reading of the raw XML.
	blocks := refBlocks(data)
	if len(blocks) != len(pkgs) {
		t.Fatalf("%d <package> blocks, %d packages", len(blocks), len(pkgs))
	}
	for i, block := range blocks {
		comparePackage(t, strs, &pkgs[i], refParse(block))
	}

	var kernelCore *Package
	for i := range pkgs {
		if strs.String(pkgs[i].Name) == "kernel-core" && strs.String(pkgs[i].EVR) == "5.14.0-55.el9" {
			kernelCore = &pkgs[i]
		}
	}
	if kernelCore == nil {
		t.Fatal("no kernel-core-5.14.0-55.el9")
	}
	symbols := 0
	for _, d := range kernelCore.Deps(Provides) {
		if strings.HasPrefix(strs.String(d.Name), "kernel(") {
			symbols++
		}
	}
	if symbols != 16283 {
		t.Errorf("kernel-core has %d kernel(...) provides, want 16283", symbols)
	}
}

func TestParsePrimaryAppStream(t *testing.T) {
	data := realXML(t, appstreamPrimaryGlob)
	strs := NewStrings()
	pkgs, err := ParsePrimary(bytes.NewReader(data), "primary.xml", strs)
	if err != nil {
		t.Fatal(err)
	}
	if len(pkgs) != 17649 {
		t.Fatalf("%d packages, want 17649", len(pkgs))
	}
	// A sample of packages against an independent reading of the raw XML.
	blocks := refBlocks(data)
	if len(blocks) != len(pkgs) {
		t.Fatalf("%d <package> blocks, %d packages", len(blocks), len(pkgs))
	}
	for i := 0; i < len(blocks); i += 97 {
		comparePackage(t, strs, &pkgs[i], refParse(blocks[i]))
	}
	comparePackage(t, strs, &pkgs[len(pkgs)-1], refParse(blocks[len(blocks)-1]))
}

// TestParsePrimaryTruncated cuts the BaseOS primary at many offsets: every cut
// must fail with the offset, never succeed with fewer packages.
func TestParsePrimaryTruncated(t *testing.T) {
	data := realXML(t, baseosPrimaryGlob)
	end := bytes.LastIndex(data, []byte("</metadata>"))
	for i := range 50 {
		cut := i * end / 50
		if i > 0 {
			cut += i*7919%1000 - 500 // not always at the same spot of a line
		}
		_, err := ParsePrimary(bytes.NewReader(data[:cut]), "primary.xml", NewStrings())
		if err == nil {
			t.Errorf("cut at %d of %d: no error", cut, len(data))
			continue
		}
		checkParseError(t, err, "primary.xml", data, int64(cut))
	}
}

// TestParsePrimaryArenas checks that lists are capped (appending to one
// cannot overwrite the next) and share chunks.
func TestParsePrimaryArenas(t *testing.T) {
	strs := NewStrings()
	pkgs, err := ParsePrimary(bytes.NewReader(readFixture(t, "cs9-baseos-sample-primary.xml")), "primary.xml", strs)
	if err != nil {
		t.Fatal(err)
	}
	var prev []Dep
	shared := 0
	for i := range pkgs {
		for k := range NumDepKinds {
			d := pkgs[i].Deps(k)
			if cap(d) != len(d) {
				t.Errorf("%s %s: cap %d, len %d", strs.String(pkgs[i].Name), DepKind(k), cap(d), len(d))
			}
			if len(d) == 0 {
				continue
			}
			if len(prev) > 0 && uintptr(unsafe.Pointer(&prev[0]))+uintptr(len(prev))*unsafe.Sizeof(Dep{}) == uintptr(unsafe.Pointer(&d[0])) {
				shared++
			}
			prev = d
		}
	}
	if shared == 0 {
		t.Error("no dependency list follows another in the same chunk")
	}
}

func FuzzParsePrimary(f *testing.F) {
	f.Add(readFixture(f, "features-primary.xml"))
	sample := readFixture(f, "cs9-baseos-sample-primary.xml")
	f.Add(sample)
	const head = `<metadata xmlns="http://linux.duke.edu/metadata/common" xmlns:rpm="http://linux.duke.edu/metadata/rpm">`
	for _, b := range realPackageBlocks(sample, 4) {
		f.Add([]byte(head + b + "</metadata>"))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		strs := NewStrings()
		pkgs, err := ParsePrimary(bytes.NewReader(data), "primary.xml", strs)
		if err != nil {
			checkParseError(t, err, "primary.xml", data, -1)
			return
		}
		var whole strings.Builder
		for i := range pkgs {
			if pkgs[i].Name == 0 || pkgs[i].Arch == 0 {
				t.Fatalf("package %d without name or arch", i)
			}
			for k := range NumDepKinds {
				if d := pkgs[i].Deps(k); cap(d) != len(d) {
					t.Fatalf("package %d %s: cap %d, len %d", i, DepKind(k), cap(d), len(d))
				}
			}
			whole.WriteString(renderPackage(strs, &pkgs[i]))
		}
		// The result must not depend on how the input arrives.
		strs2 := NewStrings()
		pkgs2, err := ParsePrimary(iotest.OneByteReader(bytes.NewReader(data)), "primary.xml", strs2)
		if err != nil {
			t.Fatalf("whole input parsed, one byte at a time: %v", err)
		}
		var bytewise strings.Builder
		for i := range pkgs2 {
			bytewise.WriteString(renderPackage(strs2, &pkgs2[i]))
		}
		if whole.String() != bytewise.String() {
			t.Fatalf("results differ:\n%s\n%s", whole.String(), bytewise.String())
		}
	})
}

func BenchmarkParsePrimary(b *testing.B) {
	data := realXML(b, appstreamPrimaryGlob)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, err := ParsePrimary(bytes.NewReader(data), "primary.xml", NewStrings()); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkParsePrimaryGzip parses the AppStream primary as the loader
// does, from the compressed file: decoding (and the character check) in one
// goroutine, parsing in another.
func BenchmarkParsePrimaryGzip(b *testing.B) {
	matches, err := filepath.Glob(filepath.Join(testenv.SharedData(b), appstreamPrimaryGlob))
	if err != nil || len(matches) != 1 {
		testenv.Unavailable(b, "real data %s: %d matches (%v)", appstreamPrimaryGlob, len(matches), err)
	}
	gz, err := os.ReadFile(matches[0])
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(realXML(b, appstreamPrimaryGlob))))
	b.ReportAllocs()
	for b.Loop() {
		r, err := Decompress(bytes.NewReader(gz), "primary.xml.gz", 0)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := ParsePrimary(r, "primary.xml", NewStrings()); err != nil {
			b.Fatal(err)
		}
		r.Close()
	}
}

// BenchmarkParsePrimarySeries parses the kernels primary of a generated
// EL8-scale series (30 builds of 20,000 kernel(...) provides): the case where
// the same symbol lists repeat build after build.
func BenchmarkParsePrimarySeries(b *testing.B) {
	dir := b.TempDir()
	s := repogen.NewSeries(repogen.SeriesConfig{Seed: 1, Kernels: 30, Symbols: 20000, Kmods: 60, OtherPkgs: 100, MinorJumpAt: 15})
	if err := s.Write(dir, repogen.NoCompression); err != nil {
		b.Fatal(err)
	}
	matches, _ := filepath.Glob(filepath.Join(dir, "kernels", "repodata", "*-primary.xml"))
	if len(matches) != 1 {
		b.Fatalf("series primary: %d matches", len(matches))
	}
	data, err := os.ReadFile(matches[0])
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParsePrimary(bytes.NewReader(data), "primary.xml", NewStrings()); err != nil {
			b.Fatal(err)
		}
	}
}

// TestParsePrimaryEntryForms checks that an <rpm:entry> makes the same Dep
// whether the scanner's fast path takes it (createrepo_c's form) or the
// general path (other orders, quotes, white space, references, an end tag).
func TestParsePrimaryEntryForms(t *testing.T) {
	tests := []struct {
		list  string // rpm:provides or rpm:requires
		forms []string
		want  string
	}{
		{"rpm:provides", []string{
			`<rpm:entry name="kernel(sym)" flags="EQ" epoch="0" ver="0x1234abcd"/>`,
			`<rpm:entry ver="0x1234abcd" epoch="0" flags="EQ" name="kernel(sym)"/>`,
			`<rpm:entry name='kernel(sym)' flags='EQ' epoch='0' ver='0x1234abcd'/>`,
			"<rpm:entry\n name = \"kernel(sym)\"\tflags=\"EQ\"  epoch=\"0\" ver=\"0x1234abcd\" />",
			`<rpm:entry name="kernel(sym)" flags="EQ" epoch="0" ver="0x1234abcd"></rpm:entry>`,
			`<rpm:entry name="kernel&#40;sym&#x29;" flags="&#69;Q" epoch="0" ver="0x1234abcd"/>`,
		}, "[kernel(sym) = 0x1234abcd]"},
		{"rpm:requires", []string{
			`<rpm:entry name="a" flags="GE" epoch="1" ver="2" rel="3" pre="1"/>`,
			`<rpm:entry pre="1" name="a" flags="GE" epoch="1" ver="2" rel="3"/>`,
			`<rpm:entry name="a" flags="GE" epoch="1" ver="2" rel="3" pre="1"><!-- c --></rpm:entry>`,
		}, "[a >= 1:2-3 (pre)]"},
		{"rpm:provides", []string{
			`<rpm:entry name="a" flags="EQ" epoch="0" ver="1" rel="" pre="1"/>`, // pre only counts in requires
			`<rpm:entry name="a" rel="" flags="EQ" epoch="0" ver="1" pre="1"/>`,
		}, "[a = 1-]"},
		{"rpm:requires", []string{
			`<rpm:entry name="(a &gt;= 1 if b)"/>`,
			`<rpm:entry name="(a >= 1 if b)"/>`,
		}, "[(a >= 1 if b)]"},
		{"rpm:requires", []string{
			`<rpm:entry name="(a or b)"/>`,
			`<rpm:entry name="(a or&#x20;b)" ></rpm:entry>`,
		}, "[(a or b)]"},
		{"rpm:requires", []string{
			`<rpm:entry name="a" ver="1"/>`, // a version without flags does not count
			`<rpm:entry ver="1" name="a"/>`,
		}, "[a]"},
		{"rpm:requires", []string{
			`<rpm:entry name="b" kind="x"/>`,
			`<rpm:entry kind="x" name="b"/>`,
		}, "[x:b]"},
	}
	for _, tt := range tests {
		for _, form := range tt.forms {
			t.Run(form, func(t *testing.T) {
				// Enough entries that most of them are whole in the buffer
				// when read a byte at a time.
				entries := strings.Repeat("\n      "+form, 40)
				doc := `<metadata xmlns:rpm="r"><package><name>p</name><format><` + tt.list + `>` + entries + "\n    </" + tt.list + `></format></package></metadata>`
				for _, r := range []io.Reader{strings.NewReader(doc), iotest.OneByteReader(strings.NewReader(doc))} {
					strs := NewStrings()
					pkgs, err := ParsePrimary(r, "primary.xml", strs)
					if err != nil {
						t.Fatal(err)
					}
					kind := Provides
					if tt.list == "rpm:requires" {
						kind = Requires
					}
					deps := pkgs[0].Deps(kind)
					if len(deps) != 40 {
						t.Fatalf("%d deps, want 40", len(deps))
					}
					for _, d := range deps {
						if got := renderDep(strs, d); got != tt.want {
							t.Fatalf("got %s, want %s", got, tt.want)
						}
					}
				}
			})
		}
	}
}
