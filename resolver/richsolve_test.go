package resolver

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/ulikunitz/xz"

	"github.com/repoclosure/repoclosure/internal/pooltest"
	"github.com/repoclosure/repoclosure/internal/testenv"
	"github.com/repoclosure/repoclosure/repomd"
)

// testsolvInstallable asks libsolv's own solver (rpmmd2solv and testsolv
// from libsolv-tools, run through testenv) whether each named package of the rpm-md primary can
// be installed: a testcase with the job "install name N" per package,
// installable when testsolv reports no problem.
func testsolvInstallable(t *testing.T, primary []byte, names []string) map[string]bool {
	t.Helper()
	dir := t.TempDir()
	solv := filepath.Join(dir, "repo.solv")
	conv := testenv.Command(t, "rpmmd2solv")
	conv.Stdin = bytes.NewReader(primary)
	out, err := conv.Output()
	if err != nil {
		t.Fatalf("rpmmd2solv: %v", err)
	}
	if err := os.WriteFile(solv, out, 0o644); err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	for _, name := range names {
		tc := filepath.Join(dir, name+".t")
		// testsolv reads the repo file relative to the testcase.
		text := fmt.Sprintf("repo system 0 testtags <inline>\nrepo test 0 solv %s\nsystem x86_64 rpm system\njob install name %s\nresult transaction,problems <inline>\n", filepath.Base(solv), name)
		if err := os.WriteFile(tc, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		res, err := testenv.Command(t, "testsolv", "-r", tc).CombinedOutput()
		if err != nil {
			t.Fatalf("testsolv %s: %v\n%s", name, err, res)
		}
		if strings.Contains(string(res), "could not open") || !strings.Contains(string(res), "install "+name+"-") && !strings.Contains(string(res), "problem ") {
			t.Fatalf("testsolv %s: neither installs nor reports a problem:\n%s", name, res)
		}
		got[name] = !strings.Contains(string(res), "problem ")
	}
	return got
}

// TestInstallableMatchesTestsolv: on every rich dep of the dnf4 table
// (dnfRichDeps over dnfRichWorld), Installable says what libsolv's solver
// says; Satisfied (logic over what is available) and dnf4 differ on the
// conditionals listed, and the test keeps that list true.
func TestInstallableMatchesTestsolv(t *testing.T) {
	var names []string
	for k := range dnfRichDeps {
		names = append(names, fmt.Sprintf("chk%02d", k))
	}
	solver := testsolvInstallable(t, []byte(richPrimary()), names)
	f := &fakeProviders{pkgs: map[string][]int32{}, versions: map[string]string{}}
	for k, p := range dnfRichWorld {
		for _, c := range p.provides {
			name, evr, versioned := strings.Cut(c, " = ")
			f.pkgs[name] = append(f.pkgs[name], int32(k+1))
			if versioned {
				f.versions[name] = evr
			}
		}
	}
	var logicDiffers, dnf4Differs []string
	for k, dep := range dnfRichDeps {
		r, err := ParseRich(dep)
		if err != nil {
			t.Fatal(err)
		}
		want := solver[names[k]]
		if got := r.Installable(f.leaf); got != want {
			t.Errorf("%s: Installable = %v, libsolv's solver %v", dep, got, want)
		}
		if r.Satisfied(f.leaf) != want {
			logicDiffers = append(logicDiffers, dep)
		}
		if (len(r.ProvidersDNF4(f.leaf)) > 0) != want {
			dnf4Differs = append(dnf4Differs, dep)
		}
	}
	if got, want := strings.Join(logicDiffers, " "), "(n if x) (n if x else w) ((y without x) and (n if w)) ((n or m) if (x and y) else (w with w))"; got != want {
		t.Errorf("Satisfied differs from the solver on %s, want %s", got, want)
	}
	if got, want := strings.Join(dnf4Differs, " "), "(x and n) (n if m) (n if x) (x unless y)"; got != want {
		t.Errorf("dnf4 differs from the solver on %s, want %s (README lists them)", got, want)
	}
}

// TestInstallableMatchesTestsolvFixtures: the closure in exact mode on the
// rpmbuild fixture repository rich reports exactly the packages libsolv's
// solver cannot install.
func TestInstallableMatchesTestsolvFixtures(t *testing.T) {
	dir := filepath.Join("..", "testdata", "fixtures", "repos", "rich")
	files, _ := filepath.Glob(filepath.Join(dir, "repodata", "*-primary.xml.xz"))
	if len(files) != 1 {
		t.Fatalf("want one primary.xml.xz in %s, found %v", dir, files)
	}
	raw, err := os.ReadFile(files[0])
	if err != nil {
		t.Fatal(err)
	}
	zr, err := xz.NewReader(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	primary, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}

	strs, repos := pooltest.Load(t, filepath.Dir(dir), "rich")
	unresolved := unresolvedNames(t, strs, repos, RichExact)
	var names []string
	for _, p := range repos[0].Packages {
		if n := strs.String(p.Name); strings.HasPrefix(n, "r-") {
			names = append(names, n)
		}
	}
	if len(names) < 25 {
		t.Fatalf("only %d r-* packages in the fixture", len(names))
	}
	solver := testsolvInstallable(t, primary, names)
	for _, n := range names {
		if unresolved[n] == solver[n] {
			t.Errorf("%s: unresolved in exact mode = %v, libsolv's solver installs it = %v", n, unresolved[n], solver[n])
		}
	}
	// Where dnf4 differs (the README lists them).
	dnf4Unresolved := unresolvedNames(t, strs, repos, RichDNF4)
	var differ []string
	for _, n := range names {
		if dnf4Unresolved[n] == solver[n] {
			differ = append(differ, n)
		}
	}
	slices.Sort(differ)
	if got, want := strings.Join(differ, " "), "r-and-one r-if-fail r-if-vacuous r-ifelse-fail r-nested-fail r-nested-ifvac r-unlesselse-fail"; got != want {
		t.Errorf("dnf4 differs from the solver on %s, want %s", got, want)
	}
}

// TestClosureRichContextMatchesTestsolv: a rich require is judged with what
// the package's other requires force in, as libsolv's solver installs the
// package with all of them.
func TestClosureRichContextMatchesTestsolv(t *testing.T) {
	pkgs := []xmlPkg{
		{name: "pfoo", provides: []string{"foo", "bar"}},
		{name: "pa", provides: []string{"have-a"}},
		{name: "px", provides: []string{"x"}},
		{name: "pxb", provides: []string{"x", "bar"}},
		{name: "ca", requires: []string{"foo", "(baz if bar)"}},                     // foo brings bar
		{name: "cb", requires: []string{"(baz if bar)"}},                            // bar may stay out
		{name: "cc", requires: []string{"(have-a and foo)", "(nothing if bar)"}},    // forced by a rich require
		{name: "cd", requires: []string{"(x unless bar)", "foo"}},                   // foo brings bar
		{name: "ce", requires: []string{"(x unless bar)"}},                          // px, not pxb
		{name: "cf", provides: []string{"bar"}, requires: []string{"(baz if bar)"}}, // itself
		{name: "cg", requires: []string{"(have-a if bar else foo)", "(baz if have-a)"}},
	}
	primary := primaryXML(pkgs)
	root := t.TempDir()
	writePrimaryRepo(t, filepath.Join(root, "ctx"), primary)
	strs, repos := pooltest.Load(t, root, "ctx")
	unresolved := unresolvedNames(t, strs, repos, RichExact)
	var names []string
	for _, p := range pkgs {
		if p.name[0] == 'c' {
			names = append(names, p.name)
		}
	}
	solver := testsolvInstallable(t, []byte(primary), names)
	for _, n := range names {
		if unresolved[n] == solver[n] {
			t.Errorf("%s: unresolved = %v, libsolv's solver installs it = %v", n, unresolved[n], solver[n])
		}
	}
}

// TestInstallableBounded: a dependency that would expand into more than
// maxRichBranches ways is judged by Satisfied instead of exhausting memory.
func TestInstallableBounded(t *testing.T) {
	var parts []string
	for i := range 14 {
		parts = append(parts, fmt.Sprintf("(a%d or b%d)", i, i))
	}
	dep := "(" + strings.Join(parts, " and ") + ")"
	r, err := ParseRich(dep)
	if err != nil {
		t.Fatal(err)
	}
	names := ""
	var flags []bool
	for i := range 14 {
		names += fmt.Sprintf(" a%d b%d", i, i)
		flags = append(flags, true, i != 3)
	}
	prov := truth(names, flags...)
	if _, ok := r.branches(prov, false); ok {
		t.Fatalf("%d-way dependency expanded within the bound", 1<<14)
	}
	if !r.Installable(prov) {
		t.Error("Installable = false, want Satisfied's true")
	}
}

// unresolvedNames runs the closure of repos with boolean deps judged in
// mode and returns the names of the packages it reports.
func unresolvedNames(t *testing.T, strs *repomd.Strings, repos []*repomd.Repo, mode RichMode) map[string]bool {
	t.Helper()
	pool := NewPool(strs, repos, PoolOptions{Arch: "x86_64", Rich: mode})
	problems, err := pool.Closure(ClosureOptions{})
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	for _, pr := range problems {
		names[strs.String(pool.Package(pr.Pkg).Name)] = true
	}
	return names
}
