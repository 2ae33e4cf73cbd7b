package resolver

import (
	"bufio"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/repoclosure/repoclosure/internal/rpmver"
	"github.com/repoclosure/repoclosure/internal/testenv"
)

func TestCompareEVR(t *testing.T) {
	tests := []struct {
		a, b string
		want int
	}{
		{"1.0-1", "1.0-1", 0},
		{"1.0-1", "1.0-2", -1},
		{"1.0-10", "1.0-9", 1},
		{"0:1.0-1", "1.0-1", 0}, // missing epoch = 0
		{"00:1.0-1", "1.0-1", 0},
		{"1:1.0-1", "2.0-1", 1}, // epoch first
		{"1:1.0-1", "2:0.1-1", -1},
		{"2.0-1", "1:1.0-1", -1},
		{"1.0", "1.0-1", -1}, // a missing release is older (EVRCMP_COMPARE)
		{"1.0-1", "1.0", 1},
		{"1.0~rc1-1", "1.0-1", -1},
		{"5.14.0-55.el9", "5.14.0-70.el9", -1},
		{"4.18.0-477.27.1.el8_8", "4.18.0-477.13.1.el8_8", 1},
		{"1.2-3-4", "1.2-3-5", -1}, // the release starts after the last dash
		{"a:1.0", "1.0", -1},       // not an epoch: the letter run "a" is older than "1"
	}
	for _, tt := range tests {
		if got := CompareEVR(tt.a, tt.b); got != tt.want {
			t.Errorf("CompareEVR(%q, %q) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
		if got := CompareEVR(tt.b, tt.a); got != -tt.want {
			t.Errorf("CompareEVR(%q, %q) = %d, want %d", tt.b, tt.a, got, -tt.want)
		}
	}
}

// askRPM runs a Python script that reads TAB-separated lines on stdin and
// prints one answer per line.
func askRPM(t *testing.T, script string, lines []string) []string {
	t.Helper()
	cmd := testenv.Command(t, testenv.Python(t, "rpm"), "-c", script)
	cmd.Stdin = strings.NewReader(strings.Join(lines, "\n") + "\n")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("python3 rpm oracle: %v", err)
	}
	var answers []string
	sc := bufio.NewScanner(strings.NewReader(string(out)))
	for sc.Scan() {
		answers = append(answers, sc.Text())
	}
	if len(answers) != len(lines) {
		t.Fatalf("python3 rpm oracle answered %d of %d questions", len(answers), len(lines))
	}
	return answers
}

// randomVersion builds version strings from the pieces rpmvercmp treats
// specially: digit runs with leading zeros, letters, separators, '~', '^'
// and non-ASCII bytes.
func randomVersion(r *rand.Rand) string {
	pieces := []string{"0", "1", "2", "9", "10", "007", "a", "b", "Z", "rc", ".", ".", "_", "+", "~", "^", "é"}
	var b strings.Builder
	for n := r.IntN(6); n >= 0; n-- {
		b.WriteString(pieces[r.IntN(len(pieces))])
	}
	return b.String()
}

// TestVercmpAgainstRPM compares rpmver.Vercmp with rpm's own rpmvercmp (through
// labelCompare with equal epochs and releases) on generated versions.
func TestVercmpAgainstRPM(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	var lines []string
	for range 3000 {
		a, b := randomVersion(r), randomVersion(r)
		switch r.IntN(4) { // pairs with a common prefix exercise the prefix skip and the tails
		case 0:
			b = a + randomVersion(r)
		case 1:
			b, a = a+b, a+randomVersion(r)
		}
		lines = append(lines, a+"\t"+b)
	}
	const script = `
import rpm, sys
for line in sys.stdin.read().split("\n")[:-1]:
    a, b = line.split("\t")
    print(rpm.labelCompare(("0", a, "1"), ("0", b, "1")))
`
	answers := askRPM(t, script, lines)
	for k, line := range lines {
		a, b, _ := strings.Cut(line, "\t")
		if got := fmt.Sprint(rpmver.Vercmp(a, b)); got != answers[k] {
			t.Errorf("Vercmp(%q, %q) = %s, rpm says %s", a, b, got, answers[k])
		}
	}
}

func FuzzCompareEVR(f *testing.F) {
	for _, s := range [][2]string{{"1:1.0-1", "2.0-1"}, {"1.0", "1.0-1"}, {"a:1.0", "1.0"}, {"1.0~rc1-1", "1.0-1"}, {"00:1-", "0:1"}} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		if c := CompareEVR(a, b); c < -1 || c > 1 || c != -CompareEVR(b, a) {
			t.Errorf("CompareEVR(%q, %q) = %d is not antisymmetric", a, b, c)
		}
		if CompareEVR(a, a) != 0 {
			t.Errorf("CompareEVR(%q, %q) != 0", a, a)
		}
	})
}

func BenchmarkCompareEVR(b *testing.B) {
	var n int64
	for _, p := range testenv.EVRPairs {
		n += int64(len(p[0]) + len(p[1]))
	}
	b.SetBytes(n)
	b.ReportAllocs()
	for b.Loop() {
		for _, p := range testenv.EVRPairs {
			CompareEVR(p[0], p[1])
		}
	}
}

func TestCompareEVRDoesNotAllocate(t *testing.T) {
	allocs := testing.AllocsPerRun(100, func() {
		for _, p := range testenv.EVRPairs {
			CompareEVR(p[0], p[1])
		}
	})
	if allocs != 0 {
		t.Errorf("CompareEVR allocates %v times per run, want 0", allocs)
	}
}
