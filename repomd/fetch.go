package repomd

import (
	"cmp"
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// Fetcher downloads repository files from a list of mirrors with retries,
// verifies them and keeps them in a content-addressed cache. Set its fields
// before first use; it is then safe for concurrent use.
//
// A mirror is a repository base URL: http(s)://host/path, file:///abs/path,
// /abs/path or a path relative to the working directory.
type Fetcher struct {
	// Client does the HTTP requests. nil: a client with sane timeouts
	// (connect 10s, response header 30s).
	Client *http.Client
	// CacheDir holds downloads, e.g. $XDG_CACHE_HOME/repoclosure. "": no
	// cache; files go to a private temporary directory removed by Close.
	CacheDir string
	// CacheOnly forbids the network: files must be cached (or on a local
	// mirror), else the error names the file.
	CacheOnly bool
	// Retries is how many times a failing request is repeated on the same
	// mirror before the next one is tried: 0 means 3, negative means none.
	Retries int
	// Backoff is the wait before the first retry, doubled for each further
	// one. 0 means 200ms.
	Backoff time.Duration
	// Logf receives warnings (a mirror failed, a retry follows). nil: silent.
	Logf func(format string, args ...any)
	// Progress, if set, is called before each download with the repository
	// id, the file's name and expected size (-1 when unknown); the bytes
	// received are copied to the writer it returns, which is closed afterwards
	// if it is an io.Closer.
	Progress func(repoID, name string, total int64) io.Writer

	// MinRate and RateWindow are dnf's minrate and timeout: a download
	// that averages fewer than MinRate bytes per second over RateWindow is
	// aborted, so a mirror that drips bytes cannot hold a run. 0 means
	// dnf's defaults, 1000 bytes/s over 30s.
	MinRate    int64
	RateWindow time.Duration

	// stallTimeout aborts a request that receives nothing for this long
	// (0: defaultStallTimeout). http.Client has no such limit for bodies, and
	// a mirror that stops sending would otherwise hang a run.
	stallTimeout time.Duration
	// maxUnsized replaces maxUnsizedDownload when set (tests).
	maxUnsized int64

	clientOnce    sync.Once
	defaultClient *http.Client
	clientsMu     sync.Mutex
	clients       map[string]*http.Client // per repository, from SetRepoHTTP

	tempMu  sync.Mutex
	tempDir string // private download directory when CacheDir is ""

	swept sync.Map // cache directories already rid of stale temporary files
}

const (
	defaultRetries      = 3
	defaultBackoff      = 200 * time.Millisecond
	defaultStallTimeout = 60 * time.Second
	defaultMinRate      = 1000
	defaultRateWindow   = 30 * time.Second
	// maxUnsizedDownload caps a file whose size repomd.xml does not give:
	// far above any real metadata file (CS9 AppStream's largest is 10 MB).
	maxUnsizedDownload = 1 << 30
	// maxSmallFile bounds repomd.xml, metalinks and mirrorlists, which are a
	// few kilobytes in practice.
	maxSmallFile = 16 << 20
	repomdHref   = "repodata/repomd.xml"
	userAgent    = "repoclosure"
)

// Close removes the private download directory used when CacheDir is "";
// paths File returned from it become invalid.
func (f *Fetcher) Close() error {
	f.tempMu.Lock()
	defer f.tempMu.Unlock()
	if f.tempDir == "" {
		return nil
	}
	err := os.RemoveAll(f.tempDir)
	f.tempDir = ""
	return err
}

// Repomd returns repomd.xml's bytes from the first mirror that serves it, and
// that mirror's base URL. A cached copy from an earlier run is revalidated
// with its ETag at the URL it came from, and used on 304. With
// want checksums (from a metalink), a repomd.xml that does not match is
// rejected and the next mirror tried. Local mirrors are read directly, never
// cached.
func (f *Fetcher) Repomd(ctx context.Context, repoID string, mirrors []string, want []Checksum) (body []byte, mirror string, err error) {
	if err := checkCacheID(repoID); err != nil {
		return nil, "", err
	}
	cached := f.loadRepomd(repoID)
	// A cached copy the metalink no longer vouches for must not be
	// revalidated into use: ask for a full answer instead.
	cacheMatches := cached != nil && matchWant(cached.body, want, "") == nil
	roots := mirrors
	if f.CacheOnly {
		roots = offlineRoots(mirrors)
	}
	err = f.firstMirror(ctx, repoID, repomdHref, roots, func(m string) error {
		src, err := parseMirror(m)
		if err != nil {
			return err
		}
		if src.url == nil {
			b, err := readLocalRepomd(src.local(repomdHref), want)
			if err == nil {
				body, mirror = b, m
			}
			return err
		}
		if f.CacheOnly {
			switch {
			case cached == nil:
				return errors.New("not cached, and cache-only mode forbids the network")
			case !cacheMatches:
				return matchWant(cached.body, want, "cached "+repomdHref)
			}
			body, mirror = cached.body, cached.meta.Mirror
			return nil
		}
		u := src.join(repomdHref)
		// Validators only mean something to the server that issued them:
		// another one could answer 304 for a file that differs from ours.
		var prev *cachedRepomd
		if cacheMatches && cached.meta.URL == u {
			prev = cached
		}
		got, err := f.fetchRepomd(ctx, repoID, u, prev, want)
		if err != nil {
			return err
		}
		got.meta.Mirror = m
		if f.CacheDir != "" {
			if err := f.storeRepomd(repoID, got); err != nil {
				f.logf("repo %s: caching %s: %v", repoID, repomdHref, err)
			}
		}
		body, mirror = got.body, m
		return nil
	})
	return body, mirror, err
}

// readLocalRepomd reads the repomd.xml of a local mirror at p and checks it
// against the metalink's hashes, if any.
func readLocalRepomd(p string, want []Checksum) ([]byte, error) {
	b, err := readSmallFile(p)
	if err != nil {
		return nil, err
	}
	if err := matchWant(b, want, p); err != nil {
		return nil, err
	}
	return b, nil
}

// fetchRepomd downloads repomd.xml from u, conditionally when prev is set.
func (f *Fetcher) fetchRepomd(ctx context.Context, repoID, u string, prev *cachedRepomd, want []Checksum) (*cachedRepomd, error) {
	header := http.Header{}
	// Only an ETag revalidates: Last-Modified has one-second steps and
	// takes a repomd.xml replaced within the second, or by a copy with an
	// older time (a mirror synced back), for unchanged. Without an ETag
	// the few kilobytes come again, as dnf fetches them.
	if prev != nil && prev.meta.ETag != "" {
		header.Set("If-None-Match", prev.meta.ETag)
	}
	var got *cachedRepomd
	err := f.retry(ctx, func() error {
		return f.get(ctx, repoID, u, header, func(resp *http.Response, body io.Reader) error {
			if resp.StatusCode == http.StatusNotModified {
				got = &cachedRepomd{body: prev.body, meta: prev.meta}
				got.meta.URL = u
				return nil
			}
			b, err := readCapped(body, u)
			if err != nil {
				return err
			}
			if err := matchWant(b, want, u); err != nil {
				return permanentError{err}
			}
			// An error page served with 200 must not become the cached
			// copy that later runs revalidate and trust.
			if _, err := ParseRepomd(b, u); err != nil {
				return permanentError{err}
			}
			got = &cachedRepomd{body: b, meta: repomdMeta{
				URL:  u,
				ETag: resp.Header.Get("ETag"),
			}}
			return nil
		})
	})
	return got, err
}

// File returns the path of a local, verified copy of df: df.Href relative to
// the repository root, or to df.Base when set (a relative directory, or an
// http(s) URL that replaces the mirrors). Local mirrors are verified in place
// and not copied. Remote files are downloaded to a temporary file in the
// cache, checked against size and checksum, then renamed to
// <CacheDir>/<repoID>/<checksumtype>-<hex>-<basename>; a cached file of that
// name is reused after its size and checksum are checked again (a bad or
// symlinked entry, or a symlinked repository directory, is removed and
// fetched anew). A file that fails
// verification is removed and the next mirror tried; the error names the
// URL and the expected and actual checksums.
func (f *Fetcher) File(ctx context.Context, repoID string, mirrors []string, df DataFile) (string, error) {
	if err := checkCacheID(repoID); err != nil {
		return "", err
	}
	href, roots, err := resolveHref(df, mirrors)
	if err != nil {
		return "", err
	}
	name, err := contentName(df, href)
	if err != nil {
		return "", fmt.Errorf("%s: %w", href, err)
	}
	if f.CacheOnly {
		roots = offlineRoots(roots)
	}
	var dst, got string
	err = f.firstMirror(ctx, repoID, href, roots, func(m string) error {
		src, err := parseMirror(m)
		if err != nil {
			return err
		}
		if src.url == nil {
			p := src.local(href)
			if err := verifyLocal(p, df); err != nil {
				return err
			}
			got = p
			return nil
		}
		if f.CacheOnly && f.CacheDir == "" {
			return errors.New("cache-only mode needs a cache directory")
		}
		if dst == "" {
			root, err := f.cacheRoot()
			if err != nil {
				return err
			}
			if dst, err = f.cacheEntry(root, repoID, name); err != nil {
				return err
			}
			f.sweepTemp(filepath.Dir(dst))
			err = verifyCached(dst, df)
			if err == nil {
				got = dst
				return nil
			}
			if !errors.Is(err, fs.ErrNotExist) {
				// A bad entry is replaced, never trusted; os.Remove
				// removes a symlink, not its target.
				f.logf("repo %s: cached %v; removing it", repoID, err)
				if rmErr := os.Remove(dst); rmErr != nil && !errors.Is(rmErr, fs.ErrNotExist) {
					return fmt.Errorf("removing the bad cache entry: %w", rmErr)
				}
				if f.CacheOnly {
					return fmt.Errorf("cached copy is bad (%v), and cache-only mode forbids the network", err)
				}
			}
		}
		if f.CacheOnly {
			return fmt.Errorf("not cached (no %s), and cache-only mode forbids the network", dst)
		}
		u := src.join(href)
		if err := f.retry(ctx, func() error { return f.download(ctx, u, dst, repoID, href, df) }); err != nil {
			return err
		}
		got = dst
		return nil
	})
	return got, err
}

// resolveHref applies df.Base to df.Href, rejecting either when it would
// leave the repository root. A relative base is a directory under every
// mirror; an http(s) base is the only place to fetch from.
func resolveHref(df DataFile, mirrors []string) (href string, roots []string, err error) {
	if err := checkRelative(df.Href); err != nil {
		return "", nil, fmt.Errorf("href %w", err)
	}
	switch {
	case df.Base == "":
		return df.Href, mirrors, nil
	case isRemoteURL(df.Base):
		return df.Href, []string{df.Base}, nil
	}
	if err := checkRelative(df.Base); err != nil {
		return "", nil, fmt.Errorf("xml:base %w", err)
	}
	return path.Join(df.Base, df.Href), mirrors, nil
}

// download fetches u into the content-addressed dst, verifying size and
// checksum before the file gets its name.
func (f *Fetcher) download(ctx context.Context, u, dst, repoID, name string, df DataFile) error {
	return f.get(ctx, repoID, u, nil, func(resp *http.Response, body io.Reader) error {
		if df.Size > 0 && resp.ContentLength > df.Size {
			return permanentError{fmt.Errorf("%s: server announces %d bytes, repomd.xml says %d", u, resp.ContentLength, df.Size)}
		}
		h, err := df.Checksum.NewHash()
		if err != nil {
			return permanentError{err}
		}
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return permanentError{err}
		}
		tmp, err := os.CreateTemp(filepath.Dir(dst), tempPrefix+"*")
		if err != nil {
			return permanentError{err}
		}
		committed := false
		defer func() {
			if !committed {
				tmp.Close()
				os.Remove(tmp.Name())
			}
		}()
		w := io.MultiWriter(tmp, h)
		if f.Progress != nil {
			if pw := f.Progress(repoID, name, cmp.Or(df.Size, resp.ContentLength)); pw != nil {
				w = io.MultiWriter(w, pw)
				if c, ok := pw.(io.Closer); ok {
					defer c.Close()
				}
			}
		}
		if err := copySized(w, body, u, df.Size, cmp.Or(f.maxUnsized, maxUnsizedDownload)); err != nil {
			return err
		}
		if err := checkDigest(u, df.Checksum, h); err != nil {
			return permanentError{err}
		}
		if err := commitTemp(tmp, dst); err != nil {
			return permanentError{err}
		}
		committed = true
		return nil
	})
}

