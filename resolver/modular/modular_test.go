package modular

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/repoclosure/repoclosure/internal/dnforacle"
	"github.com/repoclosure/repoclosure/internal/pooltest"
	"github.com/repoclosure/repoclosure/internal/repogen"
	"github.com/repoclosure/repoclosure/internal/testenv"
	"github.com/repoclosure/repoclosure/repomd"
	"github.com/repoclosure/repoclosure/resolver"
)

// modRepo is one repository of a modular test case: packages in pooltest.Pkg's spec
// syntax and the text of its modules.yaml (none when empty).
type modRepo struct {
	id      string
	hotfix  bool
	specs   []string
	modules string
}

// modCase is a modular filtering case. hidden lists "repo/NEVRA" (NEVRA as
// dnf prints it) of the packages dnf hides; a bare NEVRA is in repo "r".
type modCase struct {
	name     string
	repos    []modRepo
	enabled  []string
	platform string
	hidden   []string
}

// modStream writes one modulemd v2 document. requires is the YAML flow map
// of dependencies[0].requires ("" for none).
func modStream(name, stream string, version int, context string, static bool, requires string, artifacts ...string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "---\ndocument: modulemd\nversion: 2\ndata:\n  name: %s\n  stream: %q\n  version: %d\n  context: %s\n  arch: x86_64\n", name, stream, version, context)
	if static {
		b.WriteString("  static_context: true\n")
	}
	b.WriteString("  summary: test\n  description: test\n  license:\n    module: [MIT]\n")
	if requires != "" {
		fmt.Fprintf(&b, "  dependencies:\n  - buildrequires: {platform: [el9]}\n    requires: %s\n", requires)
	}
	b.WriteString("  artifacts:\n    rpms:\n")
	for _, a := range artifacts {
		fmt.Fprintf(&b, "    - %s\n", a)
	}
	b.WriteString("...\n")
	return b.String()
}

// modDefaults writes a modulemd-defaults document; stream "" gives profiles only.
func modDefaults(module, stream string) string {
	s := "---\ndocument: modulemd-defaults\nversion: 1\ndata:\n  module: " + module + "\n"
	if stream != "" {
		s += fmt.Sprintf("  stream: %q\n", stream)
	}
	return s + "  profiles: {}\n...\n"
}

const (
	modRelease = "release-9-1.noarch | P:system-release,base-module(platform:el9)"
	onEL9      = "{platform: [el9]}"
)

