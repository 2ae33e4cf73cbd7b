package main

import (
	"bytes"
	"context"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/repoclosure/repoclosure/internal/dnforacle"
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
