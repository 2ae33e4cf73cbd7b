package kabi

import (
	"cmp"
	"slices"
	"strings"

	"github.com/repoclosure/repoclosure/repomd"
	"github.com/repoclosure/repoclosure/resolver"
)

// SymbolBlame is one kernel symbol the kmods of a matrix consume, and what
// its changes across the builds cost them.
type SymbolBlame struct {
	Symbol string // "napi_enable"
	// Consumers are the matrix's kmods that require kernel(Symbol), in
	// matrix order.
	Consumers []resolver.PkgID
	// ChangedIn are the builds (indices) where the symbol differs from the
	// build before: another CRC, or there in one and not the other.
	ChangedIn []int
	// Breaks counts the matrix cells (kmod × build) where a kernel(Symbol)
	// requirement is among the missing.
	Breaks int
}

// Blame returns a SymbolBlame for every kernel(SYM) the matrix's kmods
// require, ranked by breaks caused (most first), then by consumers, then by
// name: the head of the list is the symbol most kmods complain about.
func Blame(p *resolver.Pool, m *Matrix) []SymbolBlame {
	bySym := map[repomd.ID]*SymbolBlame{}
	var order []repomd.ID
	for _, id := range m.Kmods {
		for _, sym := range usedSymbols(p, id) {
			b := bySym[sym]
			if b == nil {
				name, _ := symbolName(p.Strings.String(sym))
				b = &SymbolBlame{Symbol: name}
				bySym[sym] = b
				order = append(order, sym)
			}
			b.Consumers = append(b.Consumers, id)
		}
	}
	for _, row := range m.Cells {
		for _, c := range row {
			for n, miss := range c.Missing {
				b := bySym[miss.Dep.Name]
				// A cell counts once per symbol, even if it requires
				// the symbol twice.
				if b == nil || slices.ContainsFunc(c.Missing[:n], func(o Missing) bool { return o.Dep.Name == miss.Dep.Name }) {
					continue
				}
				b.Breaks++
			}
		}
	}
	tables := symbolTables(p, m.Kernels)
	for ki := 1; ki < len(tables); ki++ {
		for _, sym := range order {
			was, inBefore := lookup(tables[ki-1], sym)
			is, inNow := lookup(tables[ki], sym)
			if inBefore != inNow || inNow && was != is && resolver.CompareEVR(p.Strings.String(was), p.Strings.String(is)) != 0 {
				bySym[sym].ChangedIn = append(bySym[sym].ChangedIn, ki)
			}
		}
	}
	out := make([]SymbolBlame, 0, len(order))
	for _, sym := range order {
		out = append(out, *bySym[sym])
	}
	slices.SortFunc(out, func(a, b SymbolBlame) int {
		return cmp.Or(b.Breaks-a.Breaks, len(b.Consumers)-len(a.Consumers), cmp.Compare(a.Symbol, b.Symbol))
	})
	return out
}

// StableChange is how a kABI stable list differs from an earlier one.
type StableChange struct {
	Added, Removed []string // symbols, sorted
	// CRCChanged are the symbols on both whose CRCs differ (lists that
	// carry no CRCs never show one).
	CRCChanged []string
}

// CompareStablelists compares stable list b with the earlier list a (both
// as ParseStablelist returns them).
func CompareStablelists(a, b map[string]string) StableChange {
	c := StableChange{Added: []string{}, Removed: []string{}, CRCChanged: []string{}}
	for sym, crc := range b {
		old, ok := a[sym]
		switch {
		case !ok:
			c.Added = append(c.Added, sym)
		case old != "" && crc != "" && !strings.EqualFold(old, crc):
			c.CRCChanged = append(c.CRCChanged, sym)
		}
	}
	for sym := range a {
		if _, ok := b[sym]; !ok {
			c.Removed = append(c.Removed, sym)
		}
	}
	slices.Sort(c.Added)
	slices.Sort(c.Removed)
	slices.Sort(c.CRCChanged)
	return c
}