// modCases were checked against dnf 4.14 / libdnf 0.69 by
// TestModularExcludesMatchDNF; the comments say what each one shows.
func modCases() []modCase {
	single := func(specs []string, modules string) []modRepo {
		return []modRepo{{id: "r", specs: specs, modules: modules}}
	}
	fooModules := modStream("foo", "1", 1, "aaaa", false, onEL9, "foo-0:1-1.module+a.x86_64", "foo-0:1-1.module+a.src") +
		modStream("foo", "2", 1, "bbbb", false, onEL9, "foo-0:2-1.module+b.x86_64") + modDefaults("foo", "1")
	fooPkgs := []string{modRelease, "foo-1-1.module+a.x86_64", "foo-1-1.module+a.src", "foo-2-1.module+b.x86_64", "foo-3-1.x86_64", "foo-3-1.src"}
	return []modCase{
		{
			// The default stream is active and hides non-modular packages
			// named like its artifacts or providing that name (source ones
			// included, other arches too); the other stream is inactive.
			name: "default stream active, non-default inactive, name shadowing",
			repos: single(append(slices.Clone(fooPkgs),
				"foo-0.5-1.i686", "foo-0.5-1.aarch64", "bar-1-1.x86_64 | P:foo", "baz-1-1.x86_64 | P:foo(x86-64)",
				"qux-1-1.aarch64 | P:foo", "quux-1-1.x86_64 | P:foo = 9", "other-1-1.x86_64"), fooModules),
			hidden: []string{"foo-2-1.module+b.x86_64", "foo-3-1.x86_64", "foo-3-1.src", "foo-0.5-1.i686", "foo-0.5-1.aarch64",
				"bar-1-1.x86_64", "quux-1-1.x86_64"},
		},
		{
			// CentOS Stream 9's case: defaults name profiles only, so no
			// stream is active and only artifacts are hidden.
			name: "no default stream",
			repos: single(fooPkgs, modStream("foo", "1", 1, "aaaa", true, onEL9, "foo-0:1-1.module+a.x86_64", "foo-0:1-1.module+a.src")+
				modStream("foo", "2", 1, "bbbb", true, onEL9, "foo-0:2-1.module+b.x86_64")+modDefaults("foo", "")),
			hidden: []string{"foo-1-1.module+a.x86_64", "foo-1-1.module+a.src", "foo-2-1.module+b.x86_64"},
		},
		{
			name: "default stream whose module requires cannot be met",
			repos: single([]string{modRelease, "app-1-1.module+a.x86_64", "app-0.9-1.x86_64"},
				modStream("app", "1", 1, "aaaa", false, "{platform: [el9], missing: [1]}", "app-0:1-1.module+a.x86_64")+modDefaults("app", "1")),
			hidden: []string{"app-1-1.module+a.x86_64"},
		},
		{
			// Without a system-release provider dnf finds no platform in a
			// fresh install root.
			name:   "no platform detected",
			repos:  single(fooPkgs[1:], fooModules),
			hidden: []string{"foo-1-1.module+a.x86_64", "foo-1-1.module+a.src", "foo-2-1.module+b.x86_64"},
		},
		{
			name:     "platform from module_platform_id",
			repos:    single(fooPkgs[1:], fooModules),
			platform: "platform:el9",
			hidden:   []string{"foo-2-1.module+b.x86_64", "foo-3-1.x86_64", "foo-3-1.src"},
		},
		{
			name:   "two platforms provided: none",
			repos:  single(append(slices.Clone(fooPkgs), "release8-8-1.noarch | P:system-release,base-module(platform:el8)"), fooModules),
			hidden: []string{"foo-1-1.module+a.x86_64", "foo-1-1.module+a.src", "foo-2-1.module+b.x86_64"},
		},
		{
			// Only the newest system-release provider of a name counts.
			name:   "platform of an older system-release ignored",
			repos:  single(append(slices.Clone(fooPkgs[1:]), "release-9-1.noarch | P:system-release,base-module(platform:el9)", "release-10-1.noarch | P:system-release"), fooModules),
			hidden: []string{"foo-1-1.module+a.x86_64", "foo-1-1.module+a.src", "foo-2-1.module+b.x86_64"},
		},
		{
			// A source-only artifact hides source packages of that name, not
			// binary ones.
			name: "source artifact names hide only source packages",
			repos: single([]string{modRelease, "lib-1-1.module+a.x86_64", "tool-1-1.module+a.src", "tool-2-1.x86_64", "tool-2-1.src"},
				modStream("lib", "1", 1, "aaaa", false, onEL9, "lib-0:1-1.module+a.x86_64", "tool-0:1-1.module+a.src")+modDefaults("lib", "1")),
			hidden: []string{"tool-2-1.src"},
		},
		{
			// Contexts are chosen by name, not by version; every version of
			// the chosen context is active.
			name: "static contexts: all versions of the first context",
			repos: single([]string{modRelease, "foo-1-1.module+a.x86_64", "foo-1-2.module+a.x86_64", "foo-1-3.module+c.x86_64"},
				modStream("foo", "1", 3, "cccc", true, onEL9, "foo-0:1-3.module+c.x86_64")+
					modStream("foo", "1", 1, "aaaa", true, onEL9, "foo-0:1-1.module+a.x86_64")+
					modStream("foo", "1", 2, "aaaa", true, onEL9, "foo-0:1-2.module+a.x86_64")+modDefaults("foo", "1")),
			hidden: []string{"foo-1-3.module+c.x86_64"},
		},
		{
			// Without static_context libdnf groups builds by their module
			// requires: here all of them.
			name: "computed context groups builds",
			repos: single([]string{modRelease, "foo-1-1.module+a.x86_64", "foo-1-2.module+a.x86_64", "foo-1-3.module+c.x86_64"},
				modStream("foo", "1", 3, "cccc", false, onEL9, "foo-0:1-3.module+c.x86_64")+
					modStream("foo", "1", 1, "aaaa", false, onEL9, "foo-0:1-1.module+a.x86_64")+
					modStream("foo", "1", 2, "aaaa", false, onEL9, "foo-0:1-2.module+a.x86_64")+modDefaults("foo", "1")),
		},
		{
			// dnf forces the best build of a default stream: when the
			// newest cannot be met the stream stays inactive.
			name: "newest build unmet",
			repos: single([]string{modRelease, "foo-1-1.module+a.x86_64", "foo-1-2.module+a.x86_64"},
				modStream("foo", "1", 1, "aaaa", true, onEL9, "foo-0:1-1.module+a.x86_64")+
					modStream("foo", "1", 2, "aaaa", true, "{platform: [el9], missing: [1]}", "foo-0:1-2.module+a.x86_64")+modDefaults("foo", "1")),
			hidden: []string{"foo-1-1.module+a.x86_64", "foo-1-2.module+a.x86_64"},
		},
		{
			name: "a default stream activates the streams it requires",
			repos: single([]string{modRelease, "app-1-1.module+a.x86_64", "dep-2-1.module+b.x86_64", "dep-3-1.module+c.x86_64", "dep-9-1.x86_64"},
				modStream("app", "1", 1, "aaaa", false, "{platform: [el9], dep: [2]}", "app-0:1-1.module+a.x86_64")+
					modStream("dep", "2", 1, "bbbb", false, onEL9, "dep-0:2-1.module+b.x86_64")+
					modStream("dep", "3", 1, "cccc", false, onEL9, "dep-0:3-1.module+c.x86_64")+modDefaults("app", "1")),
			hidden: []string{"dep-3-1.module+c.x86_64", "dep-9-1.x86_64"},
		},
		{
			// Default streams that cannot both be active: the module first
			// by name wins.
			name: "conflicting defaults, requiring module first",
			repos: single([]string{modRelease, "app-1-1.module+a.x86_64", "dep-2-1.module+b.x86_64", "dep-3-1.module+c.x86_64"},
				modStream("app", "1", 1, "aaaa", false, "{platform: [el9], dep: [2]}", "app-0:1-1.module+a.x86_64")+
					modStream("dep", "2", 1, "bbbb", false, onEL9, "dep-0:2-1.module+b.x86_64")+
					modStream("dep", "3", 1, "cccc", false, onEL9, "dep-0:3-1.module+c.x86_64")+modDefaults("app", "1")+modDefaults("dep", "3")),
			hidden: []string{"dep-3-1.module+c.x86_64"},
		},
		{
			name: "conflicting defaults, required module first",
			repos: single([]string{modRelease, "zapp-1-1.module+a.x86_64", "dep-2-1.module+b.x86_64", "dep-3-1.module+c.x86_64"},
				modStream("zapp", "1", 1, "aaaa", false, "{platform: [el9], dep: [2]}", "zapp-0:1-1.module+a.x86_64")+
					modStream("dep", "2", 1, "bbbb", false, onEL9, "dep-0:2-1.module+b.x86_64")+
					modStream("dep", "3", 1, "cccc", false, onEL9, "dep-0:3-1.module+c.x86_64")+modDefaults("zapp", "1")+modDefaults("dep", "3")),
			hidden: []string{"zapp-1-1.module+a.x86_64", "dep-2-1.module+b.x86_64"},
		},
		{
			// "-3" excludes a stream; "[]" takes any, the first by name.
			name: "negative and any-stream requires",
			repos: single([]string{modRelease, "app-1-1.module+a.x86_64", "dep-3-1.module+c.x86_64", "dep-4-1.module+d.x86_64",
				"web-1-1.module+w.x86_64", "db-5-1.module+e.x86_64", "db-6-1.module+f.x86_64"},
				modStream("app", "1", 1, "aaaa", false, "{platform: [el9], dep: [-3]}", "app-0:1-1.module+a.x86_64")+
					modStream("dep", "3", 1, "cccc", false, onEL9, "dep-0:3-1.module+c.x86_64")+
					modStream("dep", "4", 1, "dddd", false, onEL9, "dep-0:4-1.module+d.x86_64")+
					modStream("web", "1", 1, "wwww", false, "{platform: [el9], db: []}", "web-0:1-1.module+w.x86_64")+
					modStream("db", "5", 1, "eeee", false, onEL9, "db-0:5-1.module+e.x86_64")+
					modStream("db", "6", 1, "ffff", false, onEL9, "db-0:6-1.module+f.x86_64")+
					modDefaults("app", "1")+modDefaults("web", "1")),
			hidden: []string{"dep-3-1.module+c.x86_64", "db-6-1.module+f.x86_64"},
		},
		{
			name:    "enabled stream replaces the default",
			repos:   single(append(slices.Clone(fooPkgs), "bar-1-1.x86_64 | P:foo"), fooModules),
			enabled: []string{"foo:2"},
			hidden:  []string{"foo-1-1.module+a.x86_64", "foo-1-1.module+a.src", "foo-3-1.x86_64", "foo-3-1.src", "bar-1-1.x86_64"},
		},
		{
			name:    "enabled stream that does not exist",
			repos:   single(fooPkgs, fooModules),
			enabled: []string{"foo:7"},
			hidden:  []string{"foo-1-1.module+a.x86_64", "foo-1-1.module+a.src", "foo-2-1.module+b.x86_64"},
		},
		{
			// An enabled stream is a hard job: the conflicting default loses.
			name: "enabled stream beats a default",
			repos: single([]string{modRelease, "zapp-1-1.module+a.x86_64", "dep-2-1.module+b.x86_64", "dep-3-1.module+c.x86_64"},
				modStream("zapp", "1", 1, "aaaa", false, "{platform: [el9], dep: [2]}", "zapp-0:1-1.module+a.x86_64")+
					modStream("dep", "2", 1, "bbbb", false, onEL9, "dep-0:2-1.module+b.x86_64")+
					modStream("dep", "3", 1, "cccc", false, onEL9, "dep-0:3-1.module+c.x86_64")+modDefaults("dep", "3")),
			enabled: []string{"zapp:1"},
			hidden:  []string{"dep-3-1.module+c.x86_64"},
		},
		{
			// A module_hotfixes repository keeps all its packages; its
			// modules.yaml still counts for the others.
			name: "hotfix repository exempt",
			repos: []modRepo{
				{id: "r", specs: []string{modRelease, "foo-3-1.x86_64", "foo-2-1.module+b.x86_64"}},
				{id: "hot", hotfix: true, specs: []string{"foo-1-1.module+a.x86_64", "foo-2-1.module+b.x86_64", "foo-3-1.x86_64"}, modules: fooModules},
			},
			hidden: []string{"r/foo-3-1.x86_64", "r/foo-2-1.module+b.x86_64"},
		},
		{
			// Artifacts match on the exact EVR; "0:" is the absent epoch.
			name: "epochs",
			repos: single([]string{modRelease, "e-1:2-1.x86_64", "f-1:2-1.x86_64", "g-2-1.x86_64", "h-2-1.x86_64"},
				modStream("x", "1", 1, "aaaa", false, onEL9, "e-1:2-1.x86_64", "f-0:2-1.x86_64", "g-0:2-1.x86_64", "h-3:2-1.x86_64")),
			hidden: []string{"e-1:2-1.x86_64", "g-2-1.x86_64"},
		},
		{
			// libmodulemd drops a document with an artifact lacking its
			// epoch: that stream does not exist for dnf.
			name: "rejected module document",
			repos: single([]string{modRelease, "g-2-1.x86_64", "h-2-1.x86_64"},
				modStream("x", "1", 1, "aaaa", false, onEL9, "g-0:2-1.x86_64", "h-2-1.x86_64")+
					modStream("y", "1", 1, "aaaa", false, onEL9, "h-0:2-1.x86_64")),
			hidden: []string{"h-2-1.x86_64"},
		},
		{
			// Names listed as demodularized by the newest build of an active
			// stream no longer hide non-modular packages.
			name: "demodularized names",
			repos: single([]string{modRelease, "lib-1-1.module+a.x86_64", "old-1-1.module+a.x86_64", "old-2-1.x86_64", "lib-2-1.x86_64"},
				modStream("lib", "1", 1, "aaaa", true, onEL9, "lib-0:1-1.module+a.x86_64", "old-0:1-1.module+a.x86_64")+
					strings.Replace(modStream("lib", "1", 2, "aaaa", true, onEL9, "lib-0:1-1.module+a.x86_64", "old-0:1-1.module+a.x86_64"),
						"  artifacts:", "  demodularized:\n    rpms: [old]\n  artifacts:", 1)+modDefaults("lib", "1")),
			hidden: []string{"lib-2-1.x86_64"},
		},
		{
			name: "demodularized by an older build only",
			repos: single([]string{modRelease, "lib-1-1.module+a.x86_64", "old-1-1.module+a.x86_64", "old-2-1.x86_64"},
				strings.Replace(modStream("lib", "1", 1, "aaaa", true, onEL9, "lib-0:1-1.module+a.x86_64", "old-0:1-1.module+a.x86_64"),
					"  artifacts:", "  demodularized:\n    rpms: [old]\n  artifacts:", 1)+
					modStream("lib", "1", 2, "aaaa", true, onEL9, "lib-0:1-1.module+a.x86_64", "old-0:1-1.module+a.x86_64")+modDefaults("lib", "1")),
			hidden: []string{"old-2-1.x86_64"},
		},
		{
			// Repositories whose defaults disagree leave no default.
			name: "defaults that disagree",
			repos: []modRepo{
				{id: "r", specs: fooPkgs, modules: fooModules},
				{id: "s", specs: []string{"foo-4-1.x86_64"}, modules: modDefaults("foo", "2")},
			},
			hidden: []string{"foo-1-1.module+a.x86_64", "foo-1-1.module+a.src", "foo-2-1.module+b.x86_64"},
		},
	}
}

