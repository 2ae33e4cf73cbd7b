package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"

	"github.com/repoclosure/repoclosure/cmd/repoclosure/report"
)

func matrixArgs(t *testing.T) []string {
	return []string{"matrix", "-q", "--setopt=reposdir=/nonexistent", "--cachedir", t.TempDir(), "--format", "json",
		"--repofrompath", "kernels," + fixtureDir("kernels"), "--repofrompath", "kmods," + fixtureDir("kmods")}
}

// -o FILE: a failed run leaves the old file as it was (content and mode,
// no temporary file beside it); a successful one replaces it whole and
// keeps its mode.
func TestOutputWholeOrAbsent(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "matrix.json")
	old := []byte("previous report\n")
	if err := os.WriteFile(out, old, 0o640); err != nil {
		t.Fatal(err)
	}
	badJSON := filepath.Join(t.TempDir(), "bad.json")
	os.WriteFile(badJSON, []byte("{not json"), 0o644)
	failures := map[string][]string{
		"bad --format":         {"--format", "yaml"},
		"bad --baseline":       {"--baseline", badJSON},
		"load error":           {"--repofrompath", "bad," + filepath.Join(dir, "nope")},
		"--kmod matching none": {"--kmod", "nope"},
	}
	for name, extra := range failures {
		code, _, stderr := runCLI(t, append(append(matrixArgs(t), "-o", out), extra...)...)
		if code != exitError {
			t.Errorf("%s: exit %d, want 2: %s", name, code, stderr)
		}
		assertFile(t, name, out, old, 0o640)
		assertNoTemp(t, name, dir)
	}
	code, _, stderr := runCLI(t, append(matrixArgs(t), "-o", out)...)
	if code != exitClosed {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	data, _ := os.ReadFile(out)
	if _, err := report.ReadJSON(bytes.NewReader(data), out); err != nil {
		t.Errorf("-o wrote no matrix: %v", err)
	}
	st, _ := os.Stat(out)
	if st.Mode().Perm() != 0o640 {
		t.Errorf("mode %v, want the old 0640", st.Mode().Perm())
	}
	assertNoTemp(t, "success", dir)
}

// A symlink is written through to its target; a device or FIFO is written
// to directly; a write that fails exits non-zero.
func TestOutputSpecialFiles(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "real.json")
	os.WriteFile(target, []byte("old"), 0o600)
	link := filepath.Join(dir, "link.json")
	os.Symlink(target, link)
	if code, _, stderr := runCLI(t, append(matrixArgs(t), "-o", link)...); code != exitClosed {
		t.Fatalf("-o symlink: exit %d: %s", code, stderr)
	}
	if st, err := os.Lstat(link); err != nil || st.Mode()&os.ModeSymlink == 0 {
		t.Errorf("the symlink was replaced: %v", err)
	}
	if data, _ := os.ReadFile(target); !bytes.HasPrefix(data, []byte("{")) {
		t.Errorf("target holds %q", data)
	}
	if st, _ := os.Stat(target); st.Mode().Perm() != 0o600 {
		t.Errorf("target mode %v, want 0600", st.Mode().Perm())
	}

	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	got := make(chan []byte)
	go func() {
		f, err := os.Open(fifo)
		if err != nil {
			got <- nil
			return
		}
		defer f.Close()
		b, _ := io.ReadAll(f)
		got <- b
	}()
	if code, _, stderr := runCLI(t, append(matrixArgs(t), "-o", fifo)...); code != exitClosed {
		t.Fatalf("-o fifo: exit %d: %s", code, stderr)
	}
	if b := <-got; !bytes.HasPrefix(b, []byte("{")) {
		t.Errorf("the FIFO's reader got %q", b)
	}
	if st, err := os.Lstat(fifo); err != nil || st.Mode()&os.ModeNamedPipe == 0 {
		t.Errorf("the FIFO was replaced: %v", err)
	}

	if _, err := os.Stat("/dev/full"); err == nil {
		code, _, stderr := runCLI(t, append(matrixArgs(t), "-o", "/dev/full")...)
		if code != exitError || !strings.Contains(stderr, "no space") {
			t.Errorf("-o /dev/full: exit %d, %q", code, stderr)
		}
	}
	for name, o := range map[string]string{"missing folder": filepath.Join(dir, "no", "x.json"), "a folder": dir} {
		if code, _, _ := runCLI(t, append(matrixArgs(t), "-o", o)...); code != exitError {
			t.Errorf("-o %s: exit %d, want 2", name, code)
		}
	}
}

// failWriter fails every write, as a full disk or a closed pipe does.
type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, syscall.ENOSPC }

