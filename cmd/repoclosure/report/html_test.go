package report

import (
	"bytes"
	"context"
	"html"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/repoclosure/repoclosure/internal/testenv"
)

const sampleTitle = "kmod matrix <sample> & test"

var (
	tdRe   = regexp.MustCompile(`<td ([^>]*)>([^<]*)</td>`)
	attrRe = regexp.MustCompile(`([a-z][a-z-]*)="([^"]*)"`)
)

// htmlCell is one heat map cell as found in a page.
type htmlCell struct {
	attrs map[string]string
	text  string
}

// heatmapCells finds the heat map's cells in a page, in document order.
func heatmapCells(page string) []htmlCell {
	var cells []htmlCell
	for _, td := range tdRe.FindAllStringSubmatch(page, -1) {
		attrs := make(map[string]string)
		for _, a := range attrRe.FindAllStringSubmatch(td[1], -1) {
			attrs[a[1]] = html.UnescapeString(a[2])
		}
		if strings.HasPrefix(attrs["class"], "cell") {
			cells = append(cells, htmlCell{attrs: attrs, text: html.UnescapeString(td[2])})
		}
	}
	return cells
}

// checkCells compares a page's heat map cells with the sample matrix.
// pinned is the cell index the script should have marked, or -1.
func checkCells(t *testing.T, page string, m *Matrix, pinned int) {
	t.Helper()
	// The heat map class of a sample cell by its missing count, worked out
	// by hand: the worst cell misses 2, so 1 is shade ceil(5·1/2) = 3 and 2
	// is shade 5.
	sampleClass := map[int]string{0: "cell ok", 1: "cell bad lvl3", 2: "cell bad lvl5"}
	cells := heatmapCells(page)
	if len(cells) != len(m.Cells) {
		t.Fatalf("page has %d heat map cells, want %d", len(cells), len(m.Cells))
	}
	for n, c := range m.Cells {
		got := cells[n]
		wantClass := sampleClass[len(c.Missing)]
		if n == pinned {
			wantClass += " pinned"
		}
		wantText := strconv.Itoa(len(c.Missing))
		if c.Installable {
			wantText = "✓"
		}
		want := map[string]string{"data-kmod": c.Kmod, "data-kernel": c.Kernel,
			"data-missing": strconv.Itoa(len(c.Missing)), "class": wantClass,
			"data-row": strconv.Itoa(n / len(m.Kernels)), "data-col": strconv.Itoa(n % len(m.Kernels))}
		for k, v := range want {
			if got.attrs[k] != v {
				t.Errorf("cell %d (%s on %s): %s=%q, want %q", n, c.Kmod, c.Kernel, k, got.attrs[k], v)
			}
		}
		if got.text != wantText {
			t.Errorf("cell %d (%s on %s) shows %q, want %q", n, c.Kmod, c.Kernel, got.text, wantText)
		}
	}
}

