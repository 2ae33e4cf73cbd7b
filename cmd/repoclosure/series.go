package main

import (
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/repoclosure/repoclosure/cmd/repoclosure/report"
	"github.com/repoclosure/repoclosure/internal/plural"
	"github.com/repoclosure/repoclosure/kabi"
	"github.com/spf13/cobra"
)

func init() { addCommand(newSeriesCmd) }

// seriesFlags are the series command's options.
type seriesFlags struct {
	kernelFlags
	reference, format, outFile, title string
	stablelists                       []string
	jsonOut, symbols                  bool
}

// newSeriesCmd reports symbol change over the kernel builds and what it cost the kmods.
func newSeriesCmd(code *int) *cobra.Command {
	f := new(seriesFlags)
	cmd := &cobra.Command{
		Use:   "series [options]",
		Short: "Symbol change over the kernel builds, kmod rebuilds, symbol blame, kABI stable lists",
		Long: `One row per kernel build: its kernel(...) symbols, the change against the
reference build and the previous build, the kmods that install on it and the kmods
whose symbols it changed (rebuilds it forced); per kmod the first build it installs
on, the first later build that breaks it and how many builds of it the series needs.
--stablelist takes a kabi_stablelist_<arch> file, a Module.kabi_<arch> file or the
kernel-abi-stablelists .rpm and reports its coverage; given several times (each
LABEL=FILE), it follows the list's evolution: symbols added, removed, CRC-changed.
--symbols adds the symbol blame: per symbol the kmods consume, its consumers, whether
it is stable, the builds that changed it and the matrix cells it breaks, ranked by
breaks. --format html draws it all as one self-contained page of charts.`,
		Example: `  repoclosure series --repo kernels --repo kmods
  repoclosure series --repofrompath k,testdata/el8-demo/kernels --repofrompath m,testdata/el8-demo/kmods --stablelist testdata/el8-demo/kabi_stablelist_x86_64 --json
  repoclosure series --repo kernels --repo kmods --symbols --stablelist 8.4=kabi-8.4 --stablelist 8.5=kabi-8.5 --format html -o series.html`,
		Args: cobra.NoArgs,
	}
	fs := cmd.Flags()
	f.register(fs, true)
	fs.StringVar(&f.reference, "reference", "", "compare every build with this `UNAME` (default: the first build)")
	fs.StringArrayVar(&f.stablelists, "stablelist", nil, "kABI stable list `[LABEL=]FILE`: kabi_stablelist_<arch>, Module.kabi_<arch> or the kernel-abi-stablelists .rpm; repeat to follow the list's evolution (coverage uses the last)")
	fs.BoolVar(&f.symbols, "symbols", false, "symbol blame: per symbol the kmods consume, its consumers, stable-list membership, the builds that changed it and the cells it breaks")
	fs.StringVar(&f.format, "format", "text", "output `FORMAT`: text, json or html")
	fs.BoolVar(&f.jsonOut, "json", false, "print JSON (--format json)")
	fs.StringVarP(&f.outFile, "output", "o", "", "write to `FILE` instead of standard output")
	fs.StringVar(&f.title, "title", "kernel series", "page `TITLE` for --format html")
	inGroup(fs, groupSelection, "reference", "stablelist", "symbols")
	inGroup(fs, groupOutput, "json", "format", "output", "title")
	must(cmd.RegisterFlagCompletionFunc("format", cobra.FixedCompletions(
		[]string{"text", "json", "html"}, cobra.ShellCompDirectiveNoFileComp)))
	cmd.RunE = runE(code, func(cmd *cobra.Command, _ []string) (int, error) { return f.run(cmd) })
	return cmd
}

func (f *seriesFlags) run(cmd *cobra.Command) (code int, err error) {
	if f.jsonOut {
		if cmd.Flags().Changed("format") && f.format != "json" {
			return exitError, usageError{fmt.Errorf("--json and --format %s conflict: give one", f.format)}
		}
		f.format = "json"
	}
	var write func(io.Writer, *report.Series) error
	switch f.format {
	case "text":
		write = func(w io.Writer, s *report.Series) error { printSeries(w, s); return nil }
	case "json":
		write = func(w io.Writer, s *report.Series) error { return writeJSON(w, s) }
	case "html":
		write = func(w io.Writer, s *report.Series) error { return report.WriteSeriesHTML(w, s, f.title) }
	default:
		return exitError, usageError{fmt.Errorf("--format %q: want text, json or html", f.format)}
	}
	// The stable lists are read before the long load: a typo fails at once.
	var lists []labelledList
	for _, arg := range f.stablelists {
		label, file := stablelistArg(arg)
		if file == "" {
			return exitError, usageError{fmt.Errorf("--stablelist %q: no FILE after LABEL=", arg)}
		}
		list, err := kabi.LoadStablelist(file)
		if err != nil {
			return exitError, usageError{fmt.Errorf("--stablelist: %w", err)}
		}
		lists = append(lists, labelledList{label, file, list.Symbols, list.Release})
	}
	out := cmd.OutOrStdout()
	if f.outFile != "" {
		file, ferr := createOutput(f.outFile)
		if ferr != nil {
			return exitError, usageError{ferr}
		}
		defer file.settle(&code, &err)
		out = file
	}
	w, err := f.load(cmd.Context(), cmd.ErrOrStderr())
	if err != nil {
		return exitError, err
	}
	if !f.repo.quiet {
		warnOtherRelease(cmd.ErrOrStderr(), lists, w.kernels)
	}
	ref := 0
	if f.reference != "" {
		if ref, err = w.findKernel(f.reference); err != nil {
			return exitError, err
		}
	}
	m := kabi.NewMatrix(w.pool, w.kernels, w.kmods)
	if err := write(out, w.seriesReport(m, kabi.NewSeries(w.pool, m, ref), lists, f.symbols)); err != nil {
		return exitError, err
	}
	return exitClosed, nil
}

