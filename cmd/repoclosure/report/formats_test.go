package report

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestJSONRoundTrip(t *testing.T) {
	for name, m := range map[string]*Matrix{"sample": sampleMatrix(), "60x30": bigMatrix(60, 30), "empty": {}} {
		t.Run(name, func(t *testing.T) {
			var first, second bytes.Buffer
			if err := WriteJSON(&first, m); err != nil {
				t.Fatal(err)
			}
			got, err := ReadJSON(bytes.NewReader(first.Bytes()), "first.json")
			if err != nil {
				t.Fatal(err)
			}
			want := *m
			if want.Kernels == nil { // [] in the file reads back as empty, not nil
				want = Matrix{Kernels: []Kernel{}, Kmods: []Kmod{}, Cells: []Cell{}}
			}
			if !reflect.DeepEqual(*got, want) {
				t.Errorf("round trip changed the matrix:\n got %+v\nwant %+v", *got, want)
			}
			if err := WriteJSON(&second, got); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(first.Bytes(), second.Bytes()) {
				t.Error("WriteJSON is not deterministic across a round trip")
			}
			if bytes.Contains(first.Bytes(), []byte("null")) {
				t.Errorf("JSON has null, want []:\n%s", first.Bytes())
			}
		})
	}
}

func TestWriteJSONContract(t *testing.T) {
	m := sampleMatrix()
	m.Cells[0].Missing = nil // installable: must still be written as []
	m.Kernels[0].Packages = nil
	var buf bytes.Buffer
	if err := WriteJSON(&buf, m); err != nil {
		t.Fatal(err)
	}
	// Decode into plain maps so that the field names are checked as a script
	// would see them, independently of this package's struct tags.
	var doc struct {
		Kernels []map[string]any `json:"kernels"`
		Kmods   []map[string]any `json:"kmods"`
		Cells   []map[string]any `json:"cells"`
	}
	if err := json.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	keys := func(obj map[string]any) string {
		var k []string
		for key := range obj {
			k = append(k, key)
		}
		slices.Sort(k)
		return strings.Join(k, ",")
	}
	if got, want := keys(doc.Kernels[0]), "evr,packages,source,symbols,uname"; got != want {
		t.Errorf("kernel keys = %s, want %s", got, want)
	}
	if got, want := keys(doc.Kmods[0]), "kernel_requires,nevra,repo"; got != want {
		t.Errorf("kmod keys = %s, want %s", got, want)
	}
	if got, want := keys(doc.Cells[0]), "installable,kernel,kmod,missing"; got != want {
		t.Errorf("cell keys = %s, want %s", got, want)
	}
	if miss, ok := doc.Cells[0]["missing"].([]any); !ok || len(miss) != 0 {
		t.Errorf("installable cell's missing = %#v, want []", doc.Cells[0]["missing"])
	}
	if pk, ok := doc.Kernels[0]["packages"].([]any); !ok || len(pk) != 0 {
		t.Errorf("nil packages = %#v, want []", doc.Kernels[0]["packages"])
	}
	crc := doc.Cells[5]["missing"].([]any)[0].(map[string]any)
	if crc["dep"] != "kernel(napi_enable) = 0x1a2b3c4d" || crc["reason"] != "crc-mismatch" || crc["kernel_has"] != "0xdeadbeef" {
		t.Errorf("cell 5 missing[0] = %v", crc)
	}
	unknown := doc.Cells[6]["missing"].([]any)[0].(map[string]any)
	if _, ok := unknown["kernel_has"]; ok {
		t.Errorf("kernel_has present though empty: %v", unknown)
	}
	// Deps stay readable: no \u003c for "<".
	if !strings.Contains(buf.String(), ampersandDep) {
		t.Errorf("JSON does not hold %q verbatim", ampersandDep)
	}
}

