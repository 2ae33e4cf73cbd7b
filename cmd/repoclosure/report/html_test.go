package report

import (
	"bytes"
	"context"
	"encoding/json"
	"html"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/repoclosure/repoclosure/internal/reporttest"
	"github.com/repoclosure/repoclosure/internal/testenv"
)

const sampleTitle = "kmod matrix <sample> & test"

// decodePageData reads the compact matrix a page embeds back into a Matrix,
// following pageData's documented layout (not the writer's code), so that a
// round trip shows nothing was lost.
func decodePageData(t *testing.T, page string) *Matrix {
	t.Helper()
	found := regexp.MustCompile(`(?s)<script type="application/json" id="matrix-data">(.*?)</script>`).FindStringSubmatch(page)
	if found == nil {
		t.Fatal("page has no matrix-data script")
	}
	var d struct {
		Strings, Reasons, Streams []string
		Names                     []struct {
			Name  string
			Kmods []int
		}
		Kernels []struct {
			U, E, S string
			P       []string
			N, R    int
		}
		Kmods []struct {
			V, R string
			Q    int
		}
		Cells [][]any
	}
	if err := json.Unmarshal([]byte(found[1]), &d); err != nil {
		t.Fatalf("matrix-data: %v", err)
	}
	m := &Matrix{Kernels: []Kernel{}, Kmods: []Kmod{}, Cells: []Cell{}}
	for _, k := range d.Kernels {
		if ReleaseStream(k.E) != d.Streams[k.R] {
			t.Errorf("kernel %s: stream %q, want %q", k.U, d.Streams[k.R], ReleaseStream(k.E))
		}
		m.Kernels = append(m.Kernels, Kernel{Uname: k.U, EVR: k.E, Source: k.S, Packages: k.P, Symbols: k.N})
	}
	nameOf := map[int]string{} // each kmod under one name
	for _, n := range d.Names {
		for _, i := range n.Kmods {
			if prev, dup := nameOf[i]; dup {
				t.Errorf("kmod %d is under %q and %q", i, prev, n.Name)
			}
			nameOf[i] = n.Name
		}
	}
	for i, k := range d.Kmods {
		if name := nameOf[i]; name != NameOf(k.V) {
			t.Errorf("kmod %s is under name %q, want %q", k.V, name, NameOf(k.V))
		}
		m.Kmods = append(m.Kmods, Kmod{NEVRA: k.V, Repo: k.R, KernelRequires: k.Q})
		cur := map[int]int{} // entry -> 1 + kernel_has string
		for j, change := range d.Cells[i] {
			if delta, ok := change.([]any); ok {
				r := int(delta[0].(float64))
				for _, e := range delta[1 : 1+r] {
					delete(cur, int(e.(float64)))
				}
				for x := 1 + r; x < len(delta); x += 2 {
					cur[int(delta[x].(float64))] = int(delta[x+1].(float64))
				}
			} else if change.(float64) != 0 {
				t.Fatalf("cell %d,%d is %v: want 0 or a list", i, j, change)
			}
			c := Cell{Kmod: k.V, Kernel: m.Kernels[j].Uname, Installable: len(cur) == 0, Missing: []Missing{}}
			for e, has := range cur {
				miss := Missing{Dep: d.Strings[e/8], Reason: d.Reasons[e%8]}
				if has > 0 {
					miss.KernelHas = d.Strings[has-1]
				}
				c.Missing = append(c.Missing, miss)
			}
			slices.SortFunc(c.Missing, func(a, b Missing) int { return strings.Compare(a.Dep, b.Dep) })
			m.Cells = append(m.Cells, c)
		}
	}
	return m
}

