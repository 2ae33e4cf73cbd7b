package kabi

import (
	"slices"
	"strings"
	"testing"

	"github.com/repoclosure/repoclosure/internal/pooltest"
	"github.com/repoclosure/repoclosure/repomd"
	"github.com/repoclosure/repoclosure/resolver"
)

func unames(builds []KernelBuild) string {
	var u []string
	for _, b := range builds {
		u = append(u, b.Uname)
	}
	return strings.Join(u, " ")
}

// TestKernelBuildsNeedAKernel: a source whose packages are only
// kernel-devel, -headers, -doc or -tools is no kernel build; symbols or a
// kernel / kernel-core uname-r (any flavour) make one.
func TestKernelBuildsNeedAKernel(t *testing.T) {
	strs := repomd.NewStrings()
	r := pooltest.Repo(t, strs, "k",
		"kernel-core-5.14.0-1.el9.x86_64 | src:kernel-5.14.0-1.el9.src.rpm | P:kernel-core-uname-r = 5.14.0-1.el9.x86_64",
		"kernel-5.14.0-2.el9.x86_64 | src:kernel-5.14.0-2.el9.src.rpm | P:kernel(napi_enable) = 0x1a2b3c4d",
		"kernel-devel-5.14.0-3.el9.x86_64 | src:kernel-5.14.0-3.el9.src.rpm | P:kernel-devel-uname-r = 5.14.0-3.el9.x86_64",
		"kernel-headers-5.14.0-3.el9.x86_64 | src:kernel-5.14.0-3.el9.src.rpm | P:kernel-headers = 5.14.0-3.el9",
		"kernel-tools-5.14.0-3.el9.x86_64 | src:kernel-5.14.0-3.el9.src.rpm | P:kernel(x86-64) = 5.14.0-3.el9",
		"kernel-doc-5.14.0-3.el9.noarch | src:kernel-5.14.0-3.el9.src.rpm",
		"kernel-rt-core-5.14.0-4.el9.x86_64 | src:kernel-rt-5.14.0-4.el9.src.rpm | P:kernel-rt-core-uname-r = 5.14.0-4.el9.x86_64+rt",
	)
	pool := resolver.NewPool(strs, []*repomd.Repo{r}, resolver.PoolOptions{})
	if got, want := unames(KernelBuilds(pool, nil)), "5.14.0-1.el9.x86_64 5.14.0-2.el9.x86_64"; got != want {
		t.Errorf("builds %q, want %q (5.14.0-3 has no kernel)", got, want)
	}
	if got, want := unames(KernelBuilds(pool, []string{"kernel", "kernel-rt"})), "5.14.0-1.el9.x86_64 5.14.0-2.el9.x86_64 5.14.0-4.el9.x86_64+rt"; got != want {
		t.Errorf("with kernel-rt: builds %q, want %q", got, want)
	}
}

// TestKernelBuildsCS9: the real BaseOS (kernel 5.14.0-55.el9) and the
// AppStream of 2025, which ships kernel-devel, -headers, -doc… of newer
// kernels whose kernel-core lives in a BaseOS not loaded: those are no
// builds, and every build left has kernel symbols.
func TestKernelBuildsCS9(t *testing.T) {
	strs, repos := pooltest.CS9(t)
	pool := resolver.NewPool(strs, repos, resolver.PoolOptions{Arch: "x86_64"})
	builds := KernelBuilds(pool, nil)
	if got, want := unames(builds), "5.14.0-55.el9.x86_64 5.14.0-55.el9.x86_64+debug"; got != want {
		t.Errorf("builds %q, want %q (the kernel and its debug flavour)", got, want)
	}
	// The phantoms are there to be dropped: sources of kernel packages
	// with no kernel in them.
	phantoms := map[string]bool{}
	for i := range pool.Len() {
		id := resolver.PkgID(i)
		src := strs.String(pool.Package(id).SourceRPM)
		if strings.HasPrefix(src, "kernel-5.14.0-") && !strings.HasPrefix(src, "kernel-5.14.0-55.el9.") {
			phantoms[src] = true
		}
	}
	var got []string
	for src := range phantoms {
		got = append(got, src)
	}
	slices.Sort(got)
	want := "kernel-5.14.0-533.el9.src.rpm kernel-5.14.0-536.el9.src.rpm kernel-5.14.0-539.el9.src.rpm kernel-5.14.0-542.el9.src.rpm kernel-5.14.0-547.el9.src.rpm"
	if strings.Join(got, " ") != want {
		t.Errorf("kernel sources without a kernel: %v, want the 5 known: %s", got, want)
	}
	for i, n := range CountSymbols(pool, builds) {
		if n < 10000 {
			t.Errorf("%s: %d symbols", builds[i].Uname, n)
		}
	}
	// Each flavour's symbols are those of the packages whose uname-r is
	// its own (kernel-core and kernel-modules, or their -debug twins),
	// counted here from the records directly.
	for i, b := range builds {
		names := map[string]bool{}
		for j := range pool.Len() {
			pkg := pool.Package(resolver.PkgID(j))
			own := false
			for _, d := range pkg.Deps(repomd.Provides) {
				if strings.HasSuffix(strs.String(d.Name), "-uname-r") && strs.String(d.EVR()) == b.Uname {
					own = true
				}
			}
			for _, d := range pkg.Deps(repomd.Provides) {
				if n := strs.String(d.Name); own && strings.HasPrefix(n, "kernel(") && strings.HasPrefix(strs.String(d.EVR()), "0x") {
					names[n] = true
				}
			}
		}
		if got := CountSymbols(pool, builds)[i]; got != len(names) {
			t.Errorf("%s: %d symbols, its own packages provide %d", b.Uname, got, len(names))
		}
	}
}

func TestLatestKmods(t *testing.T) {
	strs := repomd.NewStrings()
	a := pooltest.Repo(t, strs, "a",
		"kmod-foo-1.0-1.el9.x86_64", "kmod-foo-1.10-1.el9.x86_64", "kmod-foo-1.10-1.el9.i686", "kmod-foo-1.9-1.el9.x86_64", "kmod-bar-2-1.el9.x86_64")
	b := pooltest.Repo(t, strs, "b", "kmod-foo-1.0-1.el9.x86_64")
	pool := resolver.NewPool(strs, []*repomd.Repo{a, b}, resolver.PoolOptions{})
	var all []resolver.PkgID
	for i := range pool.Len() {
		all = append(all, resolver.PkgID(i))
	}
	var got []string
	for _, id := range LatestKmods(pool, all) {
		got = append(got, pool.NEVRA(id)+"@"+pool.Repo(id).ID)
	}
	want := "kmod-foo-1.10-1.el9.x86_64@a kmod-foo-1.10-1.el9.i686@a kmod-bar-2-1.el9.x86_64@a kmod-foo-1.0-1.el9.x86_64@b"
	if g := strings.Join(got, " "); g != want {
		t.Errorf("LatestKmods = %s, want %s", g, want)
	}
}
