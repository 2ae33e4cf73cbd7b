package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"

	"github.com/repoclosure/repoclosure/cmd/repoclosure/report"
	"github.com/repoclosure/repoclosure/repomd"
	"github.com/spf13/cobra"
)

func init() { addCommand(newDumpCmd) }

// dumpFlags are the dump command's options.
type dumpFlags struct {
	repo                  repoFlags
	jsonOut, files, count bool
}

// newDumpCmd prints what was loaded, so that loading can be checked by hand.
func newDumpCmd(code *int) *cobra.Command {
	f := new(dumpFlags)
	cmd := &cobra.Command{
		Use:   "dump [options]",
		Short: "Print the package records as loaded, before excludes and modular filtering",
		Long: `Print every package record as it was read from the repositories (before
excludes and modular filtering): NEVRA, repository, source rpm and dependencies,
with --files the file list, with --json one JSON object per line.`,
		Example: `  repoclosure dump --repofrompath base,testdata/fixtures/repos/base --count
  repoclosure dump --repo baseos --json | jq -r .nevra`,
		Args: cobra.NoArgs,
	}
	fs := cmd.Flags()
	f.repo.register(fs)
	fs.BoolVar(&f.jsonOut, "json", false, "print JSON, one object per package")
	fs.BoolVar(&f.count, "count", false, "print only how many packages each repository has")
	fs.BoolVar(&f.files, "files", false, "also print each package's files")
	inGroup(fs, groupOutput, "json", "count", "files")
	// dump shows the records as read: the selection flags would change
	// nothing, so they are not offered (and rejected when given).
	for _, name := range dumpRejects {
		must(fs.MarkHidden(name))
	}
	cmd.RunE = runE(code, func(cmd *cobra.Command, _ []string) (int, error) { return f.run(cmd) })
	return cmd
}

// dumpRejects are the repository options that select or resolve rather
// than load, which dump does not do.
var dumpRejects = []string{"exclude", "rich"}

func (f *dumpFlags) run(cmd *cobra.Command) (int, error) {
	for _, name := range dumpRejects {
		if cmd.Flags().Changed(name) {
			return exitError, usageError{fmt.Errorf("dump prints the records as read, before excludes and resolution: --%s does not apply", name)}
		}
	}
	s, err := f.repo.resolve(cmd.ErrOrStderr())
	if err != nil {
		return exitError, err
	}
	f.repo.allFiles = true // dump shows files
	strs, repos, err := f.repo.load(cmd.Context(), s, cmd.ErrOrStderr())
	if err != nil {
		return exitError, err
	}
	w := bufio.NewWriter(cmd.OutOrStdout())
	if f.count {
		for _, r := range repos {
			fmt.Fprintf(w, "%s\t%d\n", r.ID, len(r.Packages))
		}
		return exitClosed, w.Flush()
	}
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false) // as writeJSON, but one object per line
	for _, r := range repos {
		for i := range r.Packages {
			rec := dumpRecord(strs, r, &r.Packages[i], f.files || f.jsonOut)
			if f.jsonOut {
				if err := enc.Encode(rec); err != nil {
					return exitError, err
				}
				continue
			}
			printDumpRecord(w, rec, f.files)
		}
	}
	return exitClosed, w.Flush()
}

// printDumpRecord prints one package as text.
func printDumpRecord(w io.Writer, rec packageDump, files bool) {
	fmt.Fprintf(w, "%s from %s (%s)\n", report.TermSafe(rec.NEVRA), rec.Repo, report.TermSafe(rec.SourceRPM))
	for _, kind := range depKindsInOrder {
		for _, d := range rec.Deps[kind.String()] {
			fmt.Fprintf(w, "  %s: %s\n", kind, report.TermSafe(d))
		}
	}
	if files {
		for _, f := range rec.Files {
			fmt.Fprintf(w, "  file: %s\n", report.TermSafe(f))
		}
	}
}

var depKindsInOrder = []repomd.DepKind{repomd.Provides, repomd.Requires, repomd.Conflicts, repomd.Obsoletes,
	repomd.Recommends, repomd.Suggests, repomd.Supplements, repomd.Enhances}

// packageDump is dump's JSON shape for one package.
type packageDump struct {
	NEVRA     string              `json:"nevra"`
	Repo      string              `json:"repo"`
	Name      string              `json:"name"`
	EVR       string              `json:"evr"`
	Arch      string              `json:"arch"`
	SourceRPM string              `json:"sourcerpm,omitempty"`
	Location  string              `json:"location"`
	PkgID     string              `json:"pkgid"`
	Deps      map[string][]string `json:"deps"`
	Files     []string            `json:"files,omitempty"`
}

func dumpRecord(strs *repomd.Strings, r *repomd.Repo, p *repomd.Package, files bool) packageDump {
	d := packageDump{
		Name: strs.String(p.Name), EVR: strs.String(p.EVR), Arch: strs.String(p.Arch),
		Repo: r.ID, SourceRPM: strs.String(p.SourceRPM), Location: p.Location, PkgID: p.PkgID,
		Deps: map[string][]string{},
	}
	d.NEVRA = d.Name + "-" + d.EVR + "." + d.Arch
	for _, kind := range depKindsInOrder {
		for _, dep := range p.Deps(kind) {
			s := repomd.FormatDep(strs, dep)
			if dep.Pre() {
				s += " [pre]"
			}
			d.Deps[kind.String()] = append(d.Deps[kind.String()], s)
		}
	}
	if files {
		for _, f := range p.Files {
			suffix := ""
			switch f.Kind {
			case repomd.FileDir:
				suffix = " [dir]"
			case repomd.FileGhost:
				suffix = " [ghost]"
			}
			d.Files = append(d.Files, strs.String(f.Path)+suffix)
		}
	}
	return d
}
