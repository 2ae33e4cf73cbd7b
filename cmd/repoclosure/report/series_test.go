package report

import (
	"bytes"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// sampleSeries is three builds of two streams and two kmods, with blame and
// two stable lists.
func sampleSeries() *Series {
	yes, no := true, false
	return &Series{
		Reference: k305,
		Kernels: []SeriesKernel{
			{Uname: k305, Symbols: 20100, VsReference: SymCounts{Unchanged: 20100}, KmodsInstallable: 2},
			{Uname: "4.18.0-305.3.1.el8_4.x86_64", Symbols: 20110, VsReference: SymCounts{Added: 10, Changed: 3, Unchanged: 20097},
				VsPrevious: &SymCounts{Added: 10, Changed: 3, Unchanged: 20097}, KmodsInstallable: 1, KmodsForced: 1},
			{Uname: k348, Symbols: 20250, VsReference: SymCounts{Added: 150, Removed: 2, Changed: 6000, Unchanged: 14098},
				VsPrevious: &SymCounts{Added: 140, Removed: 2, Changed: 5998, Unchanged: 14110}, KmodsInstallable: 0, KmodsForced: 2},
		},
		Kmods: []SeriesKmod{
			{NEVRA: "kmod-a-1.0-1.el8.x86_64", FirstWorks: k305, FirstBreak: "4.18.0-305.3.1.el8_4.x86_64", Rebuilds: 3, ForcedBy: []string{"4.18.0-305.3.1.el8_4.x86_64", k348}},
			{NEVRA: "kmod-<b>-1.0-1.el8.x86_64", FirstWorks: k305, FirstBreak: k348, Rebuilds: 2, ForcedBy: []string{k348}},
		},
		MostBreaking: []string{k348, "4.18.0-305.3.1.el8_4.x86_64"},
		Stable:       &StableCoverage{Stable: 700, KernelSymbols: 20100, StableInKernel: 690, Share: 690.0 / 20100, Consumed: 40, ConsumedStable: 10, ConsumedChanged: 12, ConsumedUnchanged: 28},
		StableLists: []StableList{
			{Label: "305", Symbols: 700, Added: []string{}, Removed: []string{}, CRCChanged: []string{}},
			{Label: "348", Symbols: 701, Added: []string{"napi_gro_flush"}, Removed: []string{}, CRCChanged: []string{}},
		},
		Symbols: []SymbolBlame{
			{Symbol: "napi_enable", Consumers: 2, ConsumerNames: 2, Stable: &no, ChangedIn: []string{k348}, Breaks: 3},
			{Symbol: "kmalloc_caches", Consumers: 5, ConsumerNames: 3, Stable: &yes, ChangedIn: []string{}, Breaks: 0},
		},
	}
}

var (
	pointRe = regexp.MustCompile(`(?s)<g class="point" data-x="(\d+)">(.*?)</g>`)
	titleRe = regexp.MustCompile(`<title>([^<]*)</title>`)
	tickRe  = regexp.MustCompile(`<text class="tick" x="56" y="([0-9.]+)" dx="-4" dy="3" text-anchor="end">([0-9]+)</text>`)
)

// chartSVG cuts the chart with id out of a page.
func chartSVG(t *testing.T, page, id string) string {
	t.Helper()
	start := strings.Index(page, `<svg class="chart" id="`+id+`"`)
	if start < 0 {
		t.Fatalf("no chart %s", id)
	}
	return page[start : start+strings.Index(page[start:], "</svg>")]
}

func TestWriteSeriesHTML(t *testing.T) {
	s := sampleSeries()
	var buf bytes.Buffer
	if err := WriteSeriesHTML(&buf, s, "series <test>"); err != nil {
		t.Fatal(err)
	}
	page := buf.String()
	// Each chart: a point per build whose tooltip gives the values, and a
	// y axis whose lowest tick is 0 at the x axis.
	charts := map[string]func(SeriesKernel) string{
		"chart-symbols":      func(k SeriesKernel) string { return "symbols: " + strconv.Itoa(k.Symbols) },
		"chart-vs-reference": func(k SeriesKernel) string { return "CRC changed: " + strconv.Itoa(k.VsReference.Changed) },
		"chart-installable":  func(k SeriesKernel) string { return "installable: " + strconv.Itoa(k.KmodsInstallable) },
		"chart-forced":       func(k SeriesKernel) string { return "forced: " + strconv.Itoa(k.KmodsForced) },
	}
	for id, want := range charts {
		svg := chartSVG(t, page, id)
		points := pointRe.FindAllStringSubmatch(svg, -1)
		if len(points) != len(s.Kernels) {
			t.Fatalf("%s: %d points, want %d", id, len(points), len(s.Kernels))
		}
		for i, p := range points {
			tip := titleRe.FindStringSubmatch(p[2])
			if tip == nil || !strings.HasPrefix(tip[1], s.Kernels[i].Uname+"\n") || !strings.Contains(tip[1], want(s.Kernels[i])) {
				t.Errorf("%s point %d: tooltip %q, want %s and %q", id, i, tip, s.Kernels[i].Uname, want(s.Kernels[i]))
			}
		}
		ticks := tickRe.FindAllStringSubmatch(svg, -1)
		if len(ticks) < 2 || ticks[0][2] != "0" || ticks[0][1] != strconv.Itoa(plotTop+plotHeight)+".0" {
			t.Errorf("%s: y axis does not start at 0 on the x axis: %q", id, ticks)
		}
	}
	// The symbols chart's top tick is at least the largest count: a bar
	// from zero, not from the smallest count.
	ticks := tickRe.FindAllStringSubmatch(chartSVG(t, page, "chart-symbols"), -1)
	if top, _ := strconv.Atoi(ticks[len(ticks)-1][2]); top < 20250 {
		t.Errorf("symbols axis tops at %d, below 20250", top)
	}
	for _, want := range []string{"<title>series &lt;test&gt;</title>", "kmod-&lt;b&gt;-1.0-1.el8.x86_64",
		"<code>napi_enable</code></td><td class=\"n\">3</td><td class=\"n\">2</td><td class=\"n\">2</td><td>no</td>",
		"<code>+napi_gro_flush</code>", `id="chart-stablelists"`, "690 of 20100 (3.4 %)",
		"From 700 symbols (305) to 701 (348): 1 added, 0 removed, no CRC changed."} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %q", want)
		}
	}
}

func TestNiceStep(t *testing.T) {
	tests := []struct {
		max  float64
		want float64
	}{{0, 1}, {3, 1}, {10, 5}, {147, 50}, {20250, 10000}, {1000, 500}}
	for _, tt := range tests {
		if got := niceStep(tt.max, 4); got != tt.want {
			t.Errorf("niceStep(%v) = %v, want %v", tt.max, got, tt.want)
		}
	}
}

// TestSeriesHTMLInChromium renders the series page and takes a screenshot.
func TestSeriesHTMLInChromium(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteSeriesHTML(&buf, sampleSeries(), "series"); err != nil {
		t.Fatal(err)
	}
	dom := loadInChromium(t, buf.Bytes(), "", "", "series")
	if got := strings.Count(dom, `<svg class="chart"`); got != 6 {
		t.Errorf("%d charts rendered, want 6", got)
	}
}
