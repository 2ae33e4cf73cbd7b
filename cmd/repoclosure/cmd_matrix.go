package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path"
	"slices"
	"strings"

	"github.com/repoclosure/repoclosure/cmd/repoclosure/report"
	"github.com/repoclosure/repoclosure/kabi"
	"github.com/repoclosure/repoclosure/repomd"
	"github.com/repoclosure/repoclosure/resolver"
)

// kernelFlags choose kernel builds and kmods; matrix, symdiff and series share them.
type kernelFlags struct {
	sources   listFlag
	kmodGlobs listFlag
	kmodRepos listFlag
}

// newKernelFlagSet is newFlagSet plus the kernel and kmod selections.
func newKernelFlagSet(name string, stderr io.Writer) (*flag.FlagSet, *repoFlags, *kernelFlags) {
	fs, rf := newFlagSet(name, stderr)
	kf := new(kernelFlags)
	kf.register(fs)
	return fs, rf, kf
}

func (k *kernelFlags) register(fs *flag.FlagSet) {
	fs.Var(&k.sources, "kernel-source", "also treat builds of this source package `NAME` as kernels (kernel always is)")
	fs.Var(&k.kmodGlobs, "kmod", "only kmods whose name or NEVRA matches `GLOB` (repeatable)")
	fs.Var(&k.kmodRepos, "kmod-repo", "only kmods from repository `ID` (repeatable)")
}

// kernelWorld is what the kernel commands work on.
type kernelWorld struct {
	pool    *resolver.Pool
	kernels []kabi.KernelBuild
	kmods   []resolver.PkgID
}

// loadKernelWorld loads the repositories and finds kernel builds and kmods.
func loadKernelWorld(ctx context.Context, rf *repoFlags, kf *kernelFlags) (*kernelWorld, error) {
	s, err := rf.resolve()
	if err != nil {
		return nil, err
	}
	strs, repos, err := rf.load(ctx, s)
	if err != nil {
		return nil, err
	}
	pool := resolver.NewPool(strs, repos, s.poolOptions(strs, repos))
	w := &kernelWorld{pool: pool, kernels: kabi.KernelBuilds(pool, append([]string{"kernel"}, kf.sources...))}
	inKernel := resolver.NewSet(pool.Len())
	for _, b := range w.kernels {
		for _, id := range b.Packages {
			inKernel.Add(id)
		}
	}
	kmodHit := make([]bool, len(kf.kmodGlobs))
	for i := 0; i < pool.Len(); i++ {
		id := resolver.PkgID(i)
		if inKernel.Has(id) || !kabi.IsKmod(pool, id) {
			continue
		}
		pkg := pool.Package(id)
		if len(kf.kmodRepos) > 0 && !matchAny(kf.kmodRepos, pool.Repo(id).ID) {
			continue
		}
		if len(kf.kmodGlobs) > 0 {
			hit := false
			for i, g := range kf.kmodGlobs {
				if globMatch(g, strs.String(pkg.Name)) || globMatch(g, pool.NEVRA(id)) {
					hit, kmodHit[i] = true, true
				}
			}
			if !hit {
				continue
			}
		}
		w.kmods = append(w.kmods, id)
	}
	// A --kmod that matches nothing would report on nothing.
	var unmatched []string
	for i, g := range kf.kmodGlobs {
		if !kmodHit[i] {
			unmatched = append(unmatched, g)
		}
	}
	if len(unmatched) > 0 {
		return nil, fmt.Errorf("no kmod matched: %s", strings.Join(unmatched, ", "))
	}
	if len(kf.kmodRepos) > 0 {
		var ids []string
		for _, r := range repos {
			ids = append(ids, r.ID)
		}
		if _, err := repomd.MatchRepoIDs(kf.kmodRepos, ids); err != nil {
			return nil, usageError{fmt.Errorf("--kmod-repo: %w", err)}
		}
	}
	sortPkgs(pool, w.kmods)
	if len(w.kernels) == 0 {
		return nil, fmt.Errorf("no kernel builds found (packages built from %s)", strings.Join(append([]string{"kernel"}, kf.sources...), ", "))
	}
	return w, nil
}

func sortPkgs(pool *resolver.Pool, ids []resolver.PkgID) {
	slices.SortFunc(ids, func(a, b resolver.PkgID) int {
		if c := strings.Compare(pool.NEVRA(a), pool.NEVRA(b)); c != 0 {
			return c
		}
		return strings.Compare(pool.Repo(a).ID, pool.Repo(b).ID)
	})
}

