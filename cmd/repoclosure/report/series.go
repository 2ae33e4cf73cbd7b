package report

import (
	"cmp"
	_ "embed"
	"fmt"
	"html/template"
	"io"
	"slices"
	"strconv"

	"github.com/repoclosure/repoclosure/internal/plural"
)

// Series is the `series` report: symbol change over kernel builds and what it
// cost the kmods. Its JSON form is the scripting contract of `series --json`.
type Series struct {
	Reference string         `json:"reference"`
	Kernels   []SeriesKernel `json:"kernels"`
	Kmods     []SeriesKmod   `json:"kmods"`
	// MostBreaking are the builds by kmods forced to rebuild, most first.
	MostBreaking []string `json:"most_breaking"`
	// Stable is the coverage of the (last) stable list given.
	Stable *StableCoverage `json:"stablelist,omitempty"`
	// StableLists follows several stable lists, in the order given.
	StableLists []StableList `json:"stablelists,omitempty"`
	// Symbols is the symbol blame (series --symbols), most breaks first.
	Symbols []SymbolBlame `json:"symbols,omitempty"`
}

// SymCounts counts symbols added, removed, CRC-changed and unchanged
// between two builds.
type SymCounts struct {
	Added     int `json:"added"`
	Removed   int `json:"removed"`
	Changed   int `json:"changed"`
	Unchanged int `json:"unchanged"`
}

// SeriesKernel is one build of the series.
type SeriesKernel struct {
	Uname            string     `json:"uname"`
	Symbols          int        `json:"symbols"`
	VsReference      SymCounts  `json:"vs_reference"`
	VsPrevious       *SymCounts `json:"vs_previous,omitempty"` // absent on the first build of its source, arch and flavour
	KmodsInstallable int        `json:"kmods_installable"`
	KmodsForced      int        `json:"kmods_forced_rebuild"`
}

// SeriesKmod is one kmod across the series.
type SeriesKmod struct {
	NEVRA      string   `json:"nevra"`
	FirstWorks string   `json:"first_works,omitempty"`
	FirstBreak string   `json:"first_break,omitempty"`
	Rebuilds   int      `json:"rebuilds"`
	ForcedBy   []string `json:"forced_by"`
}

// StableCoverage relates a kABI stable list to the series and its kmods.
type StableCoverage struct {
	Stable            int     `json:"stable_symbols"`
	KernelSymbols     int     `json:"kernel_symbols"`
	StableInKernel    int     `json:"stable_in_kernel"`
	Share             float64 `json:"stable_share"`
	Consumed          int     `json:"consumed"`
	ConsumedStable    int     `json:"consumed_stable"`
	ConsumedChanged   int     `json:"consumed_changed"`
	ConsumedUnchanged int     `json:"consumed_unchanged"`
}

// StableList is one of several stable lists and how it differs from the
// one before it (the first is compared with nothing: its changes are empty).
type StableList struct {
	Label      string   `json:"label"`
	Symbols    int      `json:"symbols"`
	Added      []string `json:"added"`
	Removed    []string `json:"removed"`
	CRCChanged []string `json:"crc_changed"`
}

// SymbolBlame is one symbol the kmods consume.
type SymbolBlame struct {
	Symbol string `json:"symbol"`
	// Consumers counts the kmod packages (NEVRAs) that require
	// kernel(Symbol); ConsumerNames their distinct names.
	Consumers     int `json:"consumers"`
	ConsumerNames int `json:"consumer_names"`
	// Stable says whether it is on the (last) stable list; absent when no
	// list was given.
	Stable *bool `json:"stable,omitempty"`
	// ChangedIn are the builds where it differs from the build before.
	ChangedIn []string `json:"changed_in"`
	// Breaks counts the kmod × build cells where it is among the missing.
	Breaks int `json:"breaks"`
}

//go:embed series.html.tmpl
var seriesSource string

// WriteSeriesHTML writes the series as one self-contained HTML page titled
// title: charts of the symbols per build, the symbols added, removed and
// changed against the reference and the previous build, the kmods
// installable and the rebuilds forced per build (inline SVG, every axis from
// zero), the stable-list coverage and evolution, the symbol blame when
// present, and the kmods' table.
func WriteSeriesHTML(w io.Writer, s *Series, title string) error {
	tmpl, err := template.New("series").Funcs(template.FuncMap{
		"pct":    func(f float64) float64 { return 100 * f },
		"plural": plural.Count,
		"inc":    func(i int) int { return i + 1 },
		"last":   func(l []StableList) int { return len(l) - 1 },
		"few":    func(l []string) []string { return l[:min(len(l), namesShown)] },
		"more": func(l []string) string {
			if len(l) <= namesShown {
				return ""
			}
			return fmt.Sprintf("… and %d more ", len(l)-namesShown)
		},
		"onList": func(b *bool) string {
			switch {
			case b == nil:
				return "–" // no stable list given
			case *b:
				return "yes"
			}
			return "no"
		},
	}).Parse(seriesSource)
	if err != nil {
		return fmt.Errorf("write series HTML: parse template: %w", err)
	}
	if err := tmpl.Execute(w, newSeriesPage(s, title)); err != nil {
		return fmt.Errorf("write series HTML: %w", err)
	}
	return nil
}

