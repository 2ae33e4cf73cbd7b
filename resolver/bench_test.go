package resolver

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/repoclosure/repoclosure/internal/repogen"
	"github.com/repoclosure/repoclosure/repomd"
)

// loadCS9 loads the real CentOS Stream 9 BaseOS and AppStream metadata.
func loadCS9(tb testing.TB) (*repomd.Strings, []*repomd.Repo, int64) {
	tb.Helper()
	dir := filepath.Join("..", "..", "shared", "data", "cs9")
	if _, err := os.Stat(dir); err != nil {
		if os.Getenv("CI") != "" {
			tb.Fatalf("shared CS9 data missing: %v", err)
		}
		tb.Skipf("shared CS9 data missing: %v", err)
	}
	strs := repomd.NewStrings()
	f := &repomd.Fetcher{}
	defer f.Close()
	l := &repomd.Loader{Fetcher: f, Strings: strs}
	repos, err := l.LoadAll(context.Background(), []repomd.Source{
		{ID: "baseos", BaseURLs: []string{filepath.Join(dir, "baseos")}},
		{ID: "appstream", BaseURLs: []string{filepath.Join(dir, "appstream")}},
	})
	if err != nil {
		tb.Fatal(err)
	}
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
		loadCS9(b)
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

// loadSeries writes and loads a generated kernel series: kernels builds of
// symbols kernel(...) provides each, kmods kmods, xz metadata.
func loadSeries(b *testing.B, kernels, symbols, kmods int) (*repomd.Strings, []*repomd.Repo, int64) {
	b.Helper()
	dir := b.TempDir()
	s := repogen.NewSeries(repogen.SeriesConfig{Seed: 1, Kernels: kernels, Symbols: symbols, Kmods: kmods, OtherPkgs: 100, MinorJumpAt: 10})
	if err := s.Write(dir, repogen.XZ); err != nil {
		b.Fatal(err)
	}
	strs := repomd.NewStrings()
	f := &repomd.Fetcher{}
	defer f.Close()
	l := &repomd.Loader{Fetcher: f, Strings: strs}
	repos, err := l.LoadAll(context.Background(), []repomd.Source{
		{ID: "kernels", BaseURLs: []string{filepath.Join(dir, "kernels")}},
		{ID: "kmods", BaseURLs: []string{filepath.Join(dir, "kmods")}},
	})
	if err != nil {
		b.Fatal(err)
	}
	n := 0
	for _, r := range repos {
		for _, p := range r.Packages {
			n += len(p.Deps[repomd.Provides]) + len(p.Deps[repomd.Requires])
		}
	}
	return strs, repos, int64(n)
}

// BenchmarkMatrixSeries and BenchmarkClosureSeries compare the matrix over
// 20 kernel builds with one closure pass over the same packages (the issue's
// bound: the matrix costs at most 1.5 closure passes, not 20). SetBytes
// counts dependencies, so MB/s reads as million deps per second.
func BenchmarkMatrixSeries(b *testing.B) {
	strs, repos, deps := loadSeries(b, 20, 5000, 60)
	b.SetBytes(deps)
	for b.Loop() {
		pool := NewPool(strs, repos, PoolOptions{})
		builds := pool.KernelBuilds(nil)
		var kmods []PkgID
		for i := 0; i < pool.Len(); i++ {
			if pool.IsKmod(PkgID(i)) {
				kmods = append(kmods, PkgID(i))
			}
		}
		pool.Matrix(builds, kmods)
	}
}

func BenchmarkClosureSeries(b *testing.B) {
	strs, repos, deps := loadSeries(b, 20, 5000, 60)
	b.SetBytes(deps)
	for b.Loop() {
		pool := NewPool(strs, repos, PoolOptions{})
		if _, err := pool.Closure(ClosureOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}
