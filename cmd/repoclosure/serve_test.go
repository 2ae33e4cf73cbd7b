package main

import (
	"bytes"
	"context"
	"encoding/json"
	"html"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/repoclosure/repoclosure/cmd/repoclosure/report"
	"github.com/repoclosure/repoclosure/internal/testenv"
	"github.com/repoclosure/repoclosure/kabi/history"
	"github.com/spf13/pflag"
)

// historyDB records the fixture kernels with watch --once, then a second
// later the kernels and the kmods, and returns the database and the events
// watch printed (the second poll's a second later than the first's).
func historyDB(t *testing.T) (db string, events []string) {
	t.Helper()
	tmp := t.TempDir()
	db = filepath.Join(tmp, "h.db")
	repos := []string{"--repofrompath", "kernels," + fixtureDir("kernels")}
	for poll := range 2 {
		if poll == 1 {
			time.Sleep(1100 * time.Millisecond) // events carry whole seconds
			repos = append(repos, "--repofrompath", "kmods,"+fixtureDir("kmods"))
		}
		var stdout, stderr bytes.Buffer
		code := run(context.Background(), append([]string{"watch", "--once", "-q", "--db", db, "--setopt=reposdir=/nonexistent", "--cachedir", tmp}, repos...), &stdout, &stderr)
		if code != exitClosed && code != exitRegression {
			t.Fatalf("watch: exit %d: %s", code, stderr.String())
		}
		lines := strings.Split(strings.TrimSpace(stdout.String()), "\n")
		if len(lines) < 2 {
			t.Fatalf("poll %d printed too few events to test with:\n%s", poll, stdout.String())
		}
		events = append(events, lines...)
	}
	return db, events
}

// serveDB starts serve's handler on a loopback listener.
func serveDB(t *testing.T, db string) *httptest.Server {
	t.Helper()
	kf := new(kernelFlags)
	fs := pflag.NewFlagSet("serve", pflag.ContinueOnError)
	kf.registerDB(fs)
	if err := fs.Parse([]string{"-q", "--db", db}); err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(newServer(kf, io.Discard))
	t.Cleanup(ts.Close)
	return ts
}

func get(t *testing.T, method, url string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(body)
}

// sameJSON compares two JSON documents by value.
func sameJSON(t *testing.T, what, got, want string) {
	t.Helper()
	var g, w any
	if err := json.Unmarshal([]byte(got), &g); err != nil {
		t.Fatalf("%s: %v:\n%.500s", what, err, got)
	}
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatalf("%s (CLI): %v", what, err)
	}
	if !reflect.DeepEqual(g, w) {
		t.Errorf("%s differs from the CLI's:\n got %.800s\nwant %.800s", what, got, want)
	}
}

