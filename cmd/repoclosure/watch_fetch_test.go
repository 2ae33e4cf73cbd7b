package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/repoclosure/repoclosure/internal/repogen"
	"github.com/repoclosure/repoclosure/kabi/history"
	"github.com/repoclosure/repoclosure/repomd"
	"github.com/spf13/pflag"
)

// publishingMirror serves versions of repositories over loopback HTTP as a
// mirror that publishes them one after the other: repomd.xml is the current
// version's, and the metadata files of older versions stay reachable, as
// mirrors keep them for clients that fetched the previous repomd.xml.
type publishingMirror struct {
	srv *httptest.Server

	mu       sync.Mutex
	versions map[string][]string // repo -> directory of each version, oldest first
	current  map[string]int
	gets     map[string]int  // repomd.xml requests by repo
	advance  map[string]bool // publish the repo's next version right after its next repomd.xml is served
}

func newPublishingMirror(t *testing.T) *publishingMirror {
	t.Helper()
	m := &publishingMirror{versions: map[string][]string{}, current: map[string]int{}, gets: map[string]int{}, advance: map[string]bool{}}
	m.srv = httptest.NewServer(http.HandlerFunc(m.serve))
	t.Cleanup(m.srv.Close)
	return m
}

// add writes pkgs as the next version of repo, to be published later (the
// first version is published at once).
func (m *publishingMirror) add(t *testing.T, repo string, pkgs []repogen.Pkg) {
	t.Helper()
	m.mu.Lock()
	defer m.mu.Unlock()
	dir := filepath.Join(t.TempDir(), repo)
	if err := repogen.WriteRepo(dir, pkgs, repogen.Gzip); err != nil {
		t.Fatal(err)
	}
	m.versions[repo] = append(m.versions[repo], dir)
	// Distinct times: If-Modified-Since has one-second steps.
	stampFiles(t, dir, len(m.versions[repo]))
}

// repomdXML returns version v of repo's repomd.xml.
func (m *publishingMirror) repomdXML(t *testing.T, repo string, v int) []byte {
	t.Helper()
	m.mu.Lock()
	defer m.mu.Unlock()
	b, err := os.ReadFile(filepath.Join(m.versions[repo][v], "repodata", "repomd.xml"))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func (m *publishingMirror) serve(w http.ResponseWriter, r *http.Request) {
	m.mu.Lock()
	defer m.mu.Unlock()
	repo, file, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
	versions := m.versions[repo]
	if len(versions) == 0 {
		http.NotFound(w, r)
		return
	}
	cur := m.current[repo]
	if file == "repodata/repomd.xml" {
		http.ServeFile(w, r, filepath.Join(versions[cur], file))
		m.gets[repo]++
		if m.advance[repo] {
			m.advance[repo] = false
			m.current[repo]++
		}
		return
	}
	for v := cur; v >= 0; v-- {
		p := filepath.Join(versions[v], filepath.FromSlash(file))
		if _, err := os.Stat(p); err == nil {
			http.ServeFile(w, r, p)
			return
		}
	}
	http.NotFound(w, r)
}

// publish publishes repo's next version.
func (m *publishingMirror) publish(repo string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.current[repo]++
}

// published returns the version of repo that is published now.
func (m *publishingMirror) published(repo string) int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.current[repo]
}

// requests returns the repomd.xml requests by repo since the last call.
func (m *publishingMirror) requests() map[string]int {
	m.mu.Lock()
	defer m.mu.Unlock()
	got := m.gets
	m.gets = map[string]int{}
	return got
}

// newMirrorWatcher returns a watcher of m's baseos and kmods, recording in
// a fresh history database, and its events output.
func newMirrorWatcher(t *testing.T, m *publishingMirror) (*watcher, *history.Store, *bytes.Buffer) {
	t.Helper()
	tmp := t.TempDir()
	kf := new(kernelFlags)
	fs := pflag.NewFlagSet("watch", pflag.ContinueOnError)
	kf.register(fs, true)
	if err := fs.Parse([]string{"-q", "--setopt=reposdir=/nonexistent", "--cachedir", tmp, "--forcearch", "x86_64",
		"--repofrompath", "baseos," + m.srv.URL + "/baseos", "--repofrompath", "kmods," + m.srv.URL + "/kmods"}); err != nil {
		t.Fatal(err)
	}
	st, err := history.Open(context.Background(), filepath.Join(tmp, "h.db"), true)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	out := new(bytes.Buffer)
	return &watcher{kf: kf, store: st, out: out, stderr: io.Discard}, st, out
}

func sha256Sum(b []byte) string {
	sum := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(sum[:])
}

