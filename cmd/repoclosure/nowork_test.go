package main

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/repoclosure/repoclosure/internal/dnforacle"
	"github.com/repoclosure/repoclosure/internal/testenv"
)

// Every way of asking for work that names nothing exits 2 with the cause,
// for every command that loads repositories.
func TestNoSuccessWithoutWork(t *testing.T) {
	tmp := t.TempDir()
	emptyDir := filepath.Join(tmp, "empty")
	reposDir := filepath.Join(tmp, "repos.d")
	os.MkdirAll(emptyDir, 0o755)
	os.MkdirAll(reposDir, 0o755)
	os.WriteFile(filepath.Join(reposDir, "rel.repo"), []byte("[rel]\nbaseurl=file:///srv/$releasever/os/\n"), 0o644)
	offDir := filepath.Join(tmp, "off.d")
	os.MkdirAll(offDir, 0o755)
	os.WriteFile(filepath.Join(offDir, "off.repo"), []byte("[off]\nbaseurl=file://"+fixtureDir("extra")+"\nenabled=0\n"), 0o644)
	cache := []string{"-q", "--cachedir", filepath.Join(tmp, "cache")}
	base := "b," + fixtureDir("base")
	kmods := "km," + fixtureDir("kmods")
	kernels := "k," + fixtureDir("kernels")
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"no repository", []string{"--setopt=reposdir=" + emptyDir}, `There are no enabled repositories in "` + emptyDir + `"`},
		{"reposdir typo", []string{"--setopt=reposdir=" + emptyDir + "x"}, "reposdir " + emptyDir + "x does not exist"},
		{"all disabled", []string{"--setopt=reposdir=" + emptyDir, "--repofrompath", base, "--disablerepo", "*"}, "There are no enabled repositories"},
		{"empty folder", []string{"--setopt=reposdir=" + emptyDir, "--repofrompath", "e," + emptyDir}, emptyDir + " has neither repodata/repomd.xml nor .rpm files"},
		{"--check unknown", []string{"--setopt=reposdir=" + emptyDir, "--repofrompath", base, "--check", "nope"}, "Unknown repo: 'nope'"},
		{"--check glob matching none", []string{"--setopt=reposdir=" + emptyDir, "--repofrompath", base, "--check", "z*"}, "no repository matches 'z*'"},
		{"--check list with an unknown", []string{"--setopt=reposdir=" + emptyDir, "--repofrompath", base, "--check", "b,nope"}, "Unknown repo: 'nope'"},
		{"--check of a disabled repo", []string{"--setopt=reposdir=" + offDir, "--repofrompath", base, "--check", "off"}, "repository 'off' is disabled"},
		{"--arch of no package", []string{"--setopt=reposdir=" + emptyDir, "--repofrompath", base, "--arch", "s390x"}, "no package to check"},
		{"-x of every package", []string{"--setopt=reposdir=" + emptyDir, "--repofrompath", base, "-x", "*"}, "no package to check: the enabled repositories hold none that --check, --arch and --pkg select and -x/--exclude and excludepkgs leave"},
		{"--pkg matching none", []string{"--setopt=reposdir=" + emptyDir, "--repofrompath", base, "--pkg", "nope*"}, "no package matched: nope*"},
		{"unset $releasever", []string{"--setopt=reposdir=" + reposDir}, "pass --releasever"},
		{"missing -c file", []string{"-c", filepath.Join(tmp, "nope.conf"), "--repofrompath", base}, "nope.conf"},
		{"matrix --kmod matching none", []string{"matrix", "--setopt=reposdir=" + emptyDir, "--repofrompath", kernels, "--repofrompath", kmods, "--kmod", "nope"}, "no kmod matched: nope"},
		{"matrix --kmod-repo unknown", []string{"matrix", "--setopt=reposdir=" + emptyDir, "--repofrompath", kernels, "--repofrompath", kmods, "--kmod-repo", "nope"}, "Unknown repo: 'nope'"},
		{"series with no repository", []string{"series", "--setopt=reposdir=" + emptyDir}, "There are no enabled repositories"},
		{"dump with no repository", []string{"dump", "--setopt=reposdir=" + emptyDir}, "There are no enabled repositories"},
	}
	for _, tt := range tests {
		args := tt.args
		if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
			args = append([]string{args[0]}, append(cache, args[1:]...)...)
		} else {
			args = append(cache, args...)
		}
		code, stdout, stderr := runCLI(t, args...)
		if code != exitError || !strings.Contains(stderr, tt.want) {
			t.Errorf("%s: exit %d, stderr %q; want exit 2 and %q", tt.name, code, stderr, tt.want)
		}
		if stdout != "" {
			t.Errorf("%s: printed %q", tt.name, stdout)
		}
	}
}

