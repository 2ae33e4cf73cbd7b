package main

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/repoclosure/repoclosure/cmd/repoclosure/report"
	"github.com/repoclosure/repoclosure/kabi"
)

// runSeries reports symbol change over the kernel builds and what it cost the kmods.
func runSeries(ctx context.Context, args []string, stdout, stderr io.Writer) (int, error) {
	fs, rf, kf := newKernelFlagSet("series", stderr)
	var refName, format, outFile, title string
	var stablelists rawListFlag
	var jsonOut, symbols bool
	fs.StringVar(&refName, "reference", "", "compare every build with this `UNAME` (default: the first build)")
	fs.Var(&stablelists, "stablelist", "kABI stable list `[LABEL=]FILE`: kabi_stablelist_<arch>, Module.kabi_<arch> or the kernel-abi-stablelists .rpm; repeat to follow the list's evolution (coverage uses the last)")
	fs.BoolVar(&symbols, "symbols", false, "symbol blame: per symbol the kmods consume, its consumers, stable-list membership, the builds that changed it and the cells it breaks")
	fs.StringVar(&format, "format", "text", "output `FORMAT`: text, json or html")
	fs.BoolVar(&jsonOut, "json", false, "print JSON (--format json)")
	fs.StringVar(&outFile, "o", "", "write to `FILE` instead of standard output")
	fs.StringVar(&title, "title", "kernel series", "page `TITLE` for --format html")
	if err := fs.Parse(args); err != nil {
		return exitError, usageError{err}
	}
	if jsonOut {
		format = "json"
	}
	if format != "text" && format != "json" && format != "html" {
		return exitError, usageError{fmt.Errorf("--format %q: want text, json or html", format)}
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
	var lists []labelledList
	for _, arg := range stablelists {
		label, file := stablelistArg(arg)
		syms, err := kabi.LoadStablelist(file)
		if err != nil {
			return exitError, err
		}
		lists = append(lists, labelledList{label, syms})
	}
	m := kabi.NewMatrix(w.pool, w.kernels, w.kmods)
	out := w.seriesReport(m, kabi.NewSeries(w.pool, m, ref), lists, symbols)
	return writeOutput(stdout, stderr, outFile, func(dst io.Writer) error {
		switch format {
		case "json":
			return writeJSON(dst, out)
		case "html":
			return report.WriteSeriesHTML(dst, out, title)
		}
		printSeries(dst, out)
		return nil
	})
}

// labelledList is a parsed stable list and its label.
type labelledList struct {
	label string
	syms  map[string]string
}

// stablelistArg splits --stablelist's LABEL=FILE; a bare FILE is labelled by
// its base name.
func stablelistArg(arg string) (label, file string) {
	if l, f, ok := strings.Cut(arg, "="); ok && !strings.ContainsRune(l, '/') {
		return l, f
	}
	return filepath.Base(arg), arg
}

// writeOutput calls write on stdout, or on FILE (written atomically) when
// outFile is set.
func writeOutput(stdout, stderr io.Writer, outFile string, write func(io.Writer) error) (int, error) {
	if outFile == "" {
		if err := write(stdout); err != nil {
			return exitError, err
		}
		return exitClosed, nil
	}
	f, err := createAtomic(outFile)
	if err != nil {
		return exitError, err
	}
	defer f.abort()
	if err := write(f); err != nil {
		return exitError, err
	}
	if err := f.commit(); err != nil {
		return exitError, err
	}
	return exitClosed, nil
}

func counts(c kabi.SymbolCounts) report.SymCounts {
	return report.SymCounts{Added: c.Added, Removed: c.Removed, Changed: c.Changed, Unchanged: c.Unchanged}
}

func (w *kernelWorld) seriesReport(m *kabi.Matrix, s *kabi.Series, lists []labelledList, symbols bool) *report.Series {
	uname := func(i int) string {
		if i < 0 {
			return ""
		}
		return s.Kernels[i].Uname
	}
	out := &report.Series{Reference: uname(s.Reference), Kernels: []report.SeriesKernel{}, Kmods: []report.SeriesKmod{}, MostBreaking: []string{}}
	for _, r := range s.Rows {
		k := report.SeriesKernel{Uname: uname(r.Kernel), Symbols: r.Symbols, VsReference: counts(r.VsReference),
			KmodsInstallable: r.KmodsInstallable, KmodsForced: r.KmodsForced}
		if r.Kernel > 0 {
			c := counts(r.VsPrevious)
			k.VsPrevious = &c
		}
		out.Kernels = append(out.Kernels, k)
	}
	for _, h := range s.Kmods {
		k := report.SeriesKmod{NEVRA: w.pool.NEVRA(h.Kmod), FirstWorks: uname(h.FirstWorks), FirstBreak: uname(h.FirstBreak), Rebuilds: h.Rebuilds, ForcedBy: []string{}}
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
		out.MostBreaking = append(out.MostBreaking, uname(i))
	}
	var stable map[string]string
	if len(lists) > 0 {
		stable = lists[len(lists)-1].syms
		c := kabi.Coverage(w.pool, s, stable, w.kmods)
		out.Stable = &report.StableCoverage{Stable: c.Stable, KernelSymbols: c.KernelSymbols, StableInKernel: c.StableInKernel, Share: c.Share,
			Consumed: c.Consumed, ConsumedStable: c.ConsumedStable, ConsumedChanged: c.ConsumedChanged, ConsumedUnchanged: c.ConsumedUnchanged}
	}
	if len(lists) > 1 {
		for i, l := range lists {
			var before map[string]string
			if i > 0 {
				before = lists[i-1].syms
			} else {
				before = l.syms // the first list is compared with nothing
			}
			d := kabi.CompareStablelists(before, l.syms)
			out.StableLists = append(out.StableLists, report.StableList{Label: l.label, Symbols: len(l.syms),
				Added: d.Added, Removed: d.Removed, CRCChanged: d.CRCChanged})
		}
	}
	if symbols {
		out.Symbols = w.blameReport(m, stable)
	}
	return out
}

// blameReport converts the symbol blame; stable is nil without a list.
func (w *kernelWorld) blameReport(m *kabi.Matrix, stable map[string]string) []report.SymbolBlame {
	out := []report.SymbolBlame{}
	for _, b := range kabi.Blame(w.pool, m) {
		names := map[string]bool{}
		for _, id := range b.Consumers {
			names[w.pool.Strings.String(w.pool.Package(id).Name)] = true
		}
		r := report.SymbolBlame{Symbol: b.Symbol, Consumers: len(b.Consumers), ConsumerNames: len(names), ChangedIn: []string{}, Breaks: b.Breaks}
		for _, k := range b.ChangedIn {
			r.ChangedIn = append(r.ChangedIn, m.Kernels[k].Uname)
		}
		if stable != nil {
			_, on := stable[b.Symbol]
			r.Stable = &on
		}
		out = append(out, r)
	}
	return out
}

// blameRanking is how many symbols the text output ranks.
const blameRanking = 20

func printSeries(w io.Writer, s *report.Series) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(w, "kernel symbol change (reference %s)\n", s.Reference)
	fmt.Fprintln(tw, "kernel\tsymbols\t+ref\t-ref\t~ref\t+prev\t-prev\t~prev\tkmods ok\trebuilds forced\t")
	for _, k := range s.Kernels {
		prev := report.SymCounts{}
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
	if len(s.MostBreaking) > 0 {
		fmt.Fprintln(w, "\nbuilds that forced the most kmod rebuilds")
		byUname := map[string]int{}
		for _, k := range s.Kernels {
			byUname[k.Uname] = k.KmodsForced
		}
		for i, u := range s.MostBreaking {
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
	if len(s.StableLists) > 0 {
		fmt.Fprintln(w, "\nstable-list evolution (each list against the one before)")
		tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
		fmt.Fprintln(tw, "list\tsymbols\tadded\tremoved\tCRC changed\t")
		for _, l := range s.StableLists {
			fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t\n", l.Label, l.Symbols, len(l.Added), len(l.Removed), len(l.CRCChanged))
		}
		tw.Flush()
	}
	if len(s.Symbols) > 0 {
		rank := func(title string, syms []report.SymbolBlame) {
			fmt.Fprintf(w, "\n%s\n", title)
			tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
			fmt.Fprintln(tw, "symbol\tbreaks\tconsumers\tnames\tstable\tchanged in\t")
			for _, b := range syms[:min(blameRanking, len(syms))] {
				stable := "-"
				if b.Stable != nil {
					stable = map[bool]string{true: "yes", false: "no"}[*b.Stable]
				}
				fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%s\t%d builds\t\n", b.Symbol, b.Breaks, b.Consumers, b.ConsumerNames, stable, len(b.ChangedIn))
			}
			tw.Flush()
		}
		rank("symbols by breaks caused (kmod × build cells where they are missing)", s.Symbols)
		rank("symbols by consumers (kmods requiring them)", report.SymbolsByConsumers(s.Symbols))
	}
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
