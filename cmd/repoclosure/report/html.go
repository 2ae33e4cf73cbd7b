package report

import (
	_ "embed"
	"fmt"
	"html/template"
	"io"
	"slices"
	"strings"

	"github.com/repoclosure/repoclosure/internal/plural"
)

// pageSource is the matrix page's template: one self-contained file with its
// CSS and script inline, so the page works offline and from a CI artifact.
//
//go:embed page.html.tmpl
var pageSource string

// Missing-count bands of the heat map's absolute colour scale: a cell's shade
// says how far it is from installing, whatever the rest of the matrix holds.
var heatBands = []struct {
	Max   int // highest missing count of the band; 0 for "no limit"
	Label string
}{
	{1, "1 missing"}, {5, "2–5 missing"}, {20, "6–20 missing"}, {0, "more than 20 missing"},
}

// heatLevel is the shade (1..len(heatBands)) of a cell missing n > 0 deps.
func heatLevel(n int) int {
	for i, b := range heatBands {
		if b.Max == 0 || n <= b.Max {
			return i + 1
		}
	}
	return len(heatBands)
}

// WriteHTML writes the matrix as one self-contained HTML page titled title:
// rows grouped by kmod name (a name row says on which build of the kmod each
// kernel is served, and expands to the builds), a filter, three sort orders,
// kernel columns grouped by release stream or folded into one column per
// stream, an absolute colour scale, the unmet requirements of a cell on click
// and a chart of the kmods installable per kernel.
//
// The matrix is embedded compactly in <script type="application/json"
// id="matrix-data"> (see pageData) and the table is drawn by the page's
// script. The address's hash carries the view (#q=NAME&open=NAME&cell=R-C&cols=streams),
// so a link reopens it; when the script has run, <body> has data-ready="1".
func WriteHTML(w io.Writer, m *Matrix, title string) error {
	if err := m.Validate(); err != nil {
		return fmt.Errorf("write HTML: %w", err)
	}
	tmpl, err := template.New("page").Funcs(template.FuncMap{"plural": plural.Count}).Parse(pageSource)
	if err != nil {
		return fmt.Errorf("write HTML: parse page template: %w", err)
	}
	p := matrixPage{Title: title, Kmods: len(m.Kmods), Kernels: len(m.Kernels), CSS: chartCSS, Data: newPageData(m)}
	for i, b := range heatBands {
		p.Legend = append(p.Legend, pageShade{Class: fmt.Sprintf("cell l%d", i+1), Label: b.Label})
	}
	p.Chart = installableChart(m)
	if err := tmpl.Execute(w, p); err != nil {
		return fmt.Errorf("write HTML: %w", err)
	}
	return nil
}

// matrixPage is what the template shows.
type matrixPage struct {
	Title          string
	Kmods, Kernels int
	Legend         []pageShade
	Chart          template.HTML
	CSS            template.CSS
	Data           *pageData
}

// pageShade is one legend entry: a cell class and the missing counts it shows.
type pageShade struct {
	Class, Label string
}

// pageData is the matrix as the page's script reads it: every string once,
// in a table, and everything else indices into it. A kmod's missing list on a
// kernel is stored as its change from the list on the kernel before (a
// z-stream build changes a few CRCs, so most cells repeat or nearly repeat
// their left neighbour's list).
type pageData struct {
	// Strings holds every dep text and kernel_has value.
	Strings []string `json:"strings"`
	// Reasons are the Reason constants; a missing entry's reason is an
	// index into it.
	Reasons []string `json:"reasons"`
	// Streams are the kernel release streams ("4.18.0-305"), in order.
	Streams []string     `json:"streams"`
	Kernels []pageKernel `json:"kernels"`
	// Names groups the kmods by name, as Matrix.Names does.
	Names []pageName `json:"names"`
	Kmods []pageKmod `json:"kmods"`
	// Cells[i][j] turns the missing list of Kmods[i] on Kernels[j-1] (the
	// empty list for j = 0) into its list on Kernels[j]: 0 when it is the
	// same, else [r, the r entries removed..., the entries added...]. A
	// missing dep's entry is its Strings index × 8 + its Reasons index; an
	// added entry is followed by 1 + the Strings index of kernel_has (0 for
	// none). A cell's list is ordered by dep text.
	Cells [][]any `json:"cells"`
}

type pageKernel struct {
	Uname    string   `json:"u"`
	EVR      string   `json:"e"`
	Source   string   `json:"s"`
	Packages []string `json:"p"`
	Symbols  int      `json:"n"`
	Stream   int      `json:"r"` // Streams index
}

