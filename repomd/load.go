package repomd

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
)

// A metadata file decompresses to at most maxOpenRatio times its
// compressed size (and at least minOpenLimit), whatever open-size
// repomd.xml declares: real metadata compresses 8 to 15 times (CS9), and a
// bomb (a 1.8 MB zst declaring 20 GiB) is stopped after a few hundred MB.
// Since every package costs a bounded multiple of its XML bytes, this also
// bounds memory.
const (
	maxOpenRatio = 100
	minOpenLimit = 64 << 20
)

// openLimit is the decompressed size allowed for df stored in size bytes:
// repomd.xml's open-size can lower the cap, never raise it.
func openLimit(df DataFile, size int64) int64 {
	limit := min(DefaultDecompressLimit, max(size*maxOpenRatio, minOpenLimit))
	if df.OpenSize > 0 {
		limit = min(limit, df.OpenSize)
	}
	return limit
}

// MaxPackages bounds the packages of one primary.xml: ten times the largest
// real repositories (Fedora's 80,000), so that a small file of tiny
// packages (16 million in a 1.6 MB gz) cannot take gigabytes: a loaded
// package costs about a kilobyte.
const MaxPackages = 1 << 20

// maxParallelLoads bounds how many repositories load at once: each holds
// decompression and parse buffers, and 1,000 local repositories loaded
// together took 3.6 GB.
const maxParallelLoads = 4

// Source says where one repository is, as a .repo section or --repofrompath
// names it.
type Source struct {
	ID             string
	BaseURLs       []string // tried in order; http(s)://, file:// or a path
	Mirrorlist     string
	Metalink       string
	ModuleHotfixes bool
	HTTP           RepoHTTP // TLS and proxy options of the repository
}

// Loader loads repositories into records that share one Strings table.
type Loader struct {
	Fetcher *Fetcher
	Strings *Strings
	// SkipFilelists leaves filelists.xml unread: file deps outside primary's
	// files then cannot resolve. dnf always reads filelists for repoclosure.
	SkipFilelists bool
	// RequiredFilesOnly keeps, of filelists.xml, only the paths that a
	// dependency of the loaded packages names, as libsolv adds file
	// provides only for required paths: the rest (BaseOS lists 93,618
	// files, of which 202 are ever required) cost memory and interning
	// for nothing. LoadAll then reads every primary before any filelists.
	// Callers that show files, or add packages after LoadAll, leave it off.
	RequiredFilesOnly bool
	// SnapshotDir, if set, holds a snapshot of what LoadAll loaded (strings
	// and records), keyed by every repomd.xml, the options above and the
	// program's build. A later LoadAll with the same key, into an empty
	// Strings, reads it back instead of parsing; a snapshot that is stale,
	// damaged or unreadable is ignored and rewritten.
	SnapshotDir string
	// SnapshotInBackground lets LoadAll return while it writes the
	// snapshot, which then costs a cold run no time on a second core; Wait
	// waits for the write, and must be called before the process exits
	// (else the write is lost and a temporary file left behind). The
	// caller may read the records, and intern more strings, meanwhile.
	SnapshotInBackground bool
	// Progress, if set, is called before each metadata file is parsed with
	// the repository id, the file's name ("parse " and its href) and
	// compressed size; the compressed bytes are copied to the
	// writer it returns as parsing consumes them (closed after, if an
	// io.Closer). The Fetcher's own hook covers downloads.
	Progress func(repoID, name string, total int64) io.Writer

	writing      sync.WaitGroup // snapshot writes in the background
	fromSnapshot bool
}

// FromSnapshot reports whether the last LoadAll read the repositories back
// from their snapshot instead of parsing metadata.
func (l *Loader) FromSnapshot() bool {
	return l.fromSnapshot
}

// Wait waits until the snapshots that LoadAll writes in the background
// (SnapshotInBackground) are on disk, or given up.
func (l *Loader) Wait() {
	l.writing.Wait()
}

