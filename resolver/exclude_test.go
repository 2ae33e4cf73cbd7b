package resolver

import (
	"slices"
	"strings"
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

func TestSpecExcludes(t *testing.T) {
	strs := repomd.NewStrings()
	zfs := pooltest.Repo(t, strs, "zfs", "zfs-2.1.15-1.el9.x86_64", "zfs-dracut-2.1.15-1.el9.noarch", "libzfs5-2.1.15-1.el9.x86_64")
	other := pooltest.Repo(t, strs, "other", "zfs-2.1.16-1.el9.x86_64", "zfs-extra-1-1.noarch")
	repos := []*repomd.Repo{zfs, other}
	m := func(kv ...string) map[string][]string {
		out := map[string][]string{}
		for i := 0; i < len(kv); i += 2 {
			out[kv[i]] = append(out[kv[i]], kv[i+1])
		}
		return out
	}
	tests := []struct {
		name               string
		excludes, includes map[string][]string
		kept               string // NEVRA@repo of what stays
	}{
		{"none", nil, nil, "zfs-2.1.15-1.el9.x86_64@zfs zfs-dracut-2.1.15-1.el9.noarch@zfs libzfs5-2.1.15-1.el9.x86_64@zfs zfs-2.1.16-1.el9.x86_64@other zfs-extra-1-1.noarch@other"},
		{"main NAME glob", m("", "zfs-*"), nil, "zfs-2.1.15-1.el9.x86_64@zfs libzfs5-2.1.15-1.el9.x86_64@zfs zfs-2.1.16-1.el9.x86_64@other"},
		// zfs-extra matches NAME in other, so zfs's zfs-VERSION reading is never tried.
		{"repo spec, form from every repo", m("zfs", "zfs-e*"), nil, "zfs-2.1.15-1.el9.x86_64@zfs zfs-dracut-2.1.15-1.el9.noarch@zfs libzfs5-2.1.15-1.el9.x86_64@zfs zfs-2.1.16-1.el9.x86_64@other zfs-extra-1-1.noarch@other"},
		{"repo NEV", m("other", "zfs-2.1*"), nil, "zfs-2.1.15-1.el9.x86_64@zfs zfs-dracut-2.1.15-1.el9.noarch@zfs libzfs5-2.1.15-1.el9.x86_64@zfs zfs-extra-1-1.noarch@other"},
		{"repo includes", nil, m("zfs", "zfs"), "zfs-2.1.15-1.el9.x86_64@zfs zfs-2.1.16-1.el9.x86_64@other zfs-extra-1-1.noarch@other"},
		{"main includes", nil, m("", "*zfs*.x86_64"), "zfs-2.1.15-1.el9.x86_64@zfs libzfs5-2.1.15-1.el9.x86_64@zfs zfs-2.1.16-1.el9.x86_64@other"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := SpecExcludes(strs, repos, tt.excludes, tt.includes)
			var kept []string
			for _, r := range repos {
				for i := range r.Packages {
					if f == nil || !f(r, &r.Packages[i]) {
						p := &r.Packages[i]
						kept = append(kept, strs.String(p.Name)+"-"+strs.String(p.EVR)+"."+strs.String(p.Arch)+"@"+r.ID)
					}
				}
			}
			if got := strings.Join(kept, " "); got != tt.kept {
				t.Errorf("kept %s\nwant %s", got, tt.kept)
			}
		})
	}
}
