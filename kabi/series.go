package kabi

import (
	"encoding/binary"
	"slices"
	"strings"

	"github.com/repoclosure/repoclosure/repomd"
	"github.com/repoclosure/repoclosure/resolver"
)

// SymbolDiff compares the kernel(...) symbols of two builds.
type SymbolDiff struct {
	Added     []string // in B only
	Removed   []string // in A only
	Changed   []string // in both, CRC differs
	Unchanged []string // in both, same CRC
}

// SymbolCounts is a SymbolDiff's sizes.
type SymbolCounts struct{ Added, Removed, Changed, Unchanged int }

// DiffBuilds compares the kernel(...) symbols of two builds.
func DiffBuilds(p *resolver.Pool, a, b KernelBuild) SymbolDiff {
	var d SymbolDiff
	lists := [...]*[]string{&d.Added, &d.Removed, &d.Changed, &d.Unchanged}
	isSymbol := newSymbolTest(p.Strings)
	mergeTables(p, symbolTable(p, a, isSymbol), symbolTable(p, b, isSymbol), func(c symbolChange, name repomd.ID) {
		sym, _ := symbolName(p.Strings.String(name))
		*lists[c] = append(*lists[c], sym)
	})
	for _, l := range lists {
		slices.Sort(*l)
	}
	return d
}

// countChanges is DiffBuilds' counts, without the lists.
func countChanges(p *resolver.Pool, a, b []symbol) SymbolCounts {
	var n [4]int
	mergeTables(p, a, b, func(c symbolChange, _ repomd.ID) { n[c]++ })
	return SymbolCounts{Added: n[symbolAdded], Removed: n[symbolRemoved], Changed: n[symbolChanged], Unchanged: n[symbolUnchanged]}
}

// symbolChange classifies a symbol between two builds.
type symbolChange uint8

const (
	symbolAdded symbolChange = iota
	symbolRemoved
	symbolChanged
	symbolUnchanged
)

// mergeTables walks two symbol tables in name order and reports each name's
// change from a to b.
func mergeTables(p *resolver.Pool, a, b []symbol, report func(symbolChange, repomd.ID)) {
	i, j := 0, 0
	for i < len(a) || j < len(b) {
		switch {
		case j == len(b) || i < len(a) && a[i].name < b[j].name:
			report(symbolRemoved, a[i].name)
			i++
		case i == len(a) || b[j].name < a[i].name:
			report(symbolAdded, b[j].name)
			j++
		default:
			if a[i].crc == b[j].crc || resolver.CompareEVR(p.Strings.String(a[i].crc), p.Strings.String(b[j].crc)) == 0 {
				report(symbolUnchanged, a[i].name)
			} else {
				report(symbolChanged, a[i].name)
			}
			i, j = i+1, j+1
		}
	}
}

// SeriesRow is one kernel build of a series.
type SeriesRow struct {
	Kernel      int // index into the series' kernels
	Symbols     int
	VsReference SymbolCounts
	// Previous is the build before this one of the same source name, arch
	// and flavour (the one the regression rule compares with), -1 for none;
	// VsPrevious is zero then.
	Previous   int
	VsPrevious SymbolCounts
	// KmodsForced counts the kmods whose symbols changed (CRC, or gone)
	// at this build compared with the previous one: the rebuilds it forced.
	KmodsForced int
	// KmodsInstallable counts the kmods that install on this build.
	KmodsInstallable int
}

// KmodHistory is one kmod across a series.
type KmodHistory struct {
	Kmod resolver.PkgID
	// FirstWorks is the first build it installs on; -1 when none.
	FirstWorks int
	// FirstBreak is the first build after FirstWorks it does not install
	// on; -1 when it never breaks again.
	FirstBreak int
	// Rebuilds is how many distinct builds of the kmod the series needs:
	// the number of distinct CRC vectors of the symbols it uses.
	Rebuilds int
	// ForcedBy lists the builds whose symbol change forced a rebuild.
	ForcedBy []int
}

// Series is the rate-of-change report over kernel builds in order.
type Series struct {
	Kernels   []KernelBuild
	Reference int
	Rows      []SeriesRow
	Kmods     []KmodHistory
}

