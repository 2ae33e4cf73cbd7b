package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/repoclosure/repoclosure/internal/dnforacle"
	"github.com/repoclosure/repoclosure/internal/repogen"
	"github.com/repoclosure/repoclosure/internal/testenv"
)

// ourRun is one run of our command, shaped like the oracle's result.
type ourRun struct {
	unresolved     map[string][]string
	code           int
	stdout, stderr string
}

// runOurs runs repoclosure as the oracle runs dnf: the given repos enabled,
// nothing from the host, x86_64.
func runOurs(t *testing.T, repos []dnforacle.Repo, args ...string) ourRun {
	t.Helper()
	tmp := t.TempDir()
	argv := []string{"-q", "--setopt=reposdir=" + filepath.Join(tmp, "none"), "--cachedir", filepath.Join(tmp, "cache"), "--forcearch", "x86_64"}
	for _, r := range repos {
		argv = append(argv, "--repofrompath", r.Name+","+r.Path, "--repo", r.Name)
	}
	argv = append(argv, args...)
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), argv, &stdout, &stderr)
	got, err := dnforacle.Parse(stdout.String())
	if err != nil {
		t.Fatalf("our output does not parse as dnf's: %v\n%s", err, stdout.String())
	}
	return ourRun{unresolved: got, code: code, stdout: stdout.String(), stderr: stderr.String()}
}

// packageLines returns the "package:" lines in order: dnf sorts them, so the
// order must match too (the deps under each are in an unstable order).
func packageLines(stdout string) []string {
	var out []string
	for _, l := range strings.Split(stdout, "\n") {
		if strings.HasPrefix(l, "package: ") {
			out = append(out, l)
		}
	}
	return out
}

var summaryLine = regexp.MustCompile(`(?m)^Error: Repoclosure ended with unresolved dependencies \(\d+\) across \d+ packages\.$`)

// compareWithDNF runs dnf and us on the same repos and arguments and requires
// the same packages, the same dep sets, the same order, summary and exit code.
func compareWithDNF(t *testing.T, repos []dnforacle.Repo, args []string, oursOnly ...string) ourRun {
	t.Helper()
	want, err := dnforacle.Run(context.Background(), repos, args...)
	if err != nil {
		t.Fatal(err)
	}
	got := runOurs(t, repos, append(append([]string{}, args...), oursOnly...)...)
	if got.code != want.ExitCode {
		t.Errorf("exit code %d, dnf %d; stderr %q", got.code, want.ExitCode, got.stderr)
	}
	if !reflect.DeepEqual(got.unresolved, want.Unresolved) {
		for k, v := range want.Unresolved {
			if g, ok := got.unresolved[k]; !ok || !reflect.DeepEqual(g, v) {
				t.Errorf("%s: ours %q, dnf %q", k, g, v)
			}
		}
		for k, v := range got.unresolved {
			if _, ok := want.Unresolved[k]; !ok {
				t.Errorf("%s: ours %q, dnf reports nothing", k, v)
			}
		}
	}
	if g, w := packageLines(got.stdout), packageLines(want.Stdout); !reflect.DeepEqual(g, w) {
		t.Errorf("package order differs:\nours %q\ndnf  %q", g, w)
	}
	if g, w := summaryLine.FindString(got.stderr), summaryLine.FindString(want.Stderr); g != w {
		t.Errorf("summary line: ours %q, dnf %q", g, w)
	}
	return got
}

func fixture(name string) dnforacle.Repo {
	return dnforacle.Repo{Name: name, Path: filepath.Join("..", "..", "testdata", "fixtures", "repos", name)}
}

