package resolver

import (
	"bufio"
	"fmt"
	"github.com/repoclosure/repoclosure/repomd"
	"io"
	"slices"
	"strings"
)

// SymbolDiff compares the kernel(...) symbols of two builds.
type SymbolDiff struct {
	Added     []string // in B only
	Removed   []string // in A only
	Changed   []string // in both, CRC differs
	Unchanged []string // in both, same CRC
}

// DiffSymbols compares symbol -> CRC tables; each list is sorted.
func DiffSymbols(a, b map[string]string) SymbolDiff {
	var d SymbolDiff
	for sym, crcA := range a {
		crcB, ok := b[sym]
		switch {
		case !ok:
			d.Removed = append(d.Removed, sym)
		case CompareEVR(crcA, crcB) != 0:
			d.Changed = append(d.Changed, sym)
		default:
			d.Unchanged = append(d.Unchanged, sym)
		}
	}
	for sym := range b {
		if _, ok := a[sym]; !ok {
			d.Added = append(d.Added, sym)
		}
	}
	for _, l := range []*[]string{&d.Added, &d.Removed, &d.Changed, &d.Unchanged} {
		slices.Sort(*l)
	}
	return d
}

// SeriesRow is one kernel build of a series.
type SeriesRow struct {
	Kernel      int // index into the series' kernels
	Symbols     int
	VsReference SymbolDiff
	VsPrevious  SymbolDiff // empty for the first build
	// KmodsForced counts the kmods whose symbols changed (CRC, or gone)
	// at this build compared with the previous one: the rebuilds it forced.
	KmodsForced int
	// KmodsInstallable counts the kmods that install on this build.
	KmodsInstallable int
}

// KmodHistory is one kmod across a series.
type KmodHistory struct {
	Kmod PkgID
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

// KernelSeries measures symbol change across builds (against the reference
// build and the previous one) and what it cost each kmod. m must be the
// matrix of the same kernels; its kmods are the ones followed.
func (p *Pool) KernelSeries(m *Matrix, reference int) *Series {
	s := &Series{Kernels: m.Kernels, Reference: reference}
	tables := make([]map[string]string, len(m.Kernels))
	for i, b := range m.Kernels {
		tables[i] = p.Symbols(b)
	}
	for i := range m.Kernels {
		row := SeriesRow{Kernel: i, Symbols: len(tables[i])}
		if reference >= 0 && reference < len(tables) {
			row.VsReference = DiffSymbols(tables[reference], tables[i])
		}
		if i > 0 {
			row.VsPrevious = DiffSymbols(tables[i-1], tables[i])
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
		syms := p.usedSymbols(id)
		seen := map[string]bool{}
		prev := ""
		for ki := range m.Kernels {
			sig := signature(syms, tables[ki])
			if !seen[sig] {
				seen[sig] = true
				h.Rebuilds++
			}
			if ki > 0 && sig != prev {
				h.ForcedBy = append(h.ForcedBy, ki)
				s.Rows[ki].KmodsForced++
			}
			prev = sig
		}
		s.Kmods = append(s.Kmods, h)
	}
	return s
}

// usedSymbols returns the kernel(SYM) names a package requires, sorted.
func (p *Pool) usedSymbols(id PkgID) []string {
	var syms []string
	for _, d := range p.pkgs[id].Deps[repomd.Requires] {
		name := p.str(d.Name)
		if strings.HasPrefix(name, "kernel(") {
			sym, _ := SymbolName(name)
			syms = append(syms, sym)
		}
	}
	slices.Sort(syms)
	return slices.Compact(syms)
}

// signature is the CRC vector of syms in one build ("-" for absent).
func signature(syms []string, table map[string]string) string {
	var b strings.Builder
	for _, sym := range syms {
		crc, ok := table[sym]
		if !ok {
			crc = "-"
		}
		b.WriteString(crc)
		b.WriteByte(',')
	}
	return b.String()
}

// ParseStablelist reads a kABI stable list: Red Hat's kabi_stablelist_<arch>
// ("[rhel8_x86_64_whitelist]" sections of indented symbol names) or the
// kernel sources' Module.kabi_<arch> ("0xCRC<TAB>symbol<TAB>vmlinux<TAB>EXPORT_SYMBOL").
// It returns symbol -> CRC ("" when the format carries none).
func ParseStablelist(r io.Reader, name string) (map[string]string, error) {
	out := make(map[string]string)
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	line := 0
	for sc.Scan() {
		line++
		text := strings.TrimSpace(sc.Text())
		if text == "" || strings.HasPrefix(text, "#") || strings.HasPrefix(text, "[") {
			continue
		}
		fields := strings.Fields(text)
		switch {
		case strings.HasPrefix(fields[0], "0x") && len(fields) >= 2:
			out[fields[1]] = fields[0]
		case len(fields) == 1:
			out[fields[0]] = ""
		default:
			return nil, fmt.Errorf("%s:%d: not a stable-list line: %q", name, line, text)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: no symbols", name)
	}
	return out, nil
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
func (p *Pool) Coverage(s *Series, stable map[string]string, kmods []PkgID) StableCoverage {
	ref := p.Symbols(s.Kernels[s.Reference])
	c := StableCoverage{Stable: len(stable), KernelSymbols: len(ref)}
	for sym := range stable {
		if _, ok := ref[sym]; ok {
			c.StableInKernel++
		}
	}
	if c.KernelSymbols > 0 {
		c.Share = float64(c.StableInKernel) / float64(c.KernelSymbols)
	}
	tables := make([]map[string]string, len(s.Kernels))
	for i, b := range s.Kernels {
		tables[i] = p.Symbols(b)
	}
	consumed := map[string]bool{}
	for _, id := range kmods {
		for _, sym := range p.usedSymbols(id) {
			consumed[sym] = true
		}
	}
	c.Consumed = len(consumed)
	for sym := range consumed {
		if _, ok := stable[sym]; ok {
			c.ConsumedStable++
		}
		crc, changed := "", false
		for _, t := range tables {
			v, ok := t[sym]
			if !ok {
				changed = true
				break
			}
			if crc != "" && v != crc {
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
