package report

import (
	"bytes"
	"encoding/json"
	"testing"
)

// TestAppendCellMatchesEncoder: cells written directly are the bytes
// encoding/json writes, for strings that need every kind of escape.
func TestAppendCellMatchesEncoder(t *testing.T) {
	texts := []string{"", "kmod-foo-1.0-1.el8.x86_64", `q"uote\back`, "<html>&amp;", "ctl\x00\x01\b\f\n\r\t\x1f\x7f",
		"bad utf8 \xff\xfe end", "sep\u2028\u2029", "ünïcödé €", "kernel(napi_enable) = 0x1a2b3c4d", "\xe2\x80"}
	var cells []Cell
	for i, a := range texts {
		b := texts[(i+3)%len(texts)]
		cells = append(cells,
			Cell{Kmod: a, Kernel: b, Installable: true, Missing: []Missing{}},
			Cell{Kmod: b, Kernel: a, Missing: []Missing{{Dep: a, Reason: b}, {Dep: b, Reason: "crc-mismatch", KernelHas: a}}},
			Cell{Kmod: a, Kernel: a, Missing: nil})
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("    ", "  ")
	for i := range cells {
		buf.Reset()
		if err := enc.Encode(cells[i]); err != nil {
			t.Fatal(err)
		}
		want := bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
		if got := appendCell(nil, &cells[i]); !bytes.Equal(got, want) {
			t.Errorf("cell %d:\ngot  %s\nwant %s", i, got, want)
		}
	}
}
