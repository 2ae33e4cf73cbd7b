package report

import (
	"bytes"
	"strings"
	"testing"
)

func TestTermSafe(t *testing.T) {
	tests := []struct{ in, want string }{
		{"kmod-foo-1.0-1.el8.x86_64", "kmod-foo-1.0-1.el8.x86_64"},
		{"naïve-名前", "naïve-名前"},
		{"evil\x1b[2J", `evil\x1b[2J`},
		{"a\nb\tc\rd", `a\nb\tc\rd`},
		{"del\x7f", `del\x7f`},
		{"csi\u009b31m", `csi\u009b31m`},
		{"bad\xffutf8", `bad\xffutf8`},
		{"nul\x00", `nul\x00`},
	}
	for _, tt := range tests {
		if got := TermSafe(tt.in); got != tt.want {
			t.Errorf("TermSafe(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// The baseline diff shows a control character as the escape a terminal
// user can read (\x1b), never raw.
func TestWriteDiffEscapes(t *testing.T) {
	d := Diff{NewKernels: []string{"k\x1b[2J"}, NewKmods: []string{"m\x07"},
		Regressions: []Regression{{Kmod: "kmod-\x1b", Kernel: "k\x1b[2J", Previous: "p", WorksOnPrevious: []string{"kmod-\x1b-1"},
			Missing: map[string][]Missing{"kmod-\x1b-1": {{Dep: "kernel(x\u009b) = 0x1", Reason: ReasonUnknownSymbol}}}}}}
	var buf bytes.Buffer
	if err := WriteDiff(&buf, d); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	if strings.ContainsAny(out, "\x1b\x07\u009b\ufffd") {
		t.Errorf("raw or replaced control characters in the diff:\n%q", out)
	}
	for _, want := range []string{`  k\x1b[2J` + "\n", `  m\a` + "\n", `  kmod-\x1b on k\x1b[2J (installed on p: kmod-\x1b-1):`, `    kmod-\x1b-1:`, `      kernel(x\u009b) = 0x1: unknown-symbol`} {
		if !strings.Contains(out, want) {
			t.Errorf("diff lacks %q:\n%s", want, out)
		}
	}
}
