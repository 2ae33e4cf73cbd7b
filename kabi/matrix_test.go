package kabi

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/repoclosure/repoclosure/internal/pooltest"
	"github.com/repoclosure/repoclosure/repomd"
	"github.com/repoclosure/repoclosure/resolver"
)

func TestMatrixReasons(t *testing.T) {
	strs := repomd.NewStrings()
	k := func(rel, crcA, extra string) []string {
		src := "src:kernel-4.18.0-" + rel + ".el8.src.rpm"
		core := "kernel-core-4.18.0-" + rel + ".el8.x86_64 | " + src +
			" | P:kernel = 4.18.0-" + rel + ".el8, kernel-uname-r = 4.18.0-" + rel + ".el8.x86_64, kernel(sym_a) = " + crcA + extra
		return []string{core, "kernel-doc-4.18.0-" + rel + ".el8.noarch | " + src}
	}
	var kernels []string
	kernels = append(kernels, k("305", "0x00000001", ", kernel(sym_b) = 0x000000b1")...)
	kernels = append(kernels, k("348", "0x00000002", ", kernel(sym_b) = 0x000000b1")...)
	kernels = append(kernels, k("372", "0x00000002", "")...)
	kr := pooltest.Repo(t, strs, "kernels", kernels...)
	mr := pooltest.Repo(t, strs, "kmods",
		"kmod-a-1-1.el8.x86_64 | R:kernel(sym_a) = 0x00000001, kernel >= 4.18.0-305.el8, /usr/sbin/depmod",
		"kmod-b-1-1.el8.x86_64 | R:kernel(sym_b) = 0x000000b1, kernel(sym_a) = 0x00000002",
		"kmod-pin-1-1.el8.x86_64 | R:kernel-uname-r = 4.18.0-348.el8.x86_64",
		"kmod-tools-1-1.noarch | P:/usr/sbin/depmod")
	pool := resolver.NewPool(strs, []*repomd.Repo{kr, mr}, resolver.PoolOptions{})
	builds := KernelBuilds(pool, nil)
	var unames []string
	for _, b := range builds {
		unames = append(unames, b.Uname)
		if len(b.Packages) != 2 {
			t.Errorf("%s: %d packages, want core + noarch doc", b.Uname, len(b.Packages))
		}
	}
	if got := strings.Join(unames, " "); got != "4.18.0-305.el8.x86_64 4.18.0-348.el8.x86_64 4.18.0-372.el8.x86_64" {
		t.Fatalf("builds: %s", got)
	}
	var kmods []resolver.PkgID
	for i := 0; i < pool.Len(); i++ {
		if isKmod(pool, resolver.PkgID(i)) && strings.HasPrefix(pool.NEVRA(resolver.PkgID(i)), "kmod-") && KernelRequires(pool, resolver.PkgID(i)) >= 0 {
			if strings.HasPrefix(pool.NEVRA(resolver.PkgID(i)), "kmod-tools") {
				continue
			}
			kmods = append(kmods, resolver.PkgID(i))
		}
	}
	m := NewMatrix(pool, builds, kmods)
	cell := func(mi, ki int) string {
		var parts []string
		for _, miss := range m.Cells[mi][ki].Missing {
			parts = append(parts, pool.DepString(miss.Dep)+" "+string(miss.Reason)+" "+miss.KernelHas)
		}
		return strings.Join(parts, "; ")
	}
	want := [][]string{
		{"", "kernel(sym_a) = 0x00000001 crc-mismatch 0x00000002", "kernel(sym_a) = 0x00000001 crc-mismatch 0x00000002"},
		{"kernel(sym_a) = 0x00000002 crc-mismatch 0x00000001", "", "kernel(sym_b) = 0x000000b1 unknown-symbol "},
		{"kernel-uname-r = 4.18.0-348.el8.x86_64 kernel-version 4.18.0-305.el8.x86_64", "", "kernel-uname-r = 4.18.0-348.el8.x86_64 kernel-version 4.18.0-372.el8.x86_64"},
	}
	for mi := range want {
		for ki := range want[mi] {
			if got := cell(mi, ki); got != want[mi][ki] {
				t.Errorf("cell %s on %s: %q, want %q", pool.NEVRA(kmods[mi]), builds[ki].Uname, got, want[mi][ki])
			}
		}
	}
	// The matrix must equal a closure run per kernel with the other builds' packages removed.
	for ki, b := range builds {
		avail := pool.All()
		for kj, other := range builds {
			if kj != ki {
				for _, id := range other.Packages {
					avail.Remove(id)
				}
			}
		}
		check := resolver.NewSet(pool.Len())
		for _, id := range kmods {
			check.Add(id)
		}
		got := map[resolver.PkgID]string{}
		for _, pr := range pool.Unresolved(check, avail) {
			var deps []string
			for _, d := range pr.Deps {
				deps = append(deps, pool.DepString(d))
			}
			got[pr.Pkg] = strings.Join(deps, "; ")
		}
		for mi, id := range kmods {
			var deps []string
			for _, miss := range m.Cells[mi][ki].Missing {
				deps = append(deps, pool.DepString(miss.Dep))
			}
			if want := strings.Join(deps, "; "); got[id] != want {
				t.Errorf("%s on %s: closure says %q, matrix %q", pool.NEVRA(id), b.Uname, got[id], want)
			}
		}
	}
}