// TestClosureMatchesDNF runs the rpmbuild + createrepo_c fixtures through
// both tools, one case per repoclosure rule.
func TestClosureMatchesDNF(t *testing.T) {
	dnforacle.Require(t)
	base, extra, rich := fixture("base"), fixture("extra"), fixture("rich")
	kernels, kmods := fixture("kernels"), fixture("kmods")
	tests := []struct {
		name     string
		repos    []dnforacle.Repo
		args     []string
		oursOnly []string
	}{
		{"base", []dnforacle.Repo{base}, nil, nil},
		{"base newest", []dnforacle.Repo{base}, []string{"--newest"}, nil},
		{"base best", []dnforacle.Repo{base}, []string{"--setopt=best=True"}, nil},
		{"base arch i686", []dnforacle.Repo{base}, []string{"--arch", "i686"}, nil},
		{"base arch noarch and src", []dnforacle.Repo{base}, []string{"--arch", "noarch", "--arch", "src"}, nil},
		{"base pkg", []dnforacle.Repo{base}, []string{"--pkg", "multi", "--pkg", "oldbroken"}, nil},
		{"base exclude", []dnforacle.Repo{base}, []string{"-x", "epochprov", "-x", "tilde*"}, nil},
		{"base exclude name.arch and nevra", []dnforacle.Repo{base}, []string{"-x", "multi.x86_64", "-x", "newbroken-2.0-1.noarch"}, nil},
		{"base pkg name.arch", []dnforacle.Repo{base}, []string{"--pkg", "multi.i686", "--pkg", "oldbroken-1.0*"}, nil},
		{"base+extra", []dnforacle.Repo{base, extra}, nil, nil},
		{"base+extra check extra", []dnforacle.Repo{base, extra}, []string{"--check", "extra"}, nil},
		{"base+extra newest check", []dnforacle.Repo{base, extra}, []string{"--newest", "--check", "extra"}, nil},
		{"base+extra excludepkgs", []dnforacle.Repo{base, extra}, []string{"--setopt=extra.excludepkgs=excludeme"}, nil},
		{"extra alone", []dnforacle.Repo{extra}, nil, nil},
		{"rich dnf4", []dnforacle.Repo{rich}, nil, []string{"--rich=dnf4"}},
		{"kernels+kmods", []dnforacle.Repo{kernels, kmods}, nil, nil},
		{"kernels+kmods best", []dnforacle.Repo{kernels, kmods}, []string{"--setopt=best=True"}, nil},
		{"kernels+kmods check kmods newest", []dnforacle.Repo{kernels, kmods}, []string{"--check", "kmods", "--newest"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			compareWithDNF(t, tt.repos, tt.args, tt.oursOnly...)
		})
	}
}

func cs9(t *testing.T, name string) dnforacle.Repo {
	dir := testenv.SharedData(t, "cs9", name)
	return dnforacle.Repo{Name: name, Path: dir}
}

// TestClosureCS9MatchesDNF compares on the real CentOS Stream 9 metadata:
// BaseOS alone is closed; AppStream checked against BaseOS has thousands of
// unresolved deps, and we must report exactly dnf's.
func TestClosureCS9MatchesDNF(t *testing.T) {
	dnforacle.Require(t)
	baseos, appstream := cs9(t, "baseos"), cs9(t, "appstream")
	t.Run("baseos", func(t *testing.T) {
		got := compareWithDNF(t, []dnforacle.Repo{baseos}, nil)
		if got.code != exitClosed {
			t.Errorf("BaseOS alone: exit %d, want closed", got.code)
		}
	})
	t.Run("appstream", func(t *testing.T) {
		// modules.yaml filtering as dnf applies it; dnf 4 approximates rich deps.
		got := compareWithDNF(t, []dnforacle.Repo{baseos, appstream}, []string{"--check", "appstream"}, "--rich=dnf4")
		if n := len(got.unresolved); n < 1000 {
			t.Errorf("only %d packages unresolved; the real AppStream has over a thousand", n)
		}
	})
	t.Run("appstream hotfixes", func(t *testing.T) {
		// module_hotfixes turns modular filtering off; dnf 4 approximates rich deps.
		got := compareWithDNF(t, []dnforacle.Repo{baseos, appstream},
			[]string{"--check", "appstream", "--setopt=appstream.module_hotfixes=1"}, "--rich=dnf4")
		if n := len(got.unresolved); n < 1000 {
			t.Errorf("only %d packages unresolved; the real AppStream has over a thousand", n)
		}
	})
}