func TestReadJSONErrors(t *testing.T) {
	var good bytes.Buffer
	if err := WriteJSON(&good, sampleMatrix()); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, input, want string
	}{
		{"empty", "", "empty file"},
		{"syntax", `{"kernels": [}`, "invalid JSON at byte offset 14"},
		{"truncated", good.String()[:100], "truncated JSON"},
		{"wrong type", `{"kernels": [{"uname": 4}]}`, `field "kernels.uname"`},
		{"trailing data", good.String() + "{}", "unexpected data after the matrix"},
		{"shape", `{"kernels": [{"uname": "a"}], "kmods": [{"nevra": "k"}], "cells": []}`, "0 cells for 1 kmod × 1 kernel"},
		{"unknown name", `{"kernels": [{"uname": "a"}], "kmods": [{"nevra": "k"}], "cells": [{"kmod": "k", "kernel": "b", "installable": true}]}`, `unknown kernel "b"`},
		{"not an object", `[1, 2]`, "not a matrix (written by matrix --format json): it holds a JSON array"},
		{"no matrix fields", `{}`, "not a matrix (written by matrix --format json): it has none of the fields kernels, kmods and cells"},
		{"another report", `{"version": 2, "builds": []}`, "it has none of the fields"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ReadJSON(strings.NewReader(tt.input), "baseline.json")
			if err == nil {
				t.Fatalf("ReadJSON(%q) succeeded", tt.input)
			}
			if !strings.HasPrefix(err.Error(), "baseline.json: ") || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("ReadJSON error = %q, want it to start with the file name and contain %q", err, tt.want)
			}
		})
	}
	// A null missing list reads as empty; unknown fields are ignored.
	m, err := ReadJSON(strings.NewReader(`{"version": 2, "kernels": [{"uname": "a"}], "kmods": [{"nevra": "k"}],
		"cells": [{"kmod": "k", "kernel": "a", "installable": true, "missing": null}]}`), "x.json")
	if err != nil {
		t.Fatal(err)
	}
	if m.Cells[0].Missing == nil {
		t.Error("null missing read as nil, want []")
	}
}

func FuzzReadJSON(f *testing.F) {
	var good bytes.Buffer
	if err := WriteJSON(&good, sampleMatrix()); err != nil {
		f.Fatal(err)
	}
	f.Add(good.Bytes())
	f.Add([]byte(`{"kernels": [], "kmods": [], "cells": []}`))
	f.Add([]byte(`{"kernels": [{"uname": "a"}], "kmods": [{"nevra": "k"}], "cells": [{"kmod": "k", "kernel": "a", "installable": false, "missing": [{"dep": "x", "reason": "other"}]}]}`))
	f.Add([]byte(`{"kernels": [{"uname": "a"}], "kmods": [], "cells": [{}]}`))
	f.Add([]byte(`null`))
	f.Add([]byte(``))
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := ReadJSON(bytes.NewReader(data), "fuzz.json")
		if err != nil {
			return
		}
		// Whatever reads must be a valid matrix that every writer accepts
		// and that survives a round trip.
		if err := m.Validate(); err != nil {
			t.Fatalf("ReadJSON returned an invalid matrix: %v", err)
		}
		var buf bytes.Buffer
		if err := WriteJSON(&buf, m); err != nil {
			t.Fatal(err)
		}
		again, err := ReadJSON(&buf, "again.json")
		if err != nil {
			t.Fatalf("re-reading WriteJSON's output: %v", err)
		}
		if !reflect.DeepEqual(m, again) {
			t.Fatalf("round trip changed the matrix:\n%+v\n%+v", m, again)
		}
		for name, err := range map[string]error{
			"CSV":      WriteCSV(&bytes.Buffer{}, m),
			"table":    WriteTable(&bytes.Buffer{}, m, true),
			"Markdown": WriteMarkdown(&bytes.Buffer{}, m),
			"HTML":     WriteHTML(&bytes.Buffer{}, m, "fuzz"),
		} {
			if err != nil {
				t.Fatalf("Write%s: %v", name, err)
			}
		}
	})
}

