package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"

	"github.com/repoclosure/repoclosure/cmd/repoclosure/report"
	"github.com/repoclosure/repoclosure/internal/repogen"
	"github.com/repoclosure/repoclosure/kabi/history"
	"github.com/spf13/pflag"
)

// TestMatrixBaselineCreatedAndJSON: the first --baseline run writes the
// file and exits 0; with --format json the diff on stderr is JSON.
func TestMatrixBaselineCreatedAndJSON(t *testing.T) {
	tmp := t.TempDir()
	base := filepath.Join(tmp, "base.json")
	common := []string{"matrix", "-q", "--setopt=reposdir=/nonexistent", "--cachedir", tmp,
		"--repofrompath", "kernels," + fixtureDir("kernels"), "--repofrompath", "kmods," + fixtureDir("kmods"), "--format", "json"}
	code, stdout, stderr := runCLI(t, append(common, "--baseline", base)...)
	if code != exitClosed || !strings.Contains(stderr, "created") {
		t.Fatalf("first --baseline run: exit %d, %s", code, stderr)
	}
	f, err := os.Open(base)
	if err != nil {
		t.Fatal(err)
	}
	saved, err := report.ReadJSON(f, base)
	f.Close()
	cur, err2 := report.ReadJSON(strings.NewReader(stdout), "stdout")
	if err != nil || err2 != nil || len(saved.Cells) != len(cur.Cells) || len(saved.Cells) == 0 {
		t.Fatalf("baseline file: %v %v; %d cells, stdout %d", err, err2, len(saved.Cells), len(cur.Cells))
	}
	code, _, stderr = runCLI(t, append(common, "--baseline", base)...)
	var d report.Diff
	if err := json.Unmarshal([]byte(stderr), &d); err != nil || code != exitClosed || len(d.NewKernels)+len(d.Regressions)+len(d.NewKmods) != 0 {
		t.Errorf("second run: exit %d, diff %+v, %v:\n%s", code, d, err, stderr)
	}
}

// TestWatchSignalFinishesPoll: a signal that comes during a poll lets it
// finish (here: before the first poll starts) and then ends --interval;
// --exec gets each event on stdin; matrix and series --db then work from the
// database alone.
func TestWatchSignalFinishesPoll(t *testing.T) {
	tmp := t.TempDir()
	db := filepath.Join(tmp, "h.db")
	got := filepath.Join(tmp, "exec.out")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var stdout, stderr bytes.Buffer
	code := run(ctx, []string{"watch", "--interval", "1h", "-q", "--db", db, "--setopt=reposdir=/nonexistent", "--cachedir", tmp,
		"--repofrompath", "kernels," + fixtureDir("kernels"), "--repofrompath", "kmods," + fixtureDir("kmods"),
		"--exec", "cat >> " + got}, &stdout, &stderr)
	// The stop is main's to report (130); the regressions went out as events.
	if code != exitClosed {
		t.Fatalf("watch: exit %d: %s", code, stderr.String())
	}
	lines := strings.Split(strings.TrimSpace(stdout.String()), "\n")
	if len(lines) < 2 || !strings.Contains(lines[0], `"event":"kernel-added"`) || !strings.Contains(stdout.String(), `"event":"regression"`) {
		t.Fatalf("events:\n%s", stdout.String())
	}
	execd, err := os.ReadFile(got)
	if err != nil || string(execd) != stdout.String() {
		t.Errorf("--exec saw\n%s\n(%v), want the events\n%s", execd, err, stdout.String())
	}

	// A second poll of unchanged repositories records nothing.
	stdout.Reset()
	code = run(context.Background(), []string{"watch", "--once", "-q", "--db", db, "--setopt=reposdir=/nonexistent", "--cachedir", tmp,
		"--repofrompath", "kernels," + fixtureDir("kernels"), "--repofrompath", "kmods," + fixtureDir("kmods")}, &stdout, &stderr)
	if code != exitClosed || stdout.Len() != 0 {
		t.Errorf("second poll: exit %d, events %q, %s", code, stdout.String(), stderr.String())
	}

	code, out, errs := runCLI(t, "matrix", "-q", "--db", db, "--format", "json")
	if code != exitClosed {
		t.Fatalf("matrix --db: exit %d %s", code, errs)
	}
	m, err := report.ReadJSON(strings.NewReader(out), "matrix --db")
	if added := strings.Count(strings.Join(lines, "\n"), "kernel-added"); err != nil || len(m.Kernels) == 0 || added != len(m.Kernels) {
		t.Errorf("matrix --db: %v, %d kernels for %d kernel-added events", err, len(m.Kernels), added)
	}
	if code, out, errs := runCLI(t, "series", "-q", "--db", db, "--json"); code != exitClosed || !strings.Contains(out, `"reference"`) {
		t.Errorf("series --db: exit %d %s %s", code, out, errs)
	}
	if code, _, errs := runCLI(t, "matrix", "-q", "--db", filepath.Join(tmp, "none.db")); code != exitError || !strings.Contains(errs, "none.db") {
		t.Errorf("matrix --db on a missing file: exit %d, %s", code, errs)
	}
	if code, _, errs := runCLI(t, "watch", "--once", "--interval", "1h", "--db", db); code != exitError || !strings.Contains(errs, "exactly one") {
		t.Errorf("watch --once --interval: exit %d, %s", code, errs)
	}
}

