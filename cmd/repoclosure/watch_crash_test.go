package main

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/repoclosure/repoclosure/internal/repogen"
)

// crashChildEnv carries the argv of a watch run to TestWatchCrashChild.
const crashChildEnv = "REPOCLOSURE_CRASH_CHILD_ARGS"

// TestWatchCrashChild is not a test: it is the process TestWatchCrash
// starts and kills.
func TestWatchCrashChild(t *testing.T) {
	args := os.Getenv(crashChildEnv)
	if args == "" {
		t.Skip("runs only as TestWatchCrash's child")
	}
	var argv []string
	if err := json.Unmarshal([]byte(args), &argv); err != nil {
		t.Fatal(err)
	}
	// As main does; then tell the parent it may signal.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	fmt.Println("ready")
	var stderr bytes.Buffer
	code := run(ctx, argv, io.Discard, &stderr)
	if code == exitError {
		fmt.Fprint(os.Stderr, stderr.String())
	}
	os.Exit(code)
}

// TestWatchCrash kills `watch --once` with SIGKILL at random points of a
// poll, reruns it, and expects the database an uninterrupted run leaves.
// Then it stops `watch --interval` with SIGTERM at random points: the poll
// under way finishes and the process exits normally.
func TestWatchCrash(t *testing.T) {
	if testing.Short() {
		t.Skip("starts and kills many processes")
	}
	s := repogen.NewSeries(repogen.SeriesConfig{Seed: 5, Kernels: 6, Symbols: 4000, Kmods: 16, OtherPkgs: 20, MinorJumpAt: 2})
	states := []string{t.TempDir(), t.TempDir()}
	// State 0: the first four builds and the kmods; state 1: all six, the
	// first one pruned.
	for i, builds := range [][2]int{{0, 3}, {1, 5}} {
		var base []repogen.Pkg
		for _, p := range s.Kernels {
			for b := builds[0]; b <= builds[1]; b++ {
				if p.Rel == s.Builds[b].Release {
					base = append(base, p)
				}
			}
		}
		base = append(base, s.Others...)
		if err := repogen.WriteRepo(filepath.Join(states[i], "baseos"), base, repogen.XZ); err != nil {
			t.Fatal(err)
		}
		kmods := s.Kmods[:len(s.Kmods)/2+i*len(s.Kmods)/2]
		if err := repogen.WriteRepo(filepath.Join(states[i], "kmods"), kmods, repogen.Gzip); err != nil {
			t.Fatal(err)
		}
		stampFiles(t, states[i], i)
	}
	var state atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.FileServer(http.Dir(states[state.Load()])).ServeHTTP(w, r)
	}))
	defer srv.Close()

	tmp := t.TempDir()
	// poll runs one watch process; with sig, it sends sig after the given
	// time from the child's start (SIGKILL) or its readiness (others).
	poll := func(db string, interval bool, sig os.Signal, after time.Duration) (time.Duration, bool) {
		t.Helper()
		mode := []string{"--once"}
		if interval {
			mode = []string{"--interval", "1h"}
		}
		argv := append(append([]string{"watch"}, mode...), "-q", "--db", db, "--setopt=reposdir="+filepath.Join(tmp, "none"),
			"--cachedir", filepath.Join(filepath.Dir(db), "cache"), "--forcearch", "x86_64",
			"--repofrompath", "baseos,"+srv.URL+"/baseos", "--repofrompath", "kmods,"+srv.URL+"/kmods", "--repo", "baseos,kmods")
		js, _ := json.Marshal(argv)
		cmd := exec.Command(os.Args[0], "-test.run=^TestWatchCrashChild$")
		cmd.Env = append(os.Environ(), crashChildEnv+"="+string(js))
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		if sig == os.Kill {
			timer := time.AfterFunc(after, func() { cmd.Process.Kill() })
			defer timer.Stop()
		}
		ready, _ := bufio.NewReader(stdout).ReadString('\n')
		if sig != nil && sig != os.Kill {
			if ready != "ready\n" {
				t.Fatalf("child not ready: %q, %s", ready, stderr.String())
			}
			time.Sleep(after)
			cmd.Process.Signal(sig)
		}
		io.Copy(io.Discard, stdout)
		err = cmd.Wait()
		took := time.Since(start)
		if ee, ok := err.(*exec.ExitError); ok && !ee.Exited() {
			if sig != os.Kill {
				t.Fatalf("watch ended by a signal: %v: %s", err, stderr.String())
			}
			return took, true
		}
		if code := cmd.ProcessState.ExitCode(); code != exitClosed && code != exitRegression {
			t.Fatalf("watch: exit %d: %s", code, stderr.String())
		}
		return took, false
	}

	// The reference: both states, uninterrupted.
	refDB := filepath.Join(t.TempDir(), "ref.db")
	var took [2]time.Duration
	var wantFirst string
	for i := range states {
		state.Store(int32(i))
		took[i], _ = poll(refDB, false, nil, 0)
		if i == 0 {
			wantFirst = dumpHistory(t, refDB)
		}
	}
	want := dumpHistory(t, refDB)
	if !strings.Contains(want, "kernel-removed") || !strings.Contains(want, "kmod-added") {
		t.Fatalf("the reference run has too little to compare:\n%.2000s", want)
	}

	rng := rand.New(rand.NewPCG(1, 2))
	kills := 0
	for trial := range 8 {
		db := filepath.Join(t.TempDir(), "h.db")
		for i := range states {
			state.Store(int32(i))
			d := time.Duration(rng.Int64N(int64(took[i])))
			if _, killed := poll(db, false, os.Kill, d); killed {
				kills++
			}
			poll(db, false, nil, 0)
		}
		if got := dumpHistory(t, db); got != want {
			t.Errorf("trial %d: the database after killed polls differs from an uninterrupted run:\n%s", trial, firstDiff(got, want))
		}
	}
	if kills == 0 {
		t.Error("no poll was killed: the test checked nothing")
	}
	t.Logf("%d of 16 polls killed", kills)

	state.Store(0)
	for trial := range 4 {
		db := filepath.Join(t.TempDir(), "h.db")
		poll(db, true, syscall.SIGTERM, time.Duration(rng.Int64N(int64(took[0]))))
		if got := dumpHistory(t, db); got != wantFirst {
			t.Errorf("SIGTERM trial %d: the poll under way did not finish:\n%s", trial, firstDiff(got, wantFirst))
		}
	}
}