// modBuild loads a case into records and Excludes' inputs.
func modBuild(t *testing.T, c modCase) (*repomd.Strings, []*repomd.Repo, map[*repomd.Repo]*repomd.Modules) {
	t.Helper()
	strs := repomd.NewStrings()
	var repos []*repomd.Repo
	mods := make(map[*repomd.Repo]*repomd.Modules)
	for _, mr := range c.repos {
		r := pooltest.Repo(t, strs, mr.id, mr.specs...)
		r.ModuleHotfixes = mr.hotfix
		repos = append(repos, r)
		if mr.modules == "" {
			continue
		}
		m, err := repomd.ParseModules(strings.NewReader(mr.modules), mr.id+"/modules.yaml")
		if err != nil {
			t.Fatal(err)
		}
		mods[r] = m
	}
	return strs, repos, mods
}

// modHidden applies Excludes to a case: the "repo/NEVRA" hidden.
func modHidden(t *testing.T, c modCase) []string {
	strs, repos, mods := modBuild(t, c)
	exclude := Excludes(strs, repos, mods, Options{PlatformID: c.platform, Enabled: c.enabled})
	var hidden []string
	for _, r := range repos {
		for i := range r.Packages {
			if exclude(r, &r.Packages[i]) {
				p := &r.Packages[i]
				hidden = append(hidden, r.ID+"/"+strs.String(p.Name)+"-"+strs.String(p.EVR)+"."+strs.String(p.Arch))
			}
		}
	}
	slices.Sort(hidden)
	return hidden
}

