package main

import (
	"context"
	"fmt"
	"io"

	"github.com/repoclosure/repoclosure/resolver"
)

// runClosure is the drop-in for `dnf repoclosure`.
func runClosure(ctx context.Context, args []string, stdout, stderr io.Writer) (int, error) {
	fs, rf := newFlagSet("repoclosure", stderr)
	var opts resolver.ClosureOptions
	var check, arches, pkgs listFlag
	var best, jsonOut, why bool
	fs.Var(&check, "check", "check only packages of these repositories (`ID`, repeatable)")
	fs.Var(&arches, "arch", "check only packages of this `ARCH` (repeatable)")
	fs.Var(&pkgs, "pkg", "check only packages matching this name or NEVRA `GLOB` (repeatable)")
	fs.BoolVar(&opts.Newest, "newest", false, "check only the newest package per name.arch of each repository")
	fs.BoolVar(&opts.Newest, "n", false, "same as --newest")
	fs.BoolVar(&best, "best", false, "only the newest package per name.arch may provide (dnf's best=True)")
	fs.BoolVar(&jsonOut, "json", false, "print dnf5's JSON instead of text")
	fs.BoolVar(&why, "why", false, "for each unresolved dep, print the nearest candidates and why they do not fit")
	if err := fs.Parse(args); err != nil {
		return exitError, usageError{err}
	}
	if fs.NArg() > 0 {
		return exitError, usageError{fmt.Errorf("unexpected argument %q", fs.Arg(0))}
	}
	// --check names repositories that are enabled too (repoclosure.py's configure).
	rf.alsoEnable = check
	s, err := rf.resolve()
	if err != nil {
		return exitError, err
	}
	opts.Check, opts.Arches, opts.Pkgs = s.check, arches, pkgs
	opts.Best = best || s.best
	strs, repos, err := rf.load(ctx, s)
	if err != nil {
		return exitError, err
	}
	pool := resolver.NewPool(strs, repos, s.poolOptions(strs, repos))
	avail, checked, err := pool.Available(opts)
	if err != nil {
		return exitError, err
	}
	problems := pool.Unresolved(checked, avail)
	if jsonOut {
		if err := printClosureJSON(stdout, pool, problems); err != nil {
			return exitError, err
		}
	} else {
		printClosureText(stdout, pool, problems, why, avail)
	}
	if len(problems) == 0 {
		return exitClosed, nil
	}
	total := 0
	for _, p := range problems {
		total += len(p.Deps)
	}
	fmt.Fprintf(stderr, "Error: Repoclosure ended with unresolved dependencies (%d) across %d packages.\n", total, len(problems))
	return exitUnresolved, nil
}

// printClosureText prints dnf repoclosure's report.
func printClosureText(w io.Writer, pool *resolver.Pool, problems []resolver.Problem, why bool, avail resolver.Set) {
	for _, p := range problems {
		fmt.Fprintf(w, "package: %s from %s\n", termSafe(pool.NEVRA(p.Pkg)), pool.Repo(p.Pkg).ID)
		fmt.Fprintf(w, "  unresolved deps (%d):\n", len(p.Deps))
		for _, d := range p.Deps {
			fmt.Fprintf(w, "    %s\n", termSafe(pool.DepString(d)))
			if why {
				for _, c := range pool.Explain(d, avail) {
					fmt.Fprintf(w, "      %s\n", termSafe(c.String()))
				}
			}
		}
	}
}

// printClosureJSON prints dnf5's `repoclosure --json` shape.
func printClosureJSON(w io.Writer, pool *resolver.Pool, problems []resolver.Problem) error {
	type entry struct {
		Package string   `json:"package"`
		Repo    string   `json:"repo"`
		Deps    []string `json:"unresolved_dependencies"`
	}
	out := make([]entry, 0, len(problems))
	for _, p := range problems {
		e := entry{Package: pool.NEVRA(p.Pkg), Repo: pool.Repo(p.Pkg).ID}
		for _, d := range p.Deps {
			e.Deps = append(e.Deps, pool.DepString(d))
		}
		out = append(out, e)
	}
	return writeJSON(w, out)
}