func TestWriteHTML(t *testing.T) {
	m := sampleMatrix()
	var buf bytes.Buffer
	if err := WriteHTML(&buf, m, sampleTitle); err != nil {
		t.Fatal(err)
	}
	page := buf.String()
	// The page lists a cell's deps by their text.
	for _, c := range m.Cells {
		slices.SortFunc(c.Missing, func(a, b Missing) int { return strings.Compare(a.Dep, b.Dep) })
	}
	if got := decodePageData(t, page); !reflect.DeepEqual(got, m) {
		t.Errorf("embedded matrix differs:\n got %+v\nwant %+v", got, m)
	}
	if !strings.Contains(page, "<title>kmod matrix &lt;sample&gt; &amp; test</title>") ||
		!strings.Contains(page, "<h1>kmod matrix &lt;sample&gt; &amp; test</h1>") {
		t.Error("title not escaped in <title> and <h1>")
	}
	if strings.Contains(page, "<sample>") || strings.Contains(page, ampersandDep) {
		t.Error("page holds raw text with < or &")
	}
	// Self-contained: nothing loaded from elsewhere. The only URL is SVG's
	// namespace name, which is never fetched.
	for _, external := range []string{" src=", " href=", "@import", "url(", "<link"} {
		if strings.Contains(page, external) {
			t.Errorf("page refers to an external resource: %q", external)
		}
	}
	if got := strings.Count(page, "http"); got != strings.Count(page, `xmlns="http://www.w3.org/2000/svg"`) {
		t.Errorf("page has %d URLs beyond the SVG namespace", got-1)
	}
	if got := strings.Count(page, `<g class="point"`); got != len(m.Kernels) {
		t.Errorf("installable chart has %d kernel points, want %d", got, len(m.Kernels))
	}
	for _, shade := range []string{`swatch cell ok"></span>installable`, `swatch cell l1"></span>1 missing`,
		`swatch cell l2"></span>2–5 missing`, `swatch cell l3"></span>6–20 missing`, `swatch cell l4"></span>more than 20 missing`} {
		if !strings.Contains(page, shade) {
			t.Errorf("legend lacks %q", shade)
		}
	}
}

// TestPageDataShares checks the compaction: a string once, a cell whose
// missing list equals its left neighbour's as 0, and the big matrix read back
// whole.
func TestPageDataShares(t *testing.T) {
	m := bigMatrix(60, 30)
	d := newPageData(m)
	seen := map[string]bool{}
	for _, s := range d.Strings {
		if seen[s] {
			t.Errorf("string %q stored twice", s)
		}
		seen[s] = true
	}
	for i := range m.Kmods {
		for j := range m.Kernels {
			same := j > 0 && reflect.DeepEqual(m.Cell(i, j).Missing, m.Cell(i, j-1).Missing) || j == 0 && m.Cell(i, j).Installable
			if zero := d.Cells[i][j] == 0; zero != same {
				t.Errorf("cell %d,%d: stored as %v, want 0 exactly when it repeats its left neighbour (%t)", i, j, d.Cells[i][j], same)
			}
		}
	}
	var buf bytes.Buffer
	if err := WriteHTML(&buf, m, "big"); err != nil {
		t.Fatal(err)
	}
	for _, c := range m.Cells {
		slices.SortFunc(c.Missing, func(a, b Missing) int { return strings.Compare(a.Dep, b.Dep) })
	}
	if got := decodePageData(t, buf.String()); !reflect.DeepEqual(got, m) {
		t.Error("the big matrix does not read back from its page")
	}
}

func TestWriteHTMLScriptInjection(t *testing.T) {
	m := sampleMatrix()
	evil := "kmod-</script><script>alert(1)</script>-1.0-1.x86_64"
	m.Kmods[0].NEVRA = evil
	for j := range m.Kernels {
		m.Cells[j].Kmod = evil
	}
	var buf bytes.Buffer
	if err := WriteHTML(&buf, m, evil); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(buf.String(), "<script>alert") {
		t.Error("a kmod name closed the script element")
	}
	if got := decodePageData(t, buf.String()); got.Kmods[0].NEVRA != evil {
		t.Errorf("embedded kmod = %q, want %q", got.Kmods[0].NEVRA, evil)
	}
}

func TestHeatLevel(t *testing.T) {
	tests := []struct{ n, want int }{{1, 1}, {2, 2}, {5, 2}, {6, 3}, {20, 3}, {21, 4}, {1000, 4}}
	for _, tt := range tests {
		if got := heatLevel(tt.n); got != tt.want {
			t.Errorf("heatLevel(%d) = %d, want %d", tt.n, got, tt.want)
		}
	}
}

