package resolver

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/repoclosure/repoclosure/internal/testenv"
	"github.com/repoclosure/repoclosure/repomd"
)

// loadCS9 loads the real CentOS Stream 9 BaseOS and AppStream metadata.
func loadCS9(tb testing.TB) (*repomd.Strings, []*repomd.Repo, int64) {
	tb.Helper()
	dir := testenv.SharedData(tb, "cs9")
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
