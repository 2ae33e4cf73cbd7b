package resolver

import (
	"bufio"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/repoclosure/repoclosure/internal/testenv"
)

// readTSV returns the TAB-separated fields of every non-empty line of
// testdata/name.
func readTSV(t testing.TB, name string) [][]string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	var rows [][]string
	for _, line := range strings.Split(string(data), "\n") {
		if line == "" {
			continue
		}
		rows = append(rows, strings.Split(line, "\t"))
	}
	if len(rows) == 0 {
		t.Fatalf("testdata/%s has no vectors", name)
	}
	return rows
}

func TestVercmpRPMVectors(t *testing.T) {
	for _, file := range []string{"rpmvercmp.tsv", "rpmvercmp-oddities.tsv"} {
		for n, row := range readTSV(t, file) {
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

// TestVercmpAgainstRPM compares Vercmp with rpm's own rpmvercmp (through
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
		if got := fmt.Sprint(Vercmp(a, b)); got != answers[k] {
			t.Errorf("Vercmp(%q, %q) = %s, rpm says %s", a, b, got, answers[k])
		}
	}
}

func FuzzVercmp(f *testing.F) {
	for _, row := range readTSV(f, "rpmvercmp.tsv") {
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
		if c := CompareEVR(a, b); c != -CompareEVR(b, a) {
			t.Errorf("CompareEVR(%q, %q) = %d is not antisymmetric", a, b, c)
		}
	})
}

// benchPairs are the comparisons a kmod x kernel matrix makes by the
// million: kernel(sym) CRCs, then typical EVRs.
var benchPairs = [][2]string{
	{"0x1234abcd", "0x1234abcd"},
	{"0x1234abcd", "0x1234abce"},
	{"0x8e5a4b21", "0x0c6f1f5d"},
	{"5.14.0-55.el9", "5.14.0-70.13.1.el9_0"},
	{"4.18.0-477.27.1.el8_8", "4.18.0-513.5.1.el8_9"},
	{"1.0~rc1^git20220101", "1.0~rc1^git20220102"},
}

func BenchmarkVercmp(b *testing.B) {
	var n int64
	for _, p := range benchPairs {
		n += int64(len(p[0]) + len(p[1]))
	}
	b.SetBytes(n)
	b.ReportAllocs()
	for b.Loop() {
		for _, p := range benchPairs {
			Vercmp(p[0], p[1])
		}
	}
}

func BenchmarkCompareEVR(b *testing.B) {
	var n int64
	for _, p := range benchPairs {
		n += int64(len(p[0]) + len(p[1]))
	}
	b.SetBytes(n)
	b.ReportAllocs()
	for b.Loop() {
		for _, p := range benchPairs {
			CompareEVR(p[0], p[1])
		}
	}
}

func TestVercmpDoesNotAllocate(t *testing.T) {
	allocs := testing.AllocsPerRun(100, func() {
		for _, p := range benchPairs {
			Vercmp(p[0], p[1])
			CompareEVR(p[0], p[1])
		}
	})
	if allocs != 0 {
		t.Errorf("Vercmp and CompareEVR allocate %v times per run, want 0", allocs)
	}
}
