package repomd

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/repoclosure/repoclosure/internal/testenv"
)

// rpmFixtureDir holds the packages that testdata/rpm/build.sh builds from the
// .spec files beside them.
const rpmFixtureDir = "testdata/rpm"

// rpmFixtures returns the fixture packages, failing when they are missing.
func rpmFixtures(tb testing.TB) []string {
	tb.Helper()
	paths, err := filepath.Glob(filepath.Join(rpmFixtureDir, "*.rpm"))
	if err != nil || len(paths) < 9 {
		tb.Fatalf("fixture packages missing from %s (%v): run build.sh there", rpmFixtureDir, err)
	}
	return paths
}

// rpmDepText and rpmPkgText are a package record in plain strings, for
// comparisons that print readably.
type rpmDepText struct {
	Name, Op, EVR string
	Pre           bool
}

func (d rpmDepText) String() string {
	s := d.Name
	if d.Op != "" {
		s += " " + d.Op + " " + d.EVR
	}
	if d.Pre {
		s += " (pre)"
	}
	return s
}

type rpmPkgText struct {
	Name, Arch, EVR, SourceRPM string
	Deps                       [NumDepKinds][]rpmDepText
	Files                      map[string]FileKind
}

func rpmRecordText(p Package, s *Strings) rpmPkgText {
	t := rpmPkgText{
		Name: s.String(p.Name), Arch: s.String(p.Arch), EVR: s.String(p.EVR), SourceRPM: s.String(p.SourceRPM),
		Files: map[string]FileKind{},
	}
	for k := range NumDepKinds {
		for _, d := range p.Deps(k) {
			t.Deps[k] = append(t.Deps[k], rpmDepText{s.String(d.Name), d.Op().String(), s.String(d.EVR()), d.Pre()})
		}
	}
	for _, f := range p.Files {
		t.Files[s.String(f.Path)] = f.Kind
	}
	return t
}

func compareRPMRecords(t *testing.T, what string, got, want rpmPkgText) {
	t.Helper()
	if got.Name != want.Name || got.Arch != want.Arch || got.EVR != want.EVR || got.SourceRPM != want.SourceRPM {
		t.Errorf("%s: got %s.%s %s (source %q), want %s.%s %s (source %q)", what,
			got.Name, got.Arch, got.EVR, got.SourceRPM, want.Name, want.Arch, want.EVR, want.SourceRPM)
	}
	for k := range NumDepKinds {
		if !slices.Equal(got.Deps[k], want.Deps[k]) {
			t.Errorf("%s %s:\n got  %v\n want %v", what, k, got.Deps[k], want.Deps[k])
		}
	}
	if !reflect.DeepEqual(got.Files, want.Files) {
		t.Errorf("%s files:\n got  %v\n want %v", what, got.Files, want.Files)
	}
}

// rpmQueryFormat makes rpm print every field ReadRPM reads, one item a line:
// a label, then TAB-separated values. Dependencies come as rpm formats
// them ("name >= evr"), with their scriptlet types and raw flags. Weak
// dependencies are spelled out from their raw tags: rpm's *NEVRS of them
// also report the legacy tags, in rpm's reading rather than createrepo_c's.
const rpmQueryFormat = `H	%{NAME}	%{ARCH}	%{EPOCHNUM}	%{VERSION}	%{RELEASE}	%{SOURCERPM}	%{SOURCEPACKAGE}
[provides	%{PROVIDENEVRS}	%{PROVIDEFLAGS:deptype}	%{PROVIDEFLAGS}
][requires	%{REQUIRENEVRS}	%{REQUIREFLAGS:deptype}	%{REQUIREFLAGS}
][conflicts	%{CONFLICTNEVRS}	%{CONFLICTFLAGS:deptype}	%{CONFLICTFLAGS}
][obsoletes	%{OBSOLETENEVRS}	%{OBSOLETEFLAGS:deptype}	%{OBSOLETEFLAGS}
][suggests	%{SUGGESTNAME} %{SUGGESTFLAGS:depflags} %{SUGGESTVERSION}	%{SUGGESTFLAGS:deptype}	%{SUGGESTFLAGS}
][enhances	%{ENHANCENAME} %{ENHANCEFLAGS:depflags} %{ENHANCEVERSION}	%{ENHANCEFLAGS:deptype}	%{ENHANCEFLAGS}
][recommends	%{RECOMMENDNAME} %{RECOMMENDFLAGS:depflags} %{RECOMMENDVERSION}	%{RECOMMENDFLAGS:deptype}	%{RECOMMENDFLAGS}
][supplements	%{SUPPLEMENTNAME} %{SUPPLEMENTFLAGS:depflags} %{SUPPLEMENTVERSION}	%{SUPPLEMENTFLAGS:deptype}	%{SUPPLEMENTFLAGS}
][oldsuggests	%{OLDSUGGESTSNAME} %{OLDSUGGESTSFLAGS:depflags} %{OLDSUGGESTSVERSION}	%{OLDSUGGESTSFLAGS:deptype}	%{OLDSUGGESTSFLAGS}
][oldenhances	%{OLDENHANCESNAME} %{OLDENHANCESFLAGS:depflags} %{OLDENHANCESVERSION}	%{OLDENHANCESFLAGS:deptype}	%{OLDENHANCESFLAGS}
][file	%{FILENAMES}	%{FILEMODES:perms}	%{FILEFLAGS:fflags}
]`

