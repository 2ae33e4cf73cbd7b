package kabi

import (
	"slices"
	"strings"

	"github.com/repoclosure/repoclosure/repomd"
	"github.com/repoclosure/repoclosure/resolver"
)

// Reason says why a kmod's dependency is not met on a kernel build.
type Reason string

// The reasons a matrix cell gives for each missing dependency.
const (
	ReasonCRCMismatch   Reason = "crc-mismatch"   // the build has the symbol with another CRC
	ReasonUnknownSymbol Reason = "unknown-symbol" // the build lacks the symbol
	ReasonKernelVersion Reason = "kernel-version" // a kernel / kernel-uname-r requirement the build's version misses
	// ReasonKernelPackageMissing: a kernel / kernel-uname-r style
	// requirement whose name nothing provides with the build (e.g.
	// kernel-modules-core-uname-r on a build older than that package).
	ReasonKernelPackageMissing Reason = "kernel-package-missing"
	ReasonOther                Reason = "other" // not kernel-related
)

// Missing is one unmet dependency of a matrix cell.
type Missing struct {
	Dep    repomd.Dep
	Reason Reason
	// KernelHas is what the build really provides under the dep's name
	// instead: the symbol's CRC for crc-mismatch, the provided versions for
	// kernel-version; empty otherwise.
	KernelHas string
}

// Cell is a kmod on a kernel build: installable when nothing is missing.
type Cell struct {
	Missing []Missing
}

// Installable reports whether every require of the kmod is met.
func (c Cell) Installable() bool { return len(c.Missing) == 0 }

// Matrix is the kmod × kernel install matrix.
type Matrix struct {
	Kernels []KernelBuild
	Kmods   []resolver.PkgID
	Cells   [][]Cell // Cells[kmod][kernel]
}

// depVerdict is where one distinct dependency is met, and, for the builds
// where it is not, what they provide instead.
type depVerdict struct {
	dep        repomd.Dep
	text       string // as dnf prints it; cells sort by it
	everywhere bool   // a package outside every kernel build meets it
	inKernel   []bool // else: the builds whose packages meet it
	kind       depKind
	// has is, by build, the one EVR the build provides under dep's name;
	// hasText holds KernelHas instead for the builds missing dep that
	// provide several EVRs, or where packages outside every build provide
	// some. One id per build rather than a Missing per build: most unmet
	// deps are met on most builds, and only the cells that miss one get
	// its Missing.
	has     []repomd.ID
	hasText map[int]string
	// named is, for a kernel-version dep, whether each build provides its
	// name at all; commonNamed whether a package outside the builds does.
	named       []bool
	commonNamed bool
}

// depKind sorts a dep for its missing reason.
type depKind uint8

const (
	kindOther depKind = iota
	kindSymbol
	kindKernelVersion
)

// NewMatrix answers, for each kmod and kernel build, what `dnf repoclosure`
// reports for the kmod when the available packages are everything in the
// pool except the packages of the other kernel builds. It costs about one
// closure pass: each distinct dependency is looked up once and its providers
// are sorted into "outside every build" and "inside build K". best is not
// applied (it would let only the newest kernel provide).
func NewMatrix(p *resolver.Pool, kernels []KernelBuild, kmods []resolver.PkgID) *Matrix {
	x := newDepIndex(p, kernels)
	m := &Matrix{Kernels: kernels, Kmods: kmods, Cells: make([][]Cell, len(kmods))}
	var scratch []*depVerdict
	for mi, id := range kmods {
		m.Cells[mi], scratch = x.row(id, scratch)
	}
	return m
}

// depIndex judges dependencies against the kernel builds of a matrix, each
// distinct dependency once.
type depIndex struct {
	p        *resolver.Pool
	kernels  []KernelBuild
	kernelOf []int32                    // the build each package belongs to, -1 for none, -2 for several
	shared   map[resolver.PkgID][]int32 // the builds of a -2 package (noarch subpackages)
	all      resolver.Set               // every package
	base     resolver.Set               // the packages of no build
	availFor []*resolver.Set
	verdicts map[verdictKey]*depVerdict
	counts   []int // row's scratch: missing deps per build
}

