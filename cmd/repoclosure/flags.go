package main

import (
	"strings"

	"github.com/spf13/pflag"
)

// Flag groups, in the order help lists them.
const (
	groupSources   = "Where the packages come from"
	groupSelection = "What is checked"
	groupOutput    = "Output"
)

// groupAnnotation is the pflag annotation key naming a flag's help group.
const groupAnnotation = "repoclosure_group"

// inGroup puts the named flags (registered already) into a help group.
func inGroup(fs *pflag.FlagSet, group string, names ...string) {
	for _, n := range names {
		if err := fs.SetAnnotation(n, groupAnnotation, []string{group}); err != nil {
			panic(err) // a flag name typo in this package, not user input
		}
	}
}

// listFlag collects a repeatable flag; dnf also takes comma-separated lists.
type listFlag []string

func (l *listFlag) String() string { return strings.Join(*l, ",") }
func (l *listFlag) Type() string   { return "list" }
func (l *listFlag) Set(v string) error {
	*l = append(*l, splitList(v)...)
	return nil
}

// rawListFlag collects a repeatable flag without splitting its values.
type rawListFlag []string

func (l *rawListFlag) String() string     { return strings.Join(*l, " ") }
func (l *rawListFlag) Type() string       { return "list" }
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
	// allFiles keeps every path of filelists.xml (dump shows them); else
	// only the paths some dependency names, all a closure or the matrix
	// looks at.
	allFiles bool
}

// register adds the repository options to fs. Options dnf has that cannot
// change an answer here are accepted and hidden, so that dnf command lines
// run unchanged.
func (f *repoFlags) register(fs *pflag.FlagSet) {
	fs.Var(&f.repoFromPath, "repofrompath", "add a repository: `NAME,LOCATION` (URL, file:// or path; a folder of .rpm files works too)")
	fs.Var(&f.repos, "repo", "enable only these repositories (`ID`, globs; repeatable)")
	fs.Var(&f.repos, "repoid", "same as --repo")
	fs.Var(&f.enable, "enablerepo", "enable repositories (`ID` globs)")
	fs.Var(&f.disable, "disablerepo", "disable repositories (`ID` globs)")
	fs.Var(&f.setopt, "setopt", "set an option: reposdir=DIR, cachedir=DIR, best=True, REPO.excludepkgs=GLOBS, REPO.includepkgs=GLOBS, REPO.module_hotfixes=1 (`KEY=VALUE`)")
	fs.VarP(&f.exclude, "exclude", "x", "exclude packages by name or NEVRA `GLOB` (repeatable)")
	fs.Var(&f.rpms, "rpm", "add a local .rpm `FILE` to a repository named @commandline (repeatable)")
	fs.StringVar(&f.forceArch, "forcearch", "", "machine `ARCH` to resolve for (default: this machine's)")
	fs.StringVar(&f.releasever, "releasever", "", "`VALUE` of $releasever in .repo files")
	fs.StringVar(&f.cacheDir, "cachedir", "", "metadata cache `DIR` (default $XDG_CACHE_HOME/repoclosure)")
	fs.BoolVarP(&f.cacheOnly, "cacheonly", "C", false, "use only cached metadata; never touch the network")
	fs.BoolVar(&f.noFilelists, "no-filelists", false, "do not read filelists.xml (file deps outside primary stay unresolved)")
	fs.StringVar(&f.rich, "rich", "exact", "boolean dependency semantics: `MODE` exact (as libsolv's solver installs) or dnf4 (dnf 4's approximation)")
	fs.BoolVarP(&f.quiet, "quiet", "q", false, "quiet: no progress, no warnings")
	inGroup(fs, groupSources, "repofrompath", "repo", "repoid", "enablerepo", "disablerepo", "setopt", "rpm",
		"forcearch", "releasever", "cachedir", "cacheonly", "no-filelists")
	inGroup(fs, groupSelection, "exclude", "rich")
	inGroup(fs, groupOutput, "quiet")
	must(fs.MarkHidden("repoid"))

	// Accepted for command-line compatibility with dnf; they change nothing
	// here. -v is dnf's --verbose, so that `repoclosure -v` runs the check
	// rather than printing the version and exiting 0.
	var ignoredStr string
	var ignoredBool bool
	for _, f := range []struct{ name, short string }{{"installroot", ""}, {"disableplugin", ""}, {"enableplugin", ""}, {"config", "c"}, {"debuglevel", "d"}} {
		fs.StringVarP(&ignoredStr, f.name, f.short, "", "accepted for dnf compatibility; ignored")
		must(fs.MarkHidden(f.name))
	}
	for _, f := range []struct{ name, short string }{{"assumeyes", "y"}, {"nogpgcheck", ""}, {"refresh", ""}, {"verbose", "v"}} {
		fs.BoolVarP(&ignoredBool, f.name, f.short, false, "accepted for dnf compatibility; ignored")
		must(fs.MarkHidden(f.name))
	}
}

// must panics on an error that only a programming mistake in this package
// can cause (a flag name that is not registered).
func must(err error) {
	if err != nil {
		panic(err)
	}
}

func splitList(v string) []string {
	return strings.FieldsFunc(v, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' || r == '\n' })
}
