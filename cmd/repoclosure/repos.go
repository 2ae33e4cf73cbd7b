package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"slices"
	"strings"
	"sync"

	"github.com/repoclosure/repoclosure/repomd"
	"github.com/repoclosure/repoclosure/resolver"
	"github.com/repoclosure/repoclosure/resolver/modular"
)

// setup is the outcome of repoFlags: the repositories to load and how.
type setup struct {
	sources      []repomd.Source
	excludes     map[string][]string    // repo id -> excludepkgs globs ("" = every repo)
	includes     map[string][]string    // repo id -> includepkgs globs
	hotfixes     map[string]bool        // repo id -> module_hotfixes from --setopt
	http         map[string][][2]string // repo id ("" = every repo) -> TLS/proxy options from --setopt, in order
	reposdirs    []string
	explicitDirs bool // reposdirs come from --setopt or --config, not the default
	best         bool
	rich         resolver.RichMode
	arch         string
	cacheDir     string
	check        []string // the repository ids --check names (globs expanded)
	missingDirs  []string // reposdirs that do not exist
	fromSnapshot bool     // the last load read a snapshot back (set by loadFetched)
	warnf        func(format string, args ...any)
}

// resolve turns the flags into repository sources, as dnf combines its
// configuration file, .repo files, --repofrompath, --repo, --enablerepo and
// --disablerepo. Warnings (unknown options, missing reposdirs) go to stderr.
func (f *repoFlags) resolve(stderr io.Writer) (*setup, error) {
	s := &setup{excludes: map[string][]string{}, includes: map[string][]string{}, hotfixes: map[string]bool{},
		http: map[string][][2]string{}, cacheDir: f.cacheDir, arch: f.forceArch,
		warnf: func(format string, args ...any) {
			if !f.quiet {
				fmt.Fprintf(stderr, "Warning: "+format+"\n", args...)
			}
		}}
	var err error
	if s.rich, err = parseRichMode(f.rich); err != nil {
		return nil, err
	}
	if s.arch == "" {
		s.arch = hostArch()
	}
	vars := repomd.Vars{"basearch": repomd.BaseArch(s.arch), "arch": s.arch}
	releasever := f.releasever
	if releasever == "" && f.installRoot != "" {
		releasever = repomd.ReleaseverFromRoot(f.installRoot)
	}
	if releasever != "" {
		vars["releasever"] = releasever
	}
	// dnf searches reposdir inside --installroot, but takes a path given on
	// the command line (--config, --setopt=reposdir) as it is.
	s.reposdirs = repomd.UnderRoot(f.installRoot, repomd.DefaultReposDirs)
	var mainRepos []repomd.RepoConfig
	if f.configFile != "" {
		mc, err := repomd.ReadMainConfig(f.configFile, vars)
		if err != nil {
			return nil, usageError{err}
		}
		if mc.ReposDirs != nil {
			s.reposdirs, s.explicitDirs = mc.ReposDirs, true
		}
		s.excludes[""] = append(s.excludes[""], mc.Exclude...)
		s.includes[""] = append(s.includes[""], mc.Include...)
		if mc.Best != nil {
			s.best = *mc.Best
		}
		mainRepos = mc.Repos
		for _, k := range mc.Unknown {
			s.warnf("%s: unknown option, ignored", k)
		}
	}
	if err := s.applySetopts(f.setopt); err != nil {
		return nil, err
	}
	s.excludes[""] = append(s.excludes[""], f.exclude...)
	configs, missingDirs, err := f.repoConfigs(s, vars, mainRepos)
	if err != nil {
		return nil, err
	}
	var ids []string
	for _, c := range configs {
		ids = append(ids, c.ID)
	}
	if len(f.rpms) > 0 {
		ids = append(ids, cmdlineRepo) // always loaded when --rpm is given
	}
	// --check accepts ids, globs and comma lists, as dnf5 does; one that
	// names no repository would check nothing.
	if s.check, err = repomd.MatchRepoIDs(f.alsoEnable, ids); err != nil {
		return nil, usageError{fmt.Errorf("--check: %w", err)}
	}
	enabled, err := f.enabled(configs, s.check)
	if err != nil {
		return nil, err
	}
	for _, id := range s.check {
		if !enabled[id] && id != cmdlineRepo {
			// Its packages would not be loaded, so none would be checked.
			return nil, usageError{fmt.Errorf("--check: repository '%s' is disabled (enable it with --enablerepo or --repo)", id)}
		}
	}
	for _, c := range configs {
		if !enabled[c.ID] {
			continue
		}
		if _, ok := vars["releasever"]; !ok {
			if err := c.CheckVarsSet(); err != nil {
				return nil, usageError{err}
			}
		}
		h := c.HTTP
		for _, kv := range append(slices.Clip(s.http[""]), s.http[c.ID]...) {
			if _, err := h.Set(kv[0], kv[1]); err != nil {
				return nil, usageError{fmt.Errorf("--setopt %s: %w", kv[0], err)}
			}
		}
		s.sources = append(s.sources, repomd.Source{
			ID: c.ID, BaseURLs: c.BaseURLs, Mirrorlist: c.Mirrorlist, Metalink: c.Metalink,
			ModuleHotfixes: c.ModuleHotfixes || s.hotfixes[c.ID], HTTP: h,
		})
		s.excludes[c.ID] = append(s.excludes[c.ID], c.Exclude...)
		s.includes[c.ID] = append(s.includes[c.ID], c.Include...)
	}
	s.missingDirs = missingDirs
	if s.cacheDir == "" {
		if d, err := os.UserCacheDir(); err == nil {
			s.cacheDir = filepath.Join(d, "repoclosure")
		}
	}
	return s, nil
}

