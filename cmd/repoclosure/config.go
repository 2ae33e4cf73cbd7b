package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/repoclosure/repoclosure/repomd"
	"github.com/repoclosure/repoclosure/resolver"
	"github.com/repoclosure/repoclosure/resolver/modular"
)

// listFlag collects a repeatable flag; dnf also takes comma-separated lists.
type listFlag []string

func (l *listFlag) String() string { return strings.Join(*l, ",") }
func (l *listFlag) Set(v string) error {
	for _, s := range strings.FieldsFunc(v, func(r rune) bool { return r == ',' || r == ' ' }) {
		*l = append(*l, s)
	}
	return nil
}

// rawListFlag collects a repeatable flag without splitting its values.
type rawListFlag []string

func (l *rawListFlag) String() string     { return strings.Join(*l, " ") }
func (l *rawListFlag) Set(v string) error { *l = append(*l, v); return nil }

// repoFlags are dnf's options that choose and load repositories; every
// command that reads repositories shares them.
type repoFlags struct {
	repoFromPath rawListFlag
	repos        listFlag
	enable       listFlag
	disable      listFlag
	setopt       rawListFlag
	exclude      listFlag
	rpms         rawListFlag
	forceArch    string
	releasever   string
	cacheDir     string
	cacheOnly    bool
	quiet        bool
	noFilelists  bool
	rich         string
	alsoEnable   []string // repositories a command enables along with --repo (repoclosure's --check)
}

// newFlagSet starts a command's flags with the repository options every
// command shares.
func newFlagSet(name string, stderr io.Writer) (*flag.FlagSet, *repoFlags) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	rf := new(repoFlags)
	rf.register(fs)
	return fs, rf
}

func (f *repoFlags) register(fs *flag.FlagSet) {
	fs.Var(&f.repoFromPath, "repofrompath", "add a repository: `NAME,LOCATION` (URL, file:// or path; a folder of .rpm files works too)")
	fs.Var(&f.repos, "repo", "enable only these repositories (`ID`, globs; repeatable)")
	fs.Var(&f.repos, "repoid", "same as --repo")
	fs.Var(&f.enable, "enablerepo", "enable repositories (`ID` globs)")
	fs.Var(&f.disable, "disablerepo", "disable repositories (`ID` globs)")
	fs.Var(&f.setopt, "setopt", "set an option: reposdir=DIR, cachedir=DIR, best=True, REPO.excludepkgs=GLOBS, REPO.includepkgs=GLOBS, REPO.module_hotfixes=1 (`KEY=VALUE`)")
	fs.Var(&f.exclude, "exclude", "exclude packages by name or NEVRA `GLOB` (repeatable)")
	fs.Var(&f.exclude, "x", "same as --exclude")
	fs.Var(&f.rpms, "rpm", "add a local .rpm `FILE` to a repository named @commandline (repeatable)")
	fs.StringVar(&f.forceArch, "forcearch", "", "machine `ARCH` to resolve for (default: this machine's)")
	fs.StringVar(&f.releasever, "releasever", "", "value of $releasever in .repo files")
	fs.StringVar(&f.cacheDir, "cachedir", "", "metadata cache `DIR` (default $XDG_CACHE_HOME/repoclosure)")
	fs.BoolVar(&f.cacheOnly, "cacheonly", false, "use only cached metadata; never touch the network")
	fs.BoolVar(&f.cacheOnly, "C", false, "same as --cacheonly")
	fs.BoolVar(&f.quiet, "q", false, "quiet: no progress, no warnings")
	fs.BoolVar(&f.quiet, "quiet", false, "same as -q")
	fs.BoolVar(&f.noFilelists, "no-filelists", false, "do not read filelists.xml (file deps outside primary stay unresolved)")
	fs.StringVar(&f.rich, "rich", "exact", "boolean dependency semantics: `exact` (libsolv's solver, dnf5) or dnf4 (dnf 4's approximation)")
	// Accepted for command-line compatibility with dnf; they change nothing here.
	var ignoredStr string
	var ignoredBool bool
	for _, name := range []string{"installroot", "disableplugin", "enableplugin", "config", "c", "d", "debuglevel"} {
		fs.StringVar(&ignoredStr, name, "", "accepted for dnf compatibility; ignored")
	}
	for _, name := range []string{"y", "assumeyes", "nogpgcheck", "refresh"} {
		fs.BoolVar(&ignoredBool, name, false, "accepted for dnf compatibility; ignored")
	}
}

