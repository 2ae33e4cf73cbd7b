package report

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
	"testing"
)

// Kernel unames of the sample matrix, oldest first.
const (
	k305 = "4.18.0-305.el8.x86_64"
	k348 = "4.18.0-348.el8.x86_64"
	k372 = "4.18.0-372.el8.x86_64"
)

// ampersandDep has the characters that break HTML and Markdown when unescaped,
// in forms that an HTML parser would read as a tag and an entity.
const ampersandDep = "(kmod-helper<2.0 & with&amp;|<i>dep)"

// sampleMatrix is 3 kernels × 4 kmods with every reason in use:
//
//	kmod-ok     ✓  ✓  ✓
//	kmod-crc    ✓  ✓  ✗1   crc-mismatch on 372
//	kmod-new    ✗2 ✗1 ✗1   unknown-symbol everywhere, kernel-version on 305
//	kmod-amp    ✗1 ✓  ✗2   other (ampersandDep) on 305 and 372, crc on 372
func sampleMatrix() *Matrix {
	kernel := func(uname string, symbols int) Kernel {
		evr := strings.TrimSuffix(uname, ".x86_64")
		return Kernel{Uname: uname, EVR: evr, Source: "kernel-" + evr + ".src.rpm",
			Packages: []string{"kernel-core-" + uname, "kernel-modules-" + uname}, Symbols: symbols}
	}
	m := &Matrix{
		Kernels: []Kernel{kernel(k305, 20100), kernel(k348, 20250), kernel(k372, 20400)},
		Kmods: []Kmod{
			{NEVRA: "kmod-ok-1.0-1.el8.x86_64", Repo: "elrepo", KernelRequires: 10},
			{NEVRA: "kmod-crc-2.1-3.el8_5.x86_64", Repo: "elrepo", KernelRequires: 25},
			{NEVRA: "kmod-new-0.9-1.el8.x86_64", Repo: "epel", KernelRequires: 7},
			{NEVRA: "kmod-amp-1:3.0-1.el8.x86_64", Repo: "local", KernelRequires: 3},
		},
	}
	crc := Missing{Dep: "kernel(napi_enable) = 0x1a2b3c4d", Reason: ReasonCRCMismatch, KernelHas: "0xdeadbeef"}
	unknown := Missing{Dep: "kernel(brand_new_api) = 0x00c0ffee", Reason: ReasonUnknownSymbol}
	version := Missing{Dep: "kernel >= 4.18.0-348.el8", Reason: ReasonKernelVersion, KernelHas: "4.18.0-305.el8"}
	other := Missing{Dep: ampersandDep, Reason: ReasonOther}
	missing := [][][]Missing{
		{nil, nil, nil},
		{nil, nil, {crc}},
		{{unknown, version}, {unknown}, {unknown}},
		{{other}, nil, {other, crc}},
	}
	for i, row := range missing {
		for j, miss := range row {
			if miss == nil {
				miss = []Missing{}
			}
			m.Cells = append(m.Cells, Cell{Kmod: m.Kmods[i].NEVRA, Kernel: m.Kernels[j].Uname,
				Installable: len(miss) == 0, Missing: miss})
		}
	}
	return m
}

// bigMatrix is kernels × kmods with a varied, deterministic pattern, for the
// wide-table and benchmark cases.
func bigMatrix(kernels, kmods int) *Matrix {
	m := &Matrix{}
	for j := range kernels {
		uname := "5.14.0-" + strconv.Itoa(j*7+70) + ".el9.x86_64"
		m.Kernels = append(m.Kernels, Kernel{Uname: uname, EVR: strings.TrimSuffix(uname, ".x86_64"),
			Source: "kernel.src.rpm", Packages: []string{"kernel-core-" + uname}, Symbols: 30000 + 13*j})
	}
	for i := range kmods {
		m.Kmods = append(m.Kmods, Kmod{NEVRA: "kmod-driver" + strconv.Itoa(i) + "-1.0-1.el9.x86_64", Repo: "r", KernelRequires: 40})
	}
	for i := range kmods {
		for j := range kernels {
			var miss []Missing
			for n := range (i + j) % 4 * (i % 3) {
				miss = append(miss, Missing{Dep: "kernel(sym" + strconv.Itoa(n) + ") = 0x0000000" + strconv.Itoa(n%10),
					Reason: []string{ReasonCRCMismatch, ReasonUnknownSymbol, ReasonOther}[n%3]})
			}
			if miss == nil {
				miss = []Missing{}
			}
			m.Cells = append(m.Cells, Cell{Kmod: m.Kmods[i].NEVRA, Kernel: m.Kernels[j].Uname,
				Installable: len(miss) == 0, Missing: miss})
		}
	}
	return m
}

func TestSampleIsValid(t *testing.T) {
	if err := sampleMatrix().Validate(); err != nil {
		t.Fatal(err)
	}
	if err := bigMatrix(60, 30).Validate(); err != nil {
		t.Fatal(err)
	}
}

