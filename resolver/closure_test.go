package resolver

import (
	"testing"

	"github.com/repoclosure/repoclosure/internal/pooltest"
	"github.com/repoclosure/repoclosure/repomd"
)

func TestClosureRules(t *testing.T) {
	strs := repomd.NewStrings()
	base := pooltest.Repo(t, strs, "base",
		"a-1.0-1.x86_64 | P:liba.so.1()(64bit) | F:/usr/bin/a,/usr/share/a/data",
		"b-2:2.0-1.noarch | R:a >= 1.0, a < 1.0-2, b = 2:2.0, rpmlib(PayloadIsXz) <= 5.2-1, solvable:foo",
		"c-1.0-1.x86_64 | R:a > 1.0, /usr/share/a/data, /usr/bin/missing, liba.so.1()(64bit), b = 2.0",
		"d-1.0-1.i686 | R:only-src, only-aarch64, c(x86-32)",
		"only-src-1-1.src",
		"only-aarch64-1-1.aarch64",
		"e-1~rc1-1.x86_64 | R:e >= 1, e > 1~rc0, (a and b), (a and nothing), (a if nothing), (nothing if a)",
	)
	pool := NewPool(strs, []*repomd.Repo{base}, PoolOptions{Arch: "x86_64"})
	problems, err := pool.Closure(ClosureOptions{})
	if err != nil {
		t.Fatal(err)
	}
	// Expected from the rules in REFERENCE.md, written by hand:
	// - c: "a > 1.0" fails (a is 1.0-1: a release does not make it greater when the require has none),
	//   "b = 2.0" fails (b has epoch 2), /usr/bin/missing has no owner.
	// - d: src and aarch64 packages never provide on x86_64; nothing provides c(x86-32).
	// - e: "e >= 1" fails since 1~rc1 < 1; (a and nothing) and (nothing if a) are false.
	want := "c-1.0-1.x86_64: /usr/bin/missing; a > 1.0; b = 2.0\n" +
		"d-1.0-1.i686: c(x86-32); only-aarch64; only-src\n" +
		"e-1~rc1-1.x86_64: (a and nothing); (nothing if a); e >= 1\n"
	if got := closureText(pool, problems); got != want {
		t.Errorf("closure:\n%s\nwant:\n%s", got, want)
	}
}

func TestClosureSelections(t *testing.T) {
	strs := repomd.NewStrings()
	r1 := pooltest.Repo(t, strs, "r1",
		"lib-1.0-1.x86_64 | P:api = 1",
		"lib-2.0-1.x86_64 | P:api = 2",
		"app-1.0-1.x86_64 | R:api = 1",
		"app-2.0-1.x86_64 | R:api = 2, gone",
		"app-2.0-1.i686 | R:api = 2",
	)
	r2 := pooltest.Repo(t, strs, "r2", "tool-1-1.noarch | R:api = 1, nope")
	pool := NewPool(strs, []*repomd.Repo{r1, r2}, PoolOptions{Arch: "x86_64"})
	tests := []struct {
		name string
		opts ClosureOptions
		want string
	}{
		{"all", ClosureOptions{}, "app-2.0-1.x86_64: gone\ntool-1-1.noarch: nope\n"},
		// --newest: lib-1.0 is gone from both sets, so api = 1 breaks for tool; app-1.0 is not checked.
		{"newest", ClosureOptions{Newest: true}, "app-2.0-1.x86_64: gone\ntool-1-1.noarch: api = 1; nope\n"},
		// best: only the newest lib provides, but every package is still checked.
		{"best", ClosureOptions{Best: true}, "app-1.0-1.x86_64: api = 1\napp-2.0-1.x86_64: gone\ntool-1-1.noarch: api = 1; nope\n"},
		{"check", ClosureOptions{Check: []string{"r2"}}, "tool-1-1.noarch: nope\n"},
		{"arch", ClosureOptions{Arches: []string{"i686"}}, ""},
		{"pkg", ClosureOptions{Pkgs: []string{"app-2.0-1.x86_64"}}, "app-2.0-1.x86_64: gone\n"},
		{"pkg glob", ClosureOptions{Pkgs: []string{"t*"}}, "tool-1-1.noarch: nope\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			problems, err := pool.Closure(tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			if got := closureText(pool, problems); got != tt.want {
				t.Errorf("got:\n%s\nwant:\n%s", got, tt.want)
			}
		})
	}
	if _, err := pool.Closure(ClosureOptions{Pkgs: []string{"nosuch"}}); err == nil {
		t.Error("--pkg nosuch: want an error")
	}
}

func TestExcludeDropsPackage(t *testing.T) {
	strs := repomd.NewStrings()
	r := pooltest.Repo(t, strs, "r", "a-1-1.noarch | R:b", "b-1-1.noarch")
	pool := NewPool(strs, []*repomd.Repo{r}, PoolOptions{Exclude: func(_ *repomd.Repo, p *repomd.Package) bool {
		return strs.String(p.Name) == "b"
	}})
	problems, _ := pool.Closure(ClosureOptions{})
	if got := closureText(pool, problems); got != "a-1-1.noarch: b\n" {
		t.Errorf("got %q", got)
	}
}

func TestExplain(t *testing.T) {
	strs := repomd.NewStrings()
	r := pooltest.Repo(t, strs, "r",
		"kernel-core-4.18.0-348.el8.x86_64 | P:kernel(napi_enable) = 0x0badf00d",
		"kmod-foo-1-1.x86_64 | R:kernel(napi_enable) = 0x1a2b3c4d")
	pool := NewPool(strs, []*repomd.Repo{r}, PoolOptions{})
	problems, _ := pool.Closure(ClosureOptions{})
	if len(problems) != 1 {
		t.Fatalf("problems: %v", closureText(pool, problems))
	}
	c := pool.Explain(problems[0].Deps[0], pool.All())
	if len(c) != 1 || c[0].Provides != "kernel(napi_enable) = 0x0badf00d" || c[0].Reason != "other version" {
		t.Errorf("explain: %+v", c)
	}
}

// TestBestTiesAreSpelledAlike: libdnf's latest filter keeps only EVRs that
// are the same string; "3.1" and "3+01" compare equal but the first in pool
// order wins (found by the randomized differential test, seed 34).
func TestBestTiesAreSpelledAlike(t *testing.T) {
	strs := repomd.NewStrings()
	r := pooltest.Repo(t, strs, "r",
		"ab-3+01-1.noarch",
		"ab-3.1-1.noarch | P:cap",
		"user-1-1.noarch | R:cap")
	pool := NewPool(strs, []*repomd.Repo{r}, PoolOptions{})
	problems, _ := pool.Closure(ClosureOptions{Best: true})
	if got := closureText(pool, problems); got != "user-1-1.noarch: cap\n" {
		t.Errorf("got %q", got)
	}
}