// verdictKey is a dependency, and for a rich one the kmod (plus one) whose
// require it is.
type verdictKey struct {
	dep  repomd.Dep
	kmod resolver.PkgID
}

func newDepIndex(p *resolver.Pool, kernels []KernelBuild) *depIndex {
	x := &depIndex{
		p: p, kernels: kernels,
		kernelOf: make([]int32, p.Len()),
		all:      p.All(),
		availFor: make([]*resolver.Set, len(kernels)),
		verdicts: make(map[verdictKey]*depVerdict),
		shared:   make(map[resolver.PkgID][]int32),
		counts:   make([]int, len(kernels)),
	}
	for i := range x.kernelOf {
		x.kernelOf[i] = -1
	}
	x.base = x.all.Clone()
	for k, b := range kernels {
		for _, id := range b.Packages {
			switch prev := x.kernelOf[id]; {
			case prev == -1:
				x.kernelOf[id] = int32(k)
			case prev >= 0:
				x.shared[id] = []int32{prev, int32(k)}
				x.kernelOf[id] = -2
			default:
				x.shared[id] = append(x.shared[id], int32(k))
			}
			x.base.Remove(id)
		}
	}
	return x
}

// buildsOf returns the builds package id belongs to (none: nil).
func (x *depIndex) buildsOf(id resolver.PkgID, one *[1]int32) []int32 {
	switch k := x.kernelOf[id]; {
	case k >= 0:
		one[0] = k
		return one[:]
	case k == -2:
		return x.shared[id]
	}
	return nil
}

// avail is what dnf sees when build k is the only kernel: built lazily, as
// only rich deps need it.
func (x *depIndex) avail(k int) resolver.Set {
	if x.availFor[k] == nil {
		s := x.base.Clone()
		for _, id := range x.kernels[k].Packages {
			s.Add(id)
		}
		x.availFor[k] = &s
	}
	return *x.availFor[k]
}

// verdict says where kmod's require d is met, and why not on the builds
// where it is not. A rich dep is judged with the kmod's other requires
// (resolver.Pool.ResolvedFor), so its verdict is the kmod's own.
func (x *depIndex) verdict(kmod resolver.PkgID, d repomd.Dep) *depVerdict {
	p := x.p
	rich := p.IsRich(d.Name)
	key := verdictKey{dep: d}
	if rich {
		key.kmod = kmod + 1
	}
	if v, ok := x.verdicts[key]; ok {
		return v
	}
	v := &depVerdict{dep: d, inKernel: make([]bool, len(x.kernels))}
	if rich {
		v.everywhere = true
		for ki := range x.kernels {
			v.inKernel[ki] = p.ResolvedFor(kmod, d, x.avail(ki))
			v.everywhere = v.everywhere && v.inKernel[ki]
		}
	} else {
		var one [1]int32
		for _, prov := range p.WhatProvides(nil, d, x.all) {
			ks := x.buildsOf(prov, &one)
			if len(ks) == 0 {
				v.everywhere = true
				break
			}
			for _, ki := range ks {
				v.inKernel[ki] = true
			}
		}
	}
	if !v.everywhere {
		v.text = p.DepString(d)
		x.explain(v)
	}
	x.verdicts[key] = v
	return v
}

// row is kmod id's cells, one per build; scratch is reused room, returned
// for the next row.
func (x *depIndex) row(id resolver.PkgID, scratch []*depVerdict) ([]Cell, []*depVerdict) {
	// The kmod's distinct unmet deps, sorted as dnf prints them; a
	// Requires and a Requires(pre) on the same thing are one.
	missing := scratch[:0]
	for _, d := range x.p.Package(id).Deps(repomd.Requires) {
		if x.p.Skipped(d) {
			continue
		}
		if v := x.verdict(id, d.WithoutPre()); !v.everywhere {
			missing = append(missing, v)
		}
	}
	slices.SortFunc(missing, func(a, b *depVerdict) int { return strings.Compare(a.text, b.text) })
	missing = slices.Compact(missing)
	row := make([]Cell, len(x.kernels))
	// Counted first, so that the row's Missing lists share one allocation
	// of the exact size.
	counts := x.counts
	clear(counts)
	total := 0
	for _, v := range missing {
		for ki, met := range v.inKernel {
			if !met {
				counts[ki]++
				total++
			}
		}
	}
	if total == 0 {
		return row, missing
	}
	all := make([]Missing, total)
	for ki, n := range counts {
		if n > 0 {
			row[ki].Missing, all = all[:0:n], all[n:]
		}
	}
	for _, v := range missing {
		for ki, met := range v.inKernel {
			if !met {
				row[ki].Missing = append(row[ki].Missing, x.missing(v, ki))
			}
		}
	}
	return row, missing
}

