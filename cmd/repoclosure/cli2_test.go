package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/repoclosure/repoclosure/cmd/repoclosure/report"
	"github.com/repoclosure/repoclosure/internal/testenv"
)

// TestClosureJSONAndWhy: --json is dnf5's shape with the text report's
// content; --why names the same symbol's CRC in another kernel build.
func TestClosureJSONAndWhy(t *testing.T) {
	common := []string{"-q", "--setopt=reposdir=/nonexistent", "--cachedir", t.TempDir(),
		"--repofrompath", "kernels," + fixtureDir("kernels"), "--repofrompath", "kmods," + fixtureDir("kmods"),
		"--setopt=best=True", "--check", "kmods"}
	code, text, _ := runCLI(t, common...)
	if code != exitUnresolved {
		t.Fatalf("exit %d", code)
	}
	code, out, _ := runCLI(t, append(common, "--json")...)
	if code != exitUnresolved {
		t.Fatalf("--json: exit %d", code)
	}
	var entries []struct {
		Package string   `json:"package"`
		Repo    string   `json:"repo"`
		Deps    []string `json:"unresolved_dependencies"`
	}
	if err := json.Unmarshal([]byte(out), &entries); err != nil {
		t.Fatalf("--json output: %v\n%s", err, out)
	}
	var rebuilt strings.Builder
	for _, e := range entries {
		rebuilt.WriteString("package: " + e.Package + " from " + e.Repo + "\n")
		rebuilt.WriteString("  unresolved deps (" + strconv.Itoa(len(e.Deps)) + "):\n")
		for _, d := range e.Deps {
			rebuilt.WriteString("    " + d + "\n")
		}
	}
	if rebuilt.String() != text {
		t.Errorf("--json and text disagree:\n%s\nvs\n%s", rebuilt.String(), text)
	}

	// With best, only the newest kernel provides: kmod-foo's kernel(printk)
	// needs 305's CRC, and --why must point at the builds that have it.
	_, why, _ := runCLI(t, append(common, "--why")...)
	if !strings.Contains(why, "kernel-core-4.18.0-305.el8.x86_64 provides kernel(") || !strings.Contains(why, "(not available)") {
		t.Errorf("--why does not name the older kernel that was left out:\n%s", why)
	}
	if !strings.Contains(why, "(other version)") {
		t.Errorf("--why does not name a symbol with another CRC:\n%s", why)
	}
}