// findKernel resolves a uname, EVR or unique prefix to a build index.
func (w *kernelWorld) findKernel(name string) (int, error) {
	var hits []int
	for i, b := range w.kernels {
		if b.Uname == name || b.EVR == name {
			return i, nil
		}
		if ok, _ := path.Match(name, b.Uname); ok || strings.HasPrefix(b.Uname, name) {
			hits = append(hits, i)
		}
	}
	if len(hits) == 1 {
		return hits[0], nil
	}
	var known []string
	for _, b := range w.kernels {
		known = append(known, b.Uname)
	}
	if len(hits) > 1 {
		return 0, usageError{fmt.Errorf("kernel %q is ambiguous; known builds: %s", name, strings.Join(known, " "))}
	}
	return 0, usageError{fmt.Errorf("no kernel build %q; known builds: %s", name, strings.Join(known, " "))}
}

// matrixReport converts the resolver's matrix to the report contract.
func (w *kernelWorld) matrixReport(m *kabi.Matrix) *report.Matrix {
	pool := w.pool
	r := &report.Matrix{Kernels: []report.Kernel{}, Kmods: []report.Kmod{}, Cells: []report.Cell{}}
	symbols := kabi.CountSymbols(pool, m.Kernels)
	for i, b := range m.Kernels {
		k := report.Kernel{Uname: b.Uname, EVR: b.EVR, Source: b.Source, Symbols: symbols[i], Packages: []string{}}
		for _, id := range b.Packages {
			k.Packages = append(k.Packages, pool.NEVRA(id))
		}
		r.Kernels = append(r.Kernels, k)
	}
	// A dep missing on many kernels is printed once and shared by its cells.
	depText := map[repomd.Dep]string{}
	r.Cells = make([]report.Cell, 0, len(m.Kmods)*len(m.Kernels))
	for mi, id := range m.Kmods {
		nevra := pool.NEVRA(id)
		r.Kmods = append(r.Kmods, report.Kmod{NEVRA: nevra, Repo: pool.Repo(id).ID, KernelRequires: kabi.KernelRequires(pool, id)})
		for ki, b := range m.Kernels {
			c := m.Cells[mi][ki]
			cell := report.Cell{Kmod: nevra, Kernel: b.Uname, Installable: c.Installable(), Missing: make([]report.Missing, 0, len(c.Missing))}
			for _, miss := range c.Missing {
				text, ok := depText[miss.Dep]
				if !ok {
					text = pool.DepString(miss.Dep)
					depText[miss.Dep] = text
				}
				cell.Missing = append(cell.Missing, report.Missing{Dep: text, Reason: string(miss.Reason), KernelHas: miss.KernelHas})
			}
			r.Cells = append(r.Cells, cell)
		}
	}
	return r
}

type writeOptions struct {
	title string
	color bool
}

// matrixWriters are the --format choices.
var matrixWriters = map[string]func(io.Writer, *report.Matrix, writeOptions) error{
	"table":    func(w io.Writer, r *report.Matrix, o writeOptions) error { return report.WriteTable(w, r, o.color) },
	"csv":      func(w io.Writer, r *report.Matrix, _ writeOptions) error { return report.WriteCSV(w, r) },
	"json":     func(w io.Writer, r *report.Matrix, _ writeOptions) error { return report.WriteJSON(w, r) },
	"markdown": func(w io.Writer, r *report.Matrix, _ writeOptions) error { return report.WriteMarkdown(w, r) },
	"md":       func(w io.Writer, r *report.Matrix, _ writeOptions) error { return report.WriteMarkdown(w, r) },
	"html":     func(w io.Writer, r *report.Matrix, o writeOptions) error { return report.WriteHTML(w, r, o.title) },
}

// escapeReport escapes the control characters of the names a text report
// prints (JSON, CSV and HTML escape them their own way).
func escapeReport(r *report.Matrix) {
	for i := range r.Kernels {
		k := &r.Kernels[i]
		k.Uname, k.EVR, k.Source = termSafe(k.Uname), termSafe(k.EVR), termSafe(k.Source)
		for j := range k.Packages {
			k.Packages[j] = termSafe(k.Packages[j])
		}
	}
	for i := range r.Kmods {
		r.Kmods[i].NEVRA, r.Kmods[i].Repo = termSafe(r.Kmods[i].NEVRA), termSafe(r.Kmods[i].Repo)
	}
	for i := range r.Cells {
		c := &r.Cells[i]
		c.Kmod, c.Kernel = termSafe(c.Kmod), termSafe(c.Kernel)
		for j := range c.Missing {
			m := &c.Missing[j]
			m.Dep, m.KernelHas = termSafe(m.Dep), termSafe(m.KernelHas)
		}
	}
}

