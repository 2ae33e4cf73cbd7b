package report

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// twoBuilds is kmod-foo in two versions, each installable on one of two
// kernels, and kmod-bar installable on neither.
func twoBuilds() *Matrix {
	m := &Matrix{
		Kernels: []Kernel{{Uname: "5.14.0-1.el9.x86_64", Packages: []string{}}, {Uname: "5.14.0-2.el9.x86_64", Packages: []string{}}},
		Kmods: []Kmod{
			{NEVRA: "kmod-bar-1.0-1.el9.x86_64", Repo: "r"},
			{NEVRA: "kmod-foo-1.0-1.el9.x86_64", Repo: "r"},
			{NEVRA: "kmod-foo-1:1.1-1.el9.x86_64", Repo: "r"},
		},
	}
	miss := []Missing{{Dep: "kernel(x) = 0x1", Reason: ReasonUnknownSymbol}}
	for i, ok := range [][2]bool{{false, false}, {true, false}, {false, true}} {
		for j := range m.Kernels {
			c := Cell{Kmod: m.Kmods[i].NEVRA, Kernel: m.Kernels[j].Uname, Installable: ok[j], Missing: []Missing{}}
			if !ok[j] {
				c.Missing = miss
			}
			m.Cells = append(m.Cells, c)
		}
	}
	return m
}

func TestNames(t *testing.T) {
	got := twoBuilds().Names()
	want := []Name{
		{Name: "kmod-bar", Kmods: []string{"kmod-bar-1.0-1.el9.x86_64"}, Installable: []bool{false, false}},
		{Name: "kmod-foo", Kmods: []string{"kmod-foo-1.0-1.el9.x86_64", "kmod-foo-1:1.1-1.el9.x86_64"}, Installable: []bool{true, true}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Names() = %+v, want %+v", got, want)
	}
	for nevra, name := range map[string]string{"kmod-foo-1:2.0-1.el9.x86_64": "kmod-foo", "a-b-c-1-2.noarch": "a-b-c", "odd": "odd", "x-1.noarch": "x-1.noarch",
		"kmod-i40e-2.22.18-1.el8_6.x86_64": "kmod-i40e", "kmod-nvidia-560-560.35-1.noarch": "kmod-nvidia-560"} {
		if got := NameOf(nevra); got != name {
			t.Errorf("NameOf(%q) = %q, want %q", nevra, got, name)
		}
	}
}

// TestNamesInEveryFormat: the by-name answer shows in JSON, CSV, the table
// and Markdown (the HTML page embeds the JSON).
func TestNamesInEveryFormat(t *testing.T) {
	m := twoBuilds()
	var buf bytes.Buffer
	if err := WriteJSON(&buf, m); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Names []Name `json:"names"`
	}
	if err := json.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(doc.Names, m.Names()) {
		t.Errorf("JSON names = %+v, want %+v", doc.Names, m.Names())
	}
	// The contract's key names, as a script sees them.
	var raw struct {
		Names []map[string]any `json:"names"`
	}
	if err := json.Unmarshal(buf.Bytes(), &raw); err != nil || len(raw.Names) != 2 {
		t.Fatalf("names: %v %v", raw.Names, err)
	}
	var keys []string
	for k := range raw.Names[0] {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	if got := strings.Join(keys, ","); got != "installable,kmods,name" {
		t.Errorf("name keys = %s, want installable,kmods,name", got)
	}
	if back, err := ReadJSON(&buf, "m.json"); err != nil || !reflect.DeepEqual(back, m) {
		t.Errorf("names change what ReadJSON returns: %v", err)
	}

	buf.Reset()
	if err := WriteCSV(&buf, m); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	// kmod-foo-1.0 on kernel 2: the NEVRA fails, the name installs.
	if r := rows[4]; r[0] != "kmod-foo-1.0-1.el9.x86_64" || r[1] != "5.14.0-2.el9.x86_64" || r[2] != "false" || r[9] != "kmod-foo" || r[10] != "true" {
		t.Errorf("CSV row 4 = %v", r)
	}
	if r := rows[1]; r[9] != "kmod-bar" || r[10] != "false" {
		t.Errorf("CSV row 1 = %v", r)
	}

	buf.Reset()
	if err := WriteTable(&buf, m, false); err != nil {
		t.Fatal(err)
	}
	if !regexpLine(buf.String(), "kmod-foo (any)", "✓ ✓") || !regexpLine(buf.String(), "kmod-bar (any)", "✗ ✗") {
		t.Errorf("table lacks the by-name rows:\n%s", buf.String())
	}

	buf.Reset()
	if err := WriteMarkdown(&buf, m); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), "| kmod-foo | 2 | ✓ | ✓ |\n") || !strings.Contains(buf.String(), "| kmod-bar | 1 | ✗ | ✗ |\n") {
		t.Errorf("Markdown lacks the by-name table:\n%s", buf.String())
	}

	buf.Reset()
	if err := WriteHTML(&buf, m, "t"); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), `"names":[{"name":"kmod-bar"`) {
		t.Errorf("HTML's embedded JSON lacks names")
	}
}

// regexpLine reports whether a line starts with label and, spaces
// collapsed, ends with cells.
func regexpLine(out, label, cells string) bool {
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(l, label) && strings.HasSuffix(strings.Join(strings.Fields(l), " "), cells) {
			return true
		}
	}
	return false
}