func TestReleaseStream(t *testing.T) {
	tests := map[string]string{
		"4.18.0-305.el8":         "4.18.0-305",
		"4.18.0-305.3.1.el8_4":   "4.18.0-305",
		"5.14.0-55.el9":          "5.14.0-55",
		"1:4.18.0-348.7.1.el8_5": "1:4.18.0-348",
		"noversion":              "noversion",
	}
	for evr, want := range tests {
		if got := ReleaseStream(evr); got != want {
			t.Errorf("ReleaseStream(%q) = %q, want %q", evr, got, want)
		}
	}
}

// DOMRow is one row of the heat map's body as the browser left it.
type DOMRow struct {
	Class string // "name" or "build"
	Head  string // the row header's text
	Cells []DOMCell
}

// DOMCell is one heat map cell.
type DOMCell struct {
	Attrs map[string]string
	Text  string
}

var (
	rowRe  = regexp.MustCompile(`(?s)<tr class="(name|build)[^"]*"[^>]*>(.*?)</tr>`)
	headRe = regexp.MustCompile(`(?s)<th[^>]*>(.*?)</th>`)
	tagRe  = regexp.MustCompile(`<[^>]*>`)
	tdRe   = regexp.MustCompile(`<td ([^>]*)>([^<]*)</td>`)
	attrRe = regexp.MustCompile(`([a-z][a-z-]*)="([^"]*)"`)
)

// heatmapRows parses the heat map body of a dumped DOM (the first <tbody>).
func heatmapRows(dom string) []DOMRow {
	start := strings.Index(dom, `<tbody>`)
	end := strings.Index(dom[max(start, 0):], "</tbody>")
	if start < 0 || end < 0 {
		return nil
	}
	var rows []DOMRow
	for _, tr := range rowRe.FindAllStringSubmatch(dom[start:start+end], -1) {
		r := DOMRow{Class: tr[1]}
		if h := headRe.FindStringSubmatch(tr[2]); h != nil {
			r.Head = html.UnescapeString(tagRe.ReplaceAllString(h[1], ""))
		}
		for _, td := range tdRe.FindAllStringSubmatch(tr[2], -1) {
			c := DOMCell{Attrs: map[string]string{}, Text: html.UnescapeString(td[2])}
			for _, a := range attrRe.FindAllStringSubmatch(td[1], -1) {
				c.Attrs[a[1]] = html.UnescapeString(a[2])
			}
			// "first" marks a stream's first column: layout, not state.
			c.Attrs["class"] = strings.Replace(c.Attrs["class"], " first", "", 1)
			r.Cells = append(r.Cells, c)
		}
		rows = append(rows, r)
	}
	return rows
}

// loadInChromium writes page, with script (if any) appended to drive it as a
// user would, and returns the DOM after both ran; it also takes a
// screenshot, kept in $SCREENSHOT_DIR when set.
func loadInChromium(t *testing.T, page []byte, hash, script, shot string) string {
	t.Helper()
	b := testenv.Chromium(t)
	dir := t.TempDir()
	if script != "" {
		page = bytes.Replace(page, []byte("</body>"), []byte("<script>"+script+"</script>\n</body>"), 1)
	}
	file := filepath.Join(dir, "page.html")
	if err := os.WriteFile(file, page, 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	dom, err := b.DumpDOM(ctx, "file://"+file+hash)
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`<body[^>]* data-ready="1"`).MatchString(dom) {
		t.Fatalf("the page's script did not run (no data-ready on body):\n%.3000s", dom)
	}
	if shot != "" {
		b.KeepScreenshot(ctx, "file://"+file+hash, shot)
	}
	return dom
}

