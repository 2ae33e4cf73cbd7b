package repomd

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/repoclosure/repoclosure/internal/repogen"
)

// republishingServer serves a repository over loopback HTTP whose mirror
// publishes a new version between a client's requests: repomd.xml is the
// current version's, and, if retain, the older versions' files stay
// reachable, as mirrors keep them for a while.
type republishingServer struct {
	*countingServer
	repomdGets atomic.Int32

	mu       sync.Mutex
	versions []string // directories, oldest first
	current  int
	retain   bool
}

func newRepublishingServer(t *testing.T, retain bool, versions ...[]repogen.Pkg) *republishingServer {
	t.Helper()
	s := &republishingServer{retain: retain}
	for _, pkgs := range versions {
		dir := t.TempDir()
		if err := repogen.WriteRepo(dir, pkgs, repogen.Gzip); err != nil {
			t.Fatal(err)
		}
		s.versions = append(s.versions, dir)
	}
	s.countingServer = newCountingServer(t, func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		defer s.mu.Unlock()
		file := strings.TrimPrefix(r.URL.Path, "/")
		if file == repomdHref {
			s.repomdGets.Add(1)
		}
		oldest := s.current
		if s.retain && file != repomdHref {
			oldest = 0
		}
		for v := s.current; v >= oldest; v-- {
			if b, err := os.ReadFile(filepath.Join(s.versions[v], filepath.FromSlash(file))); err == nil {
				w.Write(b)
				return
			}
		}
		http.NotFound(w, r)
	})
	return s
}

func (s *republishingServer) publish() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.current++
}

func (s *republishingServer) repomdXML(t *testing.T, v int) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(s.versions[v], "repodata", "repomd.xml"))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestLoadFetchedReadsTheRevalidatedRepomd: LoadFetched reads the files of
// the repomd.xml that Revalidate fetched, whatever the mirror publishes in
// between, and asks for no repomd.xml itself; Fetched describes that
// repomd.xml.
func TestLoadFetchedReadsTheRevalidatedRepomd(t *testing.T) {
	s := repogen.NewSeries(repogen.SeriesConfig{Seed: 3, Kernels: 2, Symbols: 50, Kmods: 6, OtherPkgs: 4})
	v1, v2 := s.Kmods[:2], s.Kmods
	ctx := context.Background()
	for _, retain := range []bool{true, false} {
		srv := newRepublishingServer(t, retain, v1, v2)
		f, _ := newTestFetcher(t)
		l := &Loader{Fetcher: f, Strings: NewStrings()}
		src := Source{ID: "kmods", BaseURLs: []string{srv.URL}}
		fetched, err := l.Revalidate(ctx, []Source{src})
		if err != nil {
			t.Fatal(err)
		}
		body := srv.repomdXML(t, 0)
		md, err := ParseRepomd(body, "repomd.xml")
		if err != nil {
			t.Fatal(err)
		}
		got := fetched[0]
		if got.Source.ID != "kmods" || got.Mirror != srv.URL || got.Checksum != "sha256:"+sha256Of(body) || got.Revision != md.Revision || md.Revision == "" {
			t.Errorf("Fetched %+v, want mirror %s, checksum sha256:%s, revision %q", got, srv.URL, sha256Of(body), md.Revision)
		}
		srv.publish()
		repos, err := l.LoadFetched(ctx, fetched)
		switch {
		case retain && (err != nil || len(repos[0].Packages) != len(v1)):
			t.Errorf("LoadFetched after the mirror published: %v, want the %d packages of the repomd.xml fetched", err, len(v1))
		case !retain && (err == nil || !strings.Contains(err.Error(), "repo kmods") || !strings.Contains(err.Error(), "primary")):
			// The fetched repomd.xml's files are gone: an error, not the
			// new version's records under the old checksum.
			t.Errorf("LoadFetched when the mirror removed the fetched repomd.xml's files: %v, want an error naming the repository and its primary", err)
		}
		if n := srv.repomdGets.Load(); n != 1 {
			t.Errorf("retain=%v: %d requests for repomd.xml by Revalidate and LoadFetched, want 1", retain, n)
		}

		// LoadAll does both, and sees the new version.
		l.Strings = NewStrings()
		repos, err = l.LoadAll(ctx, []Source{src})
		if err != nil || len(repos[0].Packages) != len(v2) {
			t.Errorf("LoadAll after the mirror published: %v, want the %d packages of the new version", err, len(v2))
		}
		if n := srv.repomdGets.Load(); n != 2 {
			t.Errorf("retain=%v: %d requests for repomd.xml after LoadAll, want 2", retain, n)
		}
	}
}

// TestRevalidateRPMDir: a folder of .rpm files has no repomd.xml: no
// checksum or revision, and its folder as the mirror.
func TestRevalidateRPMDir(t *testing.T) {
	dir := copyRPMFixtures(t)
	l := &Loader{Fetcher: &Fetcher{}, Strings: NewStrings()}
	defer l.Fetcher.Close()
	fetched, err := l.Revalidate(context.Background(), []Source{{ID: "local", BaseURLs: []string{"file://" + dir}}})
	if err != nil {
		t.Fatal(err)
	}
	if got := fetched[0]; got.Mirror != "file://"+dir || got.Checksum != "" || got.Revision != "" {
		t.Errorf("Fetched %+v, want mirror file://%s and no checksum or revision", got, dir)
	}
	repos, err := l.LoadFetched(context.Background(), fetched)
	if err != nil || len(repos) != 1 || len(repos[0].Packages) == 0 {
		t.Errorf("LoadFetched of a folder of .rpm files: %v", err)
	}
}