// rpmDep is one dependency as rpm printed it.
type rpmDep struct {
	text, name, op, version string
	types                   []string // deptype: pre, post, missingok, rpmlib...
	flags                   uint64
}

// queryRPM asks rpm for a package's fields and dependencies.
func queryRPM(t *testing.T, path string) (head []string, deps map[string][]rpmDep, files map[string]FileKind) {
	t.Helper()
	out, err := testenv.Command(t, "rpm", "-qp", "--nodigest", "--nosignature", "--qf", rpmQueryFormat, path).Output()
	if err != nil {
		t.Fatalf("rpm -qp %s: %v", path, err)
	}
	deps = map[string][]rpmDep{}
	files = map[string]FileKind{}
	sc := bufio.NewScanner(strings.NewReader(string(out)))
	for sc.Scan() {
		f := strings.Split(sc.Text(), "\t")
		switch {
		case f[0] == "H" && len(f) == 8:
			head = f[1:]
		case f[0] == "file" && len(f) == 4:
			kind := FilePlain
			if strings.HasPrefix(f[2], "d") {
				kind = FileDir
			} else if strings.Contains(f[3], "g") {
				kind = FileGhost
			}
			files[f[1]] = kind
		case len(f) == 4:
			flags, err := strconv.ParseUint(f[3], 10, 64)
			if err != nil {
				t.Fatalf("rpm printed flags %q", f[3])
			}
			d := rpmDep{text: strings.TrimSpace(f[1]), types: strings.Split(f[2], ","), flags: flags}
			d.name = d.text
			// rpm prints "name op version"; a rich dependency is all name.
			if parts := strings.Fields(d.text); !strings.HasPrefix(d.text, "(") && len(parts) == 3 {
				d.name, d.op, d.version = parts[0], parts[1], parts[2]
			}
			deps[f[0]] = append(deps[f[0]], d)
		default:
			t.Fatalf("rpm printed %q", sc.Text())
		}
	}
	if head == nil {
		t.Fatalf("rpm printed no header line for %s", path)
	}
	return head, deps, files
}