// detailPanel is the cell detail's inner HTML.
func detailPanel(t *testing.T, dom string) string {
	t.Helper()
	panel := regexp.MustCompile(`(?s)<aside id="detail"([^>]*)>(.*?)</aside>`).FindStringSubmatch(dom)
	if panel == nil {
		t.Fatal("no detail panel in the DOM")
	}
	if strings.Contains(panel[1], "hidden") {
		t.Fatalf("the detail panel is hidden:\n%s", panel[2])
	}
	return panel[2]
}

// TestHTMLInChromium loads the sample page in headless Chromium with a link
// (the earlier page's #cell-ROW-COL form) to one cell, and checks the DOM
// after the page's script ran: the counts it fills in, a row per kmod name
// with the cells coloured on the absolute scale, the linked kmod's name
// expanded to its build, the pinned cell and the panel listing its deps, <
// and & shown as text.
func TestHTMLInChromium(t *testing.T) {
	m := sampleMatrix()
	var buf bytes.Buffer
	if err := WriteHTML(&buf, m, sampleTitle); err != nil {
		t.Fatal(err)
	}
	const pinnedRow, pinnedCol = 3, 2 // kmod-amp on 372: ampersandDep and a CRC mismatch
	dom := loadInChromium(t, buf.Bytes(), "#cell-"+strconv.Itoa(pinnedRow)+"-"+strconv.Itoa(pinnedCol), "", "sample")

	for id, want := range map[string]string{"installable-count": "6", "cell-count": "12"} {
		if !strings.Contains(dom, `id="`+id+`">`+want+`</span>`) {
			t.Errorf("#%s is not %s", id, want)
		}
	}
	// Names in order, each with one build; kmod-amp (row 3) expanded.
	rows := heatmapRows(dom)
	wantRows := []struct{ class, head string }{
		{"name", "▾kmod-amp 1 build"}, {"build", m.Kmods[3].NEVRA},
		{"name", "▸kmod-crc 1 build"}, {"name", "▸kmod-new 1 build"}, {"name", "▸kmod-ok 1 build"},
	}
	if len(rows) != len(wantRows) {
		t.Fatalf("heat map has %d rows, want %d: %+v", len(rows), len(wantRows), rows)
	}
	kmodOf := []int{3, 3, 1, 2, 0}
	for r, want := range wantRows {
		got := rows[r]
		if got.Class != want.class || got.Head != want.head {
			t.Errorf("row %d is %s %q, want %s %q", r, got.Class, got.Head, want.class, want.head)
		}
		if len(got.Cells) != len(m.Kernels) {
			t.Fatalf("row %d has %d cells, want %d", r, len(got.Cells), len(m.Kernels))
		}
		for j, c := range got.Cells {
			n := len(m.Cell(kmodOf[r], j).Missing)
			class := reporttest.CellClass(n)
			if r == 1 && j == pinnedCol {
				class += " pinned"
			}
			text := strconv.Itoa(n)
			if n == 0 {
				text = "✓"
			}
			if c.Attrs["class"] != class || c.Text != text || c.Attrs["data-col"] != strconv.Itoa(j) {
				t.Errorf("row %d cell %d: class %q text %q col %q, want %q %q %d", r, j, c.Attrs["class"], c.Text, c.Attrs["data-col"], class, text, j)
			}
		}
	}

	panel := detailPanel(t, dom)
	wantPanel := []string{
		"<h3>" + html.EscapeString(m.Kmods[pinnedRow].NEVRA) + "</h3>",
		"2 unmet requirements",
		"<code>" + html.EscapeString(ampersandDep) + "</code>",
		`<span class="reason reason-other">other</span>`,
		"<code>kernel(napi_enable) = 0x1a2b3c4d</code>",
		`<span class="reason reason-crc-mismatch">crc-mismatch</span> kernel has <code>0xdeadbeef</code>`,
	}
	for _, want := range wantPanel {
		if !strings.Contains(panel, want) {
			t.Errorf("detail panel lacks %q:\n%s", want, panel)
		}
	}
	if got := strings.Count(panel, "<li>"); got != 2 {
		t.Errorf("detail panel lists %d deps, want 2", got)
	}
}

