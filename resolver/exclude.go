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