func TestWriteCSV(t *testing.T) {
	m := sampleMatrix()
	var buf bytes.Buffer
	if err := WriteCSV(&buf, m); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	wantHeader := []string{"kmod", "kernel", "installable", "missing", "crc_mismatch", "unknown_symbol", "kernel_version", "other",
		"kernel_package_missing", "name", "name_installable"}
	if !reflect.DeepEqual(rows[0], wantHeader) {
		t.Fatalf("header = %v, want %v", rows[0], wantHeader)
	}
	if len(rows)-1 != len(m.Cells) {
		t.Fatalf("%d data rows, want %d", len(rows)-1, len(m.Cells))
	}
	reasonColumn := map[string]int{ReasonCRCMismatch: 4, ReasonUnknownSymbol: 5, ReasonKernelVersion: 6, ReasonOther: 7, ReasonKernelPackageMissing: 8}
	totals := make([]int, 9)
	for n, c := range m.Cells {
		row := rows[n+1]
		// The sample's names have one build each: the name's answer is the cell's.
		want := []string{c.Kmod, c.Kernel, strconv.FormatBool(c.Installable), strconv.Itoa(len(c.Missing)), "0", "0", "0", "0", "0",
			NameOf(c.Kmod), strconv.FormatBool(c.Installable)}
		for _, miss := range c.Missing {
			col := reasonColumn[miss.Reason]
			v, _ := strconv.Atoi(want[col])
			want[col] = strconv.Itoa(v + 1)
		}
		if !reflect.DeepEqual(row, want) {
			t.Errorf("row %d = %v, want %v", n+1, row, want)
		}
		for col := 3; col < 9; col++ {
			v, err := strconv.Atoi(row[col])
			if err != nil {
				t.Fatalf("row %d column %s: %v", n+1, wantHeader[col], err)
			}
			totals[col] += v
		}
	}
	// The sample's totals, counted by hand from its comment.
	if want := []int{0, 0, 0, 8, 2, 3, 1, 2, 0}; !reflect.DeepEqual(totals[3:], want[3:]) {
		t.Errorf("totals missing..other = %v, want %v", totals[3:], want[3:])
	}
}

// markdownCells splits a Markdown table row at unescaped pipes.
func markdownCells(line string) []string {
	var cells []string
	var cur strings.Builder
	escaped := false
	for _, r := range strings.TrimSpace(line) {
		switch {
		case escaped:
			cur.WriteRune(r)
			escaped = false
		case r == '\\':
			cur.WriteRune(r)
			escaped = true
		case r == '|':
			cells = append(cells, strings.TrimSpace(cur.String()))
			cur.Reset()
		default:
			cur.WriteRune(r)
		}
	}
	// A row starts and ends with a pipe: drop the empty ends.
	if len(cells) > 0 {
		cells = cells[1:]
	}
	return cells
}

func TestWriteMarkdown(t *testing.T) {
	m := sampleMatrix()
	m.Kmods[3].NEVRA = "kmod-pipe|amp&-1.0-1.el8.x86_64" // must not add a column
	for j := range m.Kernels {
		m.Cells[3*len(m.Kernels)+j].Kmod = m.Kmods[3].NEVRA
	}
	var buf bytes.Buffer
	if err := WriteMarkdown(&buf, m); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	lines := strings.Split(out, "\n")
	start := -1
	for n, l := range lines {
		if strings.HasPrefix(l, "| kmod |") {
			start = n
			break
		}
	}
	if start < 0 {
		t.Fatalf("no matrix table in:\n%s", out)
	}
	header := markdownCells(lines[start])
	if len(header) != len(m.Kernels)+1 {
		t.Fatalf("header has %d columns, want %d: %q", len(header), len(m.Kernels)+1, lines[start])
	}
	var rows [][]string
	for _, l := range lines[start+2:] {
		if !strings.HasPrefix(l, "|") {
			break
		}
		rows = append(rows, markdownCells(l))
	}
	if len(rows) != len(m.Kmods) {
		t.Fatalf("%d rows, want one per kmod (%d):\n%s", len(rows), len(m.Kmods), out)
	}
	for i, row := range rows {
		if len(row) != len(m.Kernels)+1 {
			t.Errorf("row %d has %d columns, want %d: %q", i, len(row), len(m.Kernels)+1, row)
			continue
		}
		if got := markdownUnescape(row[0]); got != m.Kmods[i].NEVRA {
			t.Errorf("row %d names %q, want %q", i, got, m.Kmods[i].NEVRA)
		}
		for j, cell := range row[1:] {
			c := m.Cell(i, j)
			want := "✓"
			if !c.Installable {
				want = "✗" + strconv.Itoa(len(c.Missing))
			}
			if cell != want {
				t.Errorf("cell (%d, %d) = %q, want %q", i, j, cell, want)
			}
		}
	}
	for j, k := range m.Kernels {
		if !strings.Contains(out, "| "+strconv.Itoa(j+1)+" | "+markdownEscape(k.Uname)+" |") {
			t.Errorf("legend lacks kernel %d = %s", j+1, k.Uname)
		}
	}
	// The dep with <, & and | is listed escaped, once, with both kernels.
	if !strings.Contains(out, markdownEscape(ampersandDep)+": other on kernels 1, 3\n") {
		t.Errorf("unmet list lacks the escaped %q on kernels 1, 3:\n%s", ampersandDep, out)
	}
	if strings.Contains(out, ampersandDep) {
		t.Errorf("Markdown holds %q unescaped", ampersandDep)
	}
	if !strings.Contains(out, "unknown-symbol on kernels 1–3\n") {
		t.Errorf("unmet list does not collapse kernels 1–3:\n%s", out)
	}
}

