package main

import (
	"bytes"
	"errors"
	"go/build"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// readDir returns every file under dir by relative path, except README.md.
func readDir(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	files := map[string][]byte{}
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || d.Name() == "README.md" {
			return err
		}
		data, err := os.ReadFile(path)
		rel, _ := filepath.Rel(dir, path)
		files[rel] = data
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// TestEl8DemoRegenerates runs the command that testdata/el8-demo/README.md
// gives and checks that it reproduces the committed files byte for byte.
func TestEl8DemoRegenerates(t *testing.T) {
	demo := filepath.Join("..", "..", "testdata", "el8-demo")
	readme, err := os.ReadFile(filepath.Join(demo, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	const prefix = "go run ./cmd/repogen "
	var args []string
	for _, line := range strings.Split(string(readme), "\n") {
		if strings.HasPrefix(line, prefix) {
			args = strings.Fields(strings.TrimPrefix(line, prefix))
		}
	}
	i := slices.Index(args, "-o")
	if i < 0 || i+1 >= len(args) || args[i+1] != "testdata/el8-demo" {
		t.Fatalf("README.md has no %q command writing -o testdata/el8-demo: %q", prefix, args)
	}
	out := t.TempDir()
	args[i+1] = out
	var stdout, stderr bytes.Buffer
	if err := run(args, &stdout, &stderr); err != nil {
		t.Fatalf("repogen %q: %v\n%s", args, err, stderr.String())
	}
	want, got := readDir(t, demo), readDir(t, out)
	for name, data := range want {
		if !bytes.Equal(got[name], data) {
			t.Errorf("%s: regenerated file differs (%d bytes, committed %d)", name, len(got[name]), len(data))
		}
	}
	for name := range got {
		if _, ok := want[name]; !ok {
			t.Errorf("%s: regenerated but not committed", name)
		}
	}
	if _, ok := want[filepath.Join("kernels", "repodata", "repomd.xml")]; !ok {
		t.Errorf("committed demo lacks kernels/repodata/repomd.xml: %v", slices.Sorted(maps.Keys(want)))
	}
}

func TestRunRandom(t *testing.T) {
	out := t.TempDir()
	var stdout bytes.Buffer
	if err := run([]string{"random", "-o", out, "--seed", "5", "--n", "30", "--rich", "--compress", "zstd"}, &stdout, &bytes.Buffer{}); err != nil {
		t.Fatal(err)
	}
	if got, want := stdout.String(), out+": 30 packages\n"; got != want {
		t.Errorf("stdout = %q, want %q", got, want)
	}
	matches, _ := filepath.Glob(filepath.Join(out, "repodata", "*-primary.xml.zst"))
	if len(matches) != 1 {
		t.Errorf("want one zstd primary, got %v", matches)
	}
}

// TestHelp: --help and a command's -h print usage and succeed.
func TestHelp(t *testing.T) {
	for _, args := range [][]string{{"--help"}, {"-h"}, {"help"}, {"random", "-h"}, {"kernel-series", "--help"}} {
		var stdout, stderr bytes.Buffer
		if err := run(args, &stdout, &stderr); err != nil {
			t.Errorf("run(%q) = %v, want success", args, err)
		}
		if out := stdout.String() + stderr.String(); !strings.Contains(out, "-o") || !strings.Contains(out, "seed") {
			t.Errorf("run(%q) printed %q, want the usage", args, out)
		}
	}
}

func TestRunErrors(t *testing.T) {
	tmp := t.TempDir()
	tests := []struct {
		args []string
		want string
	}{
		{nil, "usage"},
		{[]string{"bogus"}, "unknown command"},
		{[]string{"random"}, "-o is required"},
		{[]string{"kernel-series", "--kernels", "x", "-o", tmp}, "invalid value"},
		{[]string{"random", "-o", tmp, "--compress", "bz2"}, "unknown compression"},
		{[]string{"random", "-o", tmp, "extra"}, "unexpected argument"},
	}
	for _, tt := range tests {
		err := run(tt.args, &bytes.Buffer{}, &bytes.Buffer{})
		if err == nil || !errors.Is(err, errUsage) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("run(%q) = %v, want a usage error containing %q", tt.args, err, tt.want)
		}
	}
}

// The generator writes test data; it must not depend on the program whose
// reports it feeds (nor on anything of cmd/repoclosure), directly or through
// the module's packages it imports.
func TestNoReportDependency(t *testing.T) {
	const module = "github.com/repoclosure/repoclosure/"
	seen := map[string]bool{}
	var walk func(dir, path string)
	walk = func(dir, path string) {
		if seen[path] {
			return
		}
		seen[path] = true
		pkg, err := build.ImportDir(dir, 0)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		for _, imp := range pkg.Imports {
			rel, ok := strings.CutPrefix(imp, module)
			if !ok {
				continue
			}
			if strings.HasPrefix(rel, "cmd/") {
				t.Errorf("%s imports %s", path, imp)
				continue
			}
			walk(filepath.Join("..", "..", filepath.FromSlash(rel)), imp)
		}
	}
	walk(".", module+"cmd/repogen")
	if len(seen) < 2 {
		t.Errorf("walked %d packages: the module's imports were not followed", len(seen))
	}
}
