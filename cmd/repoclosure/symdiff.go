package main

import (
	"fmt"

	"github.com/repoclosure/repoclosure/cmd/repoclosure/report"
	"github.com/repoclosure/repoclosure/kabi"
	"github.com/spf13/cobra"
)

func init() { addCommand(newSymdiffCmd) }

// symdiffFlags are the symdiff command's options.
type symdiffFlags struct {
	kernelFlags
	list, jsonOut bool
}

// newSymdiffCmd compares the kernel(...) symbols of two builds.
func newSymdiffCmd(code *int) *cobra.Command {
	f := new(symdiffFlags)
	cmd := &cobra.Command{
		Use:   "symdiff A B [options]",
		Short: "kernel(...) symbols added, removed, CRC-changed and unchanged between two kernel builds",
		Long: `Compare the kernel(SYMBOL) = CRC provides of two kernel builds, named by uname -r
or EVR, else by a prefix ending where the dist tag starts (4.18.0-305 is
4.18.0-305.el8, not 4.18.0-305.3.2.el8_4), else by a unique prefix or glob of the
uname: the symbols added, removed, changed (another CRC) and unchanged.`,
		Example: `  repoclosure symdiff --repo kernels 4.18.0-305.el8.x86_64 4.18.0-348.el8.x86_64
  repoclosure symdiff --repofrompath k,testdata/el8-demo/kernels 4.18.0-305 4.18.0-348 --list`,
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) != 2 {
				return usageError{fmt.Errorf("symdiff takes two kernel builds (uname -r or EVR), got %d", len(args))}
			}
			return nil
		},
	}
	fs := cmd.Flags()
	f.register(fs, false)
	fs.BoolVar(&f.list, "list", false, "list the symbols of each class")
	fs.BoolVar(&f.jsonOut, "json", false, "print JSON with every list")
	inGroup(fs, groupOutput, "list", "json")
	cmd.RunE = runE(code, func(cmd *cobra.Command, args []string) (int, error) { return f.run(cmd, args[0], args[1]) })
	return cmd
}

func (f *symdiffFlags) run(cmd *cobra.Command, from, to string) (int, error) {
	w, err := f.load(cmd.Context(), cmd.ErrOrStderr())
	if err != nil {
		return exitError, err
	}
	a, err := w.findKernel(from)
	if err != nil {
		return exitError, err
	}
	b, err := w.findKernel(to)
	if err != nil {
		return exitError, err
	}
	d := kabi.DiffBuilds(w.pool, w.kernels[a], w.kernels[b])
	out := cmd.OutOrStdout()
	if f.jsonOut {
		return exitClosed, writeJSON(out, symdiffJSON(w.kernels[a].Uname, w.kernels[b].Uname, d))
	}
	fmt.Fprintf(out, "%s -> %s\n", report.TermSafe(w.kernels[a].Uname), report.TermSafe(w.kernels[b].Uname))
	for _, c := range []struct {
		name string
		syms []string
	}{{"added", d.Added}, {"removed", d.Removed}, {"changed", d.Changed}, {"unchanged", d.Unchanged}} {
		fmt.Fprintf(out, "%-10s %d\n", c.name, len(c.syms))
		if f.list && c.name != "unchanged" {
			for _, s := range c.syms {
				fmt.Fprintf(out, "  %s\n", report.TermSafe(s))
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
