package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/repoclosure/repoclosure/cmd/repoclosure/report"
	"github.com/repoclosure/repoclosure/internal/dnforacle"
	"github.com/repoclosure/repoclosure/internal/repogen"
)

// mirrorSim publishes a generated kernel series over loopback HTTP, a few
// builds at a time, as a vendor mirror would.
type mirrorSim struct {
	series  *repogen.Series
	builds  [][]repogen.Pkg // kernel packages per build, oldest first
	target  []int           // the build each kmod was made against
	dir     string          // served over HTTP
	srv     *httptest.Server
	everK   map[int]bool // builds ever published
	everM   map[int]bool // kmods ever published
	current []int        // builds on the mirror now
	polls   int          // times published
}

func newMirrorSim(t *testing.T, cfg repogen.SeriesConfig) *mirrorSim {
	t.Helper()
	s := repogen.NewSeries(cfg)
	m := &mirrorSim{series: s, dir: t.TempDir(), everK: map[int]bool{}, everM: map[int]bool{}}
	rel := map[string]int{}
	for i, b := range s.Builds {
		rel[b.Release] = i
		var pkgs []repogen.Pkg
		for _, p := range s.Kernels {
			if p.Rel == b.Release {
				pkgs = append(pkgs, p)
			}
		}
		m.builds = append(m.builds, pkgs)
	}
	for _, p := range s.Kmods {
		target := -1
		for _, r := range p.Requires {
			switch r.Name {
			case "kernel":
				target = rel[r.Rel]
			case "kernel-uname-r":
				target = rel[strings.TrimSuffix(r.Rel, "."+p.Arch)]
			}
		}
		if target < 0 {
			t.Fatalf("kmod %s: no kernel requirement to date it by", p.Name)
		}
		m.target = append(m.target, target)
	}
	m.srv = httptest.NewServer(http.FileServer(http.Dir(m.dir)))
	t.Cleanup(m.srv.Close)
	return m
}

// publish puts builds [lo, hi] and the kmods made against builds up to
// kmodsUpTo on the mirror.
func (m *mirrorSim) publish(t *testing.T, lo, hi, kmodsUpTo int) {
	t.Helper()
	base := slices.Clone(m.series.Others)
	m.current = nil
	for b := lo; b <= hi; b++ {
		base = append(base, m.builds[b]...)
		m.everK[b] = true
		m.current = append(m.current, b)
	}
	var kmods []repogen.Pkg
	for i, p := range m.series.Kmods {
		if m.target[i] <= kmodsUpTo {
			kmods = append(kmods, p)
			m.everM[i] = true
		}
	}
	if err := repogen.WriteRepo(filepath.Join(m.dir, "baseos"), base, repogen.XZ); err != nil {
		t.Fatal(err)
	}
	if err := repogen.WriteRepo(filepath.Join(m.dir, "kmods"), kmods, repogen.Gzip); err != nil {
		t.Fatal(err)
	}
	m.polls++
	stampFiles(t, m.dir, m.polls)
}