// setup is the outcome of repoFlags: the repositories to load and how.
type setup struct {
	sources  []repomd.Source
	excludes map[string][]string // repo id -> excludepkgs globs ("" = every repo)
	includes map[string][]string // repo id -> includepkgs globs
	best     bool
	rich     resolver.RichMode
	arch     string
	cacheDir string
}

// resolve turns the flags into repository sources, as dnf combines .repo
// files, --repofrompath, --repo, --enablerepo and --disablerepo.
func (f *repoFlags) resolve() (*setup, error) {
	s := &setup{excludes: map[string][]string{}, includes: map[string][]string{}}
	var err error
	if s.rich, err = parseRichMode(f.rich); err != nil {
		return nil, err
	}
	s.arch = f.forceArch
	if s.arch == "" {
		s.arch = hostArch()
	}
	reposdir := "/etc/yum.repos.d"
	s.cacheDir = f.cacheDir
	hotfixes := map[string]bool{}
	for _, kv := range f.setopt {
		key, val, ok := strings.Cut(kv, "=")
		if !ok {
			return nil, usageError{fmt.Errorf("--setopt %q: want KEY=VALUE", kv)}
		}
		// Repo ids may hold dots: the option is after the last one, as dnf splits it.
		repo, opt := "", key
		if i := strings.LastIndexByte(key, '.'); i >= 0 {
			repo, opt = key[:i], key[i+1:]
		}
		switch opt {
		case "reposdir":
			reposdir = val
		case "cachedir":
			s.cacheDir = val
		case "best":
			s.best = parseBool(val)
		case "excludepkgs", "exclude":
			s.excludes[repo] = append(s.excludes[repo], splitList(val)...)
		case "includepkgs":
			s.includes[repo] = append(s.includes[repo], splitList(val)...)
		case "module_hotfixes":
			hotfixes[repo] = parseBool(val)
		default:
			// dnf has hundreds of options; the ones that cannot change a
			// closure answer are accepted silently.
		}
	}
	s.excludes[""] = append(s.excludes[""], f.exclude...)

	vars := repomd.Vars{"basearch": repomd.BaseArch(s.arch), "arch": s.arch}
	if f.releasever != "" {
		vars["releasever"] = f.releasever
	}
	configs, err := repomd.LoadRepoDir(reposdir, vars)
	if err != nil {
		return nil, err
	}
	for _, rfp := range f.repoFromPath {
		id, loc, err := repomd.ParseRepoFromPath(rfp)
		if err != nil {
			return nil, usageError{err}
		}
		if !strings.Contains(loc, "://") {
			if abs, err := filepath.Abs(loc); err == nil {
				loc = abs
			}
		}
		configs = append(configs, repomd.RepoConfig{ID: id, Name: id, BaseURLs: []string{loc}, Enabled: true})
	}
	enabled := map[string]bool{}
	for _, c := range configs {
		enabled[c.ID] = c.Enabled
	}
	// dnf's --repo disables everything else; --disablerepo/--enablerepo then apply.
	if len(f.repos) > 0 {
		for id := range enabled {
			enabled[id] = matchAny(f.repos, id) || matchAny(f.alsoEnable, id)
		}
	}
	for id := range enabled {
		if matchAny(f.disable, id) {
			enabled[id] = false
		}
		if matchAny(f.enable, id) {
			enabled[id] = true
		}
	}
	for _, pat := range append(append(listFlag{}, f.repos...), f.enable...) {
		if !hasGlob(pat) && !hasKey(enabled, pat) {
			return nil, usageError{fmt.Errorf("unknown repo: %q", pat)}
		}
	}
	for _, c := range configs {
		if !enabled[c.ID] {
			continue
		}
		s.sources = append(s.sources, repomd.Source{
			ID: c.ID, BaseURLs: c.BaseURLs, Mirrorlist: c.Mirrorlist, Metalink: c.Metalink,
			ModuleHotfixes: c.ModuleHotfixes || hotfixes[c.ID],
		})
		s.excludes[c.ID] = append(s.excludes[c.ID], c.Exclude...)
		s.includes[c.ID] = append(s.includes[c.ID], c.Include...)
	}
	if s.cacheDir == "" {
		if d, err := os.UserCacheDir(); err == nil {
			s.cacheDir = filepath.Join(d, "repoclosure")
		}
	}
	return s, nil
}

