package resolver

import (
	"strings"
	"sync"

	"github.com/repoclosure/repoclosure/repomd"
)

// RichMode selects how boolean dependencies are judged.
type RichMode uint8

const (
	// RichExact judges a boolean dependency as libsolv's solver does
	// (Rich.Installable): met when some choice of packages to install
	// fulfils it, so the condition of if/unless holds only if installed.
	RichExact RichMode = iota
	// RichDNF4 reproduces dnf4's repoclosure, which asks libsolv's
	// whatprovides for the whole rich dep (a union of the parts' providers).
	RichDNF4
)

// PoolOptions configures NewPool.
type PoolOptions struct {
	// Arch is the machine arch (dnf's --forcearch); packages of arches it
	// cannot install, and source packages, never provide. Default x86_64.
	Arch string
	// Exclude drops a package from the universe altogether, as dnf's
	// excludepkgs and modular filtering do. nil keeps every package.
	Exclude func(repo *repomd.Repo, pkg *repomd.Package) bool
	// Rich selects the boolean dependency semantics.
	Rich RichMode
}

// Pool is the universe of packages with a provides index built once, in the
// style of libsolv's pool: every name (dependency names and file paths) maps to
// the packages that provide it, with the provided version.
type Pool struct {
	Strings *repomd.Strings
	Repos   []*repomd.Repo
	opts    PoolOptions

	pkgs        []*repomd.Package
	repoOf      []int32
	installable Set // arch-compatible binary packages: the only ones that provide

	// provides index in compressed-row form: the providers of name id n are
	// provs[provOff[n]:provOff[n+1]]. Ids interned after NewPool have none.
	provOff []uint32
	provs   []Provide

	richMu sync.Mutex
	rich   map[repomd.ID]*Rich // parsed boolean deps, by their text's id
}

// Provide is one entry of the provides index: a package provides a name
// with a comparison and version. 8 bytes, the package and the comparison
// packed in one word (an EL8-scale series has over a million).
type Provide struct {
	pkgOp uint32 // PkgID << 3 | Op
	evr   repomd.ID
}

func newProvide(pkg PkgID, evr repomd.ID, op repomd.Op) Provide {
	return Provide{pkgOp: uint32(pkg)<<3 | uint32(op&7), evr: evr}
}

// Pkg is the providing package.
func (e Provide) Pkg() PkgID { return PkgID(e.pkgOp >> 3) }

// Op is the provide's comparison (OpNone for an unversioned provide).
func (e Provide) Op() repomd.Op { return repomd.Op(e.pkgOp & 7) }

// EVR is the provided version's id (0 when unversioned).
func (e Provide) EVR() repomd.ID { return e.evr }

// NewPool indexes repos. All repos must share strs.
func NewPool(strs *repomd.Strings, repos []*repomd.Repo, opts PoolOptions) *Pool {
	if opts.Arch == "" {
		opts.Arch = "x86_64"
	}
	p := &Pool{Strings: strs, Repos: repos, opts: opts, rich: make(map[repomd.ID]*Rich)}
	for ri, r := range repos {
		for i := range r.Packages {
			pkg := &r.Packages[i]
			if opts.Exclude != nil && opts.Exclude(r, pkg) {
				continue
			}
			p.pkgs = append(p.pkgs, pkg)
			p.repoOf = append(p.repoOf, int32(ri))
		}
	}
	compat := make(map[repomd.ID]bool)
	for _, a := range CompatibleArches(opts.Arch) {
		compat[strs.InternString(a)] = true
	}
	p.installable = NewSet(len(p.pkgs))
	for i, pkg := range p.pkgs {
		if compat[pkg.Arch] {
			p.installable.Add(PkgID(i))
		}
	}
	p.buildIndex()
	return p
}

