package resolver

import "github.com/repoclosure/repoclosure/repomd"

// ComposeExcludes returns a predicate that is true when any of excludes is;
// nil ones are skipped, and nil is returned when none is left.
func ComposeExcludes(excludes ...func(*repomd.Repo, *repomd.Package) bool) func(*repomd.Repo, *repomd.Package) bool {
	var fs []func(*repomd.Repo, *repomd.Package) bool
	for _, f := range excludes {
		if f != nil {
			fs = append(fs, f)
		}
	}
	switch len(fs) {
	case 0:
		return nil
	case 1:
		return fs[0]
	}
	return func(r *repomd.Repo, p *repomd.Package) bool {
		for _, f := range fs {
			if f(r, p) {
				return true
			}
		}
		return false
	}
}

// SpecExcludes returns the exclude predicate of dnf's excludepkgs and
// includepkgs (and -x), keyed by repo id, "" for [main] (every repo): as
// dnf's _setup_excludes_includes, each spec's form is chosen over every
// loaded package (libdnf's get_best_query on the whole sack), then a repo's
// own specs keep to that repo; includepkgs keeps only what it names, in its
// repo or, from [main], everywhere. nil when there is no spec.
func SpecExcludes(strs *repomd.Strings, repos []*repomd.Repo, excludes, includes map[string][]string) func(*repomd.Repo, *repomd.Package) bool {
	if len(excludes) == 0 && len(includes) == 0 {
		return nil
	}
	var all []*repomd.Package
	var repoOf []*repomd.Repo
	for _, r := range repos {
		for i := range r.Packages {
			all = append(all, &r.Packages[i])
			repoOf = append(repoOf, r)
		}
	}
	sel := NewSelector(strs, all)
	mark := func(specs map[string][]string) map[*repomd.Package]bool {
		out := map[*repomd.Package]bool{}
		for repo, list := range specs {
			for _, spec := range list {
				for _, i := range sel.Select(ParseSubject(spec)) {
					if repo == "" || repoOf[i].ID == repo {
						out[all[i]] = true
					}
				}
			}
		}
		return out
	}
	excluded, included := mark(excludes), mark(includes)
	return func(r *repomd.Repo, p *repomd.Package) bool {
		if excluded[p] {
			return true
		}
		return (len(includes[r.ID]) > 0 || len(includes[""]) > 0) && !included[p]
	}
}
