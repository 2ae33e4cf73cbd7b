package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io"
	"maps"
	"net"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/repoclosure/repoclosure/cmd/repoclosure/report"
	"github.com/repoclosure/repoclosure/internal/plural"
	"github.com/repoclosure/repoclosure/kabi"
	"github.com/repoclosure/repoclosure/kabi/history"
	"github.com/spf13/cobra"
)

// Limits of the read-only server: it answers GET and HEAD with no body to
// read, so a request is its header, and a slow or huge one is cut off.
const (
	serveMaxHeader   = 16 << 10
	serveMaxURL      = 2 << 10
	serveReadTimeout = 10 * time.Second
	// serveWriteTimeout covers computing a view from a large database.
	serveWriteTimeout = 2 * time.Minute
	serveIdleTimeout  = time.Minute
	serveEventsShown  = 200 // on the events page; the API has no limit

	htmlType = "text/html; charset=utf-8"
	jsonType = "application/json"
)

func init() { addCommand(newServeCmd) }

// serveFlags are the serve command's options.
type serveFlags struct {
	kernelFlags
	listen string
}

// newServeCmd serves the pages and a JSON API over a history database.
func newServeCmd(code *int) *cobra.Command {
	f := new(serveFlags)
	cmd := &cobra.Command{
		Use:   "serve --db FILE [--listen ADDR]",
		Short: "Serve the matrix, series and events of a history database over HTTP, read-only",
		Long: `Serves the history database that watch keeps: the matrix page (/matrix), the
series page with the symbol blame (/series), the recent events (/ and /events), and a
JSON API: /api/kernels, /api/kmods, /api/matrix (as matrix --format json),
/api/series (as series --json --symbols) and /api/events?since=RFC3339 (the events
as watch printed them). Read-only: GET and HEAD only, bounded request sizes and
timeouts, no write path; loopback by default. The views are computed again when
the database changes.`,
		Example: `  repoclosure serve --db history.db
  repoclosure serve --db /var/lib/repoclosure/history.db --listen 127.0.0.1:9090`,
		Args: cobra.NoArgs,
	}
	fs := cmd.Flags()
	f.registerDB(fs)
	fs.Lookup("db").Usage = "the history database `FILE` that watch writes (required; opened read-only)"
	fs.StringVar(&f.listen, "listen", "127.0.0.1:8080", "listen on `ADDR` (host:port; loopback by default)")
	inGroup(fs, groupOutput, "listen")
	cmd.RunE = runE(code, func(cmd *cobra.Command, _ []string) (int, error) { return f.run(cmd) })
	return cmd
}

func (f *serveFlags) run(cmd *cobra.Command) (int, error) {
	if f.db == "" {
		return exitError, usageError{errors.New("serve needs --db FILE (a history database written by watch)")}
	}
	// A file that is not a readable history database is refused now, not
	// in every request.
	st, err := history.Open(cmd.Context(), f.db, false)
	if err != nil {
		return exitError, err
	}
	st.Close()
	ln, err := net.Listen("tcp", f.listen)
	if err != nil {
		return exitError, fmt.Errorf("serve: %w", err)
	}
	fmt.Fprintf(cmd.ErrOrStderr(), "serving %s on http://%s/ (read-only)\n", f.db, ln.Addr())
	if err := newServer(&f.kernelFlags, cmd.ErrOrStderr()).serve(cmd.Context(), ln); err != nil {
		return exitError, err
	}
	return exitClosed, nil
}

// server answers from the history database; views computed from it are kept
// until the database file changes.
type server struct {
	kf     *kernelFlags
	stderr io.Writer
	mux    *http.ServeMux
	index  *template.Template // of indexSource

	mu    sync.Mutex
	stamp string // size and mtime of the database and its WAL when views was made
	views *views
}

// views are the reports of one state of the database.
type views struct {
	matrix *report.Matrix
	series *report.Series
}

