package report

import (
	"fmt"
	"html"
	"html/template"
	"math"
	"strconv"
	"strings"
)

// barChart is a bar chart over kernel builds, drawn as inline SVG: one bar
// per build, its series stacked, a y axis from zero (every quantity charted
// is a count, and a count's bar is only honest from zero), release streams
// marked under the x axis, each bar's values in its <title> tooltip.
type barChart struct {
	ID    string // the <svg>'s id
	Label string // what the y axis counts
	X     []chartX
	// Series are stacked bottom to top; each has a value per X.
	Series []chartSeries
	// Max is the least top of the y axis (say, the number of kmods, so
	// that "all of them" is the top); the data can raise it.
	Max float64
}

// chartX is one build on the x axis.
type chartX struct {
	Name  string // in the tooltip: the uname
	Short string // shown when there is room
	Group string // release stream, marked under the axis
}

type chartSeries struct {
	Name   string
	Class  string // CSS class of its bars
	Values []float64
}

// addValue appends v to series s (creating it as name/class when new).
func (c *barChart) addValue(s int, name, class string, v float64) {
	for len(c.Series) <= s {
		c.Series = append(c.Series, chartSeries{})
	}
	c.Series[s].Name, c.Series[s].Class = name, class
	c.Series[s].Values = append(c.Series[s].Values, v)
}

// Chart geometry, in SVG user units.
const (
	plotHeight  = 150
	plotTop     = 26 // room for the legend
	plotLeft    = 56
	plotRight   = 12
	plotBottom  = 44 // labels and stream names
	plotWidth   = 960
	maxBarStep  = 48
	labelEveryX = 22 // at least this many units between x labels
)

// niceStep is a tick step of 1, 2 or 5 × 10^k giving about n ticks to max.
func niceStep(max float64, n int) float64 {
	if max <= 0 {
		return 1
	}
	raw := max / float64(n)
	mag := math.Pow(10, math.Floor(math.Log10(raw)))
	for _, m := range []float64{1, 2, 5, 10} {
		if m*mag >= raw {
			return math.Max(1, m*mag)
		}
	}
	return math.Max(1, 10*mag)
}