// load reads every enabled repository (and --rpm files) into one string table.
func (f *repoFlags) load(ctx context.Context, s *setup) (*repomd.Strings, []*repomd.Repo, error) {
	strs := repomd.NewStrings()
	fetcher := &repomd.Fetcher{CacheDir: s.cacheDir, CacheOnly: f.cacheOnly}
	if !f.quiet {
		fetcher.Logf = func(format string, args ...any) { fmt.Fprintf(os.Stderr, format+"\n", args...) }
	}
	defer fetcher.Close()
	loader := &repomd.Loader{Fetcher: fetcher, Strings: strs, SkipFilelists: f.noFilelists}
	if bars := newProgress(os.Stderr, f.quiet); bars != nil {
		fetcher.Progress, loader.Progress = bars.bar, bars.bar
		defer bars.stop()
	}
	repos, err := loader.LoadAll(ctx, s.sources)
	if err != nil {
		return nil, nil, err
	}
	// Parsing leaves scratch buffers behind; collecting them now lets the
	// provides index reuse that memory instead of growing the heap (a few
	// MB of peak RSS on CS9 AppStream, measured).
	runtime.GC()
	if len(f.rpms) > 0 {
		cmdline := &repomd.Repo{ID: "@commandline", Strings: strs}
		for _, file := range f.rpms {
			pkg, err := repomd.ReadRPM(file, filepath.Base(file), strs)
			if err != nil {
				return nil, nil, err
			}
			cmdline.Packages = append(cmdline.Packages, pkg)
		}
		repos = append(repos, cmdline)
	}
	return strs, repos, nil
}

// exclude returns the pool's filter for excludepkgs/includepkgs.
func (s *setup) exclude(strs *repomd.Strings) func(*repomd.Repo, *repomd.Package) bool {
	global := s.excludes[""]
	return func(r *repomd.Repo, p *repomd.Package) bool {
		hit := func(globs []string) bool {
			for _, g := range globs {
				if resolver.MatchesSubject(strs, p, g) {
					return true
				}
			}
			return false
		}
		if hit(global) || hit(s.excludes[r.ID]) {
			return true
		}
		if inc := s.includes[r.ID]; len(inc) > 0 && !hit(inc) {
			return true
		}
		return false
	}
}

// poolOptions combines excludepkgs/includepkgs with dnf's modular filtering.
func (s *setup) poolOptions(strs *repomd.Strings, repos []*repomd.Repo) resolver.PoolOptions {
	mods := make(map[*repomd.Repo]*repomd.Modules)
	for _, r := range repos {
		if r.Modules != nil {
			mods[r] = r.Modules
		}
	}
	exclude := s.exclude(strs)
	if len(mods) > 0 {
		exclude = resolver.ComposeExcludes(exclude, modular.Excludes(strs, repos, mods, modular.Options{Arch: s.arch}))
	}
	return resolver.PoolOptions{Arch: s.arch, Exclude: exclude, Rich: s.rich}
}

func parseRichMode(s string) (resolver.RichMode, error) {
	switch s {
	case "exact", "dnf5":
		return resolver.RichExact, nil
	case "dnf4":
		return resolver.RichDNF4, nil
	}
	return 0, usageError{fmt.Errorf("--rich=%s: want exact or dnf4", s)}
}

func globMatch(pattern, s string) bool {
	ok, err := path.Match(pattern, s)
	return err == nil && ok
}

func matchAny(globs []string, s string) bool {
	for _, g := range globs {
		if globMatch(g, s) {
			return true
		}
	}
	return false
}

func hasGlob(s string) bool { return strings.ContainsAny(s, "*?[") }

func hasKey(m map[string]bool, k string) bool { _, ok := m[k]; return ok }

func splitList(v string) []string {
	return strings.FieldsFunc(v, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' || r == '\n' })
}

func parseBool(v string) bool {
	switch strings.ToLower(v) {
	case "1", "yes", "true", "on":
		return true
	}
	return false
}

// hostArch maps Go's GOARCH to rpm's arch names.
func hostArch() string {
	switch runtime.GOARCH {
	case "amd64":
		return "x86_64"
	case "386":
		return "i686"
	case "arm64":
		return "aarch64"
	case "ppc64le":
		return "ppc64le"
	case "s390x":
		return "s390x"
	}
	return runtime.GOARCH
}
