package main

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/repoclosure/repoclosure/cmd/repoclosure/report"
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
reason: crc-mismatch, unknown-symbol, kernel-version or other.

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

func (f *matrixFlags) run(cmd *cobra.Command) (int, error) {
	write, ok := matrixWriters(f.title)[f.format]
	if !ok {
		return exitError, usageError{fmt.Errorf("--format %q: want table, csv, json, markdown or html", f.format)}
	}
	w, err := f.load(cmd.Context(), cmd.ErrOrStderr())
	if err != nil {
		return exitError, err
	}
	rep := w.matrixReport(kabi.NewMatrix(w.pool, w.kernels, w.kmods))
	if f.outFile == "" {
		err = write(cmd.OutOrStdout(), rep, useColor(cmd.OutOrStdout()))
	} else {
		err = writeFile(f.outFile, func(out *atomicFile) error { return write(out, rep, false) })
	}
	if err != nil {
		return exitError, err
	}
	if f.baseline == "" {
		return exitClosed, nil
	}
	return compareBaseline(cmd, f.baseline, f.format, rep)
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

// compareBaseline reports the change against an earlier JSON run on
// stderr (as JSON with --format json); a regression exits 3. The first run,
// with no file yet, writes it.
func compareBaseline(cmd *cobra.Command, file, format string, rep *report.Matrix) (int, error) {
	bf, err := os.Open(file)
	if errors.Is(err, os.ErrNotExist) {
		if err := writeFile(file, func(out *atomicFile) error { return report.WriteJSON(out, rep) }); err != nil {
			return exitError, fmt.Errorf("--baseline: %w", err)
		}
		fmt.Fprintf(cmd.ErrOrStderr(), "baseline %s created: %d kernels, %d kmods\n", file, len(rep.Kernels), len(rep.Kmods))
		return exitClosed, nil
	}
	if err != nil {
		return exitError, fmt.Errorf("--baseline: %w", err)
	}
	defer bf.Close()
	prev, err := report.ReadJSON(bf, file)
	if err != nil {
		return exitError, err
	}
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
		m.Cells[mi] = nil
	}
	return r
}
