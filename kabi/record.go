package kabi

import (
	"slices"
	"strconv"
	"strings"

	"github.com/repoclosure/repoclosure/kabi/history"
	"github.com/repoclosure/repoclosure/repomd"
	"github.com/repoclosure/repoclosure/resolver"
)

// What the history keeps of a build is what its matrix cells need: its
// packages with their provides, and its symbol table. What it keeps of a
// kmod is its requires, each marked when packages outside every kernel build
// met it, and its provides (another kmod may need its ksym(SYM)). Rebuilt into a pool (FromHistory), they give the same matrix as
// the repositories did, also once the builds have left the mirrors.

// HistoryKernel converts a build of p for the history store. mirrors maps
// a repository id to the mirror it was read from (nil: none known).
func HistoryKernel(p *resolver.Pool, b KernelBuild, mirrors map[string]string) history.Kernel {
	k := history.Kernel{Uname: b.Uname, EVR: b.EVR, Arch: b.Arch, Source: b.Source}
	if len(b.Packages) > 0 {
		k.Repo = p.Repo(b.Packages[0]).ID
		k.URL = mirrors[k.Repo]
	}
	seen := map[string]bool{}
	for _, id := range b.Packages {
		pkg := p.Package(id)
		hp := history.Package{Name: p.Strings.String(pkg.Name), EVR: p.Strings.String(pkg.EVR), Arch: p.Strings.String(pkg.Arch)}
		for _, d := range pkg.Deps(repomd.Provides) {
			name, evr := p.Strings.String(d.Name), p.Strings.String(d.EVR())
			// A symbol goes to the compact table when its CRC text
			// round-trips; anything else stays a plain provide.
			if sym, ok := symbolName(name); ok && strings.HasPrefix(name, "kernel(") && d.Op() == repomd.OpEQ && !seen[sym] {
				if crc, ok := parseCRC(evr); ok {
					seen[sym] = true
					k.Symbols = append(k.Symbols, history.Symbol{Name: sym, CRC: crc})
					continue
				}
			}
			hp.Provides = append(hp.Provides, historyDep(p.Strings, d))
		}
		k.Packages = append(k.Packages, hp)
	}
	slices.SortFunc(k.Symbols, func(a, b history.Symbol) int { return strings.Compare(a.Name, b.Name) })
	k.NSymbols = len(k.Symbols)
	return k
}

// parseCRC reads "0x%08x", the form rpm's kabi provides use; other forms
// do not round-trip and are kept as text.
func parseCRC(s string) (uint32, bool) {
	if len(s) != 10 || !strings.HasPrefix(s, "0x") {
		return 0, false
	}
	crc, err := strconv.ParseUint(s[2:], 16, 32)
	if err != nil || crcText(uint32(crc)) != s {
		return 0, false
	}
	return uint32(crc), true
}

// crcText formats a CRC as "0x%08x" does, without fmt's cost (a history
// matrix formats a million of them).
func crcText(crc uint32) string {
	const digits = "0123456789abcdef"
	var b [10]byte
	b[0], b[1] = '0', 'x'
	for i := 9; i >= 2; i-- {
		b[i] = digits[crc&15]
		crc >>= 4
	}
	return string(b[:])
}

func historyDep(strs *repomd.Strings, d repomd.Dep) history.Dep {
	hd := history.Dep{Name: strs.String(d.Name), Pre: d.Pre()}
	if d.Op() != repomd.OpNone {
		hd.Op, hd.EVR = d.Op().String(), strs.String(d.EVR())
	}
	return hd
}

// HistoryKmods converts kmods of p for the history store; kernels are the
// pool's kernel builds. A require met by a package that is neither in a
// kernel build nor one of kmods is marked Outside; one the kmods meet stays,
// since the history keeps their provides.
func HistoryKmods(p *resolver.Pool, kernels []KernelBuild, kmods []resolver.PkgID, mirrors map[string]string) []history.Kmod {
	all := p.All()
	base := all.Clone()
	kept := resolver.NewSet(p.Len())
	for _, b := range kernels {
		for _, id := range b.Packages {
			kept.Add(id)
			base.Remove(id)
		}
	}
	for _, id := range kmods {
		kept.Add(id)
		base.Remove(id)
	}
	// As NewMatrix's "everywhere": a provider outside what the history keeps
	// (for a rich dep: resolved without it).
	outside := map[repomd.Dep]bool{}
	metOutside := func(d repomd.Dep) bool {
		if v, ok := outside[d]; ok {
			return v
		}
		v := false
		if p.IsRich(d.Name) {
			v = p.Resolved(d, base)
		} else {
			for _, prov := range p.WhatProvides(nil, d, all) {
				if !kept.Has(prov) {
					v = true
					break
				}
			}
		}
		outside[d] = v
		return v
	}
	out := make([]history.Kmod, 0, len(kmods))
	for _, id := range kmods {
		pkg := p.Package(id)
		repo := p.Repo(id).ID
		m := history.Kmod{NEVRA: p.NEVRA(id), Name: p.Strings.String(pkg.Name), EVR: p.Strings.String(pkg.EVR),
			Arch: p.Strings.String(pkg.Arch), Source: p.Strings.String(pkg.SourceRPM), Repo: repo, URL: mirrors[repo]}
		for _, d := range pkg.Deps(repomd.Requires) {
			m.Requires = append(m.Requires, history.Require{Dep: historyDep(p.Strings, d), Outside: p.Skipped(d) || metOutside(d.WithoutPre())})
		}
		for _, d := range pkg.Deps(repomd.Provides) {
			m.Provides = append(m.Provides, historyDep(p.Strings, d))
		}
		out = append(out, m)
	}
	return out
}

