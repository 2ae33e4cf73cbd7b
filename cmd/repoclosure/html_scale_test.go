package main

import (
	"context"
	"encoding/json"
	"fmt"
	"html"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/repoclosure/repoclosure/cmd/repoclosure/report"
	"github.com/repoclosure/repoclosure/internal/repogen"
	"github.com/repoclosure/repoclosure/internal/reporttest"
	"github.com/repoclosure/repoclosure/internal/testenv"
)

// scalePage writes a generated series of kernels × kmods, runs `matrix
// --format json` and `--format html` on it, and returns the matrix and the
// page's file.
func scalePage(t testing.TB, kernels, kmods int) (*report.Matrix, string) {
	t.Helper()
	dir := t.TempDir()
	s := repogen.NewSeries(repogen.SeriesConfig{Seed: 11, Kernels: kernels, Symbols: 4000, Kmods: kmods, OtherPkgs: 40, MinorJumpAt: 15})
	if err := s.Write(dir, repogen.Gzip); err != nil {
		t.Fatal(err)
	}
	common := []string{"matrix", "-q", "--setopt=reposdir=/nonexistent", "--cachedir", filepath.Join(dir, "cache"),
		"--repofrompath", "kernels," + filepath.Join(dir, "kernels"), "--repofrompath", "kmods," + filepath.Join(dir, "kmods"),
		"--repo", "kernels", "--repo", "kmods"}
	jsonFile, htmlFile := filepath.Join(dir, "m.json"), filepath.Join(dir, "m.html")
	for _, out := range [][]string{{"--format", "json", "-o", jsonFile}, {"--format", "html", "-o", htmlFile}} {
		var stdout, stderr strings.Builder
		if code := run(context.Background(), append(slices.Clone(common), out...), &stdout, &stderr); code != exitClosed {
			t.Fatalf("matrix %v: exit %d: %s", out, code, stderr.String())
		}
	}
	f, err := os.Open(jsonFile)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	m, err := report.ReadJSON(f, jsonFile)
	if err != nil {
		t.Fatal(err)
	}
	return m, htmlFile
}

// pageState is what the test script reads back from the page's DOM.
type pageState struct {
	Rows []struct {
		Class, Head string
		Cells       [][2]string // class, text
	}
	Panel   string
	ReadyMS string
}

// collectScript serializes the heat map rows and the detail panel into a
// <pre id="test-state"> for the dumped DOM.
const collectScript = `
var out = {rows: [], panel: "", readyms: document.body.dataset.readyMs || ""};
document.querySelectorAll("#heatmap tbody tr").forEach(function (tr) {
  out.rows.push({class: tr.className, head: tr.querySelector("th").textContent,
    cells: Array.from(tr.querySelectorAll("td")).map(function (td) { return [td.className.replace(" first", ""), td.textContent]; })});
});
var p = document.getElementById("detail");
out.panel = p.hidden ? "" : p.innerHTML;
var pre = document.createElement("pre"); pre.id = "test-state"; pre.textContent = JSON.stringify(out);
document.body.appendChild(pre);
`

