package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"slices"

	"github.com/repoclosure/repoclosure/cmd/repoclosure/report"
	"github.com/repoclosure/repoclosure/internal/plural"
	"github.com/repoclosure/repoclosure/kabi"
	"github.com/repoclosure/repoclosure/repomd"
	"github.com/spf13/cobra"
)

func init() { addCommand(newMatrixCmd) }

// matrixFlags are the matrix command's options.
type matrixFlags struct {
	kernelFlags
	format, outFile, baseline, title string
}

// newMatrixCmd prints the kmod × kernel install matrix.
func newMatrixCmd(code *int) *cobra.Command {
	f := new(matrixFlags)
	cmd := &cobra.Command{
		Use:   "matrix [options]",
		Short: "The kmod × kernel install matrix, and why each failing cell fails",
		Long: `Print which kernel modules (kmods) install on which kernel builds. A cell is
exactly what dnf repoclosure reports for the kmod when the available packages are
everything loaded except the other kernel builds; each missing dependency has a
reason: crc-mismatch, unknown-symbol, kernel-version, kernel-package-missing or
other.

With --baseline PREVIOUS.json (an earlier --format json run; written when absent)
it reports new kernel builds and kmods, and a regression for each new build on
which no build of a kmod installs while one installed on the build before (the
rule of watch); it exits 3 when there is one. The diff goes to stderr, as JSON
with --format json.

With --db FILE the matrix includes every build and kmod of a watch history
database; without repository options it is made from the database alone.`,
		Example: `  repoclosure matrix --repo kernels --repo kmods
  repoclosure matrix --repofrompath k,testdata/el8-demo/kernels --repofrompath m,testdata/el8-demo/kmods --format html -o matrix.html
  repoclosure matrix --repo kernels --repo kmods --format json -o now.json --baseline last.json`,
		Args: cobra.NoArgs,
	}
	fs := cmd.Flags()
	f.register(fs, true)
	fs.StringVar(&f.format, "format", "table", "output `FORMAT`: table, csv, json, markdown or html")
	fs.StringVarP(&f.outFile, "output", "o", "", "write to `FILE` instead of standard output")
	fs.StringVar(&f.baseline, "baseline", "", "compare with a previous --format json run in `FILE` (created when absent); exit 3 when a new kernel breaks a kmod that installed on the build before")
	fs.StringVar(&f.title, "title", "kmod × kernel install matrix", "page `TITLE` for --format html")
	inGroup(fs, groupOutput, "format", "output", "baseline", "title")
	must(cmd.RegisterFlagCompletionFunc("format", cobra.FixedCompletions(
		[]string{"table", "csv", "json", "markdown", "html"}, cobra.ShellCompDirectiveNoFileComp)))
	cmd.RunE = runE(code, func(cmd *cobra.Command, _ []string) (int, error) { return f.run(cmd) })
	return cmd
}

func (f *matrixFlags) run(cmd *cobra.Command) (code int, err error) {
	// Everything the flags name is checked before the long load.
	write, ok := matrixWriters(f.title)[f.format]
	if !ok {
		return exitError, usageError{fmt.Errorf("--format %q: want table, csv, json, markdown or html", f.format)}
	}
	var prev *report.Matrix
	if f.baseline != "" {
		if prev, err = readBaseline(f.baseline); err != nil {
			return exitError, usageError{err}
		}
	}
	out, color := cmd.OutOrStdout(), useColor(cmd.OutOrStdout())
	if f.outFile != "" {
		file, ferr := createOutput(f.outFile)
		if ferr != nil {
			return exitError, usageError{ferr}
		}
		defer file.settle(&code, &err)
		out, color = file, false
	}
	w, err := f.load(cmd.Context(), cmd.ErrOrStderr())
	if err != nil {
		return exitError, err
	}
	if len(w.kmods) == 0 {
		// A matrix of no rows would read as "nothing breaks".
		return exitError, errors.New("no kmods found (packages that require kernel(...), ksym(...) or a kernel uname-r, or named kmod-*): nothing to put in the matrix")
	}
	if os.Getenv("GOGC") == "" {
		// The cells stay live until written: a collection while they are
		// built marks them and frees little (1,000-kmod series: CPU -4 %,
		// RSS +6 %, in paired runs).
		defer debug.SetGCPercent(debug.SetGCPercent(300))
	}
	rep := w.matrixReport(kabi.NewMatrix(w.pool, w.kernels, w.kmods))
	shown := rep
	if f.format == "table" || f.format == "markdown" || f.format == "md" {
		shown = escapedReport(rep)
	}
	if err := write(out, shown, color); err != nil {
		return exitError, err
	}
	if f.baseline == "" {
		return exitClosed, nil
	}
	if prev == nil {
		// The first run, with no file yet, writes it.
		if err := writeFile(f.baseline, func(out io.Writer) error { return report.WriteJSON(out, rep) }); err != nil {
			return exitError, fmt.Errorf("--baseline: %w", err)
		}
		fmt.Fprintf(cmd.ErrOrStderr(), "baseline %s created: %s, %s\n", f.baseline, plural.Count(len(rep.Kernels), "kernel"), plural.Count(len(rep.Kmods), "kmod"))
		return exitClosed, nil
	}
	return compareBaseline(cmd, prev, f.format, rep)
}

