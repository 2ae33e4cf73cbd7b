package repomd

import (
	"context"
	"crypto/sha256"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
)

// renderRepos prints everything LoadAll returns, for comparisons.
func renderRepos(repos []*Repo) string {
	var b strings.Builder
	for _, r := range repos {
		fmt.Fprintf(&b, "repo %s hotfixes=%v modules=%+v\n", r.ID, r.ModuleHotfixes, r.Modules)
		for i := range r.Packages {
			b.WriteString(renderPackage(r.Strings, &r.Packages[i]))
			for _, f := range r.Packages[i].Files {
				fmt.Fprintf(&b, "  file %s %d\n", r.Strings.String(f.Path), f.Kind)
			}
		}
	}
	return b.String()
}

// TestSnapshot loads the fixture repositories cold, then warm from the
// snapshot, then from snapshots with bytes flipped or cut: every load gives
// the same records, and a damaged snapshot is parsed around and rewritten.
func TestSnapshot(t *testing.T) {
	var sources []Source
	for _, id := range []string{"base", "extra", "kernels", "kmods", "rich"} {
		sources = append(sources, Source{ID: id, BaseURLs: []string{filepath.Join("..", "testdata", "fixtures", "repos", id)}})
	}
	snapDir := t.TempDir()
	// load returns the rendering and how many metadata files were parsed.
	load := func(requiredOnly bool) (string, int64) {
		t.Helper()
		var parsed atomic.Int64
		f := &Fetcher{CacheDir: t.TempDir()}
		defer f.Close()
		l := &Loader{Fetcher: f, Strings: NewStrings(), RequiredFilesOnly: requiredOnly, SnapshotDir: snapDir,
			Progress: func(string, string, int64) io.Writer { parsed.Add(1); return nil }}
		repos, err := l.LoadAll(context.Background(), sources)
		if err != nil {
			t.Fatal(err)
		}
		return renderRepos(repos), parsed.Load()
	}
	cold, parsed := load(false)
	if parsed == 0 {
		t.Fatal("the cold load parsed nothing")
	}
	files, _ := filepath.Glob(filepath.Join(snapDir, "snapshot-*.bin"))
	if len(files) != 1 {
		t.Fatalf("snapshots after a load: %v", files)
	}
	snap := files[0]
	if warm, parsed := load(false); warm != cold || parsed != 0 {
		t.Fatalf("warm load: parsed %d files, same records %v", parsed, warm == cold)
	}
	// Other options make another snapshot, which does not stand in for this one.
	if lazy, _ := load(true); lazy == cold {
		t.Error("required files only loaded every file: the test cannot tell snapshots apart")
	}
	good, err := os.ReadFile(snap)
	if err != nil {
		t.Fatal(err)
	}
	damage := map[string][]byte{"empty": nil, "cut": good[:len(good)/2], "one byte short": good[:len(good)-1]}
	for _, at := range []int{0, 5, len(snapshotMagic) + 3, len(snapshotMagic) + 40, len(good) / 3, len(good) / 2, len(good) - 40, len(good) - 1} {
		bad := append([]byte(nil), good...)
		bad[at] ^= 0x10
		damage[fmt.Sprintf("byte %d flipped", at)] = bad
	}
	for name, data := range damage {
		if err := os.WriteFile(snap, data, 0o644); err != nil {
			t.Fatal(err)
		}
		got, parsed := load(false)
		if got != cold {
			t.Fatalf("%s: records differ from the cold load", name)
		}
		if parsed == 0 {
			t.Fatalf("%s: damaged snapshot used", name)
		}
		if again, parsed := load(false); again != cold || parsed != 0 {
			t.Fatalf("%s: snapshot not rewritten (parsed %d files on the next load)", name, parsed)
		}
	}
}

// TestSnapshotStale: a changed repomd.xml changes the key, so that the old
// snapshot is not used.
func TestSnapshotStale(t *testing.T) {
	src := filepath.Join("..", "testdata", "fixtures", "repos", "base")
	snapDir := t.TempDir()
	l := &Loader{Fetcher: &Fetcher{}, SnapshotDir: snapDir}
	a := l.snapshotFor([]Source{{ID: "base"}}, []*fetchedRepomd{{sum: sha256.Sum256([]byte("<repomd>1</repomd>"))}})
	b := l.snapshotFor([]Source{{ID: "base"}}, []*fetchedRepomd{{sum: sha256.Sum256([]byte("<repomd>2</repomd>"))}})
	if a == nil || b == nil || a.path != b.path || a.key == b.key {
		t.Fatalf("snapshots %+v and %+v: want one file, two keys", a, b)
	}
	c := l.snapshotFor([]Source{{ID: "base", BaseURLs: []string{src}}}, []*fetchedRepomd{{rpmDir: src}})
	if c != nil {
		t.Error("a folder of .rpm files got a snapshot")
	}
	l.RequiredFilesOnly = true
	if d := l.snapshotFor([]Source{{ID: "base"}}, []*fetchedRepomd{{sum: sha256.Sum256([]byte("<repomd>1</repomd>"))}}); d.path == a.path || d.key == a.key {
		t.Error("options do not change the snapshot")
	}
}