// TestSubjectFormsMatchDNF: --pkg and -x select exactly dnf's packages on
// the real BaseOS names with dashes in them (kernel, kernel-core,
// kernel-modules, ...): each spec's first matching form only (libdnf's
// getBestSolution), every form reached, and the whole-NEVRA fallback.
func TestSubjectFormsMatchDNF(t *testing.T) {
	dnforacle.Require(t)
	baseos := cs9(t, "baseos")
	for _, args := range [][]string{
		{"--pkg", "kernel-*"},                     // NAME: the subpackages, not kernel-VERSION
		{"--pkg", "kernel-5.14.0*"},               // NEV with a glob version
		{"--pkg", "kernel-modules-5.14.0-55.el9"}, // NEVR
		{"--pkg", "kernel-5.14.0-55.el9.x86_64"},  // NEVRA
		{"--pkg", "kernel-*.x86_64"},              // NA
		{"--pkg", "kernel-5.14.00-55.el9"},        // versions compare as rpm versions
		{"--pkg", "kernel*x86_64"},                // no form matches: whole NEVRA glob
		{"--pkg", "kernel-0:5.14.0-55.el9"},       // epoch 0
		{"--pkg", "kernel-debug-[[:alpha:]]*"},    // NAME with a class
		{"-x", "kernel-*"},                        // kernel stays, and misses its subpackages
		{"-x", "kernel-modules*"},
		{"-x", "kernel-5.14.0-55.el9", "--pkg", "kernel*"},
		{"--setopt=baseos.excludepkgs=kernel-*,bash-*", "--pkg", "kernel*"},
		{"--setopt=baseos.includepkgs=kernel,kernel-modules-*,glibc*,bash-5*", "--pkg", "kernel*"},
	} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			// Without the cores every kernel package has unresolved deps,
			// so what --pkg selects shows in the output.
			args := append([]string{"-x", "kernel-core", "-x", "kernel-debug-core"}, args...)
			got := compareWithDNF(t, []dnforacle.Repo{baseos}, args)
			if len(got.unresolved) == 0 {
				t.Errorf("nothing unresolved: the case shows no selection")
			}
		})
	}
}