// Load fetches, verifies and parses one repository. A local folder without
// repodata/repomd.xml is read as a folder of .rpm files.
func (l *Loader) Load(ctx context.Context, src Source) (*Repo, error) {
	md, err := l.repomd(ctx, src)
	if err != nil {
		return nil, repoError(src, err)
	}
	repo, files, err := l.loadPrimary(ctx, src, md)
	if err != nil {
		return nil, repoError(src, err)
	}
	var keep func([]byte) bool
	if l.RequiredFilesOnly {
		keep = requiredPaths([]*Repo{repo})
	}
	if err := l.finish(repo, files, keep); err != nil {
		return nil, repoError(src, err)
	}
	return repo, nil
}

// repoError names the repository a loading error comes from.
func repoError(src Source, err error) error {
	return fmt.Errorf("repo %s: %w", src.ID, err)
}

// fetchedRepomd is a repository's verified repomd.xml, or, for a local folder
// of .rpm files, its path.
type fetchedRepomd struct {
	rpmDir  string
	sum     [32]byte // SHA-256 of repomd.xml as fetched: the snapshot key's and Fetched.Checksum's
	md      *RepoMD
	mdName  string
	mirrors []string // the mirror that answered first
}

// repomd fetches and verifies src's repomd.xml.
func (l *Loader) repomd(ctx context.Context, src Source) (*fetchedRepomd, error) {
	if dir, ok := localRPMDir(src); ok {
		return &fetchedRepomd{rpmDir: dir}, nil
	}
	if err := l.Fetcher.SetRepoHTTP(src.ID, src.HTTP); err != nil {
		return nil, err
	}
	mirrors, want, err := l.Fetcher.ResolveMirrors(ctx, src.ID, src.BaseURLs, src.Mirrorlist, src.Metalink)
	if err != nil {
		return nil, err
	}
	body, mirror, err := l.Fetcher.Repomd(ctx, src.ID, mirrors, want)
	if err != nil {
		return nil, err
	}
	mdName := joinURL(mirror, "repodata/repomd.xml")
	md, err := ParseRepomd(body, mdName)
	if err != nil {
		return nil, err
	}
	// The mirror that answered goes first for the files it describes.
	mirrors = append([]string{mirror}, removeString(mirrors, mirror)...)
	return &fetchedRepomd{sum: sha256.Sum256(body), md: md, mdName: mdName, mirrors: mirrors}, nil
}

// loadPrimary parses a repository's primary and modules; files, unless nil,
// reads its filelists when called with the paths to keep (nil for all).
func (l *Loader) loadPrimary(ctx context.Context, src Source, f *fetchedRepomd) (repo *Repo, files func(keep func([]byte) bool) error, err error) {
	if f.rpmDir != "" {
		repo, err := ReadRPMDir(ctx, src.ID, f.rpmDir, l.Strings)
		if err != nil {
			return nil, nil, err
		}
		if len(repo.Packages) == 0 {
			// A typo'd or empty folder must not read as a closed repository.
			return nil, nil, fmt.Errorf("%s has neither repodata/repomd.xml nor .rpm files", f.rpmDir)
		}
		repo.ModuleHotfixes = src.ModuleHotfixes
		return repo, nil, nil
	}
	md, mdName, mirrors := f.md, f.mdName, f.mirrors
	primary, ok := md.Find("primary")
	if !ok {
		return nil, nil, fmt.Errorf("%s has no primary entry", mdName)
	}
	repo = &Repo{ID: src.ID, Strings: l.Strings, ModuleHotfixes: src.ModuleHotfixes}
	err = l.parseFile(ctx, src.ID, mirrors, primary, func(r io.Reader, name string) error {
		pkgs, err := ParsePrimary(r, name, l.Strings)
		repo.Packages = pkgs
		return err
	})
	if err != nil {
		return nil, nil, err
	}
	if modules, ok := md.Find("modules"); ok {
		err = l.parseFile(ctx, src.ID, mirrors, modules, func(r io.Reader, name string) (err error) {
			repo.Modules, err = ParseModules(r, name)
			return err
		})
		if err != nil {
			return nil, nil, err
		}
	}
	if filelists, ok := md.Find("filelists"); ok && !l.SkipFilelists {
		files = func(keep func([]byte) bool) error {
			err := l.parseFile(ctx, src.ID, mirrors, filelists, func(r io.Reader, name string) error {
				return parseFilelists(r, name, l.Strings, repo.Packages, keep)
			})
			if err != nil {
				return err
			}
			return nil
		}
	}
	return repo, files, nil
}

