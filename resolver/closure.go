package resolver

import (
	"fmt"
	"slices"
	"strings"

	"github.com/repoclosure/repoclosure/repomd"
)

// ClosureOptions are dnf repoclosure's selections (dnf-plugins-core's
// repoclosure.py): which packages may provide and which are checked.
type ClosureOptions struct {
	Check  []string // repo ids whose packages are checked; empty: all
	Arches []string // check only packages of these arches; empty: all
	Pkgs   []string // check only packages matching these names/NEVRA globs
	Newest bool     // both sets keep only the newest per name.arch in each repo
	Best   bool     // providers are only the newest per name.arch across repos
}

// Problem is one checked package with the requires nothing provides.
type Problem struct {
	Pkg  PkgID
	Deps []repomd.Dep // sorted by their printed form, each once
}

// Available returns the providing set and the checked set for opts, exactly
// as repoclosure.py builds them ("available" and "to_check").
func (p *Pool) Available(opts ClosureOptions) (avail, check Set, err error) {
	avail, check = p.All(), p.All()
	if opts.Newest {
		avail = NewSet(len(p.pkgs))
		for ri := range p.Repos {
			inRepo := NewSet(len(p.pkgs))
			for i := range p.pkgs {
				if p.repoOf[i] == int32(ri) {
					inRepo.Add(PkgID(i))
				}
			}
			p.keepLatest(inRepo).Each(avail.Add)
		}
		check = avail.Clone()
	}
	if len(opts.Pkgs) > 0 {
		// dnf picks each subject's form over the whole sack, then keeps
		// what is also to be checked (repoclosure.py's get_best_query).
		sel := NewSelector(p.Strings, p.pkgs)
		matched := NewSet(len(p.pkgs))
		var missing []string
		for _, pat := range opts.Pkgs {
			n := 0
			for _, i := range sel.Select(ParseSubject(pat)) {
				if check.Has(PkgID(i)) {
					matched.Add(PkgID(i))
					n++
				}
			}
			if n == 0 {
				missing = append(missing, pat)
			}
		}
		if len(missing) > 0 {
			return Set{}, Set{}, fmt.Errorf("no package matched: %s", strings.Join(missing, ", "))
		}
		check = matched
	}
	if len(opts.Check) > 0 {
		check.Each(func(id PkgID) {
			if !slices.Contains(opts.Check, p.Repo(id).ID) {
				check.Remove(id)
			}
		})
	}
	if len(opts.Arches) > 0 {
		check.Each(func(id PkgID) {
			if !slices.Contains(opts.Arches, p.str(p.pkgs[id].Arch)) {
				check.Remove(id)
			}
		})
	}
	if opts.Best {
		avail = p.keepLatest(avail)
	}
	return avail, check, nil
}

// keepLatest returns, for each name and arch among s, the package with the
// highest EVR and every other one whose EVR is the very same string, as
// libdnf's latest_per_arch filter (add_latest_to_map): packages whose EVRs
// compare equal but are spelt differently ("3.1" and "3+01") are not ties
// there; the first in pool order wins.
func (p *Pool) keepLatest(s Set) Set {
	type key struct{ name, arch repomd.ID }
	best := make(map[key]repomd.ID)
	s.Each(func(id PkgID) {
		pkg := p.pkgs[id]
		k := key{pkg.Name, pkg.Arch}
		if cur, ok := best[k]; !ok || CompareEVR(p.str(pkg.EVR), p.str(cur)) > 0 {
			best[k] = pkg.EVR
		}
	})
	out := NewSet(len(p.pkgs))
	s.Each(func(id PkgID) {
		pkg := p.pkgs[id]
		if pkg.EVR == best[key{pkg.Name, pkg.Arch}] {
			out.Add(id)
		}
	})
	return out
}

// Closure returns the checked packages with unresolved requires, sorted as
// dnf prints them (name, then EVR, then arch; pool order breaks ties).
// Requires(pre/post) count; weak deps, conflicts and obsoletes do not; requires
// starting "rpmlib(" or "solvable:" are skipped.
func (p *Pool) Closure(opts ClosureOptions) ([]Problem, error) {
	avail, check, err := p.Available(opts)
	if err != nil {
		return nil, err
	}
	return p.Unresolved(check, avail), nil
}

// Unresolved returns the packages of check whose requires no package of avail
// meets. Each distinct dependency is looked up once.
func (p *Pool) Unresolved(check, avail Set) []Problem {
	verdict := make(map[repomd.Dep]bool) // by the dep without its pre mark
	var problems []Problem
	check.Each(func(id PkgID) {
		var missing []repomd.Dep
		for _, d := range p.pkgs[id].Deps(repomd.Requires) {
			if p.Skipped(d) {
				continue
			}
			d = d.WithoutPre()
			var ok bool
			if p.opts.Rich == RichExact && p.IsRich(d.Name) {
				ok = p.ResolvedFor(id, d, avail) // depends on the package's other requires
			} else if v, seen := verdict[d]; seen {
				ok = v
			} else {
				ok = p.Resolved(d, avail)
				verdict[d] = ok
			}
			if !ok {
				missing = append(missing, d)
			}
		}
		if len(missing) > 0 {
			problems = append(problems, Problem{Pkg: id, Deps: p.sortDeps(missing)})
		}
	})
	slices.SortStableFunc(problems, func(a, b Problem) int { return p.ComparePackages(a.Pkg, b.Pkg) })
	return problems
}

// Skipped reports whether repoclosure ignores a require (rpmlib() and
// solvable: deps, see bugzilla 1186721).
func (p *Pool) Skipped(d repomd.Dep) bool {
	name := p.str(d.Name)
	return strings.HasPrefix(name, "rpmlib(") || strings.HasPrefix(name, "solvable:")
}

// sortDeps orders deps by their printed form and drops duplicates (a
// Requires and a Requires(pre) on the same thing are one dep to dnf).
func (p *Pool) sortDeps(deps []repomd.Dep) []repomd.Dep {
	slices.SortFunc(deps, func(a, b repomd.Dep) int { return strings.Compare(p.DepString(a), p.DepString(b)) })
	return slices.Compact(deps)
}

// ComparePackages orders packages as libdnf's dnf_package_cmp: name
// (bytewise), then EVR, then arch.
func (p *Pool) ComparePackages(a, b PkgID) int {
	pa, pb := p.pkgs[a], p.pkgs[b]
	if c := strings.Compare(p.str(pa.Name), p.str(pb.Name)); c != 0 {
		return c
	}
	if c := CompareEVR(p.str(pa.EVR), p.str(pb.EVR)); c != 0 {
		return c
	}
	return strings.Compare(p.str(pa.Arch), p.str(pb.Arch))
}
