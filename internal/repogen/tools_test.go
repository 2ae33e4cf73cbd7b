package repogen

import (
	"strings"
	"testing"

	"github.com/repoclosure/repoclosure/internal/dnforacle"
	"github.com/repoclosure/repoclosure/internal/testenv"
)

// dnf runs dnf 4 against repositories given as "id=path", isolated from the
// host by testenv.
type dnf struct{ t *testing.T }

func newDNF(t *testing.T) *dnf {
	dnforacle.Require(t)
	return &dnf{t: t}
}

func (d *dnf) repos(repos []string) []testenv.Repo {
	var out []testenv.Repo
	for _, r := range repos {
		id, path, _ := strings.Cut(r, "=")
		out = append(out, testenv.Repo{Name: id, Path: path})
	}
	return out
}

// run executes "dnf COMMAND ARGS" with each of repos enabled, and returns
// stdout, stderr and the exit code.
func (d *dnf) run(command string, repos []string, args ...string) (stdout, stderr string, code int) {
	d.t.Helper()
	res, err := testenv.DNF{Repos: d.repos(repos)}.Run(d.t.Context(), command, args...)
	if err != nil {
		d.t.Fatal(err)
	}
	return res.Stdout, res.Stderr, res.ExitCode
}

// repoclosure returns dnf's unresolved deps per package ("name-evr.arch"),
// each list sorted, and fails the test on errors other than unresolved deps.
func (d *dnf) repoclosure(repos []string, args ...string) map[string][]string {
	d.t.Helper()
	res, err := dnforacle.Run(d.t.Context(), d.repos(repos), args...)
	if err != nil {
		d.t.Fatal(err)
	}
	got := map[string][]string{}
	for pkg, deps := range res.Unresolved {
		nevra, _, _ := strings.Cut(pkg, " from ")
		got[nevra] = deps
	}
	return got
}