// explain records what each build provides under v's name instead of v: a
// symbol's CRCs, a kernel's version, whether it has the kernel package at
// all. What a build "has" is what its packages, or the packages outside every
// build (ksym from other kmods), really provide under the name.
func (x *depIndex) explain(v *depVerdict) {
	p := x.p
	name := p.Strings.String(v.dep.Name)
	switch {
	case isSymbol(name):
		v.kind = kindSymbol
	case isKernelVersionDep(name):
		v.kind = kindKernelVersion
		v.named = make([]bool, len(x.kernels))
	}
	v.has = make([]repomd.ID, len(x.kernels))
	var common []repomd.ID // distinct, in pool order
	var several []int      // builds providing more than one EVR
	var one [1]int32
	provs := p.ProvidersOf(v.dep.Name)
	for _, e := range provs {
		ks := x.buildsOf(e.Pkg(), &one)
		if v.named != nil {
			if len(ks) == 0 {
				v.commonNamed = true
			}
			for _, ki := range ks {
				v.named[ki] = true
			}
		}
		evr := e.EVR()
		if evr == 0 {
			continue
		}
		if len(ks) == 0 && !slices.Contains(common, evr) {
			common = append(common, evr)
		}
		for _, ki := range ks {
			if v.has[ki] == 0 {
				v.has[ki] = evr
			} else if v.has[ki] != evr && !slices.Contains(several, int(ki)) {
				several = append(several, int(ki))
			}
		}
	}
	if len(common) == 0 && len(several) == 0 {
		return
	}
	// The rare case: join, for each build missing v that needs it, its
	// distinct EVRs in pool order and then the common ones.
	v.hasText = map[int]string{}
	for ki, met := range v.inKernel {
		if met || len(common) == 0 && !slices.Contains(several, ki) {
			continue
		}
		var evrs []repomd.ID
		for _, e := range provs {
			if evr := e.EVR(); evr != 0 && slices.Contains(x.buildsOf(e.Pkg(), &one), int32(ki)) && !slices.Contains(evrs, evr) {
				evrs = append(evrs, evr)
			}
		}
		for _, evr := range common {
			if !slices.Contains(evrs, evr) {
				evrs = append(evrs, evr)
			}
		}
		texts := make([]string, len(evrs))
		for i, evr := range evrs {
			texts[i] = p.Strings.String(evr)
		}
		v.hasText[ki] = strings.Join(texts, ",")
	}
}

// missing is v's Missing on build ki, which does not meet it: the symbol
// with another CRC, a missing symbol, a kernel version the build does not
// have, a kernel package the build does not have at all, or something not
// kernel-related.
func (x *depIndex) missing(v *depVerdict, ki int) Missing {
	h, ok := v.hasText[ki]
	if !ok && v.has[ki] != 0 {
		h = x.p.Strings.String(v.has[ki])
	}
	m := Missing{Dep: v.dep}
	switch v.kind {
	case kindSymbol:
		m.Reason = ReasonUnknownSymbol
		if h != "" {
			m.Reason, m.KernelHas = ReasonCRCMismatch, h
		}
	case kindKernelVersion:
		m.Reason, m.KernelHas = ReasonKernelVersion, h
		if !v.named[ki] && !v.commonNamed {
			m.Reason, m.KernelHas = ReasonKernelPackageMissing, ""
		}
	default:
		m.Reason = ReasonOther
	}
	return m
}

