package report

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/repoclosure/repoclosure/internal/plural"
)

// tableWidth is the line width WriteTable aims for: kernel columns beyond it
// go to another panel rather than wrapping in the terminal.
const tableWidth = 160

const (
	ansiGreen = "\x1b[32m"
	ansiRed   = "\x1b[31m"
	ansiBold  = "\x1b[1m"
	ansiReset = "\x1b[0m"
)

// WriteTable writes the matrix as a terminal grid: one row per kmod, one
// numbered column per kernel, each cell ✓ (installable) or ✗N (N unmet
// requirements), then an "installable" row counting the kmods that install on
// each kernel and, when a kmod name has several builds, a "NAME (any)" row
// per name: ✓ where any of its builds installs. A legend maps each column
// number to its kernel's uname, with the kernel's installable count and
// symbol count. Columns that would not fit in
// 160 characters (tableWidth) go to further panels. color adds ANSI colours.
func WriteTable(w io.Writer, m *Matrix, color bool) error {
	if err := m.Validate(); err != nil {
		return fmt.Errorf("write table: %w", err)
	}
	bw := bufio.NewWriter(w)
	installable := m.installable()
	fmt.Fprintf(bw, "kmod × kernel matrix: %s, %s, %d of %s installable\n",
		plural.Count(len(m.Kmods), "kmod"), plural.Count(len(m.Kernels), "kernel"), installable, plural.Count(len(m.Cells), "cell"))
	if len(m.Kmods) == 0 || len(m.Kernels) == 0 {
		return flush(bw, "table")
	}

	t := tableLayout{m: m, color: color, perKernel: make([]int, len(m.Kernels)), colW: len(strconv.Itoa(len(m.Kernels))), nameW: len(tableFooter)}
	for j := range m.Kernels {
		t.perKernel[j] = m.installableOn(j)
		t.colW = max(t.colW, len(strconv.Itoa(t.perKernel[j])))
	}
	for _, c := range m.Cells {
		t.colW = max(t.colW, utf8.RuneCountInString(cellToken(c)))
	}
	for _, k := range m.Kmods {
		t.nameW = max(t.nameW, utf8.RuneCountInString(TermSafe(k.NEVRA)))
	}
	// The by-name rows, when some name has several builds: ✓ when any
	// build of the name installs, ✗ when none does.
	if names := m.Names(); multiBuild(names) {
		t.byName = names
		for _, n := range names {
			t.nameW = max(t.nameW, utf8.RuneCountInString(TermSafe(n.Name))+len(" (any)"))
		}
	}
	perPanel := max(1, (tableWidth-t.nameW)/(t.colW+1))
	for start := 0; start < len(m.Kernels); start += perPanel {
		end := min(start+perPanel, len(m.Kernels))
		label := ""
		if perPanel < len(m.Kernels) {
			label = fmt.Sprintf("kernels %d–%d of %d", start+1, end, len(m.Kernels))
		}
		t.writePanel(bw, label, start, end)
	}
	writeLegend(bw, m, t.perKernel)
	return flush(bw, "table")
}

// tableFooter labels the row of installable counts.
const tableFooter = "installable"

// tableLayout is what every panel of a table shares.
type tableLayout struct {
	m           *Matrix
	color       bool
	perKernel   []int  // kmods installable on each kernel
	byName      []Name // the names' rows, when a name has several builds
	colW, nameW int
}

func (t *tableLayout) paint(code, s string) string {
	if !t.color {
		return s
	}
	return code + s + ansiReset
}

// writePanel writes the kernel columns [start, end) under label.
func (t *tableLayout) writePanel(bw *bufio.Writer, label string, start, end int) {
	fmt.Fprintln(bw)
	bw.WriteString(t.paint(ansiBold, pad(label, t.nameW, false)))
	for j := start; j < end; j++ {
		bw.WriteString(" " + t.paint(ansiBold, pad(strconv.Itoa(j+1), t.colW, true)))
	}
	bw.WriteString("\n")
	for i, k := range t.m.Kmods {
		bw.WriteString(pad(TermSafe(k.NEVRA), t.nameW, false))
		for j := start; j < end; j++ {
			c := t.m.Cell(i, j)
			code := ansiGreen
			if !c.Installable {
				code = ansiRed
			}
			bw.WriteString(" " + t.paint(code, pad(cellToken(*c), t.colW, true)))
		}
		bw.WriteString("\n")
	}
	bw.WriteString(pad(tableFooter, t.nameW, false))
	for j := start; j < end; j++ {
		bw.WriteString(" " + pad(strconv.Itoa(t.perKernel[j]), t.colW, true))
	}
	bw.WriteString("\n")
	for _, n := range t.byName {
		bw.WriteString(pad(TermSafe(n.Name)+" (any)", t.nameW, false))
		for j := start; j < end; j++ {
			tok, code := "✗", ansiRed
			if n.Installable[j] {
				tok, code = "✓", ansiGreen
			}
			bw.WriteString(" " + t.paint(code, pad(tok, t.colW, true)))
		}
		bw.WriteString("\n")
	}
}

// writeLegend maps the table's column numbers to kernels and says what a
// cell means.
func writeLegend(bw *bufio.Writer, m *Matrix, perKernel []int) {
	fmt.Fprintln(bw, "\nkernels:")
	numW := len(strconv.Itoa(len(m.Kernels)))
	unameW := 0
	for _, k := range m.Kernels {
		unameW = max(unameW, utf8.RuneCountInString(TermSafe(k.Uname)))
	}
	for j, k := range m.Kernels {
		fmt.Fprintf(bw, "%s = %s  %d/%d kmods installable, %s\n",
			pad(strconv.Itoa(j+1), numW+1, true), pad(TermSafe(k.Uname), unameW, false),
			perKernel[j], len(m.Kmods), plural.Count(k.Symbols, "symbol"))
	}
	fmt.Fprintln(bw, "\ncells: ✗N = N unmet requirements (--format json or html names them), else installable")
}

// cellToken is a cell as the table and Markdown show it.
func cellToken(c Cell) string {
	if c.Installable {
		return "✓"
	}
	return "✗" + strconv.Itoa(len(c.Missing))
}

// pad pads s with spaces to width runes, on the left when right is true.
func pad(s string, width int, right bool) string {
	n := width - utf8.RuneCountInString(s)
	if n <= 0 {
		return s
	}
	if right {
		return strings.Repeat(" ", n) + s
	}
	return s + strings.Repeat(" ", n)
}

// flush flushes bw, naming what was written in its error.
func flush(bw *bufio.Writer, what string) error {
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write %s: %w", what, err)
	}
	return nil
}
