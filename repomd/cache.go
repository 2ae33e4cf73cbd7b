package repomd

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// The cache holds, per repository, <CacheDir>/<repoID>/:
//   - <type>-<hex>-<basename>: metadata files, content addressed, so that
//     every revision's files coexist and a name always means verified bytes;
//   - repomd.xml and repomd.xml.json (where it came from and its ETag,
//     for revalidation);
//   - metalink.xml or mirrorlist.txt, for CacheOnly runs.
//
// Every file is written to a temporary name in the same directory and renamed
// into place once complete, so no reader ever sees half a file.

// maxCacheNameLen is the longest file name Linux file systems accept.
const maxCacheNameLen = 255

// tempPrefix starts the names of files being written; a leftover one is
// never mistaken for a cached file.
const tempPrefix = ".part-"

// cacheRoot returns CacheDir, or the Fetcher's private temporary directory
// (created on first use) when CacheDir is empty.
func (f *Fetcher) cacheRoot() (string, error) {
	if f.CacheDir != "" {
		return f.CacheDir, nil
	}
	f.tempMu.Lock()
	defer f.tempMu.Unlock()
	if f.tempDir == "" {
		dir, err := os.MkdirTemp("", "repoclosure-")
		if err != nil {
			return "", fmt.Errorf("creating a download directory: %w", err)
		}
		f.tempDir = dir
	}
	return f.tempDir, nil
}

// cachePath returns <root>/<repoID>/<name>, refusing any repoID or name that
// would put the file anywhere else.
func cachePath(root, repoID, name string) (string, error) {
	if !isPathElement(repoID) || !isPathElement(name) {
		return "", fmt.Errorf("repo %q, file %q: cache path would leave %s", repoID, name, root)
	}
	return filepath.Join(root, repoID, name), nil
}

// cacheEntry is cachePath for a file about to be read or written: the
// repository's cache directory must be a real directory. One that is a
// symlink is removed, not followed, as a symlinked entry is: the cache holds
// only what was verified into it, and a link would send downloads, reads and
// removals somewhere else. os.Remove removes the link, not its target.
func (f *Fetcher) cacheEntry(root, repoID, name string) (string, error) {
	p, err := cachePath(root, repoID, name)
	if err != nil {
		return "", err
	}
	dir := filepath.Dir(p)
	st, err := os.Lstat(dir)
	if err != nil || st.IsDir() {
		return p, nil // a missing directory is created by the writer
	}
	what := "not a directory"
	if st.Mode()&fs.ModeSymlink != 0 {
		what = "a symbolic link"
	}
	f.logf("repo %s: cache directory %s is %s; removing it", repoID, dir, what)
	if err := os.Remove(dir); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return "", fmt.Errorf("repo %s: cache directory %s is %s, and removing it failed: %w", repoID, dir, what, err)
	}
	return p, nil
}

// checkCacheID rejects a repository id that cannot name a cache directory.
func checkCacheID(repoID string) error {
	if !isPathElement(repoID) {
		return fmt.Errorf("repo id %q cannot name a cache directory", repoID)
	}
	return nil
}

// isPathElement reports whether s names exactly one entry inside a directory.
func isPathElement(s string) bool {
	return s != "" && s != "." && s != ".." && !strings.ContainsAny(s, "/\\\x00")
}

// contentName returns the content-addressed cache name of df:
// <type>-<hex>-<basename of href>. The basename is shortened from the front
// if the name would exceed what a file system accepts.
func contentName(df DataFile, href string) (string, error) {
	h, err := df.Checksum.NewHash()
	if err != nil {
		return "", err
	}
	digest := strings.ToLower(df.Checksum.Hex)
	if _, err := hex.DecodeString(digest); err != nil || len(digest) != 2*h.Size() {
		return "", fmt.Errorf("%s checksum %q is not %d hex digits", df.Checksum.Type, df.Checksum.Hex, 2*h.Size())
	}
	prefix := df.Checksum.Type + "-" + digest + "-"
	base := path.Base(href)
	if over := len(prefix) + len(base) - maxCacheNameLen; over > 0 {
		base = base[over:]
	}
	return prefix + base, nil
}

// verifyCached checks a cache entry against df before it is used: a regular
// file (a symlink is not followed: the cache holds only what was verified
// into it), of the expected size and checksum. Damage after the file got
// its name (truncation, a same-size rewrite, a disk error) is caught here,
// not reported as a closed repository.
func verifyCached(p string, df DataFile) error {
	fh, err := openNoFollow(p)
	if err != nil {
		return err
	}
	defer fh.Close()
	return verifyOpen(fh, p, df)
}

// openNoFollow opens a cache file for reading, refusing a symlink and
// anything but a regular file.
func openNoFollow(p string) (*os.File, error) {
	fh, err := os.OpenFile(p, os.O_RDONLY|syscall.O_NOFOLLOW|syscall.O_NONBLOCK, 0)
	if err != nil {
		if errors.Is(err, syscall.ELOOP) {
			return nil, fmt.Errorf("%s is a symbolic link, not a cached file", p)
		}
		return nil, err
	}
	st, err := fh.Stat()
	if err == nil && !st.Mode().IsRegular() {
		err = fmt.Errorf("%s is not a regular file", p)
	}
	if err != nil {
		fh.Close()
		return nil, err
	}
	return fh, nil
}

