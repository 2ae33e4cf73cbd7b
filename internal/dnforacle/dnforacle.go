// Package dnforacle runs the real `dnf repoclosure` (dnf 4 with the
// dnf-plugins-core repoclosure plugin) as a test oracle, through testenv so
// that no host configuration leaks in, and parses what it prints.
//
// Tests call Require first, so that they skip where dnf is missing and fail
// in CI (env CI set), then Run with the repositories to check.
package dnforacle

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/repoclosure/repoclosure/internal/testenv"
)

// Repo is a repository for Run: Name is the repo id dnf reports ("from
// NAME"), Path the directory holding repodata/.
type Repo = testenv.Repo

// Result is what one dnf repoclosure run reported.
type Result struct {
	// Unresolved maps the package as dnf prints it after "package: ",
	// "NEVRA from REPO" (epoch only when non-zero), to its unresolved deps,
	// sorted (dnf prints them in an unstable order).
	Unresolved map[string][]string
	// ExitCode is 0 when the closure is complete, 1 when deps are unresolved.
	ExitCode int
	// Stdout and Stderr are dnf's raw output.
	Stdout, Stderr string
}

// summaryRE matches the line dnf writes to stderr after listing unresolved
// packages.
var summaryRE = regexp.MustCompile(`Repoclosure ended with unresolved dependencies \((\d+)\) across (\d+) packages\.`)

// Run runs `dnf repoclosure` on repos, plus args (e.g. "--newest", "--check",
// "base", "-x", "foo", "--setopt=best=True"), isolated from the host as
// testenv.DNF runs it: its own configuration (best=False,
// skip_if_unavailable=False), no reposdir, a throw-away install root and
// cache, --releasever=8.
//
// An exit code of 1 with dnf's "Repoclosure ended with unresolved
// dependencies" summary is a successful run; any other failure (dnf missing,
// a repository that cannot be read, an unknown --pkg) is an error carrying
// dnf's stderr.
func Run(ctx context.Context, repos []Repo, args ...string) (*Result, error) {
	stdout, stderr, code, argv, err := runDNF(ctx, "repoclosure", repos, args)
	if err != nil {
		return nil, err
	}
	res := &Result{Stdout: stdout, Stderr: stderr, ExitCode: code}
	if err := res.check(); err != nil {
		return nil, fmt.Errorf("dnforacle: dnf %s: %w", strings.Join(argv, " "), err)
	}
	return res, nil
}

// Repoquery runs `dnf repoquery` on repos with args (e.g. "--provides",
// "bash") in the same throw-away set-up as Run and returns its stdout; a
// non-zero exit is an error carrying dnf's stderr.
func Repoquery(ctx context.Context, repos []Repo, args ...string) (string, error) {
	stdout, stderr, code, argv, err := runDNF(ctx, "repoquery", repos, args)
	if err != nil {
		return "", err
	}
	if code != 0 {
		return "", fmt.Errorf("dnforacle: dnf %s: exit %d: %s", strings.Join(argv, " "), code, strings.TrimSpace(stderr))
	}
	return stdout, nil
}

// runDNF runs one dnf command in testenv's isolated set-up.
func runDNF(ctx context.Context, command string, repos []Repo, args []string) (stdout, stderr string, code int, argv []string, err error) {
	out, err := testenv.DNF{Repos: repos}.Run(ctx, command, args...)
	if err != nil {
		return "", "", 0, nil, fmt.Errorf("dnforacle: %w", err)
	}
	return out.Stdout, out.Stderr, out.ExitCode, out.Args, nil
}