// readBaseline reads an earlier --format json run; nil when the file does
// not exist yet.
func readBaseline(file string) (*report.Matrix, error) {
	bf, err := os.Open(file)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("--baseline: %w", err)
	}
	defer bf.Close()
	prev, err := report.ReadJSON(bf, file)
	if err != nil {
		return nil, fmt.Errorf("--baseline: %w", err)
	}
	return prev, nil
}

// escapedReport returns a copy of r with the control characters of its
// names escaped, for the text formats (JSON, CSV and HTML escape them their
// own way).
func escapedReport(r *report.Matrix) *report.Matrix {
	e := *r
	e.Kernels = slices.Clone(r.Kernels)
	for i := range e.Kernels {
		k := &e.Kernels[i]
		k.Uname, k.EVR, k.Source = report.TermSafe(k.Uname), report.TermSafe(k.EVR), report.TermSafe(k.Source)
		k.Packages = slices.Clone(k.Packages)
		for j := range k.Packages {
			k.Packages[j] = report.TermSafe(k.Packages[j])
		}
	}
	e.Kmods = slices.Clone(r.Kmods)
	for i := range e.Kmods {
		e.Kmods[i].NEVRA, e.Kmods[i].Repo = report.TermSafe(e.Kmods[i].NEVRA), report.TermSafe(e.Kmods[i].Repo)
	}
	e.Cells = slices.Clone(r.Cells)
	for i := range e.Cells {
		c := &e.Cells[i]
		c.Kmod, c.Kernel = report.TermSafe(c.Kmod), report.TermSafe(c.Kernel)
		c.Missing = slices.Clone(c.Missing)
		for j := range c.Missing {
			m := &c.Missing[j]
			m.Dep, m.KernelHas = report.TermSafe(m.Dep), report.TermSafe(m.KernelHas)
		}
	}
	return &e
}

// matrixWriters are the --format writers; color applies to the table only.
func matrixWriters(title string) map[string]func(w io.Writer, m *report.Matrix, color bool) error {
	return map[string]func(io.Writer, *report.Matrix, bool) error{
		"table":    report.WriteTable,
		"csv":      func(w io.Writer, m *report.Matrix, _ bool) error { return report.WriteCSV(w, m) },
		"json":     func(w io.Writer, m *report.Matrix, _ bool) error { return report.WriteJSON(w, m) },
		"markdown": func(w io.Writer, m *report.Matrix, _ bool) error { return report.WriteMarkdown(w, m) },
		"md":       func(w io.Writer, m *report.Matrix, _ bool) error { return report.WriteMarkdown(w, m) },
		"html":     func(w io.Writer, m *report.Matrix, _ bool) error { return report.WriteHTML(w, m, title) },
	}
}

// compareBaseline reports the change against an earlier JSON run (prev) on
// stderr (as JSON with --format json); a regression exits 3.
func compareBaseline(cmd *cobra.Command, prev *report.Matrix, format string, rep *report.Matrix) (int, error) {
	var err error
	diff := report.CompareBaseline(prev, rep)
	if format == "json" {
		err = report.WriteDiffJSON(cmd.ErrOrStderr(), diff)
	} else {
		err = report.WriteDiff(cmd.ErrOrStderr(), diff)
	}
	if err != nil {
		return exitError, err
	}
	if len(diff.Regressions) > 0 {
		return exitRegression, nil
	}
	return exitClosed, nil
}

// matrixReport converts the resolver's matrix to the report contract. It
// consumes m: each row is released once copied, so that the two copies of
// the matrix are never whole in memory at once.
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
		// The row's Missing lists share one allocation of the exact size.
		n := 0
		for _, c := range m.Cells[mi] {
			n += len(c.Missing)
		}
		slab := make([]report.Missing, n)
		for ki, b := range m.Kernels {
			c := m.Cells[mi][ki]
			cell := report.Cell{Kmod: nevra, Kernel: b.Uname, Installable: c.Installable()}
			cell.Missing, slab = slab[:0:len(c.Missing)], slab[len(c.Missing):]
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
		m.Cells[mi] = nil
	}
	return r
}