// finish reads repo's filelists, if any, keeping the paths keep accepts, and
// checks that the string table held everything loaded.
func (l *Loader) finish(repo *Repo, files func(keep func([]byte) bool) error, keep func([]byte) bool) error {
	if files != nil {
		if err := files(keep); err != nil {
			return err
		}
	}
	if l.Strings.Full() {
		return fmt.Errorf("more than %d distinct strings: too big to load", MaxIDs)
	}
	return nil
}

// requiredPaths returns a test for the file paths that some dependency of
// repos names: a dependency on a path, or a path inside a rich dependency.
// Every kind of dependency counts, so that nothing a caller may ask about a
// required path is lost.
func requiredPaths(repos []*Repo) func([]byte) bool {
	paths := map[string]struct{}{}
	var seen []bool // by name id
	for _, r := range repos {
		strs := r.Strings
		if n := strs.Len(); n > len(seen) {
			seen = append(seen, make([]bool, n-len(seen))...)
		}
		for i := range r.Packages {
			for _, d := range r.Packages[i].deps {
				if seen[d.Name] {
					continue
				}
				seen[d.Name] = true
				name := strs.String(d.Name)
				switch {
				case strings.HasPrefix(name, "/"):
					paths[name] = struct{}{}
				case strings.HasPrefix(name, "("):
					for _, f := range strings.FieldsFunc(name, func(c rune) bool { return c == ' ' || c == '(' || c == ')' }) {
						if strings.HasPrefix(f, "/") {
							paths[f] = struct{}{}
						}
					}
				}
			}
		}
	}
	return func(path []byte) bool {
		_, ok := paths[string(path)]
		return ok
	}
}

// parseFile gets a verified local copy of df and hands its decompressed
// content to parse.
func (l *Loader) parseFile(ctx context.Context, repoID string, mirrors []string, df DataFile, parse func(io.Reader, string) error) error {
	path, err := l.Fetcher.File(ctx, repoID, mirrors, df)
	if err != nil {
		return err
	}
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return err
	}
	limit := openLimit(df, st.Size())
	name := joinURL(mirrors[0], df.Href)
	var src io.Reader = f
	if l.Progress != nil {
		if pw := l.Progress(repoID, "parse "+df.Href, df.Size); pw != nil {
			src = io.TeeReader(f, pw)
			if c, ok := pw.(io.Closer); ok {
				defer c.Close()
			}
		}
	}
	// File checked the checksum of the copy it returns, in this run.
	r, err := decompress(src, name, limit, true)
	if err != nil {
		return err
	}
	defer r.Close()
	err = parse(r, name)
	var pe *ParseError
	if errors.As(err, &pe) {
		// Damage in a compressed stream meets the parser first, as bad
		// XML or as the read error it wraps at some position; the codec's
		// own error (a CRC, a cut stream), found by reading on, says what
		// is wrong, and names the file once.
		if _, derr := io.Copy(io.Discard, r); derr != nil {
			return derr
		}
	}
	return err
}

// Fetched is one repository's repomd.xml as Revalidate fetched and verified
// it. LoadFetched reads the metadata files this repomd.xml lists, never a
// newer one, so a caller that records Checksum, Revision and Mirror records
// what was loaded even when a mirror publishes between the two.
type Fetched struct {
	Source Source
	// Mirror is the base URL of the mirror that served repomd.xml (for a
	// local folder of .rpm files, the folder as Source names it).
	Mirror string
	// Checksum is "sha256:HEX" of repomd.xml as served, and Revision its
	// <revision>; both "" for a folder of .rpm files, which has none.
	Checksum string
	Revision string

	repomd *fetchedRepomd
}