// copySized copies the body of u to w and checks that it is size bytes
// long, if size is known (> 0), else at most unsizedLimit bytes. Too long is
// a permanentError; too short may be a dropped connection, worth another try.
func copySized(w io.Writer, body io.Reader, u string, size, unsizedLimit int64) error {
	// One byte past the expected size is enough to know a server sends
	// too much, without reading the rest.
	limit := cmp.Or(size, unsizedLimit)
	n, err := io.Copy(w, io.LimitReader(body, limit+1))
	switch {
	case err != nil:
		return fmt.Errorf("%s: after %d bytes: %w", u, n, err)
	case size <= 0 && n > limit:
		return permanentError{fmt.Errorf("%s: larger than %d bytes, and repomd.xml gives no size", u, limit)}
	case size > 0 && n > size:
		return permanentError{fmt.Errorf("%s: server sends more than the %d bytes repomd.xml announces", u, size)}
	case size > 0 && n < size:
		return fmt.Errorf("%s: truncated: got %d of %d bytes", u, n, size)
	}
	return nil
}

// commitTemp syncs and closes tmp and renames it to dst.
func commitTemp(tmp *os.File, dst string) error {
	if err := tmp.Sync(); err != nil {
		return fmt.Errorf("writing %s: %w", tmp.Name(), err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("writing %s: %w", tmp.Name(), err)
	}
	return os.Rename(tmp.Name(), dst)
}

// verifyLocal checks a file of a local mirror against df's size and checksum.
func verifyLocal(p string, df DataFile) error {
	fh, err := os.Open(p)
	if err != nil {
		return err
	}
	defer fh.Close()
	return verifyOpen(fh, p, df)
}

// verifyOpen checks an open file against df's size and checksum.
func verifyOpen(fh *os.File, p string, df DataFile) error {
	st, err := fh.Stat()
	if err != nil {
		return err
	}
	if !st.Mode().IsRegular() {
		return fmt.Errorf("%s is not a regular file", p)
	}
	if df.Size > 0 && st.Size() != df.Size {
		return fmt.Errorf("%s: size %d, repomd.xml says %d", p, st.Size(), df.Size)
	}
	h, err := df.Checksum.NewHash()
	if err != nil {
		return err
	}
	if _, err := io.Copy(h, fh); err != nil {
		return fmt.Errorf("reading %s: %w", p, err)
	}
	return checkDigest(p, df.Checksum, h)
}

// checkDigest compares what h computed with want.
func checkDigest(where string, want Checksum, h hash.Hash) error {
	got := hex.EncodeToString(h.Sum(nil))
	if !strings.EqualFold(got, want.Hex) {
		return fmt.Errorf("%s: checksum mismatch: expected %s:%s, got %s:%s",
			where, want.Type, strings.ToLower(want.Hex), want.Type, got)
	}
	return nil
}

// matchWant checks body against a metalink's digests. Only the strongest
// type present counts (a matching md5 must not outvote a differing sha256);
// any digest of that type may match, since alternates list older versions.
func matchWant(body []byte, want []Checksum, where string) error {
	if len(want) == 0 {
		return nil
	}
	best := ""
	for _, c := range want {
		if checksumSize(c.Type) > checksumSize(best) {
			best = c.Type
		}
	}
	h, err := Checksum{Type: best}.NewHash()
	if err != nil {
		return fmt.Errorf("%s: no usable checksum type among the expected ones: %w", where, err)
	}
	h.Write(body)
	got := hex.EncodeToString(h.Sum(nil))
	var expected []string
	for _, c := range want {
		if c.Type != best {
			continue
		}
		if strings.EqualFold(c.Hex, got) {
			return nil
		}
		expected = append(expected, c.String())
	}
	return fmt.Errorf("%s: checksum mismatch with the metalink: expected %s, got %s:%s",
		where, strings.Join(expected, " or "), best, got)
}

// smallFile reads a metalink or mirrorlist from a URL or a local path.
// fromNetwork tells whether it was downloaded, and so is worth caching.
func (f *Fetcher) smallFile(ctx context.Context, repoID, location, cacheName string) (body []byte, fromNetwork bool, err error) {
	src, err := parseMirror(location)
	if err != nil {
		return nil, false, err
	}
	if src.url == nil {
		body, err = readSmallFile(src.path)
		return body, false, err
	}
	if f.CacheOnly {
		body, err = f.loadCached(repoID, cacheName)
		return body, false, err
	}
	err = f.retry(ctx, func() error {
		return f.get(ctx, repoID, location, nil, func(_ *http.Response, r io.Reader) error {
			body, err = readCapped(r, location)
			return err
		})
	})
	if err != nil {
		return nil, false, err
	}
	return body, true, nil
}

// permanentError marks a failure that repeating the request will not fix
// (HTTP 404, a wrong checksum): the next mirror is tried at once.
type permanentError struct{ error }

func (e permanentError) Unwrap() error { return e.error }

// retry runs attempt until it succeeds, fails permanently, or the retries
// are spent, waiting with exponential backoff in between.
func (f *Fetcher) retry(ctx context.Context, attempt func() error) error {
	retries := f.Retries
	switch {
	case retries == 0:
		retries = defaultRetries
	case retries < 0:
		retries = 0
	}
	wait := f.Backoff
	if wait <= 0 {
		wait = defaultBackoff
	}
	for try := 1; ; try++ {
		err := attempt()
		var permanent permanentError
		if err == nil || try > retries || errors.As(err, &permanent) || ctx.Err() != nil {
			return err
		}
		f.logf("%v; retrying in %v (attempt %d of %d)", err, wait, try+1, retries+1)
		timer := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			timer.Stop()
			return err
		case <-timer.C:
		}
		wait *= 2
	}
}