// applySetopts applies --setopt KEY=VALUE and REPO.KEY=VALUE options.
func (s *setup) applySetopts(opts []string) error {
	for _, kv := range opts {
		key, val, ok := strings.Cut(kv, "=")
		if !ok {
			return usageError{fmt.Errorf("--setopt %q: want KEY=VALUE", kv)}
		}
		// Repo ids may hold dots: the option is after the last one, as dnf splits it.
		repo, opt := "", key
		if i := strings.LastIndexByte(key, '.'); i >= 0 {
			repo, opt = key[:i], key[i+1:]
		}
		switch opt {
		case "reposdir":
			s.reposdirs, s.explicitDirs = splitList(val), true
		case "cachedir":
			s.cacheDir = val
		case "best":
			s.best = parseBool(val)
		case "excludepkgs", "exclude":
			s.excludes[repo] = append(s.excludes[repo], splitList(val)...)
		case "includepkgs":
			s.includes[repo] = append(s.includes[repo], splitList(val)...)
		case "module_hotfixes":
			s.hotfixes[repo] = parseBool(val)
		case "sslverify", "sslcacert", "sslclientcert", "sslclientkey", "proxy":
			s.http[repo] = append(s.http[repo], [2]string{opt, val})
		default:
			// dnf has hundreds of options; the ones that cannot change a
			// closure answer are accepted silently, others named.
			if repo == "" && !repomd.IsMainOption(opt) || repo != "" && !repomd.IsRepoOption(opt) {
				s.warnf("--setopt %s: unknown option, ignored", key)
			}
		}
	}
	return nil
}

// repoConfigs reads the configuration file's repositories (mainRepos),
// the .repo files of the reposdirs, and adds --repofrompath. It returns the
// reposdirs that do not exist too.
func (f *repoFlags) repoConfigs(s *setup, vars repomd.Vars, mainRepos []repomd.RepoConfig) ([]repomd.RepoConfig, []string, error) {
	dirs, err := repomd.LoadRepoDirs(s.reposdirs, vars)
	if err != nil {
		return nil, nil, err
	}
	configs, dropped := repomd.DedupeIDs(append(mainRepos, dirs.Repos...))
	for _, d := range append(dirs.Duplicates, dropped...) {
		s.warnf("%s", d)
	}
	for _, k := range dirs.Unknown {
		s.warnf("%s: unknown option, ignored", k)
	}
	if s.explicitDirs {
		for _, d := range dirs.Missing {
			s.warnf("reposdir %s does not exist", d)
		}
	}
	// dnf keeps --repofrompath in a map, so an id given twice is the last
	// location given (silently there; named here). An id a .repo file
	// defines too is dnf's "listed more than once" error.
	fromPath := map[string]int{}
	var fromPathConfigs []repomd.RepoConfig
	for _, rfp := range f.repoFromPath {
		id, loc, err := repomd.ParseRepoFromPath(rfp)
		if err != nil {
			return nil, nil, usageError{err}
		}
		for _, c := range configs {
			if c.ID == id {
				return nil, nil, usageError{fmt.Errorf("--repofrompath %s: repository %q is defined in %s too", rfp, id, c.File)}
			}
		}
		if !strings.Contains(loc, "://") {
			if abs, err := filepath.Abs(loc); err == nil {
				loc = abs
			}
		}
		c := repomd.RepoConfig{ID: id, Name: id, BaseURLs: []string{loc}, Enabled: true}
		if i, dup := fromPath[id]; dup {
			s.warnf("--repofrompath %s given twice: using the last, %s, as dnf does", id, loc)
			fromPathConfigs[i] = c
			continue
		}
		fromPath[id] = len(fromPathConfigs)
		fromPathConfigs = append(fromPathConfigs, c)
	}
	return append(configs, fromPathConfigs...), dirs.Missing, nil
}

