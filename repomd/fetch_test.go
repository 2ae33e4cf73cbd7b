package repomd

import (
	"bytes"
	"context"
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/repoclosure/repoclosure/internal/testenv"
)

// fetchLog collects a Fetcher's warnings.
type fetchLog struct {
	mu    sync.Mutex
	lines []string
}

func (l *fetchLog) logf(format string, args ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lines = append(l.lines, fmt.Sprintf(format, args...))
}

func (l *fetchLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Join(l.lines, "\n")
}

// newTestFetcher returns a Fetcher with a fresh cache, tiny backoff and a
// client timeout that fails a hung test quickly.
func newTestFetcher(t *testing.T) (*Fetcher, *fetchLog) {
	t.Helper()
	log := &fetchLog{}
	f := &Fetcher{
		Client:   &http.Client{Timeout: 10 * time.Second},
		CacheDir: t.TempDir(),
		Backoff:  time.Millisecond,
		Logf:     log.logf,
	}
	t.Cleanup(func() {
		if err := f.Close(); err != nil {
			t.Error(err)
		}
	})
	return f, log
}

// testPayload returns n deterministic pseudo-random bytes.
func testPayload(n int, seed uint64) []byte {
	rng := rand.New(rand.NewPCG(seed, 7))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(rng.Uint32())
	}
	return b
}

func sha256Of(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// dataFileOf describes content stored at href, as repomd.xml would.
func dataFileOf(href string, content []byte) DataFile {
	return DataFile{
		Type:     "primary",
		Checksum: Checksum{Type: "sha256", Hex: sha256Of(content)},
		Href:     href,
		Size:     int64(len(content)),
	}
}

// countingServer serves handler on loopback and counts its requests.
type countingServer struct {
	*httptest.Server
	requests atomic.Int32
}

func newCountingServer(t *testing.T, handler http.HandlerFunc) *countingServer {
	t.Helper()
	s := &countingServer{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.requests.Add(1)
		handler(w, r)
	}))
	t.Cleanup(s.Close)
	return s
}

// serveFiles answers with files[path] and 404 for anything else.
func serveFiles(files map[string][]byte) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		content, ok := files[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Write(content)
	}
}