// firstMirror calls try with each mirror in turn until one succeeds. Failed
// mirrors are logged; when all fail, the error lists every mirror's failure.
// Errors name what was fetched but not the repository: callers add that.
func (f *Fetcher) firstMirror(ctx context.Context, repoID, what string, mirrors []string, try func(mirror string) error) error {
	if len(mirrors) == 0 {
		return fmt.Errorf("%s: no mirrors to fetch from", what)
	}
	var errs []error
	for i, m := range mirrors {
		err := try(m)
		if err == nil {
			return nil
		}
		if ctxErr := ctx.Err(); ctxErr != nil {
			return fmt.Errorf("%s: %w", what, ctxErr)
		}
		errs = append(errs, err)
		if i+1 < len(mirrors) {
			f.logf("repo %s: mirror %s failed: %v; trying next", repoID, m, err)
		}
	}
	if len(errs) == 1 {
		if strings.Contains(errs[0].Error(), what) {
			return errs[0] // it names the file at its mirror already
		}
		return fmt.Errorf("%s: %w", what, errs[0])
	}
	return fmt.Errorf("%s: all %d mirrors failed:\n%w", what, len(errs), errors.Join(errs...))
}

// get performs one GET of u and hands a 200 response (or a 304 answering a
// conditional header) to read. Other statuses are errors; 4xx ones but 408
// and 429 are permanent. The request is aborted when no byte arrives for
// the stall timeout.
func (f *Fetcher) get(ctx context.Context, repoID, u string, header http.Header, read func(resp *http.Response, body io.Reader) error) error {
	stall := cmp.Or(f.stallTimeout, defaultStallTimeout)
	reqCtx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	stalled := fmt.Errorf("%s: stalled: no data for %v", u, stall)
	timer := time.AfterFunc(stall, func() { cancel(stalled) })
	defer timer.Stop()

	req, err := http.NewRequestWithContext(reqCtx, http.MethodGet, u, nil)
	if err != nil {
		return permanentError{err}
	}
	for k, v := range header {
		req.Header[k] = v
	}
	req.Header.Set("User-Agent", userAgent)
	// Files are verified as stored: no transparent decompression.
	req.Header.Set("Accept-Encoding", "identity")
	client, err := f.clientFor(repoID)
	if err != nil {
		return permanentError{err}
	}
	resp, err := client.Do(req)
	if err != nil {
		if context.Cause(reqCtx) == stalled {
			return stalled
		}
		if isCertError(err) {
			// Another try meets the same certificate.
			return permanentError{err}
		}
		return err
	}
	defer resp.Body.Close()
	conditional := header.Get("If-None-Match") != "" || header.Get("If-Modified-Since") != ""
	if resp.StatusCode != http.StatusOK && (resp.StatusCode != http.StatusNotModified || !conditional) {
		err := fmt.Errorf("%s: HTTP %s", u, resp.Status)
		if resp.StatusCode >= 400 && resp.StatusCode < 500 &&
			resp.StatusCode != http.StatusRequestTimeout && resp.StatusCode != http.StatusTooManyRequests {
			return permanentError{err}
		}
		return err
	}
	err = read(resp, &stallReader{r: resp.Body, timer: timer, timeout: stall, url: u,
		minRate: cmp.Or(f.MinRate, defaultMinRate), window: cmp.Or(f.RateWindow, defaultRateWindow), start: time.Now()})
	if err != nil && context.Cause(reqCtx) == stalled {
		return stalled
	}
	return err
}

