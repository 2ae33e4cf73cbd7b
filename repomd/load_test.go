package repomd

import (
	"context"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// loadFixtures loads the createrepo_c-built fixture repositories.
func loadFixtures(t *testing.T, requiredOnly bool) []*Repo {
	t.Helper()
	var sources []Source
	for _, id := range []string{"base", "extra", "kernels", "kmods", "rich"} {
		sources = append(sources, Source{ID: id, BaseURLs: []string{filepath.Join("..", "testdata", "fixtures", "repos", id)}})
	}
	f := &Fetcher{CacheDir: t.TempDir()}
	defer f.Close()
	l := &Loader{Fetcher: f, Strings: NewStrings(), RequiredFilesOnly: requiredOnly}
	repos, err := l.LoadAll(context.Background(), sources)
	if err != nil {
		t.Fatal(err)
	}
	return repos
}

// TestRequiredFilesOnly checks that the lazy file lists keep, for every path
// some dependency names (rich ones included), exactly the packages the full
// lists give, and drop other paths of filelists.
func TestRequiredFilesOnly(t *testing.T) {
	owners := func(repos []*Repo) (map[string][]string, map[string]bool, int) {
		byPath := map[string][]string{}
		required := map[string]bool{}
		files := 0
		for _, r := range repos {
			for i := range r.Packages {
				p := &r.Packages[i]
				nevra := r.ID + ":" + r.Strings.String(p.Name) + "-" + r.Strings.String(p.EVR) + "." + r.Strings.String(p.Arch)
				for _, f := range p.Files {
					path := r.Strings.String(f.Path)
					byPath[path] = append(byPath[path], nevra)
					files++
				}
				for k := range NumDepKinds {
					for _, d := range p.Deps(k) {
						for _, w := range strings.FieldsFunc(r.Strings.String(d.Name), func(c rune) bool { return c == ' ' || c == '(' || c == ')' }) {
							if strings.HasPrefix(w, "/") {
								required[w] = true
							}
						}
					}
				}
			}
		}
		return byPath, required, files
	}
	all, required, nAll := owners(loadFixtures(t, false))
	lazy, _, nLazy := owners(loadFixtures(t, true))
	if len(required) == 0 {
		t.Fatal("the fixtures require no path: the test checks nothing")
	}
	for path := range required {
		if !slices.Equal(all[path], lazy[path]) {
			t.Errorf("%s: provided by %v with all file lists, by %v with required paths only", path, all[path], lazy[path])
		}
	}
	if nLazy >= nAll {
		t.Errorf("required paths only kept %d file entries of %d", nLazy, nAll)
	}
	t.Logf("file entries: %d of %d kept; %d required paths", nLazy, nAll, len(required))
}

func TestRequiredPaths(t *testing.T) {
	strs := NewStrings()
	dep := func(name string) Dep { return NewDep(strs.InternString(name), 0, OpNone, false) }
	var pkg Package
	pkg.SetDeps(Requires, []Dep{dep("/usr/bin/sh"), dep("libc.so.6()(64bit)"), dep("(/usr/bin/a if (foo or /opt/x/y))")})
	pkg.SetDeps(Conflicts, []Dep{dep("/etc/conflicting")})
	keep := requiredPaths([]*Repo{{Strings: strs, Packages: []Package{pkg}}})
	for path, want := range map[string]bool{
		"/usr/bin/sh": true, "/usr/bin/a": true, "/opt/x/y": true, "/etc/conflicting": true,
		"/usr/bin/other": false, "libc.so.6()(64bit)": false, "foo": false, "/usr/bin": false,
	} {
		if got := keep([]byte(path)); got != want {
			t.Errorf("keep(%q) = %v, want %v", path, got, want)
		}
	}
}