// Revalidate fetches and verifies every source's repomd.xml, a few at a
// time, and returns them in the order of sources: dnf's revalidation
// before a load. Every failure is returned, in source order.
func (l *Loader) Revalidate(ctx context.Context, sources []Source) ([]*Fetched, error) {
	out := make([]*Fetched, len(sources))
	err := eachSource(sources, func(i int) error {
		got, err := l.repomd(ctx, sources[i])
		if err != nil {
			return err
		}
		f := &Fetched{Source: sources[i], repomd: got}
		if got.rpmDir != "" {
			f.Mirror = sources[i].BaseURLs[0] // localRPMDir: the only one
		} else {
			f.Mirror, f.Checksum, f.Revision = got.mirrors[0], "sha256:"+hex.EncodeToString(got.sum[:]), got.md.Revision
		}
		out[i] = f
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// LoadAll loads sources, a few at a time, and returns the repos in the
// order of sources. Every failure is returned, in source order. With
// SnapshotDir set, an unchanged set of repositories is read back from its
// snapshot.
func (l *Loader) LoadAll(ctx context.Context, sources []Source) ([]*Repo, error) {
	fetched, err := l.Revalidate(ctx, sources)
	if err != nil {
		return nil, err
	}
	return l.LoadFetched(ctx, fetched)
}

// LoadFetched loads the repositories whose repomd.xml Revalidate fetched,
// as LoadAll does, from the files those repomd.xml list.
func (l *Loader) LoadFetched(ctx context.Context, fetched []*Fetched) ([]*Repo, error) {
	l.fromSnapshot = false
	sources := make([]Source, len(fetched))
	mds := make([]*fetchedRepomd, len(fetched))
	for i, f := range fetched {
		sources[i], mds[i] = f.Source, f.repomd
	}
	repos := make([]*Repo, len(sources))
	files := make([]func(func([]byte) bool) error, len(sources))
	snap := l.snapshotFor(sources, mds)
	if snap != nil {
		if repos, ok := snap.read(l.Strings); ok {
			l.fromSnapshot = true
			return repos, nil
		}
	}
	if l.RequiredFilesOnly {
		// Every primary first: a path stays when a package of any
		// repository requires it.
		err := eachSource(sources, func(i int) (err error) {
			repos[i], files[i], err = l.loadPrimary(ctx, sources[i], mds[i])
			return err
		})
		if err != nil {
			return nil, err
		}
		keep := requiredPaths(repos)
		if err := eachSource(sources, func(i int) error { return l.finish(repos[i], files[i], keep) }); err != nil {
			return nil, err
		}
	} else {
		err := eachSource(sources, func(i int) (err error) {
			if repos[i], files[i], err = l.loadPrimary(ctx, sources[i], mds[i]); err != nil {
				return err
			}
			return l.finish(repos[i], files[i], nil)
		})
		if err != nil {
			return nil, err
		}
	}
	if snap != nil {
		// The strings interned so far are the load's; a caller may intern
		// more while a background write runs.
		n := l.Strings.Len()
		if l.SnapshotInBackground {
			repos := slices.Clone(repos) // the caller's to change
			l.writing.Go(func() { snap.write(repos, n) })
		} else {
			snap.write(repos, n)
		}
	}
	return repos, nil
}

// eachSource runs f for every source, a few at a time, and joins the
// errors, each naming its repository, in source order.
func eachSource(sources []Source, f func(i int) error) error {
	errs := make([]error, len(sources))
	slots := make(chan struct{}, maxParallelLoads)
	var wg sync.WaitGroup
	for i := range sources {
		wg.Go(func() {
			slots <- struct{}{}
			defer func() { <-slots }()
			if err := f(i); err != nil {
				errs[i] = repoError(sources[i], err)
			}
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}

// localRPMDir reports whether src is a single local folder that has no
// repodata/repomd.xml, i.e. a folder of .rpm files.
func localRPMDir(src Source) (string, bool) {
	if len(src.BaseURLs) != 1 || src.Mirrorlist != "" || src.Metalink != "" {
		return "", false
	}
	dir, ok := LocalPath(src.BaseURLs[0])
	if !ok {
		return "", false
	}
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		return "", false
	}
	if _, err := os.Stat(filepath.Join(dir, "repodata", "repomd.xml")); err == nil {
		return "", false
	}
	return dir, true
}

// LocalPath returns the file-system path of a file:// URL or a plain path;
// ok is false for remote URLs.
func LocalPath(location string) (string, bool) {
	switch {
	case strings.HasPrefix(location, "file://"):
		return strings.TrimPrefix(location, "file://"), true
	case strings.Contains(location, "://"):
		return "", false
	}
	return location, true
}

func joinURL(base, href string) string {
	return strings.TrimRight(base, "/") + "/" + strings.TrimLeft(href, "/")
}

func removeString(list []string, s string) []string {
	var out []string
	for _, x := range list {
		if x != s {
			out = append(out, x)
		}
	}
	return out
}