type seriesPage struct {
	Title       string
	S           *Series
	CSS         template.CSS
	Charts      []pageChart
	StableChart template.HTML
	StableSteps []StableList // the lists that differ from the one before
	// StableTotals sums the steps: symbols added, removed, CRC-changed.
	StableTotals SymCounts
	ByConsumers  []SymbolBlame
	TopBreaks    []SymbolBlame
}

type pageChart struct {
	Title, Note string
	SVG         template.HTML
}

// blameRows is how many symbols the page's rankings show; namesShown how
// many symbol names a stable-list step lists of each kind.
const (
	blameRows  = 25
	namesShown = 30
)

func newSeriesPage(s *Series, title string) seriesPage {
	p := seriesPage{Title: title, S: s, CSS: chartCSS}
	xs := make([]chartX, len(s.Kernels))
	for i, k := range s.Kernels {
		evr := unameEVR(k.Uname)
		xs[i] = chartX{Name: k.Uname, Short: shortRelease(evr), Group: ReleaseStream(evr)}
	}
	chart := func(id, label string, max float64, series ...chartSeries) template.HTML {
		c := barChart{ID: id, Label: label, X: xs, Series: series, Max: max}
		return c.SVG()
	}
	values := func(f func(SeriesKernel) int) []float64 {
		v := make([]float64, len(s.Kernels))
		for i, k := range s.Kernels {
			v[i] = float64(f(k))
		}
		return v
	}
	changes := func(id, label string, get func(SeriesKernel) SymCounts) template.HTML {
		return chart(id, label, 0,
			chartSeries{Name: "added", Class: "bar-added", Values: values(func(k SeriesKernel) int { return get(k).Added })},
			chartSeries{Name: "removed", Class: "bar-removed", Values: values(func(k SeriesKernel) int { return get(k).Removed })},
			chartSeries{Name: "CRC changed", Class: "bar-changed", Values: values(func(k SeriesKernel) int { return get(k).Changed })})
	}
	prev := func(k SeriesKernel) SymCounts {
		if k.VsPrevious == nil {
			return SymCounts{}
		}
		return *k.VsPrevious
	}
	p.Charts = []pageChart{
		{"Symbols per build", "kernel(…) symbols each build exports, from zero: the change between builds is small beside the whole.",
			chart("chart-symbols", "symbols", 0, chartSeries{Name: "symbols", Class: "bar-sym", Values: values(func(k SeriesKernel) int { return k.Symbols })})},
		{"Change against the reference", "Symbols added, removed and with another CRC, against " + s.Reference + ".",
			changes("chart-vs-reference", "symbols changed vs reference", func(k SeriesKernel) SymCounts { return k.VsReference })},
		{"Change against the previous build", "The same against the build before; the first build has none.",
			changes("chart-vs-previous", "symbols changed vs previous", prev)},
		{"Kmods installable per build", "Of the " + strconv.Itoa(len(s.Kmods)) + " kmod packages.",
			chart("chart-installable", "kmods installable", float64(len(s.Kmods)), chartSeries{Name: "installable", Class: "bar-ok", Values: values(func(k SeriesKernel) int { return k.KmodsInstallable })})},
		{"Rebuilds forced per build", "Kmods whose symbols (CRC, or presence) changed at this build against the one before.",
			chart("chart-forced", "kmods forced to rebuild", 0, chartSeries{Name: "forced", Class: "bar-forced", Values: values(func(k SeriesKernel) int { return k.KmodsForced })})},
	}
	if len(s.StableLists) > 1 {
		c := barChart{ID: "chart-stablelists", Label: "stable-list symbols"}
		for i, l := range s.StableLists {
			c.X = append(c.X, chartX{Name: l.Label, Short: strconv.Itoa(i + 1)})
			c.addValue(0, "symbols", "bar-stable", float64(l.Symbols))
			if i > 0 && len(l.Added)+len(l.Removed)+len(l.CRCChanged) > 0 {
				p.StableSteps = append(p.StableSteps, l)
			}
			p.StableTotals.Added += len(l.Added)
			p.StableTotals.Removed += len(l.Removed)
			p.StableTotals.Changed += len(l.CRCChanged)
		}
		p.StableChart = c.SVG()
	}
	p.TopBreaks = s.Symbols[:min(blameRows, len(s.Symbols))]
	p.ByConsumers = SymbolsByConsumers(s.Symbols)[:min(blameRows, len(s.Symbols))]
	return p
}

// unameEVR drops a uname's arch ("4.18.0-305.el8.x86_64" -> "4.18.0-305.el8").
func unameEVR(uname string) string {
	for i := len(uname) - 1; i > 0; i-- {
		if uname[i] == '.' {
			return uname[:i]
		}
	}
	return uname
}

// SymbolsByConsumers returns a copy of s ordered by consumers (most first),
// then breaks, then name: the other ranking of the symbol blame.
func SymbolsByConsumers(s []SymbolBlame) []SymbolBlame {
	out := slices.Clone(s)
	slices.SortStableFunc(out, func(a, b SymbolBlame) int {
		return cmp.Or(b.Consumers-a.Consumers, b.Breaks-a.Breaks, cmp.Compare(a.Symbol, b.Symbol))
	})
	return out
}
