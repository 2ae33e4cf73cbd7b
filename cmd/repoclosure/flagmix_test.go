package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
)

// TestFlagCombinations: flags that cannot apply are rejected (exit 2)
// rather than ignored, and --json --why carries the why.
func TestFlagCombinations(t *testing.T) {
	base := filepath.Join("..", "..", "testdata", "fixtures", "repos", "base")
	kernels := filepath.Join("..", "..", "testdata", "el8-demo", "kernels")
	common := []string{"-q", "--setopt=reposdir=/nonexistent", "--cachedir", t.TempDir()}
	rejected := map[string][]string{
		"dump -x":              {"dump", "--count", "-x", "kernel*", "--repofrompath", "k," + kernels},
		"dump --rich":          {"dump", "--count", "--rich", "dnf4", "--repofrompath", "k," + kernels},
		"series --json --html": {"series", "--json", "--format", "html", "--repofrompath", "k," + kernels},
	}
	for name, args := range rejected {
		code, stdout, stderr := runCLI(t, append(args, common...)...)
		if code != exitError || stdout != "" || !strings.Contains(stderr, "Error: ") {
			t.Errorf("%s: exit %d, stdout %q, stderr %q; want exit 2 and an error", name, code, stdout, stderr)
		}
	}

	code, text, _ := runCLI(t, append([]string{"--why", "--repofrompath", "b," + base}, common...)...)
	if code != exitUnresolved {
		t.Fatalf("--why: exit %d", code)
	}
	code, stdout, stderr := runCLI(t, append([]string{"--why", "--json", "--repofrompath", "b," + base}, common...)...)
	if code != exitUnresolved {
		t.Fatalf("--json --why: exit %d, %s", code, stderr)
	}
	var entries []struct {
		Package string              `json:"package"`
		Deps    []string            `json:"unresolved_dependencies"`
		Why     map[string][]string `json:"why"`
	}
	if err := json.Unmarshal([]byte(stdout), &entries); err != nil {
		t.Fatal(err)
	}
	reasons := 0
	for _, e := range entries {
		if len(e.Why) != len(e.Deps) {
			t.Errorf("%s: why for %d of %d deps", e.Package, len(e.Why), len(e.Deps))
		}
		for dep, why := range e.Why {
			for _, r := range why {
				reasons++
				if !strings.Contains(text, "    "+dep+"\n      "+r+"\n") && !strings.Contains(text, "      "+r+"\n") {
					t.Errorf("%s: %s: reason %q is not in the --why text", e.Package, dep, r)
				}
			}
		}
	}
	if reasons == 0 || reasons != strings.Count(text, "\n      ") {
		t.Errorf("--json --why gives %d reasons, the text %d", reasons, strings.Count(text, "\n      "))
	}
}