func modWant(c modCase) []string {
	var want []string
	for _, h := range c.hidden {
		if !strings.Contains(h, "/") {
			h = "r/" + h
		}
		want = append(want, h)
	}
	slices.Sort(want)
	return want
}

func TestModularExcludes(t *testing.T) {
	for _, c := range modCases() {
		t.Run(c.name, func(t *testing.T) {
			if got, want := modHidden(t, c), modWant(c); !slices.Equal(got, want) {
				t.Errorf("hidden\n%q\nwant\n%q", got, want)
			}
		})
	}
}

// TestModularActiveStreams checks the module solve itself on the cases whose
// outcome is told by which builds are active.
func TestModularActiveStreams(t *testing.T) {
	want := map[string][]string{
		"default stream active, non-default inactive, name shadowing": {"foo:1:NoRequires"},
		"no default stream": nil,
		"default stream whose module requires cannot be met": nil,
		"no platform detected":                               nil,
		"platform from module_platform_id":                   {"foo:1:NoRequires"},
		"static contexts: all versions of the first context": {"foo:1:aaaa"},
		"a default stream activates the streams it requires": {"app:1:dep:[2]", "dep:2:NoRequires"},
		"conflicting defaults, required module first":        {"dep:3:NoRequires"},
		"negative and any-stream requires":                   {"app:1:dep:[-3]", "db:5:NoRequires", "dep:4:NoRequires", "web:1:db"},
	}
	for _, c := range modCases() {
		w, ok := want[c.name]
		if !ok {
			continue
		}
		t.Run(c.name, func(t *testing.T) {
			strs, repos, mods := modBuild(t, c)
			m := newModularity(strs, repos, mods, Options{PlatformID: c.platform, Enabled: c.enabled})
			m.resolve()
			var got []string
			for k := range m.active {
				got = append(got, k)
			}
			slices.Sort(got)
			if !slices.Equal(got, w) {
				t.Errorf("active %q, want %q", got, w)
			}
		})
	}
}