// Every command reports a lost stdout write, with exit 2.
func TestStdoutWriteErrors(t *testing.T) {
	repos := []string{"-q", "--setopt=reposdir=/nonexistent", "--cachedir", t.TempDir(),
		"--repofrompath", "kernels," + fixtureDir("kernels"), "--repofrompath", "kmods," + fixtureDir("kmods")}
	commands := map[string][]string{
		"closure":        {"closure"},
		"closure --json": {"closure", "--json"},
		"dump":           {"dump"},
		"dump --count":   {"dump", "--count"},
		"matrix":         {"matrix"},
		"matrix csv":     {"matrix", "--format", "csv"},
		"series":         {"series"},
		"series --json":  {"series", "--json"},
		"symdiff":        {"symdiff", "4.18.0-305.el8.x86_64", "4.18.0-348.el8.x86_64"},
	}
	full, fullErr := os.OpenFile("/dev/full", os.O_WRONLY, 0)
	if fullErr == nil {
		defer full.Close()
	}
	for name, cmd := range commands {
		args := append(append([]string{}, cmd...), repos...)
		outs := map[string]io.Writer{"failing writer": failWriter{}}
		if fullErr == nil {
			outs["/dev/full"] = full
		}
		for outName, w := range outs {
			var stderr bytes.Buffer
			code := run(context.Background(), args, w, &stderr)
			if code != exitError || !strings.Contains(stderr.String(), "no space left on device") {
				t.Errorf("%s > %s: exit %d, stderr %q", name, outName, code, stderr.String())
			}
		}
	}
}

// Flags and the files they name are checked before any repository is
// loaded: the server is never asked.
func TestFlagsCheckedBeforeLoading(t *testing.T) {
	var requests atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		http.NotFound(w, r)
	}))
	defer srv.Close()
	dir := t.TempDir()
	badJSON := filepath.Join(dir, "bad.json")
	os.WriteFile(badJSON, []byte("{not json"), 0o644)
	emptyJSON := filepath.Join(dir, "empty.json")
	os.WriteFile(emptyJSON, []byte("{}\n"), 0o644)
	arrayJSON := filepath.Join(dir, "array.json")
	os.WriteFile(arrayJSON, []byte("[]\n"), 0o644)
	repos := []string{"-q", "--setopt=reposdir=/nonexistent", "--cachedir", t.TempDir(), "--repofrompath", "r," + srv.URL}
	cases := map[string][]string{
		"--baseline {}":         {"matrix", "--baseline", emptyJSON},
		"--baseline []":         {"matrix", "--baseline", arrayJSON},
		"--format":              {"matrix", "--format", "yaml"},
		"--baseline unreadable": {"matrix", "--baseline", dir},
		"--baseline bad":        {"matrix", "--baseline", badJSON},
		"--stablelist":          {"series", "--stablelist", filepath.Join(dir, "nope")},
		"--stablelist LABEL=":   {"series", "--stablelist", "8.4="},
		"-o in no folder":       {"matrix", "-o", filepath.Join(dir, "no", "m.json")},
		"--rich":                {"closure", "--rich", "bogus"},
		"--check of no repo":    {"closure", "--check", "nope"},
	}
	for name, args := range cases {
		code, _, stderr := runCLI(t, append(args, repos...)...)
		if code != exitError || stderr == "" {
			t.Errorf("%s: exit %d, stderr %q", name, code, stderr)
		}
		if name == "-o in no folder" && !strings.Contains(stderr, "folder "+filepath.Join(dir, "no")+" does not exist") {
			t.Errorf("%s: stderr %q, want it to name the missing folder", name, stderr)
		}
		if name == "--stablelist LABEL=" && !strings.Contains(stderr, `--stablelist "8.4=": no FILE after LABEL=`) {
			t.Errorf("%s: stderr %q, want it to say the FILE is missing", name, stderr)
		}
		if strings.HasPrefix(name, "--baseline {") || strings.HasPrefix(name, "--baseline [") {
			if !strings.Contains(stderr, args[2]+": not a matrix") {
				t.Errorf("%s: stderr %q, want it to name %s as not a matrix", name, stderr, args[2])
			}
		}
	}
	if n := requests.Load(); n != 0 {
		t.Errorf("the repository was asked %d times before the flags were checked", n)
	}
}

// TestEscapedReport: the text formats of a report with control characters
// show none raw, and the report copied from is left as it was.
func TestEscapedReport(t *testing.T) {
	r := &report.Matrix{
		Kernels: []report.Kernel{{Uname: "k\x1b", Packages: []string{"p\x07"}}},
		Kmods:   []report.Kmod{{NEVRA: "m\x1b"}},
		Cells:   []report.Cell{{Kmod: "m\x1b", Kernel: "k\x1b", Missing: []report.Missing{{Dep: "d\x1b", KernelHas: "h\x1b"}}}},
	}
	e := escapedReport(r)
	var table bytes.Buffer
	report.WriteTable(&table, e, false)
	var md bytes.Buffer
	report.WriteMarkdown(&md, e)
	for _, out := range []string{table.String(), md.String()} {
		if strings.ContainsAny(out, "\x1b\x07") {
			t.Errorf("raw control characters in %q", out)
		}
	}
	if r.Kmods[0].NEVRA != "m\x1b" || r.Cells[0].Missing[0].Dep != "d\x1b" {
		t.Errorf("escapedReport changed the report it copied: %+v", r)
	}
}

func assertFile(t *testing.T, name, p string, want []byte, mode os.FileMode) {
	t.Helper()
	data, err := os.ReadFile(p)
	if err != nil || !bytes.Equal(data, want) {
		t.Errorf("%s: %s holds %q (%v), want %q untouched", name, p, data, err, want)
	}
	if st, err := os.Stat(p); err != nil || st.Mode().Perm() != mode {
		t.Errorf("%s: %s mode changed: %v", name, p, err)
	}
}

func assertNoTemp(t *testing.T, name, dir string) {
	t.Helper()
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".") {
			t.Errorf("%s: temporary file %s left", name, e.Name())
		}
	}
}