// TestHTMLInteractions drives the sample page as a user: types into the
// filter, sorts by most missing, folds the kernels into streams, expands a
// name and clicks a name cell, through the page's own controls.
func TestHTMLInteractions(t *testing.T) {
	m := sampleMatrix()
	var buf bytes.Buffer
	if err := WriteHTML(&buf, m, sampleTitle); err != nil {
		t.Fatal(err)
	}
	script := `
var f = document.getElementById("filter");
f.value = "kmod-"; f.dispatchEvent(new Event("input"));
var s = document.getElementById("sort");
s.value = "missing"; s.dispatchEvent(new Event("change"));
document.querySelector('tr.name[data-g="2"] button.tog').click();
document.querySelector('tr.name[data-g="2"] td.cell[data-col="0"]').click();
`
	dom := loadInChromium(t, buf.Bytes(), "", script, "")
	// Most missing first: kmod-new fails on 3 kernels, kmod-amp on 2,
	// kmod-crc on 1, kmod-ok on none.
	var heads []string
	for _, r := range heatmapRows(dom) {
		heads = append(heads, r.Head)
	}
	want := []string{"▾kmod-new 1 build", m.Kmods[2].NEVRA, "▸kmod-amp 1 build", "▸kmod-crc 1 build", "▸kmod-ok 1 build"}
	if !reflect.DeepEqual(heads, want) {
		t.Errorf("rows %q, want %q", heads, want)
	}
	panel := detailPanel(t, dom)
	for _, want := range []string{"<h3>kmod-new</h3>", "no build installs; the closest, " + m.Kmods[2].NEVRA + ", misses 2:",
		"<code>kernel(brand_new_api) = 0x00c0ffee</code>", "<code>kernel &gt;= 4.18.0-348.el8</code>"} {
		if !strings.Contains(panel, want) {
			t.Errorf("detail panel lacks %q:\n%s", want, panel)
		}
	}
	if !strings.Contains(dom, "showing 4 of 4 matching names") {
		t.Error("the row count is not shown")
	}
	// Filter to one name, then fold into streams: each kernel is its own
	// stream here, so a stream cell covers one build.
	script = `
var f = document.getElementById("filter");
f.value = "CRC"; f.dispatchEvent(new Event("input"));
var c = document.getElementById("cols");
c.value = "streams"; c.dispatchEvent(new Event("change"));
`
	dom = loadInChromium(t, buf.Bytes(), "", script, "")
	rows := heatmapRows(dom)
	if len(rows) != 1 || rows[0].Head != "▸kmod-crc 1 build" {
		t.Fatalf("filter CRC shows %+v, want kmod-crc alone", rows)
	}
	for j, c := range rows[0].Cells {
		if c.Attrs["data-stream"] != strconv.Itoa(j) {
			t.Errorf("cell %d: data-stream %q, want %d", j, c.Attrs["data-stream"], j)
		}
	}
}