func TestDiffBuilds(t *testing.T) {
	strs := repomd.NewStrings()
	r := pooltest.Repo(t, strs, "k",
		"kernel-core-1-1.x86_64 | src:kernel-1-1.src.rpm | P:kernel(x) = 0x1, kernel(y) = 0x2, kernel(z) = 0x3, kernel(x86-64) = 1-1",
		"kernel-core-1-2.x86_64 | src:kernel-1-2.src.rpm | P:kernel(x) = 0x1, kernel(y) = 0x5, kernel(w) = 0x9, kernel(x86-64) = 1-2")
	pool := resolver.NewPool(strs, []*repomd.Repo{r}, resolver.PoolOptions{})
	b := KernelBuilds(pool, nil)
	d := DiffBuilds(pool, b[0], b[1])
	if strings.Join(d.Added, ",") != "w" || strings.Join(d.Removed, ",") != "z" || strings.Join(d.Changed, ",") != "y" || strings.Join(d.Unchanged, ",") != "x" {
		t.Errorf("diff: %+v", d)
	}
	if n := CountSymbols(pool, b)[0]; n != 3 {
		t.Errorf("SymbolCount = %d, want 3 (the arch provide is no symbol)", n)
	}
}

func TestParseStablelist(t *testing.T) {
	kabi := "0x12345678\tnapi_enable\tvmlinux\tEXPORT_SYMBOL\n0x0badf00d\tkfree\tvmlinux\tEXPORT_SYMBOL_GPL\n"
	got, err := ParseStablelist(strings.NewReader(kabi), "Module.kabi_x86_64")
	if err != nil || len(got) != 2 || got["kfree"] != "0x0badf00d" {
		t.Errorf("Module.kabi: %v %v", got, err)
	}
	list := "[rhel8_x86_64_whitelist]\n\tnapi_enable\n\tkfree\n\n"
	got, err = ParseStablelist(strings.NewReader(list), "kabi_stablelist_x86_64")
	if err != nil || len(got) != 2 {
		t.Errorf("stablelist: %v %v", got, err)
	}
	if _, err := ParseStablelist(strings.NewReader("a b c\n"), "bad"); err == nil || !strings.Contains(err.Error(), "bad:1") {
		t.Errorf("bad line: %v", err)
	}
}