func newServer(kf *kernelFlags, stderr io.Writer) *server {
	s := &server{kf: kf, stderr: stderr, mux: http.NewServeMux(), index: template.Must(template.New("index").Parse(indexSource))}
	s.mux.HandleFunc("GET /{$}", s.overviewPage(20))
	s.mux.HandleFunc("GET /matrix", s.view(htmlType, func(w io.Writer, v *views) error {
		return report.WriteHTML(w, v.matrix, "kmod × kernel install matrix")
	}))
	s.mux.HandleFunc("GET /series", s.view(htmlType, func(w io.Writer, v *views) error { return report.WriteSeriesHTML(w, v.series, "kernel series") }))
	s.mux.HandleFunc("GET /events", s.overviewPage(serveEventsShown))
	s.mux.HandleFunc("GET /api/kernels", s.view(jsonType, func(w io.Writer, v *views) error { return writeJSON(w, v.matrix.Kernels) }))
	s.mux.HandleFunc("GET /api/kmods", s.view(jsonType, func(w io.Writer, v *views) error { return writeJSON(w, v.matrix.Kmods) }))
	s.mux.HandleFunc("GET /api/matrix", s.view(jsonType, func(w io.Writer, v *views) error { return report.WriteJSON(w, v.matrix) }))
	s.mux.HandleFunc("GET /api/series", s.view(jsonType, func(w io.Writer, v *views) error { return writeJSON(w, v.series) }))
	s.mux.HandleFunc("GET /api/events", s.apiEvents)
	return s
}

// serve runs the HTTP server on ln until ctx ends.
func (s *server) serve(ctx context.Context, ln net.Listener) error {
	hs := &http.Server{
		Handler:           s,
		ReadHeaderTimeout: serveReadTimeout,
		ReadTimeout:       serveReadTimeout,
		WriteTimeout:      serveWriteTimeout,
		IdleTimeout:       serveIdleTimeout,
		MaxHeaderBytes:    serveMaxHeader,
		BaseContext:       func(net.Listener) context.Context { return ctx },
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		<-ctx.Done()
		shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		hs.Shutdown(shutdown)
	}()
	err := hs.Serve(ln)
	if errors.Is(err, http.ErrServerClosed) {
		<-done
		return nil
	}
	return fmt.Errorf("serve: %w", err)
}

// ServeHTTP enforces the read-only limits before routing.
func (s *server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "read-only: GET and HEAD only", http.StatusMethodNotAllowed)
		return
	}
	if len(r.RequestURI) > serveMaxURL {
		http.Error(w, "request URI too long", http.StatusRequestURITooLong)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 0)
	w.Header().Set("X-Content-Type-Options", "nosniff")
	// The pages are self-contained: they need nothing from anywhere.
	w.Header().Set("Content-Security-Policy", "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:")
	s.mux.ServeHTTP(w, r)
}

// current returns the views of the database as it is now, computing them
// again only when the database changed.
func (s *server) current(ctx context.Context) (*views, error) {
	stamp := ""
	for _, f := range []string{s.kf.db, s.kf.db + "-wal"} {
		if fi, err := os.Stat(f); err == nil {
			stamp += fmt.Sprintf("%s:%d:%d;", f, fi.Size(), fi.ModTime().UnixNano())
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.views != nil && stamp == s.stamp {
		return s.views, nil
	}
	// A database with no kernel build yet is an empty dashboard, not the
	// reports' error.
	w, err := s.kf.loadHistory(ctx, s.stderr)
	if err != nil {
		return nil, err
	}
	m := kabi.NewMatrix(w.pool, w.kernels, w.kmods)
	v := &views{series: &report.Series{Kernels: []report.SeriesKernel{}, Kmods: []report.SeriesKmod{}, MostBreaking: []string{}}}
	if len(w.kernels) > 0 {
		if err := s.kf.checkSelection(w.pool, w.kmods); err != nil {
			return nil, err
		}
		// The series first: matrixReport consumes m.
		v.series = w.seriesReport(m, kabi.NewSeries(w.pool, m, 0), nil, true)
	}
	v.matrix = w.matrixReport(m)
	s.stamp, s.views = stamp, v
	return v, nil
}

func (s *server) fail(w http.ResponseWriter, err error) {
	// The store's errors name the database already.
	http.Error(w, err.Error(), http.StatusInternalServerError)
}

// view serves a view of the database as contentType.
func (s *server) view(contentType string, write func(io.Writer, *views) error) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		v, err := s.current(r.Context())
		if err != nil {
			s.fail(w, err)
			return
		}
		w.Header().Set("Content-Type", contentType)
		if err := write(w, v); err != nil {
			s.fail(w, err)
		}
	}
}

