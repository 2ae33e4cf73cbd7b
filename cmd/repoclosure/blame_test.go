package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/repoclosure/repoclosure/cmd/repoclosure/report"
	"github.com/repoclosure/repoclosure/internal/repogen"
	"github.com/repoclosure/repoclosure/internal/testenv"
	"github.com/repoclosure/repoclosure/resolver"
)

// runJSON runs the CLI and decodes its JSON output into v.
func runJSON(t *testing.T, v any, args ...string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	if code := run(context.Background(), args, &stdout, &stderr); code != exitClosed {
		t.Fatalf("%v: exit %d: %s", args, code, stderr.String())
	}
	if err := json.Unmarshal(stdout.Bytes(), v); err != nil {
		t.Fatalf("%v: %v", args, err)
	}
}

// symbolOf is SYM of a "kernel(SYM)..." dep or provide name, or "".
func symbolOf(dep string) string {
	rest, ok := strings.CutPrefix(dep, "kernel(")
	if !ok {
		return ""
	}
	sym, _, ok := strings.Cut(rest, ")")
	if !ok {
		return ""
	}
	return sym
}

func nevra(p repogen.Pkg) string {
	evr := p.Ver + "-" + p.Rel
	if p.Epoch != "" && p.Epoch != "0" {
		evr = p.Epoch + ":" + evr
	}
	return p.Name + "-" + evr + "." + p.Arch
}

// TestBlameAgreesWithGenerated: series --symbols on a generated series equals
// a count made here from the generator's own packages (who requires which
// kernel(SYM); each build's CRCs; the stable list) and from the matrix JSON of
// the same repositories (the cells where kernel(SYM) is missing).
func TestBlameAgreesWithGenerated(t *testing.T) {
	dir := t.TempDir()
	s := repogen.NewSeries(repogen.SeriesConfig{Seed: 5, Kernels: 9, Symbols: 1500, Kmods: 40, MinorJumpAt: 3})
	if err := s.Write(dir, repogen.Gzip); err != nil {
		t.Fatal(err)
	}
	common := []string{"-q", "--setopt=reposdir=/nonexistent", "--cachedir", filepath.Join(dir, "cache"),
		"--repofrompath", "kernels," + filepath.Join(dir, "kernels"), "--repofrompath", "kmods," + filepath.Join(dir, "kmods"),
		"--repo", "kernels", "--repo", "kmods"}
	var got report.Series
	runJSON(t, &got, append([]string{"series", "--symbols", "--json", "--stablelist", filepath.Join(dir, "kabi_stablelist_x86_64")}, common...)...)
	var m report.Matrix
	runJSON(t, &m, append([]string{"matrix", "--format", "json"}, common...)...)

	inMatrix := map[string]bool{}
	for _, k := range m.Kmods {
		inMatrix[k.NEVRA] = true
	}
	consumers, names := map[string]map[string]bool{}, map[string]map[string]bool{}
	for _, p := range s.Kmods {
		if !inMatrix[nevra(p)] {
			t.Fatalf("generated kmod %s is not in the matrix", nevra(p))
		}
		for _, r := range p.Requires {
			if sym := symbolOf(r.Name); sym != "" {
				if consumers[sym] == nil {
					consumers[sym], names[sym] = map[string]bool{}, map[string]bool{}
				}
				consumers[sym][nevra(p)] = true
				names[sym][p.Name] = true
			}
		}
	}
	// Each build's CRCs, by uname, in the matrix's kernel order.
	crcs := map[string]map[string]string{}
	for _, p := range s.Kernels {
		uname := p.Ver + "-" + p.Rel + "." + p.Arch
		if crcs[uname] == nil {
			crcs[uname] = map[string]string{}
		}
		for _, pr := range p.Provides {
			if sym := symbolOf(pr.Name); sym != "" && strings.HasPrefix(pr.Ver, "0x") {
				crcs[uname][sym] = pr.Ver
			}
		}
	}
	breaks := map[string]int{}
	for _, c := range m.Cells {
		seen := map[string]bool{}
		for _, miss := range c.Missing {
			if sym := symbolOf(miss.Dep); sym != "" && !seen[sym] {
				seen[sym] = true
				breaks[sym]++
			}
		}
	}
	stable := map[string]bool{}
	for _, k := range s.StableList {
		stable[k.Name] = true
	}
	var want []report.SymbolBlame
	for sym, who := range consumers {
		on := stable[sym]
		b := report.SymbolBlame{Symbol: sym, Consumers: len(who), ConsumerNames: len(names[sym]), Stable: &on, ChangedIn: []string{}, Breaks: breaks[sym]}
		for j := 1; j < len(m.Kernels); j++ {
			was, inBefore := crcs[m.Kernels[j-1].Uname][sym]
			is, inNow := crcs[m.Kernels[j].Uname][sym]
			if inBefore != inNow || was != is {
				b.ChangedIn = append(b.ChangedIn, m.Kernels[j].Uname)
			}
		}
		want = append(want, b)
	}
	slices.SortFunc(want, func(a, b report.SymbolBlame) int {
		if a.Breaks != b.Breaks {
			return b.Breaks - a.Breaks
		}
		if a.Consumers != b.Consumers {
			return b.Consumers - a.Consumers
		}
		return strings.Compare(a.Symbol, b.Symbol)
	})
	if len(got.Symbols) != len(want) {
		t.Fatalf("%d symbols, want %d", len(got.Symbols), len(want))
	}
	for i := range want {
		g, w := got.Symbols[i], want[i]
		if g.Symbol != w.Symbol || g.Consumers != w.Consumers || g.ConsumerNames != w.ConsumerNames || g.Stable == nil || *g.Stable != *w.Stable ||
			g.Breaks != w.Breaks || strings.Join(g.ChangedIn, " ") != strings.Join(w.ChangedIn, " ") {
			t.Errorf("symbol %d:\n got %+v (stable %v)\nwant %+v (stable %v)", i, g, g.Stable, w, *w.Stable)
		}
	}
	// The fixture must exercise what is counted.
	multi, changed, broke := false, false, false
	for _, w := range want {
		multi = multi || w.ConsumerNames < w.Consumers
		changed = changed || len(w.ChangedIn) > 0
		broke = broke || w.Breaks > 0
	}
	if !multi || !changed || !broke {
		t.Errorf("the generated series proves too little: several builds of a name %t, a changed symbol %t, a break %t", multi, changed, broke)
	}
}