// drive loads page in Chromium with script run after the page's own, and
// returns the state collectScript gathered; it takes a screenshot too.
func drive(t *testing.T, page, script, shot string) pageState {
	t.Helper()
	b := testenv.Chromium(t)
	b.Budget = 10 * time.Second
	data, err := os.ReadFile(page)
	if err != nil {
		t.Fatal(err)
	}
	driven := filepath.Join(t.TempDir(), "driven.html")
	data = []byte(strings.Replace(string(data), "</body>", "<script>"+script+collectScript+"</script>\n</body>", 1))
	if err := os.WriteFile(driven, data, 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	dom, err := b.DumpDOM(ctx, "file://"+driven)
	if err != nil {
		t.Fatal(err)
	}
	found := regexp.MustCompile(`(?s)<pre id="test-state">(.*?)</pre>`).FindStringSubmatch(dom)
	if found == nil {
		t.Fatalf("the test script did not run:\n%.2000s", dom)
	}
	var st pageState
	if err := json.Unmarshal([]byte(html.UnescapeString(found[1])), &st); err != nil {
		t.Fatal(err)
	}
	b.KeepScreenshot(ctx, "file://"+driven, shot)
	t.Logf("page ready after %s ms", st.ReadyMS)
	return st
}

// textHTML is text as innerHTML serializes a text node.
func textHTML(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}

// TestMatrixPageAtScale loads the matrix page of a 60 × 147 and a 240 ×
// 1,000 generated series in Chromium and, through the page's controls,
// filters to the kmod name with the most builds, expands it and clicks a
// failing cell of one build; the rows shown, their cells' colours and the
// detail panel are checked against the matrix JSON of the same run.
func TestMatrixPageAtScale(t *testing.T) {
	for _, size := range []struct{ kernels, kmods int }{{60, 147}, {240, 1000}} {
		t.Run(fmt.Sprintf("%dx%d", size.kernels, size.kmods), func(t *testing.T) {
			if size.kmods > 200 && testing.Short() {
				t.Skip("-short")
			}
			testenv.Require(t, "chromium")
			m, page := scalePage(t, size.kernels, size.kmods)
			// The name with the most builds, and a kernel where its first
			// build fails.
			builds := map[string][]int{}
			for i, k := range m.Kmods {
				n := report.NameOf(k.NEVRA)
				builds[n] = append(builds[n], i)
			}
			target := ""
			for n, b := range builds {
				if len(b) > len(builds[target]) || len(b) == len(builds[target]) && n < target {
					target = n
				}
			}
			kmod, kernel := builds[target][0], -1
			for j := range m.Kernels {
				if !m.Cell(kmod, j).Installable {
					kernel = j
					break
				}
			}
			if len(builds[target]) < 2 || kernel < 0 {
				t.Fatalf("the series has no kmod name with 2 builds that fails somewhere (%q: %v)", target, builds[target])
			}
			stream := report.ReleaseStream(m.Kernels[kernel].EVR)
			script := fmt.Sprintf(`
var f = document.getElementById("filter");
f.value = %q; f.dispatchEvent(new Event("input"));
document.getElementById("cols").value = "streams"; document.getElementById("cols").dispatchEvent(new Event("change"));
Array.from(document.querySelectorAll("#heatmap th.stream")).filter(function (th) { return th.title.indexOf(%q + ":") === 0; })[0].click();
Array.from(document.querySelectorAll("#heatmap tr.name")).filter(function (tr) { return tr.querySelector("th").textContent.indexOf("▸" + %q + " ") === 0; })[0].querySelector("button.tog").click();
document.querySelector('#heatmap td.cell[data-row="%d"][data-col="%d"]').click();
`, target, stream, target, kmod, kernel)
			st := drive(t, page, script, fmt.Sprintf("matrix-%dx%d", size.kernels, size.kmods))

			// Expected rows: every name containing the filter, sorted, the
			// target followed by its builds.
			var names []string
			for n, b := range builds {
				match := strings.Contains(n, target)
				for _, i := range b {
					match = match || strings.Contains(strings.ToLower(m.Kmods[i].NEVRA), target)
				}
				if match {
					names = append(names, n)
				}
			}
			slices.Sort(names)
			type wantRow struct {
				class, head string
				miss        func(j int) int
			}
			var want []wantRow
			for _, n := range names {
				b := builds[n]
				arrow := "▸"
				if n == target {
					arrow = "▾"
				}
				word := " builds"
				if len(b) == 1 {
					word = " build"
				}
				want = append(want, wantRow{"name", arrow + n + " " + strconv.Itoa(len(b)) + word, func(j int) int {
					least := -1
					for _, i := range b {
						if c := len(m.Cell(i, j).Missing); least < 0 || c < least {
							least = c
						}
					}
					return least
				}})
				if n == target {
					for _, i := range b {
						class := "build"
						if i == kmod {
							class = "build sel" // the clicked cell's row
						}
						want = append(want, wantRow{class, m.Kmods[i].NEVRA, func(j int) int { return len(m.Cell(i, j).Missing) }})
					}
				}
			}
			if len(st.Rows) != len(want) {
				t.Fatalf("%d rows shown, want %d (%v)", len(st.Rows), len(want), names)
			}
			// Columns: one per stream, the clicked stream unfolded.
			var cols [][]int
			for j, k := range m.Kernels {
				s := report.ReleaseStream(k.EVR)
				if s == stream {
					cols = append(cols, []int{j})
				} else if j == 0 || report.ReleaseStream(m.Kernels[j-1].EVR) != s {
					cols = append(cols, []int{j})
				} else {
					cols[len(cols)-1] = append(cols[len(cols)-1], j)
				}
			}
			for r, w := range want {
				got := st.Rows[r]
				if got.Class != w.class || got.Head != w.head {
					t.Errorf("row %d: %s %q, want %s %q", r, got.Class, got.Head, w.class, w.head)
					continue
				}
				if len(got.Cells) != len(cols) {
					t.Fatalf("row %d has %d cells, want %d", r, len(got.Cells), len(cols))
				}
				for c, js := range cols {
					cls, text := "", ""
					if len(js) == 1 && report.ReleaseStream(m.Kernels[js[0]].EVR) == stream {
						n := w.miss(js[0])
						cls, text = reporttest.CellClass(n), strconv.Itoa(n)
						if n == 0 {
							text = "✓"
						}
						if w.head == m.Kmods[kmod].NEVRA && js[0] == kernel {
							cls += " pinned"
						}
					} else {
						ok, least := 0, -1
						for _, j := range js {
							if n := w.miss(j); n == 0 {
								ok++
							} else if least < 0 || n < least {
								least = n
							}
						}
						switch {
						case ok == len(js):
							cls, text = "cell wide ok", "✓"
						case ok > 0:
							cls, text = "cell wide part", fmt.Sprintf("%d/%d", ok, len(js))
						default:
							cls, text = "cell wide "+strings.TrimPrefix(reporttest.CellClass(least), "cell "), strconv.Itoa(least)
						}
					}
					if got.Cells[c] != [2]string{cls, text} {
						t.Errorf("row %d (%s) column %d: %q, want %q %q", r, w.head, c, got.Cells[c], cls, text)
					}
				}
			}
			cell := m.Cell(kmod, kernel)
			if !strings.Contains(st.Panel, "<h3>"+m.Kmods[kmod].NEVRA+"</h3>") ||
				!strings.Contains(st.Panel, fmt.Sprintf("%d unmet requirement", len(cell.Missing))) {
				t.Errorf("detail panel does not name %s and its %d missing deps:\n%s", m.Kmods[kmod].NEVRA, len(cell.Missing), st.Panel)
			}
			if got := strings.Count(st.Panel, "<li>"); got != len(cell.Missing) {
				t.Errorf("detail panel lists %d deps, want %d", got, len(cell.Missing))
			}
			for _, miss := range cell.Missing {
				li := "<code>" + textHTML(miss.Dep) + "</code> <span class=\"reason reason-" + miss.Reason + "\">" + miss.Reason + "</span>"
				if miss.KernelHas != "" {
					li += " kernel has <code>" + textHTML(miss.KernelHas) + "</code>"
				}
				if !strings.Contains(st.Panel, "<li>"+li+"</li>") {
					t.Errorf("detail panel lacks %q", li)
				}
			}
		})
	}
}

// BenchmarkMatrixPage reports the matrix page of a 60 × 147 generated series:
// its size (SetBytes; and page-MB) and, per load in headless Chromium, the
// time from navigation until the table is interactive (ready-ms, as the
// page's script measures it).
func BenchmarkMatrixPage(b *testing.B) {
	br := testenv.Chromium(b)
	_, page := scalePage(b, 60, 147)
	fi, err := os.Stat(page)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(fi.Size())
	readyRe := regexp.MustCompile(`data-ready-ms="(\d+)"`)
	total := 0.0
	for b.Loop() {
		dom, err := br.DumpDOM(context.Background(), "file://"+page)
		if err != nil {
			b.Fatal(err)
		}
		ms := readyRe.FindStringSubmatch(dom)
		if ms == nil {
			b.Fatal("the page did not become ready")
		}
		v, _ := strconv.ParseFloat(ms[1], 64)
		total += v
	}
	b.ReportMetric(total/float64(b.N), "ready-ms")
	b.ReportMetric(float64(fi.Size())/1e6, "page-MB")
}