// expectedFromRPM builds the record that createrepo_c makes of what rpm
// printed, applying createrepo_c's documented rules (parsehdr.c): requires
// lose rpmlib(), the package's own primary files, exact copies of its
// provides and immediate repeats; only the highest libc.so.6 require stays,
// last; legacy MISSINGOK requires and STRONG old suggests/enhances turn into
// recommends/supplements; pre marks Requires(pre) and Requires(post).
func expectedFromRPM(head []string, deps map[string][]rpmDep, files map[string]FileKind) rpmPkgText {
	const missingOK, strong = 1 << 19, 1 << 27
	want := rpmPkgText{Name: head[0], Arch: head[1], Files: files}
	epoch := head[2]
	if epoch == "0" {
		epoch = ""
	} else {
		epoch += ":"
	}
	want.EVR = epoch + head[3] + "-" + head[4]
	if head[6] == "1" {
		want.Arch, want.SourceRPM = "src", ""
	} else {
		want.SourceRPM = head[5]
	}
	text := func(d rpmDep, pre bool) rpmDepText {
		// createrepo_c writes epoch 0 explicitly; records drop it.
		return rpmDepText{d.name, d.op, strings.TrimPrefix(d.version, "0:"), pre}
	}
	for _, d := range deps["provides"] {
		want.Deps[Provides] = append(want.Deps[Provides], text(d, false))
	}
	for _, d := range deps["conflicts"] {
		want.Deps[Conflicts] = append(want.Deps[Conflicts], text(d, false))
	}
	for _, d := range deps["obsoletes"] {
		want.Deps[Obsoletes] = append(want.Deps[Obsoletes], text(d, false))
	}

	isPrimary := func(p string) bool {
		return strings.HasPrefix(p, "/etc/") || p == "/usr/lib/sendmail" || strings.Contains(p, "bin/")
	}
	provided := map[string]bool{}
	for _, d := range deps["provides"] {
		provided[d.text] = true
	}
	lastKept := map[string]rpmDepText{}
	var libc []rpmDepText
	for _, d := range deps["requires"] {
		_, own := files[d.name]
		if strings.HasPrefix(d.name, "rpmlib(") || own && isPrimary(d.name) || provided[d.text] {
			continue
		}
		pre := slices.Contains(d.types, "pre") || slices.Contains(d.types, "post")
		dt := text(d, pre)
		if last, ok := lastKept[d.name]; ok && last == dt {
			continue
		}
		switch {
		case d.flags&missingOK != 0:
			dt.Pre = false
			want.Deps[Recommends] = append(want.Deps[Recommends], dt)
		case strings.HasPrefix(d.name, "libc.so.6"):
			libc = append(libc, dt)
		default:
			want.Deps[Requires] = append(want.Deps[Requires], dt)
			lastKept[d.name] = dt
		}
	}
	if len(libc) > 0 {
		highest := libc[0]
		for _, d := range libc[1:] {
			if glibcVersionLess(highest.Name, d.Name) {
				highest = d
			}
		}
		want.Deps[Requires] = append(want.Deps[Requires], highest)
	}
	for _, kind := range []DepKind{Suggests, Enhances, Recommends, Supplements} {
		for _, d := range deps[kind.String()] {
			want.Deps[kind] = append(want.Deps[kind], text(d, false))
		}
	}
	for _, d := range deps["oldsuggests"] {
		kind := Suggests
		if d.flags&strong != 0 {
			kind = Recommends
		}
		want.Deps[kind] = append(want.Deps[kind], text(d, false))
	}
	for _, d := range deps["oldenhances"] {
		kind := Enhances
		if d.flags&strong != 0 {
			kind = Supplements
		}
		want.Deps[kind] = append(want.Deps[kind], text(d, false))
	}
	return want
}

// glibcVersionLess orders libc.so.6 requires by the dotted number in their
// first parentheses; empty parentheses sort first.
func glibcVersionLess(a, b string) bool {
	version := func(s string) []int {
		inner := s[strings.IndexByte(s, '(')+1 : strings.IndexByte(s, ')')]
		inner = strings.TrimPrefix(inner, "GLIBC_")
		var v []int
		for _, part := range strings.Split(inner, ".") {
			n, _ := strconv.Atoi(part)
			v = append(v, n)
		}
		return v
	}
	return slices.Compare(version(a), version(b)) < 0
}

func TestReadRPMMatchesRPMQuery(t *testing.T) {
	testenv.Require(t, "rpm")
	strs := NewStrings()
	for _, path := range rpmFixtures(t) {
		t.Run(filepath.Base(path), func(t *testing.T) {
			pkg, err := ReadRPM(path, "pkgs/"+filepath.Base(path), strs)
			if err != nil {
				t.Fatal(err)
			}
			head, deps, files := queryRPM(t, path)
			compareRPMRecords(t, path, rpmRecordText(pkg, strs), expectedFromRPM(head, deps, files))

			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			sum := sha256.Sum256(data)
			if want := hex.EncodeToString(sum[:]); pkg.PkgID != want {
				t.Errorf("PkgID = %s, want sha256 %s", pkg.PkgID, want)
			}
			if want := "pkgs/" + filepath.Base(path); pkg.Location != want || pkg.LocationBase != "" {
				t.Errorf("Location = %q (base %q), want %q", pkg.Location, pkg.LocationBase, want)
			}
		})
	}
}

