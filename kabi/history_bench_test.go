package kabi

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/repoclosure/repoclosure/internal/pooltest"
	"github.com/repoclosure/repoclosure/internal/repogen"
	"github.com/repoclosure/repoclosure/kabi/history"
	"github.com/repoclosure/repoclosure/resolver"
)

// The history benchmarks use the EL8-scale series of the issue: 60 kernel
// builds of 20,000 kernel(...) symbols, 60 kmods.
const (
	histBuilds  = 60
	histSymbols = 20000
	histKmods   = 60
)

// writeHistSeries writes the series as gzip repodata (xz would make the
// setup, not the measured part, take minutes).
func writeHistSeries(b *testing.B) string {
	b.Helper()
	dir := b.TempDir()
	s := repogen.NewSeries(repogen.SeriesConfig{Seed: 1, Kernels: histBuilds, Symbols: histSymbols, Kmods: histKmods, OtherPkgs: 100, MinorJumpAt: 10})
	if err := s.Write(dir, repogen.Gzip); err != nil {
		b.Fatal(err)
	}
	return dir
}

// repodataWorld parses the series' repodata into a pool with its kernel
// builds and kmods, as the matrix command does.
func repodataWorld(b *testing.B, dir string) (*resolver.Pool, []KernelBuild, []resolver.PkgID, int64) {
	b.Helper()
	strs, repos := pooltest.Load(b, dir, "kernels", "kmods")
	deps := pooltest.Deps(repos)
	pool := resolver.NewPool(strs, repos, resolver.PoolOptions{})
	builds := KernelBuilds(pool, nil)
	kmods := Kmods(pool, builds)
	return pool, builds, kmods, deps
}

// ingestSeries records the series in a new database at path as one poll.
func ingestSeries(b *testing.B, path string, pool *resolver.Pool, builds []KernelBuild, kmods []resolver.PkgID) {
	b.Helper()
	ctx := context.Background()
	st, err := history.Open(ctx, path, true)
	if err != nil {
		b.Fatal(err)
	}
	obs := &Observation{Pool: pool, Kernels: builds, Kmods: kmods, Snapshots: []history.Snapshot{{Repo: "kernels", URL: "file:///series"}}}
	if _, err := Ingest(ctx, st, obs, resolver.PoolOptions{}, time.Unix(0, 0)); err != nil {
		b.Fatal(err)
	}
	if err := st.Close(); err != nil { // checkpoints the WAL into the file
		b.Fatal(err)
	}
}

// BenchmarkHistoryIngest records the whole series in an empty database (the
// first watch poll: builds, symbol tables, the 60 × 60 cells, events) and
// reports the database's size per kernel build. SetBytes counts the
// series' dependencies.
func BenchmarkHistoryIngest(b *testing.B) {
	pool, builds, kmods, deps := repodataWorld(b, writeHistSeries(b))
	dir := b.TempDir()
	b.SetBytes(deps)
	var size int64
	n := 0
	for b.Loop() {
		path := filepath.Join(dir, "h.db")
		ingestSeries(b, path, pool, builds, kmods)
		st, err := os.Stat(path)
		if err != nil {
			b.Fatal(err)
		}
		size = st.Size()
		for _, p := range []string{path, path + "-wal", path + "-shm"} {
			os.Remove(p)
		}
		n++
	}
	b.ReportMetric(float64(size)/float64(len(builds)), "dbB/build")
	b.ReportMetric(float64(size)/1e6, "dbMB")
}

// BenchmarkMatrixFromHistory and BenchmarkMatrixFromRepodata compare
// `matrix --db` (the store's builds and kmods rebuilt into a pool) with the
// same matrix from the series' repodata (parsed from a local copy, as with
// a warm metadata cache).
func BenchmarkMatrixFromHistory(b *testing.B) {
	pool, builds, kmods, deps := repodataWorld(b, writeHistSeries(b))
	path := filepath.Join(b.TempDir(), "h.db")
	ingestSeries(b, path, pool, builds, kmods)
	ctx := context.Background()
	b.SetBytes(deps)
	for b.Loop() {
		st, err := history.Open(ctx, path, false)
		if err != nil {
			b.Fatal(err)
		}
		ks, err := st.Kernels(ctx, true)
		if err != nil {
			b.Fatal(err)
		}
		ms, err := st.Kmods(ctx)
		if err != nil {
			b.Fatal(err)
		}
		st.Close()
		hp, hb, hk := FromHistory(ks, ms, resolver.PoolOptions{})
		if m := NewMatrix(hp, hb, hk); len(m.Kernels) != histBuilds || len(m.Kmods) != len(kmods) {
			b.Fatalf("history matrix is %d × %d, want %d × %d", len(m.Kmods), len(m.Kernels), len(kmods), histBuilds)
		}
	}
}

func BenchmarkMatrixFromRepodata(b *testing.B) {
	dir := writeHistSeries(b)
	_, _, _, deps := repodataWorld(b, dir)
	b.SetBytes(deps)
	for b.Loop() {
		pool, builds, kmods, _ := repodataWorld(b, dir)
		NewMatrix(pool, builds, kmods)
	}
}
