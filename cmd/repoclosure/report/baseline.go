package report

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"

	"github.com/repoclosure/repoclosure/kabi"
)

// Regression is a kmod name that installs on the build before a new kernel
// build and not on the new one: the rule `watch` applies (kabi.Regressions).
type Regression struct {
	Kmod            string               `json:"kmod"`              // the kmod's name
	Kernel          string               `json:"kernel"`            // the new build's uname
	Previous        string               `json:"previous"`          // the newest older build of its source and arch
	WorksOnPrevious []string             `json:"works_on_previous"` // NEVRAs that install on Previous
	Missing         map[string][]Missing `json:"missing"`           // NEVRA -> what it misses on Kernel
}

// Diff is what changed from a baseline matrix to the current one.
type Diff struct {
	NewKernels  []string     `json:"new_kernels"` // unames in the current matrix only, in its order
	Regressions []Regression `json:"regressions"` // by new kernel, then kmod name
	NewKmods    []string     `json:"new_kmods"`   // NEVRAs in the current matrix only, in its order
}

// CompareBaseline compares cur with the baseline prev. Kernels match by uname
// and kmods by NEVRA. A regression is a kernel new in cur on which no build
// of a kmod name installs while some build of it installs on the previous
// build (by EVR, same source name and arch) of either matrix: a rebuilt kmod
// that works on the new kernel is no regression, nor is a kmod that never
// worked. A nil matrix counts as empty.
func CompareBaseline(prev, cur *Matrix) Diff {
	var d Diff
	if prev == nil {
		prev = &Matrix{}
	}
	if cur == nil {
		cur = &Matrix{}
	}
	var refs []kabi.BuildRef
	kernelAt := map[string]int{}
	addKernel := func(k Kernel) {
		if _, ok := kernelAt[k.Uname]; !ok {
			kernelAt[k.Uname] = len(refs)
			refs = append(refs, kabi.BuildRefOf(k.Uname, k.EVR, k.Source))
		}
	}
	for _, k := range prev.Kernels {
		addKernel(k)
	}
	var added []int
	for _, k := range cur.Kernels {
		if _, ok := kernelAt[k.Uname]; !ok {
			d.NewKernels = append(d.NewKernels, k.Uname)
			addKernel(k)
			added = append(added, kernelAt[k.Uname])
		}
	}
	var kmods []kabi.KmodRef
	kmodAt := map[string]int{}
	addKmod := func(k Kmod) {
		if _, ok := kmodAt[k.NEVRA]; !ok {
			kmodAt[k.NEVRA] = len(kmods)
			kmods = append(kmods, kabi.KmodRef{NEVRA: k.NEVRA, Name: NameOf(k.NEVRA)})
		}
	}
	for _, k := range prev.Kmods {
		addKmod(k)
	}
	for _, k := range cur.Kmods {
		if _, ok := kmodAt[k.NEVRA]; !ok {
			d.NewKmods = append(d.NewKmods, k.NEVRA)
			addKmod(k)
		}
	}
	type pair struct{ kmod, kernel string }
	cells := make(map[pair]Cell, len(prev.Cells)+len(cur.Cells))
	for _, m := range []*Matrix{prev, cur} { // the current matrix wins
		for _, c := range m.Cells {
			cells[pair{c.Kmod, c.Kernel}] = c
		}
	}
	installs := func(m, k int) (bool, bool) {
		c, ok := cells[pair{kmods[m].NEVRA, refs[k].Uname}]
		return ok && c.Installable, ok
	}
	for _, r := range kabi.Regressions(refs, added, kmods, installs) {
		reg := Regression{Kmod: r.Kmod, Kernel: refs[r.Kernel].Uname, Previous: refs[r.Previous].Uname, WorksOnPrevious: []string{}, Missing: map[string][]Missing{}}
		for _, m := range r.WorksOnPrevious {
			reg.WorksOnPrevious = append(reg.WorksOnPrevious, kmods[m].NEVRA)
		}
		slices.Sort(reg.WorksOnPrevious)
		for _, m := range r.Builds {
			reg.Missing[kmods[m].NEVRA] = cells[pair{kmods[m].NEVRA, reg.Kernel}].Missing
		}
		d.Regressions = append(d.Regressions, reg)
	}
	return d
}

// WriteDiffJSON writes d as one JSON object; empty lists are [].
func WriteDiffJSON(w io.Writer, d Diff) error {
	for _, l := range []*[]string{&d.NewKernels, &d.NewKmods} {
		if *l == nil {
			*l = []string{}
		}
	}
	if d.Regressions == nil {
		d.Regressions = []Regression{}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(d); err != nil {
		return fmt.Errorf("write baseline diff: %w", err)
	}
	return nil
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
			fmt.Fprintf(bw, "  %s\n", TermSafe(n))
		}
	}
	list("new kernels", d.NewKernels)
	list("new kmods", d.NewKmods)
	if len(d.Regressions) == 0 {
		fmt.Fprintln(bw, "no regressions: on each new kernel, every kmod that installed on the build before still has a build that installs")
	} else {
		fmt.Fprintf(bw, "regressions (%d): no build of the kmod installs on the new kernel, some did on the build before:\n", len(d.Regressions))
		for _, r := range d.Regressions {
			fmt.Fprintf(bw, "  %s on %s (installed on %s: %s):\n", TermSafe(r.Kmod), TermSafe(r.Kernel), TermSafe(r.Previous), TermSafe(strings.Join(r.WorksOnPrevious, ", ")))
			nevras := slices.Sorted(maps.Keys(r.Missing))
			for _, nevra := range nevras {
				fmt.Fprintf(bw, "    %s:\n", TermSafe(nevra))
				for _, miss := range r.Missing[nevra] {
					fmt.Fprintf(bw, "      %s: %s\n", TermSafe(miss.Dep), TermSafe(describeReason(miss)))
				}
			}
		}
	}
	return flush(bw, "baseline diff")
}