type pageKmod struct {
	NEVRA          string `json:"v"`
	Repo           string `json:"r"`
	KernelRequires int    `json:"q"`
}

// pageName is Matrix.Names' grouping, its builds by Kmods index; whether
// some build installs is the page's to work out.
type pageName struct {
	Name  string `json:"name"`
	Kmods []int  `json:"kmods"`
}

// reasonOrder is pageData.Reasons; a missing entry keeps its reason in the
// entry's low 3 bits, room for 8 reasons.
var reasonOrder = []string{ReasonCRCMismatch, ReasonUnknownSymbol, ReasonKernelVersion, ReasonKernelPackageMissing, ReasonOther}

func newPageData(m *Matrix) *pageData {
	d := &pageData{Reasons: reasonOrder, Strings: []string{}, Streams: []string{}, Kernels: []pageKernel{},
		Names: []pageName{}, Kmods: []pageKmod{}, Cells: [][]any{}}
	strs := map[string]int{}
	str := func(s string) int {
		i, ok := strs[s]
		if !ok {
			i = len(d.Strings)
			strs[s] = i
			d.Strings = append(d.Strings, s)
		}
		return i
	}
	reason := map[string]int{}
	for i, r := range reasonOrder {
		reason[r] = i
	}
	streams := map[string]int{}
	for _, k := range m.Kernels {
		s := ReleaseStream(k.EVR)
		if _, ok := streams[s]; !ok {
			streams[s] = len(d.Streams)
			d.Streams = append(d.Streams, s)
		}
		pk := pageKernel{Uname: k.Uname, EVR: k.EVR, Source: k.Source, Packages: k.Packages, Symbols: k.Symbols, Stream: streams[s]}
		if pk.Packages == nil {
			pk.Packages = []string{}
		}
		d.Kernels = append(d.Kernels, pk)
	}
	kmodIndex := make(map[string]int, len(m.Kmods))
	for i, k := range m.Kmods {
		kmodIndex[k.NEVRA] = i
	}
	for _, n := range m.Names() {
		pn := pageName{Name: n.Name}
		for _, nevra := range n.Kmods {
			pn.Kmods = append(pn.Kmods, kmodIndex[nevra])
		}
		d.Names = append(d.Names, pn)
	}
	for i, k := range m.Kmods {
		d.Kmods = append(d.Kmods, pageKmod(k))
		row := make([]any, len(m.Kernels))
		prev := map[int]int{} // entry -> kernel_has of the list on the kernel before
		for j := range m.Kernels {
			cur := map[int]int{}
			for _, miss := range m.Cell(i, j).Missing {
				has := 0
				if miss.KernelHas != "" {
					has = 1 + str(miss.KernelHas)
				}
				cur[str(miss.Dep)*8+reason[miss.Reason]] = has
			}
			var removed, added []int
			for e, h := range prev {
				if h2, ok := cur[e]; !ok || h2 != h {
					removed = append(removed, e)
				}
			}
			for e, h := range cur {
				if h2, ok := prev[e]; !ok || h2 != h {
					added = append(added, e)
				}
			}
			if len(removed)+len(added) == 0 {
				row[j] = 0
			} else {
				slices.Sort(removed)
				slices.Sort(added) // deterministic output
				delta := append([]int{len(removed)}, removed...)
				for _, e := range added {
					delta = append(delta, e, cur[e])
				}
				row[j] = delta
			}
			prev = cur
		}
		d.Cells = append(d.Cells, row)
	}
	return d
}

// ReleaseStream is the release stream of a kernel EVR: its version and the
// first component of its release, so that "4.18.0-305.3.1.el8_4" and
// "4.18.0-305.el8" are both "4.18.0-305" (RHEL 8.4's z-stream).
func ReleaseStream(evr string) string {
	v, rel, ok := strings.Cut(evr, "-")
	if !ok {
		return evr
	}
	first, _, _ := strings.Cut(rel, ".")
	return v + "-" + first
}

// installableChart is the bar chart of the kmods installable per kernel.
func installableChart(m *Matrix) template.HTML {
	c := barChart{ID: "chart-installable", Label: "kmods installable", Max: float64(len(m.Kmods))}
	for j, k := range m.Kernels {
		c.X = append(c.X, chartX{Name: k.Uname, Short: shortRelease(k.EVR), Group: ReleaseStream(k.EVR)})
		c.addValue(0, "installable", "bar-ok", float64(m.installableOn(j)))
	}
	return c.SVG()
}
