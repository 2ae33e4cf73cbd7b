// Package testenv is the one place the tests run external tools (dnf, rpm,
// rpmbuild, createrepo_c, installcheck/testsolv, chromium, python3 with rpm's
// or dnf's bindings, compressors) and find the real data they check against
// (the project's shared data, a package's testdata vectors):
// every tool runs isolated from the host's configuration, and whatever is
// missing skips the test locally with a message naming it and fails it when
// the environment variable CI is set, so CI never passes by skipping.
package testenv

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// Unavailable skips tb with the message, or fails it when CI is set: the
// one place that decides between the two.
func Unavailable(tb testing.TB, format string, args ...any) {
	tb.Helper()
	msg := fmt.Sprintf(format, args...)
	if os.Getenv("CI") != "" {
		tb.Fatalf("CI is set and this test needs it: %s", msg)
	}
	tb.Skipf("skipping: %s", msg)
}

// debianPackages names the Debian package of each tool a test may need, for
// the message when it is missing.
var debianPackages = map[string]string{
	"dnf":          "dnf and dnf-plugins-core",
	"rpm":          "rpm",
	"rpmbuild":     "rpm",
	"createrepo_c": "createrepo-c",
	"modifyrepo_c": "createrepo-c",
	"mergerepo_c":  "createrepo-c",
	"installcheck": "libsolv-tools",
	"testsolv":     "libsolv-tools",
	"chromium":     "chromium",
	"python3":      "python3",
	"bzip2":        "bzip2",
	"xz":           "xz-utils",
	"zstd":         "zstd",
	"comm":         "coreutils",
}

// LookPath returns the path of tool, or an error naming the Debian package
// that installs it.
func LookPath(tool string) (string, error) {
	path, err := exec.LookPath(tool)
	if err == nil {
		return path, nil
	}
	if pkg, ok := debianPackages[tool]; ok {
		return "", fmt.Errorf("%s not installed (Debian package %s): %w", tool, pkg, err)
	}
	return "", fmt.Errorf("%s not installed: %w", tool, err)
}

// Require returns the path of tool, calling Unavailable when it is missing.
func Require(tb testing.TB, tool string) string {
	tb.Helper()
	path, err := LookPath(tool)
	if err != nil {
		Unavailable(tb, "%v", err)
	}
	return path
}

// Python returns a python3 that runs in the isolated environment and
// imports every one of modules (e.g. "rpm", or "dnf", "libdnf.conf"),
// calling Unavailable when there is none. The distribution's
// /usr/bin/python3 comes first: the bindings are installed for it, not for
// another python3 earlier in PATH (pyenv's shims, which also need the real
// HOME).
func Python(tb testing.TB, modules ...string) string {
	tb.Helper()
	imports := strings.Join(append([]string{"sys"}, modules...), ", ")
	var tried []string
	for _, py := range []string{"/usr/bin/python3", "python3"} {
		path, err := exec.LookPath(py)
		if err != nil {
			continue
		}
		out, err := Command(tb, path, "-c", "import "+imports).CombinedOutput()
		if err == nil {
			return path
		}
		tried = append(tried, fmt.Sprintf("%s: %v: %s", path, err, bytes.TrimSpace(out)))
	}
	Unavailable(tb, "no python3 imports %s (Debian packages python3-rpm, python3-dnf); tried %q", imports, tried)
	return ""
}

// Command returns tool with args, to run in the isolated environment (see
// CommandContext) until the test ends; a missing tool calls Unavailable.
func Command(tb testing.TB, tool string, args ...string) *exec.Cmd {
	tb.Helper()
	return CommandContext(tb.Context(), tb, tool, args...)
}

// CommandContext returns tool with args, to run until ctx is done, with
// messages untranslated and HOME a fresh empty directory, so that no
// ~/.rpmmacros, browser profile or user configuration of the host is read;
// XDG_* variables are dropped for the same reason, and Go's own directories
// pinned, so a script that runs go still finds its caches. A missing tool
// calls Unavailable.
func CommandContext(ctx context.Context, tb testing.TB, tool string, args ...string) *exec.Cmd {
	tb.Helper()
	path := tool
	if !strings.Contains(tool, "/") {
		path = Require(tb, tool)
	}
	cmd := exec.CommandContext(ctx, path, args...)
	cmd.Env = isolatedEnv(tb.TempDir())
	return cmd
}

