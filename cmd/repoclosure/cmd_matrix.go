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
	for i := 0; i < pool.Len(); i++ {
		id := resolver.PkgID(i)
		if inKernel.Has(id) || !kabi.IsKmod(pool, id) {
			continue
		}
		pkg := pool.Package(id)
		if len(kf.kmodRepos) > 0 && !matchAny(kf.kmodRepos, pool.Repo(id).ID) {
			continue
		}
		if len(kf.kmodGlobs) > 0 && !matchAny(kf.kmodGlobs, strs.String(pkg.Name)) && !matchAny(kf.kmodGlobs, pool.NEVRA(id)) {
			continue
		}
		w.kmods = append(w.kmods, id)
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

// runMatrix prints the kmod × kernel install matrix.
func runMatrix(ctx context.Context, args []string, stdout, stderr io.Writer) (int, error) {
	fs, rf, kf := newKernelFlagSet("matrix", stderr)
	var format, outFile, baseline, title string
	fs.StringVar(&format, "format", "table", "output `FORMAT`: table, csv, json, markdown or html")
	fs.StringVar(&outFile, "o", "", "write to `FILE` instead of standard output")
	fs.StringVar(&baseline, "baseline", "", "compare with a previous --format json run in `FILE`; exit 3 when a cell regressed")
	fs.StringVar(&title, "title", "kmod × kernel install matrix", "page `TITLE` for --format html")
	if err := fs.Parse(args); err != nil {
		return exitError, usageError{err}
	}
	w, err := loadKernelWorld(ctx, rf, kf)
	if err != nil {
		return exitError, err
	}
	rep := w.matrixReport(kabi.NewMatrix(w.pool, w.kernels, w.kmods))
	out := stdout
	if outFile != "" {
		f, err := createAtomic(outFile)
		if err != nil {
			return exitError, err
		}
		defer f.abort()
		out = f
		defer func() {
			if err := f.commit(); err != nil {
				fmt.Fprintf(stderr, "Error: %v\n", err)
			}
		}()
	}
	switch format {
	case "table":
		err = report.WriteTable(out, rep, outFile == "" && isTerminal(os.Stdout))
	case "csv":
		err = report.WriteCSV(out, rep)
	case "json":
		err = report.WriteJSON(out, rep)
	case "markdown", "md":
		err = report.WriteMarkdown(out, rep)
	case "html":
		err = report.WriteHTML(out, rep, title)
	default:
		return exitError, usageError{fmt.Errorf("--format %q: want table, csv, json, markdown or html", format)}
	}
	if err != nil {
		return exitError, err
	}
	if baseline == "" {
		return exitClosed, nil
	}
	bf, err := os.Open(baseline)
	if err != nil {
		return exitError, err
	}
	defer bf.Close()
	prev, err := report.ReadJSON(bf, baseline)
	if err != nil {
		return exitError, err
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
	fmt.Fprintf(stdout, "%s -> %s\n", w.kernels[a].Uname, w.kernels[b].Uname)
	for _, c := range []struct {
		name string
		syms []string
	}{{"added", d.Added}, {"removed", d.Removed}, {"changed", d.Changed}, {"unchanged", d.Unchanged}} {
		fmt.Fprintf(stdout, "%-10s %d\n", c.name, len(c.syms))
		if list && c.name != "unchanged" {
			for _, s := range c.syms {
				fmt.Fprintf(stdout, "  %s\n", s)
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