// modSpecPkg turns a pooltest.Pkg spec into a repogen package that also requires
// "absent(NEVRA)", which nothing provides: dnf repoclosure then lists every
// package it did not hide.
func modSpecPkg(t *testing.T, strs *repomd.Strings, spec string) repogen.Pkg {
	rec := pooltest.Pkg(t, strs, spec)
	epoch, ver, rel := repomd.SplitEVR(strs.String(rec.EVR))
	p := repogen.Pkg{Name: strs.String(rec.Name), Arch: strs.String(rec.Arch), Epoch: epoch, Ver: ver, Rel: rel}
	if !resolver.IsSourceArch(p.Arch) {
		p.SourceRPM = strs.String(rec.SourceRPM)
		p.Provides = append(p.Provides, repogen.Entry{Name: p.Name, Flags: "EQ", Epoch: epoch, Ver: ver, Rel: rel})
	}
	for _, d := range rec.Deps(repomd.Provides) {
		e := repogen.Entry{Name: strs.String(d.Name)}
		if d.Op() != repomd.OpNone {
			e.Flags = map[repomd.Op]string{repomd.OpEQ: "EQ", repomd.OpLT: "LT", repomd.OpLE: "LE", repomd.OpGT: "GT", repomd.OpGE: "GE"}[d.Op()]
			e.Epoch, e.Ver, e.Rel = repomd.SplitEVR(strs.String(d.EVR()))
		}
		p.Provides = append(p.Provides, e)
	}
	p.Requires = []repogen.Entry{{Name: "absent(" + pooltest.NEVRA(spec) + ")"}}
	return p
}