// stallReader restarts the stall timer whenever bytes arrive, and fails
// when fewer than minRate bytes per second arrived over a whole window
// (curl's low-speed limit, which dnf sets from minrate and timeout).
type stallReader struct {
	r       io.Reader
	timer   *time.Timer
	timeout time.Duration
	url     string
	minRate int64
	window  time.Duration
	start   time.Time // of the current window
	got     int64     // bytes in the current window
}

func (s *stallReader) Read(p []byte) (int, error) {
	n, err := s.r.Read(p)
	if n > 0 {
		s.timer.Reset(s.timeout)
	}
	s.got += int64(n)
	if elapsed := time.Since(s.start); elapsed >= s.window {
		if float64(s.got) < float64(s.minRate)*elapsed.Seconds() {
			return n, permanentError{fmt.Errorf("%s: too slow: %d bytes in %v, below the minimum rate of %d bytes/s",
				s.url, s.got, elapsed.Round(time.Millisecond), s.minRate)}
		}
		s.start, s.got = time.Now(), 0
	}
	return n, err
}

func (f *Fetcher) logf(format string, args ...any) {
	if f.Logf != nil {
		f.Logf(format, args...)
	}
}

// readCapped reads a small file's body, refusing more than maxSmallFile.
func readCapped(r io.Reader, name string) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, maxSmallFile+1))
	if err != nil {
		return nil, fmt.Errorf("%s: after %d bytes: %w", name, len(b), err)
	}
	if len(b) > maxSmallFile {
		return nil, permanentError{fmt.Errorf("%s: larger than %d bytes", name, maxSmallFile)}
	}
	return b, nil
}