// dumpHistory prints the database's content without times, which differ
// between runs, after an integrity check.
func dumpHistory(t *testing.T, path string) string {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var ok string
	if err := db.QueryRow("PRAGMA integrity_check").Scan(&ok); err != nil || ok != "ok" {
		t.Fatalf("%s: integrity_check %q, %v", path, ok, err)
	}
	var b strings.Builder
	queries := []string{
		"PRAGMA user_version",
		"SELECT id FROM poll ORDER BY id",
		"SELECT poll, repo, url, revision, checksum FROM snapshot ORDER BY id",
		"SELECT id, name FROM symbol ORDER BY id",
		"SELECT id, uname, evr, arch, source, repo, url, packages, nsymbols, hex(symbols), present FROM kernel ORDER BY id",
		"SELECT id, nevra, name, evr, arch, source, repo, url, requires, provides, present FROM kmod ORDER BY id",
		"SELECT kmod, kernel, installable, missing FROM cell ORDER BY kmod, kernel",
		"SELECT id, poll, kind, json FROM event ORDER BY id",
	}
	for _, q := range queries {
		rows, err := db.Query(q)
		if err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		cols, _ := rows.Columns()
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			var fields []string
			for i, v := range vals {
				s := fmt.Sprint(v)
				if bs, ok := v.([]byte); ok {
					s = string(bs)
				}
				if cols[i] == "json" { // the event's time goes
					var ev map[string]any
					if err := json.Unmarshal([]byte(s), &ev); err == nil {
						delete(ev, "time")
						js, _ := json.Marshal(ev)
						s = string(js)
					}
				}
				fields = append(fields, s)
			}
			fmt.Fprintf(&b, "%s\n", strings.Join(fields, "|"))
		}
		rows.Close()
	}
	return b.String()
}

func firstDiff(got, want string) string {
	g, w := strings.Split(got, "\n"), strings.Split(want, "\n")
	for i := range min(len(g), len(w)) {
		if g[i] != w[i] {
			return fmt.Sprintf("line %d:\n got %.300s\nwant %.300s", i+1, g[i], w[i])
		}
	}
	return fmt.Sprintf("lengths %d and %d lines", len(g), len(w))
}