// enabled says which repositories are on: dnf's --repo disables every
// other; --disablerepo and then --enablerepo apply on top.
func (f *repoFlags) enabled(configs []repomd.RepoConfig, check []string) (map[string]bool, error) {
	enabled := map[string]bool{}
	for _, c := range configs {
		enabled[c.ID] = c.Enabled
	}
	for id := range enabled {
		if len(f.repos) > 0 {
			enabled[id] = matchAny(f.repos, id) || slices.Contains(check, id)
		}
		if matchAny(f.disable, id) {
			enabled[id] = false
		}
		if matchAny(f.enable, id) {
			enabled[id] = true
		}
	}
	for _, pat := range append(append(listFlag{}, f.repos...), f.enable...) {
		if _, known := enabled[pat]; !known && !hasGlob(pat) {
			return nil, usageError{&repomd.UnknownRepoError{Pattern: pat}}
		}
	}
	return enabled, nil
}

// cmdlineRepo is the id of the repository of the --rpm files, as dnf names it.
const cmdlineRepo = "@commandline"

// load reads every enabled repository (and --rpm files) into one string
// table; progress and warnings go to stderr.
func (f *repoFlags) load(ctx context.Context, s *setup, stderr io.Writer) (*repomd.Strings, []*repomd.Repo, error) {
	if len(s.sources) == 0 && len(f.rpms) == 0 {
		return nil, nil, usageError{&repomd.NoReposError{ReposDirs: s.reposdirs, Missing: s.missingDirs}}
	}
	loader, done := f.newLoader(s, stderr)
	defer done()
	fetched, err := loader.Revalidate(ctx, s.sources)
	if err != nil {
		return nil, nil, err
	}
	strs := repomd.NewStrings()
	repos, err := f.loadFetched(ctx, s, loader, fetched, strs)
	return strs, repos, err
}

// newLoader returns a Loader that fetches as the flags say, with progress
// on stderr, and the function that ends its downloads and progress.
func (f *repoFlags) newLoader(s *setup, stderr io.Writer) (*repomd.Loader, func()) {
	fetcher := &repomd.Fetcher{CacheDir: s.cacheDir, CacheOnly: f.cacheOnly}
	if !f.quiet {
		fetcher.Logf = func(format string, args ...any) { fmt.Fprintf(stderr, format+"\n", args...) }
	}
	loader := &repomd.Loader{Fetcher: fetcher, SkipFilelists: f.noFilelists}
	bars := newProgress(stderr, f.quiet)
	if bars != nil {
		fetcher.Progress, loader.Progress = bars.download, bars.parse
	}
	return loader, func() {
		if bars != nil {
			bars.stop()
		}
		fetcher.Close()
	}
}

// loadFetched reads the repositories whose repomd.xml loader fetched (and
// --rpm files) into strs, which may hold repositories loaded earlier (watch
// keeps the unchanged ones).
func (f *repoFlags) loadFetched(ctx context.Context, s *setup, loader *repomd.Loader, fetched []*repomd.Fetched, strs *repomd.Strings) ([]*repomd.Repo, error) {
	loader.Strings = strs
	// --rpm packages are read after the repositories, so their requires
	// are not known to the load.
	loader.RequiredFilesOnly = !f.allFiles && len(f.rpms) == 0
	// Work left behind, which run waits for before the process exits.
	bg, _ := ctx.Value(backgroundKey{}).(*sync.WaitGroup)
	if s.cacheDir != "" && strs.Len() == 1 {
		// A warm run with unchanged repomd.xml files reads the loaded
		// records back from here instead of parsing the metadata again.
		// (Not for watch's reloads into a table already in use.)
		loader.SnapshotDir = filepath.Join(s.cacheDir, "snapshots")
		// A cold run writes it while the command goes on.
		loader.SnapshotInBackground = bg != nil
	}
	repos, err := loader.LoadFetched(ctx, fetched)
	if loader.SnapshotInBackground {
		bg.Go(loader.Wait)
	}
	s.fromSnapshot = loader.FromSnapshot()
	if err != nil {
		return nil, err
	}
	// Parsing leaves scratch buffers behind; collecting them now lets the
	// provides index reuse that memory instead of growing the heap (a few
	// MB of peak RSS on CS9 AppStream, measured).
	runtime.GC()
	if len(f.rpms) > 0 {
		cmdline := &repomd.Repo{ID: cmdlineRepo, Strings: strs}
		for _, file := range f.rpms {
			pkg, err := repomd.ReadRPM(file, filepath.Base(file), strs)
			if err != nil {
				return nil, fmt.Errorf("--rpm: %w", err)
			}
			cmdline.Packages = append(cmdline.Packages, pkg)
		}
		repos = append(repos, cmdline)
	}
	return repos, nil
}