// readSmallFile reads a local repomd.xml, metalink or mirrorlist. A missing
// file's error still matches fs.ErrNotExist.
func readSmallFile(p string) ([]byte, error) {
	fh, err := os.Open(p)
	if err != nil {
		return nil, err
	}
	defer fh.Close()
	return readCapped(fh, p)
}

// mirrorSource is a parsed mirror: a remote base URL or a local directory.
type mirrorSource struct {
	url  *url.URL // http or https; nil for a local mirror
	path string   // local directory (or file, for a mirror list)
}

// parseMirror accepts http(s)://host/path, file:///abs/path, /abs/path and
// relative/path (to the working directory).
func parseMirror(s string) (mirrorSource, error) {
	if s == "" {
		return mirrorSource{}, errors.New("empty mirror location")
	}
	if !strings.Contains(s, "://") {
		return mirrorSource{path: filepath.Clean(s)}, nil
	}
	u, err := url.Parse(s)
	if err != nil {
		return mirrorSource{}, err
	}
	switch u.Scheme {
	case "http", "https":
		if u.Host == "" {
			return mirrorSource{}, fmt.Errorf("%q: no host", s)
		}
		return mirrorSource{url: u}, nil
	case "file":
		if u.Host != "" && u.Host != "localhost" {
			return mirrorSource{}, fmt.Errorf("%q: file URL names a host", s)
		}
		if !strings.HasPrefix(u.Path, "/") {
			return mirrorSource{}, fmt.Errorf("%q: file URL without an absolute path", s)
		}
		return mirrorSource{path: filepath.Clean(u.Path)}, nil
	}
	return mirrorSource{}, fmt.Errorf("%q: unsupported scheme %q (want http, https or file)", s, u.Scheme)
}