// TestWatchIntervalStoppedExits130: the program (main, not run) stopped by
// SIGTERM after a poll of watch --interval exits 130, as its man page says.
func TestWatchIntervalStoppedExits130(t *testing.T) {
	tmp := t.TempDir()
	cmd := exec.Command(buildBinary(t, ""), "watch", "--interval", "1h", "-q", "--db", filepath.Join(tmp, "h.db"),
		"--setopt=reposdir=/nonexistent", "--cachedir", tmp,
		"--repofrompath", "kernels,"+fixtureDir("kernels"), "--repofrompath", "kmods,"+fixtureDir("kmods"))
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// The first event line: the first poll is recorded.
	first, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil || !strings.Contains(first, `"event":"kernel-added"`) {
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatalf("first event %q, %v: %s", first, err, stderr.String())
	}
	cmd.Process.Signal(syscall.SIGTERM)
	io.Copy(io.Discard, stdout)
	cmd.Wait()
	if code := cmd.ProcessState.ExitCode(); code != exitInterrupt {
		t.Errorf("watch --interval stopped by SIGTERM: exit %d, want %d: %s", code, exitInterrupt, stderr.String())
	}
}

// TestMatrixDBWithRepos: --db with repositories merges them with the
// history; on the repositories the history came from, the matrix is theirs.
func TestMatrixDBWithRepos(t *testing.T) {
	tmp := t.TempDir()
	db := filepath.Join(tmp, "h.db")
	repos := []string{"-q", "--setopt=reposdir=/nonexistent", "--cachedir", tmp, "--forcearch", "x86_64",
		"--repofrompath", "kernels," + fixtureDir("kernels"), "--repofrompath", "kmods," + fixtureDir("kmods")}
	if code, _, errs := runCLI(t, append([]string{"watch", "--once", "--db", db}, repos...)...); code != exitClosed && code != exitRegression {
		t.Fatalf("watch: exit %d %s", code, errs)
	}
	_, plain, _ := runCLI(t, append([]string{"matrix", "--format", "json"}, repos...)...)
	code, merged, errs := runCLI(t, append([]string{"matrix", "--format", "json", "--db", db}, repos...)...)
	if code != exitClosed || merged != plain || !strings.Contains(plain, `"cells"`) {
		t.Errorf("matrix --db with the same repositories: exit %d %s\n%s\nwant\n%s", code, errs, merged, plain)
	}
}

