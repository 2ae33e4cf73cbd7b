package kabi

import (
	"testing"

	"github.com/repoclosure/repoclosure/internal/pooltest"
	"github.com/repoclosure/repoclosure/internal/repogen"
	"github.com/repoclosure/repoclosure/repomd"
	"github.com/repoclosure/repoclosure/resolver"
)

// loadSeries writes and loads a generated kernel series: kernels builds of
// symbols kernel(...) provides each, kmods kmods, xz metadata.
func loadSeries(b *testing.B, kernels, symbols, kmods int) (*repomd.Strings, []*repomd.Repo, int64) {
	b.Helper()
	dir := b.TempDir()
	s := repogen.NewSeries(repogen.SeriesConfig{Seed: 1, Kernels: kernels, Symbols: symbols, Kmods: kmods, OtherPkgs: 100, MinorJumpAt: 10})
	if err := s.Write(dir, repogen.XZ); err != nil {
		b.Fatal(err)
	}
	strs, repos := pooltest.Load(b, dir, "kernels", "kmods")
	return strs, repos, pooltest.Deps(repos)
}

// BenchmarkMatrixSeries and BenchmarkClosureSeries compare the matrix over
// 20 kernel builds with one closure pass over the same packages (the issue's
// bound: the matrix costs at most 1.5 closure passes, not 20). SetBytes
// counts dependencies, so MB/s reads as million deps per second.
func BenchmarkMatrixSeries(b *testing.B) {
	strs, repos, deps := loadSeries(b, 20, 5000, 60)
	b.SetBytes(deps)
	for b.Loop() {
		pool := resolver.NewPool(strs, repos, resolver.PoolOptions{})
		builds := KernelBuilds(pool, nil)
		var kmods []resolver.PkgID
		for i := 0; i < pool.Len(); i++ {
			if isKmod(pool, resolver.PkgID(i)) {
				kmods = append(kmods, resolver.PkgID(i))
			}
		}
		NewMatrix(pool, builds, kmods)
	}
}

func BenchmarkClosureSeries(b *testing.B) {
	strs, repos, deps := loadSeries(b, 20, 5000, 60)
	b.SetBytes(deps)
	for b.Loop() {
		pool := resolver.NewPool(strs, repos, resolver.PoolOptions{})
		if _, err := pool.Closure(resolver.ClosureOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}
