package testenv

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

// hostRoot makes an install root whose etc/ looks like a careless host:
// dnf.conf with skip_if_unavailable=True (this machine's /etc/dnf/dnf.conf
// says so) and a .repo file enabling a repository. dnf reads both from the
// install root before the host's, which makes the root a stand-in for the
// host that the test controls.
func hostRoot(t *testing.T) string {
	root := t.TempDir()
	files := map[string]string{
		"etc/dnf/dnf.conf":          "[main]\nskip_if_unavailable=True\nbest=True\n",
		"etc/yum.repos.d/host.repo": "[hostrepo]\nname=host\nbaseurl=file:///nonexistent/hostrepo\nenabled=1\n",
	}
	for name, text := range files {
		path := filepath.Join(root, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

// TestDNFIgnoresHostConfig checks that a repository dnf cannot read fails a
// run even where the host's configuration would skip it, and that the
// host's repositories are not loaded. The same runs without testenv's
// settings show that the host configuration is really there and would
// turn the failure into a pass.
func TestDNFIgnoresHostConfig(t *testing.T) {
	Require(t, "dnf")
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	root := hostRoot(t)
	gone := Repo{Name: "gone", Path: filepath.Join(t.TempDir(), "missing")}

	// Control: dnf on its own defaults reads the root's dnf.conf and
	// .repo file.
	bare := func(args ...string) (string, error) {
		full := append([]string{"-q", "--installroot=" + root, "--setopt=cachedir=" + t.TempDir(),
			"--releasever=8", "--forcearch=x86_64", "--disableplugin=*", "--enableplugin=repoclosure"}, args...)
		out, err := CommandContext(ctx, t, "dnf", full...).CombinedOutput()
		return string(out), err
	}
	if out, err := bare("repoclosure", "--repofrompath=gone,"+gone.Path, "--repo", "gone"); err != nil {
		t.Fatalf("without isolation, skip_if_unavailable=True should let repoclosure pass on a missing repo: %v\n%s", err, out)
	}
	if out, err := bare("repolist", "--all"); err != nil || !strings.Contains(out, "hostrepo") {
		t.Fatalf("without isolation, the root's .repo file should be listed: %v\n%s", err, out)
	}

	res, err := DNF{Repos: []Repo{gone}, InstallRoot: root}.Run(ctx, "repoclosure")
	if err != nil {
		t.Fatal(err)
	}
	if res.ExitCode == 0 || !strings.Contains(res.Stderr, "Failed to download metadata for repo 'gone'") {
		t.Errorf("repoclosure on a missing repo: exit %d, stderr %q; want a failure naming the repo", res.ExitCode, res.Stderr)
	}
	res, err = DNF{InstallRoot: root}.Run(ctx, "repolist", "--all")
	if err != nil {
		t.Fatal(err)
	}
	if res.ExitCode != 0 || strings.Contains(res.Stdout, "hostrepo") {
		t.Errorf("repolist --all: exit %d, stdout %q; want success without the host's hostrepo", res.ExitCode, res.Stdout)
	}
}

// TestUnavailable checks both branches of the skip-or-fail rule.
func TestUnavailable(t *testing.T) {
	for _, ci := range []string{"", "true"} {
		t.Setenv("CI", ci)
		tb := &recorder{TB: t}
		done := make(chan struct{})
		go func() {
			defer close(done)
			Unavailable(tb, "tool %s missing", "xyz")
		}()
		<-done
		want := "skip"
		if ci != "" {
			want = "fatal"
		}
		if tb.how != want || !strings.Contains(tb.msg, "tool xyz missing") {
			t.Errorf("CI=%q: Unavailable did %s %q, want %s naming the tool", ci, tb.how, tb.msg, want)
		}
	}
}

// recorder notes whether Skipf or Fatalf was called, ending the goroutine
// as the testing package does.
type recorder struct {
	testing.TB
	how, msg string
}

func (r *recorder) Helper() {}
func (r *recorder) Skipf(format string, args ...any) {
	r.how, r.msg = "skip", fmt.Sprintf(format, args...)
	runtime.Goexit()
}
func (r *recorder) Fatalf(format string, args ...any) {
	r.how, r.msg = "fatal", fmt.Sprintf(format, args...)
	runtime.Goexit()
}

// TestSharedData finds the real data from this package's folder, two
// levels below the module root.
func TestSharedData(t *testing.T) {
	path := SharedData(t, "cs9", "baseos", "repodata", "repomd.xml")
	if !filepath.IsAbs(path) {
		t.Errorf("SharedData = %q, want an absolute path", path)
	}
	if _, err := os.Stat(path); err != nil {
		t.Error(err)
	}
}

// TestIsolatedEnv checks what every tool sees of the caller's environment:
// its own HOME, untranslated messages, no XDG directories, the rest kept.
func TestIsolatedEnv(t *testing.T) {
	t.Setenv("HOME", "/host/home")
	t.Setenv("XDG_CONFIG_HOME", "/host/config")
	t.Setenv("LC_MESSAGES", "de_DE.UTF-8")
	t.Setenv("LANG", "de_DE.UTF-8")
	t.Setenv("TESTENV_KEPT", "yes")
	got := map[string][]string{}
	for _, kv := range isolatedEnv("/tmp/fresh") {
		k, v, _ := strings.Cut(kv, "=")
		got[k] = append(got[k], v)
	}
	for k, want := range map[string]string{
		"HOME": "/tmp/fresh", "LC_ALL": "C.UTF-8", "LANG": "C.UTF-8", "LANGUAGE": "", "TESTENV_KEPT": "yes",
		"GOPATH": os.Getenv("GOPATH"),
	} {
		if k == "GOPATH" && want == "" {
			want = "/host/home/go" // where go looks under the caller's HOME
		}
		if len(got[k]) != 1 || got[k][0] != want {
			t.Errorf("%s = %q, want exactly %q", k, got[k], want)
		}
	}
	for _, k := range []string{"XDG_CONFIG_HOME", "LC_MESSAGES"} {
		if v, ok := got[k]; ok {
			t.Errorf("%s = %q, want it dropped", k, v)
		}
	}
}

// TestCommandHome runs a tool through Command and checks that it sees an
// empty HOME of its own.
func TestCommandHome(t *testing.T) {
	out, err := Command(t, "sh", "-c", `printf '%s\n' "$HOME"; ls -A "$HOME"`).Output()
	if err != nil {
		t.Fatal(err)
	}
	home, rest, _ := strings.Cut(string(out), "\n")
	if real, _ := os.UserHomeDir(); home == "" || home == real || rest != "" {
		t.Errorf("tool saw HOME %q holding %q; want a fresh empty directory, not %q", home, rest, real)
	}
}
