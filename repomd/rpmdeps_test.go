package repomd

import (
	"testing"
)

func TestSplitDepEVR(t *testing.T) {
	for _, c := range []struct {
		in                      string
		epoch, version, release string
		ok                      bool
	}{
		{"", "", "", "", true},
		{"1.0", "0", "1.0", "", true},
		{"1.0-1.el9", "0", "1.0", "1.el9", true},
		{"2:1.0-1", "2", "1.0", "1", true},
		{"0:3.0", "0", "3.0", "", true},
		{"1.0-2-3", "0", "1.0", "2-3", true}, // the first dash splits
		{"1.0-", "0", "1.0", "", true},
		{":1.0", "0", "1.0", "", true},     // empty epoch: strtol reads nothing, as far as the colon
		{" 7:1.0", " 7", "1.0", "", true},  // strtol skips blanks
		{"+7:1.0", "+7", "1.0", "", true},  // and takes a sign
		{"abc:1.0", "", "", "", false},     // non-numeric: skipped
		{"1a:1.0", "", "", "", false},      // partly numeric
		{" :1.0", "", "", "", false},       // blanks only
		{"1:2:3-4", "1", "2:3", "4", true}, // the first colon splits
		{"1.0-1:2", "", "", "", false},     // a colon after the dash still counts as epoch
	} {
		e, v, r, ok := splitDepEVR(c.in)
		if e != c.epoch || v != c.version || r != c.release || ok != c.ok {
			t.Errorf("splitDepEVR(%q) = %q %q %q %v, want %q %q %q %v", c.in, e, v, r, ok, c.epoch, c.version, c.release, c.ok)
		}
	}
}

func TestFlagString(t *testing.T) {
	for flags, want := range map[uint64]string{
		0: "", 2: "LT", 4: "GT", 8: "EQ", 10: "LE", 12: "GE",
		6: "", 14: "", 1: "", 9: "", // LESS|GREATER and stray bit 0 have no name
		8 | 1<<9 | 1<<24: "EQ", // other bits do not count
	} {
		if got := flagString(flags); got != want {
			t.Errorf("flagString(%#x) = %q, want %q", flags, got, want)
		}
	}
}

func TestCompareLibcDep(t *testing.T) {
	for _, c := range []struct {
		a, b string
		want int
	}{
		{"libc.so.6(GLIBC_2.14)(64bit)", "libc.so.6(GLIBC_2.3.4)(64bit)", 1},
		{"libc.so.6(GLIBC_2.3.4)(64bit)", "libc.so.6(GLIBC_2.14)(64bit)", 2},
		{"libc.so.6(GLIBC_2.14)(64bit)", "libc.so.6(GLIBC_2.14)", 0},
		{"libc.so.6()(64bit)", "libc.so.6(GLIBC_2.2.5)(64bit)", 2},
		{"libc.so.6(GLIBC_2.2.5)(64bit)", "libc.so.6()(64bit)", 1},
		{"libc.so.6()(64bit)", "libc.so.6()", 0},
		{"libc.so.6", "libc.so.6(GLIBC_2.2.5)", 2},
		{"libc.so.6(GLIBC_2.2.5)", "libc.so.6", 1},
		{"libc.so.6", "libc.so.6.1", 0},
		{"libc.so.6(GLIBC", "libc.so.6(X", -1},
		{"libc.so.6(GLIBC", "libc.so.6(GLIBC_2.1)", 2},
		{"libc.so.6(GLIBC_2.1)", "libc.so.6(GLIBC", 1},
		{"libc.so.6(GLIBC_PRIVATE)", "libc.so.6(GLIBC_2.1)", 2}, // no digit inside the parentheses
		{"libc.so.6(GLIBC_2.1)", "libc.so.6(GLIBC_PRIVATE)(64bit)", 1},
		{"libc.so.6(GLIBC_PRIVATE)", "libc.so.6(X)(64bit)", 0},
	} {
		if got := compareLibcDep(c.a, c.b); got != c.want {
			t.Errorf("compareLibcDep(%q, %q) = %d, want %d", c.a, c.b, got, c.want)
		}
	}
}
