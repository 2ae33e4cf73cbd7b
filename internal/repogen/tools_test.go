package repogen

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// needTool returns the path of an external tool. It skips the test when the
// tool is missing, or fails it when CI is set, since CI must run it.
func needTool(t *testing.T, name string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s is required when CI is set: %v", name, err)
		}
		t.Skipf("%s not installed: %v", name, err)
	}
	return path
}

// dnf runs dnf 4 against repositories given by path, with no host
// configuration leaking in (REFERENCE.md, "Oracles").
type dnf struct {
	t   *testing.T
	bin string
	tmp string
}

func newDNF(t *testing.T) *dnf {
	return &dnf{t: t, bin: needTool(t, "dnf"), tmp: t.TempDir()}
}

// run executes "dnf -q ... COMMAND --repofrompath=... ARGS" with each repo
// of repos ("id=path") enabled, and returns stdout, stderr and the exit code.
func (d *dnf) run(command string, repos []string, args ...string) (stdout, stderr string, code int) {
	d.t.Helper()
	full := []string{"-q", "--installroot=" + filepath.Join(d.tmp, "root"), "--setopt=reposdir=/nonexistent",
		"--setopt=cachedir=" + filepath.Join(d.tmp, "cache"), "--releasever=8", "--forcearch=x86_64",
		"--disableplugin=*", "--enableplugin=repoclosure", command}
	for _, r := range repos {
		id, path, _ := strings.Cut(r, "=")
		full = append(full, "--repofrompath="+id+","+path, "--repo", id)
	}
	full = append(full, args...)
	cmd := exec.Command(d.bin, full...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	var exit *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &exit):
		code = exit.ExitCode()
	default:
		d.t.Fatalf("dnf %s: %v", command, err)
	}
	return out.String(), errb.String(), code
}

// repoclosure returns dnf's unresolved deps per package ("name-evr.arch"),
// each list sorted, and fails the test on errors other than unresolved deps.
func (d *dnf) repoclosure(repos []string, args ...string) map[string][]string {
	d.t.Helper()
	out, errOut, code := d.run("repoclosure", repos, args...)
	if code != 0 && !strings.Contains(errOut, "Repoclosure ended with unresolved dependencies") {
		d.t.Fatalf("dnf repoclosure exited %d: %s", code, errOut)
	}
	got := map[string][]string{}
	var cur string
	for _, line := range strings.Split(out, "\n") {
		switch {
		case strings.HasPrefix(line, "package: "):
			cur, _, _ = strings.Cut(strings.TrimPrefix(line, "package: "), " from ")
			got[cur] = nil
		case strings.HasPrefix(line, "    ") && cur != "":
			got[cur] = append(got[cur], strings.TrimSpace(line))
		}
	}
	for _, deps := range got {
		sort.Strings(deps)
	}
	return got
}
