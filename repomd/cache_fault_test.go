package repomd

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Every way a cache entry can differ from what repomd.xml describes makes
// File fetch the file again, leave the right bytes in a regular file, and
// never touch what a symlink pointed to.
func TestFileCacheEntryReverified(t *testing.T) {
	const href = "repodata/v-primary.xml.gz"
	content := testPayload(8000, 11)
	df := dataFileOf(href, content)
	sameSize := bytes.Clone(content)
	sameSize[len(sameSize)/2] ^= 0xff

	tests := []struct {
		name    string
		damage  func(t *testing.T, entry string) (outside string)
		wantLog string
	}{
		{"same size, other bytes", func(t *testing.T, entry string) string {
			mustWrite(t, entry, sameSize)
			return ""
		}, "checksum mismatch"},
		{"truncated", func(t *testing.T, entry string) string {
			mustWrite(t, entry, content[:100])
			return ""
		}, "size 100"},
		{"symlink to the right bytes", func(t *testing.T, entry string) string {
			target := filepath.Join(t.TempDir(), "elsewhere")
			mustWrite(t, target, content)
			mustSymlink(t, target, entry)
			return target
		}, "symbolic link"},
		{"symlink to other bytes", func(t *testing.T, entry string) string {
			target := filepath.Join(t.TempDir(), "elsewhere")
			mustWrite(t, target, sameSize)
			mustSymlink(t, target, entry)
			return target
		}, "symbolic link"},
		{"directory", func(t *testing.T, entry string) string {
			if err := os.Mkdir(entry, 0o755); err != nil {
				t.Fatal(err)
			}
			return ""
		}, "not a regular file"},
		{"fifo", func(t *testing.T, entry string) string {
			if err := syscall.Mkfifo(entry, 0o644); err != nil {
				t.Fatal(err)
			}
			return ""
		}, "not a regular file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newCountingServer(t, serveFiles(map[string][]byte{"/" + href: content}))
			f, log := newTestFetcher(t)
			entry, err := cachePath(f.CacheDir, "v", mustContentName(t, df, href))
			if err != nil {
				t.Fatal(err)
			}
			if err := os.MkdirAll(filepath.Dir(entry), 0o755); err != nil {
				t.Fatal(err)
			}
			outside := tt.damage(t, entry)
			var before []byte
			if outside != "" {
				before, _ = os.ReadFile(outside)
			}

			// Offline, a bad entry is an error, and is removed.
			f.CacheOnly = true
			if _, err := f.File(context.Background(), "v", []string{srv.URL}, df); err == nil || !strings.Contains(err.Error(), "cached copy is bad") {
				t.Fatalf("cache-only File over a bad entry: %v, want an error", err)
			}
			if _, err := os.Lstat(entry); !os.IsNotExist(err) {
				t.Errorf("bad entry still there after a cache-only run: %v", err)
			}
			if outside = tt.damage(t, entry); outside != "" {
				before, _ = os.ReadFile(outside)
			}

			f.CacheOnly = false
			got, err := f.File(context.Background(), "v", []string{srv.URL}, df)
			if err != nil {
				t.Fatalf("File: %v\nlog:\n%s", err, log)
			}
			st, err := os.Lstat(got)
			if err != nil || !st.Mode().IsRegular() {
				t.Fatalf("%s is not a regular file: %v", got, err)
			}
			if data, _ := os.ReadFile(got); !bytes.Equal(data, content) {
				t.Errorf("entry holds %d other bytes after the refetch", len(data))
			}
			if srv.requests.Load() != 1 {
				t.Errorf("%d requests, want the one refetch", srv.requests.Load())
			}
			if !strings.Contains(log.String(), tt.wantLog) {
				t.Errorf("log lacks %q:\n%s", tt.wantLog, log)
			}
			if outside != "" {
				if after, _ := os.ReadFile(outside); !bytes.Equal(after, before) {
					t.Errorf("the symlink's target was changed")
				}
			}
			assertCacheClean(t, f.CacheDir)
		})
	}
}

