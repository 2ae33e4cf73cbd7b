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

// depVerdict is where one distinct dependency is met, and, once asked, why
// not on each build.
type depVerdict struct {
	dep        repomd.Dep
	text       string // as dnf prints it; cells sort by it
	everywhere bool   // a package outside every kernel build meets it
	inKernel   []bool // else: the builds whose packages meet it
	reasons    []Missing
}

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
		v.reasons = x.reasons(d)
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
	for _, d := range x.p.Package(id).Deps[repomd.Requires] {
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
	for _, v := range missing {
		for ki := range x.kernels {
			if !v.inKernel[ki] {
				row[ki].Missing = append(row[ki].Missing, v.reasons[ki])
			}
		}
	}
	return row, missing
}

// reasons says, for each build, why d is not met there: the symbol with
// another CRC, a missing symbol, a kernel version the build does not have,
// a kernel package the build does not have at all, or something not
// kernel-related. What a build "has" is what its packages, or the packages
// outside every build (ksym from other kmods), really provide under d's
// name.
func (x *depIndex) reasons(d repomd.Dep) []Missing {
	p := x.p
	has := make([][]string, len(x.kernels))
	named := make([]bool, len(x.kernels)) // the build provides d's name at all
	var common []string
	commonNamed := false
	var one [1]int32
	for _, e := range p.ProvidersOf(d.Name) {
		ks := x.buildsOf(e.Pkg(), &one)
		if len(ks) == 0 {
			commonNamed = true
		}
		for _, ki := range ks {
			named[ki] = true
		}
		if e.EVR() == 0 {
			continue
		}
		evr := p.Strings.String(e.EVR())
		for _, ki := range ks {
			if !slices.Contains(has[ki], evr) {
				has[ki] = append(has[ki], evr)
			}
		}
		if len(ks) == 0 && !slices.Contains(common, evr) {
			common = append(common, evr)
		}
	}
	name := p.Strings.String(d.Name)
	_, isSym := SymbolName(name)
	out := make([]Missing, len(x.kernels))
	for ki := range x.kernels {
		h := strings.Join(append(has[ki], common...), ",")
		m := Missing{Dep: d}
		switch {
		case isSym && h != "":
			m.Reason, m.KernelHas = ReasonCRCMismatch, h
		case isSym:
			m.Reason = ReasonUnknownSymbol
		case IsKernelVersionDep(name) && !named[ki] && !commonNamed:
			m.Reason = ReasonKernelPackageMissing
		case IsKernelVersionDep(name):
			m.Reason, m.KernelHas = ReasonKernelVersion, h
		default:
			m.Reason = ReasonOther
		}
		out[ki] = m
	}
	return out
}

// symbol is one kernel(SYM) = CRC provide of a build, as interned ids: the
// whole "kernel(SYM)" name and the CRC.
type symbol struct{ name, crc repomd.ID }

// symbolTable returns a build's kernel(SYM) = 0xCRC provides sorted by name
// id, each name once. Arch provides such as kernel(x86-64) = 4.18.0-348.el8
// (versioned by EVR, not a 0x CRC) are left out. 8 bytes a symbol, so a
// series of 60 builds × 20,000 symbols holds in 10 MB.
func symbolTable(p *resolver.Pool, b KernelBuild) []symbol {
	return slices.Clip(appendSymbols(p, nil, b))
}

// appendSymbols appends b's symbol table to dst[:0], reusing its room.
func appendSymbols(p *resolver.Pool, dst []symbol, b KernelBuild) []symbol {
	t := dst[:0]
	for _, id := range b.Packages {
		for _, d := range p.Package(id).Deps[repomd.Provides] {
			if d.Op() != repomd.OpEQ || !strings.HasPrefix(p.Strings.String(d.EVR()), "0x") || !strings.HasPrefix(p.Strings.String(d.Name), "kernel(") {
				continue
			}
			t = append(t, symbol{d.Name, d.EVR()})
		}
	}
	slices.SortFunc(t, func(a, b symbol) int { return int(a.name) - int(b.name) })
	return slices.CompactFunc(t, func(a, b symbol) bool { return a.name == b.name })
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
	var scratch []symbol
	for i, b := range builds {
		scratch = appendSymbols(p, scratch, b)
		counts[i] = len(scratch)
	}
	return counts
}

// KernelRequires counts a package's kernel(...) and ksym(...) requires.
func KernelRequires(p *resolver.Pool, id resolver.PkgID) int {
	n := 0
	for _, d := range p.Package(id).Deps[repomd.Requires] {
		if _, ok := SymbolName(p.Strings.String(d.Name)); ok {
			n++
		}
	}
	return n
}