// embeddedMatrix reads the matrix JSON that a page embeds for scripts.
func embeddedMatrix(t *testing.T, page string) *Matrix {
	t.Helper()
	found := regexp.MustCompile(`(?s)<script type="application/json" id="matrix-data">(.*?)</script>`).FindStringSubmatch(page)
	if found == nil {
		t.Fatal("page has no matrix-data script")
	}
	m, err := ReadJSON(strings.NewReader(found[1]), "matrix-data")
	if err != nil {
		t.Fatal(err)
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
	checkCells(t, page, m, -1)
	if got := embeddedMatrix(t, page); !reflect.DeepEqual(got, m) {
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
	if got := strings.Count(page, `<g class="kernel-point">`); got != len(m.Kernels) {
		t.Errorf("timeline has %d kernel points, want %d", got, len(m.Kernels))
	}
	for _, shade := range []string{`swatch cell ok"></span>installable`, `swatch cell bad lvl3"></span>1 missing`, `swatch cell bad lvl5"></span>2 missing`} {
		if !strings.Contains(page, shade) {
			t.Errorf("legend lacks %q", shade)
		}
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
	if got := embeddedMatrix(t, buf.String()); got.Kmods[0].NEVRA != evil {
		t.Errorf("embedded kmod = %q, want %q", got.Kmods[0].NEVRA, evil)
	}
	if cells := heatmapCells(buf.String()); cells[0].attrs["data-kmod"] != evil {
		t.Errorf("data-kmod = %q, want %q", cells[0].attrs["data-kmod"], evil)
	}
}

func TestHeatLevel(t *testing.T) {
	tests := []struct{ n, maxMissing, want int }{
		{1, 1, 5}, {1, 2, 3}, {2, 2, 5}, {1, 6, 1}, {2, 6, 2}, {5, 6, 5}, {6, 6, 5},
		{1, 1000, 1}, {200, 1000, 1}, {201, 1000, 2}, {1000, 1000, 5},
	}
	for _, tt := range tests {
		if got := heatLevel(tt.n, tt.maxMissing); got != tt.want {
			t.Errorf("heatLevel(%d, %d) = %d, want %d", tt.n, tt.maxMissing, got, tt.want)
		}
	}
}

func TestLegend(t *testing.T) {
	labels := func(maxMissing int) string {
		var l []string
		for _, s := range legend(maxMissing) {
			l = append(l, s.Label)
		}
		return strings.Join(l, "; ")
	}
	tests := []struct {
		maxMissing int
		want       string
	}{
		{0, "installable"},
		{2, "installable; 1 missing; 2 missing"},
		{6, "installable; 1 missing; 2 missing; 3 missing; 4 missing; 5–6 missing"},
		{100, "installable; 1–20 missing; 21–40 missing; 41–60 missing; 61–80 missing; 81–100 missing"},
	}
	for _, tt := range tests {
		if got := labels(tt.maxMissing); got != tt.want {
			t.Errorf("legend(%d) = %q, want %q", tt.maxMissing, got, tt.want)
		}
	}
}

// TestHTMLInChromium loads the page in headless Chromium, with a link to one
// cell, and checks the DOM after the page's script ran: the ready flag and
// counts it fills in, every cell's attributes, the pinned cell and the side
// panel listing that cell's deps, < and & shown as text.
func TestHTMLInChromium(t *testing.T) {
	testenv.Require(t, "chromium")
	m := sampleMatrix()
	dir := t.TempDir()
	file := filepath.Join(dir, "matrix.html")
	var buf bytes.Buffer
	if err := WriteHTML(&buf, m, sampleTitle); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(file, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	const pinnedRow, pinnedCol = 3, 2 // kmod-amp on 372: ampersandDep and a CRC mismatch

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := testenv.CommandContext(ctx, t, "chromium", "--headless", "--no-sandbox", "--disable-gpu",
		"--disable-quic", "--no-first-run", "--disable-background-networking",
		"--disable-component-update", "--disable-sync", "--user-data-dir="+filepath.Join(dir, "profile"),
		"--virtual-time-budget=2000", "--dump-dom",
		"file://"+file+"#cell-"+strconv.Itoa(pinnedRow)+"-"+strconv.Itoa(pinnedCol))
	// Chromium's helper processes inherit stdout: on a time-out, stop waiting
	// for them soon after the browser itself is killed.
	cmd.WaitDelay = 10 * time.Second
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("chromium --dump-dom: %v\n%s", err, stderr.String())
	}
	dom := string(out)

	if !regexp.MustCompile(`<body[^>]* data-ready="1"`).MatchString(dom) {
		t.Fatalf("the page's script did not run (no data-ready on body):\n%s", dom)
	}
	for id, want := range map[string]string{"installable-count": "6", "cell-count": "12"} {
		if !strings.Contains(dom, `id="`+id+`">`+want+`</span>`) {
			t.Errorf("#%s is not %s", id, want)
		}
	}
	checkCells(t, dom, m, pinnedRow*len(m.Kernels)+pinnedCol)

	panel := regexp.MustCompile(`(?s)<aside id="detail"[^>]*>(.*?)</aside>`).FindStringSubmatch(dom)
	if panel == nil {
		t.Fatal("no side panel in the DOM")
	}
	wantPanel := []string{
		"<h3>" + html.EscapeString(m.Kmods[pinnedRow].NEVRA) + "</h3>",
		"2 unmet requirements",
		"<code>" + html.EscapeString(ampersandDep) + "</code>",
		`<span class="reason reason-other">other</span>`,
		"<code>kernel(napi_enable) = 0x1a2b3c4d</code>",
		`<span class="reason reason-crc-mismatch">crc-mismatch</span> kernel has <code>0xdeadbeef</code>`,
	}
	for _, want := range wantPanel {
		if !strings.Contains(panel[1], want) {
			t.Errorf("side panel lacks %q:\n%s", want, panel[1])
		}
	}
	if got := strings.Count(panel[1], "<li>"); got != 2 {
		t.Errorf("side panel lists %d deps, want 2", got)
	}
}
