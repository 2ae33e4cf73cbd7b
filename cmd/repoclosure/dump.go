package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"

	"github.com/repoclosure/repoclosure/repomd"
)

// runDump prints what was loaded, so that loading can be checked by hand.
func runDump(ctx context.Context, args []string, stdout, stderr io.Writer) (int, error) {
	fs, rf := newFlagSet("dump", stderr)
	var jsonOut, files, count bool
	fs.BoolVar(&jsonOut, "json", false, "print JSON, one object per package")
	fs.BoolVar(&count, "count", false, "print only how many packages each repository has")
	fs.BoolVar(&files, "files", false, "also print each package's files")
	if err := fs.Parse(args); err != nil {
		return exitError, usageError{err}
	}
	s, err := rf.resolve()
	if err != nil {
		return exitError, err
	}
	strs, repos, err := rf.load(ctx, s)
	if err != nil {
		return exitError, err
	}
	w := bufio.NewWriter(stdout)
	defer w.Flush()
	if count {
		for _, r := range repos {
			fmt.Fprintf(w, "%s\t%d\n", r.ID, len(r.Packages))
		}
		return exitClosed, nil
	}
	enc := json.NewEncoder(w)
	for _, r := range repos {
		for i := range r.Packages {
			rec := dumpRecord(strs, r, &r.Packages[i], files || jsonOut)
			if jsonOut {
				if err := enc.Encode(rec); err != nil {
					return exitError, err
				}
				continue
			}
			fmt.Fprintf(w, "%s from %s (%s)\n", termSafe(rec.NEVRA), rec.Repo, termSafe(rec.SourceRPM))
			for _, kind := range depKindsInOrder {
				for _, d := range rec.Deps[kind.String()] {
					fmt.Fprintf(w, "  %s: %s\n", kind, termSafe(d))
				}
			}
			if files {
				for _, f := range rec.Files {
					fmt.Fprintf(w, "  file: %s\n", termSafe(f))
				}
			}
		}
	}
	return exitClosed, nil
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
		for _, dep := range p.Deps[kind] {
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