// assertCacheClean fails unless every file under dir is complete and
// correct: no temporary file, and every content-addressed file's bytes
// match the digest in its name.
func assertCacheClean(t *testing.T, dir string) {
	t.Helper()
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		name := d.Name()
		switch name {
		case repomdCacheName, repomdMetaName, "metalink.xml", "mirrorlist.txt":
			return nil
		}
		if strings.HasPrefix(name, tempPrefix) {
			t.Errorf("partial file left in the cache: %s", p)
			return nil
		}
		typ, rest, _ := strings.Cut(name, "-")
		digest, _, _ := strings.Cut(rest, "-")
		h, err := Checksum{Type: typ}.NewHash()
		if err != nil {
			t.Errorf("unexpected file in the cache: %s", p)
			return nil
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		h.Write(data)
		if got := hex.EncodeToString(h.Sum(nil)); got != digest {
			t.Errorf("bad file in the cache: %s holds %s:%s", p, typ, got)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// cacheFiles lists the regular files under dir, relative to it.
func cacheFiles(t *testing.T, dir string) []string {
	t.Helper()
	var files []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			rel, _ := filepath.Rel(dir, p)
			files = append(files, rel)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

func TestFileMirrorFailover(t *testing.T) {
	const href = "repodata/abc-primary.xml.gz"
	content := testPayload(100_000, 1)
	corrupt := bytes.Clone(content)
	corrupt[500] ^= 0xff
	df := dataFileOf(href, content)

	tests := []struct {
		name     string
		handler  http.HandlerFunc
		timeout  time.Duration // client timeout; 0 = the default 10s
		stall    time.Duration
		requests int32    // expected on the bad mirror, with Retries = 1
		wantLog  []string // besides the bad mirror's URL
	}{
		{
			name:     "404",
			handler:  http.NotFound,
			requests: 1, // permanent: not retried
			wantLog:  []string{"HTTP 404 Not Found"},
		},
		{
			name: "500",
			handler: func(w http.ResponseWriter, r *http.Request) {
				http.Error(w, "boom", http.StatusInternalServerError)
			},
			requests: 2,
			wantLog:  []string{"HTTP 500 Internal Server Error", "retrying"},
		},
		{
			name: "timeout",
			handler: func(w http.ResponseWriter, r *http.Request) {
				select {
				case <-r.Context().Done():
				case <-time.After(10 * time.Second):
				}
			},
			timeout:  500 * time.Millisecond, // also bounds the good mirror: leave room for a loaded machine
			requests: 2,
			wantLog:  []string{"Client.Timeout exceeded"},
		},
		{
			name: "truncated",
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Length", fmt.Sprint(len(content)))
				w.Write(content[:len(content)/2])
			},
			requests: 2,
			wantLog:  []string{"unexpected EOF"},
		},
		{
			name: "truncated without length",
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.Write(content[:len(content)/2])
				w.(http.Flusher).Flush()
			},
			requests: 2,
			wantLog:  []string{fmt.Sprintf("truncated: got %d of %d bytes", len(content)/2, len(content))},
		},
		{
			name: "corrupted",
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.Write(corrupt)
			},
			requests: 1,
			wantLog: []string{fmt.Sprintf("checksum mismatch: expected sha256:%s, got sha256:%s",
				sha256Of(content), sha256Of(corrupt))},
		},
		{
			name: "oversized",
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.Write(content)
				w.(http.Flusher).Flush() // no Content-Length: caught while reading
				w.Write([]byte("trailing garbage"))
			},
			requests: 1,
			wantLog:  []string{fmt.Sprintf("server sends more than the %d bytes", len(content))},
		},
		{
			name: "oversized by Content-Length",
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Length", fmt.Sprint(len(content)+1))
				w.Write(append(bytes.Clone(content), 0))
			},
			requests: 1,
			wantLog:  []string{fmt.Sprintf("server announces %d bytes, repomd.xml says %d", len(content)+1, len(content))},
		},
		{
			name: "stalled",
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Length", fmt.Sprint(len(content)))
				w.Write(content[:1000])
				w.(http.Flusher).Flush()
				select {
				case <-r.Context().Done():
				case <-time.After(10 * time.Second):
				}
			},
			stall:    500 * time.Millisecond,
			requests: 2,
			wantLog:  []string{"stalled: no data for 500ms"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			bad := newCountingServer(t, tt.handler)
			good := newCountingServer(t, serveFiles(map[string][]byte{"/repo/" + href: content}))
			f, log := newTestFetcher(t)
			f.Retries = 1
			f.stallTimeout = tt.stall
			if tt.timeout != 0 {
				f.Client = &http.Client{Timeout: tt.timeout}
			}

			got, err := f.File(context.Background(), "baseos", []string{bad.URL + "/repo", good.URL + "/repo/"}, df)
			if err != nil {
				t.Fatalf("File: %v\nlog:\n%s", err, log)
			}
			data, err := os.ReadFile(got)
			if err != nil || !bytes.Equal(data, content) {
				t.Fatalf("File returned %s holding %d bytes (%v), want the %d served", got, len(data), err, len(content))
			}
			wantPath := filepath.Join(f.CacheDir, "baseos", "sha256-"+df.Checksum.Hex+"-abc-primary.xml.gz")
			if got != wantPath {
				t.Errorf("path %s, want %s", got, wantPath)
			}
			if n := bad.requests.Load(); n != tt.requests {
				t.Errorf("bad mirror got %d requests, want %d", n, tt.requests)
			}
			if n := good.requests.Load(); n != 1 {
				t.Errorf("good mirror got %d requests, want 1", n)
			}
			logText := log.String()
			for _, want := range append([]string{bad.URL + "/repo/" + href, "trying next"}, tt.wantLog...) {
				if !strings.Contains(logText, want) {
					t.Errorf("log lacks %q:\n%s", want, logText)
				}
			}
			assertCacheClean(t, f.CacheDir)
		})
	}
}

func TestFileAllMirrorsFail(t *testing.T) {
	const href = "repodata/x-filelists.xml.zst"
	content := testPayload(5000, 2)
	wrong := testPayload(5000, 3)
	missing := newCountingServer(t, http.NotFound)
	corrupt := newCountingServer(t, serveFiles(map[string][]byte{"/" + href: wrong}))
	f, _ := newTestFetcher(t)

	_, err := f.File(context.Background(), "appstream", []string{missing.URL, corrupt.URL}, dataFileOf(href, content))
	if err == nil {
		t.Fatal("File succeeded with no good mirror")
	}
	for _, want := range []string{
		href + ": all 2 mirrors failed",
		missing.URL + "/" + href + ": HTTP 404",
		corrupt.URL + "/" + href + ": checksum mismatch: expected sha256:" + sha256Of(content) + ", got sha256:" + sha256Of(wrong),
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
	if files := cacheFiles(t, f.CacheDir); len(files) != 0 {
		t.Errorf("cache holds %v after a failed download", files)
	}
}

func TestFileRetries(t *testing.T) {
	const href = "repodata/r-primary.xml.gz"
	content := testPayload(3000, 4)
	tests := []struct {
		retries  int
		wantOK   bool
		requests int32
	}{
		{retries: 0, wantOK: true, requests: 3}, // default 3 retries: two failures, then success
		{retries: 2, wantOK: true, requests: 3},
		{retries: 1, wantOK: false, requests: 2},
		{retries: -1, wantOK: false, requests: 1},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint("retries=", tt.retries), func(t *testing.T) {
			var calls atomic.Int32
			srv := newCountingServer(t, func(w http.ResponseWriter, r *http.Request) {
				if calls.Add(1) <= 2 {
					http.Error(w, "busy", http.StatusServiceUnavailable)
					return
				}
				w.Write(content)
			})
			f, log := newTestFetcher(t)
			f.Retries = tt.retries
			_, err := f.File(context.Background(), "r", []string{srv.URL}, dataFileOf(href, content))
			if (err == nil) != tt.wantOK {
				t.Fatalf("File error %v, want success %v\nlog:\n%s", err, tt.wantOK, log)
			}
			if err != nil && !strings.Contains(err.Error(), "HTTP 503 Service Unavailable") {
				t.Errorf("error does not name the failure: %v", err)
			}
			if n := srv.requests.Load(); n != tt.requests {
				t.Errorf("%d requests, want %d", n, tt.requests)
			}
			assertCacheClean(t, f.CacheDir)
		})
	}
}