func num(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

// SVG renders the chart. All text is escaped here.
func (c *barChart) SVG() template.HTML {
	n := len(c.X)
	step := float64(maxBarStep)
	if n > 0 {
		step = math.Min(maxBarStep, float64(plotWidth)/float64(n))
	}
	// Room for the label and legend above the plot, however few the bars,
	// and for the last stream's name under it, however few its bars.
	width := math.Max(plotLeft+step*float64(n)+plotRight, 480)
	if n > 0 && c.X[n-1].Group != "" {
		last := n - 1
		for last > 0 && c.X[last-1].Group == c.X[n-1].Group {
			last--
		}
		width = math.Max(width, plotLeft+step*float64(last)+groupLabelWidth(c.X[n-1].Group))
	}
	height := float64(plotTop + plotHeight + plotBottom)
	top := c.Max
	for i := range c.X {
		sum := 0.0
		for _, s := range c.Series {
			sum += s.Values[i]
		}
		top = math.Max(top, sum)
	}
	tick := niceStep(top, 4)
	top = math.Max(tick, math.Ceil(top/tick)*tick)
	y := func(v float64) float64 { return plotTop + plotHeight - v*plotHeight/top }
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="chart" id="%s" xmlns="http://www.w3.org/2000/svg" width="%.0f" height="%.0f" viewBox="0 0 %.0f %.0f" role="img" aria-label="%s">`,
		html.EscapeString(c.ID), width, height, width, height, html.EscapeString(c.Label))
	// y axis: gridlines and tick labels from zero.
	for v := 0.0; v <= top+tick/2; v += tick {
		fmt.Fprintf(&b, `<line class="grid" x1="%d" x2="%.1f" y1="%.1f" y2="%.1f"/><text class="tick" x="%d" y="%.1f" dx="-4" dy="3" text-anchor="end">%s</text>`,
			plotLeft, plotLeft+step*float64(n), y(v), y(v), plotLeft, y(v), num(v))
	}
	fmt.Fprintf(&b, `<text class="axis-label" x="4" y="12">%s</text>`, html.EscapeString(c.Label))
	// legend, after the axis label above the plot
	if len(c.Series) > 1 {
		x := 4 + 6.5*float64(len([]rune(c.Label))) + 16
		for _, s := range c.Series {
			fmt.Fprintf(&b, `<rect class="%s" x="%.1f" y="4" width="10" height="10"/><text class="tick" x="%.1f" y="13">%s</text>`,
				html.EscapeString(s.Class), x, x+14, html.EscapeString(s.Name))
			x += 14 + 6*float64(len([]rune(s.Name))) + 14
		}
	}
	barW := math.Max(1, step*0.75)
	labelEvery := max(1, int(math.Ceil(labelEveryX/step)))
	group, groupLabelEnd := "", 0.0
	for i, xv := range c.X {
		x0 := plotLeft + step*float64(i)
		var tip strings.Builder
		tip.WriteString(xv.Name)
		base := 0.0
		fmt.Fprintf(&b, `<g class="point" data-x="%d">`, i)
		for _, s := range c.Series {
			v := s.Values[i]
			fmt.Fprintf(&tip, "\n%s: %s", s.Name, num(v))
			if v > 0 {
				fmt.Fprintf(&b, `<rect class="%s" x="%.1f" y="%.1f" width="%.1f" height="%.1f"/>`,
					html.EscapeString(s.Class), x0+(step-barW)/2, y(base+v), barW, y(base)-y(base+v))
			}
			base += v
		}
		// a transparent full-height target so that the tooltip shows
		// even over a zero bar
		fmt.Fprintf(&b, `<rect class="hit" x="%.1f" y="%d" width="%.1f" height="%d"><title>%s</title></rect></g>`,
			x0, plotTop, step, plotHeight, html.EscapeString(tip.String()))
		if xv.Group != group {
			group = xv.Group
			fmt.Fprintf(&b, `<line class="sep" x1="%.1f" x2="%.1f" y1="%d" y2="%.0f"/>`, x0, x0, plotTop, height)
			// A stream's name where it does not run into the one before
			// (its line and the tooltips still say).
			if x0 >= groupLabelEnd {
				fmt.Fprintf(&b, `<text class="group" x="%.1f" y="%.0f" dx="2" dy="-2">%s</text>`, x0, height, html.EscapeString(group))
				groupLabelEnd = x0 + groupLabelWidth(group)
			}
		}
		if i%labelEvery == 0 {
			fmt.Fprintf(&b, `<text class="tick" x="%.1f" y="%d" dy="10" text-anchor="middle">%d</text>`,
				x0+step/2, plotTop+plotHeight, i+1)
		}
	}
	fmt.Fprintf(&b, `<line class="axis" x1="%d" x2="%.1f" y1="%.1f" y2="%.1f"/><line class="axis" x1="%d" x2="%d" y1="%d" y2="%.1f"/>`,
		plotLeft, plotLeft+step*float64(n), y(0), y(0), plotLeft, plotLeft, plotTop, y(0))
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

// groupLabelWidth is about how wide a stream's name under the axis is.
func groupLabelWidth(group string) float64 { return 6*float64(len([]rune(group))) + 8 }

// shortRelease is an EVR's release without the dist tag ("305.3.1"), for
// narrow labels.
func shortRelease(evr string) string {
	_, rel, ok := strings.Cut(evr, "-")
	if !ok {
		return evr
	}
	if i := strings.Index(rel, ".el"); i > 0 {
		return rel[:i]
	}
	return rel
}

// chartCSS is the charts' style, shared by the pages.
const chartCSS = `svg.chart { display: block; max-width: 100%; height: auto; margin: 4px 0 12px; }
svg.chart text { font: 10px system-ui, sans-serif; fill: #57606a; }
svg.chart .axis-label { font-weight: 600; fill: #1f2328; }
svg.chart .grid { stroke: #eaeef2; }
svg.chart .axis { stroke: #8c959f; }
svg.chart .sep { stroke: #d0d7de; stroke-dasharray: 2 2; }
svg.chart .hit { fill: transparent; }
svg.chart .point:hover .hit { fill: rgba(9, 105, 218, .08); }
.bar-ok { fill: #2e7d32; } .bar-sym { fill: #1565c0; } .bar-added { fill: #2e7d32; }
.bar-removed { fill: #c62828; } .bar-changed { fill: #ef6c00; } .bar-forced { fill: #6a1b9a; }
.bar-stable { fill: #00838f; }`