// TestServeAPI: every endpoint of the JSON API answers what the CLI answers
// for the same database; writes, long URLs and bad queries are refused.
func TestServeAPI(t *testing.T) {
	db, events := historyDB(t)
	ts := serveDB(t, db)

	code, matrixJSON, errs := runCLI(t, "matrix", "-q", "--db", db, "--format", "json")
	if code != exitClosed {
		t.Fatalf("matrix --db: exit %d: %s", code, errs)
	}
	code, seriesJSON, errs := runCLI(t, "series", "-q", "--db", db, "--json", "--symbols")
	if code != exitClosed {
		t.Fatalf("series --db: exit %d: %s", code, errs)
	}
	m, err := report.ReadJSON(strings.NewReader(matrixJSON), "matrix --db")
	if err != nil {
		t.Fatal(err)
	}
	part := func(v any) string {
		b, _ := json.Marshal(v)
		return string(b)
	}
	for path, want := range map[string]string{
		"/api/matrix":  matrixJSON,
		"/api/kernels": part(m.Kernels),
		"/api/kmods":   part(m.Kmods),
		"/api/series":  seriesJSON,
		"/api/events":  "[" + strings.Join(events, ",") + "]",
	} {
		status, body := get(t, "GET", ts.URL+path)
		if status != http.StatusOK {
			t.Errorf("GET %s: %d %s", path, status, body)
			continue
		}
		sameJSON(t, path, body, want)
	}
	// since: the events after the first one's time.
	var first struct{ Time time.Time }
	if err := json.Unmarshal([]byte(events[0]), &first); err != nil || first.Time.IsZero() {
		t.Fatalf("first event has no time: %v %s", err, events[0])
	}
	var after []string
	for _, e := range events {
		var ev struct{ Time time.Time }
		json.Unmarshal([]byte(e), &ev)
		if ev.Time.After(first.Time) {
			after = append(after, e)
		}
	}
	if len(after) == 0 || len(after) == len(events) {
		t.Fatalf("the events' times do not split them: %d of %d after the first", len(after), len(events))
	}
	status, body := get(t, "GET", ts.URL+"/api/events?since="+first.Time.Format(time.RFC3339))
	if status != http.StatusOK {
		t.Fatalf("events since: %d %s", status, body)
	}
	sameJSON(t, "/api/events?since", body, "["+strings.Join(after, ",")+"]")

	for _, c := range []struct {
		method, path string
		want         int
	}{
		{"POST", "/api/matrix", http.StatusMethodNotAllowed},
		{"PUT", "/", http.StatusMethodNotAllowed},
		{"DELETE", "/api/events", http.StatusMethodNotAllowed},
		{"GET", "/api/events?since=yesterday", http.StatusBadRequest},
		{"GET", "/api/nothing", http.StatusNotFound},
		{"GET", "/?" + strings.Repeat("x", 3000), http.StatusRequestURITooLong},
		{"HEAD", "/api/kernels", http.StatusOK},
	} {
		if status, body := get(t, c.method, ts.URL+c.path); status != c.want {
			t.Errorf("%s %.40s: %d, want %d (%s)", c.method, c.path, status, c.want, body)
		}
	}
}