// TestReadRPMFixtureCoverage guards the fixtures: each createrepo_c rule
// that TestReadRPMMatchesRPMQuery and TestReadRPMMatchesCreaterepo check
// must have a package that exercises it.
func TestReadRPMFixtureCoverage(t *testing.T) {
	strs := NewStrings()
	read := func(name string) rpmPkgText {
		pkg, err := ReadRPM(filepath.Join(rpmFixtureDir, name), name, strs)
		if err != nil {
			t.Fatal(err)
		}
		return rpmRecordText(pkg, strs)
	}
	deps := read("rc-deps-1.2-4.el9.x86_64.rpm")
	has := func(kind DepKind, d rpmDepText) bool { return slices.Contains(deps.Deps[kind], d) }
	for _, c := range []struct {
		what string
		ok   bool
	}{
		{"own provide copy dropped", !has(Requires, rpmDepText{"rc-cap", "=", "1.0", false})},
		{"versioned require of own provide kept", has(Requires, rpmDepText{"rc-cap", ">=", "1.0", false})},
		{"own primary file dropped", !has(Requires, rpmDepText{"/usr/bin/rc-tool", "", "", false})},
		{"own non-primary file kept", has(Requires, rpmDepText{"/usr/share/rc-deps/data.txt", "", "", false})},
		{"highest libc last", deps.Deps[Requires][len(deps.Deps[Requires])-1] == rpmDepText{"libc.so.6(GLIBC_2.14)(64bit)", "", "", false}},
		{"pre from Requires(post)", has(Requires, rpmDepText{"rc-post", "", "", true})},
		{"no pre from Requires(preun)", has(Requires, rpmDepText{"rc-preun", "", "", false})},
		{"epoch kept", has(Requires, rpmDepText{"rc-eq", "=", "7:1.0-1.el9", false})},
		{"rich dep", has(Requires, rpmDepText{"(rc-a or rc-b)", "", "", false})},
		{"ghost", deps.Files["/var/log/rc-deps.log"] == FileGhost},
		{"ghost dir is a dir", deps.Files["/var/lib/rc-deps"] == FileDir},
		{"epoch in EVR", deps.EVR == "3:1.2-4.el9"},
	} {
		if !c.ok {
			t.Errorf("rc-deps: %s: not so", c.what)
		}
	}
	dups := 0
	for _, d := range deps.Deps[Requires] {
		if d.Name == "rc-dup" {
			dups++
		}
	}
	if dups != 3 { // plain, pre, (post dropped as a repeat of pre), preun
		t.Errorf("rc-dup kept %d times, want 3", dups)
	}
	legacy := read("rc-legacy-2.0-1.noarch.rpm")
	if want := []rpmDepText{{"rc-weak-missingok", ">=", "1.0", false}, {"rc-old-rec-strong", ">=", "2", false}}; !slices.Equal(legacy.Deps[Recommends], want) {
		t.Errorf("rc-legacy recommends = %v, want %v", legacy.Deps[Recommends], want)
	}
	if want := []rpmDepText{{"rc-old-sup-strong", "", "", false}}; !slices.Equal(legacy.Deps[Supplements], want) {
		t.Errorf("rc-legacy supplements = %v, want %v", legacy.Deps[Supplements], want)
	}
	for name, arch := range map[string]string{"rc-deps-1.2-4.el9.src.rpm": "src", "rc-noarch-0.9-1.nosrc.rpm": "src", "rc-noarch-0.9-1.noarch.rpm": "noarch"} {
		if got := read(name); got.Arch != arch {
			t.Errorf("%s: arch %q, want %q", name, got.Arch, arch)
		}
	}
}

