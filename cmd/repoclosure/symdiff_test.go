package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/repoclosure/repoclosure/cmd/repoclosure/report"
	"github.com/repoclosure/repoclosure/internal/testenv"
	"github.com/repoclosure/repoclosure/kabi"
)

// providesFile writes the sorted kernel(SYM) = 0xCRC provides of a kernel
// build's .rpm files, as `rpm -qp --provides | grep | sort` gives them.
func providesFile(t *testing.T, dir, rel string) string {
	t.Helper()
	rpms, _ := filepath.Glob(filepath.Join(dir, "kernel-*4.18.0-"+rel+".x86_64.rpm"))
	if len(rpms) == 0 {
		t.Fatalf("no kernel rpms for %s in %s", rel, dir)
	}
	out, err := testenv.Command(t, "rpm", append([]string{"-qp", "--provides"}, rpms...)...).Output()
	if err != nil {
		t.Fatalf("rpm -qp --provides: %v", err)
	}
	var lines []string
	for _, l := range strings.Split(string(out), "\n") {
		if strings.HasPrefix(l, "kernel(") && strings.Contains(l, " = 0x") {
			lines = append(lines, l)
		}
	}
	sort.Strings(lines)
	f := filepath.Join(t.TempDir(), rel)
	if err := os.WriteFile(f, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return f
}

// namesFile keeps the symbol names of a provides file (sorted).
func namesFile(t *testing.T, provides string) string {
	t.Helper()
	data, _ := os.ReadFile(provides)
	var names []string
	for _, l := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		names = append(names, strings.TrimSuffix(strings.TrimPrefix(strings.Fields(l)[0], "kernel("), ")"))
	}
	sort.Strings(names)
	f := provides + ".names"
	os.WriteFile(f, []byte(strings.Join(names, "\n")+"\n"), 0o644)
	return f
}

// comm runs comm(1) with flags and returns its lines.
func comm(t *testing.T, flags, a, b string) []string {
	t.Helper()
	out, err := testenv.Command(t, "comm", flags, a, b).Output()
	if err != nil {
		t.Fatalf("comm %s: %v", flags, err)
	}
	s := strings.TrimSpace(string(out))
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}

// commDiff classifies the symbols of two sorted provides files with comm(1):
// names only in b (added), only in a (removed), whole lines in both
// (unchanged), and names in both whose lines differ (changed).
func commDiff(t *testing.T, a, b string) symdiffOut {
	t.Helper()
	na, nb := namesFile(t, a), namesFile(t, b)
	var unchanged, changed []string
	for _, l := range comm(t, "-12", a, b) {
		unchanged = append(unchanged, strings.TrimSuffix(strings.TrimPrefix(strings.Fields(l)[0], "kernel("), ")"))
	}
	for _, n := range comm(t, "-12", na, nb) {
		if !slices.Contains(unchanged, n) {
			changed = append(changed, n)
		}
	}
	sort.Strings(unchanged)
	return symdiffOut{Added: comm(t, "-13", na, nb), Removed: comm(t, "-23", na, nb), Changed: changed, Unchanged: unchanged}
}

// TestSymdiffAgreesWithComm: symdiff's lists equal what comm gives on the
// sorted `rpm -qp --provides` lists of the same fixture builds.
func TestSymdiffAgreesWithComm(t *testing.T) {
	testenv.Require(t, "rpm")
	testenv.Require(t, "comm")
	dir := filepath.Join("..", "..", "testdata", "fixtures", "repos", "kernels", "Packages")
	pairs := [][2]string{{"305.el8", "348.el8"}, {"348.el8", "372.el8"}, {"305.el8", "372.el8"}}
	for _, p := range pairs {
		want := commDiff(t, providesFile(t, dir, p[0]), providesFile(t, dir, p[1]))
		var stdout, stderr bytes.Buffer
		code := run(context.Background(), []string{"symdiff", "-q", "--setopt=reposdir=/nonexistent", "--cachedir", t.TempDir(),
			"--repofrompath", "kernels," + filepath.Join("..", "..", "testdata", "fixtures", "repos", "kernels"),
			"4.18.0-" + p[0] + ".x86_64", "4.18.0-" + p[1], "--json"}, &stdout, &stderr)
		if code != exitClosed {
			t.Fatalf("symdiff: exit %d: %s", code, stderr.String())
		}
		var got symdiffOut
		if err := json.Unmarshal(stdout.Bytes(), &got); err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct {
			name      string
			got, want []string
		}{{"added", got.Added, want.Added}, {"removed", got.Removed, want.Removed}, {"changed", got.Changed, want.Changed}, {"unchanged", got.Unchanged, want.Unchanged}} {
			if strings.Join(c.got, " ") != strings.Join(c.want, " ") {
				t.Errorf("%s -> %s %s: ours %q, comm %q", p[0], p[1], c.name, c.got, c.want)
			}
		}
		if len(want.Changed)+len(want.Added)+len(want.Removed) == 0 {
			t.Errorf("%s -> %s: fixtures show no change; the test proves nothing", p[0], p[1])
		}
	}
}