// --check takes ids, globs and comma lists, as dnf5 does: each spelling
// checks the same packages.
func TestCheckGlobsAndLists(t *testing.T) {
	common := []string{"-q", "--setopt=reposdir=/nonexistent", "--cachedir", t.TempDir(),
		"--repofrompath", "base," + fixtureDir("base"), "--repofrompath", "extra," + fixtureDir("extra")}
	_, want, _ := runCLI(t, append(common, "--check", "base", "--check", "extra")...)
	_, onlyBase, _ := runCLI(t, append(common, "--check", "base")...)
	if want == onlyBase || !strings.Contains(want, "from extra") {
		t.Fatalf("fixtures do not tell base from base+extra:\n%s", want)
	}
	for _, spelling := range [][]string{{"--check", "base,extra"}, {"--check", "*"}, {"--check", "ba*", "--check", "e?tra"}} {
		code, got, stderr := runCLI(t, append(common, spelling...)...)
		if code != exitUnresolved || got != want {
			t.Errorf("%q: exit %d %s\n%s\nwant\n%s", spelling, code, stderr, got, want)
		}
	}
	if code, got, _ := runCLI(t, append(common, "--check", "b*")...); code != exitUnresolved || got != onlyBase {
		t.Errorf("--check 'b*': exit %d\n%s\nwant\n%s", code, got, onlyBase)
	}
}

// -c FILE's [main] reposdir (several), excludepkgs and best, and its own
// repositories, mean what the same --setopt options mean.
func TestConfigFile(t *testing.T) {
	tmp := t.TempDir()
	dirA, dirB := filepath.Join(tmp, "a"), filepath.Join(tmp, "b")
	os.MkdirAll(dirA, 0o755)
	os.MkdirAll(dirB, 0o755)
	os.WriteFile(filepath.Join(dirA, "base.repo"), []byte("[base]\nbaseurl=file://"+fixtureDir("base")+"\n"), 0o644)
	os.WriteFile(filepath.Join(dirB, "extra.repo"), []byte("[extra]\nbaseurl=file://"+fixtureDir("extra")+"\n"), 0o644)
	conf := filepath.Join(tmp, "dnf.conf")
	os.WriteFile(conf, []byte("[main]\nreposdir="+dirA+","+dirB+"\nexcludepkgs=arch*\nbest=True\n\n[rich]\nbaseurl=file://"+fixtureDir("rich")+"\n"), 0o644)
	common := []string{"-q", "--cachedir", filepath.Join(tmp, "cache")}

	code, got, stderr := runCLI(t, append(common, "-c", conf)...)
	code2, want, _ := runCLI(t, append(common, "--setopt=reposdir="+dirA+","+dirB, "--setopt=excludepkgs=arch*", "--setopt=best=True",
		"--repofrompath", "rich,"+fixtureDir("rich"))...)
	if code != code2 || got != want || code == exitError {
		t.Errorf("-c: exit %d %s\n%s\n--setopt: exit %d\n%s", code, stderr, got, code2, want)
	}
	code, counts, stderr := runCLI(t, "dump", "--count", "-q", "--cachedir", filepath.Join(tmp, "cache"), "--config", conf)
	for _, id := range []string{"rich\t", "base\t", "extra\t"} {
		if code != exitClosed || !strings.Contains(counts, id) {
			t.Errorf("dump --count -c: exit %d %s: %q lacks %q", code, stderr, counts, id)
		}
	}
	_, noExclude, _ := runCLI(t, append(common, "--setopt=reposdir="+dirA+","+dirB, "--setopt=best=True",
		"--repofrompath", "rich,"+fixtureDir("rich"))...)
	if noExclude == got {
		t.Errorf("excludepkgs=arch* changed nothing: the test proves nothing")
	}
}

// --installroot takes the .repo files and $releasever from the system
// installed there.
func TestInstallroot(t *testing.T) {
	root := t.TempDir()
	os.MkdirAll(filepath.Join(root, "etc", "yum.repos.d"), 0o755)
	os.WriteFile(filepath.Join(root, "etc", "os-release"), []byte("ID=\"centos\"\nID_LIKE=\"rhel fedora\"\nVERSION_ID=\"8.6\"\n"), 0o644)
	srv := filepath.Join(root, "srv")
	os.MkdirAll(srv, 0o755)
	if err := os.Symlink(fixtureDir("base"), filepath.Join(srv, "8")); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(root, "etc", "yum.repos.d", "os.repo"), []byte("[os]\nbaseurl=file://"+srv+"/$releasever\n"), 0o644)
	code, stdout, stderr := runCLI(t, "dump", "--count", "-q", "--cachedir", t.TempDir(), "--installroot", root)
	if code != exitClosed || strings.TrimSpace(stdout) != "os\t28" {
		t.Errorf("--installroot: exit %d, %q, %s", code, stdout, stderr)
	}
	// --releasever wins over the installroot's.
	code, _, stderr = runCLI(t, "dump", "--count", "-q", "--cachedir", t.TempDir(), "--installroot", root, "--releasever", "9")
	if code != exitError || !strings.Contains(stderr, srv+"/9") {
		t.Errorf("--releasever 9: exit %d, %s", code, stderr)
	}
}