// TestRPMFixturesMatchSpecs rebuilds the fixtures from their .spec files
// with build.sh and checks that the committed packages are what the specs
// say.
func TestRPMFixturesMatchSpecs(t *testing.T) {
	if testing.Short() {
		t.Skip("rebuilds nine packages")
	}
	testenv.Require(t, "rpmbuild")
	testenv.Require(t, "go")
	out := t.TempDir()
	if msg, err := testenv.Command(t, "sh", filepath.Join(rpmFixtureDir, "build.sh"), out).CombinedOutput(); err != nil {
		t.Fatalf("build.sh: %v\n%s", err, msg)
	}
	strs := NewStrings()
	for _, path := range rpmFixtures(t) {
		committed, err := ReadRPM(path, "x.rpm", strs)
		if err != nil {
			t.Fatal(err)
		}
		rebuilt, err := ReadRPM(filepath.Join(out, filepath.Base(path)), "x.rpm", strs)
		if err != nil {
			t.Fatal(err)
		}
		compareRPMRecords(t, filepath.Base(path), rpmRecordText(committed, strs), rpmRecordText(rebuilt, strs))
	}
}

// copyRPMFixtures copies the fixture packages into a new folder, the payload
// ones into a subfolder, and returns it.
func copyRPMFixtures(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for _, path := range rpmFixtures(t) {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		dst := filepath.Join(dir, filepath.Base(path))
		if strings.HasPrefix(filepath.Base(path), "rc-payload-") {
			dst = filepath.Join(dir, "sub", "payload", filepath.Base(path))
		}
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(dst, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// loadCreaterepoRecords reads the primary and filelists that createrepo_c wrote.
func loadCreaterepoRecords(t *testing.T, dir string, strs *Strings) []Package {
	t.Helper()
	open := func(kind string) *os.File {
		paths, _ := filepath.Glob(filepath.Join(dir, "repodata", "*-"+kind+".xml*"))
		if len(paths) != 1 {
			t.Fatalf("createrepo_c wrote %d %s files", len(paths), kind)
		}
		f, err := os.Open(paths[0])
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { f.Close() })
		return f
	}
	primary, err := Decompress(open("primary"), "primary", DefaultDecompressLimit)
	if err != nil {
		t.Fatal(err)
	}
	defer primary.Close()
	pkgs, err := ParsePrimary(primary, "primary", strs)
	if err != nil {
		t.Fatal(err)
	}
	filelists, err := Decompress(open("filelists"), "filelists", DefaultDecompressLimit)
	if err != nil {
		t.Fatal(err)
	}
	defer filelists.Close()
	if err := ParseFilelists(filelists, "filelists", strs, pkgs); err != nil {
		t.Fatal(err)
	}
	return pkgs
}

// TestReadRPMMatchesCreaterepo is the contract: a folder of .rpm files read
// by ReadRPMDir and the repository createrepo_c makes of it load into the
// same records.
func TestReadRPMMatchesCreaterepo(t *testing.T) {
	dir := copyRPMFixtures(t)
	if out, err := testenv.Command(t, "createrepo_c", "--quiet", dir).CombinedOutput(); err != nil {
		t.Fatalf("createrepo_c: %v\n%s", err, out)
	}
	strs := NewStrings()
	repo, err := ReadRPMDir(context.Background(), "fixtures", dir, strs)
	if err != nil {
		t.Fatal(err)
	}
	fromXML := loadCreaterepoRecords(t, dir, strs)
	if len(repo.Packages) != len(fromXML) {
		t.Fatalf("ReadRPMDir read %d packages, createrepo_c indexed %d", len(repo.Packages), len(fromXML))
	}
	byLocation := map[string]Package{}
	for _, p := range fromXML {
		byLocation[p.Location] = p
	}
	for _, got := range repo.Packages {
		want, ok := byLocation[got.Location]
		if !ok {
			t.Errorf("%s: not in createrepo_c's primary.xml", got.Location)
			continue
		}
		if got.PkgID != want.PkgID || got.LocationBase != want.LocationBase {
			t.Errorf("%s: pkgid %s base %q, createrepo_c %s base %q", got.Location, got.PkgID, got.LocationBase, want.PkgID, want.LocationBase)
		}
		// Same Strings: the ids must match too, not only the texts.
		if got.Name != want.Name || got.Arch != want.Arch || got.EVR != want.EVR || got.SourceRPM != want.SourceRPM {
			t.Errorf("%s: ids differ from createrepo_c's", got.Location)
		}
		compareRPMRecords(t, got.Location, rpmRecordText(got, strs), rpmRecordText(want, strs))
		for k := range NumDepKinds {
			if !slices.Equal(got.Deps(k), want.Deps(k)) {
				t.Errorf("%s %s: records differ from createrepo_c's", got.Location, k)
			}
		}
	}
}

func TestReadRPMBadInput(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(rpmFixtureDir, "rc-deps-1.2-4.el9.x86_64.rpm"))
	if err != nil {
		t.Fatal(err)
	}
	hdr, err := readRPMHeader(strings.NewReader(string(data)), strings.NewReader(string(data)), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	headerEnd := hdr.GetRange().End
	withCount := func(off int, n uint32) []byte {
		b := slices.Clone(data)
		b[off], b[off+1], b[off+2], b[off+3] = byte(n>>24), byte(n>>16), byte(n>>8), byte(n)
		return b
	}
	for _, c := range []struct {
		name string
		data []byte
		want string
	}{
		{"empty", nil, "truncated"},
		{"lead only", data[:96], "truncated"},
		{"cut in signature header", data[:200], "overrun"},
		{"cut in header", data[:headerEnd-1], "overrun"},
		{"not an rpm", []byte(strings.Repeat("x", 200)), "magic"},
		{"huge signature index", withCount(96+8, 1<<28), "overrun"},
		{"huge signature data", withCount(96+12, 1<<31), "overrun"},
	} {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "bad.rpm")
			if err := os.WriteFile(path, c.data, 0o644); err != nil {
				t.Fatal(err)
			}
			_, err := ReadRPM(path, "bad.rpm", NewStrings())
			if err == nil || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %v, want one naming %s and saying %q", err, path, c.want)
			}
		})
	}
	if _, err := ReadRPM(filepath.Join(t.TempDir(), "absent.rpm"), "absent.rpm", NewStrings()); err == nil {
		t.Error("ReadRPM of a missing file succeeded")
	}
	// A package cut in its payload still has a whole header: createrepo_c
	// indexes it too, with the checksum of what is there.
	path := filepath.Join(t.TempDir(), "cut.rpm")
	if err := os.WriteFile(path, data[:headerEnd+10], 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadRPM(path, "cut.rpm", NewStrings()); err != nil {
		t.Errorf("header-complete package: %v", err)
	}
}