func markdownUnescape(s string) string {
	var b strings.Builder
	escaped := false
	for _, r := range s {
		if r == '\\' && !escaped {
			escaped = true
			continue
		}
		escaped = false
		b.WriteRune(r)
	}
	return b.String()
}

func TestMarkdownEscape(t *testing.T) {
	tests := []struct{ in, want string }{
		{"kmod-foo-1.0-1.el8.x86_64", "kmod-foo-1.0-1.el8.x86_64"},
		{"a|b", `a\|b`},
		{"_init_ x_", `\_init\_ x\_`},
		{"kernel(__x86_indirect_thunk)", `kernel(\_\_x86_indirect_thunk)`},
		{"<script>&amp;", `\<script\>\&amp;`},
		{`back\slash`, `back\\slash`},
		{"two\nlines", "two lines"},
	}
	for _, tt := range tests {
		if got := markdownEscape(tt.in); got != tt.want {
			t.Errorf("markdownEscape(%q) = %q, want %q", tt.in, got, tt.want)
		}
		if got := markdownUnescape(markdownEscape(tt.in)); got != strings.ReplaceAll(tt.in, "\n", " ") {
			t.Errorf("escape then unescape %q = %q", tt.in, got)
		}
	}
}

func TestKernelRanges(t *testing.T) {
	tests := []struct {
		in   []int
		want string
	}{
		{nil, ""},
		{[]int{0}, "1"},
		{[]int{0, 1, 2}, "1–3"},
		{[]int{0, 2}, "1, 3"},
		{[]int{0, 1, 3, 5, 6, 7}, "1–2, 4, 6–8"},
	}
	for _, tt := range tests {
		if got := kernelRanges(tt.in); got != tt.want {
			t.Errorf("kernelRanges(%v) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

var ansi = regexp.MustCompile("\x1b\\[[0-9;]*m")

// tableTokens returns the grid's cell tokens (✓, ✗N) in reading order.
func tableTokens(out string) []string {
	return regexp.MustCompile(`✓|✗[0-9]+`).FindAllString(out, -1)
}

func TestWriteTable(t *testing.T) {
	m := sampleMatrix()
	var buf bytes.Buffer
	if err := WriteTable(&buf, m, false); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	if ansi.MatchString(out) {
		t.Error("colourless table has ANSI escapes")
	}
	// One panel here, so the tokens read in the cells' order.
	tokens := tableTokens(out)
	if len(tokens) != len(m.Cells) {
		t.Fatalf("%d cell tokens, want %d:\n%s", len(tokens), len(m.Cells), out)
	}
	for n, c := range m.Cells {
		want := "✓"
		if !c.Installable {
			want = "✗" + strconv.Itoa(len(c.Missing))
		}
		if tokens[n] != want {
			t.Errorf("cell %d (%s on %s) shows %s, want %s", n, c.Kmod, c.Kernel, tokens[n], want)
		}
	}
	for j, k := range m.Kernels {
		line := regexp.MustCompile(`(?m)^ *` + strconv.Itoa(j+1) + ` = ` + regexp.QuoteMeta(k.Uname) + ` +([0-9]+)/4 kmods installable, ([0-9]+) symbols$`).FindStringSubmatch(out)
		if line == nil {
			t.Errorf("no legend line for kernel %d = %s:\n%s", j+1, k.Uname, out)
			continue
		}
		if got, want := line[1], strconv.Itoa(m.installableOn(j)); got != want {
			t.Errorf("kernel %s: %s installable, want %s", k.Uname, got, want)
		}
		if got, want := line[2], strconv.Itoa(k.Symbols); got != want {
			t.Errorf("kernel %s: %s symbols, want %s", k.Uname, got, want)
		}
	}
	if !strings.Contains(out, "6 of 12 cells installable") {
		t.Errorf("summary lacks 6 of 12 installable:\n%s", out)
	}

	buf.Reset()
	if err := WriteTable(&buf, m, true); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), ansiGreen+" ✓"+ansiReset) || !strings.Contains(buf.String(), ansiRed+"✗2"+ansiReset) {
		t.Errorf("coloured table lacks green ✓ or red ✗2:\n%q", buf.String())
	}
	if ansi.ReplaceAllString(buf.String(), "") != out {
		t.Error("colour changes the table's text")
	}
}

func TestWriteTableWide(t *testing.T) {
	m := bigMatrix(60, 12)
	var buf bytes.Buffer
	if err := WriteTable(&buf, m, true); err != nil {
		t.Fatal(err)
	}
	out := ansi.ReplaceAllString(buf.String(), "")
	for n, line := range strings.Split(out, "\n") {
		if w := utf8.RuneCountInString(line); w > tableWidth {
			t.Errorf("line %d is %d wide, want at most %d: %q", n, w, tableWidth, line)
		}
	}
	panels := strings.Count(out, "\ninstallable ")
	if panels < 2 {
		t.Fatalf("60 kernels in %d panel(s), want them split:\n%s", panels, out)
	}
	// Every cell is shown once; every kmod once per panel.
	if got, want := len(tableTokens(out)), len(m.Cells); got != want {
		t.Errorf("%d cell tokens, want %d", got, want)
	}
	for _, k := range m.Kmods {
		if got := strings.Count(out, k.NEVRA+" "); got != panels {
			t.Errorf("%s shown %d times, want once per panel (%d)", k.NEVRA, got, panels)
		}
	}
	if !strings.Contains(out, "60 = "+m.Kernels[59].Uname) {
		t.Error("legend lacks kernel 60")
	}
}

func TestPrintable(t *testing.T) {
	m := sampleMatrix()
	m.Kmods[0].NEVRA = "kmod-\x1b[2Jevil-1.0-1.x86_64"
	for j := range m.Kernels {
		m.Cells[j].Kmod = m.Kmods[0].NEVRA
	}
	var buf bytes.Buffer
	if err := WriteTable(&buf, m, false); err != nil {
		t.Fatal(err)
	}
	if strings.ContainsRune(buf.String(), '\x1b') {
		t.Error("a package name's escape sequence reached the terminal")
	}
	// It shows as the escape a reader can read, and the columns stay
	// aligned: every row of the table (after the title and a blank line)
	// is as wide as the kernel numbers' header.
	if !strings.Contains(buf.String(), `kmod-\x1b[2Jevil-1.0-1.x86_64`) {
		t.Errorf("the name does not show its escape:\n%s", buf.String())
	}
	lines := strings.Split(buf.String(), "\n")
	width := utf8.RuneCountInString(lines[2])
	for _, l := range lines[3 : 3+len(m.Kmods)+1] {
		if n := utf8.RuneCountInString(l); n != width {
			t.Errorf("row %q is %d wide, the header %d", l, n, width)
		}
	}
}