// backgroundKey is the context key of the WaitGroup that run waits for
// before returning: work a command leaves behind (a snapshot being written).
type backgroundKey struct{}

// withBackground returns ctx carrying a WaitGroup for background work,
// which the caller waits for before the process exits.
func withBackground(ctx context.Context) (context.Context, *sync.WaitGroup) {
	bg := new(sync.WaitGroup)
	return context.WithValue(ctx, backgroundKey{}, bg), bg
}

// loadPool resolves the flags, loads the repositories and builds the pool.
func (f *repoFlags) loadPool(ctx context.Context, stderr io.Writer) (*resolver.Pool, *setup, error) {
	s, err := f.resolve(stderr)
	if err != nil {
		return nil, nil, err
	}
	if os.Getenv("GOGC") == "" {
		// The records and the pool are mostly pointer-free arenas
		// (dependencies, strings, the provides index), cheap to mark, and
		// the peak RSS is about the heap goal: collecting at 40 % growth
		// instead of 100 % while they are built cuts the peak RSS by 7 %
		// on CS9 and 12-25 % on the series closure, CPU within noise
		// (paired runs). Not after: the matrix's own garbage would pay
		// more than it saves. (The setting is process-wide; concurrent
		// callers may leave it at 40, which only tunes the collector.)
		defer debug.SetGCPercent(debug.SetGCPercent(40))
	}
	strs, repos, err := f.load(ctx, s, stderr)
	if err != nil {
		return nil, nil, err
	}
	if os.Getenv("GOGC") == "" && !s.fromSnapshot {
		// The records are all live now, and the pool adds its index to
		// them: collecting at 10 % growth while it is built keeps the
		// peak closer to the live heap (CS9 peak RSS -1 MB in paired
		// runs, CPU +2-5 %), for a cycle or two over mostly pointer-free
		// memory. Not after a snapshot, whose read peaks higher anyway:
		// there it would only cost time (+15 % CPU on CS9).
		debug.SetGCPercent(10)
	}
	return resolver.NewPool(strs, repos, s.poolOptions(strs, repos)), s, nil
}

// exclude returns the pool's filter for excludepkgs/includepkgs.
func (s *setup) exclude(strs *repomd.Strings, repos []*repomd.Repo) func(*repomd.Repo, *repomd.Package) bool {
	return resolver.SpecExcludes(strs, repos, s.excludes, s.includes)
}

// poolOptions combines excludepkgs/includepkgs with dnf's modular filtering.
func (s *setup) poolOptions(strs *repomd.Strings, repos []*repomd.Repo) resolver.PoolOptions {
	mods := make(map[*repomd.Repo]*repomd.Modules)
	for _, r := range repos {
		if r.Modules != nil {
			mods[r] = r.Modules
		}
	}
	exclude := s.exclude(strs, repos)
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

// hasRepos reports whether the command line names repositories; without
// them, --db reports read the database alone.
func (f *repoFlags) hasRepos() bool {
	if len(f.repoFromPath)+len(f.repos)+len(f.enable)+len(f.rpms) > 0 {
		return true
	}
	for _, kv := range f.setopt {
		if strings.HasPrefix(kv, "reposdir=") {
			return true
		}
	}
	return false
}

func matchAny(globs []string, s string) bool {
	for _, g := range globs {
		if ok, err := path.Match(g, s); err == nil && ok {
			return true
		}
	}
	return false
}

func hasGlob(s string) bool { return strings.ContainsAny(s, "*?[") }

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
	}
	return runtime.GOARCH // ppc64le, s390x, riscv64 are the same in both
}
