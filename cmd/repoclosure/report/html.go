package report

import (
	_ "embed"
	"fmt"
	"html/template"
	"io"
	"strconv"
	"strings"
)

// pageSource is the HTML page's template: one self-contained file with its
// CSS and script inline, so the page works offline and from a CI artifact.
//
//go:embed page.html.tmpl
var pageSource string

// heatLevels is how many shades of red the heat map uses for missing counts.
const heatLevels = 5

// Chart geometry of the kernel timeline, in SVG user units.
const (
	chartHeight = 160 // plot area
	chartTop    = 16
	chartLeft   = 48
	chartRight  = 64
	chartBottom = 28
	chartStep   = 22 // per kernel
	chartBar    = 14
)

// WriteHTML writes the matrix as one self-contained HTML page titled title: a
// heat map (rows kmods, columns kernels; green installable, red shaded by the
// missing count) whose cells show their unmet requirements in a side panel on
// hover or click, a timeline chart of the kernels' symbol counts and
// installable kmods, a kernel table and a legend. Each cell element carries
// data-kmod, data-kernel and data-missing; the matrix itself is embedded as
// JSON in <script type="application/json" id="matrix-data"> for scripts.
// When its script has run, the page's <body> has data-ready="1".
func WriteHTML(w io.Writer, m *Matrix, title string) error {
	if err := m.Validate(); err != nil {
		return fmt.Errorf("write HTML: %w", err)
	}
	tmpl, err := template.New("page").Parse(pageSource)
	if err != nil {
		return fmt.Errorf("write HTML: parse page template: %w", err)
	}
	if err := tmpl.Execute(w, newPage(m, title)); err != nil {
		return fmt.Errorf("write HTML: %w", err)
	}
	return nil
}

// page is what the template shows, computed beforehand so that the template
// holds no arithmetic.
type page struct {
	Title   string
	Matrix  *Matrix
	Kernels []pageKernel
	Rows    []pageRow
	Legend  []pageShade
	Chart   pageChart
}

type pageKernel struct {
	Num         int
	Kernel      Kernel
	Installable int
}

type pageRow struct {
	Kmod  Kmod
	Cells []pageCell
}

type pageCell struct {
	Row, Col int
	Kernel   string
	Missing  int
	Class    string // "cell ok" or "cell bad lvlN"
	Text     string
}

// pageShade is one legend entry: a cell class and the missing counts it shows.
type pageShade struct {
	Class, Label string
}

type pageChart struct {
	Width, Height int
	Left, Top     int // the plot area's top left corner
	PlotBottom    int // y of the x axis
	PlotRight     int // x of the right axis
	Bars          []pageBar
	SymbolLine    string // polyline points
	MaxKmods      int
	MinSymbols    int // the right axis's range
	MaxSymbols    int
}

type pageBar struct {
	X, Y, W, H int
	DotX, DotY int // this kernel's point on the symbol line
	LabelX     int
	Num        int
	Title      string
}

func newPage(m *Matrix, title string) page {
	p := page{Title: title, Matrix: withEmptyLists(m)}
	maxMissing := 0
	for _, c := range m.Cells {
		maxMissing = max(maxMissing, len(c.Missing))
	}
	for j, k := range m.Kernels {
		p.Kernels = append(p.Kernels, pageKernel{Num: j + 1, Kernel: k, Installable: m.installableOn(j)})
	}
	for i, k := range m.Kmods {
		row := pageRow{Kmod: k}
		for j, kern := range m.Kernels {
			c := m.Cell(i, j)
			pc := pageCell{Row: i, Col: j, Kernel: kern.Uname, Missing: len(c.Missing), Class: "cell ok", Text: "✓"}
			if !c.Installable {
				pc.Class = "cell bad lvl" + strconv.Itoa(heatLevel(len(c.Missing), maxMissing))
				pc.Text = strconv.Itoa(len(c.Missing))
			}
			row.Cells = append(row.Cells, pc)
		}
		p.Rows = append(p.Rows, row)
	}
	p.Legend = legend(maxMissing)
	p.Chart = chart(p.Kernels, len(m.Kmods))
	return p
}

// heatLevel maps a missing count in 1..maxMissing to a shade in 1..heatLevels.
func heatLevel(n, maxMissing int) int {
	if maxMissing <= 0 {
		return 1
	}
	return max(1, (n*heatLevels+maxMissing-1)/maxMissing)
}

// legend lists the shades in use with the missing counts each stands for.
func legend(maxMissing int) []pageShade {
	shades := []pageShade{{Class: "cell ok", Label: "installable"}}
	lo := 1
	for lvl := 1; lvl <= heatLevels && lo <= maxMissing; lvl++ {
		hi := lo
		for hi < maxMissing && heatLevel(hi+1, maxMissing) == lvl {
			hi++
		}
		if heatLevel(lo, maxMissing) != lvl {
			continue // no count maps to this shade
		}
		label := strconv.Itoa(lo) + " missing"
		if hi > lo {
			label = strconv.Itoa(lo) + "–" + strconv.Itoa(hi) + " missing"
		}
		shades = append(shades, pageShade{Class: "cell bad lvl" + strconv.Itoa(lvl), Label: label})
		lo = hi + 1
	}
	return shades
}

// chart lays out the timeline: one bar per kernel for its installable kmods
// (left axis) and a line through its symbol counts (right axis).
func chart(kernels []pageKernel, kmods int) pageChart {
	c := pageChart{MaxKmods: kmods, Left: chartLeft, Top: chartTop}
	for n, k := range kernels {
		c.MaxSymbols = max(c.MaxSymbols, k.Kernel.Symbols)
		if n == 0 || k.Kernel.Symbols < c.MinSymbols {
			c.MinSymbols = k.Kernel.Symbols
		}
	}
	// Symbol counts differ by a few percent between builds of one release:
	// a line from zero would be flat, so its axis starts below the smallest.
	if c.MinSymbols < c.MaxSymbols {
		c.MinSymbols = max(0, c.MinSymbols-(c.MaxSymbols-c.MinSymbols)/4)
	} else {
		c.MinSymbols = 0
	}
	c.Width = chartLeft + len(kernels)*chartStep + chartRight
	c.PlotRight = chartLeft + len(kernels)*chartStep
	c.PlotBottom = chartTop + chartHeight
	c.Height = c.PlotBottom + chartBottom
	scale := func(v, lo, hi int) int {
		if hi <= lo {
			return 0
		}
		return (v - lo) * chartHeight / (hi - lo)
	}
	var points []string
	for n, k := range kernels {
		x := chartLeft + n*chartStep + (chartStep-chartBar)/2
		h := scale(k.Installable, 0, kmods)
		b := pageBar{
			X: x, Y: c.PlotBottom - h, W: chartBar, H: h,
			DotX: x + chartBar/2, DotY: c.PlotBottom - scale(k.Kernel.Symbols, c.MinSymbols, c.MaxSymbols),
			LabelX: x + chartBar/2, Num: k.Num,
			Title: fmt.Sprintf("%d = %s: %d/%d kmods installable, %d symbols",
				k.Num, k.Kernel.Uname, k.Installable, kmods, k.Kernel.Symbols),
		}
		c.Bars = append(c.Bars, b)
		points = append(points, strconv.Itoa(b.DotX)+","+strconv.Itoa(b.DotY))
	}
	c.SymbolLine = strings.Join(points, " ")
	return c
}