// el8Lists are the real RHEL 8 stable lists in build order, labelled
// BRANCH--kernel-NVR.
func el8Lists(t *testing.T) (labels, files []string) {
	t.Helper()
	dir := testenv.SharedData(t, "kabi", "el8-series")
	f, err := os.Open(filepath.Join(dir, "INDEX.txt"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	type entry struct{ branch, nvr string }
	var entries []entry
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) == 4 && fields[0] != "branch" {
			entries = append(entries, entry{fields[0], fields[1]})
		}
	}
	slices.SortStableFunc(entries, func(a, b entry) int {
		return resolver.CompareEVR(strings.TrimPrefix(a.nvr, "kernel-"), strings.TrimPrefix(b.nvr, "kernel-"))
	})
	for _, e := range entries {
		labels = append(labels, e.branch+"--"+e.nvr)
		files = append(files, filepath.Join(dir, e.branch+"--"+e.nvr+"--Module.kabi_x86_64"))
	}
	return labels, files
}

// sortedColumns writes the sorted lines of cut -f FIELDS of file, as the
// shell would (LC_ALL=C sort).
func sortedColumns(t *testing.T, file, fields string) string {
	t.Helper()
	cmd := testenv.Command(t, "sh", "-c", `cut -f "$1" "$2" | LC_ALL=C sort -u`, "sh", fields, file)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("cut | sort %s: %v", file, err)
	}
	name := filepath.Join(t.TempDir(), filepath.Base(file)+"."+fields)
	if err := os.WriteFile(name, out, 0o644); err != nil {
		t.Fatal(err)
	}
	return name
}

// TestStablelistEvolutionEL8 follows the real RHEL 8 stable lists of 81
// CentOS 8 / Stream 8 builds: series' symbols added, removed and CRC-changed
// per list equal comm(1) on the sorted lists, and the study's figures hold:
// 700 symbols at 305.el8, 724 at 348.el8, no CRC ever changed.
func TestStablelistEvolutionEL8(t *testing.T) {
	testenv.Require(t, "comm")
	labels, files := el8Lists(t)
	if len(files) != 81 {
		t.Fatalf("%d lists in INDEX.txt, want 81", len(files))
	}
	args := []string{"series", "--json", "-q", "--setopt=reposdir=/nonexistent", "--cachedir", t.TempDir(),
		"--repofrompath", "kernels," + filepath.Join("..", "..", "testdata", "fixtures", "repos", "kernels")}
	for i, f := range files {
		args = append(args, "--stablelist", labels[i]+"="+f)
	}
	var got report.Series
	runJSON(t, &got, args...)
	if len(got.StableLists) != len(files) {
		t.Fatalf("%d stable lists reported, want %d", len(got.StableLists), len(files))
	}
	symbolsAt := map[string]int{}
	crcChanges := 0
	for i, l := range got.StableLists {
		names := sortedColumns(t, files[i], "2")
		if l.Label != labels[i] || l.Symbols != len(comm(t, "-12", names, names)) {
			t.Errorf("list %d: %s with %d symbols, want %s with %d", i, l.Label, l.Symbols, labels[i], len(comm(t, "-12", names, names)))
		}
		symbolsAt[strings.TrimPrefix(labels[i][strings.Index(labels[i], "--")+2:], "kernel-")] = l.Symbols
		crcChanges += len(l.CRCChanged)
		if i == 0 {
			if len(l.Added)+len(l.Removed)+len(l.CRCChanged) != 0 {
				t.Errorf("the first list shows changes: %+v", l)
			}
			continue
		}
		before := sortedColumns(t, files[i-1], "2")
		added, removed := comm(t, "-13", before, names), comm(t, "-23", before, names)
		// CRC changed: a name on both whose "crc<TAB>name" line is not on both.
		sameLine := map[string]bool{}
		for _, line := range comm(t, "-12", sortedColumns(t, files[i-1], "1,2"), sortedColumns(t, files[i], "1,2")) {
			sameLine[strings.Split(line, "\t")[1]] = true
		}
		var changed []string
		for _, n := range comm(t, "-12", before, names) {
			if !sameLine[n] {
				changed = append(changed, n)
			}
		}
		if strings.Join(l.Added, " ") != strings.Join(added, " ") || strings.Join(l.Removed, " ") != strings.Join(removed, " ") ||
			strings.Join(l.CRCChanged, " ") != strings.Join(changed, " ") {
			t.Errorf("%s: ours +%v -%v ~%v, comm +%v -%v ~%v", l.Label, l.Added, l.Removed, l.CRCChanged, added, removed, changed)
		}
	}
	if symbolsAt["4.18.0-305.el8"] != 700 || symbolsAt["4.18.0-348.el8"] != 724 || crcChanges != 0 {
		t.Errorf("305.el8: %d symbols (want 700), 348.el8: %d (want 724), %d CRC changes (want 0)",
			symbolsAt["4.18.0-305.el8"], symbolsAt["4.18.0-348.el8"], crcChanges)
	}
}
