package main

import (
	"context"
	"fmt"
	"io"
	"slices"
	"text/tabwriter"

	"github.com/repoclosure/repoclosure/kabi"
)

// runSeries reports symbol change over the kernel builds and what it cost the kmods.
func runSeries(ctx context.Context, args []string, stdout, stderr io.Writer) (int, error) {
	fs, rf, kf := newKernelFlagSet("series", stderr)
	var refName, stablelist string
	var jsonOut bool
	fs.StringVar(&refName, "reference", "", "compare every build with this `UNAME` (default: the first build)")
	fs.StringVar(&stablelist, "stablelist", "", "kABI stable list `FILE`: kabi_stablelist_<arch>, Module.kabi_<arch> or the kernel-abi-stablelists .rpm")
	fs.BoolVar(&jsonOut, "json", false, "print JSON")
	if err := fs.Parse(args); err != nil {
		return exitError, usageError{err}
	}
	w, err := loadKernelWorld(ctx, rf, kf)
	if err != nil {
		return exitError, err
	}
	ref := 0
	if refName != "" {
		if ref, err = w.findKernel(refName); err != nil {
			return exitError, err
		}
	}
	var stable map[string]string
	if stablelist != "" {
		if stable, err = kabi.LoadStablelist(stablelist); err != nil {
			return exitError, err
		}
	}
	m := kabi.NewMatrix(w.pool, w.kernels, w.kmods)
	s := kabi.NewSeries(w.pool, m, ref)
	out := w.seriesReport(s, stable)
	if jsonOut {
		return exitClosed, writeJSON(stdout, out)
	}
	printSeries(stdout, out)
	return exitClosed, nil
}

type seriesJSON struct {
	Reference string            `json:"reference"`
	Kernels   []seriesKernel    `json:"kernels"`
	Kmods     []seriesKmod      `json:"kmods"`
	MostBreak []string          `json:"most_breaking"` // builds by kmods forced to rebuild, most first
	Stable    *stableCoverageJS `json:"stablelist,omitempty"`
}

type symCounts struct {
	Added     int `json:"added"`
	Removed   int `json:"removed"`
	Changed   int `json:"changed"`
	Unchanged int `json:"unchanged"`
}

type seriesKernel struct {
	Uname            string     `json:"uname"`
	Symbols          int        `json:"symbols"`
	VsReference      symCounts  `json:"vs_reference"`
	VsPrevious       *symCounts `json:"vs_previous,omitempty"`
	KmodsInstallable int        `json:"kmods_installable"`
	KmodsForced      int        `json:"kmods_forced_rebuild"`
}

type seriesKmod struct {
	NEVRA      string   `json:"nevra"`
	FirstWorks string   `json:"first_works,omitempty"`
	FirstBreak string   `json:"first_break,omitempty"`
	Rebuilds   int      `json:"rebuilds"`
	ForcedBy   []string `json:"forced_by"`
}

type stableCoverageJS struct {
	Stable            int     `json:"stable_symbols"`
	KernelSymbols     int     `json:"kernel_symbols"`
	StableInKernel    int     `json:"stable_in_kernel"`
	Share             float64 `json:"stable_share"`
	Consumed          int     `json:"consumed"`
	ConsumedStable    int     `json:"consumed_stable"`
	ConsumedChanged   int     `json:"consumed_changed"`
	ConsumedUnchanged int     `json:"consumed_unchanged"`
}

func counts(c kabi.SymbolCounts) symCounts {
	return symCounts{c.Added, c.Removed, c.Changed, c.Unchanged}
}

func (w *kernelWorld) seriesReport(s *kabi.Series, stable map[string]string) seriesJSON {
	uname := func(i int) string {
		if i < 0 {
			return ""
		}
		return s.Kernels[i].Uname
	}
	out := seriesJSON{Reference: uname(s.Reference), Kernels: []seriesKernel{}, Kmods: []seriesKmod{}, MostBreak: []string{}}
	for _, r := range s.Rows {
		k := seriesKernel{Uname: uname(r.Kernel), Symbols: r.Symbols, VsReference: counts(r.VsReference),
			KmodsInstallable: r.KmodsInstallable, KmodsForced: r.KmodsForced}
		if r.Kernel > 0 {
			c := counts(r.VsPrevious)
			k.VsPrevious = &c
		}
		out.Kernels = append(out.Kernels, k)
	}
	for _, h := range s.Kmods {
		k := seriesKmod{NEVRA: w.pool.NEVRA(h.Kmod), FirstWorks: uname(h.FirstWorks), FirstBreak: uname(h.FirstBreak), Rebuilds: h.Rebuilds, ForcedBy: []string{}}
		for _, f := range h.ForcedBy {
			k.ForcedBy = append(k.ForcedBy, uname(f))
		}
		out.Kmods = append(out.Kmods, k)
	}
	order := make([]int, 0, len(s.Rows))
	for i, r := range s.Rows {
		if r.KmodsForced > 0 {
			order = append(order, i)
		}
	}
	slices.SortStableFunc(order, func(a, b int) int { return s.Rows[b].KmodsForced - s.Rows[a].KmodsForced })
	for _, i := range order {
		out.MostBreak = append(out.MostBreak, uname(i))
	}
	if stable != nil {
		c := kabi.Coverage(w.pool, s, stable, w.kmods)
		out.Stable = &stableCoverageJS{c.Stable, c.KernelSymbols, c.StableInKernel, c.Share, c.Consumed, c.ConsumedStable, c.ConsumedChanged, c.ConsumedUnchanged}
	}
	return out
}

func printSeries(w io.Writer, s seriesJSON) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(w, "kernel symbol change (reference %s)\n", s.Reference)
	fmt.Fprintln(tw, "kernel\tsymbols\t+ref\t-ref\t~ref\t+prev\t-prev\t~prev\tkmods ok\trebuilds forced\t")
	for _, k := range s.Kernels {
		prev := symCounts{}
		if k.VsPrevious != nil {
			prev = *k.VsPrevious
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t\n", k.Uname, k.Symbols,
			k.VsReference.Added, k.VsReference.Removed, k.VsReference.Changed,
			prev.Added, prev.Removed, prev.Changed, k.KmodsInstallable, k.KmodsForced)
	}
	tw.Flush()
	if len(s.Kmods) > 0 {
		fmt.Fprintln(w, "\nkmods")
		tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "kmod\tfirst works\tfirst breaks\trebuilds needed\t")
		for _, k := range s.Kmods {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t\n", k.NEVRA, orDash(k.FirstWorks), orDash(k.FirstBreak), k.Rebuilds)
		}
		tw.Flush()
	}
	if len(s.MostBreak) > 0 {
		fmt.Fprintln(w, "\nbuilds that forced the most kmod rebuilds")
		byUname := map[string]int{}
		for _, k := range s.Kernels {
			byUname[k.Uname] = k.KmodsForced
		}
		for i, u := range s.MostBreak {
			if i == 10 {
				break
			}
			fmt.Fprintf(w, "  %s: %d kmods\n", u, byUname[u])
		}
	}
	if c := s.Stable; c != nil {
		fmt.Fprintf(w, "\nkABI stable list: %d symbols; %d of the reference build's %d symbols (%.1f%%)\n",
			c.Stable, c.StableInKernel, c.KernelSymbols, 100*c.Share)
		fmt.Fprintf(w, "symbols the kmods consume: %d unique, %d on the stable list, %d changed in the series, %d unchanged\n",
			c.Consumed, c.ConsumedStable, c.ConsumedChanged, c.ConsumedUnchanged)
	}
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