// labelledList is a parsed stable list and its label.
type labelledList struct {
	label, file string
	syms        map[string]string
	release     string // the Enterprise Linux release it is for, "" unknown
}

// warnOtherRelease warns of a stable list made for another Enterprise Linux
// release than the kernels' (a RHEL 9 list on EL8 builds): it is taken, as
// the user may mean it, but its coverage says little about these kernels.
func warnOtherRelease(stderr io.Writer, lists []labelledList, kernels []kabi.KernelBuild) {
	var releases []string
	for _, k := range kernels {
		if r := kabi.ELRelease(k.EVR); r != "" && !slices.Contains(releases, r) {
			releases = append(releases, r)
		}
	}
	if len(releases) == 0 {
		return
	}
	for _, l := range lists {
		if l.release != "" && !slices.Contains(releases, l.release) {
			fmt.Fprintf(stderr, "Warning: stable list %s is for EL%s, but the kernel builds are EL%s\n",
				l.file, l.release, strings.Join(releases, ", EL"))
		}
	}
}

// stablelistArg splits --stablelist's LABEL=FILE; a bare FILE is labelled by
// its base name.
func stablelistArg(arg string) (label, file string) {
	if l, f, ok := strings.Cut(arg, "="); ok && !strings.ContainsRune(l, '/') {
		return l, f
	}
	return filepath.Base(arg), arg
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
		if r.Previous >= 0 {
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
	fmt.Fprintf(w, "kernel symbol change (reference %s)\n", report.TermSafe(s.Reference))
	fmt.Fprintln(tw, "kernel\tsymbols\t+ref\t-ref\t~ref\t+prev\t-prev\t~prev\tkmods ok\trebuilds forced\t")
	for _, k := range s.Kernels {
		prev := report.SymCounts{}
		if k.VsPrevious != nil {
			prev = *k.VsPrevious
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t\n", report.TermSafe(k.Uname), k.Symbols,
			k.VsReference.Added, k.VsReference.Removed, k.VsReference.Changed,
			prev.Added, prev.Removed, prev.Changed, k.KmodsInstallable, k.KmodsForced)
	}
	tw.Flush()
	if len(s.Kmods) > 0 {
		fmt.Fprintln(w, "\nkmods")
		tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "kmod\tfirst works\tfirst breaks\trebuilds needed\t")
		for _, k := range s.Kmods {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t\n", report.TermSafe(k.NEVRA), report.TermSafe(orDash(k.FirstWorks)), report.TermSafe(orDash(k.FirstBreak)), k.Rebuilds)
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
			fmt.Fprintf(w, "  %s: %s\n", report.TermSafe(u), plural.Count(byUname[u], "kmod"))
		}
	}
	if c := s.Stable; c != nil {
		fmt.Fprintf(w, "\nkABI stable list: %s; %d of the reference build's %s (%.1f%%)\n",
			plural.Count(c.Stable, "symbol"), c.StableInKernel, plural.Count(c.KernelSymbols, "symbol"), 100*c.Share)
		fmt.Fprintf(w, "symbols the kmods consume: %d unique, %d on the stable list, %d changed in the series, %d unchanged\n",
			c.Consumed, c.ConsumedStable, c.ConsumedChanged, c.ConsumedUnchanged)
	}
	if len(s.StableLists) > 0 {
		fmt.Fprintln(w, "\nstable-list evolution (each list against the one before)")
		tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
		fmt.Fprintln(tw, "list\tsymbols\tadded\tremoved\tCRC changed\t")
		for _, l := range s.StableLists {
			fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t\n", report.TermSafe(l.Label), l.Symbols, len(l.Added), len(l.Removed), len(l.CRCChanged))
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
				fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%s\t%s\t\n", report.TermSafe(b.Symbol), b.Breaks, b.Consumers, b.ConsumerNames, stable, plural.Count(len(b.ChangedIn), "build"))
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