// TestSeriesAgreesWithComm: each build's counts against the reference and
// the previous build equal comm's on the rpm provides lists; the stable-list
// figures equal a count made here from the list and the kmods' rpm requires.
func TestSeriesAgreesWithComm(t *testing.T) {
	testenv.Require(t, "rpm")
	testenv.Require(t, "comm")
	root := filepath.Join("..", "..", "testdata", "fixtures", "repos")
	dir := filepath.Join(root, "kernels", "Packages")
	rels := []string{"305.el8", "348.el8", "372.el8"}
	files := map[string]string{}
	for _, r := range rels {
		files[r] = providesFile(t, dir, r)
	}
	// A stable list: the reference build's first ten symbols plus one it lacks.
	refNames, _ := os.ReadFile(namesFile(t, files["305.el8"]))
	stable := strings.Fields(string(refNames))[:10]
	stable = append(stable, "not_a_kernel_symbol")
	list := filepath.Join(t.TempDir(), "kabi_stablelist_x86_64")
	os.WriteFile(list, []byte("[rhel8_x86_64_whitelist]\n\t"+strings.Join(stable, "\n\t")+"\n"), 0o644)

	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"series", "-q", "--setopt=reposdir=/nonexistent", "--cachedir", t.TempDir(),
		"--repofrompath", "kernels," + filepath.Join(root, "kernels"), "--repofrompath", "kmods," + filepath.Join(root, "kmods"),
		"--stablelist", list, "--json"}, &stdout, &stderr)
	if code != exitClosed {
		t.Fatalf("series: exit %d: %s", code, stderr.String())
	}
	var got report.Series
	if err := json.Unmarshal(stdout.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	if len(got.Kernels) != len(rels) {
		t.Fatalf("%d kernels, want %d", len(got.Kernels), len(rels))
	}
	counts := func(d symdiffOut) report.SymCounts {
		return report.SymCounts{Added: len(d.Added), Removed: len(d.Removed), Changed: len(d.Changed), Unchanged: len(d.Unchanged)}
	}
	for i, r := range rels {
		k := got.Kernels[i]
		if want := counts(commDiff(t, files[rels[0]], files[r])); k.VsReference != want {
			t.Errorf("%s vs reference: ours %+v, comm %+v", k.Uname, k.VsReference, want)
		}
		if i > 0 {
			if want := counts(commDiff(t, files[rels[i-1]], files[r])); k.VsPrevious == nil || *k.VsPrevious != want {
				t.Errorf("%s vs previous: ours %+v, comm %+v", k.Uname, k.VsPrevious, want)
			}
		}
	}
	// Consumed symbols: the kernel(SYM) requires of every kmod rpm.
	kmodRPMs, _ := filepath.Glob(filepath.Join(root, "kmods", "Packages", "*.rpm"))
	out, err := testenv.Command(t, "rpm", append([]string{"-qp", "--requires"}, kmodRPMs...)...).Output()
	if err != nil {
		t.Fatal(err)
	}
	consumed := map[string]bool{}
	for _, l := range strings.Split(string(out), "\n") {
		if strings.HasPrefix(l, "kernel(") {
			consumed[strings.TrimSuffix(strings.TrimPrefix(strings.Fields(l)[0], "kernel("), ")")] = true
		}
	}
	onList := 0
	for s := range consumed {
		if slices.Contains(stable, s) {
			onList++
		}
	}
	c := got.Stable
	if c == nil {
		t.Fatal("no stablelist section")
	}
	if c.Stable != len(stable) || c.StableInKernel != 10 || c.Consumed != len(consumed) || c.ConsumedStable != onList ||
		c.ConsumedChanged+c.ConsumedUnchanged != c.Consumed {
		t.Errorf("stablelist figures %+v; want stable %d, in kernel 10, consumed %d, consumed on list %d", *c, len(stable), len(consumed), onList)
	}
}

// TestFindKernel checks the build-name rule: exact uname or EVR, else a
// prefix ending at a dist tag boundary, else any unique prefix; an
// ambiguity names only the builds that match.
func TestFindKernel(t *testing.T) {
	w := &kernelWorld{}
	for _, evr := range []string{"4.18.0-305.el8", "4.18.0-305.3.2.el8_4", "4.18.0-305.10.1.el8_4", "4.18.0-348.el8", "4.18.0-348.el8.1"} {
		w.kernels = append(w.kernels, kabi.KernelBuild{EVR: evr, Uname: evr + ".x86_64"})
	}
	tests := []struct{ name, want, err string }{
		{"4.18.0-305", "4.18.0-305.el8.x86_64", ""},
		{"4.18.0-305.el8", "4.18.0-305.el8.x86_64", ""},
		{"4.18.0-305.3.2.el8_4.x86_64", "4.18.0-305.3.2.el8_4.x86_64", ""},
		{"4.18.0-305.3", "4.18.0-305.3.2.el8_4.x86_64", ""},
		{"4.18.0-348", "", "it matches 4.18.0-348.el8.x86_64 4.18.0-348.el8.1.x86_64"},
		{"4.18.0-305.", "", "it matches 4.18.0-305.el8.x86_64 4.18.0-305.3.2.el8_4.x86_64 4.18.0-305.10.1.el8_4.x86_64"},
		{"5.14", "", "no kernel build"},
	}
	for _, tt := range tests {
		i, err := w.findKernel(tt.name)
		switch {
		case tt.err != "":
			if err == nil || !strings.HasSuffix(err.Error(), tt.err) && !strings.HasPrefix(err.Error(), tt.err) {
				t.Errorf("%s: error %v, want %q", tt.name, err, tt.err)
			}
		case err != nil || w.kernels[i].Uname != tt.want:
			t.Errorf("%s: got %d, %v; want %s", tt.name, i, err, tt.want)
		}
	}
}
