package resolver

import (
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/repoclosure/repoclosure/internal/pooltest"
	"github.com/repoclosure/repoclosure/internal/testenv"
	"github.com/repoclosure/repoclosure/repomd"
)

// loadCS9 loads the real CentOS Stream 9 BaseOS and AppStream metadata and
// returns the size of their compressed primary files.
func loadCS9(tb testing.TB) (*repomd.Strings, []*repomd.Repo, int64) {
	tb.Helper()
	strs, repos := pooltest.CS9(tb)
	dir := testenv.SharedData(tb, "cs9")
	var size int64
	for _, name := range []string{"baseos", "appstream"} {
		files, _ := filepath.Glob(filepath.Join(dir, name, "repodata", "*-primary.xml.gz"))
		for _, f := range files {
			if st, err := os.Stat(f); err == nil {
				size += st.Size()
			}
		}
	}
	return strs, repos, size
}

func BenchmarkLoadCS9(b *testing.B) {
	_, _, size := loadCS9(b)
	b.SetBytes(size)
	b.ReportAllocs()
	for b.Loop() {
		pooltest.CS9(b)
	}
}

func BenchmarkClosureCS9(b *testing.B) {
	strs, repos, size := loadCS9(b)
	b.SetBytes(size)
	b.ReportAllocs()
	for b.Loop() {
		pool := NewPool(strs, repos, PoolOptions{Arch: "x86_64"})
		if _, err := pool.Closure(ClosureOptions{Check: []string{"appstream"}}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSelectCS9 selects by 1 and by 45 NEVRA specs (dnf -x/--pkg) over
// every CS9 package: specs are answered through the interned name index,
// so 45 cost a small fraction of one closure (BenchmarkClosureCS9), not
// a string build per package and spec.
func BenchmarkSelectCS9(b *testing.B) {
	strs, repos, size := loadCS9(b)
	var pkgs []*repomd.Package
	for _, r := range repos {
		for i := range r.Packages {
			pkgs = append(pkgs, &r.Packages[i])
		}
	}
	var specs []Subject
	for i := 0; len(specs) < 45; i += len(pkgs) / 45 {
		p := pkgs[i]
		specs = append(specs, ParseSubject(strs.String(p.Name)+"-"+strs.String(p.EVR)+"."+strs.String(p.Arch)))
	}
	for _, n := range []int{1, 45} {
		b.Run(strconv.Itoa(n), func(b *testing.B) {
			b.SetBytes(size)
			b.ReportAllocs()
			for b.Loop() {
				sel := NewSelector(strs, pkgs)
				for _, s := range specs[:n] {
					if len(sel.Select(s)) == 0 {
						b.Fatalf("%s matched nothing", s)
					}
				}
			}
		})
	}
}

// BenchmarkClosureCS9Excludes is BenchmarkClosureCS9 with 0 and 45 -x NEVRA
// specs (dnf's form choice over every package, SpecExcludes): the specs
// cost about what the closure costs without them.
func BenchmarkClosureCS9Excludes(b *testing.B) {
	strs, repos, size := loadCS9(b)
	var specs []string
	var n int
	for _, r := range repos {
		n += len(r.Packages)
	}
	i := 0
	for _, r := range repos {
		for k := range r.Packages {
			if i%(n/45) == 0 && len(specs) < 45 {
				p := &r.Packages[k]
				specs = append(specs, strs.String(p.Name)+"-"+strs.String(p.EVR)+"."+strs.String(p.Arch))
			}
			i++
		}
	}
	for _, x := range [][]string{nil, specs} {
		b.Run(strconv.Itoa(len(x)), func(b *testing.B) {
			b.SetBytes(size)
			b.ReportAllocs()
			for b.Loop() {
				var excl map[string][]string
				if x != nil {
					excl = map[string][]string{"": x}
				}
				pool := NewPool(strs, repos, PoolOptions{Arch: "x86_64", Exclude: SpecExcludes(strs, repos, excl, nil)})
				if _, err := pool.Closure(ClosureOptions{Check: []string{"appstream"}}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
