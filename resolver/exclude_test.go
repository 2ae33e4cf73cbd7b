package resolver

import (
	"slices"
	"testing"

	"github.com/repoclosure/repoclosure/internal/pooltest"
	"github.com/repoclosure/repoclosure/repomd"
)

func TestComposeExcludes(t *testing.T) {
	strs := repomd.NewStrings()
	r := pooltest.Repo(t, strs, "r", "a-1-1.x86_64", "b-1-1.x86_64", "c-1-1.x86_64")
	named := func(n string) func(*repomd.Repo, *repomd.Package) bool {
		return func(_ *repomd.Repo, p *repomd.Package) bool { return strs.String(p.Name) == n }
	}
	if ComposeExcludes() != nil || ComposeExcludes(nil, nil) != nil {
		t.Error("composing nothing is not nil")
	}
	f := ComposeExcludes(nil, named("a"), named("c"))
	var got []string
	for i := range r.Packages {
		if f(r, &r.Packages[i]) {
			got = append(got, strs.String(r.Packages[i].Name))
		}
	}
	if !slices.Equal(got, []string{"a", "c"}) {
		t.Errorf("excluded %q, want [a c]", got)
	}
}