// A repository cache directory that is a symlink is removed, not followed:
// neither File nor Repomd reads, writes or removes anything where it points,
// and the files are fetched anew into a real directory.
func TestCacheRepoDirSymlinkNotFollowed(t *testing.T) {
	const href = "repodata/s-primary.xml.gz"
	content := testPayload(3000, 13)
	df := dataFileOf(href, content)
	repomd := []byte("<repomd><revision>7</revision></repomd>\n")
	srv := newCountingServer(t, serveFiles(map[string][]byte{"/" + href: content, "/" + repomdHref: repomd}))
	f, log := newTestFetcher(t)
	ctx := context.Background()

	// Elsewhere holds what a cache directory would: a stale temporary file
	// and an entry with the right bytes, plus a repomd.xml and its meta.
	elsewhere := t.TempDir()
	entry := mustContentName(t, df, href)
	stale := filepath.Join(elsewhere, tempPrefix+"killed")
	mustWrite(t, filepath.Join(elsewhere, entry), content)
	mustWrite(t, stale, []byte("half"))
	old := time.Now().Add(-2 * staleTempAge)
	if err := os.Chtimes(stale, old, old); err != nil {
		t.Fatal(err)
	}
	other := &Fetcher{CacheDir: t.TempDir()}
	if err := other.storeRepomd("s", &cachedRepomd{body: repomd, meta: repomdMeta{URL: srv.URL + "/" + repomdHref}}); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{repomdCacheName, repomdMetaName} {
		data, err := os.ReadFile(filepath.Join(other.CacheDir, "s", name))
		if err != nil {
			t.Fatal(err)
		}
		mustWrite(t, filepath.Join(elsewhere, name), data)
	}
	snapshot := func() map[string]string {
		got := map[string]string{}
		entries, err := os.ReadDir(elsewhere)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			data, _ := os.ReadFile(filepath.Join(elsewhere, e.Name()))
			got[e.Name()] = sha256Of(data)
		}
		return got
	}
	before := snapshot()
	dir := filepath.Join(f.CacheDir, "s")

	// Offline, nothing behind the link is used.
	mustSymlink(t, elsewhere, dir)
	f.CacheOnly = true
	if _, _, err := f.Repomd(ctx, "s", []string{srv.URL}, nil); err == nil {
		t.Errorf("cache-only Repomd through a symlinked cache directory: no error")
	}
	mustSymlink(t, elsewhere, dir)
	if _, err := f.File(ctx, "s", []string{srv.URL}, df); err == nil {
		t.Errorf("cache-only File through a symlinked cache directory: no error")
	}

	// Online, both are fetched anew into a real directory.
	f.CacheOnly = false
	for i, fetch := range []func() error{
		func() error { _, _, err := f.Repomd(ctx, "s", []string{srv.URL}, nil); return err },
		func() error { _, err := f.File(ctx, "s", []string{srv.URL}, df); return err },
	} {
		if err := os.RemoveAll(dir); err != nil { // a link: RemoveAll removes only the link
			t.Fatal(err)
		}
		mustSymlink(t, elsewhere, dir)
		if err := fetch(); err != nil {
			t.Fatalf("fetch %d through a symlinked cache directory: %v\nlog:\n%s", i, err, log)
		}
		if st, err := os.Lstat(dir); err != nil || !st.IsDir() {
			t.Fatalf("fetch %d: %s is not a real directory afterwards: %v", i, dir, err)
		}
	}
	if n := srv.requests.Load(); n != 2 {
		t.Errorf("%d requests, want 2: the entries behind the link must not be used", n)
	}
	if !strings.Contains(log.String(), "cache directory "+dir+" is a symbolic link") {
		t.Errorf("log does not name the symlinked directory:\n%s", log)
	}
	after := snapshot()
	if len(after) != len(before) {
		t.Errorf("files behind the link changed: %v, was %v", after, before)
	}
	for name, sum := range before {
		if after[name] != sum {
			t.Errorf("%s behind the link was changed or removed", name)
		}
	}
	assertCacheClean(t, f.CacheDir)
}