// withSignatureNumber returns a copy of an .rpm whose signature header tag
// (an INT32 or INT64, if present) holds n.
func withSignatureNumber(tb testing.TB, data []byte, tag uint32, n uint64) []byte {
	tb.Helper()
	b := slices.Clone(data)
	count := int(binary.BigEndian.Uint32(b[rpmLeadSize+8:]))
	store := rpmLeadSize + headerIntroSize + headerEntrySize*count
	for i := range count {
		e := b[rpmLeadSize+headerIntroSize+headerEntrySize*i:]
		if binary.BigEndian.Uint32(e) != tag {
			continue
		}
		off := store + int(binary.BigEndian.Uint32(e[8:]))
		switch binary.BigEndian.Uint32(e[4:]) {
		case 4:
			binary.BigEndian.PutUint32(b[off:], uint32(n))
		case 5:
			binary.BigEndian.PutUint64(b[off:], n)
		default:
			tb.Fatalf("signature tag %d is not a number", tag)
		}
	}
	return b
}

func TestIsPrimaryFile(t *testing.T) {
	for path, want := range map[string]bool{
		"/etc/foo.conf": true, "/etc": false, "/usr/etc/x": false,
		"/usr/bin/ls": true, "/opt/x/sbin/y": true, "/bin/": true, "/usr/binary": false,
		"/usr/lib/sendmail": true, "/usr/lib/sendmail.d": false, "rc.spec": false,
	} {
		if got := isPrimaryFile(path); got != want {
			t.Errorf("isPrimaryFile(%q) = %v, want %v", path, got, want)
		}
	}
}