func TestELRelease(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"4.18.0-348.el8", "8"},
		{"4.18.0-477.27.1.el8_8", "8"},
		{"5.14.0-55.el9", "9"},
		{"6.12.0-1.el10", "10"},
		{"testdata/kabi/el-9.2/Module.kabi_x86_64", "9"},
		{"el8-series/c8s--kernel-4.18.0-80.el8--Module.kabi_x86_64", "8"},
		{"el9-work/el-8.8/Module.kabi_x86_64", "8"}, // the last one: the file's own folder
		{"[rhel8_x86_64_whitelist]", "8"},
		{"[rhel9_x86_64_stablelist]", "9"},
		{"kernel-abi-stablelists-5.14.0-55.el9.noarch.rpm", "9"},
		{"6.5.6-300.fc39", ""},
		{"kabi_stablelist_x86_64", ""},
		{"model8/kernel9", ""},
		{"hotel8x", ""},
	} {
		if got := ELRelease(tt.in); got != tt.want {
			t.Errorf("ELRelease(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// LoadStablelist takes the release from the sections, else from the path.
func TestLoadStablelistRelease(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "el-8.8")
	header := filepath.Join(dir, "kabi_stablelist_x86_64")
	plain := filepath.Join(dir, "Module.kabi_x86_64")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(header, []byte("[rhel9_x86_64_stablelist]\n\tkfree\n"), 0o644)
	os.WriteFile(plain, []byte("0x0badf00d\tkfree\tvmlinux\tEXPORT_SYMBOL\n"), 0o644)
	for file, want := range map[string]string{header: "9", plain: "8", "testdata/kabi/el-9.3/Module.kabi_x86_64": "9"} {
		l, err := LoadStablelist(file)
		if err != nil {
			t.Fatal(err)
		}
		if l.Release != want || len(l.Symbols) == 0 {
			t.Errorf("%s: release %q with %d symbols, want %q", file, l.Release, len(l.Symbols), want)
		}
	}
}

func TestParseRealStablelists(t *testing.T) {
	// Counted independently: one symbol per non-empty line (SOURCES.md gives the same numbers).
	for _, tc := range []struct {
		release string
		want    int
	}{{"el-8.8", 756}, {"el-8.9", 796}, {"el-9.2", 835}, {"el-9.3", 554}} {
		name := "testdata/kabi/" + tc.release + "/Module.kabi_x86_64"
		data, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		got, err := ParseStablelist(bytes.NewReader(data), name)
		if err != nil {
			t.Fatal(err)
		}
		lines := 0
		for _, l := range strings.Split(string(data), "\n") {
			if f := strings.Split(l, "\t"); len(f) >= 4 { // EL9 adds an empty namespace column
				lines++
				if got[f[1]] != f[0] {
					t.Errorf("%s: %s = %q, want %q", name, f[1], got[f[1]], f[0])
				}
			}
		}
		if len(got) != tc.want || lines != tc.want {
			t.Errorf("%s: parsed %d, lines %d, want %d", name, len(got), lines, tc.want)
		}
	}
}

func FuzzParseStablelist(f *testing.F) {
	f.Add("0x12345678\tnapi_enable\tvmlinux\tEXPORT_SYMBOL\n")
	f.Add("[rhel8_x86_64_whitelist]\n\tnapi_enable\n\tkfree\n")
	f.Add("0xfa41bfa1\tI_BDEV\tvmlinux\tEXPORT_SYMBOL\t\n# comment\n")
	f.Fuzz(func(t *testing.T, text string) {
		syms, err := ParseStablelist(strings.NewReader(text), "fuzz")
		if err != nil {
			if !strings.HasPrefix(err.Error(), "fuzz") {
				t.Errorf("error does not name the file: %v", err)
			}
			return
		}
		if len(syms) == 0 {
			t.Error("success with no symbols")
		}
		for sym, crc := range syms {
			if sym == "" || strings.ContainsAny(sym, " \t\n") || crc != "" && !strings.HasPrefix(crc, "0x") {
				t.Errorf("bad entry %q = %q", sym, crc)
			}
		}
	})
}

// TestMatrixNoarchInEveryArch: a noarch subpackage belongs to each arch's
// build of its source, so a kmod that needs it installs on both arches.
func TestMatrixNoarchInEveryArch(t *testing.T) {
	strs := repomd.NewStrings()
	var specs []string
	for _, rel := range []string{"1", "2"} {
		src := "src:kernel-5.14.0-" + rel + ".el9.src.rpm"
		for _, arch := range []string{"i686", "x86_64"} {
			specs = append(specs, "kernel-core-5.14.0-"+rel+".el9."+arch+" | "+src+" | P:kernel(sym) = 0x1, kernel-uname-r = 5.14.0-"+rel+".el9."+arch)
		}
		specs = append(specs, "kernel-abi-stablelists-5.14.0-"+rel+".el9.noarch | "+src+" | P:kabi-lists = "+rel)
	}
	kr := pooltest.Repo(t, strs, "kernels", specs...)
	mr := pooltest.Repo(t, strs, "kmods", "kmod-x-1-1.el9.x86_64 | R:kernel(sym) = 0x1, kabi-lists")
	pool := resolver.NewPool(strs, []*repomd.Repo{kr, mr}, resolver.PoolOptions{})
	builds := KernelBuilds(pool, nil)
	if got, want := unames(builds), "5.14.0-1.el9.i686 5.14.0-1.el9.x86_64 5.14.0-2.el9.i686 5.14.0-2.el9.x86_64"; got != want {
		t.Fatalf("builds %q, want %q", got, want)
	}
	kmod := resolver.PkgID(pool.Len() - 1)
	m := NewMatrix(pool, builds, []resolver.PkgID{kmod})
	for ki, b := range builds {
		if c := m.Cells[0][ki]; !c.Installable() {
			t.Errorf("kmod-x on %s: missing %+v; the build's noarch kernel-abi-stablelists provides kabi-lists", b.Uname, c.Missing)
		}
	}
}

// TestMatrixKernelPackageMissing: a kernel-package requirement whose name
// the build does not provide at all is kernel-package-missing, and
// kernel_has only ever names what is provided.
func TestMatrixKernelPackageMissing(t *testing.T) {
	strs := repomd.NewStrings()
	kr := pooltest.Repo(t, strs, "kernels",
		"kernel-core-5.14.0-1.el9.x86_64 | src:kernel-5.14.0-1.el9.src.rpm | P:kernel(sym) = 0x1, kernel-core-uname-r = 5.14.0-1.el9.x86_64",
		"kernel-core-5.14.0-2.el9.x86_64 | src:kernel-5.14.0-2.el9.src.rpm | P:kernel(sym) = 0x1, kernel-core-uname-r = 5.14.0-2.el9.x86_64",
		"kernel-modules-core-5.14.0-2.el9.x86_64 | src:kernel-5.14.0-2.el9.src.rpm | P:kernel-modules-core-uname-r = 5.14.0-2.el9.x86_64")
	mr := pooltest.Repo(t, strs, "kmods", "kmod-x-1-1.el9.x86_64 | R:kernel-modules-core-uname-r = 5.14.0-3.el9.x86_64")
	pool := resolver.NewPool(strs, []*repomd.Repo{kr, mr}, resolver.PoolOptions{})
	builds := KernelBuilds(pool, nil)
	m := NewMatrix(pool, builds, []resolver.PkgID{resolver.PkgID(pool.Len() - 1)})
	want := []Missing{
		{Reason: ReasonKernelPackageMissing},
		{Reason: ReasonKernelVersion, KernelHas: "5.14.0-2.el9.x86_64"},
	}
	for ki := range builds {
		c := m.Cells[0][ki]
		if len(c.Missing) != 1 || c.Missing[0].Reason != want[ki].Reason || c.Missing[0].KernelHas != want[ki].KernelHas {
			t.Errorf("%s: %+v, want %+v", builds[ki].Uname, c.Missing, want[ki])
		}
	}
}

// TestMatrixRichContext: a kmod's rich require is judged as the closure
// judges it, with what the kmod's other requires force in: here foo's only
// provider also provides bar, so "(baz if bar)" cannot hold for kmod-a,
// while kmod-b, which does not need foo, may leave bar out.
func TestMatrixRichContext(t *testing.T) {
	strs := repomd.NewStrings()
	kr := pooltest.Repo(t, strs, "kernels",
		"kernel-core-5.14.0-1.el9.x86_64 | src:kernel-5.14.0-1.el9.src.rpm | P:kernel(sym) = 0x1, kernel-uname-r = 5.14.0-1.el9.x86_64",
		"foo-1-1.x86_64 | P:bar")
	mr := pooltest.Repo(t, strs, "kmods",
		"kmod-a-1-1.el9.x86_64 | R:kernel(sym) = 0x1, foo, (baz if bar)",
		"kmod-b-1-1.el9.x86_64 | R:kernel(sym) = 0x1, (baz if bar)")
	pool := resolver.NewPool(strs, []*repomd.Repo{kr, mr}, resolver.PoolOptions{})
	builds := KernelBuilds(pool, nil)
	a, b := resolver.PkgID(pool.Len()-2), resolver.PkgID(pool.Len()-1)
	m := NewMatrix(pool, builds, []resolver.PkgID{a, b})
	if c := m.Cells[0][0]; len(c.Missing) != 1 || pool.DepString(c.Missing[0].Dep) != "(baz if bar)" {
		t.Errorf("kmod-a: missing %+v, want (baz if bar)", c.Missing)
	}
	if c := m.Cells[1][0]; !c.Installable() {
		t.Errorf("kmod-b: missing %+v, want installable", c.Missing)
	}
	check := resolver.NewSet(pool.Len())
	check.Add(a)
	check.Add(b)
	if pr := pool.Unresolved(check, pool.All()); len(pr) != 1 || pr[0].Pkg != a {
		t.Errorf("closure: %+v, want kmod-a alone", pr)
	}
}
