package rpmver

import "testing"

// rpm's vectors are tests of resolver.Vercmp, which is this function; here,
// the common-prefix shortcut is checked against the plain scan.
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