// FromHistory rebuilds a pool from stored kernel builds and kmods: the
// kernels' packages with their provides (the symbol table on the build's
// first package), and the kmods with the requires that were not met
// outside the kernel builds. It returns the pool's kernel builds and kmods
// (sorted by NEVRA). A noarch package shared by several builds is one
// package, as in the repositories.
func FromHistory(kernels []history.Kernel, kmods []history.Kmod, opts resolver.PoolOptions) (*resolver.Pool, []KernelBuild, []resolver.PkgID) {
	strs := repomd.NewStrings()
	repos := map[string]*repomd.Repo{}
	var order []*repomd.Repo
	repo := func(id string) *repomd.Repo {
		r := repos[id]
		if r == nil {
			r = &repomd.Repo{ID: id, Strings: strs}
			repos[id] = r
			order = append(order, r)
		}
		return r
	}
	in := strs.InternString
	dep := func(d history.Dep) repomd.Dep {
		if d.Op == "" {
			return repomd.NewDep(in(d.Name), 0, repomd.OpNone, d.Pre)
		}
		return repomd.NewDep(in(d.Name), in(d.EVR), parseOp(d.Op), d.Pre)
	}
	// Builds share most symbols and CRCs: intern each once.
	symIDs := map[string]repomd.ID{}
	crcIDs := map[uint32]repomd.ID{}
	var sources []string
	seenPkg := map[string]bool{}
	for _, k := range kernels {
		if name, _, ok := splitSourceRPM(k.Source); ok && !slices.Contains(sources, name) {
			sources = append(sources, name)
		}
		r := repo(k.Repo)
		carrier := symbolCarrier(k)
		for i, hp := range k.Packages {
			nevra := hp.Name + "-" + hp.EVR + "." + hp.Arch
			if seenPkg[nevra] {
				continue
			}
			seenPkg[nevra] = true
			pkg := repomd.Package{Name: in(hp.Name), EVR: in(hp.EVR), Arch: in(hp.Arch), SourceRPM: in(k.Source)}
			var provs []repomd.Dep
			if i == carrier {
				provs = make([]repomd.Dep, 0, len(hp.Provides)+len(k.Symbols))
			}
			for _, d := range hp.Provides {
				provs = append(provs, dep(d))
			}
			if i == carrier {
				for _, s := range k.Symbols {
					name, ok := symIDs[s.Name]
					if !ok {
						name = in("kernel(" + s.Name + ")")
						symIDs[s.Name] = name
					}
					crc, ok := crcIDs[s.CRC]
					if !ok {
						crc = in(crcText(s.CRC))
						crcIDs[s.CRC] = crc
					}
					provs = append(provs, repomd.NewDep(name, crc, repomd.OpEQ, false))
				}
			}
			pkg.SetDeps(repomd.Provides, provs)
			r.Packages = append(r.Packages, pkg)
		}
	}
	for _, m := range kmods {
		pkg := repomd.Package{Name: in(m.Name), EVR: in(m.EVR), Arch: in(m.Arch), SourceRPM: in(m.Source)}
		var provs, reqs []repomd.Dep
		for _, d := range m.Provides {
			provs = append(provs, dep(d))
		}
		for _, d := range m.Requires {
			if !d.Outside {
				reqs = append(reqs, dep(d.Dep))
			}
		}
		pkg.SetDeps(repomd.Provides, provs)
		pkg.SetDeps(repomd.Requires, reqs)
		r := repo(m.Repo)
		r.Packages = append(r.Packages, pkg)
	}
	opts.Exclude = nil
	pool := resolver.NewPool(strs, order, opts)
	builds := KernelBuilds(pool, sources)
	ids := outsideBuilds(pool, builds)
	slices.SortFunc(ids, func(a, b resolver.PkgID) int {
		if c := strings.Compare(pool.NEVRA(a), pool.NEVRA(b)); c != 0 {
			return c
		}
		return strings.Compare(pool.Repo(a).ID, pool.Repo(b).ID)
	})
	return pool, builds, ids
}

func parseOp(s string) repomd.Op {
	for _, op := range []repomd.Op{repomd.OpGT, repomd.OpEQ, repomd.OpGE, repomd.OpLT, repomd.OpNE, repomd.OpLE} {
		if op.String() == s {
			return op
		}
	}
	return repomd.OpNone
}

// symbolCarrier is the package of k that carries its symbol table in a pool
// made from the history: one that is k's alone, as the package whose uname-r
// is k's uname (kernel-core), never one that other builds share (a noarch
// package, kernel-tools of another flavour), which would hand them k's
// symbols.
func symbolCarrier(k history.Kernel) int {
	for i, hp := range k.Packages {
		for _, d := range hp.Provides {
			if strings.HasSuffix(d.Name, "-uname-r") && d.EVR == k.Uname {
				return i
			}
		}
	}
	for i, hp := range k.Packages {
		if hp.Arch != "noarch" {
			return i
		}
	}
	return 0
}
