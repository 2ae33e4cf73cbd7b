package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/repoclosure/repoclosure/cmd/repoclosure/report"
)

func runCLI(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(context.Background(), args, &out, &errb)
	return code, out.String(), errb.String()
}

func fixtureDir(name string) string {
	abs, _ := filepath.Abs(filepath.Join("..", "..", "testdata", "fixtures", "repos", name))
	return abs
}

// TestRepoFiles: .repo files in --setopt=reposdir, with $basearch, enabled=0,
// --enablerepo/--disablerepo and --repo, as dnf combines them.
func TestRepoFiles(t *testing.T) {
	dir := t.TempDir()
	repoFile := "[base]\nname=Base $basearch\nbaseurl=file://" + strings.Replace(fixtureDir("base"), "/base", "/$repodir", 1) + "\n" +
		"[extra]\nname=Extra\nbaseurl=/nonexistent/mirror\n        file://" + fixtureDir("extra") + "\nenabled=0\n"
	os.WriteFile(filepath.Join(dir, "fixtures.repo"), []byte(repoFile), 0o644)
	common := []string{"-q", "--setopt=reposdir=" + dir, "--cachedir", t.TempDir(), "--forcearch", "x86_64"}

	// $repodir is not a dnf variable: left as is, the base repo cannot load.
	if code, _, stderr := runCLI(t, append([]string{"dump", "--count"}, common...)...); code != exitError || !strings.Contains(stderr, "$repodir") {
		t.Errorf("unknown variable: exit %d, stderr %q", code, stderr)
	}
	os.WriteFile(filepath.Join(dir, "fixtures.repo"), []byte(strings.Replace(repoFile, "$repodir", "base", 1)), 0o644)
	code, stdout, stderr := runCLI(t, append([]string{"dump", "--count"}, common...)...)
	if code != exitClosed || strings.TrimSpace(stdout) != "base\t28" {
		t.Errorf("default (extra disabled): exit %d, %q, %s", code, stdout, stderr)
	}
	// --enablerepo turns extra on; its first baseurl fails and the second is used.
	code, stdout, stderr = runCLI(t, append([]string{"dump", "--count", "--enablerepo", "ext*"}, common...)...)
	if code != exitClosed || !strings.Contains(stdout, "extra\t5") {
		t.Errorf("--enablerepo: exit %d, %q, %s", code, stdout, stderr)
	}
	code, stdout, _ = runCLI(t, append([]string{"dump", "--count", "--repo", "extra"}, common...)...)
	if code != exitClosed || strings.TrimSpace(stdout) != "extra\t5" {
		t.Errorf("--repo extra: exit %d, %q", code, stdout)
	}
	// Nothing enabled is no success (issue 8, section 1).
	code, stdout, stderr = runCLI(t, append([]string{"dump", "--count", "--disablerepo", "*"}, common...)...)
	if code != exitError || strings.TrimSpace(stdout) != "" || !strings.Contains(stderr, "There are no enabled repositories") {
		t.Errorf("--disablerepo '*': exit %d, %q, %q", code, stdout, stderr)
	}
	if code, _, stderr := runCLI(t, append([]string{"dump", "--repo", "nosuch"}, common...)...); code != exitError || !strings.Contains(stderr, "nosuch") {
		t.Errorf("--repo nosuch: exit %d, %q", code, stderr)
	}
}

