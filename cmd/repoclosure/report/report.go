// Package report renders the kernel reports: the kmod × kernel install
// matrix (as a terminal table, CSV, JSON, Markdown or a self-contained HTML
// page), its comparison with a baseline saved earlier as JSON, and the
// series report (Series: JSON, and an HTML page of charts).
//
// The JSON forms (WriteJSON, ReadJSON; Series) are the scripting contract:
// their field names do not change. Fields are only added: "names", the
// by-name view (Matrix.Names), derived from kmods and cells.
package report

import (
	"fmt"

	"github.com/repoclosure/repoclosure/internal/plural"
)

// The reasons a kmod's requirement is unmet on a kernel build.
const (
	// ReasonCRCMismatch: the kernel exports the symbol with another CRC
	// (Missing.KernelHas gives it).
	ReasonCRCMismatch = "crc-mismatch"
	// ReasonUnknownSymbol: the kernel does not export the symbol at all.
	ReasonUnknownSymbol = "unknown-symbol"
	// ReasonKernelVersion: a kernel or kernel-uname-r requirement is not met
	// (Missing.KernelHas gives the versions the build provides under that
	// name).
	ReasonKernelVersion = "kernel-version"
	// ReasonKernelPackageMissing: a kernel, kernel-core or *-uname-r style
	// requirement whose name the kernel build does not provide at all
	// (the build lacks that package, e.g. kernel-modules-core).
	ReasonKernelPackageMissing = "kernel-package-missing"
	// ReasonOther: any other unmet requirement.
	ReasonOther = "other"
)

// Matrix is the install matrix: for every kmod and every kernel build, the
// kmod's requirements that the build leaves unmet.
type Matrix struct {
	Kernels []Kernel `json:"kernels"` // in EVR order, oldest first
	Kmods   []Kmod   `json:"kmods"`
	// Cells has one entry per kmod × kernel pair, kmod-major: the cell of
	// Kmods[i] on Kernels[j] is Cells[i*len(Kernels)+j].
	Cells []Cell `json:"cells"`
}

// Kernel is one kernel build, named by its uname -r.
type Kernel struct {
	Uname    string   `json:"uname"`    // "4.18.0-348.el8.x86_64"
	EVR      string   `json:"evr"`      // "4.18.0-348.el8"
	Source   string   `json:"source"`   // "kernel-4.18.0-348.el8.src.rpm"
	Packages []string `json:"packages"` // NEVRAs of the build's packages
	Symbols  int      `json:"symbols"`  // count of kernel(...) provides
}

// Kmod is one kernel module package.
type Kmod struct {
	NEVRA          string `json:"nevra"`
	Repo           string `json:"repo"`
	KernelRequires int    `json:"kernel_requires"` // count of kernel(...) requires
}

// Cell is one kmod on one kernel build.
type Cell struct {
	Kmod        string    `json:"kmod"`   // Kmod.NEVRA
	Kernel      string    `json:"kernel"` // Kernel.Uname
	Installable bool      `json:"installable"`
	Missing     []Missing `json:"missing"` // empty when Installable
}

// Missing is one unmet requirement of a kmod on a kernel build.
type Missing struct {
	Dep       string `json:"dep"`    // as dnf prints it: "kernel(napi_enable) = 0x1a2b3c4d"
	Reason    string `json:"reason"` // one of the Reason constants
	KernelHas string `json:"kernel_has,omitempty"`
}

// Cell returns the cell of Kmods[kmod] on Kernels[kernel], or nil when an
// index is out of range or Cells is too short.
func (m *Matrix) Cell(kmod, kernel int) *Cell {
	if kmod < 0 || kmod >= len(m.Kmods) || kernel < 0 || kernel >= len(m.Kernels) {
		return nil
	}
	i := kmod*len(m.Kernels) + kernel
	if i >= len(m.Cells) {
		return nil
	}
	return &m.Cells[i]
}

// Validate checks the matrix's shape: unique, non-empty kernel unames and kmod
// NEVRAs; one cell per kmod × kernel pair, in kmod-major order and naming its
// kmod and kernel; Installable exactly when nothing is missing; known reasons.
// Every writer calls it first, so that a malformed matrix is an error rather
// than a wrong report.
func (m *Matrix) Validate() error {
	kernels := make(map[string]int, len(m.Kernels))
	for j, k := range m.Kernels {
		if k.Uname == "" {
			return fmt.Errorf("kernel %d has an empty uname", j)
		}
		if prev, dup := kernels[k.Uname]; dup {
			return fmt.Errorf("kernel %q is listed twice (%d and %d)", k.Uname, prev, j)
		}
		kernels[k.Uname] = j
	}
	kmods := make(map[string]int, len(m.Kmods))
	for i, k := range m.Kmods {
		if k.NEVRA == "" {
			return fmt.Errorf("kmod %d has an empty nevra", i)
		}
		if prev, dup := kmods[k.NEVRA]; dup {
			return fmt.Errorf("kmod %q is listed twice (%d and %d)", k.NEVRA, prev, i)
		}
		kmods[k.NEVRA] = i
	}
	if want := len(m.Kmods) * len(m.Kernels); len(m.Cells) != want {
		return fmt.Errorf("%s for %s × %s: want %d",
			plural.Count(len(m.Cells), "cell"), plural.Count(len(m.Kmods), "kmod"), plural.Count(len(m.Kernels), "kernel"), want)
	}
	for n, c := range m.Cells {
		i, j := n/len(m.Kernels), n%len(m.Kernels)
		if _, ok := kmods[c.Kmod]; !ok {
			return fmt.Errorf("cell %d names unknown kmod %q", n, c.Kmod)
		}
		if _, ok := kernels[c.Kernel]; !ok {
			return fmt.Errorf("cell %d names unknown kernel %q", n, c.Kernel)
		}
		if c.Kmod != m.Kmods[i].NEVRA || c.Kernel != m.Kernels[j].Uname {
			return fmt.Errorf("cell %d is (%q, %q): want (%q, %q) in kmod-major order",
				n, c.Kmod, c.Kernel, m.Kmods[i].NEVRA, m.Kernels[j].Uname)
		}
		if c.Installable != (len(c.Missing) == 0) {
			return fmt.Errorf("cell %d (%q on %q): installable=%t with %d missing deps",
				n, c.Kmod, c.Kernel, c.Installable, len(c.Missing))
		}
		for _, miss := range c.Missing {
			if miss.Dep == "" {
				return fmt.Errorf("cell %d (%q on %q): missing dep with empty text", n, c.Kmod, c.Kernel)
			}
			if !knownReason(miss.Reason) {
				return fmt.Errorf("cell %d (%q on %q): dep %q has unknown reason %q",
					n, c.Kmod, c.Kernel, miss.Dep, miss.Reason)
			}
		}
	}
	return nil
}

func knownReason(r string) bool {
	switch r {
	case ReasonCRCMismatch, ReasonUnknownSymbol, ReasonKernelVersion, ReasonKernelPackageMissing, ReasonOther:
		return true
	}
	return false
}

// installable counts the installable cells.
func (m *Matrix) installable() int {
	n := 0
	for _, c := range m.Cells {
		if c.Installable {
			n++
		}
	}
	return n
}

// installableOn counts the kmods installable on Kernels[kernel].
func (m *Matrix) installableOn(kernel int) int {
	n := 0
	for i := range m.Kmods {
		if c := m.Cell(i, kernel); c != nil && c.Installable {
			n++
		}
	}
	return n
}