// buildIndex fills the provides index in two passes (count, then place), so
// that it is one allocation sized exactly.
func (p *Pool) buildIndex() {
	n := p.Strings.Len()
	count := make([]uint32, n+1)
	each := func(f func(name repomd.ID, e Provide)) {
		p.installable.Each(func(id PkgID) {
			pkg := p.pkgs[id]
			// libsolv adds the self-provide name = evr to every binary package.
			f(pkg.Name, newProvide(id, pkg.EVR, repomd.OpEQ))
			for _, d := range pkg.Deps(repomd.Provides) {
				f(d.Name, newProvide(id, d.EVR(), d.Op()))
			}
			for _, file := range pkg.Files {
				f(file.Path, newProvide(id, 0, repomd.OpNone))
			}
		})
	}
	each(func(name repomd.ID, _ Provide) { count[name+1]++ })
	for i := 1; i <= n; i++ {
		count[i] += count[i-1]
	}
	p.provs = make([]Provide, count[n])
	next := append([]uint32(nil), count[:n]...)
	each(func(name repomd.ID, e Provide) {
		p.provs[next[name]] = e
		next[name]++
	})
	p.provOff = count
}

// All returns a set holding every package of the pool.
func (p *Pool) All() Set {
	s := NewSet(len(p.pkgs))
	for i := range p.pkgs {
		s.Add(PkgID(i))
	}
	return s
}

// Len is the number of packages in the pool.
func (p *Pool) Len() int { return len(p.pkgs) }

// Package returns the record of id.
func (p *Pool) Package(id PkgID) *repomd.Package { return p.pkgs[id] }

// Repo returns the repository id came from.
func (p *Pool) Repo(id PkgID) *repomd.Repo { return p.Repos[p.repoOf[id]] }

// Installable reports whether id can provide (binary, arch-compatible).
func (p *Pool) Installable(id PkgID) bool { return p.installable.Has(id) }

// str is a shorthand for the pool's strings.
func (p *Pool) str(id repomd.ID) string { return p.Strings.String(id) }

// NEVRA formats a package as dnf prints it: name-[epoch:]version-release.arch.
func (p *Pool) NEVRA(id PkgID) string {
	pkg := p.pkgs[id]
	return p.str(pkg.Name) + "-" + p.str(pkg.EVR) + "." + p.str(pkg.Arch)
}

// DepString formats a dependency as dnf prints it ("name", "name >= evr", or a rich dep).
func (p *Pool) DepString(d repomd.Dep) string {
	if d.Op() == repomd.OpNone {
		if r := p.richDep(d.Name); r != nil {
			if r.Kind == RichLeaf { // "(a)": libsolv keeps just the leaf
				return repomd.FormatDep(p.Strings, repomd.NewDep(p.Strings.InternString(r.Name), p.Strings.InternString(r.EVR), r.Op, false))
			}
			return r.String()
		}
	}
	return repomd.FormatDep(p.Strings, d)
}

// ProvidersOf returns the index entries for a name id, grouped by package
// in pool order. The slice belongs to the pool: do not modify it.
func (p *Pool) ProvidersOf(name repomd.ID) []Provide {
	if int(name)+1 >= len(p.provOff) {
		return nil
	}
	return p.provs[p.provOff[name]:p.provOff[name+1]]
}

// WhatProvides appends to dst the packages of avail that
// provide d, in pool order, each once. A rich dep's providers are those
// libsolv's whatprovides would return (dnf4's view).
func (p *Pool) WhatProvides(dst []PkgID, d repomd.Dep, avail Set) []PkgID {
	if r := p.richDep(d.Name); r != nil {
		for _, id := range r.ProvidersDNF4(p.leafProviders(avail)) {
			dst = append(dst, PkgID(id))
		}
		return dst
	}
	return p.plainProviders(dst, d.Name, d.Op(), p.str(d.EVR()), avail)
}

func (p *Pool) plainProviders(dst []PkgID, name repomd.ID, op repomd.Op, evr string, avail Set) []PkgID {
	start := len(dst)
	// A name's providers often repeat the version of the one before (a
	// kernel symbol's CRC, build after build): compare each run once.
	last, lastMet := Provide{evr: ^repomd.ID(0)}, false
	for _, e := range p.ProvidersOf(name) {
		if !avail.Has(e.Pkg()) {
			continue
		}
		if e.evr != last.evr || e.Op() != last.Op() {
			last, lastMet = e, p.meets(e, op, evr)
		}
		if !lastMet {
			continue
		}
		// Entries of one package are adjacent, so a duplicate is the last one added.
		if len(dst) > start && dst[len(dst)-1] == e.Pkg() {
			continue
		}
		dst = append(dst, e.Pkg())
	}
	return dst
}