// modDNFHidden writes a case's repositories, runs dnf repoclosure on them in
// an install root whose /etc/dnf/modules.d enables c.enabled, and returns the
// "repo/NEVRA" dnf hid.
func modDNFHidden(t *testing.T, c modCase) []string {
	strs := repomd.NewStrings()
	// Not t.TempDir: test names hold commas, which --repofrompath splits on.
	tmp, err := os.MkdirTemp("", "modular-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(tmp) })
	root := filepath.Join(tmp, "root")
	dnf := testenv.DNF{Releasever: "9", InstallRoot: root}
	var args []string
	if c.platform != "" {
		args = append(args, "--setopt=module_platform_id="+c.platform)
	}
	var all []string
	for _, mr := range c.repos {
		dir := filepath.Join(tmp, mr.id)
		var pkgs []repogen.Pkg
		for _, s := range mr.specs {
			pkgs = append(pkgs, modSpecPkg(t, strs, s))
			all = append(all, mr.id+"/"+pooltest.NEVRA(s))
		}
		if err := repogen.WriteRepo(dir, pkgs, repogen.Gzip); err != nil {
			t.Fatal(err)
		}
		if mr.modules != "" {
			yaml := filepath.Join(tmp, mr.id+"-modules.yaml")
			if err := os.WriteFile(yaml, []byte(mr.modules), 0o644); err != nil {
				t.Fatal(err)
			}
			if out, err := testenv.Command(t, "modifyrepo_c", "--mdtype=modules", yaml, filepath.Join(dir, "repodata")).CombinedOutput(); err != nil {
				t.Fatalf("modifyrepo_c: %v\n%s", err, out)
			}
		}
		dnf.Repos = append(dnf.Repos, testenv.Repo{Name: mr.id, Path: dir})
		if mr.hotfix {
			args = append(args, "--setopt="+mr.id+".module_hotfixes=1")
		}
	}
	modulesD := filepath.Join(root, "etc", "dnf", "modules.d")
	if err := os.MkdirAll(modulesD, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, e := range c.enabled {
		name, stream, _ := strings.Cut(e, ":")
		conf := fmt.Sprintf("[%s]\nname=%s\nstream=%s\nprofiles=\nstate=enabled\n", name, name, stream)
		if err := os.WriteFile(filepath.Join(modulesD, name+".module"), []byte(conf), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	res, err := dnf.Run(ctx, "repoclosure", args...)
	if err != nil {
		t.Fatal(err)
	}
	if res.ExitCode != 0 && res.ExitCode != 1 {
		t.Fatalf("dnf %s: exit %d\n%s", strings.Join(res.Args, " "), res.ExitCode, res.Stderr)
	}
	listed, err := dnforacle.Parse(res.Stdout)
	if err != nil {
		t.Fatalf("dnf %s output: %v\n%s", strings.Join(res.Args, " "), err, res.Stdout)
	}
	var hidden []string
	for _, p := range all {
		repo, nevra, _ := strings.Cut(p, "/")
		if _, ok := listed[nevra+" from "+repo]; !ok {
			hidden = append(hidden, p)
		}
	}
	slices.Sort(hidden)
	return hidden
}

// TestModularExcludesMatchDNF runs every case through the real dnf.
func TestModularExcludesMatchDNF(t *testing.T) {
	dnforacle.Require(t)
	testenv.Require(t, "modifyrepo_c")
	for _, c := range modCases() {
		t.Run(c.name, func(t *testing.T) {
			dnf := modDNFHidden(t, c)
			if got := modHidden(t, c); !slices.Equal(got, dnf) {
				t.Errorf("we hide\n%q\ndnf hides\n%q", got, dnf)
			}
			if want := modWant(c); !slices.Equal(dnf, want) {
				t.Errorf("dnf hides\n%q\nthe case says\n%q", dnf, want)
			}
		})
	}
}

// modLoadFile decompresses and parses one metadata file that repomd.xml lists.
func modLoadFile(t testing.TB, dir string, md *repomd.RepoMD, typ string, parse func(r io.Reader, name string) error) {
	t.Helper()
	df, ok := md.Find(typ)
	if !ok {
		t.Fatalf("%s: repomd.xml lists no %s", dir, typ)
	}
	name := filepath.Join(dir, df.Href)
	f, err := os.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r, err := repomd.Decompress(f, name, 1<<31)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if err := parse(r, name); err != nil {
		t.Fatal(err)
	}
}

// modLoadCS9 reads one CentOS Stream 9 repository of the shared data: its
// records and its modules.yaml, if it has one.
func modLoadCS9(t testing.TB, strs *repomd.Strings, id string) (*repomd.Repo, *repomd.Modules) {
	t.Helper()
	dir := testenv.SharedData(t, "cs9", id)
	mdPath := testenv.SharedData(t, "cs9", id, "repodata", "repomd.xml")
	body, err := os.ReadFile(mdPath)
	if err != nil {
		t.Fatal(err)
	}
	md, err := repomd.ParseRepomd(body, mdPath)
	if err != nil {
		t.Fatal(err)
	}
	repo := &repomd.Repo{ID: id, Strings: strs}
	modLoadFile(t, dir, md, "primary", func(r io.Reader, name string) error {
		repo.Packages, err = repomd.ParsePrimary(r, name, strs)
		return err
	})
	modLoadFile(t, dir, md, "filelists", func(r io.Reader, name string) error {
		return repomd.ParseFilelists(r, name, strs, repo.Packages)
	})
	var mods *repomd.Modules
	if _, ok := md.Find("modules"); ok {
		modLoadFile(t, dir, md, "modules", func(r io.Reader, name string) error {
			mods, err = repomd.ParseModules(r, name)
			return err
		})
	}
	return repo, mods
}

// TestModularClosureCS9MatchesDNF checks AppStream against BaseOS of CentOS
// Stream 9 as dnf does by default, with modular filtering, and with
// module_hotfixes (no filtering): the same packages with the same unresolved
// deps as dnf in both runs, and filtering must make a difference.
func TestModularClosureCS9MatchesDNF(t *testing.T) {
	dnforacle.Require(t)
	strs := repomd.NewStrings()
	baseos, _ := modLoadCS9(t, strs, "baseos")
	appstream, mods := modLoadCS9(t, strs, "appstream")
	if mods == nil || len(mods.Streams) == 0 {
		t.Fatal("AppStream has no module streams")
	}
	repos := []*repomd.Repo{baseos, appstream}
	oracleRepos := []dnforacle.Repo{
		{Name: "baseos", Path: testenv.SharedData(t, "cs9", "baseos")},
		{Name: "appstream", Path: testenv.SharedData(t, "cs9", "appstream")},
	}
	var counts [2]int
	for i, hotfix := range []bool{false, true} {
		t.Run(fmt.Sprintf("module_hotfixes=%v", hotfix), func(t *testing.T) {
			appstream.ModuleHotfixes = hotfix
			args := []string{"--check", "appstream"}
			if hotfix {
				args = append(args, "--setopt=appstream.module_hotfixes=1")
			}
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
			defer cancel()
			want, err := dnforacle.Run(ctx, oracleRepos, args...)
			if err != nil {
				t.Fatal(err)
			}
			exclude := Excludes(strs, repos, map[*repomd.Repo]*repomd.Modules{appstream: mods}, Options{})
			pool := resolver.NewPool(strs, repos, resolver.PoolOptions{Exclude: exclude, Rich: resolver.RichDNF4})
			problems, err := pool.Closure(resolver.ClosureOptions{Check: []string{"appstream"}})
			if err != nil {
				t.Fatal(err)
			}
			got := make(map[string][]string)
			for _, pr := range problems {
				var deps []string
				for _, d := range pr.Deps {
					deps = append(deps, pool.DepString(d))
				}
				slices.Sort(deps)
				got[pool.NEVRA(pr.Pkg)+" from "+pool.Repo(pr.Pkg).ID] = deps
			}
			for k, w := range want.Unresolved {
				if g, ok := got[k]; !ok || !slices.Equal(g, w) {
					t.Errorf("%s: ours %q, dnf %q", k, g, w)
				}
			}
			for k, g := range got {
				if _, ok := want.Unresolved[k]; !ok {
					t.Errorf("%s: ours %q, dnf reports nothing", k, g)
				}
			}
			counts[i] = len(want.Unresolved)
			deps := 0
			for _, d := range got {
				deps += len(d)
			}
			t.Logf("we report %d unresolved deps across %d packages; dnf %d packages", deps, len(got), counts[i])
		})
	}
	if counts[0] == 0 || counts[0] >= counts[1] {
		t.Errorf("dnf reports %d packages with filtering, %d without: filtering should hide some", counts[0], counts[1])
	}
}

// FuzzModularExcludes feeds arbitrary modules.yaml to the whole filter: it
// must not fail, and never hide a package of a module_hotfixes repository.
func FuzzModularExcludes(f *testing.F) {
	for _, c := range modCases() {
		for _, r := range c.repos {
			if r.modules != "" {
				f.Add([]byte(r.modules))
			}
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		mods, err := repomd.ParseModules(strings.NewReader(string(data)), "fuzz.yaml")
		if err != nil {
			return
		}
		strs := repomd.NewStrings()
		r := pooltest.Repo(t, strs, "r", modRelease, "foo-1-1.module+a.x86_64", "foo-1-1.module+a.src", "foo-3-1.x86_64", "bar-1-1.x86_64 | P:foo")
		hot := pooltest.Repo(t, strs, "hot", "foo-1-1.module+a.x86_64", "foo-3-1.x86_64")
		hot.ModuleHotfixes = true
		repos := []*repomd.Repo{r, hot}
		exclude := Excludes(strs, repos, map[*repomd.Repo]*repomd.Modules{r: mods, hot: mods}, Options{Enabled: []string{"foo:1", "bar"}})
		for _, repo := range repos {
			for i := range repo.Packages {
				if exclude(repo, &repo.Packages[i]) && repo.ModuleHotfixes {
					t.Fatalf("hot-fix package %s hidden", strs.String(repo.Packages[i].Name))
				}
			}
		}
	})
}

// BenchmarkModularExcludesCS9 resolves CentOS Stream 9's modules and applies
// the filter to every BaseOS and AppStream package, as NewPool does.
func BenchmarkModularExcludesCS9(b *testing.B) {
	strs := repomd.NewStrings()
	baseos, _ := modLoadCS9(b, strs, "baseos")
	appstream, mods := modLoadCS9(b, strs, "appstream")
	repos := []*repomd.Repo{baseos, appstream}
	modsByRepo := map[*repomd.Repo]*repomd.Modules{appstream: mods}
	n := len(baseos.Packages) + len(appstream.Packages)
	b.SetBytes(int64(n)) // one "byte" per package filtered
	for b.Loop() {
		exclude := Excludes(strs, repos, modsByRepo, Options{})
		for _, r := range repos {
			for i := range r.Packages {
				exclude(r, &r.Packages[i])
			}
		}
	}
}