// Unknown keys, on the command line or in files, are named.
func TestUnknownKeysWarned(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "x.repo"), []byte("[x]\nbaseurl=file://"+fixtureDir("base")+"\ngpgchek=1\nsslverify=1\n"), 0o644)
	code, _, stderr := runCLI(t, "dump", "--count", "--cachedir", t.TempDir(), "--setopt=reposdir="+dir,
		"--setopt=exlcudepkgs=foo", "--setopt=x.priorty=3", "--setopt=x.sslverify=0", "--setopt=install_weak_deps=0")
	if code != exitClosed {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, want := range []string{"exlcudepkgs", "x.priorty", filepath.Join(dir, "x.repo") + ":3: gpgchek"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
	for _, known := range []string{"sslverify", "install_weak_deps", "baseurl"} {
		if strings.Contains(stderr, known) {
			t.Errorf("a known option is warned about:\n%s", stderr)
		}
	}
}

// SIGINT stops a run with exit 130, whatever it was waiting for.
func TestInterruptExits130(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the command")
	}
	bin := filepath.Join(t.TempDir(), "repoclosure")
	goTool, err := exec.LookPath("go")
	if err != nil {
		testenv.Unavailable(t, "go tool not in PATH: %v", err)
	}
	build := exec.Command(goTool, "build", "-o", bin, ".")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	asked := make(chan struct{}, 1)
	hang := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case asked <- struct{}{}:
		default:
		}
		select {
		case <-r.Context().Done():
		case <-time.After(20 * time.Second):
		}
	}))
	defer hang.Close()
	cmd := exec.Command(bin, "-q", "--setopt=reposdir=/nonexistent", "--cachedir", t.TempDir(), "--repofrompath", "h,"+hang.URL)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-asked:
	case <-time.After(15 * time.Second):
		cmd.Process.Kill()
		t.Fatal("the command never asked the server")
	}
	cmd.Process.Signal(syscall.SIGINT)
	err = cmd.Wait()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != exitInterrupt {
		t.Errorf("after SIGINT: %v, want exit %d", err, exitInterrupt)
	}
}

// The no-work cases against the real dnf: where dnf fails we fail too, in
// its words; where dnf exits 0 having checked nothing, we exit 2.
func TestNoWorkAgainstDNF(t *testing.T) {
	dnforacle.Require(t)
	ctx := context.Background()
	empty := t.TempDir()
	base := []dnforacle.Repo{{Name: "b", Path: fixtureDir("base")}}
	tests := []struct {
		name  string
		repos []dnforacle.Repo
		args  []string
		ours  []string // our arguments besides the repositories
		same  string   // the words dnf and we both say, when dnf fails
	}{
		{"--pkg matching none", base, []string{"--pkg", "nope"}, []string{"--pkg", "nope"}, "no package matched: nope"},
		{"--repo unknown", base, []string{"--repo", "nope"}, []string{"--repo", "nope"}, "Unknown repo: 'nope'"},
		{"empty folder", []dnforacle.Repo{{Name: "e", Path: empty}}, nil, nil, "repo"},
		{"no repository", nil, nil, nil, ""},
		{"--check unknown", base, []string{"--check", "nope"}, []string{"--check", "nope"}, ""},
	}
	for _, tt := range tests {
		res, err := dnforacle.RunRaw(ctx, tt.repos, tt.args...)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		args := []string{"-q", "--setopt=reposdir=" + filepath.Join(empty, "none"), "--cachedir", t.TempDir()}
		for _, r := range tt.repos {
			args = append(args, "--repofrompath", r.Name+","+r.Path, "--repo", r.Name)
		}
		code, stdout, stderr := runCLI(t, append(args, tt.ours...)...)
		if code != exitError || stdout != "" {
			t.Errorf("%s: exit %d, stdout %q; want 2 (dnf: %d)", tt.name, code, stdout, res.ExitCode)
		}
		switch {
		case res.ExitCode == 0:
			// dnf's silent green: it checked nothing.
			if strings.Contains(res.Stdout, "package:") {
				t.Errorf("%s: dnf checked something:\n%s", tt.name, res.Stdout)
			}
		case !strings.Contains(res.Stderr, tt.same) || !strings.Contains(stderr, tt.same):
			t.Errorf("%s: dnf (exit %d) says %q, we say %q; want both to say %q", tt.name, res.ExitCode, res.Stderr, stderr, tt.same)
		}
	}
}
