package rpmver

import (
	"strconv"
	"testing"

	"github.com/repoclosure/repoclosure/internal/testenv"
)

// TestVercmpRPMVectors runs rpm's own rpmvercmp vectors, the disabled
// oddities included (rpm's real rpmvercmp gives those results).
func TestVercmpRPMVectors(t *testing.T) {
	for _, file := range []string{"rpmvercmp.tsv", "rpmvercmp-oddities.tsv"} {
		for n, row := range testenv.Vectors(t, file) {
			if len(row) != 3 {
				t.Fatalf("%s:%d: want 3 fields, got %q", file, n+1, row)
			}
			want, err := strconv.Atoi(row[2])
			if err != nil {
				t.Fatalf("%s:%d: %v", file, n+1, err)
			}
			if got := Vercmp(row[0], row[1]); got != want {
				t.Errorf("%s:%d: Vercmp(%q, %q) = %d, want %d", file, n+1, row[0], row[1], got, want)
			}
		}
	}
}

func TestVercmpEdges(t *testing.T) {
	tests := []struct {
		a, b string
		want int
	}{
		{"", "", 0},
		{"", "1", -1},
		{"1", "", 1},
		{"", "~", 1},   // tilde sorts before the end
		{"", "^", -1},  // caret sorts after the end
		{"^", "~", 1},  // and caret after tilde
		{"1", "a", 1},  // digits beat letters
		{"a", "1", -1}, // ...from either side
		{"000", "0", 0},
		{"1.0", "1.0.0", -1},
		{"99999999999999999999999", "99999999999999999999998", 1}, // no integer overflow
		{"0x1234abcd", "0x1234abcd", 0},
		{"0x1234abcd", "0x1234abce", -1}, // kernel symbol CRCs: "0", "x", "1234", "abcd"
		{"0x9", "0x10", -1},
		{"A", "a", -1}, // letters compare as bytes
		{"1.0\x00", "1.0", 0},
	}
	for _, tt := range tests {
		if got := Vercmp(tt.a, tt.b); got != tt.want {
			t.Errorf("Vercmp(%q, %q) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
		if got := Vercmp(tt.b, tt.a); got != -tt.want {
			t.Errorf("Vercmp(%q, %q) = %d, want %d", tt.b, tt.a, got, -tt.want)
		}
	}
}

// TestVercmp checks the common-prefix shortcut against the plain scan.
func TestVercmp(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want int
	}{
		{"1.0", "1.0", 0}, {"1.0", "2.0", -1}, {"1.0~rc1", "1.0", -1}, {"1.0^git1", "1.0", 1},
		{"1.0^git1", "1.01", -1}, {"2.0", "2_0", 0}, {"0x1234abcd", "0x1234abce", -1}, {"1.a", "1.1", -1},
	} {
		if got := Vercmp(tc.a, tc.b); got != tc.want {
			t.Errorf("Vercmp(%q, %q) = %d, want %d", tc.a, tc.b, got, tc.want)
		}
		if got := vercmpFrom(tc.a, tc.b, 0); got != tc.want {
			t.Errorf("vercmpFrom(%q, %q, 0) = %d, want %d", tc.a, tc.b, got, tc.want)
		}
	}
}

func FuzzVercmpPrefixSkip(f *testing.F) {
	for _, s := range [][2]string{{"1.0", "1.0.1"}, {"0x1234abcd", "0x1234abce"}, {"1.0~rc1", "1.0^git"}, {"abc12", "abc3"}} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		if fast, full := Vercmp(a, b), vercmpFrom(a, b, 0); fast != full {
			t.Errorf("Vercmp(%q, %q) = %d with the common-prefix skip, %d without", a, b, fast, full)
		}
	})
}

func FuzzVercmp(f *testing.F) {
	for _, row := range testenv.Vectors(f, "rpmvercmp.tsv") {
		f.Add(row[0], row[1])
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		ab, ba := Vercmp(a, b), Vercmp(b, a)
		if ab < -1 || ab > 1 || ab != -ba {
			t.Errorf("Vercmp(%q, %q) = %d but Vercmp(%q, %q) = %d", a, b, ab, b, a, ba)
		}
		if Vercmp(a, a) != 0 {
			t.Errorf("Vercmp(%q, %q) != 0", a, a)
		}
	})
}

func TestSplitEVR(t *testing.T) {
	tests := []struct {
		evr, epoch, version, release string
		hasRelease                   bool
	}{
		{"", "", "", "", false},
		{"1.0", "", "1.0", "", false},
		{"1.0-1.el9", "", "1.0", "1.el9", true},
		{"2:1.0-1.el9", "2", "1.0", "1.el9", true},
		{"0:1.0-1", "0", "1.0", "1", true},
		{"10:1.0", "10", "1.0", "", false},
		{"1.2-3-4", "", "1.2-3", "4", true}, // the release starts after the last dash
		{"1.0-", "", "1.0", "", true},       // an empty release is still one
		{"a:1.0-1", "", "a:1.0", "1", true}, // libsolv: only digits make an epoch
		{":1.0", "", ":1.0", "", false},
		{"1a:1.0", "", "1a:1.0", "", false},
		{"0:1:2-3", "0", "1:2", "3", true}, // FormatEVR's "0:" before an epoch-like version
		{"1:", "1", "", "", false},
	}
	for _, tt := range tests {
		e, v, r := SplitEVR(tt.evr)
		if e != tt.epoch || v != tt.version || r != tt.release {
			t.Errorf("SplitEVR(%q) = %q, %q, %q; want %q, %q, %q", tt.evr, e, v, r, tt.epoch, tt.version, tt.release)
		}
		_, vr := SplitEpoch(tt.evr)
		if _, _, has := SplitRelease(vr); has != tt.hasRelease {
			t.Errorf("SplitRelease(%q) reports a release: %v, want %v", vr, has, tt.hasRelease)
		}
	}
}

func BenchmarkVercmp(b *testing.B) {
	var n int64
	for _, p := range testenv.EVRPairs {
		n += int64(len(p[0]) + len(p[1]))
	}
	b.SetBytes(n)
	b.ReportAllocs()
	for b.Loop() {
		for _, p := range testenv.EVRPairs {
			Vercmp(p[0], p[1])
		}
	}
}

func TestVercmpDoesNotAllocate(t *testing.T) {
	n := 0
	allocs := testing.AllocsPerRun(100, func() {
		for _, p := range testenv.EVRPairs {
			e, v, r := SplitEVR(p[1])
			n += Vercmp(p[0], p[1]) + len(e) + len(v) + len(r)
		}
	})
	if allocs != 0 {
		t.Errorf("Vercmp and SplitEVR allocate %v times per run, want 0", allocs)
	}
}