// TestSubjectFormsZFSMatchDNF: the zfs family as the OpenZFS repository
// names it (zfs, zfs-dracut, zfs-test, libzfs5, kmod-zfs), every package
// with a dep nothing provides so that the selection shows, in two
// repositories: a spec's form is chosen over every repository, then a
// repo's excludepkgs keeps to that repo.
func TestSubjectFormsZFSMatchDNF(t *testing.T) {
	dnforacle.Require(t)
	dir := t.TempDir()
	pkg := func(name, arch, ver string) repogen.Pkg {
		return repogen.Pkg{Name: name, Arch: arch, Ver: ver, Rel: "1.el9", SourceRPM: "zfs-" + ver + "-1.el9.src.rpm",
			Provides: []repogen.Entry{{Name: name, Flags: "EQ", Ver: ver, Rel: "1.el9"}},
			Requires: []repogen.Entry{{Name: "missing-for-" + name}}}
	}
	repos := map[string][]repogen.Pkg{
		"zfs": {pkg("zfs", "x86_64", "2.1.15"), pkg("zfs-dracut", "noarch", "2.1.15"), pkg("zfs-test", "x86_64", "2.1.15"),
			pkg("libzfs5", "x86_64", "2.1.15"), pkg("kmod-zfs", "x86_64", "2.1.15"), pkg("zfs", "x86_64", "2.2.4")},
		"other": {pkg("zfs", "x86_64", "2.1.16"), pkg("zfs-dracut-extra", "noarch", "1")},
	}
	var all []dnforacle.Repo
	for _, name := range []string{"zfs", "other"} {
		if err := repogen.WriteRepo(filepath.Join(dir, name), repos[name], repogen.Gzip); err != nil {
			t.Fatal(err)
		}
		all = append(all, dnforacle.Repo{Name: name, Path: filepath.Join(dir, name)})
	}
	for _, args := range [][]string{
		{"--pkg", "zfs-*"},        // zfs-dracut, zfs-dracut-extra, zfs-test: not zfs
		{"--pkg", "zfs*"},         // all of them
		{"--pkg", "zfs-2.1*"},     // NEV: zfs 2.1.15 and 2.1.16
		{"--pkg", "zfs-dracut-*"}, // NAME: zfs-dracut-extra only
		{"--pkg", "zfs-2.1.15-1.el9.x86_64"},
		{"--pkg", "*zfs*.noarch"},                 // NA
		{"-x", "zfs-*"},                           // zfs stays
		{"-x", "zfs"},                             // all zfs versions
		{"-x", "zfs-2.2.4"},                       // NEV
		{"--setopt=other.excludepkgs=zfs-*"},      // NAME matches in both repos: other's zfs stays
		{"--setopt=zfs.excludepkgs=zfs-dracut-*"}, // NAME matches only in other: nothing of zfs goes
		{"--setopt=zfs.includepkgs=zfs-*,kmod-*"},
		{"--setopt=includepkgs=zfs-*,libzfs*"}, // [main]: every repo keeps only these
		{"--setopt=excludepkgs=zfs-2.1*", "-x", "kmod-zfs"},
		{"--check", "other", "--pkg", "zfs-*"},
	} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			if got := compareWithDNF(t, all, args); len(got.unresolved) == 0 {
				t.Errorf("nothing unresolved: the case shows no selection")
			}
		})
	}
}

// TestClosureCS9RichModes keeps the README's CS9 counts per --rich mode
// true: AppStream checked against BaseOS, dnf4 (what the real dnf 4 says,
// see TestClosureCS9MatchesDNF) and exact (libsolv's solver) differ only by
// conditional rich deps whose condition the solver need not install.
func TestClosureCS9RichModes(t *testing.T) {
	repos := []dnforacle.Repo{cs9(t, "baseos"), cs9(t, "appstream")}
	summary := regexp.MustCompile(`unresolved dependencies \((\d+)\) across (\d+) packages`)
	runs := map[string]ourRun{}
	for mode, want := range map[string]string{"exact": "3977 1674", "dnf4": "3983 1679"} {
		got := runOurs(t, repos, "--check", "appstream", "--rich="+mode)
		m := summary.FindStringSubmatch(got.stderr)
		if m == nil || m[1]+" "+m[2] != want {
			t.Errorf("--rich=%s: %q, want %s deps across packages (README)", mode, got.stderr, want)
		}
		runs[mode] = got
	}
	for pkg, deps := range runs["dnf4"].unresolved {
		exact := runs["exact"].unresolved[pkg]
		for _, d := range deps {
			if !slices.Contains(exact, d) && !(strings.HasPrefix(d, "(") && strings.Contains(d, " if ")) {
				t.Errorf("%s: %s unresolved for dnf4 only, and is no conditional", pkg, d)
			}
		}
		for _, d := range exact {
			if !slices.Contains(deps, d) {
				t.Errorf("%s: %s unresolved in exact mode only", pkg, d)
			}
		}
	}
	for pkg := range runs["exact"].unresolved {
		if _, ok := runs["dnf4"].unresolved[pkg]; !ok {
			t.Errorf("%s unresolved in exact mode only", pkg)
		}
	}
}