// runMatrix prints the kmod × kernel install matrix.
func runMatrix(ctx context.Context, args []string, stdout, stderr io.Writer) (code int, err error) {
	fs, rf, kf := newKernelFlagSet("matrix", stderr)
	var format, outFile, baseline, title string
	fs.StringVar(&format, "format", "table", "output `FORMAT`: table, csv, json, markdown or html")
	fs.StringVar(&outFile, "o", "", "write to `FILE` instead of standard output")
	fs.StringVar(&baseline, "baseline", "", "compare with a previous --format json run in `FILE`; exit 3 when a cell regressed")
	fs.StringVar(&title, "title", "kmod × kernel install matrix", "page `TITLE` for --format html")
	if err := fs.Parse(args); err != nil {
		return exitError, usageError{err}
	}
	// Everything the flags name is checked before the long load.
	write, ok := matrixWriters[format]
	if !ok {
		return exitError, usageError{fmt.Errorf("--format %q: want table, csv, json, markdown or html", format)}
	}
	var prev *report.Matrix
	if baseline != "" {
		bf, err := os.Open(baseline)
		if err != nil {
			return exitError, usageError{fmt.Errorf("--baseline: %w", err)}
		}
		prev, err = report.ReadJSON(bf, baseline)
		bf.Close()
		if err != nil {
			return exitError, usageError{fmt.Errorf("--baseline: %w", err)}
		}
	}
	out := stdout
	if outFile != "" {
		f, ferr := createOutput(outFile)
		if ferr != nil {
			return exitError, usageError{ferr}
		}
		defer f.abort()
		out = f
		// Committed only once the whole report is written; on any
		// failure abort leaves the old file as it was.
		defer func() {
			if err != nil {
				return
			}
			if cerr := f.commit(); cerr != nil {
				code, err = exitError, cerr
			}
		}()
	}
	w, err := loadKernelWorld(ctx, rf, kf)
	if err != nil {
		return exitError, err
	}
	rep := w.matrixReport(kabi.NewMatrix(w.pool, w.kernels, w.kmods))
	if format == "table" || format == "markdown" || format == "md" {
		escapeReport(rep)
	}
	if err := write(out, rep, writeOptions{title: title, color: outFile == "" && isTerminal(os.Stdout)}); err != nil {
		return exitError, err
	}
	if prev == nil {
		return exitClosed, nil
	}
	diff := report.CompareBaseline(prev, rep)
	if err := report.WriteDiff(stderr, diff); err != nil {
		return exitError, err
	}
	if len(diff.Regressions) > 0 {
		return exitRegression, nil
	}
	return exitClosed, nil
}

// runSymdiff compares the kernel(...) symbols of two builds.
func runSymdiff(ctx context.Context, args []string, stdout, stderr io.Writer) (int, error) {
	fs, rf, kf := newKernelFlagSet("symdiff", stderr)
	var list, jsonOut bool
	fs.BoolVar(&list, "list", false, "list the symbols of each class")
	fs.BoolVar(&jsonOut, "json", false, "print JSON with every list")
	if err := fs.Parse(reorderArgs(fs, args)); err != nil {
		return exitError, usageError{err}
	}
	if fs.NArg() != 2 {
		return exitError, usageError{fmt.Errorf("symdiff takes two kernel builds (uname -r or EVR), got %d", fs.NArg())}
	}
	w, err := loadKernelWorld(ctx, rf, kf)
	if err != nil {
		return exitError, err
	}
	a, err := w.findKernel(fs.Arg(0))
	if err != nil {
		return exitError, err
	}
	b, err := w.findKernel(fs.Arg(1))
	if err != nil {
		return exitError, err
	}
	d := kabi.DiffBuilds(w.pool, w.kernels[a], w.kernels[b])
	if jsonOut {
		return exitClosed, writeJSON(stdout, symdiffJSON(w.kernels[a].Uname, w.kernels[b].Uname, d))
	}
	fmt.Fprintf(stdout, "%s -> %s\n", termSafe(w.kernels[a].Uname), termSafe(w.kernels[b].Uname))
	for _, c := range []struct {
		name string
		syms []string
	}{{"added", d.Added}, {"removed", d.Removed}, {"changed", d.Changed}, {"unchanged", d.Unchanged}} {
		fmt.Fprintf(stdout, "%-10s %d\n", c.name, len(c.syms))
		if list && c.name != "unchanged" {
			for _, s := range c.syms {
				fmt.Fprintf(stdout, "  %s\n", termSafe(s))
			}
		}
	}
	return exitClosed, nil
}

type symdiffOut struct {
	From      string   `json:"from"`
	To        string   `json:"to"`
	Added     []string `json:"added"`
	Removed   []string `json:"removed"`
	Changed   []string `json:"changed"`
	Unchanged []string `json:"unchanged"`
}

func symdiffJSON(from, to string, d kabi.SymbolDiff) symdiffOut {
	nz := func(s []string) []string {
		if s == nil {
			return []string{}
		}
		return s
	}
	return symdiffOut{From: from, To: to, Added: nz(d.Added), Removed: nz(d.Removed), Changed: nz(d.Changed), Unchanged: nz(d.Unchanged)}
}