// A repomd.xml that does not parse (an error page served with 200) is
// never cached: the next mirror is tried, and a later run does not
// revalidate the bad copy into use.
func TestRepomdCachedOnlyWhenParsed(t *testing.T) {
	good := []byte("<repomd><revision>5</revision></repomd>\n")
	for _, bad := range [][]byte{
		[]byte("<html><body>Service unavailable</body></html>"),
		[]byte("{\"error\": 503}"),
		good[:20],
	} {
		html := newCountingServer(t, serveFiles(map[string][]byte{"/" + repomdHref: bad}))
		f, _ := newTestFetcher(t)
		ctx := context.Background()
		if _, _, err := f.Repomd(ctx, "r", []string{html.URL}, nil); err == nil {
			t.Fatalf("Repomd of %q: no error", bad)
		}
		if _, err := os.Lstat(filepath.Join(f.CacheDir, "r", repomdCacheName)); !os.IsNotExist(err) {
			t.Errorf("repomd.xml %q was cached (%v)", bad, err)
		}
		srv := newCountingServer(t, serveFiles(map[string][]byte{"/" + repomdHref: good}))
		body, mirror, err := f.Repomd(ctx, "r", []string{html.URL, srv.URL}, nil)
		if err != nil || !bytes.Equal(body, good) || mirror != srv.URL {
			t.Fatalf("Repomd with a good second mirror: %q from %s, %v", body, mirror, err)
		}
		f.CacheOnly = true
		if body, _, err := f.Repomd(ctx, "r", []string{html.URL}, nil); err != nil || !bytes.Equal(body, good) {
			t.Errorf("cache-only after the good mirror: %q, %v", body, err)
		}
	}

	// A bad copy an older version stored is not revalidated into use.
	f, _ := newTestFetcher(t)
	if err := f.storeRepomd("r", &cachedRepomd{body: []byte("<html/>"), meta: repomdMeta{URL: "http://x/" + repomdHref}}); err != nil {
		t.Fatal(err)
	}
	if c := f.loadRepomd("r"); c != nil {
		t.Errorf("loadRepomd returned a copy that does not parse: %q", c.body)
	}
}

// Temporary files of killed runs are removed; fresh ones, which a
// concurrent run may still be writing, stay.
func TestFileRemovesStaleTempFiles(t *testing.T) {
	const href = "repodata/t-primary.xml.gz"
	content := testPayload(1000, 12)
	srv := newCountingServer(t, serveFiles(map[string][]byte{"/" + href: content}))
	f, _ := newTestFetcher(t)
	dir := filepath.Join(f.CacheDir, "t")
	stale, fresh := filepath.Join(dir, tempPrefix+"killed"), filepath.Join(dir, tempPrefix+"busy")
	mustWrite(t, stale, []byte("half"))
	mustWrite(t, fresh, []byte("half"))
	old := time.Now().Add(-2 * staleTempAge)
	if err := os.Chtimes(stale, old, old); err != nil {
		t.Fatal(err)
	}
	if _, err := f.File(context.Background(), "t", []string{srv.URL}, dataFileOf(href, content)); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Lstat(stale); !os.IsNotExist(err) {
		t.Errorf("stale %s not removed: %v", stale, err)
	}
	if _, err := os.Lstat(fresh); err != nil {
		t.Errorf("fresh %s removed: %v", fresh, err)
	}
}

func mustWrite(t *testing.T, p string, data []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

func mustSymlink(t *testing.T, target, link string) {
	t.Helper()
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
}

func mustContentName(t *testing.T, df DataFile, href string) string {
	t.Helper()
	name, err := contentName(df, href)
	if err != nil {
		t.Fatal(err)
	}
	return name
}