// TestHTMLKeyboardAndStreamLabels drives the page from the keyboard in
// Chromium and reads back what a user would see: one heat-map cell is in
// the Tab order (and every stream header), the arrow keys move the focus
// between cells, Enter opens the focused cell's detail and Space folds a
// stream with the focus kept on its header; the focused cell shows a focus
// ring. Streams of 1, 2, 3, 30 and 1 builds each show their name as far as
// their columns hold it, never cut off, and so does the chart's last stream.
func TestHTMLKeyboardAndStreamLabels(t *testing.T) {
	m := &Matrix{}
	// 30 builds of 425, so that the chart's bars are narrow and the last
	// stream's name is wider than its one bar.
	rels := []string{"305", "348", "348.7.1", "372", "372.9.1", "372.16.1", "425"}
	for z := 1; z < 30; z++ {
		rels = append(rels, "425."+strconv.Itoa(z)+".1")
	}
	for _, rel := range append(rels, "477") {
		evr := "4.18.0-" + rel + ".el8"
		m.Kernels = append(m.Kernels, Kernel{Uname: evr + ".x86_64", EVR: evr, Source: "kernel-" + evr + ".src.rpm", Packages: []string{}, Symbols: 100})
	}
	for i := range 3 {
		m.Kmods = append(m.Kmods, Kmod{NEVRA: "kmod-k" + strconv.Itoa(i) + "-1.0-1.el8.x86_64", Repo: "r", KernelRequires: 2})
	}
	for i, k := range m.Kmods {
		for j, kern := range m.Kernels {
			miss := []Missing{}
			for n := range (i + j) % 3 {
				miss = append(miss, Missing{Dep: "kernel(sym" + strconv.Itoa(n) + ") = 0x0000000" + strconv.Itoa(n), Reason: ReasonUnknownSymbol})
			}
			m.Cells = append(m.Cells, Cell{Kmod: k.NEVRA, Kernel: kern.Uname, Installable: len(miss) == 0, Missing: miss})
		}
	}
	var buf bytes.Buffer
	if err := WriteHTML(&buf, m, "keyboard"); err != nil {
		t.Fatal(err)
	}
	// The keys are dispatched as a keyboard would send them to the focused
	// element; what the page did is written into <pre id="kbd">.
	script := `
function key(k) { document.activeElement.dispatchEvent(new KeyboardEvent("keydown", {key: k, bubbles: true, cancelable: true})); }
function desc(e) { return e.tagName + " " + (e.dataset.g !== undefined ? "g" + e.dataset.g : "") + (e.dataset.col !== undefined ? " c" + e.dataset.col : "") + (e.dataset.stream !== undefined ? " s" + e.dataset.stream : ""); }
var out = {};
out.tabStops = Array.from(document.querySelectorAll('#heatmap [tabindex="0"]')).map(desc);
out.cells = document.querySelectorAll("#heatmap td.cell").length;
out.labels = Array.from(document.querySelectorAll("#heatmap th.stream")).map(function (th) {
  return {text: th.textContent, title: th.title, over: th.scrollWidth > th.clientWidth};
});
out.chartCut = Array.from(document.querySelectorAll("svg.chart text.group")).filter(function (t) {
  var b = t.getBBox(); return b.x < 0 || b.x + b.width > t.ownerSVGElement.viewBox.baseVal.width;
}).map(function (t) { return t.textContent; });
out.chartLabels = document.querySelectorAll("svg.chart text.group").length;
document.querySelector('#heatmap td.cell[tabindex="0"]').focus();
key("ArrowRight"); key("ArrowRight"); key("ArrowDown"); key("ArrowLeft");
out.focus = desc(document.activeElement);
var ring = getComputedStyle(document.activeElement);
out.ring = ring.outlineStyle + " " + ring.outlineWidth + " " + ring.boxShadow;
key("Enter");
out.panel = document.getElementById("detail").hidden ? "" : document.querySelector("#detail h3").textContent + " | " + document.querySelector("#detail .where").textContent;
out.hash = location.hash;
key("Escape");
out.closed = document.getElementById("detail").hidden;
var th = document.querySelector('#heatmap th.stream[data-stream="1"]');
th.focus(); key(" ");
out.afterFold = desc(document.activeElement) + " " + document.activeElement.getAttribute("aria-expanded");
out.foldedCells = document.querySelectorAll('#heatmap tbody tr:first-child td.cell[data-stream="1"]').length;
var pre = document.createElement("pre"); pre.id = "kbd"; pre.textContent = JSON.stringify(out); document.body.appendChild(pre);
document.querySelector('#heatmap td.cell[data-col="7"]').focus();
`
	dom := loadInChromium(t, buf.Bytes(), "", script, "keyboard")
	found := regexp.MustCompile(`(?s)<pre id="kbd">(.*?)</pre>`).FindStringSubmatch(dom)
	if found == nil {
		t.Fatal("the keyboard script did not run")
	}
	var got struct {
		TabStops []string
		Cells    int
		Labels   []struct {
			Text, Title string
			Over        bool
		}
		Focus, Ring, Panel, Hash, AfterFold string
		Closed                              bool
		ChartCut                            []string
		ChartLabels                         int
		FoldedCells                         int
	}
	if err := json.Unmarshal([]byte(html.UnescapeString(found[1])), &got); err != nil {
		t.Fatal(err)
	}
	// Three names, one row each; columns 0..17; streams 0..3.
	wantStops := []string{"TH  s0", "TH  s1", "TH  s2", "TH  s3", "TH  s4", "TD g0 c0"}
	if !slices.Equal(got.TabStops, wantStops) || got.Cells != 3*len(m.Kernels) {
		t.Errorf("tab stops %q over %d cells, want %q over %d", got.TabStops, got.Cells, wantStops, 3*len(m.Kernels))
	}
	// Columns of 22 px: 1 build shows the arrow, 2 and 3 the release, 30
	// the whole stream.
	wantLabels := []string{"▾", "▾ 348", "▾ 372", "▾ 4.18.0-425", "▾"}
	for s, l := range got.Labels {
		if l.Over || s >= len(wantLabels) || l.Text != wantLabels[s] || !strings.HasPrefix(l.Title, ReleaseStream(m.Kernels[[]int{0, 1, 3, 6, 36}[s]].EVR)+":") {
			t.Errorf("stream %d label %+v, want %q whole, not cut off", s, l, wantLabels[min(s, len(wantLabels)-1)])
		}
	}
	if len(got.Labels) != len(wantLabels) {
		t.Errorf("%d stream labels, want %d", len(got.Labels), len(wantLabels))
	}
	// The chart names the first stream and the last, however narrow.
	if len(got.ChartCut) > 0 || got.ChartLabels < 2 {
		t.Errorf("chart: %d stream names, cut off at the edge: %q", got.ChartLabels, got.ChartCut)
	}
	// Right, right, down, left from name 0 on kernel 0: name 1 on kernel 1.
	if got.Focus != "TD g1 c1" {
		t.Errorf("focus after the arrow keys on %q, want TD g1 c1", got.Focus)
	}
	if !strings.HasPrefix(got.Ring, "solid 2px") || !strings.Contains(got.Ring, "inset") {
		t.Errorf("focused cell's ring %q, want a solid 2px outline and an inset shadow", got.Ring)
	}
	if want := "kmod-k1 | on " + m.Kernels[1].Uname; got.Panel != want || !strings.Contains(got.Hash, "cell=g1-1") {
		t.Errorf("Enter opened %q (address %s), want %q", got.Panel, got.Hash, want)
	}
	if !got.Closed {
		t.Error("Escape did not close the detail")
	}
	if got.AfterFold != "TH  s1 false" || got.FoldedCells != 1 {
		t.Errorf("Space on stream 1's header: focus on %q, %d folded cells in the first row; want TH s1 false and 1", got.AfterFold, got.FoldedCells)
	}
}