func TestFileCacheReuse(t *testing.T) {
	const href = "repodata/c-primary.xml.gz"
	content := testPayload(20_000, 5)
	srv := newCountingServer(t, serveFiles(map[string][]byte{"/" + href: content}))
	f, _ := newTestFetcher(t)
	df := dataFileOf(href, content)
	ctx := context.Background()

	first, err := f.File(ctx, "c", []string{srv.URL}, df)
	if err != nil {
		t.Fatal(err)
	}
	second, err := f.File(ctx, "c", []string{srv.URL}, df)
	if err != nil {
		t.Fatal(err)
	}
	if first != second || srv.requests.Load() != 1 {
		t.Fatalf("second File: %s after %s with %d requests, want the cached copy and 1 request", second, first, srv.requests.Load())
	}

	// A cached file damaged afterwards (here truncated) is fetched again.
	if err := os.Truncate(first, 10); err != nil {
		t.Fatal(err)
	}
	if _, err := f.File(ctx, "c", []string{srv.URL}, df); err != nil {
		t.Fatal(err)
	}
	if data, _ := os.ReadFile(first); !bytes.Equal(data, content) || srv.requests.Load() != 2 {
		t.Errorf("truncated cache entry not replaced (%d bytes, %d requests)", len(data), srv.requests.Load())
	}
	assertCacheClean(t, f.CacheDir)
}

func TestFileCacheOnly(t *testing.T) {
	const href = "repodata/o-primary.xml.gz"
	content := testPayload(4000, 6)
	srv := newCountingServer(t, serveFiles(map[string][]byte{"/" + href: content}))
	f, _ := newTestFetcher(t)
	df := dataFileOf(href, content)
	ctx := context.Background()
	mirrors := []string{srv.URL, srv.URL + "/other"}

	f.CacheOnly = true
	_, err := f.File(ctx, "o", mirrors, df)
	if err == nil || !strings.Contains(err.Error(), href+": not cached") || !strings.Contains(err.Error(), "cache-only") {
		t.Fatalf("cache-only File before any fetch: %v, want an error naming %s", err, href)
	}
	if strings.Contains(err.Error(), "mirrors failed") {
		t.Errorf("offline, every remote mirror stands for the same cache: say so once, not per mirror:\n%v", err)
	}
	if srv.requests.Load() != 0 {
		t.Fatal("cache-only File used the network")
	}

	f.CacheOnly = false
	online, err := f.File(ctx, "o", mirrors, df)
	if err != nil {
		t.Fatal(err)
	}
	srv.Close()
	f.CacheOnly = true
	offline, err := f.File(ctx, "o", mirrors, df)
	if err != nil || offline != online {
		t.Fatalf("cache-only File after a fetch: %q, %v; want %q", offline, err, online)
	}

	noCache := &Fetcher{CacheOnly: true}
	defer noCache.Close()
	if _, err := noCache.File(ctx, "o", mirrors, df); err == nil || !strings.Contains(err.Error(), "needs a cache directory") {
		t.Errorf("cache-only without CacheDir: %v", err)
	}
}

