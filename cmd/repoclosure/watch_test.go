package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/repoclosure/repoclosure/cmd/repoclosure/report"
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