// The page's legend and the tests' oracle agree: each shade's label ("1
// missing", "2–5 missing", "more than 20 missing") names counts the oracle
// gives that shade's class, at both ends of the band.
func TestLegendMatchesOracle(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteHTML(&buf, sampleMatrix(), "legend"); err != nil {
		t.Fatal(err)
	}
	entries := regexp.MustCompile(`<li><span class="swatch (cell [a-z0-9]+)"></span>([^<]*)</li>`).FindAllStringSubmatch(buf.String(), -1)
	band := regexp.MustCompile(`^(?:(\d+)|(\d+)–(\d+)|more than (\d+)) missing$`)
	checked := 0
	for _, e := range entries {
		class, label := e[1], html.UnescapeString(e[2])
		var ends []int
		switch m := band.FindStringSubmatch(label); {
		case label == "installable":
			ends = []int{0}
		case m == nil:
			continue // "on some builds of the stream": no count
		case m[1] != "":
			n, _ := strconv.Atoi(m[1])
			ends = []int{n}
		case m[2] != "":
			lo, _ := strconv.Atoi(m[2])
			hi, _ := strconv.Atoi(m[3])
			ends = []int{lo, hi}
		default:
			n, _ := strconv.Atoi(m[4])
			ends = []int{n + 1, 1000}
		}
		for _, n := range ends {
			if got := reporttest.CellClass(n); got != class {
				t.Errorf("legend %q is %s, the oracle gives %d missing %s", label, class, n, got)
			}
		}
		checked++
	}
	if checked != 5 {
		t.Errorf("%d legend entries with counts, want 5 (installable and 4 bands): %q", checked, entries)
	}
}