// TestMatrixSelections: --kmod, --kmod-repo, --rpm and --kernel-source.
func TestMatrixSelections(t *testing.T) {
	tmp := t.TempDir()
	base := []string{"matrix", "-q", "--setopt=reposdir=/nonexistent", "--cachedir", tmp, "--format", "json",
		"--repofrompath", "kernels," + fixtureDir("kernels")}
	matrix := func(args ...string) *report.Matrix {
		t.Helper()
		code, out, stderr := runCLI(t, append(append([]string{}, base...), args...)...)
		if code != exitClosed {
			t.Fatalf("matrix %v: exit %d: %s", args, code, stderr)
		}
		m, err := report.ReadJSON(strings.NewReader(out), "matrix")
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	kmods := []string{"--repofrompath", "kmods," + fixtureDir("kmods")}
	all := matrix(kmods...)
	if len(all.Kmods) != 9 || len(all.Kernels) != 3 {
		t.Fatalf("%d kmods × %d kernels, want 9 × 3", len(all.Kmods), len(all.Kernels))
	}
	if m := matrix(append(kmods, "--kmod", "kmod-f*")...); len(m.Kmods) != 2 {
		t.Errorf("--kmod kmod-f*: %d kmods, want kmod-foo and kmod-future", len(m.Kmods))
	}
	// A repository with no kmods selects nothing: an error, not an empty matrix.
	if code, _, stderr := runCLI(t, append(append(append([]string{}, base...), kmods...), "--kmod-repo", "kernels")...); code != exitError || !strings.Contains(stderr, "no kmod in repository kernels") {
		t.Errorf("--kmod-repo kernels: exit %d, %s; want exit 2 naming the repository", code, stderr)
	}
	// --rpm: a kmod that lives in no repository.
	rpm := filepath.Join(fixtureDir("kmods"), "Packages", "kmod-foo-1.0-1.el8.x86_64.rpm")
	m := matrix("--rpm", rpm)
	if len(m.Kmods) != 1 || m.Kmods[0].Repo != "@commandline" || m.Kmods[0].NEVRA != "kmod-foo-1.0-1.el8.x86_64" {
		t.Errorf("--rpm: kmods %+v", m.Kmods)
	}
	for ki := range m.Kernels {
		if got, want := m.Cell(0, ki).Missing, all.Cell(indexOf(all, "kmod-foo-1.0-1.el8.x86_64"), ki).Missing; len(got) != len(want) {
			t.Errorf("--rpm kmod-foo on %s: %d missing, from the repo %d", m.Kernels[ki].Uname, len(got), len(want))
		}
	}
	// --kernel-source: with no build of "kernel" left, another source name still makes kernels.
	code, _, stderr := runCLI(t, append(append([]string{}, base...), "-x", "kernel*")...)
	if code != exitError || !strings.Contains(stderr, "no kernel builds") {
		t.Errorf("no kernels: exit %d, %s", code, stderr)
	}
	// A source whose packages provide no kernel symbols and no kernel
	// uname-r is no kernel even when named (kmod's own package here; kabi's
	// TestKernelBuildsNeedAKernel has a kernel-rt source that counts). A
	// --kmod matching nothing is an error now (issue 8, section 1).
	if m := matrix(append(kmods, "--kernel-source", "kmod")...); len(m.Kernels) != 3 {
		t.Errorf("--kernel-source kmod: %d builds, want the 3 kernels (kmod's package is no kernel)", len(m.Kernels))
	}
}

func indexOf(m *report.Matrix, nevra string) int {
	for i, k := range m.Kmods {
		if k.NEVRA == nevra {
			return i
		}
	}
	return -1
}

// TestStablelistFromRPM: series --stablelist takes the kernel-abi-stablelists
// .rpm (its kabi_stablelist_* payload) and gives the same figures as the
// plain file.
func TestStablelistFromRPM(t *testing.T) {
	testenv.Require(t, "rpmbuild")
	tmp := t.TempDir()
	list := "[rhel8_x86_64_whitelist]\n\tprintk\n\tkfree\n\t__kmalloc\n"
	plain := filepath.Join(tmp, "kabi_stablelist_x86_64")
	os.WriteFile(plain, []byte(list), 0o644)
	spec := `Name: kernel-abi-stablelists
Version: 4.18.0
Release: 348.el8
Summary: kABI stable lists
License: GPLv2
BuildArch: noarch
AutoReqProv: no
%description
test
%install
mkdir -p %{buildroot}/lib/modules/kabi-rhel8
cp ` + plain + ` %{buildroot}/lib/modules/kabi-rhel8/kabi_stablelist_x86_64
%files
/lib/modules/kabi-rhel8/kabi_stablelist_x86_64
`
	os.WriteFile(filepath.Join(tmp, "kabi.spec"), []byte(spec), 0o644)
	cmd := testenv.Command(t, "rpmbuild", "-bb", "--define", "_topdir "+filepath.Join(tmp, "top"), filepath.Join(tmp, "kabi.spec"))
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("rpmbuild: %v\n%s", err, out)
	}
	rpms, _ := filepath.Glob(filepath.Join(tmp, "top", "RPMS", "noarch", "*.rpm"))
	if len(rpms) != 1 {
		t.Fatalf("built %v", rpms)
	}
	series := func(stablelist string) string {
		code, out, stderr := runCLI(t, "series", "-q", "--setopt=reposdir=/nonexistent", "--cachedir", tmp,
			"--repofrompath", "kernels,"+fixtureDir("kernels"), "--repofrompath", "kmods,"+fixtureDir("kmods"),
			"--stablelist", stablelist, "--json")
		if code != exitClosed {
			t.Fatalf("series --stablelist %s: exit %d: %s", stablelist, code, stderr)
		}
		var s report.Series
		if err := json.Unmarshal([]byte(out), &s); err != nil || s.Stable == nil {
			t.Fatalf("series JSON: %v", err)
		}
		b, _ := json.Marshal(s.Stable)
		return string(b)
	}
	fromFile, fromRPM := series(plain), series(rpms[0])
	if fromFile != fromRPM || !strings.Contains(fromFile, `"stable_symbols":3`) {
		t.Errorf("stable list from the file %s, from the rpm %s", fromFile, fromRPM)
	}
}

// TestStablelistOtherReleaseWarns: a stable list of another Enterprise Linux
// release than the kernels' (real RHEL 9 lists on the EL8 demo builds) is
// taken with a warning naming the list and both releases; a list of the
// kernels' release, or -q, gives none.
func TestStablelistOtherReleaseWarns(t *testing.T) {
	demo := filepath.Join("..", "..", "testdata", "el8-demo")
	real := func(release string) string {
		return filepath.Join("..", "..", "kabi", "testdata", "kabi", release, "Module.kabi_x86_64")
	}
	for _, tt := range []struct {
		list  string
		quiet bool
		want  string // "" for no warning
	}{
		{real("el-9.2"), false, "Warning: stable list " + real("el-9.2") + " is for EL9, but the kernel builds are EL8\n"},
		{real("el-9.3"), false, "Warning: stable list " + real("el-9.3") + " is for EL9, but the kernel builds are EL8\n"},
		{real("el-9.2"), true, ""},
		{real("el-8.8"), false, ""},
		{filepath.Join(demo, "kabi_stablelist_x86_64"), false, ""},
	} {
		args := []string{"series", "--setopt=reposdir=/nonexistent", "--cachedir", t.TempDir(),
			"--repofrompath", "k," + filepath.Join(demo, "kernels"), "--repofrompath", "m," + filepath.Join(demo, "kmods"),
			"--stablelist", tt.list, "--json"}
		if tt.quiet {
			args = append(args, "-q")
		}
		code, out, stderr := runCLI(t, args...)
		if code != exitClosed || !strings.Contains(out, `"stable_symbols"`) {
			t.Fatalf("series --stablelist %s: exit %d, stderr %q", tt.list, code, stderr)
		}
		if got := strings.Contains(stderr, "Warning: stable list"); got != (tt.want != "") || !strings.Contains(stderr, tt.want) {
			t.Errorf("series --stablelist %s (quiet %v): stderr %q, want %q", tt.list, tt.quiet, stderr, tt.want)
		}
	}
}