// join returns the URL of href (already checked by checkRelative) under a
// remote mirror, with exactly one slash between them and href escaped.
func (s mirrorSource) join(href string) string {
	u := *s.url
	u.Path = strings.TrimRight(u.Path, "/") + "/" + href
	u.RawPath = ""
	return u.String()
}

// local returns the path of href under a local mirror.
func (s mirrorSource) local(href string) string {
	return filepath.Join(s.path, filepath.FromSlash(href))
}

// offlineRoots keeps the local mirrors and the first remote one: offline,
// every remote mirror stands for the same thing, the cache.
func offlineRoots(mirrors []string) []string {
	var out []string
	remote := false
	for _, m := range mirrors {
		if src, err := parseMirror(m); err == nil && src.url != nil {
			if remote {
				continue
			}
			remote = true
		}
		out = append(out, m)
	}
	return out
}

// isRemoteURL reports whether s is an http(s) URL with a host.
func isRemoteURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}

// checkRelative rejects a path that could leave the repository root: empty,
// absolute, a URL, or with ".." segments ('\' counts as a separator too,
// since some servers treat it as one).
func checkRelative(p string) error {
	switch {
	case p == "":
		return errors.New("is empty")
	case strings.ContainsRune(p, 0):
		return fmt.Errorf("%q contains a NUL byte", p)
	case strings.HasPrefix(p, "/") || strings.HasPrefix(p, `\`):
		return fmt.Errorf("%q is absolute, not relative to the repository root", p)
	}
	if i := strings.IndexByte(p, ':'); i > 0 && isURLScheme(p[:i]) {
		return fmt.Errorf("%q is a URL, not a path relative to the repository root", p)
	}
	for _, seg := range strings.FieldsFunc(p, func(r rune) bool { return r == '/' || r == '\\' }) {
		if seg == ".." {
			return fmt.Errorf("%q leaves the repository root", p)
		}
	}
	return nil
}

// isURLScheme reports whether s has the form of a URL scheme (RFC 3986).
func isURLScheme(s string) bool {
	for i, c := range s {
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z':
		case i > 0 && ('0' <= c && c <= '9' || c == '+' || c == '-' || c == '.'):
		default:
			return false
		}
	}
	return true
}