// isSymbol reports whether name is a kernel(SYM) or ksym(SYM) dependency.
func isSymbol(name string) bool {
	_, ok := symbolName(name)
	return ok
}

// symbol is one kernel(SYM) = CRC provide of a build, as interned ids: the
// whole "kernel(SYM)" name and the CRC.
type symbol struct{ name, crc repomd.ID }

// symbolTable returns a build's kernel(SYM) = 0xCRC provides sorted by name
// id, each name once. Arch provides such as kernel(x86-64) = 4.18.0-348.el8
// (versioned by EVR, not a 0x CRC) are left out. 8 bytes a symbol, so a
// series of 60 builds × 20,000 symbols holds in 10 MB.
func symbolTable(p *resolver.Pool, b KernelBuild, isSymbol symbolTest) []symbol {
	var t []symbol
	for _, id := range b.Packages {
		for _, d := range p.Package(id).Deps(repomd.Provides) {
			if isSymbol.is(d) {
				t = append(t, symbol{d.Name, d.EVR()})
			}
		}
	}
	slices.SortFunc(t, func(a, b symbol) int { return int(a.name) - int(b.name) })
	return slices.Clip(slices.CompactFunc(t, func(a, b symbol) bool { return a.name == b.name }))
}

// idTest remembers a test of interned strings by id: a kernel series
// provides the same names build after build, so each is tested once.
type idTest struct {
	strs *repomd.Strings
	test func(string) bool
	memo []uint8 // by id: 0 untested, 1 false, 2 true
}

func newIDTest(strs *repomd.Strings, test func(string) bool) *idTest {
	return &idTest{strs: strs, test: test, memo: make([]uint8, strs.Len())}
}

func (t *idTest) is(id repomd.ID) bool {
	if t.memo[id] == 0 {
		t.memo[id] = 1
		if t.test(t.strs.String(id)) {
			t.memo[id] = 2
		}
	}
	return t.memo[id] == 2
}

// symbolTest tells kernel(SYM) = 0xCRC provides from the others, such as
// the arch provide kernel(x86-64) = 4.18.0-348.el8; each name and version
// is tested once.
type symbolTest struct{ name, crc *idTest }

func newSymbolTest(strs *repomd.Strings) symbolTest {
	return symbolTest{
		name: newIDTest(strs, func(s string) bool { return strings.HasPrefix(s, "kernel(") }),
		crc:  newIDTest(strs, func(s string) bool { return strings.HasPrefix(s, "0x") }),
	}
}

// is reports whether d is a kernel(SYM) = 0xCRC provide.
func (t symbolTest) is(d repomd.Dep) bool {
	return d.Op() == repomd.OpEQ && t.crc.is(d.EVR()) && t.name.is(d.Name)
}

// lookup returns the CRC of the symbol named name (a "kernel(SYM)" id).
func lookup(t []symbol, name repomd.ID) (repomd.ID, bool) {
	i, ok := slices.BinarySearchFunc(t, name, func(s symbol, n repomd.ID) int { return int(s.name) - int(n) })
	if !ok {
		return 0, false
	}
	return t[i].crc, true
}

// CountSymbols returns how many kernel(...) symbols each build provides.
func CountSymbols(p *resolver.Pool, builds []KernelBuild) []int {
	counts := make([]int, len(builds))
	// seen[name] is 1 + the last build that counted name: a mark array
	// rather than a sort of each build's table.
	seen := make([]int32, p.Strings.Len())
	isSymbol := newSymbolTest(p.Strings)
	for i, b := range builds {
		for _, id := range b.Packages {
			for _, d := range p.Package(id).Deps(repomd.Provides) {
				if seen[d.Name] != int32(i+1) && isSymbol.is(d) {
					seen[d.Name] = int32(i + 1)
					counts[i]++
				}
			}
		}
	}
	return counts
}

// KernelRequires counts a package's kernel(...) and ksym(...) requires.
func KernelRequires(p *resolver.Pool, id resolver.PkgID) int {
	n := 0
	for _, d := range p.Package(id).Deps(repomd.Requires) {
		if _, ok := symbolName(p.Strings.String(d.Name)); ok {
			n++
		}
	}
	return n
}