// TestSnapshotInBackground: a snapshot written while the caller goes on
// (and interns more strings) is complete once Wait returns, holds exactly
// the load's strings, and reads back as the cold load.
func TestSnapshotInBackground(t *testing.T) {
	var sources []Source
	for _, id := range []string{"base", "kernels", "kmods", "rich"} {
		sources = append(sources, Source{ID: id, BaseURLs: []string{filepath.Join("..", "testdata", "fixtures", "repos", id)}})
	}
	snapDir := t.TempDir()
	load := func(background bool) (*Loader, []*Repo, *atomic.Int64) {
		t.Helper()
		parsed := new(atomic.Int64)
		f := &Fetcher{CacheDir: t.TempDir()}
		defer f.Close()
		l := &Loader{Fetcher: f, Strings: NewStrings(), SnapshotDir: snapDir, SnapshotInBackground: background,
			Progress: func(string, string, int64) io.Writer { parsed.Add(1); return nil }}
		repos, err := l.LoadAll(context.Background(), sources)
		if err != nil {
			t.Fatal(err)
		}
		return l, repos, parsed
	}
	l, repos, parsed := load(true)
	if parsed.Load() == 0 || l.FromSnapshot() {
		t.Fatalf("the cold load parsed %d files, FromSnapshot %v", parsed.Load(), l.FromSnapshot())
	}
	loaded := l.Strings.Len()
	cold := renderRepos(repos)
	// What the caller does meanwhile is not part of the snapshot: new
	// strings, its slice of repos changed.
	repos[0] = &Repo{ID: "replaced after the load", Strings: l.Strings}
	for i := range 5000 {
		l.Strings.InternString(fmt.Sprintf("interned after the load %d", i))
	}
	l.Wait()
	files, _ := filepath.Glob(filepath.Join(snapDir, "*"))
	hidden, _ := filepath.Glob(filepath.Join(snapDir, ".*"))
	if len(files) != 1 || len(hidden) != 0 || !strings.HasPrefix(filepath.Base(files[0]), "snapshot-") {
		t.Fatalf("files after Wait: %v %v, want one snapshot", files, hidden)
	}
	l, warmRepos, parsed := load(false)
	if parsed.Load() != 0 || !l.FromSnapshot() {
		t.Fatalf("warm load parsed %d files, FromSnapshot %v", parsed.Load(), l.FromSnapshot())
	}
	if got := renderRepos(warmRepos); got != cold {
		t.Error("the snapshot written in the background reads back different records")
	}
	if l.Strings.Len() != loaded {
		t.Errorf("snapshot holds %d strings, the load had %d", l.Strings.Len(), loaded)
	}
	l.Wait() // nothing to wait for
}

// TestSnapshotWriteFails: a write that fails leaves no file behind, neither
// the snapshot nor its temporary.
func TestSnapshotWriteFails(t *testing.T) {
	strs := NewStrings()
	other := NewStrings()
	name := strs.InternString("name")
	repos := []*Repo{
		{ID: "a", Strings: strs, Packages: []Package{{Name: name}}},
		{ID: "b", Strings: other}, // another table: the encoder refuses it midway
	}
	dir := t.TempDir()
	s := &snapshot{path: filepath.Join(dir, "snapshot-x.bin")}
	s.write(repos, strs.Len())
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("a failed write left %v", entries)
	}
	// A snapshot directory that cannot be made: nothing written, no panic.
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	(&snapshot{path: filepath.Join(file, "snapshot-x.bin")}).write(repos[:1], strs.Len())
	// And a complete one still reads back.
	s.write(repos[:1], strs.Len())
	got, ok := s.read(NewStrings())
	if !ok || len(got) != 1 || len(got[0].Packages) != 1 || got[0].Strings.String(got[0].Packages[0].Name) != "name" {
		t.Errorf("read back %v %v", got, ok)
	}
}
