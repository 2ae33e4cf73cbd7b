package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"
)

// TestHelpExamplesRun runs every help example that reads testdata/ (the
// ones a reader can paste in a checkout) from the repository root: each
// must give an answer (exit 0, 1 or 3), not an error. -o goes to a
// temporary folder.
func TestHelpExamplesRun(t *testing.T) {
	var code int
	root := newRootCmd(&code)
	var examples []string
	for _, cmd := range append(root.Commands(), root) {
		for _, line := range strings.Split(cmd.Example, "\n") {
			if line = strings.TrimSpace(line); strings.Contains(line, "testdata/") {
				examples = append(examples, line)
			}
		}
	}
	if len(examples) < 4 {
		t.Fatalf("found %d examples using testdata/, want at least 4", len(examples))
	}
	out := t.TempDir()
	t.Chdir(filepath.Join("..", ".."))
	for _, ex := range examples {
		args := strings.Fields(ex)
		if args[0] != "repoclosure" || strings.ContainsAny(ex, `'"|`) {
			t.Fatalf("example %q: want a plain repoclosure command line", ex)
		}
		args = args[1:]
		for i := range args {
			if i > 0 && args[i-1] == "-o" {
				args[i] = filepath.Join(out, args[i])
			}
		}
		args = append(args, "-q", "--setopt=reposdir=/nonexistent", "--cachedir", filepath.Join(out, "cache"))
		var stdout, stderr bytes.Buffer
		if c := run(context.Background(), args, &stdout, &stderr); c != exitClosed && c != exitUnresolved && c != exitRegression {
			t.Errorf("%s: exit %d: %s", ex, c, stderr.String())
		} else if stdout.Len() == 0 && !strings.Contains(ex, " -o ") {
			t.Errorf("%s: printed nothing", ex)
		}
	}
}