// TestExitCodesAndErrors: closed 0, unresolved 1, usage and load errors 2.
func TestExitCodesAndErrors(t *testing.T) {
	common := []string{"-q", "--setopt=reposdir=/nonexistent", "--cachedir", t.TempDir()}
	demoKernels, _ := filepath.Abs(filepath.Join("..", "..", "testdata", "el8-demo", "kernels"))
	if code, stdout, _ := runCLI(t, append(common, "--repofrompath", "k,"+demoKernels)...); code != exitClosed || stdout != "" {
		t.Errorf("el8-demo kernels alone: exit %d, want closed; %q", code, stdout)
	}
	if code, _, stderr := runCLI(t, append(common, "--repofrompath", "b,"+fixtureDir("base"))...); code != exitUnresolved || !strings.Contains(stderr, "Repoclosure ended with unresolved dependencies") {
		t.Errorf("base: exit %d, stderr %q", code, stderr)
	}
	if code, _, stderr := runCLI(t, append(common, "--no-such-flag")...); code != exitError || stderr == "" {
		t.Errorf("bad flag: exit %d", code)
	}
	bad := t.TempDir()
	os.MkdirAll(filepath.Join(bad, "repodata"), 0o755)
	os.WriteFile(filepath.Join(bad, "repodata", "repomd.xml"), []byte("<repomd><data type=\"primary\"><location href=\"repodata/x.xml\"/>"), 0o644)
	code, _, stderr := runCLI(t, append(common, "--repofrompath", "bad,"+bad)...)
	if code != exitError || !strings.Contains(stderr, "repomd.xml") {
		t.Errorf("truncated repomd.xml: exit %d, stderr %q", code, stderr)
	}
	if code, _, stderr := runCLI(t, append(common, "--repofrompath", "b,"+fixtureDir("base"), "--pkg", "nosuchpkg")...); code != exitError || !strings.Contains(stderr, "no package matched: nosuchpkg") {
		t.Errorf("--pkg nosuchpkg: exit %d, stderr %q", code, stderr)
	}
}

// TestMatrixBaseline: a cell that was installable in the baseline and is not
// now makes exit code 3; new kernels are reported.
func TestMatrixBaseline(t *testing.T) {
	tmp := t.TempDir()
	common := []string{"matrix", "-q", "--setopt=reposdir=/nonexistent", "--cachedir", tmp,
		"--repofrompath", "kernels," + fixtureDir("kernels"), "--repofrompath", "kmods," + fixtureDir("kmods")}
	code, stdout, stderr := runCLI(t, append(common, "--format", "json")...)
	if code != exitClosed {
		t.Fatalf("matrix: %d %s", code, stderr)
	}
	cur, err := report.ReadJSON(strings.NewReader(stdout), "matrix")
	if err != nil {
		t.Fatal(err)
	}
	// Same data as baseline: no regression.
	base := filepath.Join(tmp, "base.json")
	os.WriteFile(base, []byte(stdout), 0o644)
	if code, _, stderr := runCLI(t, append(common, "--baseline", base, "-o", filepath.Join(tmp, "out.txt"))...); code != exitClosed {
		t.Errorf("unchanged baseline: exit %d, %s", code, stderr)
	}
	// A baseline where every cell installed and one kernel did not exist yet.
	prev := *cur
	prev.Kernels = cur.Kernels[:len(cur.Kernels)-1]
	prev.Cells = nil
	for _, c := range cur.Cells {
		if c.Kernel == cur.Kernels[len(cur.Kernels)-1].Uname {
			continue
		}
		c.Installable, c.Missing = true, []report.Missing{}
		prev.Cells = append(prev.Cells, c)
	}
	var buf bytes.Buffer
	if err := report.WriteJSON(&buf, &prev); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(base, buf.Bytes(), 0o644)
	code, _, stderr = runCLI(t, append(common, "--baseline", base, "-o", filepath.Join(tmp, "out.txt"))...)
	if code != exitRegression {
		t.Errorf("regressed baseline: exit %d, want %d; %s", code, exitRegression, stderr)
	}
	if !strings.Contains(stderr, cur.Kernels[len(cur.Kernels)-1].Uname) {
		t.Errorf("the new kernel is not reported: %s", stderr)
	}
	if _, err := os.Stat(filepath.Join(tmp, "out.txt")); err != nil {
		t.Errorf("-o file not written: %v", err)
	}
}

// TestSetoptDottedRepoID: --setopt=REPO.excludepkgs splits at the last dot,
// as dnf does, so repo ids may hold dots.
func TestSetoptDottedRepoID(t *testing.T) {
	common := []string{"-q", "--setopt=reposdir=/nonexistent", "--cachedir", t.TempDir(),
		"--repofrompath", "my.base," + fixtureDir("base")}
	_, all, _ := runCLI(t, common...)
	_, some, stderr := runCLI(t, append(common, "--setopt=my.base.excludepkgs=multi")...)
	if !strings.Contains(all, "package: multi-1.0-1.i686 from my.base") || strings.Contains(some, "package: multi-") {
		t.Errorf("excludepkgs on a dotted repo id did not apply:\n%s\n%s", some, stderr)
	}
}
