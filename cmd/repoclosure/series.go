package main

import (
	"fmt"
	"io"
	"slices"
	"text/tabwriter"

	"github.com/repoclosure/repoclosure/cmd/repoclosure/report"
	"github.com/repoclosure/repoclosure/kabi"
	"github.com/spf13/cobra"
)

func init() { addCommand(newSeriesCmd) }

// seriesFlags are the series command's options.
type seriesFlags struct {
	kernelFlags
	reference, stablelist string
	jsonOut               bool
}

// newSeriesCmd reports symbol change over the kernel builds and what it cost the kmods.
func newSeriesCmd(code *int) *cobra.Command {
	f := new(seriesFlags)
	cmd := &cobra.Command{
		Use:   "series [options]",
		Short: "Symbol change over the kernel builds, kmod rebuilds, kABI stable-list coverage",
		Long: `One row per kernel build: its kernel(...) symbols, the change against the
reference build and the previous build, the kmods that install on it and the kmods
whose symbols it changed (rebuilds it forced); per kmod the first build it installs
on, the first later build that breaks it and how many builds of it the series needs.
--stablelist takes a kabi_stablelist_<arch> file, a Module.kabi_<arch> file or the
kernel-abi-stablelists .rpm and reports its coverage.`,
		Example: `  repoclosure series --repo kernels --repo kmods
  repoclosure series --repofrompath k,testdata/el8-demo/kernels --repofrompath m,testdata/el8-demo/kmods --stablelist testdata/el8-demo/kabi_stablelist_x86_64 --json`,
		Args: cobra.NoArgs,
	}
	fs := cmd.Flags()
	f.register(fs, true)
	fs.StringVar(&f.reference, "reference", "", "compare every build with this `UNAME` (default: the first build)")
	fs.StringVar(&f.stablelist, "stablelist", "", "kABI stable list `FILE`: kabi_stablelist_<arch>, Module.kabi_<arch> or the kernel-abi-stablelists .rpm")
	fs.BoolVar(&f.jsonOut, "json", false, "print JSON")
	inGroup(fs, groupSelection, "reference", "stablelist")
	inGroup(fs, groupOutput, "json")
	cmd.RunE = runE(code, func(cmd *cobra.Command, _ []string) (int, error) { return f.run(cmd) })
	return cmd
}

func (f *seriesFlags) run(cmd *cobra.Command) (int, error) {
	// The stable list is read before the long load: a typo fails at once.
	var stable map[string]string
	if f.stablelist != "" {
		var err error
		if stable, err = kabi.LoadStablelist(f.stablelist); err != nil {
			return exitError, usageError{fmt.Errorf("--stablelist: %w", err)}
		}
	}
	w, err := f.load(cmd.Context(), cmd.ErrOrStderr())
	if err != nil {
		return exitError, err
	}
	ref := 0
	if f.reference != "" {
		if ref, err = w.findKernel(f.reference); err != nil {
			return exitError, err
		}
	}
	m := kabi.NewMatrix(w.pool, w.kernels, w.kmods)
	s := kabi.NewSeries(w.pool, m, ref)
	out := w.seriesReport(s, stable)
	if f.jsonOut {
		return exitClosed, writeJSON(cmd.OutOrStdout(), out)
	}
	printSeries(cmd.OutOrStdout(), out)
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
	fmt.Fprintf(w, "kernel symbol change (reference %s)\n", termSafe(s.Reference))
	fmt.Fprintln(tw, "kernel\tsymbols\t+ref\t-ref\t~ref\t+prev\t-prev\t~prev\tkmods ok\trebuilds forced\t")
	for _, k := range s.Kernels {
		prev := symCounts{}
		if k.VsPrevious != nil {
			prev = *k.VsPrevious
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t\n", termSafe(k.Uname), k.Symbols,
			k.VsReference.Added, k.VsReference.Removed, k.VsReference.Changed,
			prev.Added, prev.Removed, prev.Changed, k.KmodsInstallable, k.KmodsForced)
	}
	tw.Flush()
	if len(s.Kmods) > 0 {
		fmt.Fprintln(w, "\nkmods")
		tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "kmod\tfirst works\tfirst breaks\trebuilds needed\t")
		for _, k := range s.Kmods {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t\n", termSafe(k.NEVRA), termSafe(orDash(k.FirstWorks)), termSafe(orDash(k.FirstBreak)), k.Rebuilds)
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
			fmt.Fprintf(w, "  %s: %s\n", termSafe(u), report.Plural(byUname[u], "kmod"))
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