// events reads the events after since (every one for the zero time), in
// order, as watch printed them.
func (s *server) events(ctx context.Context, since time.Time) ([]json.RawMessage, []history.Event, error) {
	st, err := history.Open(ctx, s.kf.db, false)
	if err != nil {
		return nil, nil, err
	}
	defer st.Close()
	all, err := st.Events(ctx, 0)
	if err != nil {
		return nil, nil, err
	}
	raw := []json.RawMessage{}
	var kept []history.Event
	for _, e := range all {
		// The time a client sees is the event's "time", to the second.
		var printed struct{ Time time.Time }
		if err := json.Unmarshal(e.JSON, &printed); err != nil {
			return nil, nil, fmt.Errorf("history database %s: event %s: %w", s.kf.db, e.JSON, err)
		}
		if printed.Time.After(since) {
			raw = append(raw, json.RawMessage(e.JSON))
			kept = append(kept, e)
		}
	}
	return raw, kept, nil
}

// apiEvents serves /api/events?since=RFC3339.
func (s *server) apiEvents(w http.ResponseWriter, r *http.Request) {
	var since time.Time
	if q := r.URL.Query().Get("since"); q != "" {
		t, err := time.Parse(time.RFC3339, q)
		if err != nil {
			http.Error(w, "since: want an RFC 3339 time such as 2026-11-29T14:00:00Z", http.StatusBadRequest)
			return
		}
		since = t
	}
	raw, _, err := s.events(r.Context(), since)
	if err != nil {
		s.fail(w, err)
		return
	}
	w.Header().Set("Content-Type", jsonType)
	writeJSON(w, raw)
}

// indexSource is the front and events pages' template, parsed when serve
// starts rather than when any command does.
const indexSource = `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>repoclosure history</title>
<style>body { font: 14px/1.5 system-ui, sans-serif; margin: 16px 20px; max-width: 1100px; color: #1f2328; }
table { border-collapse: collapse; font-size: 12px; } td:first-child, td:nth-child(2) { white-space: nowrap; } th, td { border-bottom: 1px solid #d0d7de; padding: 3px 8px; text-align: left; vertical-align: top; }
code { font: 12px ui-monospace, monospace; } details pre { font: 11px ui-monospace, monospace; white-space: pre-wrap; overflow-wrap: anywhere; margin: 4px 0; padding: 6px; background: #f6f8fa; } summary { cursor: pointer; } .ev-regression { color: #c62828; font-weight: 600; } .ev-fixed { color: #2e7d32; }</style>
</head><body data-ready="1">
<h1>repoclosure history</h1>
<p>{{.DB}}: {{.Kernels}} kernel builds, {{.Kmods}} kmods, {{.Events}} events.</p>
{{if not .Kernels}}<p id="empty">No kernel builds are recorded yet: <code>repoclosure watch --db {{.DB}}</code> records them.</p>{{end}}
<ul><li><a href="matrix">kmod × kernel install matrix</a></li><li><a href="series">kernel series and symbol blame</a></li><li><a href="events">recent events</a></li>
<li>JSON: <a href="api/kernels">/api/kernels</a>, <a href="api/kmods">/api/kmods</a>, <a href="api/matrix">/api/matrix</a>, <a href="api/series">/api/series</a>, <a href="api/events">/api/events?since=…</a></li></ul>
{{if .Recent}}<h2>Recent events</h2>
<table id="events"><thead><tr><th>time</th><th>event</th><th>what happened</th></tr></thead><tbody>
{{range .Recent}}<tr><td>{{.Time}}</td><td class="ev-{{.Kind}}">{{.Kind}}</td><td><details><summary>{{.Summary}}</summary><pre>{{.JSON}}</pre></details></td></tr>
{{end}}</tbody></table>{{end}}
</body></html>
`

type indexPage struct {
	DB                     string
	Kernels, Kmods, Events int
	Recent                 []indexEvent
}

// indexEvent is an event's row: a one-line summary, its JSON on demand.
type indexEvent struct{ Time, Kind, Summary, JSON string }

