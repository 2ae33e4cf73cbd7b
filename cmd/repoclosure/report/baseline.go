package report

import (
	"bufio"
	"fmt"
	"io"
)

// Regression is a kmod that installed on a kernel in the baseline and no
// longer does, with what is now missing.
type Regression struct {
	Kmod    string // NEVRA
	Kernel  string // uname
	Missing []Missing
}

// Diff is what changed from a baseline matrix to the current one.
type Diff struct {
	NewKernels  []string     // unames in the current matrix only, in its order
	Regressions []Regression // in the current matrix's cell order
	NewKmods    []string     // NEVRAs in the current matrix only, in its order
}

// CompareBaseline compares cur with the baseline prev. Kernels match by uname
// and kmods by NEVRA, so a rebuilt kmod (new NEVRA) is a new kmod, not a
// regression. Cells are matched by name, so neither matrix needs a particular
// order. A nil matrix counts as empty.
func CompareBaseline(prev, cur *Matrix) Diff {
	var d Diff
	if prev == nil {
		prev = &Matrix{}
	}
	if cur == nil {
		cur = &Matrix{}
	}
	known := make(map[string]bool, len(prev.Kernels))
	for _, k := range prev.Kernels {
		known[k.Uname] = true
	}
	for _, k := range cur.Kernels {
		if !known[k.Uname] {
			d.NewKernels = append(d.NewKernels, k.Uname)
		}
	}
	clear(known)
	for _, k := range prev.Kmods {
		known[k.NEVRA] = true
	}
	for _, k := range cur.Kmods {
		if !known[k.NEVRA] {
			d.NewKmods = append(d.NewKmods, k.NEVRA)
		}
	}
	type pair struct{ kmod, kernel string }
	wasInstallable := make(map[pair]bool, len(prev.Cells))
	for _, c := range prev.Cells {
		if c.Installable {
			wasInstallable[pair{c.Kmod, c.Kernel}] = true
		}
	}
	for _, c := range cur.Cells {
		if !c.Installable && wasInstallable[pair{c.Kmod, c.Kernel}] {
			d.Regressions = append(d.Regressions, Regression{Kmod: c.Kmod, Kernel: c.Kernel, Missing: c.Missing})
		}
	}
	return d
}

// WriteDiff writes d as text for a person: the new kernels and kmods, then
// each regression with its unmet requirements and their reasons.
func WriteDiff(w io.Writer, d Diff) error {
	bw := bufio.NewWriter(w)
	list := func(title string, names []string) {
		if len(names) == 0 {
			fmt.Fprintf(bw, "no %s\n", title)
			return
		}
		fmt.Fprintf(bw, "%s (%d):\n", title, len(names))
		for _, n := range names {
			fmt.Fprintf(bw, "  %s\n", printable(n))
		}
	}
	list("new kernels", d.NewKernels)
	list("new kmods", d.NewKmods)
	if len(d.Regressions) == 0 {
		fmt.Fprintln(bw, "no regressions: every kmod that installed on a kernel in the baseline still does")
	} else {
		fmt.Fprintf(bw, "regressions (%d): installable in the baseline, not now:\n", len(d.Regressions))
		for _, r := range d.Regressions {
			fmt.Fprintf(bw, "  %s on %s:\n", printable(r.Kmod), printable(r.Kernel))
			for _, miss := range r.Missing {
				fmt.Fprintf(bw, "    %s: %s\n", printable(miss.Dep), printable(describeReason(miss)))
			}
		}
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write baseline diff: %w", err)
	}
	return nil
}