func TestCell(t *testing.T) {
	m := sampleMatrix()
	for i, k := range m.Kmods {
		for j, kern := range m.Kernels {
			c := m.Cell(i, j)
			if c == nil || c.Kmod != k.NEVRA || c.Kernel != kern.Uname {
				t.Errorf("Cell(%d, %d) = %+v, want %s on %s", i, j, c, k.NEVRA, kern.Uname)
			}
		}
	}
	for _, ij := range [][2]int{{-1, 0}, {0, -1}, {4, 0}, {0, 3}} {
		if c := m.Cell(ij[0], ij[1]); c != nil {
			t.Errorf("Cell(%d, %d) = %+v, want nil", ij[0], ij[1], c)
		}
	}
	short := sampleMatrix()
	short.Cells = short.Cells[:5]
	if c := short.Cell(3, 2); c != nil {
		t.Errorf("Cell past short Cells = %+v, want nil", c)
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name   string
		change func(m *Matrix)
		want   string // in the error
	}{
		{"too few cells", func(m *Matrix) { m.Cells = m.Cells[:11] }, "11 cells for 4 kmods × 3 kernels: want 12"},
		{"unknown kmod", func(m *Matrix) { m.Cells[4].Kmod = "kmod-ghost" }, `unknown kmod "kmod-ghost"`},
		{"unknown kernel", func(m *Matrix) { m.Cells[4].Kernel = "9.9" }, `unknown kernel "9.9"`},
		{"kernel-major order", func(m *Matrix) { m.Cells[1], m.Cells[3] = m.Cells[3], m.Cells[1] }, "kmod-major order"},
		{"duplicate kernel", func(m *Matrix) { m.Kernels[2].Uname = k305 }, "listed twice"},
		{"duplicate kmod", func(m *Matrix) { m.Kmods[1].NEVRA = m.Kmods[0].NEVRA }, "listed twice"},
		{"empty uname", func(m *Matrix) { m.Kernels[0].Uname = "" }, "empty uname"},
		{"empty nevra", func(m *Matrix) { m.Kmods[0].NEVRA = "" }, "empty nevra"},
		{"installable with missing", func(m *Matrix) { m.Cells[5].Installable = true }, "installable=true with 1 missing"},
		{"not installable, nothing missing", func(m *Matrix) { m.Cells[0].Installable = false }, "installable=false with 0 missing"},
		{"unknown reason", func(m *Matrix) { m.Cells[5].Missing[0].Reason = "bad-luck" }, `unknown reason "bad-luck"`},
		{"empty dep", func(m *Matrix) { m.Cells[5].Missing[0].Dep = "" }, "empty text"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := sampleMatrix()
			tt.change(m)
			err := m.Validate()
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Validate() = %v, want an error containing %q", err, tt.want)
			}
			// Every writer refuses the malformed matrix rather than panicking.
			writers := map[string]func() error{
				"JSON":     func() error { return WriteJSON(&bytes.Buffer{}, m) },
				"CSV":      func() error { return WriteCSV(&bytes.Buffer{}, m) },
				"table":    func() error { return WriteTable(&bytes.Buffer{}, m, true) },
				"Markdown": func() error { return WriteMarkdown(&bytes.Buffer{}, m) },
				"HTML":     func() error { return WriteHTML(&bytes.Buffer{}, m, "t") },
			}
			for name, write := range writers {
				if err := write(); err == nil {
					t.Errorf("Write%s accepted the malformed matrix", name)
				}
			}
		})
	}
}

func TestEmptyMatrixWrites(t *testing.T) {
	for _, m := range []*Matrix{{}, {Kernels: sampleMatrix().Kernels}, {Kmods: sampleMatrix().Kmods}} {
		var buf bytes.Buffer
		for name, err := range map[string]error{
			"JSON":     WriteJSON(&buf, m),
			"CSV":      WriteCSV(&buf, m),
			"table":    WriteTable(&buf, m, false),
			"Markdown": WriteMarkdown(&buf, m),
			"HTML":     WriteHTML(&buf, m, "empty"),
		} {
			if err != nil {
				t.Errorf("Write%s of %d kernels × %d kmods: %v", name, len(m.Kernels), len(m.Kmods), err)
			}
		}
	}
}

// TestWriteJSONStreamsEncoderBytes: the streaming writer's output is byte for
// byte what encoding/json writes for the whole matrix at once.
func TestWriteJSONStreamsEncoderBytes(t *testing.T) {
	for _, m := range []*Matrix{sampleMatrix(), {Kernels: []Kernel{}, Kmods: []Kmod{}, Cells: []Cell{}}} {
		var want bytes.Buffer
		enc := json.NewEncoder(&want)
		enc.SetEscapeHTML(false)
		enc.SetIndent("", "  ")
		if err := enc.Encode(withEmptyLists(m)); err != nil {
			t.Fatal(err)
		}
		var got bytes.Buffer
		if err := WriteJSON(&got, m); err != nil {
			t.Fatal(err)
		}
		if got.String() != want.String() {
			t.Errorf("WriteJSON:\n%s\nencoding/json:\n%s", got.String(), want.String())
		}
	}
}

// TestSingularCounts: one kmod on one kernel reads "1 kmod × 1 kernel" in
// the page and "1 symbol" in the table legend.
func TestSingularCounts(t *testing.T) {
	m := &Matrix{
		Kernels: []Kernel{{Uname: "k.x86_64", EVR: "k", Symbols: 1}},
		Kmods:   []Kmod{{NEVRA: "kmod-a-1-1.x86_64"}},
		Cells:   []Cell{{Kmod: "kmod-a-1-1.x86_64", Kernel: "k.x86_64", Installable: true, Missing: []Missing{}}},
	}
	if err := m.Validate(); err != nil {
		t.Fatal(err)
	}
	var page, table bytes.Buffer
	if err := WriteHTML(&page, m, "t"); err != nil {
		t.Fatal(err)
	}
	if err := WriteTable(&table, m, false); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(page.String(), "1 kmod × 1 kernel:") {
		t.Error("the page does not say 1 kmod × 1 kernel")
	}
	if !strings.Contains(table.String(), ", 1 symbol\n") {
		t.Errorf("the table legend does not say 1 symbol:\n%s", table.String())
	}
}