func (s *server) overview(r *http.Request, shown int) (indexPage, error) {
	v, err := s.current(r.Context())
	if err != nil {
		return indexPage{}, err
	}
	_, evs, err := s.events(r.Context(), time.Time{})
	if err != nil {
		return indexPage{}, err
	}
	p := indexPage{DB: s.kf.db, Kernels: len(v.matrix.Kernels), Kmods: len(v.matrix.Kmods), Events: len(evs)}
	for i := len(evs) - 1; i >= 0 && len(p.Recent) < shown; i-- {
		e := evs[i]
		js := e.JSON
		var indented bytes.Buffer
		if json.Indent(&indented, e.JSON, "", "  ") == nil {
			js = indented.Bytes()
		}
		p.Recent = append(p.Recent, indexEvent{e.Time.UTC().Format(time.RFC3339), e.Kind, eventSummary(e.Kind, e.JSON), string(js)})
	}
	return p, nil
}

// overviewPage serves the counts and the shown most recent events.
func (s *server) overviewPage(shown int) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		p, err := s.overview(r, shown)
		if err != nil {
			s.fail(w, err)
			return
		}
		w.Header().Set("Content-Type", htmlType)
		s.index.Execute(w, p)
	}
}

// eventSummary says in one line what an event (its JSON as watch printed
// it) means; an event it cannot read is named by its kind alone.
func eventSummary(kind string, js []byte) string {
	var err error
	switch kind {
	case kabi.EventKernelAdded:
		var e kabi.KernelAddedEvent
		if err = json.Unmarshal(js, &e); err == nil {
			return fmt.Sprintf("%s first seen (%s): %s symbols", e.Uname, e.Source, groupDigits(e.Symbols))
		}
	case kabi.EventKernelRemoved:
		var e kabi.KernelRemovedEvent
		if err = json.Unmarshal(js, &e); err == nil {
			return e.Uname + " gone from every mirror (the history keeps it)"
		}
	case kabi.EventKmodAdded:
		var e kabi.KmodAddedEvent
		if err = json.Unmarshal(js, &e); err == nil {
			return e.NEVRA + " first seen"
		}
	case kabi.EventRegression:
		var e kabi.RegressionEvent
		if err = json.Unmarshal(js, &e); err == nil {
			return regressionSummary(&e)
		}
	case kabi.EventFixed:
		var e kabi.FixedEvent
		if err = json.Unmarshal(js, &e); err == nil {
			return fmt.Sprintf("%s installs on %s again: fixed by %s", e.Kmod, e.Kernel, e.NEVRA)
		}
	}
	return kind
}

// regressionSummary names the kmod, the kernels, a build that installed on
// the previous one and what that build lacks on the new one, by reason.
func regressionSummary(e *kabi.RegressionEvent) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s no longer installs on %s", e.Kmod, e.Kernel)
	if len(e.WorksOnPrevious) == 0 {
		return b.String()
	}
	via := e.WorksOnPrevious[0]
	fmt.Fprintf(&b, " (installed on %s via %s", e.Previous, via)
	if n := len(e.WorksOnPrevious) - 1; n > 0 {
		fmt.Fprintf(&b, " and %s", plural.Count(n, "other build"))
	}
	b.WriteString(")")
	counts := map[string]int{}
	for _, m := range e.Missing[via] {
		counts[m.Reason]++
	}
	var parts []string
	for _, r := range []struct{ reason, one, many string }{
		{string(kabi.ReasonCRCMismatch), "CRC mismatch", "CRC mismatches"},
		{string(kabi.ReasonUnknownSymbol), "unknown symbol", "unknown symbols"},
		{string(kabi.ReasonKernelVersion), "kernel version requirement", "kernel version requirements"},
		{string(kabi.ReasonKernelPackageMissing), "missing kernel package", "missing kernel packages"},
		{string(kabi.ReasonOther), "other unmet dependency", "other unmet dependencies"},
	} {
		if n := counts[r.reason]; n > 0 {
			word := r.many
			if n == 1 {
				word = r.one
			}
			parts = append(parts, groupDigits(n)+" "+word)
			delete(counts, r.reason)
		}
	}
	// Reasons this version does not name, in a stable order.
	for _, r := range slices.Sorted(maps.Keys(counts)) {
		parts = append(parts, fmt.Sprintf("%d %s", counts[r], r))
	}
	if len(parts) > 0 {
		b.WriteString(": " + strings.Join(parts, ", "))
	}
	return b.String()
}

// groupDigits writes n with thousands separated by commas: 3,057.
func groupDigits(n int) string {
	s := strconv.Itoa(n)
	start := 0
	if n < 0 {
		start = 1
	}
	for i := len(s) - 3; i > start; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
