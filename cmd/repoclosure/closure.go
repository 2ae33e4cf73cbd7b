package main

import (
	"errors"
	"fmt"
	"io"

	"github.com/repoclosure/repoclosure/cmd/repoclosure/report"
	"github.com/repoclosure/repoclosure/resolver"
	"github.com/spf13/cobra"
)

// closureFlags are dnf repoclosure's own options.
type closureFlags struct {
	repo    repoFlags
	opts    resolver.ClosureOptions
	check   listFlag
	arches  listFlag
	pkgs    listFlag
	best    bool
	jsonOut bool
	why     bool
}

// newClosureCmd is the drop-in for `dnf repoclosure`: the root command, and
// `repoclosure closure` for those who name it.
func newClosureCmd(code *int) *cobra.Command {
	f := new(closureFlags)
	cmd := &cobra.Command{
		Use:     "closure [options]",
		Aliases: []string{"repoclosure"},
		Short:   "Report unresolved dependencies, as dnf repoclosure (the default command)",
		Long: `Report the packages whose dependencies cannot be met, as dnf repoclosure does:
the same options and output; exit 0 closed, 1 unresolved dependencies (as dnf), 2 an
error or a request that names nothing (where dnf exits 1, or 0 having checked
nothing). Requires and Requires(pre/post) are
checked; weak dependencies, conflicts and obsoletes are not.`,
		Example: `  repoclosure --repofrompath base,https://mirror.stream.centos.org/9-stream/BaseOS/x86_64/os/ --repo base
  repoclosure --repo appstream --check appstream -n
  repoclosure -qC --repo kmods --json`,
		Args: cobra.NoArgs,
	}
	fs := cmd.Flags()
	f.repo.register(fs)
	fs.Var(&f.check, "check", "check only packages of these repositories (`ID`, globs, comma lists; repeatable)")
	fs.Var(&f.arches, "arch", "check only packages of this `ARCH` (repeatable)")
	fs.Var(&f.pkgs, "pkg", "check only packages matching this name or NEVRA `GLOB` (repeatable)")
	fs.BoolVarP(&f.opts.Newest, "newest", "n", false, "check only the newest package per name.arch of each repository")
	fs.BoolVar(&f.best, "best", false, "only the newest package per name.arch may provide (dnf's best=True)")
	fs.BoolVar(&f.jsonOut, "json", false, "print JSON (the array dnf5-repoclosure(8) documents) instead of text")
	fs.BoolVar(&f.why, "why", false, "for each unresolved dep, print the nearest candidates and why they do not fit (with --json: a \"why\" field, dep -> reasons)")
	inGroup(fs, groupSelection, "check", "arch", "pkg", "newest", "best")
	inGroup(fs, groupOutput, "json", "why")
	cmd.RunE = runE(code, func(cmd *cobra.Command, _ []string) (int, error) {
		return f.run(cmd)
	})
	return cmd
}

func (f *closureFlags) run(cmd *cobra.Command) (int, error) {
	// --check names repositories that are enabled too (repoclosure.py's configure).
	f.repo.alsoEnable = f.check
	pool, s, err := f.repo.loadPool(cmd.Context(), cmd.ErrOrStderr())
	if err != nil {
		return exitError, err
	}
	opts := f.opts
	opts.Check, opts.Arches, opts.Pkgs = s.check, f.arches, f.pkgs
	opts.Best = f.best || s.best
	avail, checked, err := pool.Available(opts)
	if err != nil {
		return exitError, err
	}
	if checked.Len() == 0 {
		// "Closed" would claim a check that did not happen (--arch of no
		// package, a repository with none).
		return exitError, usageError{errors.New("no package to check: the enabled repositories hold none that --check, --arch and --pkg select and -x/--exclude and excludepkgs leave")}
	}
	problems := pool.Unresolved(checked, avail)
	stdout := cmd.OutOrStdout()
	if f.jsonOut {
		if err := printClosureJSON(stdout, pool, problems, f.why, avail); err != nil {
			return exitError, err
		}
	} else {
		printClosureText(stdout, pool, problems, f.why, avail)
	}
	if len(problems) == 0 {
		return exitClosed, nil
	}
	total := 0
	for _, p := range problems {
		total += len(p.Deps)
	}
	// dnf's wording, plural or not ("across 1 packages" included), which
	// scripts match.
	fmt.Fprintf(cmd.ErrOrStderr(), "Error: Repoclosure ended with unresolved dependencies (%d) across %d packages.\n", total, len(problems))
	return exitUnresolved, nil
}

// printClosureText prints dnf repoclosure's report.
func printClosureText(w io.Writer, pool *resolver.Pool, problems []resolver.Problem, why bool, avail resolver.Set) {
	for _, p := range problems {
		fmt.Fprintf(w, "package: %s from %s\n", report.TermSafe(pool.NEVRA(p.Pkg)), pool.Repo(p.Pkg).ID)
		fmt.Fprintf(w, "  unresolved deps (%d):\n", len(p.Deps))
		for _, d := range p.Deps {
			fmt.Fprintf(w, "    %s\n", report.TermSafe(pool.DepString(d)))
			if why {
				for _, c := range pool.Explain(d, avail) {
					fmt.Fprintf(w, "      %s\n", report.TermSafe(c.String()))
				}
			}
		}
	}
}

// printClosureJSON prints dnf5's `repoclosure --json` shape; with why, each
// entry has a "why" field too: per unresolved dep, the nearest candidates
// and why they do not fit, as --why prints them.
func printClosureJSON(w io.Writer, pool *resolver.Pool, problems []resolver.Problem, why bool, avail resolver.Set) error {
	type entry struct {
		Package string              `json:"package"`
		Repo    string              `json:"repo"`
		Deps    []string            `json:"unresolved_dependencies"`
		Why     map[string][]string `json:"why,omitempty"`
	}
	out := make([]entry, 0, len(problems))
	for _, p := range problems {
		e := entry{Package: pool.NEVRA(p.Pkg), Repo: pool.Repo(p.Pkg).ID}
		for _, d := range p.Deps {
			e.Deps = append(e.Deps, pool.DepString(d))
			if why {
				if e.Why == nil {
					e.Why = map[string][]string{}
				}
				reasons := []string{}
				for _, c := range pool.Explain(d, avail) {
					reasons = append(reasons, c.String())
				}
				e.Why[pool.DepString(d)] = reasons
			}
		}
		out = append(out, e)
	}
	return writeJSON(w, out)
}