// TestRepoFromPathTwice gives one id two locations: dnf keeps the last
// (its --repofrompath is a map), and so do we, with a warning naming the id.
// An id that a .repo file defines too is an error in both.
func TestRepoFromPathTwice(t *testing.T) {
	dnforacle.Require(t)
	base, extra := fixture("base"), fixture("extra")
	base.Name, extra.Name = "b", "b"
	compareWithDNF(t, []dnforacle.Repo{base, extra}, nil)
	var stdout, stderr bytes.Buffer
	run(context.Background(), []string{"--setopt=reposdir=/nonexistent", "--cachedir", t.TempDir(),
		"--repofrompath", "b," + base.Path, "--repofrompath", "b," + extra.Path}, &stdout, &stderr)
	if !strings.Contains(stderr.String(), "--repofrompath b given twice") {
		t.Errorf("no warning naming b: %q", stderr.String())
	}

	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "b.repo"), []byte("[b]\nbaseurl=file:///nonexistent\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	stdout.Reset()
	stderr.Reset()
	code := run(context.Background(), []string{"--setopt=reposdir=" + dir, "--cachedir", t.TempDir(),
		"--repofrompath", "b," + extra.Path}, &stdout, &stderr)
	if code != exitError || !strings.Contains(stderr.String(), `repository "b" is defined in `+filepath.Join(dir, "b.repo")) {
		t.Errorf("exit %d, stderr %q; want exit %d naming b.repo", code, stderr.String(), exitError)
	}
}

// TestRepoFileIDTwice: an id two .repo files define keeps the first
// file's definition (by dnf's file order), with a warning, as dnf does.
func TestRepoFileIDTwice(t *testing.T) {
	dnforacle.Require(t)
	dir := t.TempDir()
	for file, repo := range map[string]string{"a.repo": "base", "z.repo": "extra"} {
		path, err := filepath.Abs(fixture(repo).Path)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, file), []byte("[b]\nbaseurl=file://"+path+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got := compareWithDNF(t, nil, []string{"--setopt=reposdir=" + dir})
	if len(got.unresolved) == 0 {
		t.Fatal("nothing unresolved: the comparison checked nothing")
	}
	var stdout, stderr bytes.Buffer
	run(context.Background(), []string{"--setopt=reposdir=" + dir, "--cachedir", t.TempDir()}, &stdout, &stderr)
	if want := `repository "b" is defined in both ` + filepath.Join(dir, "a.repo") + " and " + filepath.Join(dir, "z.repo"); !strings.Contains(stderr.String(), want) {
		t.Errorf("stderr %q, want a warning %q", stderr.String(), want)
	}
}

// TestCheckCommandline: --check @commandline checks the --rpm files, the
// repository README names; the answer is dnf's for the same packages as a
// repository (--check kmods).
func TestCheckCommandline(t *testing.T) {
	dnforacle.Require(t)
	kernels, kmods := fixture("kernels"), fixture("kmods")
	want, err := dnforacle.Run(context.Background(), []dnforacle.Repo{kernels, kmods}, "--check", "kmods")
	if err != nil {
		t.Fatal(err)
	}
	rpms, err := filepath.Glob(filepath.Join(kmods.Path, "Packages", "*.rpm"))
	if err != nil || len(rpms) == 0 {
		t.Fatalf("no .rpm in %s: %v", kmods.Path, err)
	}
	args := []string{"--check", "@commandline"}
	for _, rpm := range rpms {
		args = append(args, "--rpm", rpm)
	}
	got := runOurs(t, []dnforacle.Repo{kernels}, args...)
	if got.code != want.ExitCode {
		t.Errorf("exit %d, dnf %d; stderr %q", got.code, want.ExitCode, got.stderr)
	}
	wantUnresolved := map[string][]string{}
	for pkg, deps := range want.Unresolved {
		wantUnresolved[strings.TrimSuffix(pkg, " from kmods")+" from @commandline"] = deps
	}
	if len(wantUnresolved) == 0 || !reflect.DeepEqual(got.unresolved, wantUnresolved) {
		t.Errorf("ours %v\ndnf (as kmods) %v", got.unresolved, wantUnresolved)
	}
}
