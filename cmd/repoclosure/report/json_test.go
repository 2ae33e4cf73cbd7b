package report

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"strings"
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

// appendJSONString quotes as encoding/json does without HTML escaping,
// on every byte at every offset of the eight-byte fast path.
func TestAppendJSONString(t *testing.T) {
	specials := []string{"a", "kernel(", "0x", " ", "\"", "\\", "\x00", "\x1f", "\x20", "\x7f", "é", "\u2028", "\u2029", "\xff", "\xe2\x82", "<&>"}
	rng := rand.New(rand.NewPCG(5, 6))
	check := func(s string) {
		var want bytes.Buffer
		enc := json.NewEncoder(&want)
		enc.SetEscapeHTML(false)
		enc.Encode(s)
		if got := string(appendJSONString(nil, s)); got != strings.TrimSuffix(want.String(), "\n") {
			t.Fatalf("appendJSONString(%q) = %s, want %s", s, got, want.String())
		}
	}
	for c := range 256 {
		for at := range 17 {
			check(strings.Repeat("x", at) + string([]byte{byte(c)}) + strings.Repeat("y", 9))
		}
	}
	for range 20000 {
		var sb strings.Builder
		for range rng.IntN(12) {
			sb.WriteString(specials[rng.IntN(len(specials))])
		}
		check(sb.String())
	}
}
