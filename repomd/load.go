package repomd

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
)

// defaultOpenLimit caps a metadata file's decompressed size when repomd.xml
// gives no open-size: far above any real primary (AppStream's is 52 MB) and
// below what would exhaust memory.
const defaultOpenLimit = 4 << 30

// Source says where one repository is, as a .repo section or --repofrompath
// names it.
type Source struct {
	ID             string
	BaseURLs       []string // tried in order; http(s)://, file:// or a path
	Mirrorlist     string
	Metalink       string
	ModuleHotfixes bool
}

// Loader loads repositories into records that share one Strings table.
type Loader struct {
	Fetcher *Fetcher
	Strings *Strings
	// SkipFilelists leaves filelists.xml unread: file deps outside primary's
	// files then cannot resolve. dnf always reads filelists for repoclosure.
	SkipFilelists bool
	// Progress, if set, is called before each metadata file is parsed with
	// the repository id, the file's name ("parse " and its href) and
	// compressed size; the compressed bytes are copied to the
	// writer it returns as parsing consumes them (closed after, if an
	// io.Closer). The Fetcher's own hook covers downloads.
	Progress func(repoID, name string, total int64) io.Writer
}

// Load fetches, verifies and parses one repository. A local folder without
// repodata/repomd.xml is read as a folder of .rpm files.
func (l *Loader) Load(ctx context.Context, src Source) (*Repo, error) {
	var repo *Repo
	var err error
	if dir, ok := localRPMDir(src); ok {
		repo, err = ReadRPMDir(ctx, src.ID, dir, l.Strings)
	} else {
		repo, err = l.loadRepodata(ctx, src)
	}
	if err != nil {
		return nil, fmt.Errorf("repo %s: %w", src.ID, err)
	}
	repo.ModuleHotfixes = src.ModuleHotfixes
	return repo, nil
}

// loadRepodata fetches repomd.xml from src's mirrors and parses the files it
// lists.
func (l *Loader) loadRepodata(ctx context.Context, src Source) (*Repo, error) {
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
	primary, ok := md.Find("primary")
	if !ok {
		return nil, fmt.Errorf("%s has no primary entry", mdName)
	}
	// About one new string per 200 bytes of XML on real repositories
	// (CS9 AppStream: 52 MB, 240,000 strings).
	l.Strings.Reserve(int(primary.OpenSize / 200))
	repo := &Repo{ID: src.ID, Strings: l.Strings}
	err = l.parseFile(ctx, src.ID, mirrors, primary, func(r io.Reader, name string) error {
		pkgs, err := ParsePrimary(r, name, l.Strings)
		repo.Packages = pkgs
		return err
	})
	if err != nil {
		return nil, err
	}
	if filelists, ok := md.Find("filelists"); ok && !l.SkipFilelists {
		err = l.parseFile(ctx, src.ID, mirrors, filelists, func(r io.Reader, name string) error {
			return ParseFilelists(r, name, l.Strings, repo.Packages)
		})
		if err != nil {
			return nil, err
		}
	}
	if l.Strings.Full() {
		return nil, fmt.Errorf("more than %d distinct strings: too big to load", MaxIDs)
	}
	if modules, ok := md.Find("modules"); ok {
		err = l.parseFile(ctx, src.ID, mirrors, modules, func(r io.Reader, name string) (err error) {
			repo.Modules, err = ParseModules(r, name)
			return err
		})
		if err != nil {
			return nil, err
		}
	}
	return repo, nil
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
	limit := df.OpenSize
	if limit <= 0 {
		limit = defaultOpenLimit
	}
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
	r, err := Decompress(src, name, limit)
	if err != nil {
		return err
	}
	defer r.Close()
	return parse(r, name)
}

// LoadAll loads sources concurrently and returns the repos in the order of
// sources. The first error (by source order) is returned.
func (l *Loader) LoadAll(ctx context.Context, sources []Source) ([]*Repo, error) {
	repos := make([]*Repo, len(sources))
	errs := make([]error, len(sources))
	var wg sync.WaitGroup
	for i, src := range sources {
		wg.Add(1)
		go func() {
			defer wg.Done()
			repos[i], errs[i] = l.Load(ctx, src)
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return repos, nil
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