// localRepo writes files into a temporary repository directory.
func localRepo(t *testing.T, files map[string][]byte) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, content, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestFileLocal(t *testing.T) {
	const href = "repodata/l-primary.xml.gz"
	content := testPayload(7000, 8)
	df := dataFileOf(href, content)
	good := localRepo(t, map[string][]byte{href: content})
	damaged := localRepo(t, map[string][]byte{href: append(bytes.Clone(content[:6999]), 'x')})
	short := localRepo(t, map[string][]byte{href: content[:100]})
	parent, base := filepath.Split(good)
	t.Chdir(parent)

	want := filepath.Join(good, filepath.FromSlash(href))
	for _, mirror := range []string{good, good + "/", "file://" + good, "file://localhost" + good, base} {
		t.Run(mirror, func(t *testing.T) {
			f, log := newTestFetcher(t)
			got, err := f.File(context.Background(), "local", []string{damaged, short, mirror}, df)
			if err != nil {
				t.Fatal(err)
			}
			if abs, _ := filepath.Abs(got); abs != want {
				t.Errorf("path %s, want the file in place: %s", got, want)
			}
			for _, wantLog := range []string{
				filepath.Join(damaged, href) + ": checksum mismatch: expected sha256:" + df.Checksum.Hex,
				filepath.Join(short, href) + fmt.Sprintf(": size 100, repomd.xml says %d", len(content)),
			} {
				if !strings.Contains(log.String(), wantLog) {
					t.Errorf("log lacks %q:\n%s", wantLog, log)
				}
			}
			if files := cacheFiles(t, f.CacheDir); len(files) != 0 {
				t.Errorf("local file copied into the cache: %v", files)
			}
		})
	}
}