// TestServePagesInChromium loads the served pages in Chromium: the matrix
// page's script runs on the database's matrix, the series page has its
// charts, the front page lists the events.
func TestServePagesInChromium(t *testing.T) {
	b := testenv.Chromium(t)
	db, events := historyDB(t)
	ts := serveDB(t, db)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	dom, err := b.DumpDOM(ctx, ts.URL+"/matrix")
	if err != nil {
		t.Fatal(err)
	}
	code, matrixJSON, _ := runCLI(t, "matrix", "-q", "--db", db, "--format", "json")
	m, err := report.ReadJSON(strings.NewReader(matrixJSON), "matrix --db")
	if code != exitClosed || err != nil {
		t.Fatal(code, err)
	}
	installable := 0
	for _, c := range m.Cells {
		if c.Installable {
			installable++
		}
	}
	if !regexp.MustCompile(`<body[^>]* data-ready="1"`).MatchString(dom) ||
		!strings.Contains(dom, `id="installable-count">`+strconv.Itoa(installable)+`</span>`) {
		t.Errorf("served matrix page did not run or counts wrong (want %d installable):\n%.2000s", installable, dom)
	}
	dom, err = b.DumpDOM(ctx, ts.URL+"/series")
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Count(dom, `<svg class="chart"`); got != 5 {
		t.Errorf("served series page has %d charts, want 5", got)
	}
	dom, err = b.DumpDOM(ctx, ts.URL+"/")
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Count(dom, "<tr><td>"); got != min(len(events), 20) {
		t.Errorf("front page lists %d events, want %d", got, min(len(events), 20))
	}
	// Each event is one line of words, newest first; its JSON is folded
	// away until asked for.
	var summaries []string
	for i := len(events) - 1; i >= 0 && len(summaries) < 20; i-- {
		var head struct{ Event string }
		if err := json.Unmarshal([]byte(events[i]), &head); err != nil {
			t.Fatal(err)
		}
		sum := eventSummary(head.Event, []byte(events[i]))
		if sum == head.Event || strings.Contains(sum, "{") {
			t.Errorf("event %s has no summary: %q", events[i], sum)
		}
		summaries = append(summaries, "<summary>"+html.EscapeString(sum)+"</summary>")
	}
	got := regexp.MustCompile(`<summary>.*?</summary>`).FindAllString(dom, -1)
	if !reflect.DeepEqual(got, summaries) {
		t.Errorf("front page summaries:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(summaries, "\n"))
	}
	if strings.Contains(dom, "<details open") {
		t.Error("an event's JSON is unfolded by default")
	}
	b.KeepScreenshot(ctx, ts.URL+"/", "serve")
}

// TestServeDatabaseChecks: serve refuses at startup, naming the file, what
// is not a history database or does not exist, and creates nothing; an
// empty but valid database is an empty dashboard, not an error; the
// reports reading --db write nothing either.
func TestServeDatabaseChecks(t *testing.T) {
	tmp := t.TempDir()
	notDB := filepath.Join(tmp, "m.json")
	if err := os.WriteFile(notDB, []byte(`{"kernels": []}`+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	zero := filepath.Join(tmp, "zero.db")
	if err := os.WriteFile(zero, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	missing := filepath.Join(tmp, "missing.db")
	for _, c := range []struct {
		args []string
		file string
		want string
	}{
		{[]string{"serve", "--db", notDB, "--listen", "127.0.0.1:0"}, notDB, "not a history database"},
		{[]string{"serve", "--db", zero, "--listen", "127.0.0.1:0"}, zero, "not a history database"},
		{[]string{"serve", "--db", missing, "--listen", "127.0.0.1:0"}, missing, "no such file"},
		{[]string{"matrix", "-q", "--db", zero}, zero, "not a history database"},
		{[]string{"series", "-q", "--db", zero}, zero, "not a history database"},
	} {
		code, _, stderr := runCLI(t, c.args...)
		if code != exitError || !strings.Contains(stderr, c.file) || !strings.Contains(stderr, c.want) || strings.Contains(stderr, "serving") {
			t.Errorf("%s: exit %d, stderr %q; want exit %d naming %s and %q", strings.Join(c.args, " "), code, stderr, exitError, c.file, c.want)
		}
		if strings.Contains(stderr, "history database: history database") {
			t.Errorf("%s: the prefix is doubled: %q", strings.Join(c.args, " "), stderr)
		}
	}
	if fi, err := os.Stat(zero); err != nil || fi.Size() != 0 {
		t.Errorf("the empty file was written: %v, %v", fi.Size(), err)
	}
	if _, err := os.Stat(missing); !os.IsNotExist(err) {
		t.Errorf("the missing database was created: %v", err)
	}

	// A valid database with nothing recorded yet.
	empty := filepath.Join(tmp, "empty.db")
	st, err := history.Open(context.Background(), empty, true)
	if err != nil {
		t.Fatal(err)
	}
	st.Close()
	ts := serveDB(t, empty)
	code, body := get(t, "GET", ts.URL+"/")
	if code != http.StatusOK || !strings.Contains(body, "No kernel builds are recorded yet") {
		t.Errorf("/ of an empty database: %d:\n%.800s", code, body)
	}
	for _, path := range []string{"/api/kernels", "/api/kmods", "/api/events"} {
		if code, body := get(t, "GET", ts.URL+path); code != http.StatusOK || strings.TrimSpace(body) != "[]" {
			t.Errorf("%s of an empty database: %d %q; want 200 []", path, code, body)
		}
	}
	for _, path := range []string{"/events", "/matrix", "/series", "/api/matrix", "/api/series"} {
		if code, body := get(t, "GET", ts.URL+path); code != http.StatusOK {
			t.Errorf("%s of an empty database: %d %.300s", path, code, body)
		}
	}
}

// TestServeOptions: serve offers only the options it takes: none of the
// repository options, which it would have to refuse.
func TestServeOptions(t *testing.T) {
	code, help, errs := runCLI(t, "serve", "--help")
	if code != exitClosed {
		t.Fatalf("serve --help: exit %d: %s", code, errs)
	}
	for _, opt := range []string{"--db", "--listen", "--kmod", "--kernel-source", "--quiet"} {
		if !strings.Contains(help, opt+" ") {
			t.Errorf("serve --help does not list %s:\n%s", opt, help)
		}
	}
	for _, opt := range []string{"--repofrompath", "--repo ", "--enablerepo", "--disablerepo", "--setopt", "--rpm", "--cachedir", "--cacheonly", "--config", "--installroot", "--releasever", "--exclude", "--no-filelists", "--latest"} {
		if strings.Contains(help, opt) {
			t.Errorf("serve --help lists %s, which serve does not take", opt)
		}
	}
	code, _, errs = runCLI(t, "serve", "--db", "h.db", "--repofrompath", "k,/nonexistent")
	if code != exitError || !strings.Contains(errs, "unknown flag: --repofrompath") {
		t.Errorf("serve --repofrompath: exit %d, %q; want exit %d, unknown flag", code, errs, exitError)
	}
}

// TestEventSummary: each event kind reads as one line of words.
func TestEventSummary(t *testing.T) {
	for _, c := range []struct{ json, want string }{
		{`{"event":"kernel-added","time":"2026-11-29T14:00:00Z","uname":"4.18.0-348.el8.x86_64","evr":"4.18.0-348.el8","arch":"x86_64","source":"kernel-4.18.0-348.el8.src.rpm","symbols":3057}`,
			"4.18.0-348.el8.x86_64 first seen (kernel-4.18.0-348.el8.src.rpm): 3,057 symbols"},
		{`{"event":"kernel-removed","time":"2026-11-29T14:00:00Z","uname":"4.18.0-305.el8.x86_64"}`,
			"4.18.0-305.el8.x86_64 gone from every mirror (the history keeps it)"},
		{`{"event":"kmod-added","time":"2026-11-29T14:00:00Z","nevra":"kmod-i40e-2.22.18-2.el8.x86_64","name":"kmod-i40e"}`,
			"kmod-i40e-2.22.18-2.el8.x86_64 first seen"},
		{`{"event":"regression","time":"2026-11-29T14:00:00Z","kmod":"kmod-i40e","kernel":"4.18.0-348.12.1.el8_5.x86_64","previous":"4.18.0-348.8.2.el8_5.x86_64","works_on_previous":["kmod-i40e-6.1.127-1.el8_5.x86_64"],"missing":{"kmod-i40e-6.1.127-1.el8_5.x86_64":[{"dep":"kernel(napi_enable) = 0x1a2b3c4d","reason":"crc-mismatch","kernel_has":"0x0badf00d"}],"kmod-i40e-6.0-1.el8_5.x86_64":[{"dep":"kernel(a)","reason":"unknown-symbol"}]}}`,
			"kmod-i40e no longer installs on 4.18.0-348.12.1.el8_5.x86_64 (installed on 4.18.0-348.8.2.el8_5.x86_64 via kmod-i40e-6.1.127-1.el8_5.x86_64): 1 CRC mismatch"},
		{`{"event":"regression","kmod":"k","kernel":"U","previous":"P","works_on_previous":["k-2","k-1"],"missing":{"k-2":[{"reason":"crc-mismatch"},{"reason":"unknown-symbol"},{"reason":"crc-mismatch"},{"reason":"kernel-version"},{"reason":"new-reason"}]}}`,
			"k no longer installs on U (installed on P via k-2 and 1 other build): 2 CRC mismatches, 1 unknown symbol, 1 kernel version requirement, 1 new-reason"},
		{`{"event":"fixed","time":"2026-11-29T15:00:00Z","kmod":"kmod-i40e","kernel":"4.18.0-348.el8.x86_64","nevra":"kmod-i40e-2.22.18-2.el8.x86_64"}`,
			"kmod-i40e installs on 4.18.0-348.el8.x86_64 again: fixed by kmod-i40e-2.22.18-2.el8.x86_64"},
		{`{"event":"fixed","kmod":[1]}`, "fixed"},
		{`{"event":"later-kind"}`, "later-kind"},
	} {
		var head struct{ Event string }
		if err := json.Unmarshal([]byte(c.json), &head); err != nil {
			t.Fatal(err)
		}
		if got := eventSummary(head.Event, []byte(c.json)); got != c.want {
			t.Errorf("eventSummary(%s)\n got %q\nwant %q", c.json, got, c.want)
		}
	}
	for n, want := range map[int]string{0: "0", 999: "999", 1000: "1,000", 16283: "16,283", 1234567: "1,234,567", -1000: "-1,000"} {
		if got := groupDigits(n); got != want {
			t.Errorf("groupDigits(%d) = %q, want %q", n, got, want)
		}
	}
}