// leafProviders adapts the index to the rich-dep evaluator.
func (p *Pool) leafProviders(avail Set) LeafProviders {
	return func(name string, op repomd.Op, evr string) []int32 {
		id, ok := p.Strings.Lookup(name)
		if !ok {
			return nil
		}
		var out []int32
		for _, pkg := range p.plainProviders(nil, id, op, evr, avail) {
			out = append(out, int32(pkg))
		}
		return out
	}
}

// ResolvedFor is Resolved for a require of package pkg. In exact mode a
// rich dep is judged as the solver installs pkg: together with pkg itself,
// a provider of each of its plain requires that has one, and what its
// other rich requires force (those with a single way to be fulfilled).
func (p *Pool) ResolvedFor(pkg PkgID, d repomd.Dep, avail Set) bool {
	r := p.richDep(d.Name)
	if r == nil || p.opts.Rich != RichExact {
		return p.Resolved(d, avail)
	}
	prov := p.leafProviders(avail)
	return r.installableWith(prov, func() richBranch {
		ctx := richBranch{needs: [][]int32{{int32(pkg)}}}
		var buf []PkgID
		for _, req := range p.pkgs[pkg].Deps(repomd.Requires) {
			if p.Skipped(req) || req.Name == d.Name {
				continue
			}
			if other := p.richDep(req.Name); other != nil {
				if bs, ok := other.branches(prov, false); ok && len(bs) == 1 {
					ctx.needs = append(ctx.needs, bs[0].needs...)
					ctx.forbid = unionSorted(ctx.forbid, bs[0].forbid)
				}
				continue
			}
			buf = p.plainProviders(buf[:0], req.Name, req.Op(), p.str(req.EVR()), avail)
			if len(buf) == 0 {
				continue // unresolved, and reported as such
			}
			ids := make([]int32, len(buf))
			for i, id := range buf {
				ids[i] = int32(id)
			}
			ctx.needs = append(ctx.needs, ids)
		}
		return ctx
	})
}

// Resolved reports whether d is met by some package of avail,
// under the pool's rich-dep semantics.
func (p *Pool) Resolved(d repomd.Dep, avail Set) bool {
	if r := p.richDep(d.Name); r != nil {
		if p.opts.Rich == RichDNF4 {
			return len(r.ProvidersDNF4(p.leafProviders(avail))) > 0
		}
		return r.Installable(p.leafProviders(avail))
	}
	op, evr := d.Op(), p.str(d.EVR())
	for _, e := range p.ProvidersOf(d.Name) {
		if avail.Has(e.Pkg()) && p.meets(e, op, evr) {
			return true
		}
	}
	return false
}

// meets reports whether index entry e satisfies a requirement (op, evr): an
// unversioned side matches anything, else libsolv's matching decides.
func (p *Pool) meets(e Provide, op repomd.Op, evr string) bool {
	return op == repomd.OpNone || e.Op() == repomd.OpNone || Matches(e.Op(), p.str(e.evr), op, evr)
}

// IsRich reports whether the dependency named name is a boolean (rich)
// dependency that parses.
func (p *Pool) IsRich(name repomd.ID) bool { return p.richDep(name) != nil }

// richDep returns the parsed boolean dependency named by name, or nil when
// name is a plain dependency. A rich dep that does not parse is treated as a
// plain name, which nothing provides, as libsolv does with unparsable text.
func (p *Pool) richDep(name repomd.ID) *Rich {
	s := p.str(name)
	if !strings.HasPrefix(s, "(") {
		return nil
	}
	p.richMu.Lock()
	defer p.richMu.Unlock()
	if r, ok := p.rich[name]; ok {
		return r
	}
	r, err := ParseRich(s)
	if err != nil {
		r = nil
	}
	p.rich[name] = r
	return r
}