// stampFiles dates every file under dir n hours after a fixed time: HTTP's
// If-Modified-Since has one-second steps, and a test rewrites a repository
// faster than that.
func stampFiles(t *testing.T, dir string, n int) {
	t.Helper()
	when := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(n) * time.Hour)
	err := filepath.WalkDir(dir, func(p string, _ fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		return os.Chtimes(p, when, when)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// everPublished writes every build and kmod published so far as two local
// repositories, the world the history should stand for.
func (m *mirrorSim) everPublished(t *testing.T) []dnforacle.Repo {
	t.Helper()
	dir := t.TempDir()
	base := slices.Clone(m.series.Others)
	for b := range m.builds {
		if m.everK[b] {
			base = append(base, m.builds[b]...)
		}
	}
	var kmods []repogen.Pkg
	for i, p := range m.series.Kmods {
		if m.everM[i] {
			kmods = append(kmods, p)
		}
	}
	if err := repogen.WriteRepo(filepath.Join(dir, "baseos"), base, repogen.Gzip); err != nil {
		t.Fatal(err)
	}
	if err := repogen.WriteRepo(filepath.Join(dir, "kmods"), kmods, repogen.Gzip); err != nil {
		t.Fatal(err)
	}
	return []dnforacle.Repo{{Name: "baseos", Path: filepath.Join(dir, "baseos")}, {Name: "kmods", Path: filepath.Join(dir, "kmods")}}
}

func pkgNEVRA(p repogen.Pkg) string {
	evr := p.Ver + "-" + p.Rel
	if p.Epoch != "" && p.Epoch != "0" {
		evr = p.Epoch + ":" + evr
	}
	return p.Name + "-" + evr + "." + p.Arch
}

func (m *mirrorSim) uname(b int) string {
	return m.builds[b][0].Ver + "-" + m.builds[b][0].Rel + "." + m.builds[b][0].Arch
}

// dnfCells asks dnf repoclosure, once per kernel build ever published, what
// each kmod ever published misses with only that build available:
// cells[kmod index][build] = sorted unresolved deps (nil: installs).
func (m *mirrorSim) dnfCells(t *testing.T) map[int]map[int][]string {
	t.Helper()
	repos := m.everPublished(t)
	cells := map[int]map[int][]string{}
	for b := range m.builds {
		if !m.everK[b] {
			continue
		}
		var exclude []string
		for o := range m.builds {
			if o != b && m.everK[o] {
				for _, p := range m.builds[o] {
					exclude = append(exclude, pkgNEVRA(p))
				}
			}
		}
		res, err := dnforacle.Run(context.Background(), repos, "--check", "kmods", "-x", strings.Join(exclude, ","))
		if err != nil {
			t.Fatal(err)
		}
		for i, p := range m.series.Kmods {
			if !m.everM[i] {
				continue
			}
			if cells[i] == nil {
				cells[i] = map[int][]string{}
			}
			cells[i][b] = res.Unresolved[pkgNEVRA(p)+" from kmods"]
		}
	}
	return cells
}

// expectedEvents applies the rules to dnf's answers: what a poll that saw
// newK kernels, newM kmods and gone builds must report (times left out).
func (m *mirrorSim) expectedEvents(cells map[int]map[int][]string, knownK, newK, gone []int, knownM, newM []int) []string {
	var out []string
	add := func(v map[string]any) {
		b, _ := json.Marshal(v)
		out = append(out, string(b))
	}
	for _, b := range newK {
		add(map[string]any{"event": "kernel-added", "uname": m.uname(b)})
	}
	for _, b := range gone {
		add(map[string]any{"event": "kernel-removed", "uname": m.uname(b)})
	}
	for _, i := range newM {
		add(map[string]any{"event": "kmod-added", "nevra": pkgNEVRA(m.series.Kmods[i]), "name": m.series.Kmods[i].Name})
	}
	byName := map[string][]int{}
	for _, i := range knownM {
		byName[m.series.Kmods[i].Name] = append(byName[m.series.Kmods[i].Name], i)
	}
	for _, u := range newK {
		p := u - 1 // the series is in EVR order and published without gaps
		if !slices.Contains(knownK, p) {
			continue
		}
		for name, builds := range byName {
			works, missing := []string{}, map[string][]string{}
			installsOnU := false
			for _, i := range builds {
				if cells[i][p] == nil {
					works = append(works, pkgNEVRA(m.series.Kmods[i]))
				}
				if cells[i][u] == nil {
					installsOnU = true
				}
				missing[pkgNEVRA(m.series.Kmods[i])] = cells[i][u]
			}
			if len(works) > 0 && !installsOnU {
				slices.Sort(works)
				add(map[string]any{"event": "regression", "kmod": name, "kernel": m.uname(u), "previous": m.uname(p), "works_on_previous": works, "missing": missing})
			}
		}
	}
	for _, i := range newM {
		name := m.series.Kmods[i].Name
		var older []int
		for _, o := range byName[name] {
			if !slices.Contains(newM, o) {
				older = append(older, o)
			}
		}
		if len(older) == 0 {
			continue
		}
		for _, k := range knownK {
			if cells[i][k] != nil {
				continue
			}
			if !slices.ContainsFunc(older, func(o int) bool { return cells[o][k] == nil }) {
				add(map[string]any{"event": "fixed", "kmod": name, "kernel": m.uname(k), "nevra": pkgNEVRA(m.series.Kmods[i])})
			}
		}
	}
	slices.Sort(out)
	return out
}

// normalizeEvents drops times, symbol counts and reasons (dnf gives only the
// deps) so that events compare with expectedEvents.
func normalizeEvents(t *testing.T, lines string) (norm []string, kinds map[string]int) {
	t.Helper()
	kinds = map[string]int{}
	for _, line := range strings.Split(strings.TrimSpace(lines), "\n") {
		if line == "" {
			continue
		}
		var v map[string]any
		if err := json.Unmarshal([]byte(line), &v); err != nil {
			t.Fatalf("event %q: %v", line, err)
		}
		if _, ok := v["time"].(string); !ok {
			t.Errorf("event without a time: %s", line)
		}
		kinds[v["event"].(string)]++
		delete(v, "time")
		switch v["event"] {
		case "kernel-added":
			if n, _ := v["symbols"].(float64); n <= 0 {
				t.Errorf("kernel-added with no symbols: %s", line)
			}
			v = map[string]any{"event": v["event"], "uname": v["uname"]}
		case "regression":
			missing := map[string][]string{}
			for nevra, list := range v["missing"].(map[string]any) {
				var deps []string
				for _, miss := range list.([]any) {
					deps = append(deps, miss.(map[string]any)["dep"].(string))
				}
				slices.Sort(deps)
				missing[nevra] = deps
			}
			v["missing"] = missing
		}
		b, _ := json.Marshal(v)
		norm = append(norm, string(b))
	}
	slices.Sort(norm)
	return norm, kinds
}

func watchArgs(m *mirrorSim, tmp, db string) []string {
	return []string{"watch", "--once", "-q", "--db", db, "--setopt=reposdir=" + filepath.Join(tmp, "none"), "--cachedir", filepath.Join(tmp, "cache"),
		"--forcearch", "x86_64", "--repofrompath", "baseos," + m.srv.URL + "/baseos", "--repofrompath", "kmods," + m.srv.URL + "/kmods",
		"--repo", "baseos,kmods"}
}

// TestWatchMatchesDNF: a mirror publishes kernel builds and kmods over five
// polls, prunes old builds and adds kmod rebuilds; each poll's events must be
// what dnf repoclosure says of every kmod on each build, and matrix --db at
// the end the matrix of everything ever published.
func TestWatchMatchesDNF(t *testing.T) {
	dnforacle.Require(t)
	m := newMirrorSim(t, repogen.SeriesConfig{Seed: 11, Kernels: 6, Symbols: 600, Kmods: 14, OtherPkgs: 20, MinorJumpAt: 2})
	tmp := t.TempDir()
	db := filepath.Join(tmp, "history.db")
	polls := []struct{ lo, hi, kmodsUpTo int }{
		{0, 1, 0}, // first run: records everything, judges build 1 against build 0
		{0, 3, 1}, // new builds across a minor release
		{2, 4, 3}, // 0 and 1 pruned; rebuilds against 2 and 3
		{2, 5, 5}, // the rest
		{2, 5, 5}, // nothing new: no events
	}
	total := map[string]int{}
	var knownK, knownM []int
	for n, p := range polls {
		prevK := slices.Clone(m.current)
		m.publish(t, p.lo, p.hi, p.kmodsUpTo)
		var newK, gone, newM []int
		for b := p.lo; b <= p.hi; b++ {
			if !slices.Contains(knownK, b) {
				newK = append(newK, b)
				knownK = append(knownK, b)
			}
		}
		for _, b := range prevK {
			if !slices.Contains(m.current, b) {
				gone = append(gone, b)
			}
		}
		for i := range m.series.Kmods {
			if m.everM[i] && !slices.Contains(knownM, i) {
				newM = append(newM, i)
				knownM = append(knownM, i)
			}
		}
		var stdout, stderr bytes.Buffer
		code := run(context.Background(), watchArgs(m, tmp, db), &stdout, &stderr)
		got, kinds := normalizeEvents(t, stdout.String())
		want := m.expectedEvents(m.dnfCells(t), knownK, newK, gone, knownM, newM)
		if !reflect.DeepEqual(got, want) {
			t.Errorf("poll %d: events\n%s\nwant (from dnf)\n%s", n+1, strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
		wantCode := exitClosed
		if kinds["regression"] > 0 {
			wantCode = exitRegression
		}
		if code != wantCode {
			t.Errorf("poll %d: exit %d, want %d; %s", n+1, code, wantCode, stderr.String())
		}
		for k, c := range kinds {
			total[k] += c
		}
	}
	for _, kind := range []string{"kernel-added", "kernel-removed", "kmod-added", "regression", "fixed"} {
		if total[kind] == 0 {
			t.Errorf("no %s event over the polls (%v): the scenario does not test it", kind, total)
		}
	}

	// The history's matrix is the matrix of everything ever published, and
	// both are dnf's.
	cells := m.dnfCells(t)
	hist := dbMatrix(t, db)
	all := ourMatrix(t, m.everPublished(t))
	if !reflect.DeepEqual(hist.Kernels, all.Kernels) {
		t.Errorf("matrix --db kernels:\n%+v\nthe matrix of every build published:\n%+v", hist.Kernels, all.Kernels)
	}
	if !reflect.DeepEqual(hist.Kmods, all.Kmods) {
		t.Errorf("matrix --db kmods:\n%+v\nthe matrix of every build published:\n%+v", hist.Kmods, all.Kmods)
	}
	if !reflect.DeepEqual(hist.Cells, all.Cells) {
		t.Errorf("matrix --db cells differ from the matrix of every build published")
	}
	checked := 0
	for i, p := range m.series.Kmods {
		for b := range m.builds {
			c := findCell(hist, pkgNEVRA(p), m.uname(b))
			if c == nil {
				t.Fatalf("matrix --db has no cell %s on %s", pkgNEVRA(p), m.uname(b))
			}
			var deps []string
			for _, miss := range c.Missing {
				deps = append(deps, miss.Dep)
			}
			slices.Sort(deps)
			if !slices.Equal(deps, cells[i][b]) {
				t.Errorf("matrix --db: %s on %s misses %q, dnf says %q", pkgNEVRA(p), m.uname(b), deps, cells[i][b])
			}
			checked++
		}
	}
	if checked == 0 {
		t.Error("no cell checked")
	}
}

// dbMatrix runs `matrix --db FILE --format json` with no repositories.
func dbMatrix(t *testing.T, db string) *report.Matrix {
	t.Helper()
	var stdout, stderr bytes.Buffer
	argv := []string{"matrix", "-q", "--db", db, "--setopt=reposdir=" + filepath.Join(t.TempDir(), "none"), "--forcearch", "x86_64", "--format", "json"}
	if code := run(context.Background(), argv, &stdout, &stderr); code != exitClosed {
		t.Fatalf("matrix --db: exit %d: %s", code, stderr.String())
	}
	m, err := report.ReadJSON(&stdout, "matrix --db output")
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func findCell(m *report.Matrix, kmod, kernel string) *report.Cell {
	for i := range m.Cells {
		if m.Cells[i].Kmod == kmod && m.Cells[i].Kernel == kernel {
			return &m.Cells[i]
		}
	}
	return nil
}