func TestFileBase(t *testing.T) {
	const href = "repodata/b-primary.xml.gz"
	content := testPayload(3000, 9)
	elsewhere := newCountingServer(t, serveFiles(map[string][]byte{"/pool/" + href: content}))
	mirror := newCountingServer(t, serveFiles(map[string][]byte{"/repo/sub/dir/" + href: content}))
	ctx := context.Background()

	t.Run("relative", func(t *testing.T) {
		f, _ := newTestFetcher(t)
		df := dataFileOf(href, content)
		df.Base = "sub/dir/"
		if _, err := f.File(ctx, "b", []string{mirror.URL + "/repo"}, df); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("URL", func(t *testing.T) {
		f, _ := newTestFetcher(t)
		df := dataFileOf(href, content)
		df.Base = elsewhere.URL + "/pool"
		before := mirror.requests.Load()
		if _, err := f.File(ctx, "b", []string{mirror.URL + "/repo"}, df); err != nil {
			t.Fatal(err)
		}
		if elsewhere.requests.Load() != 1 || mirror.requests.Load() != before {
			t.Errorf("an http xml:base must replace the mirrors")
		}
	})
}

func TestFileRejectsEscapes(t *testing.T) {
	content := []byte("secret")
	root := t.TempDir()
	repo := filepath.Join(root, "repo")
	if err := os.MkdirAll(filepath.Join(repo, "repodata"), 0o755); err != nil {
		t.Fatal(err)
	}
	// Files an escaping href could reach, with the right checksum so that
	// only the path check can stop them.
	for _, p := range []string{filepath.Join(root, "secret"), filepath.Join(repo, "secret")} {
		if err := os.WriteFile(p, content, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	srv := newCountingServer(t, func(w http.ResponseWriter, r *http.Request) { w.Write(content) })

	tests := []struct {
		name, repoID, href, base, wantErr string
	}{
		{name: "dotdot", href: "../secret", wantErr: `href "../secret" leaves the repository root`},
		{name: "inner dotdot", href: "repodata/../../secret", wantErr: "leaves the repository root"},
		{name: "backslash dotdot", href: `repodata\..\..\secret`, wantErr: "leaves the repository root"},
		{name: "absolute", href: filepath.Join(root, "secret"), wantErr: "is absolute"},
		{name: "URL href", href: "file:///etc/passwd", wantErr: "is a URL"},
		{name: "empty href", href: "", wantErr: "href is empty"},
		{name: "dotdot base", href: "secret", base: "../", wantErr: `xml:base "../" leaves the repository root`},
		{name: "absolute base", href: "secret", base: root, wantErr: "is absolute"},
		{name: "file base", href: "secret", base: "file://" + root, wantErr: "is a URL"},
		{name: "repo id dotdot", repoID: "..", href: "secret", wantErr: "cannot name a cache directory"},
		{name: "repo id path", repoID: "../../x", href: "secret", wantErr: "cannot name a cache directory"},
		{name: "repo id empty", repoID: "", href: "secret", wantErr: "cannot name a cache directory"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.repoID == "" && !strings.HasPrefix(tt.name, "repo id") {
				tt.repoID = "esc"
			}
			df := dataFileOf(tt.href, content)
			df.Base = tt.base
			for _, mirror := range []string{repo, srv.URL + "/repo"} {
				f, _ := newTestFetcher(t)
				got, err := f.File(context.Background(), tt.repoID, []string{mirror}, df)
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Errorf("mirror %s: File = %q, %v; want error %q", mirror, got, err, tt.wantErr)
				}
				if files := cacheFiles(t, f.CacheDir); len(files) != 0 {
					t.Errorf("mirror %s: cache holds %v", mirror, files)
				}
			}
			if n := srv.requests.Load(); n != 0 {
				t.Errorf("%d requests for a rejected path", n)
			}
		})
	}
	if entries, _ := os.ReadDir(root); len(entries) != 2 {
		t.Errorf("files written outside the cache: %v", entries)
	}
}

func TestFileProgress(t *testing.T) {
	const href = "repodata/p-primary.xml.gz"
	content := testPayload(50_000, 10)
	srv := newCountingServer(t, serveFiles(map[string][]byte{"/" + href: content}))
	f, _ := newTestFetcher(t)
	var counter progressCounter
	f.Progress = func(repoID, name string, total int64) io.Writer {
		if repoID != "p" {
			t.Errorf("progress for repo %q, want p", repoID)
		}
		counter.name, counter.total = name, total
		return &counter
	}
	if _, err := f.File(context.Background(), "p", []string{srv.URL}, dataFileOf(href, content)); err != nil {
		t.Fatal(err)
	}
	if counter.name != href || counter.total != int64(len(content)) || counter.bytes != int64(len(content)) || !counter.closed {
		t.Errorf("progress saw %+v, want name %s, total and bytes %d, closed", counter, href, len(content))
	}
}

type progressCounter struct {
	name   string
	total  int64
	bytes  int64
	closed bool
}

func (p *progressCounter) Write(b []byte) (int, error) { p.bytes += int64(len(b)); return len(b), nil }
func (p *progressCounter) Close() error                { p.closed = true; return nil }

func TestFileWithoutCacheDir(t *testing.T) {
	const href = "repodata/t-primary.xml.gz"
	content := testPayload(2000, 11)
	srv := newCountingServer(t, serveFiles(map[string][]byte{"/" + href: content}))
	f := &Fetcher{Backoff: time.Millisecond}
	got, err := f.File(context.Background(), "t", []string{srv.URL}, dataFileOf(href, content))
	if err != nil {
		t.Fatal(err)
	}
	if data, err := os.ReadFile(got); err != nil || !bytes.Equal(data, content) {
		t.Fatalf("downloaded copy: %v", err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(got); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Close left %s behind (%v)", got, err)
	}
}

func TestFileCancelled(t *testing.T) {
	const href = "repodata/x-primary.xml.gz"
	content := testPayload(1000, 12)
	srv := newCountingServer(t, serveFiles(map[string][]byte{"/" + href: content}))
	f, _ := newTestFetcher(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := f.File(ctx, "x", []string{srv.URL, srv.URL + "/"}, dataFileOf(href, content))
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("File with a cancelled context: %v", err)
	}
	if n := srv.requests.Load(); n != 0 {
		t.Errorf("%d requests after cancellation", n)
	}
}

func TestFileRejectsBadChecksum(t *testing.T) {
	f, _ := newTestFetcher(t)
	for _, c := range []Checksum{{}, {Type: "crc32", Hex: "00000000"}, {Type: "sha256", Hex: "../../etc"}, {Type: "sha256", Hex: "abcd"}} {
		df := DataFile{Href: "repodata/x.xml", Checksum: c}
		if _, err := f.File(context.Background(), "x", []string{"/nonexistent"}, df); err == nil {
			t.Errorf("checksum %+v accepted", c)
		}
	}
	if files := cacheFiles(t, f.CacheDir); len(files) != 0 {
		t.Errorf("cache holds %v", files)
	}
}

func TestMirrorJoin(t *testing.T) {
	tests := []struct{ mirror, href, want string }{
		{"http://h/repo", "repodata/repomd.xml", "http://h/repo/repodata/repomd.xml"},
		{"http://h/repo/", "repodata/repomd.xml", "http://h/repo/repodata/repomd.xml"},
		{"https://h/repo///", "repodata/repomd.xml", "https://h/repo/repodata/repomd.xml"},
		{"http://h", "repodata/repomd.xml", "http://h/repodata/repomd.xml"},
		{"http://h:8080/a%20b/", "Packages/l/libstdc++-11.rpm", "http://h:8080/a%20b/Packages/l/libstdc++-11.rpm"},
		{"http://h/r", "p/odd name#1?.rpm", "http://h/r/p/odd%20name%231%3F.rpm"},
		{"http://h/r?token=abc", "repodata/repomd.xml", "http://h/r/repodata/repomd.xml?token=abc"},
	}
	for _, tt := range tests {
		src, err := parseMirror(tt.mirror)
		if err != nil {
			t.Fatalf("%s: %v", tt.mirror, err)
		}
		if got := src.join(tt.href); got != tt.want {
			t.Errorf("join(%q, %q) = %q, want %q", tt.mirror, tt.href, got, tt.want)
		}
	}
}

func TestParseMirror(t *testing.T) {
	tests := []struct {
		in, local, wantErr string
		remote             bool
	}{
		{in: "https://mirror.example/fedora", remote: true},
		{in: "file:///srv/repo/", local: "/srv/repo"},
		{in: "file://localhost/srv/repo", local: "/srv/repo"},
		{in: "/srv/repo", local: "/srv/repo"},
		{in: "repos/base/", local: "repos/base"},
		{in: "", wantErr: "empty"},
		{in: "ftp://mirror/repo", wantErr: `unsupported scheme "ftp"`},
		{in: "file://otherhost/srv", wantErr: "names a host"},
		{in: "http:///path", wantErr: "no host"},
	}
	for _, tt := range tests {
		src, err := parseMirror(tt.in)
		switch {
		case tt.wantErr != "":
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("parseMirror(%q) error %v, want %q", tt.in, err, tt.wantErr)
			}
		case err != nil:
			t.Errorf("parseMirror(%q): %v", tt.in, err)
		case (src.url != nil) != tt.remote || src.path != tt.local:
			t.Errorf("parseMirror(%q) = remote %v, path %q; want remote %v, path %q", tt.in, src.url != nil, src.path, tt.remote, tt.local)
		}
	}
}

// repomdServer serves a repomd.xml with an ETag and a Last-Modified date,
// answering conditional requests as a real server would, and records the
// conditional headers it receives.
type repomdServer struct {
	*countingServer
	mu           sync.Mutex
	body         []byte
	etag         string
	lastModified time.Time
	useETag      bool
	noneMatch    []string
	modSince     []string
}

func newRepomdServer(t *testing.T, body []byte, useETag bool) *repomdServer {
	s := &repomdServer{body: body, useETag: useETag, lastModified: time.Date(2025, 1, 13, 10, 0, 0, 0, time.UTC)}
	s.etag = `"` + sha256Of(body)[:16] + `"`
	s.countingServer = newCountingServer(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/"+repomdHref {
			http.NotFound(w, r)
			return
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		s.noneMatch = append(s.noneMatch, r.Header.Get("If-None-Match"))
		s.modSince = append(s.modSince, r.Header.Get("If-Modified-Since"))
		if s.useETag {
			w.Header().Set("ETag", s.etag)
		} else {
			w.Header().Set("Last-Modified", s.lastModified.Format(http.TimeFormat))
		}
		// http.ServeContent implements both validators.
		http.ServeContent(w, r, "repomd.xml", s.lastModified, bytes.NewReader(s.body))
	})
	return s
}

func TestRepomdRevalidation(t *testing.T) {
	v1 := []byte("<repomd><revision>1</revision></repomd>\n")
	v2 := []byte("<repomd><revision>2</revision></repomd>\n")
	for _, useETag := range []bool{true, false} {
		t.Run(fmt.Sprint("etag=", useETag), func(t *testing.T) {
			srv := newRepomdServer(t, v1, useETag)
			f, _ := newTestFetcher(t)
			ctx := context.Background()

			body, mirror, err := f.Repomd(ctx, "r", []string{srv.URL}, nil)
			if err != nil || !bytes.Equal(body, v1) || mirror != srv.URL {
				t.Fatalf("first Repomd: %q from %q, %v", body, mirror, err)
			}
			body, _, err = f.Repomd(ctx, "r", []string{srv.URL}, nil)
			if err != nil || !bytes.Equal(body, v1) {
				t.Fatalf("second Repomd: %q, %v", body, err)
			}
			srv.mu.Lock()
			if useETag && srv.noneMatch[1] != srv.etag {
				t.Errorf("second request sent If-None-Match %q, want %q", srv.noneMatch[1], srv.etag)
			}
			// Last-Modified alone never makes a request conditional: a
			// repomd.xml replaced within its second must be seen.
			if srv.modSince[1] != "" {
				t.Errorf("second request sent If-Modified-Since %q", srv.modSince[1])
			}
			if srv.noneMatch[0] != "" || srv.modSince[0] != "" {
				t.Errorf("first request was conditional")
			}
			// A new revision is served in full and replaces the cache,
			// even with the same Last-Modified.
			srv.body = v2
			srv.etag = `"` + sha256Of(v2)[:16] + `"`
			srv.mu.Unlock()
			body, _, err = f.Repomd(ctx, "r", []string{srv.URL}, nil)
			if err != nil || !bytes.Equal(body, v2) {
				t.Fatalf("after a change: %q, %v", body, err)
			}
			f.CacheOnly = true
			if body, _, err = f.Repomd(ctx, "r", []string{srv.URL}, nil); err != nil || !bytes.Equal(body, v2) {
				t.Fatalf("cache-only after a change: %q, %v", body, err)
			}
			assertCacheClean(t, f.CacheDir)
		})
	}
}

func TestRepomdUses304(t *testing.T) {
	// The server answers 304 whenever it is asked conditionally: the body
	// must then come from the cache, not from the empty 304 response.
	v1 := []byte("<repomd><revision>7</revision></repomd>\n")
	var conditional atomic.Int32
	srv := newCountingServer(t, func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("If-None-Match") == `"v1"` {
			conditional.Add(1)
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("ETag", `"v1"`)
		w.Write(v1)
	})
	f, _ := newTestFetcher(t)
	for range 2 {
		body, _, err := f.Repomd(context.Background(), "r", []string{srv.URL}, nil)
		if err != nil || !bytes.Equal(body, v1) {
			t.Fatalf("Repomd: %q, %v", body, err)
		}
	}
	if conditional.Load() != 1 {
		t.Errorf("%d conditional requests, want 1", conditional.Load())
	}

	// Another server's 304 would vouch for a file it never served: it must
	// be asked without validators.
	other := []byte("<repomd><revision>8</revision></repomd>\n")
	otherSrv := newCountingServer(t, func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("If-None-Match") != "" || r.Header.Get("If-Modified-Since") != "" {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Write(other)
	})
	body, mirror, err := f.Repomd(context.Background(), "r", []string{otherSrv.URL}, nil)
	if err != nil || !bytes.Equal(body, other) || mirror != otherSrv.URL {
		t.Errorf("Repomd from another server: %q from %s, %v", body, mirror, err)
	}
}

func TestRepomdMetalinkChecksum(t *testing.T) {
	stale := []byte("<repomd><revision>1</revision></repomd>\n")
	fresh := []byte("<repomd><revision>2</revision></repomd>\n")
	staleSrv := newCountingServer(t, serveFiles(map[string][]byte{"/" + repomdHref: stale}))
	freshSrv := newCountingServer(t, serveFiles(map[string][]byte{"/" + repomdHref: fresh}))
	md5Stale := md5.Sum(stale)
	want := []Checksum{
		{Type: "sha256", Hex: sha256Of(fresh)},
		// A weaker digest matching the stale copy must not let it through.
		{Type: "md5", Hex: hex.EncodeToString(md5Stale[:])},
	}
	f, log := newTestFetcher(t)
	body, mirror, err := f.Repomd(context.Background(), "r", []string{staleSrv.URL, freshSrv.URL}, want)
	if err != nil || !bytes.Equal(body, fresh) || mirror != freshSrv.URL {
		t.Fatalf("Repomd: %q from %s, %v", body, mirror, err)
	}
	wantLog := fmt.Sprintf("%s/%s: checksum mismatch with the metalink: expected sha256:%s, got sha256:%s",
		staleSrv.URL, repomdHref, sha256Of(fresh), sha256Of(stale))
	if !strings.Contains(log.String(), wantLog) {
		t.Errorf("log lacks %q:\n%s", wantLog, log)
	}
	// The stale mirror serves an alternate the metalink still accepts.
	f2, _ := newTestFetcher(t)
	alternates := append(want, Checksum{Type: "sha256", Hex: sha256Of(stale)})
	if body, mirror, err := f2.Repomd(context.Background(), "r", []string{staleSrv.URL, freshSrv.URL}, alternates); err != nil || !bytes.Equal(body, stale) || mirror != staleSrv.URL {
		t.Errorf("alternate digest: %q from %s, %v", body, mirror, err)
	}
	// A cached copy the metalink no longer lists is not revalidated.
	f3, _ := newTestFetcher(t)
	if _, _, err := f3.Repomd(context.Background(), "r", []string{staleSrv.URL}, nil); err != nil {
		t.Fatal(err)
	}
	f3.CacheOnly = true
	if _, _, err := f3.Repomd(context.Background(), "r", []string{staleSrv.URL}, want); err == nil || !strings.Contains(err.Error(), "checksum mismatch with the metalink") {
		t.Errorf("cache-only with a stale cached repomd.xml: %v", err)
	}
}

func TestRepomdCacheOnly(t *testing.T) {
	body := []byte("<repomd/>\n")
	srv := newCountingServer(t, serveFiles(map[string][]byte{"/" + repomdHref: body}))
	f, _ := newTestFetcher(t)
	ctx := context.Background()
	mirrors := []string{srv.URL, srv.URL + "/x"}

	f.CacheOnly = true
	if _, _, err := f.Repomd(ctx, "r", mirrors, nil); err == nil || !strings.Contains(err.Error(), repomdHref+": not cached") {
		t.Fatalf("cache-only before a fetch: %v", err)
	}
	if srv.requests.Load() != 0 {
		t.Fatal("cache-only Repomd used the network")
	}
	f.CacheOnly = false
	if _, _, err := f.Repomd(ctx, "r", mirrors, nil); err != nil {
		t.Fatal(err)
	}
	srv.Close()
	f.CacheOnly = true
	got, mirror, err := f.Repomd(ctx, "r", mirrors, nil)
	if err != nil || !bytes.Equal(got, body) || mirror != srv.URL {
		t.Fatalf("cache-only after a fetch: %q from %q, %v", got, mirror, err)
	}
}

func TestRepomdLocal(t *testing.T) {
	body := []byte("<repomd><revision>3</revision></repomd>\n")
	dir := localRepo(t, map[string][]byte{repomdHref: body})
	f, _ := newTestFetcher(t)
	f.CacheOnly = true // a local repository needs no network
	got, mirror, err := f.Repomd(context.Background(), "l", []string{"/nonexistent/repo", "file://" + dir}, nil)
	if err != nil || !bytes.Equal(got, body) || mirror != "file://"+dir {
		t.Fatalf("Repomd: %q from %q, %v", got, mirror, err)
	}
	if files := cacheFiles(t, f.CacheDir); len(files) != 0 {
		t.Errorf("local repomd.xml cached: %v", files)
	}
	if _, _, err := f.Repomd(context.Background(), "../l", []string{dir}, nil); err == nil {
		t.Error("repo id with a path accepted")
	}
}

func TestMatchWant(t *testing.T) {
	body := []byte("repomd")
	md5Sum := md5.Sum(body)
	right256 := Checksum{Type: "sha256", Hex: sha256Of(body)}
	wrong256 := Checksum{Type: "sha256", Hex: sha256Of([]byte("other"))}
	rightMD5 := Checksum{Type: "md5", Hex: hex.EncodeToString(md5Sum[:])}
	tests := []struct {
		name string
		want []Checksum
		ok   bool
	}{
		{"none", nil, true},
		{"match", []Checksum{right256}, true},
		{"upper-case hex", []Checksum{{Type: "sha256", Hex: strings.ToUpper(right256.Hex)}}, true},
		{"alternate", []Checksum{wrong256, right256}, true},
		{"mismatch", []Checksum{wrong256}, false},
		{"weaker type does not count", []Checksum{rightMD5, wrong256}, false},
		{"only weak", []Checksum{rightMD5}, true},
		{"unknown type", []Checksum{{Type: "crc32", Hex: "00"}}, false},
	}
	for _, tt := range tests {
		if err := matchWant(body, tt.want, "x"); (err == nil) != tt.ok {
			t.Errorf("%s: matchWant = %v, want ok %v", tt.name, err, tt.ok)
		}
	}
}

// sharedRepoDir returns a repository of the project's real data; missing,
// the test is skipped locally and fails in CI.
func sharedRepoDir(t *testing.T, rel string) string {
	t.Helper()
	testenv.SharedData(t, rel, repomdHref)
	return testenv.SharedData(t, rel)
}

// TestFetchRealRepository fetches CentOS Stream 9 BaseOS metadata as
// published (see /work/shared/data/SOURCES.md) over HTTP and from disk. Its
// repomd.xml names an other.xml.gz that is absent: that fetch must fail
// cleanly on every mirror.
func TestFetchRealRepository(t *testing.T) {
	dir := sharedRepoDir(t, "cs9/baseos")
	srv := newCountingServer(t, http.FileServer(http.Dir(dir)).ServeHTTP)
	f, _ := newTestFetcher(t)
	ctx := context.Background()

	body, mirror, err := f.Repomd(ctx, "baseos", []string{srv.URL + "/"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	md, err := ParseRepomd(body, mirror+repomdHref)
	if err != nil {
		t.Fatal(err)
	}
	for _, typ := range []string{"primary", "filelists", "group_gz"} {
		df, ok := md.Find(typ)
		if !ok {
			t.Fatalf("repomd.xml has no %s", typ)
		}
		remote, err := f.File(ctx, "baseos", []string{mirror}, df)
		if err != nil {
			t.Fatal(err)
		}
		if want := df.Checksum.Type + "-" + df.Checksum.Hex + "-" + path.Base(df.Href); filepath.Base(remote) != want {
			t.Errorf("cached as %s, want %s", filepath.Base(remote), want)
		}
		local, err := f.File(ctx, "baseos", []string{dir}, df)
		if err != nil || local != filepath.Join(dir, df.Href) {
			t.Errorf("local %s: %s, %v", typ, local, err)
		}
	}
	other, ok := md.Find("other")
	if !ok {
		t.Fatal("repomd.xml has no other")
	}
	if _, err := f.File(ctx, "baseos", []string{dir, mirror}, other); err == nil || !strings.Contains(err.Error(), "all 2 mirrors failed") {
		t.Errorf("absent other.xml.gz: %v", err)
	}
	assertCacheClean(t, f.CacheDir)
}

func BenchmarkFileLocal(b *testing.B) {
	content := testPayload(8<<20, 13)
	const href = "repodata/bench-primary.xml.gz"
	dir := b.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "repodata"), 0o755); err != nil {
		b.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, href), content, 0o644); err != nil {
		b.Fatal(err)
	}
	f := &Fetcher{CacheDir: b.TempDir()}
	df := dataFileOf(href, content)
	b.SetBytes(int64(len(content)))
	for b.Loop() {
		if _, err := f.File(context.Background(), "bench", []string{dir}, df); err != nil {
			b.Fatal(err)
		}
	}
}