// TestHTMLEscapeInDetail: Escape closes the cell's detail from its close
// button (where Tab goes after the table), the focus going back to the
// cell, and from a row's ▸ button, as it does from a cell.
func TestHTMLEscapeInDetail(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteHTML(&buf, sampleMatrix(), "escape"); err != nil {
		t.Fatal(err)
	}
	script := `
function key(k) { document.activeElement.dispatchEvent(new KeyboardEvent("keydown", {key: k, bubbles: true, cancelable: true})); }
var out = {};
var cell = document.querySelector('#heatmap td.cell[tabindex="0"]');
cell.focus(); key("Enter");
out.opened = !document.getElementById("detail").hidden;
document.querySelector("#detail button.close").focus();
out.onClose = document.activeElement.className;
key("Escape");
out.closed = document.getElementById("detail").hidden;
var a = document.activeElement; // the table may have been drawn anew: compare the cell's place
out.back = a.matches("td.cell") && a.dataset.g === cell.dataset.g && a.dataset.row === cell.dataset.row && a.dataset.col === cell.dataset.col;
key("Enter");
document.querySelector("#heatmap button.tog").focus();
key("Escape");
out.fromToggle = document.getElementById("detail").hidden;
cell = document.querySelector('#heatmap td.cell'); // the toggle is the table's tab stop now
cell.focus(); key("Enter"); key("Escape");
out.fromCell = document.getElementById("detail").hidden;
// The name toggles rove with the cells: one tab stop in the table, reached
// with ArrowLeft from a row's first cell, left with ArrowRight.
out.tabStops = document.querySelectorAll('#heatmap tbody [tabindex="0"]').length;
out.togglesTabbable = document.querySelectorAll('#heatmap button.tog:not([tabindex="-1"])').length;
var first = document.querySelector("#heatmap tr.name td.cell");
first.focus(); key("ArrowLeft");
out.leftToToggle = document.activeElement.matches("button.tog") && document.activeElement.closest("tr") === first.closest("tr");
key("ArrowRight");
out.rightToCell = document.activeElement.matches("td.cell") && document.activeElement.closest("tr") === first.closest("tr");
var pre = document.createElement("pre"); pre.id = "esc"; pre.textContent = JSON.stringify(out); document.body.appendChild(pre);
`
	dom := loadInChromium(t, buf.Bytes(), "", script, "")
	found := regexp.MustCompile(`<pre id="esc">(.*?)</pre>`).FindStringSubmatch(dom)
	if found == nil {
		t.Fatal("the script did not run")
	}
	var got struct {
		Opened, Closed, Back      bool
		FromToggle, FromCell      bool
		OnClose                   string
		TabStops, TogglesTabbable int
		LeftToToggle, RightToCell bool
	}
	if err := json.Unmarshal([]byte(html.UnescapeString(found[1])), &got); err != nil {
		t.Fatal(err)
	}
	if !got.Opened || got.OnClose != "close" {
		t.Fatalf("Enter opened the detail: %v; focus on %q, want the close button", got.Opened, got.OnClose)
	}
	if !got.Closed || !got.Back {
		t.Errorf("Escape on the detail's close button: closed %v, focus back on the cell %v; want both", got.Closed, got.Back)
	}
	if !got.FromToggle || !got.FromCell {
		t.Errorf("Escape closed the detail from a row's ▸ %v, from a cell %v; want both", got.FromToggle, got.FromCell)
	}
	if got.TabStops != 1 || got.TogglesTabbable != 0 || !got.LeftToToggle || !got.RightToCell {
		t.Errorf("tab stops in the table %d (want 1), toggles in the Tab order %d (want 0), ArrowLeft from the first cell to its toggle %v, ArrowRight back %v",
			got.TabStops, got.TogglesTabbable, got.LeftToToggle, got.RightToCell)
	}
}