// isolatedEnv is the environment of every tool run: the caller's, with home
// as HOME, no XDG_* or locale variables but C.UTF-8, and Go's directories
// fixed to where they were under the real HOME.
func isolatedEnv(home string) []string {
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		switch {
		case k == "HOME", k == "LANG", k == "LANGUAGE", strings.HasPrefix(k, "LC_"), strings.HasPrefix(k, "XDG_"):
			continue
		}
		env = append(env, kv)
	}
	realHome, _ := os.UserHomeDir()
	if os.Getenv("GOPATH") == "" && realHome != "" {
		env = append(env, "GOPATH="+filepath.Join(realHome, "go"))
	}
	if dir, err := os.UserCacheDir(); err == nil && os.Getenv("GOCACHE") == "" {
		env = append(env, "GOCACHE="+filepath.Join(dir, "go-build"))
	}
	if dir, err := os.UserConfigDir(); err == nil && os.Getenv("GOENV") == "" {
		env = append(env, "GOENV="+filepath.Join(dir, "go", "env"))
	}
	return append(env, "HOME="+home, "LC_ALL=C.UTF-8", "LANG=C.UTF-8", "LANGUAGE=")
}

// SharedData returns the absolute path of elem inside the project's
// read-only real data (see its SOURCES.md): shared/data beside the work
// tree, in the folder holding the module or one above it, as in CI and in
// the worktrees under /work/wt. A missing path calls Unavailable.
func SharedData(tb testing.TB, elem ...string) string {
	tb.Helper()
	root, err := sharedDataRoot()
	if err != nil {
		Unavailable(tb, "shared data: %v", err)
	}
	path := filepath.Join(append([]string{root}, elem...)...)
	if _, err := os.Stat(path); err != nil {
		Unavailable(tb, "shared data: %v", err)
	}
	return path
}

// EVRPairs are the comparisons a kmod x kernel matrix makes by the
// million: kernel(sym) CRCs, then typical EVRs; the version benchmarks
// of rpmver and resolver share them.
var EVRPairs = [][2]string{
	{"0x1234abcd", "0x1234abcd"},
	{"0x1234abcd", "0x1234abce"},
	{"0x8e5a4b21", "0x0c6f1f5d"},
	{"5.14.0-55.el9", "5.14.0-70.13.1.el9_0"},
	{"4.18.0-477.27.1.el8_8", "4.18.0-513.5.1.el8_9"},
	{"1.0~rc1^git20220101", "1.0~rc1^git20220102"},
}

// Vectors returns the TAB-separated fields of every non-empty line of
// testdata/name in the test's package: the test vectors taken from rpm,
// libsolv and the like.
func Vectors(tb testing.TB, name string) [][]string {
	tb.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		tb.Fatal(err)
	}
	var rows [][]string
	for _, line := range strings.Split(string(data), "\n") {
		if line == "" {
			continue
		}
		rows = append(rows, strings.Split(line, "\t"))
	}
	if len(rows) == 0 {
		tb.Fatalf("testdata/%s has no vectors", name)
	}
	return rows
}

// sharedDataRoot finds shared/data in the ancestors of the module root
// (the folder of go.mod above the working directory, which go test sets
// to the package's folder).
func sharedDataRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod above the working directory")
		}
		dir = parent
	}
	module := dir
	for dir = filepath.Dir(module); ; dir = filepath.Dir(dir) {
		data := filepath.Join(dir, "shared", "data")
		if st, err := os.Stat(data); err == nil && st.IsDir() {
			return data, nil
		}
		if filepath.Dir(dir) == dir {
			return "", fmt.Errorf("no shared/data folder beside %s or above it", module)
		}
	}
}