// TestMatrixDBLatest: --latest keeps the newest build of each kmod name
// over the history as over the repositories (el8-demo's kmod-megaraid_sas
// has three builds, kmod-ixgbe and kmod-lpfc two).
func TestMatrixDBLatest(t *testing.T) {
	tmp := t.TempDir()
	db := filepath.Join(tmp, "h.db")
	demo := func(repo string) string { return filepath.Join("..", "..", "testdata", "el8-demo", repo) }
	repos := []string{"-q", "--setopt=reposdir=/nonexistent", "--cachedir", tmp, "--forcearch", "x86_64",
		"--repofrompath", "kernels," + demo("kernels"), "--repofrompath", "kmods," + demo("kmods")}
	if code, _, errs := runCLI(t, append([]string{"watch", "--once", "--db", db}, repos...)...); code != exitClosed && code != exitRegression {
		t.Fatalf("watch: exit %d %s", code, errs)
	}
	kmods := func(args ...string) []string {
		t.Helper()
		code, out, errs := runCLI(t, append([]string{"matrix", "--format", "json", "--latest"}, args...)...)
		if code != exitClosed {
			t.Fatalf("matrix --latest %v: exit %d %s", args, code, errs)
		}
		m, err := report.ReadJSON(strings.NewReader(out), "matrix")
		if err != nil {
			t.Fatal(err)
		}
		var nevras []string
		for _, k := range m.Kmods {
			nevras = append(nevras, k.NEVRA)
		}
		return nevras
	}
	fromRepos := kmods(repos...)
	fromDB := kmods("-q", "--db", db)
	if len(fromRepos) != 8 || !slices.Equal(fromDB, fromRepos) {
		t.Errorf("--latest over the history: %q\nover the repositories: %q (want the 8 names' newest builds)", fromDB, fromRepos)
	}
}

// TestWatchReloadsOnlyChanged: within one watch process, a poll parses the
// repositories whose repomd.xml changed and keeps the others, and finds
// the same events as a fresh process.
func TestWatchReloadsOnlyChanged(t *testing.T) {
	s := repogen.NewSeries(repogen.SeriesConfig{Seed: 9, Kernels: 3, Symbols: 300, Kmods: 8, OtherPkgs: 12})
	dir := t.TempDir()
	if err := repogen.WriteRepo(filepath.Join(dir, "baseos"), append(slices.Clone(s.Kernels), s.Others...), repogen.Gzip); err != nil {
		t.Fatal(err)
	}
	writeKmods := func(n int) {
		if err := repogen.WriteRepo(filepath.Join(dir, "kmods"), s.Kmods[:n], repogen.Gzip); err != nil {
			t.Fatal(err)
		}
	}
	writeKmods(4)
	tmp := t.TempDir()
	kf := new(kernelFlags)
	fs := pflag.NewFlagSet("watch", pflag.ContinueOnError)
	kf.register(fs, true)
	if err := fs.Parse([]string{"-q", "--setopt=reposdir=/nonexistent", "--cachedir", tmp, "--forcearch", "x86_64",
		"--repofrompath", "baseos," + filepath.Join(dir, "baseos"), "--repofrompath", "kmods," + filepath.Join(dir, "kmods")}); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	st, err := history.Open(ctx, filepath.Join(tmp, "h.db"), true)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var out bytes.Buffer
	w := &watcher{kf: kf, store: st, out: &out, stderr: io.Discard}
	if _, err := w.poll(ctx); err != nil {
		t.Fatal(err)
	}
	base := w.loaded["baseos"].repo
	if base == nil || w.loaded["kmods"].repo == nil {
		t.Fatalf("first poll loaded %v", w.loaded)
	}
	out.Reset()
	writeKmods(8)
	if _, err := w.poll(ctx); err != nil {
		t.Fatal(err)
	}
	if w.loaded["baseos"].repo != base {
		t.Error("the unchanged baseos was parsed again")
	}
	if got := strings.Count(out.String(), `"event":"kmod-added"`); got != 4 {
		t.Errorf("second poll: %d kmod-added events, want 4:\n%s", got, out.String())
	}
	kmods, err := st.Kmods(ctx)
	if err != nil || len(kmods) != 8 {
		t.Errorf("%d kmods stored, %v", len(kmods), err)
	}
}

// TestWatchEventsUnwritable: an --events file that cannot be opened stops
// the watch before it creates the database.
func TestWatchEventsUnwritable(t *testing.T) {
	tmp := t.TempDir()
	db := filepath.Join(tmp, "h.db")
	code, _, errs := runCLI(t, "watch", "--once", "-q", "--db", db, "--events", filepath.Join(tmp, "no", "such", "dir", "e.jsonl"),
		"--setopt=reposdir=/nonexistent", "--cachedir", tmp, "--repofrompath", "kernels,"+fixtureDir("kernels"))
	if code != exitError || !strings.Contains(errs, "--events") {
		t.Errorf("watch --events into a missing folder: exit %d, %s", code, errs)
	}
	if _, err := os.Stat(db); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("the database was created (%v)", err)
	}
}
