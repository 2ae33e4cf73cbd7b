package repogen

import (
	"bufio"
	"bytes"
	"encoding/xml"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/repoclosure/repoclosure/internal/testenv"
)

var smallSeries = SeriesConfig{Seed: 7, Kernels: 10, Symbols: 2000, Kmods: 16, OtherPkgs: 30, MinorJumpAt: 4}

// symbolCRCs returns the kernel(SYM) = CRC provides of one build's
// kernel-core and kernel-modules, and fails on a symbol both provide.
func symbolCRCs(t *testing.T, core, mods Pkg) (all map[string]string, nCore int) {
	t.Helper()
	all = map[string]string{}
	for i, p := range []Pkg{core, mods} {
		for _, e := range p.Provides {
			if !strings.HasPrefix(e.Name, "kernel(") || !crcRE.MatchString(e.Ver) {
				continue
			}
			if _, dup := all[e.Name]; dup {
				t.Fatalf("%s: %s provided twice", p, e.Name)
			}
			all[e.Name] = e.Ver
			if i == 0 {
				nCore++
			}
		}
	}
	return all, nCore
}

var crcRE = regexp.MustCompile(`^0x[0-9a-f]{8}$`)

func findEntry(deps []Entry, name string) (Entry, bool) {
	for _, e := range deps {
		if e.Name == name {
			return e, true
		}
	}
	return Entry{}, false
}

func hasEntry(deps []Entry, want Entry) bool {
	return slices.Contains(deps, want)
}

var (
	gaRE = regexp.MustCompile(`^(\d+)\.el8$`)
	zRE  = regexp.MustCompile(`^(\d+)\.(\d+)\.(\d+)\.el8_(\d+)$`)
)