// staleTempAge is how long a temporary file may go unwritten before it is
// taken for the leftover of a killed run: a live download writes at least
// once per stall timeout or is aborted.
const staleTempAge = 10 * time.Minute

// sweepTemp removes the stale temporary files of dir, once per Fetcher and
// directory. Fresh ones may belong to a concurrent run and stay.
func (f *Fetcher) sweepTemp(dir string) {
	if _, done := f.swept.LoadOrStore(dir, true); done {
		return
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, e := range entries {
		if !strings.HasPrefix(e.Name(), tempPrefix) {
			continue
		}
		if info, err := e.Info(); err == nil && time.Since(info.ModTime()) > staleTempAge {
			p := filepath.Join(dir, e.Name())
			if err := os.Remove(p); err != nil {
				f.logf("removing the leftover %s: %v", p, err)
			}
		}
	}
}

// writeFileAtomic writes data to p through a temporary file and a rename.
func writeFileAtomic(p string, data []byte) error {
	dir := filepath.Dir(p)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(dir, tempPrefix+"*")
	if err != nil {
		return err
	}
	_, err = tmp.Write(data)
	if err == nil {
		err = tmp.Sync()
	}
	if closeErr := tmp.Close(); err == nil {
		err = closeErr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), p)
	}
	if err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("writing %s: %w", p, err)
	}
	return nil
}

// storeCached keeps a small file (metalink, mirrorlist) in the cache.
func (f *Fetcher) storeCached(repoID, name string, data []byte) error {
	p, err := f.cacheEntry(f.CacheDir, repoID, name)
	if err != nil {
		return err
	}
	return writeFileAtomic(p, data)
}

// loadCached returns a small file from the cache, with an error naming it
// and the cache when it is not there.
func (f *Fetcher) loadCached(repoID, name string) ([]byte, error) {
	if f.CacheDir == "" {
		return nil, fmt.Errorf("%s: cache-only mode needs a cache directory", name)
	}
	p, err := f.cacheEntry(f.CacheDir, repoID, name)
	if err != nil {
		return nil, err
	}
	data, err := readCacheFile(p)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%s: not cached (no %s), and cache-only mode forbids the network", name, p)
	}
	return data, err
}

// repomdMeta records where the cached repomd.xml came from, for
// revalidation and for CacheOnly runs.
type repomdMeta struct {
	Mirror string `json:"mirror"`
	URL    string `json:"url"`
	ETag   string `json:"etag,omitempty"`
	// SHA256 of the body: the two files are not replaced together, so a
	// meta file that does not describe the body beside it is ignored.
	SHA256 string `json:"sha256"`
}

// cachedRepomd is a repomd.xml from the cache with what was recorded about it.
type cachedRepomd struct {
	body []byte
	meta repomdMeta
}

const (
	repomdCacheName = "repomd.xml"
	repomdMetaName  = "repomd.xml.json"
)

// loadRepomd returns the cached repomd.xml of repoID, or nil when there is
// none usable (no CacheDir, missing, or body and meta disagree).
func (f *Fetcher) loadRepomd(repoID string) *cachedRepomd {
	if f.CacheDir == "" {
		return nil
	}
	bodyPath, err := f.cacheEntry(f.CacheDir, repoID, repomdCacheName)
	if err != nil {
		return nil
	}
	body, err := readCacheFile(bodyPath)
	if err != nil {
		return nil
	}
	metaBytes, err := readCacheFile(filepath.Join(filepath.Dir(bodyPath), repomdMetaName))
	if err != nil {
		return nil
	}
	var meta repomdMeta
	if json.Unmarshal(metaBytes, &meta) != nil || meta.SHA256 != hexSHA256(body) {
		return nil
	}
	// Only a repomd.xml that parsed is stored, but an older version stored
	// anything: a copy that does not parse must not be revalidated into use.
	if _, err := ParseRepomd(body, bodyPath); err != nil {
		return nil
	}
	return &cachedRepomd{body: body, meta: meta}
}

// storeRepomd caches repomd.xml and what is known about it.
func (f *Fetcher) storeRepomd(repoID string, c *cachedRepomd) error {
	bodyPath, err := f.cacheEntry(f.CacheDir, repoID, repomdCacheName)
	if err != nil {
		return err
	}
	c.meta.SHA256 = hexSHA256(c.body)
	meta, err := json.MarshalIndent(c.meta, "", "  ")
	if err != nil {
		return err
	}
	if err := writeFileAtomic(bodyPath, c.body); err != nil {
		return err
	}
	return writeFileAtomic(filepath.Join(filepath.Dir(bodyPath), repomdMetaName), meta)
}

// readCacheFile reads a small cache file without following a symlink.
func readCacheFile(p string) ([]byte, error) {
	fh, err := openNoFollow(p)
	if err != nil {
		return nil, err
	}
	defer fh.Close()
	return readCapped(fh, p)
}

func hexSHA256(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}