// NewSeries measures symbol change across builds (against the reference
// build and the previous one) and what it cost each kmod. m must be the
// matrix of the same kernels; its kmods are the ones followed.
func NewSeries(p *resolver.Pool, m *Matrix, reference int) *Series {
	s := &Series{Kernels: m.Kernels, Reference: reference}
	tables := symbolTables(p, m.Kernels)
	refs := make([]BuildRef, len(m.Kernels))
	for i, b := range m.Kernels {
		refs[i] = BuildRef{Uname: b.Uname, EVR: b.EVR, Source: b.Source, Arch: b.Arch}
	}
	for i := range m.Kernels {
		row := SeriesRow{Kernel: i, Symbols: len(tables[i]), Previous: Previous(refs, i)}
		if reference >= 0 && reference < len(tables) {
			row.VsReference = countChanges(p, tables[reference], tables[i])
		}
		if row.Previous >= 0 {
			row.VsPrevious = countChanges(p, tables[row.Previous], tables[i])
		}
		for mi := range m.Kmods {
			if m.Cells[mi][i].Installable() {
				row.KmodsInstallable++
			}
		}
		s.Rows = append(s.Rows, row)
	}
	for mi, id := range m.Kmods {
		h := KmodHistory{Kmod: id, FirstWorks: -1, FirstBreak: -1}
		for ki := range m.Kernels {
			ok := m.Cells[mi][ki].Installable()
			if ok && h.FirstWorks < 0 {
				h.FirstWorks = ki
			}
			if !ok && h.FirstWorks >= 0 && h.FirstBreak < 0 {
				h.FirstBreak = ki
			}
		}
		syms := usedSymbols(p, id)
		sigs := make([]string, len(m.Kernels))
		seen := map[string]bool{}
		for ki := range m.Kernels {
			sigs[ki] = signature(syms, tables[ki])
			if !seen[sigs[ki]] {
				seen[sigs[ki]] = true
				h.Rebuilds++
			}
			if prev := s.Rows[ki].Previous; prev >= 0 && sigs[ki] != sigs[prev] {
				h.ForcedBy = append(h.ForcedBy, ki)
				s.Rows[ki].KmodsForced++
			}
		}
		s.Kmods = append(s.Kmods, h)
	}
	return s
}

// symbolTables returns the symbol table of each build.
func symbolTables(p *resolver.Pool, builds []KernelBuild) [][]symbol {
	tables := make([][]symbol, len(builds))
	isSymbol := newSymbolTest(p.Strings)
	for i, b := range builds {
		tables[i] = symbolTable(p, b, isSymbol)
	}
	return tables
}

// usedSymbols returns the kernel(SYM) names (ids) a package requires, sorted.
func usedSymbols(p *resolver.Pool, id resolver.PkgID) []repomd.ID {
	var syms []repomd.ID
	for _, d := range p.Package(id).Deps(repomd.Requires) {
		if strings.HasPrefix(p.Strings.String(d.Name), "kernel(") {
			syms = append(syms, d.Name)
		}
	}
	slices.Sort(syms)
	return slices.Compact(syms)
}

// signature is the CRC vector of syms in one build (0 for absent), as a
// string key.
func signature(syms []repomd.ID, table []symbol) string {
	b := make([]byte, 0, 4*len(syms))
	for _, sym := range syms {
		crc, _ := lookup(table, sym)
		b = binary.LittleEndian.AppendUint32(b, uint32(crc))
	}
	return string(b)
}

// StableCoverage relates a stable list to a series and its kmods.
type StableCoverage struct {
	Stable         int     // symbols on the list
	KernelSymbols  int     // symbols of the reference build
	StableInKernel int     // stable symbols the reference build provides
	Share          float64 // StableInKernel / KernelSymbols
	// Of the distinct symbols the kmods consume:
	Consumed          int
	ConsumedStable    int // on the stable list
	ConsumedChanged   int // CRC changed (or vanished) somewhere in the series
	ConsumedUnchanged int // same CRC in every build that has it
}

// Coverage measures a stable list against the series.
func Coverage(p *resolver.Pool, s *Series, stable map[string]string, kmods []resolver.PkgID) StableCoverage {
	tables := symbolTables(p, s.Kernels)
	ref := tables[s.Reference]
	c := StableCoverage{Stable: len(stable), KernelSymbols: len(ref)}
	for _, sym := range ref {
		name, _ := symbolName(p.Strings.String(sym.name))
		if _, ok := stable[name]; ok {
			c.StableInKernel++
		}
	}
	if c.KernelSymbols > 0 {
		c.Share = float64(c.StableInKernel) / float64(c.KernelSymbols)
	}
	consumed := map[repomd.ID]bool{}
	for _, id := range kmods {
		for _, sym := range usedSymbols(p, id) {
			consumed[sym] = true
		}
	}
	c.Consumed = len(consumed)
	for sym := range consumed {
		name, _ := symbolName(p.Strings.String(sym))
		if _, ok := stable[name]; ok {
			c.ConsumedStable++
		}
		// Changed: the CRC differs between builds, or a build lacks it.
		var crc repomd.ID
		changed := false
		for _, t := range tables {
			v, ok := lookup(t, sym)
			if !ok || crc != 0 && v != crc && resolver.CompareEVR(p.Strings.String(v), p.Strings.String(crc)) != 0 {
				changed = true
				break
			}
			crc = v
		}
		if changed {
			c.ConsumedChanged++
		} else {
			c.ConsumedUnchanged++
		}
	}
	return c
}