// check parses Stdout into Unresolved and checks that it agrees with the exit
// code and with the totals dnf prints on stderr.
func (r *Result) check() error {
	unresolved, err := parseOutput(r.Stdout)
	if err != nil {
		return fmt.Errorf("parsing stdout: %w\nstdout:\n%s", err, r.Stdout)
	}
	r.Unresolved = unresolved
	m := summaryRE.FindStringSubmatch(r.Stderr)
	switch {
	case r.ExitCode == 0 && len(unresolved) == 0 && m == nil:
		return nil
	case r.ExitCode == 0:
		return fmt.Errorf("exit code 0 but %d packages listed as unresolved", len(unresolved))
	case m == nil:
		return fmt.Errorf("exit code %d: %s", r.ExitCode, strings.TrimSpace(r.Stderr))
	}
	deps := 0
	for _, d := range unresolved {
		deps += len(d)
	}
	wantDeps, _ := strconv.Atoi(m[1])
	wantPkgs, _ := strconv.Atoi(m[2])
	if deps != wantDeps || len(unresolved) != wantPkgs {
		return fmt.Errorf("stderr reports %d deps across %d packages, stdout lists %d across %d",
			wantDeps, wantPkgs, deps, len(unresolved))
	}
	return nil
}

// Available reports whether dnf and its repoclosure plugin work here: nil, or
// an error naming what is missing.
func Available() error {
	if _, err := testenv.LookPath("dnf"); err != nil {
		return fmt.Errorf("dnforacle: %w", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if _, err := Run(ctx, nil); err != nil {
		return fmt.Errorf("dnforacle: dnf repoclosure does not run (is dnf-plugins-core installed?): %w", err)
	}
	return nil
}

// Require calls testenv.Unavailable (skip locally, fail in CI), naming what
// is missing, when Available fails.
func Require(t testing.TB) {
	t.Helper()
	if err := Available(); err != nil {
		testenv.Unavailable(t, "the dnf oracle: %v", err)
	}
}

// parseOutput parses repoclosure's stdout:
//
//	package: foo-1:2.0-1.el8.x86_64 from REPO
//	  unresolved deps (2):
//	    bar >= 1.2
//	    /usr/bin/baz
//
// checking that each count matches the dep lines under it. It returns the
// deps of each package sorted.
func parseOutput(out string) (map[string][]string, error) {
	result := map[string][]string{}
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if out == "" {
		lines = nil
	}
	for i := 0; i < len(lines); {
		pkg, ok := strings.CutPrefix(lines[i], "package: ")
		if !ok || !strings.Contains(pkg, " from ") {
			return nil, fmt.Errorf("line %d: want %q, got %q", i+1, "package: NEVRA from REPO", lines[i])
		}
		if _, dup := result[pkg]; dup {
			return nil, fmt.Errorf("line %d: package %q listed twice", i+1, pkg)
		}
		i++
		if i == len(lines) {
			return nil, fmt.Errorf("line %d: output ends after %q", i, lines[i-1])
		}
		count, err := parseCount(lines[i])
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", i+1, err)
		}
		i++
		deps := make([]string, 0, min(count, len(lines)-i))
		for ; i < len(lines); i++ {
			dep, ok := strings.CutPrefix(lines[i], "    ")
			if !ok {
				break
			}
			if dep == "" {
				return nil, fmt.Errorf("line %d: empty dependency", i+1)
			}
			deps = append(deps, dep)
		}
		if len(deps) != count {
			return nil, fmt.Errorf("package %q: header says %d unresolved deps, %d listed", pkg, count, len(deps))
		}
		// dnf iterates a Python set: order is not stable between runs.
		slices.Sort(deps)
		result[pkg] = deps
	}
	return result, nil
}

// parseCount reads "  unresolved deps (N):".
func parseCount(line string) (int, error) {
	rest, ok := strings.CutPrefix(line, "  unresolved deps (")
	if ok {
		rest, ok = strings.CutSuffix(rest, "):")
	}
	if !ok {
		return 0, fmt.Errorf("want %q, got %q", "  unresolved deps (N):", line)
	}
	n, err := strconv.Atoi(rest)
	if err != nil || n < 1 || rest != strconv.Itoa(n) {
		return 0, fmt.Errorf("bad count %q in %q", rest, line)
	}
	return n, nil
}