// checkSnapshot checks that the last snapshot recorded of repo is version
// v of its repomd.xml, and that the records watch keeps of it were read
// from that version (wantPkgs packages).
func checkSnapshot(t *testing.T, w *watcher, st *history.Store, m *publishingMirror, repo string, v, wantPkgs int) {
	t.Helper()
	last, err := st.LastSnapshots(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	body := m.repomdXML(t, repo, v)
	md, err := repomd.ParseRepomd(body, repo)
	if err != nil {
		t.Fatal(err)
	}
	want := history.Snapshot{Repo: repo, URL: m.srv.URL + "/" + repo, Revision: md.Revision, Checksum: sha256Sum(body)}
	got := last[repo]
	got.Time = want.Time
	if got != want {
		t.Errorf("%s: recorded snapshot %+v, want version %d's %+v", repo, got, v+1, want)
	}
	l := w.loaded[repo]
	if l.checksum != want.Checksum || l.repo == nil || len(l.repo.Packages) != wantPkgs {
		n := -1
		if l.repo != nil {
			n = len(l.repo.Packages)
		}
		t.Errorf("%s: watch keeps %d packages read at %s, want %d read at %s", repo, n, l.checksum, wantPkgs, want.Checksum)
	}
}

// newTwoKmodVersions returns a mirror of baseos (kernels and others) and
// kmods in two versions, 4 kmods then 8, the first one published; base is
// baseos's packages.
func newTwoKmodVersions(t *testing.T) (*publishingMirror, []repogen.Pkg) {
	s := repogen.NewSeries(repogen.SeriesConfig{Seed: 9, Kernels: 3, Symbols: 300, Kmods: 8, OtherPkgs: 12})
	m := newPublishingMirror(t)
	base := append(slices.Clone(s.Kernels), s.Others...)
	m.add(t, "baseos", base)
	m.add(t, "kmods", s.Kmods[:4])
	m.add(t, "kmods", s.Kmods)
	return m, base
}

// TestWatchFetchesRepomdOncePerPoll: every poll, changed or not, asks the
// mirror for each repomd.xml once, and records the one it got.
func TestWatchFetchesRepomdOncePerPoll(t *testing.T) {
	m, base := newTwoKmodVersions(t)
	w, st, out := newMirrorWatcher(t, m)
	ctx := context.Background()
	for n, p := range []struct {
		publish   bool // the next kmods version before the poll
		kmodsV    int
		kmodAdded int
	}{
		{false, 0, 4}, // first poll: records everything
		{false, 0, 0}, // unchanged: 304s, nothing recorded
		{true, 1, 4},  // kmods changed
		{false, 1, 0},
	} {
		if p.publish {
			m.publish("kmods")
		}
		out.Reset()
		if _, err := w.poll(ctx); err != nil {
			t.Fatalf("poll %d: %v", n+1, err)
		}
		if got := m.requests(); got["baseos"] != 1 || got["kmods"] != 1 || len(got) != 2 {
			t.Errorf("poll %d: repomd.xml requests %v, want one per repository", n+1, got)
		}
		if got := strings.Count(out.String(), `"event":"kmod-added"`); got != p.kmodAdded {
			t.Errorf("poll %d: %d kmod-added events, want %d:\n%s", n+1, got, p.kmodAdded, out.String())
		}
		checkSnapshot(t, w, st, m, "baseos", 0, len(base))
		checkSnapshot(t, w, st, m, "kmods", p.kmodsV, []int{4, 8}[p.kmodsV])
	}
}

// TestWatchRecordsTheRepomdItLoaded: a mirror that publishes a new
// repomd.xml (and its files) right after a poll fetched the old one: the
// poll records the repomd.xml its records came from, and the next poll sees
// the new one.
func TestWatchRecordsTheRepomdItLoaded(t *testing.T) {
	m, base := newTwoKmodVersions(t)
	m.advance["kmods"] = true
	w, st, out := newMirrorWatcher(t, m)
	ctx := context.Background()

	if _, err := w.poll(ctx); err != nil {
		t.Fatal(err)
	}
	if got := m.requests(); got["baseos"] != 1 || got["kmods"] != 1 {
		t.Errorf("first poll: repomd.xml requests %v, want one per repository", got)
	}
	if m.published("kmods") != 1 {
		t.Fatal("the mirror did not publish during the poll")
	}
	checkSnapshot(t, w, st, m, "kmods", 0, 4)
	checkSnapshot(t, w, st, m, "baseos", 0, len(base))
	kmods, err := st.Kmods(ctx)
	if got := strings.Count(out.String(), `"event":"kmod-added"`); err != nil || got != 4 || len(kmods) != 4 {
		t.Errorf("first poll: %d kmod-added events and %d kmods stored (%v), want the first version's 4:\n%s", got, len(kmods), err, out.String())
	}

	out.Reset()
	if _, err := w.poll(ctx); err != nil {
		t.Fatal(err)
	}
	checkSnapshot(t, w, st, m, "kmods", 1, 8)
	kmods, err = st.Kmods(ctx)
	if got := strings.Count(out.String(), `"event":"kmod-added"`); err != nil || got != 4 || len(kmods) != 8 {
		t.Errorf("second poll: %d kmod-added events and %d kmods stored (%v), want the second version's 4 more:\n%s", got, len(kmods), err, out.String())
	}
}