func atoi(t *testing.T, s string) int {
	t.Helper()
	n, err := strconv.Atoi(s)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestSeriesKernels(t *testing.T) {
	cfg := smallSeries
	s := NewSeries(cfg)
	if len(s.Builds) != cfg.Kernels || len(s.Kernels) != 3*cfg.Kernels {
		t.Fatalf("%d builds, %d kernel packages; want %d and %d", len(s.Builds), len(s.Kernels), cfg.Kernels, 3*cfg.Kernels)
	}
	wantGA := []int{305, 348, 372}
	var prev map[string]string
	var prevZ [2]int
	stable := map[string]string{}
	for _, k := range s.StableList {
		stable["kernel("+k.Name+")"] = crcString(k.CRC)
	}
	if want := cfg.Symbols * 4 / 100; len(s.StableList) != want {
		t.Errorf("stable list has %d symbols, want 4%% of %d = %d", len(s.StableList), cfg.Symbols, want)
	}
	for b, build := range s.Builds {
		rel := build.Release
		// Releases: a GA build opens each minor, z-streams count up after it.
		if b%cfg.MinorJumpAt == 0 {
			m := gaRE.FindStringSubmatch(rel)
			if m == nil || atoi(t, m[1]) != wantGA[b/cfg.MinorJumpAt] || build.Minor != b/cfg.MinorJumpAt {
				t.Errorf("build %d: release %q minor %d, want %d.el8", b, rel, build.Minor, wantGA[b/cfg.MinorJumpAt])
			}
			prevZ = [2]int{}
		} else {
			m := zRE.FindStringSubmatch(rel)
			z := [2]int{}
			if m != nil {
				z = [2]int{atoi(t, m[2]), atoi(t, m[3])}
			}
			if m == nil || atoi(t, m[1]) != wantGA[b/cfg.MinorJumpAt] || atoi(t, m[4]) != 4+b/cfg.MinorJumpAt || !(z[0] > prevZ[0]) {
				t.Errorf("build %d: release %q after z-stream %v", b, rel, prevZ)
			}
			prevZ = z
		}

		meta, core, mods := s.Kernels[3*b], s.Kernels[3*b+1], s.Kernels[3*b+2]
		src := "kernel-4.18.0-" + rel + ".src.rpm"
		for i, p := range []Pkg{meta, core, mods} {
			want := []string{"kernel", "kernel-core", "kernel-modules"}[i]
			if p.Name != want || p.Ver != "4.18.0" || p.Rel != rel || p.Arch != "x86_64" || p.SourceRPM != src {
				t.Errorf("build %d package %d = %v from %s, want %s-4.18.0-%s from %s", b, i, p, p.SourceRPM, want, rel, src)
			}
			if !slices.IsSortedFunc(p.Provides, func(a, b Entry) int { return strings.Compare(a.Name, b.Name) }) {
				t.Errorf("%v: provides are not sorted", p)
			}
		}
		uname := rel + ".x86_64"
		for _, want := range []Entry{{Name: "installonlypkg(kernel)"}, eq("kernel", "4.18.0", rel), eq("kernel-uname-r", "4.18.0", uname),
			eq("kernel-core-uname-r", "4.18.0", uname), eq("kernel(x86-64)", "4.18.0", rel)} {
			if !hasEntry(core.Provides, want) {
				t.Errorf("%v does not provide %+v", core, want)
			}
		}
		if !hasEntry(mods.Provides, eq("kernel-modules-uname-r", "4.18.0", uname)) || !hasEntry(mods.Requires, eq("kernel-uname-r", "4.18.0", uname)) {
			t.Errorf("%v: wrong uname-r provides or requires", mods)
		}
		if !hasEntry(meta.Requires, eq("kernel-core-uname-r", "4.18.0", uname)) || !hasEntry(meta.Requires, eq("kernel-modules-uname-r", "4.18.0", uname)) {
			t.Errorf("%v: requires %+v", meta, meta.Requires)
		}

		crcs, nCore := symbolCRCs(t, core, mods)
		if b == 0 && len(crcs) != cfg.Symbols {
			t.Errorf("first build has %d symbols, want %d", len(crcs), cfg.Symbols)
		}
		if share := float64(len(crcs)-nCore) / float64(len(crcs)); share < 0.1 || share > 0.3 {
			t.Errorf("build %d: kernel-modules has %.2f of the symbols, want about 0.2", b, share)
		}
		for name, crc := range stable {
			if crcs[name] != crc {
				t.Errorf("build %d: stable %s = %q, stable list says %s", b, name, crcs[name], crc)
			}
		}
		if prev != nil {
			changed, common, removed, added := 0, 0, 0, 0
			for name, crc := range prev {
				now, ok := crcs[name]
				switch {
				case !ok:
					removed++
				case stable[name] != "":
				case now != crc:
					changed++
					common++
				default:
					common++
				}
			}
			for name := range crcs {
				if _, ok := prev[name]; !ok {
					added++
				}
			}
			if b%cfg.MinorJumpAt == 0 {
				if f := float64(changed) / float64(common); f < 0.25 || f > 0.42 {
					t.Errorf("minor jump to build %d changed %.2f of the CRCs, want about 1/3", b, f)
				}
				if added < cfg.Symbols/100 {
					t.Errorf("minor jump to build %d added %d symbols, want at least 1%%", b, added)
				}
			} else if changed > 5 || removed > 3 || added > cfg.Symbols/300+2 {
				t.Errorf("z-stream build %d: %d CRCs changed, %d symbols removed, %d added", b, changed, removed, added)
			}
		}
		prev = crcs
	}
}

func TestSeriesKmods(t *testing.T) {
	cfg := smallSeries
	s := NewSeries(cfg)
	if len(s.Kmods) != cfg.Kmods {
		t.Fatalf("%d kmods, want %d", len(s.Kmods), cfg.Kmods)
	}
	byRelease := map[string]map[string]string{}
	for b, build := range s.Builds {
		byRelease[build.Release], _ = symbolCRCs(t, s.Kernels[3*b+1], s.Kernels[3*b+2])
	}
	stable := map[string]bool{}
	for _, k := range s.StableList {
		stable["kernel("+k.Name+")"] = true
	}
	ksyms := map[string]string{}
	provided := map[string]bool{}
	for _, list := range [][]Pkg{s.Kernels, s.Kmods, s.Others} {
		for _, p := range list {
			for _, e := range p.Provides {
				provided[e.Name] = true
				if strings.HasPrefix(e.Name, "ksym(") {
					ksyms[e.Name] = e.Ver
				}
			}
			for _, f := range p.Files {
				provided[f] = true
			}
		}
	}
	kinds := map[string]int{}
	lastRel := map[string]string{}
	for _, p := range s.Kmods {
		base := strings.TrimPrefix(p.Name, "kmod-")
		if base == p.Name || p.SourceRPM != base+"-kmod-"+p.Ver+"-"+p.Rel+".src.rpm" {
			t.Errorf("%v from %s: want kmod-NAME from NAME-kmod-...src.rpm", p, p.SourceRPM)
		}
		if last, ok := lastRel[p.Name]; ok && p.Rel <= last {
			t.Errorf("%v: release does not rise after %s", p, last)
		}
		lastRel[p.Name] = p.Rel
		if _, ok := findEntry(p.Requires, "/usr/sbin/depmod"); !ok {
			t.Errorf("%v does not require /usr/sbin/depmod", p)
		}
		var nSym, nStable int
		var crcs map[string]string
		if pin, ok := findEntry(p.Requires, "kernel-uname-r"); ok {
			kinds["pinned"]++
			rel, found := strings.CutSuffix(pin.Rel, ".x86_64")
			if _, known := byRelease[rel]; !found || !known || pin.Flags != "EQ" {
				t.Errorf("%v pins %+v, not a build of the series", p, pin)
			}
		} else if k, ok := findEntry(p.Requires, "kernel"); ok && k.Flags == "GE" {
			kinds["kabi"]++
			crcs = byRelease[k.Rel]
			if crcs == nil {
				t.Errorf("%v requires kernel >= %s, not a build of the series", p, k.Rel)
			}
			if _, ok := findEntry(p.Requires, "/usr/sbin/weak-modules"); !ok {
				t.Errorf("%v does not require /usr/sbin/weak-modules", p)
			}
		} else {
			t.Errorf("%v neither tracks the kABI nor pins a kernel: %+v", p, p.Requires)
		}
		for _, e := range p.Requires {
			switch {
			case strings.HasPrefix(e.Name, "kernel("):
				nSym++
				if stable[e.Name] {
					nStable++
				}
				if crcs == nil || e.Flags != "EQ" || crcs[e.Name] != e.Ver {
					t.Errorf("%v requires %s = %s; its kernel provides %q", p, e.Name, e.Ver, crcs[e.Name])
				}
			case strings.HasPrefix(e.Name, "ksym("):
				kinds["ksym"]++
				if ksyms[e.Name] != e.Ver {
					t.Errorf("%v requires %s = %s; kmods provide %q", p, e.Name, e.Ver, ksyms[e.Name])
				}
			case !provided[e.Name]:
				kinds["unresolved"]++
			}
		}
		if crcs != nil && (nSym < 10 || nSym > 200 || nStable*2 < nSym || nStable == nSym) {
			t.Errorf("%v requires %d kernel symbols, %d of them stable: want 20-200, mostly but not only stable", p, nSym, nStable)
		}
	}
	for _, k := range []string{"kabi", "pinned", "ksym", "unresolved"} {
		if kinds[k] == 0 {
			t.Errorf("no kmod of kind %s (%v)", k, kinds)
		}
	}
	if kinds["unresolved"] > cfg.Kmods/3 {
		t.Errorf("%d kmods with unresolved deps, want a few", kinds["unresolved"])
	}
}

func TestSeriesDeterministic(t *testing.T) {
	a, b := NewSeries(smallSeries), NewSeries(smallSeries)
	if !reflect.DeepEqual(a, b) {
		t.Fatal("the same config gave two different series")
	}
	other := smallSeries
	other.Seed++
	if c := NewSeries(other); reflect.DeepEqual(a.StableList, c.StableList) || reflect.DeepEqual(a.Kmods, c.Kmods) {
		t.Error("another seed gave the same series")
	}
	k1, m1, o1 := KernelSeries(smallSeries)
	if !reflect.DeepEqual(k1, a.Kernels) || !reflect.DeepEqual(m1, a.Kmods) || !reflect.DeepEqual(o1, a.Others) {
		t.Error("KernelSeries differs from NewSeries")
	}
}

// TestSeriesDNF checks with dnf repoclosure that the kernels and ordinary
// packages close, and that the kmods' unresolved deps are exactly those
// whose names nothing provides: every generated CRC and version matches.
func TestSeriesDNF(t *testing.T) {
	d := newDNF(t)
	cfg := SeriesConfig{Seed: 3, Kernels: 6, Symbols: 1500, Kmods: 12, OtherPkgs: 25, MinorJumpAt: 3}
	s := NewSeries(cfg)
	dir := t.TempDir()
	if err := s.Write(dir, Gzip); err != nil {
		t.Fatal(err)
	}
	kernels, kmods := "k="+filepath.Join(dir, "kernels"), "m="+filepath.Join(dir, "kmods")
	if got := d.repoclosure([]string{kernels}); len(got) != 0 {
		t.Errorf("kernels repo does not close: %v", got)
	}
	provided := map[string]bool{}
	for _, list := range [][]Pkg{s.Kernels, s.Kmods, s.Others} {
		for _, p := range list {
			for _, e := range p.Provides {
				provided[e.Name] = true
			}
			for _, f := range p.Files {
				provided[f] = true
			}
		}
	}
	want := map[string][]string{}
	for _, p := range s.Kmods {
		for _, e := range p.Requires {
			if !provided[e.Name] {
				want[p.String()] = append(want[p.String()], e.Name)
			}
		}
	}
	if len(want) == 0 {
		t.Fatal("no kmod with an unresolved dep; the test would prove nothing")
	}
	got := d.repoclosure([]string{kernels, kmods}, "--check", "m")
	if !reflect.DeepEqual(got, want) {
		t.Errorf("dnf repoclosure = %v, want %v", got, want)
	}
}

var kabiLineRE = regexp.MustCompile(`^0x[0-9a-f]{8}\t[A-Za-z0-9_]+\t(vmlinux|[a-z0-9_/-]+)\tEXPORT_SYMBOL(_GPL)?$`)

// checkKABIFormat checks the lines of a Module.kabi_<arch> style list and
// returns its symbols.
func checkKABIFormat(t *testing.T, name string, data []byte) []string {
	t.Helper()
	var syms []string
	sc := bufio.NewScanner(bytes.NewReader(data))
	for n := 1; sc.Scan(); n++ {
		if !kabiLineRE.MatchString(sc.Text()) {
			t.Fatalf("%s:%d: %q is not CRC<TAB>symbol<TAB>module<TAB>EXPORT_SYMBOL[_GPL]", name, n, sc.Text())
		}
		syms = append(syms, strings.Split(sc.Text(), "\t")[1])
	}
	if !bytes.HasSuffix(data, []byte("\n")) {
		t.Errorf("%s: no final newline", name)
	}
	return syms
}

// TestStableListFormat holds our list to the format of RHEL's real
// Module.kabi_x86_64: the same line grammar and sorting.
func TestStableListFormat(t *testing.T) {
	real := testenv.SharedData(t, "kabi", "el-8.8", "Module.kabi_x86_64")
	data, err := os.ReadFile(real)
	if err != nil {
		t.Fatal(err)
	}
	if syms := checkKABIFormat(t, real, data); len(syms) != 756 || !slices.IsSorted(syms) {
		t.Fatalf("%s: %d symbols, sorted %v; the real list has 756, sorted", real, len(syms), slices.IsSorted(syms))
	}

	s := NewSeries(smallSeries)
	dir := t.TempDir()
	if err := s.Write(dir, Zstd); err != nil {
		t.Fatal(err)
	}
	ours, err := os.ReadFile(filepath.Join(dir, "kabi_stablelist_x86_64"))
	if err != nil {
		t.Fatal(err)
	}
	syms := checkKABIFormat(t, "kabi_stablelist_x86_64", ours)
	if len(syms) != len(s.StableList) || !slices.IsSorted(syms) {
		t.Errorf("our list: %d symbols (want %d), sorted %v", len(syms), len(s.StableList), slices.IsSorted(syms))
	}
	if !bytes.Contains(ours, []byte("\tvmlinux\tEXPORT_SYMBOL\n")) || !bytes.Contains(ours, []byte("\tEXPORT_SYMBOL_GPL\n")) {
		t.Error("our list lacks vmlinux or GPL exports")
	}
}

// TestSeriesOddConfigs runs corner configurations: they must finish and
// give packages that WriteRepo accepts.
func TestSeriesOddConfigs(t *testing.T) {
	tests := []struct {
		name                      string
		cfg                       SeriesConfig
		kernels, kmods, minOthers int
	}{
		{"one tiny build", SeriesConfig{Kernels: 1, Symbols: 5, Kmods: 3, OtherPkgs: 1}, 3, 3, 10},
		{"no kmods, no others", SeriesConfig{Kernels: 2, Symbols: 50, Kmods: -1, OtherPkgs: -1}, 6, 0, 0},
		{"a minor every build", SeriesConfig{Kernels: 12, Symbols: 300, MinorJumpAt: 1, Kmods: 5, OtherPkgs: 12}, 36, 5, 12},
		{"negative sizes", SeriesConfig{Kernels: -3, Symbols: -1, MinorJumpAt: -2, Kmods: 2, OtherPkgs: 11}, 3, 2, 11},
		{"aarch64", SeriesConfig{Kernels: 3, Symbols: 400, Arch: "aarch64", Kmods: 4, OtherPkgs: 20}, 9, 4, 20},
		{"many others", SeriesConfig{Kernels: 1, Symbols: 100, Kmods: 1, OtherPkgs: 5000}, 3, 1, 5000},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := NewSeries(tt.cfg)
			if len(s.Kernels) != tt.kernels || len(s.Kmods) != tt.kmods || len(s.Others) < tt.minOthers {
				t.Errorf("%d kernels, %d kmods, %d others; want %d, %d, at least %d", len(s.Kernels), len(s.Kmods), len(s.Others), tt.kernels, tt.kmods, tt.minOthers)
			}
			names := map[string]bool{}
			for _, list := range [][]Pkg{s.Kernels, s.Kmods, s.Others} {
				for i := range list {
					if err := validatePkg(&list[i]); err != nil {
						t.Fatalf("%v: %v", list[i], err)
					}
					if names[list[i].String()] {
						t.Errorf("%v twice", list[i])
					}
					names[list[i].String()] = true
				}
			}
			if tt.cfg.Arch == "aarch64" && !hasEntry(s.Kernels[1].Provides, eq("kernel(aarch-64)", "4.18.0", s.Builds[0].Release)) {
				t.Errorf("aarch64 kernel-core lacks kernel(aarch-64): %v", s.Kernels[1].Provides[:8])
			}
		})
	}
}

// BenchmarkEL8Series generates and writes the EL8 scale the brief names:
// 60 kernels x 20,000 symbols, 120 kmods, 3,000 others, xz.
func BenchmarkEL8Series(b *testing.B) {
	cfg := SeriesConfig{Seed: 1, Kernels: 60, Symbols: 20000, Kmods: 120, OtherPkgs: 3000, MinorJumpAt: 8}
	dir := b.TempDir()
	for b.Loop() {
		if err := NewSeries(cfg).Write(dir, XZ); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	var size int64
	for _, repo := range []string{"kernels", "kmods"} {
		for _, d := range readRepomdB(b, filepath.Join(dir, repo)).Data {
			size += d.OpenSize
		}
	}
	b.SetBytes(size)
}

func readRepomdB(b *testing.B, dir string) repomdXML {
	data, err := os.ReadFile(filepath.Join(dir, "repodata", "repomd.xml"))
	if err != nil {
		b.Fatal(err)
	}
	var md repomdXML
	if err := xml.Unmarshal(data, &md); err != nil {
		b.Fatal(err)
	}
	return md
}
