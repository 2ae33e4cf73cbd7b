package report

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode"

	"github.com/repoclosure/repoclosure/internal/plural"
)

// WriteMarkdown writes the matrix as GitHub-flavoured Markdown for an issue or
// a wiki page: a table with one row per kmod and one numbered column per
// kernel (✓ or ✗N), when a kmod name has several builds a "By name" table
// (✓ where any build of the name installs), a legend table of the kernels
// with their installable counts, then each kmod's unmet requirements with the
// kernels they fail on.
// Text from packages is escaped, so a | or < in a name cannot break the page.
func WriteMarkdown(w io.Writer, m *Matrix) error {
	if err := m.Validate(); err != nil {
		return fmt.Errorf("write Markdown: %w", err)
	}
	bw := bufio.NewWriter(w)
	installable := m.installable()
	fmt.Fprintf(bw, "## kmod × kernel install matrix\n\n%s, %s: %d of %s installable. "+
		"✓ = installable, ✗N = N unmet requirements; column numbers are the kernels listed below.\n",
		plural.Count(len(m.Kmods), "kmod"), plural.Count(len(m.Kernels), "kernel"), installable, plural.Count(len(m.Cells), "cell"))
	if len(m.Kmods) == 0 || len(m.Kernels) == 0 {
		return flush(bw, "Markdown")
	}

	writeKernelHeader(bw, "\n| kmod |", "\n| :--- |", len(m.Kernels))
	for i, k := range m.Kmods {
		bw.WriteString("| " + markdownEscape(k.NEVRA) + " |")
		for j := range m.Kernels {
			bw.WriteString(" " + cellToken(*m.Cell(i, j)) + " |")
		}
		bw.WriteString("\n")
	}

	if names := m.Names(); multiBuild(names) {
		writeKernelHeader(bw, "\n### By name\n\n✓ = some build of the name installs on the kernel.\n\n| kmod name | builds |", "\n| :--- | --: |", len(m.Kernels))
		for _, n := range names {
			fmt.Fprintf(bw, "| %s | %d |", markdownEscape(n.Name), len(n.Kmods))
			for _, ok := range n.Installable {
				if ok {
					bw.WriteString(" ✓ |")
				} else {
					bw.WriteString(" ✗ |")
				}
			}
			bw.WriteString("\n")
		}
	}

	bw.WriteString("\n### Kernels\n\n| # | kernel | installable kmods | symbols |\n| --: | :--- | --: | --: |\n")
	for j, k := range m.Kernels {
		fmt.Fprintf(bw, "| %d | %s | %d/%d | %d |\n",
			j+1, markdownEscape(k.Uname), m.installableOn(j), len(m.Kmods), k.Symbols)
	}

	if installable < len(m.Cells) {
		bw.WriteString("\n### Unmet requirements\n\n")
		for i, k := range m.Kmods {
			groups := missingByDep(m, i)
			if len(groups) == 0 {
				continue
			}
			bw.WriteString("- " + markdownEscape(k.NEVRA) + "\n")
			for _, g := range groups {
				on := "kernels"
				if len(g.kernels) == 1 {
					on = "kernel"
				}
				fmt.Fprintf(bw, "  - %s: %s on %s %s\n",
					markdownEscape(g.miss.Dep), markdownEscape(describeReason(g.miss)), on, kernelRanges(g.kernels))
			}
		}
	}
	return flush(bw, "Markdown")
}

// writeKernelHeader writes a table's header row, head then one numbered
// column per kernel, and its alignment row, align then the kernels' centred
// columns.
func writeKernelHeader(bw *bufio.Writer, head, align string, kernels int) {
	bw.WriteString(head)
	for j := range kernels {
		fmt.Fprintf(bw, " %d |", j+1)
	}
	bw.WriteString(align)
	for range kernels {
		bw.WriteString(" :-: |")
	}
	bw.WriteString("\n")
}

// depGroup is one unmet requirement of a kmod and the kernels (indexes) on
// which it is unmet for the same reason.
type depGroup struct {
	miss    Missing
	kernels []int
}

// missingByDep groups Kmods[kmod]'s unmet requirements across kernels, in the
// order first met, so that a symbol missing on 40 kernels is one line.
func missingByDep(m *Matrix, kmod int) []depGroup {
	var groups []depGroup
	index := make(map[Missing]int)
	for j := range m.Kernels {
		for _, miss := range m.Cell(kmod, j).Missing {
			g, ok := index[miss]
			if !ok {
				g = len(groups)
				index[miss] = g
				groups = append(groups, depGroup{miss: miss})
			}
			groups[g].kernels = append(groups[g].kernels, j)
		}
	}
	return groups
}

// describeReason is a Missing's reason with what the kernel has, if known.
func describeReason(miss Missing) string {
	if miss.KernelHas == "" {
		return miss.Reason
	}
	return miss.Reason + " (kernel has " + miss.KernelHas + ")"
}

// kernelRanges writes 0-based kernel indexes as 1-based column numbers with
// runs collapsed: "1–3, 5".
func kernelRanges(idx []int) string {
	var b strings.Builder
	for n := 0; n < len(idx); {
		end := n
		for end+1 < len(idx) && idx[end+1] == idx[end]+1 {
			end++
		}
		if b.Len() > 0 {
			b.WriteString(", ")
		}
		b.WriteString(strconv.Itoa(idx[n] + 1))
		if end > n {
			b.WriteString("–" + strconv.Itoa(idx[end]+1))
		}
		n = end + 1
	}
	return b.String()
}

// markdownEscape backslash-escapes the characters that GitHub's Markdown would
// read as table cell ends, emphasis, links, code or HTML, and turns line
// breaks into spaces so that a cell stays on its row.
func markdownEscape(s string) string {
	var b strings.Builder
	runes := []rune(s)
	for i, r := range runes {
		switch r {
		case '_':
			// An underscore inside a word (x86_64) never starts emphasis;
			// leaving it bare keeps NEVRAs readable in the Markdown source.
			if i > 0 && i+1 < len(runes) && isWordRune(runes[i-1]) && isWordRune(runes[i+1]) {
				b.WriteRune(r)
				continue
			}
			b.WriteString(`\_`)
		case '\\', '|', '*', '`', '[', ']', '<', '>', '&', '~', '#', '!':
			b.WriteByte('\\')
			b.WriteRune(r)
		case '\n', '\r':
			b.WriteByte(' ')
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

func isWordRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsDigit(r)
}