func TestXMLText(t *testing.T) {
	for in, want := range map[string]string{"abc": "abc", "caf\u00e9": "caf\u00e9", "caf\xe9": "caf\u00e9", "\xff\xfe": "\u00ff\u00fe"} {
		if got := xmlText(in); got != want {
			t.Errorf("xmlText(%q) = %q, want %q", in, got, want)
		}
	}
}

// withoutHeaderDigests returns a copy of an .rpm whose signature header
// no longer names its SHA1 and SHA256 header digests (their tags are
// renumbered), so that go-rpmutils reads a changed header instead of
// rejecting it: fuzzing then reaches the header's contents.
func withoutHeaderDigests(tb testing.TB, data []byte) []byte {
	tb.Helper()
	const sigSHA1, sigSHA256 = 269, 273
	b := slices.Clone(data)
	if len(b) < rpmLeadSize+headerIntroSize {
		tb.Fatal("too short for an rpm")
	}
	n := int(binary.BigEndian.Uint32(b[rpmLeadSize+8:]))
	for i := range n {
		entry := b[rpmLeadSize+headerIntroSize+headerEntrySize*i:]
		if tag := binary.BigEndian.Uint32(entry); tag == sigSHA1 || tag == sigSHA256 {
			binary.BigEndian.PutUint32(entry, tag+10000)
		}
	}
	return b
}

func TestReadRPMWithoutHeaderDigests(t *testing.T) {
	for _, path := range rpmFixtures(t) {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		strs := NewStrings()
		want, err := ReadRPM(path, "x.rpm", strs)
		if err != nil {
			t.Fatal(err)
		}
		changed := filepath.Join(t.TempDir(), "x.rpm")
		// A changed header byte is caught by the digest...
		hdr, err := readRPMHeader(bytes.NewReader(data), bytes.NewReader(data), int64(len(data)))
		if err != nil {
			t.Fatal(err)
		}
		corrupt := slices.Clone(data)
		corrupt[hdr.GetRange().End-1] ^= 0xff
		if err := os.WriteFile(changed, corrupt, 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := ReadRPM(changed, "x.rpm", strs); err == nil || !strings.Contains(err.Error(), "mismatch") {
			t.Errorf("%s with a changed header: error %v, want a digest mismatch", path, err)
		}
		// ...and without the digests the header still reads the same.
		if err := os.WriteFile(changed, withoutHeaderDigests(t, data), 0o644); err != nil {
			t.Fatal(err)
		}
		got, err := ReadRPM(changed, "x.rpm", strs)
		if err != nil {
			t.Fatal(err)
		}
		got.PkgID = want.PkgID
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: record changed when the digests were renamed", path)
		}
	}
}

func FuzzReadRPM(f *testing.F) {
	for _, path := range rpmFixtures(f) {
		data, err := os.ReadFile(path)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
		f.Add(withoutHeaderDigests(f, data))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		path := filepath.Join(t.TempDir(), "fuzz.rpm")
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		pkg, err := ReadRPM(path, "fuzz.rpm", NewStrings())
		if err != nil {
			if !strings.Contains(err.Error(), path) {
				t.Errorf("error %q does not name the file", err)
			}
			return
		}
		sum := sha256.Sum256(data)
		if pkg.PkgID != hex.EncodeToString(sum[:]) || pkg.Location != "fuzz.rpm" {
			t.Errorf("PkgID %s, Location %q", pkg.PkgID, pkg.Location)
		}
		if _, err := ReadPayloadFiles(path, func(string) bool { return true }); err != nil && !strings.Contains(err.Error(), path) {
			t.Errorf("payload error %q does not name the file", err)
		}
	})
}

func BenchmarkReadRPM(b *testing.B) {
	path := filepath.Join(rpmFixtureDir, "rc-deps-1.2-4.el9.x86_64.rpm")
	st, err := os.Stat(path)
	if err != nil {
		b.Fatal(err)
	}
	strs := NewStrings()
	b.SetBytes(st.Size())
	for b.Loop() {
		if _, err := ReadRPM(path, "rc-deps.rpm", strs); err != nil {
			b.Fatal(err)
		}
	}
}
