package dnforacle

import (
	"context"
	"maps"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// These tests run dnf on the fixture repositories of testdata/fixtures and
// compare with what the spec files there were designed to leave unresolved:
// they validate the fixtures and the oracle together. Deps are written the
// way dnf prints them (an epoch of 0 dropped); lists need not be sorted.

func fixtures(names ...string) []Repo {
	repos := make([]Repo, len(names))
	for i, name := range names {
		repos[i] = Repo{Name: name, Path: filepath.Join("..", "..", "testdata", "fixtures", "repos", name)}
	}
	return repos
}

// baseUnresolved is the design of repository base: every package not listed
// (providers, ops-ok, evr-ok, files-ok, weakdeps, i686only, multi.x86_64,
// srconly-tools, the srcmeta source package, the newest oldbroken, the older
// newbroken) is closed.
func baseUnresolved() map[string][]string {
	return map[string][]string{
		// i686 providers count on x86_64; aarch64 ones provide nothing,
		// yet the aarch64 package itself is checked.
		"archdeps-1.0-1.noarch from base":   {"arm-only-cap", "armonly"},
		"armonly-1.0-1.aarch64 from base":   {"arm-missing"},
		"dup-broken-1.0-1.noarch from base": {"dup-missing"},
		"evr-bad-1.0-1.noarch from base": {
			"epochprov < 2.0", "epochprov = 2.0-1", "epochprov >= 2:1.0", "epochprov <= 1:1.9",
			"tildeprov >= 1.0", "tildeprov = 1.0", "tildeprov < 1.0~beta",
			"caretprov <= 1.0", "caretprov = 1.0", "caretprov > 1.0^git1", "caretprov >= 1.01",
		},
		// /usr/share/fix holds a file of fileprov but nobody owns it.
		"files-bad-1.0-1.noarch from base": {
			"/usr/share/fix/missing.txt", "/usr/bin/missingtool", "/etc/missing.conf", "/usr/share/fix",
		},
		"kinds-bad-1.0-1.noarch from base": {
			"missing-plain", "missing-plain >= 1.0",
			"missing-zero = 1.0-1", // the spec says 0:1.0-1
			"missing-epoch >= 2:1.0", "missing-tilde < 1.0~beta", "missing-caret > 1.0^post1",
			"pkgconfig(missing)", "libmissing.so.1()(64bit)", "perl(Missing::Module) >= 1.0",
			"config(missing) = 1.0-1", "(missing-a or missing-b)",
		},
		"multi-1.0-1.i686 from base": {"multi-missing-i686"},
		// Source packages provide nothing, not even their name.
		"needs-src-1.0-1.noarch from base": {"srconly", "srcmeta", "srcmeta-tools"},
		"newbroken-2.0-1.noarch from base": {"newbroken-missing = 2.0"},
		"oldbroken-1.0-1.noarch from base": {"oldbroken-missing = 1.0"},
		"ops-bad-1.0-1.noarch from base": {
			"opprov > 2.0", "opprov < 2.0", "opprov = 2.0-2", "opprov >= 2.0-2", "opprov < 2.0-1",
			"opprov > 2.0-1", "opprov >= 1:1.0", "opprov = 2.1",
			"norel-cap > 1.2", "norel-cap < 1.2", "norel-cap = 1.3", "zero-cap >= 1:0.1",
		},
		// preun and postun requires are checked too.
		"scriptlets-1.0-1.noarch from base": {"pre-missing", "post-missing", "preun-missing", "postun-missing"},
		// Source packages are checked: their requires are BuildRequires.
		"srconly-1.0-1.src from base": {"build-missing"},
	}
}

// okDeps lists the requires that the *-ok packages of base were designed to
// have resolved; excluding their providers must turn every one unresolved.
var okDeps = map[string][]string{
	"ops-ok-1.0-1.noarch from base": {
		"opprov", "opprov >= 2.0", "opprov <= 2.0", "opprov = 2.0", "opprov = 2_0", "opprov > 1.9",
		"opprov > 2.0-0", "opprov < 2.0-1.1", "opprov <= 2.0-1",
		"opprov = 2.0-1", // 0:2.0-1
		"opprov >= 1.5",  // 0:1.5
		"norel-cap = 1.2-7", "norel-cap >= 1.2-99", "norel-cap <= 1.2-1", "norel-cap > 1.2-7",
		"norel-cap < 1.2-1", "norel-cap = 1.2",
		"zero-cap = 1.0",
		"zero-cap >= 0.9", // 0:0.9
	},
	"evr-ok-1.0-1.noarch from base": {
		"epochprov >= 1:2.0", "epochprov = 1:2.0-1", "epochprov > 1:1.9", "epochprov >= 2.0", "epochprov > 99.0",
		"tildeprov >= 1.0~rc1", "tildeprov = 1.0~rc1", "tildeprov < 1.0", "tildeprov > 1.0~beta",
		"caretprov > 1.0", "caretprov >= 1.0^git1", "caretprov < 1.0^git2", "caretprov < 1.0.1", "caretprov < 1.01",
	},
	"files-ok-1.0-1.noarch from base": {
		"/usr/share/fix/data.txt", "/usr/bin/fixtool", "/etc/fix.conf", "/usr/lib/sendmail",
		"/usr/libexec/fix/bin/helper", "/usr/share/fixdir", "/var/lib/fix/state",
	},
}

// richCase is one package of repository rich: a single rich requirement and
// whether dnf 4 leaves it unresolved. dnf 4 approximates: and/or take the
// union of the providers of both sides, if/unless the providers of the
// consequence (and of the else branch) ignoring the condition, with the
// packages providing both sides, without those providing the left side and
// not the right. The spec files note the exact truth value, which differs
// for r-and-one, r-nested-fail, r-if-vacuous, r-nested-ifvac, r-ifelse-fail,
// r-ifelse-thenfail, r-unless-blocked and r-unlesselse-fail.
type richCase struct {
	pkg, dep       string
	dnf4Unresolved bool
}

var richCases = []richCase{
	{"r-and-both", "(have-a and have-b)", false},
	{"r-and-one", "(have-a and none-x)", false},
	{"r-and-same", "(with-x and with-y)", false},
	{"r-or-one", "(none-x or have-a)", false},
	{"r-or-none", "(none-x or none-y)", true},
	{"r-if-both", "(have-a if have-b)", false},
	{"r-if-vacuous", "(none-x if none-y)", true},
	{"r-if-fail", "(none-x if have-b)", true},
	{"r-if-only", "(have-a if none-y)", false},
	{"r-ifelse-then", "(have-a if have-b else none-z)", false},
	{"r-ifelse-else", "(none-x if none-y else have-c)", false},
	{"r-ifelse-fail", "(have-a if none-y else none-z)", false},
	{"r-ifelse-thenfail", "(none-x if have-b else have-c)", false},
	{"r-unless-ok", "(none-w or (have-a unless none-y))", false},
	{"r-unless-blocked", "(none-w or (have-a unless have-b))", false},
	{"r-unless-vacuous", "(none-w or (none-x unless have-b))", true},
	{"r-unlesselse-then", "(none-w or (have-a unless none-y else none-z))", false},
	{"r-unlesselse-else", "(none-w or (none-x unless have-b else have-c))", false},
	{"r-unlesselse-fail", "(none-w or (none-x unless none-y else have-c))", false},
	{"r-with-ok", "(with-x with with-y)", false},
	{"r-with-split", "(have-a with have-b)", true},
	{"r-without-ok", "(with-x without with-y)", false},
	{"r-without-fail", "(with-y without with-x)", true},
	{"r-nested-ok", "((have-a and have-b) or none-x)", false},
	{"r-nested-fail", "((none-x or none-y) and have-a)", false},
	{"r-nested-if", "(have-c if (have-a and have-b))", false},
	{"r-nested-ifvac", "(none-x if (have-a and none-y))", true},
	{"r-versioned-fail", "(have-a >= 2.0 or none-x)", true},
	{"r-versioned-ok", "(have-a >= 1.0 and have-b)", false},
}

// richUnresolved returns the expected result for repository rich; with
// noProviders every rich requirement is unresolved (its providers excluded).
func richUnresolved(noProviders bool) map[string][]string {
	want := map[string][]string{}
	for _, c := range richCases {
		if c.dnf4Unresolved || noProviders {
			want[c.pkg+"-1.0-1.noarch from rich"] = []string{c.dep}
		}
	}
	return want
}

// CRCs of the kernel symbols that change between the fixture kernel builds,
// as the kmods built on the older kernel require them.
const (
	pciEnableDevice305 = "kernel(pci_enable_device) = 0x74007cb4"
	netifRx348         = "kernel(netif_rx) = 0xe5b80638"
	pciEnableMsix305   = "kernel(pci_enable_msix) = 0x7eb72f82"
)

// kmodsAlwaysUnresolved fail whatever kernel is present.
func kmodsAlwaysUnresolved() map[string][]string {
	return map[string][]string{
		"kmod-broken-1.0-1.el8.x86_64 from kmods": {"missing-firmware-blob"},
		"kmod-future-1.0-1.el8.x86_64 from kmods": {"kernel(printk) = 0xdeadbeef", "kernel >= 4.18.0-400.el8"},
		"kmod-quux-1.0-1.el8.x86_64 from kmods":   {"ksym(foo_register_client) = 0x0bad0bad"},
	}
}

// with returns base plus extra.
func with(base map[string][]string, extra map[string][]string) map[string][]string {
	out := maps.Clone(base)
	maps.Copy(out, extra)
	return out
}

// onlyKernel excludes the kernel builds other than release rel.
func onlyKernel(rel string) []string {
	var args []string
	for _, other := range []string{"305.el8", "348.el8", "372.el8"} {
		if other != rel {
			args = append(args, "-x", "kernel*-4.18.0-"+other+".x86_64")
		}
	}
	return append(args, "--check", "kmods")
}

func TestFixtureClosure(t *testing.T) {
	Require(t)
	baseNewest := baseUnresolved()
	delete(baseNewest, "oldbroken-1.0-1.noarch from base")

	tests := []struct {
		name  string
		repos []Repo
		args  []string
		want  map[string][]string
	}{
		{name: "base", repos: fixtures("base"), want: baseUnresolved()},
		// --newest checks and offers only the newest per name.arch.
		{name: "base newest", repos: fixtures("base"), args: []string{"--newest"}, want: baseNewest},
		{
			name: "base arch i686 and src", repos: fixtures("base"), args: []string{"--arch", "i686", "--arch", "src"},
			want: map[string][]string{
				"multi-1.0-1.i686 from base":  {"multi-missing-i686"},
				"srconly-1.0-1.src from base": {"build-missing"},
			},
		},
		{
			name: "base providers excluded", repos: fixtures("base"),
			args: []string{"-x", "opprov", "-x", "epochprov", "-x", "tildeprov", "-x", "caretprov", "-x", "fileprov",
				"--pkg", "ops-ok", "--pkg", "evr-ok", "--pkg", "files-ok"},
			want: okDeps,
		},
		{name: "rich", repos: fixtures("rich"), want: richUnresolved(false)},
		{name: "rich providers excluded", repos: fixtures("rich"), args: []string{"-x", "rich-p*"}, want: richUnresolved(true)},
		{name: "rich closed package", repos: fixtures("rich"), args: []string{"--pkg", "r-and-both"}, want: map[string][]string{}},
		{
			name: "extra alone", repos: fixtures("extra"),
			want: map[string][]string{
				"dup-broken-1.0-1.noarch from extra":       {"dup-missing"},
				"extra-broken-1.0-1.noarch from extra":     {"extra-missing", "opprov"},
				"extra-needs-base-1.0-1.noarch from extra": {"epochprov >= 1:2.0", "/usr/share/fix/data.txt", "opprov = 2.0"},
			},
		},
		{
			// The same rpm file in two repositories is two packages.
			name: "base and extra", repos: fixtures("base", "extra"),
			want: with(baseUnresolved(), map[string][]string{
				"dup-broken-1.0-1.noarch from extra":   {"dup-missing"},
				"extra-broken-1.0-1.noarch from extra": {"extra-missing"},
			}),
		},
		{
			name: "check extra against base", repos: fixtures("base", "extra"), args: []string{"--check", "extra"},
			want: map[string][]string{
				"dup-broken-1.0-1.noarch from extra":   {"dup-missing"},
				"extra-broken-1.0-1.noarch from extra": {"extra-missing"},
			},
		},
		{
			name: "exclude a provider", repos: fixtures("base", "extra"), args: []string{"--check", "extra", "-x", "excludeme"},
			want: map[string][]string{
				"dup-broken-1.0-1.noarch from extra":   {"dup-missing"},
				"extra-broken-1.0-1.noarch from extra": {"extra-missing"},
				"needs-excl-1.0-1.noarch from extra":   {"excl-cap"},
			},
		},
		{
			name: "excludepkgs setopt", repos: fixtures("base", "extra"),
			args: []string{"--check", "extra", "--setopt=excludepkgs=excludeme"},
			want: map[string][]string{
				"dup-broken-1.0-1.noarch from extra":   {"dup-missing"},
				"extra-broken-1.0-1.noarch from extra": {"extra-missing"},
				"needs-excl-1.0-1.noarch from extra":   {"excl-cap"},
			},
		},
		{
			name: "kernels", repos: fixtures("kernels"),
			want: map[string][]string{
				"kernel-core-4.18.0-305.el8.x86_64 from kernels": {"linux-firmware >= 20191202-97.gite8a0f4c9"},
				"kernel-core-4.18.0-348.el8.x86_64 from kernels": {"linux-firmware >= 20191202-97.gite8a0f4c9"},
				"kernel-core-4.18.0-372.el8.x86_64 from kernels": {"linux-firmware >= 20191202-97.gite8a0f4c9"},
			},
		},
		{
			// Without best every kernel build provides: kABI-tracking
			// kmods find the kernel they were built on.
			name: "kmods against all kernels", repos: fixtures("kernels", "kmods"), args: []string{"--check", "kmods"},
			want: kmodsAlwaysUnresolved(),
		},
		{
			// best=True (RHEL's dnf.conf): only the newest kernel provides.
			name: "kmods with best", repos: fixtures("kernels", "kmods"), args: []string{"--check", "kmods", "--setopt=best=True"},
			want: with(kmodsAlwaysUnresolved(), map[string][]string{
				"kmod-foo-1.0-1.el8.x86_64 from kmods":    {pciEnableDevice305},
				"kmod-bar-1.0-1.el8.x86_64 from kmods":    {netifRx348},
				"kmod-baz-1.0-1.el8.x86_64 from kmods":    {pciEnableMsix305},
				"kmod-nvidia-1.0-1.el8.x86_64 from kmods": {"kernel-uname-r = 4.18.0-348.el8.x86_64"},
			}),
		},
		{
			name: "kmods on kernel 305", repos: fixtures("kernels", "kmods"), args: onlyKernel("305.el8"),
			want: with(kmodsAlwaysUnresolved(), map[string][]string{
				"kmod-bar-1.0-1.el8.x86_64 from kmods":    {"kernel >= 4.18.0-348.el8"},
				"kmod-nvidia-1.0-1.el8.x86_64 from kmods": {"kernel-uname-r = 4.18.0-348.el8.x86_64"},
			}),
		},
		{
			name: "kmods on kernel 348", repos: fixtures("kernels", "kmods"), args: onlyKernel("348.el8"),
			want: with(kmodsAlwaysUnresolved(), map[string][]string{
				"kmod-foo-1.0-1.el8.x86_64 from kmods": {pciEnableDevice305},
			}),
		},
		{
			name: "kmods on kernel 372", repos: fixtures("kernels", "kmods"), args: onlyKernel("372.el8"),
			want: with(kmodsAlwaysUnresolved(), map[string][]string{
				"kmod-foo-1.0-1.el8.x86_64 from kmods":    {pciEnableDevice305},
				"kmod-bar-1.0-1.el8.x86_64 from kmods":    {netifRx348},
				"kmod-baz-1.0-1.el8.x86_64 from kmods":    {pciEnableMsix305},
				"kmod-nvidia-1.0-1.el8.x86_64 from kmods": {"kernel-uname-r = 4.18.0-348.el8.x86_64"},
			}),
		},
		{
			// Alone, the kmods miss every kernel dep; kmod-qux's ksym comes
			// from kmod-foo in the same repository.
			name: "kmods alone", repos: fixtures("kmods"), args: []string{"--pkg", "kmod-stable", "--pkg", "kmod-qux"},
			want: map[string][]string{
				"kmod-stable-1.0-1.el8.x86_64 from kmods": {
					"kernel >= 4.18.0-305.el8", "kernel(printk) = 0x3a096533", "kernel(__kmalloc) = 0x5ed34fe5",
					"kernel(kfree) = 0xf658f7a7", "kernel(mutex_lock) = 0x230824d2", "kernel(mutex_unlock) = 0x3f584ad4",
					"/usr/sbin/depmod", "/usr/sbin/weak-modules",
				},
				"kmod-qux-1.0-1.el8.x86_64 from kmods": {
					"kernel >= 4.18.0-305.el8", "kernel(printk) = 0x3a096533", "kernel(kfree) = 0xf658f7a7",
					"/usr/sbin/depmod", "/usr/sbin/weak-modules",
				},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			res, err := Run(ctx, tt.repos, tt.args...)
			if err != nil {
				t.Fatalf("Run: %v", err)
			}
			wantExit := 0
			if len(tt.want) > 0 {
				wantExit = 1
			}
			if res.ExitCode != wantExit {
				t.Errorf("ExitCode = %d, want %d; stderr: %s", res.ExitCode, wantExit, res.Stderr)
			}
			compareUnresolved(t, res.Unresolved, tt.want)
		})
	}
}

func compareUnresolved(t *testing.T, got, want map[string][]string) {
	t.Helper()
	for _, pkg := range slices.Sorted(maps.Keys(want)) {
		wantDeps := slices.Sorted(slices.Values(want[pkg]))
		gotDeps, ok := got[pkg]
		switch {
		case !ok:
			t.Errorf("%s: not reported, want unresolved %q", pkg, wantDeps)
		case !slices.Equal(gotDeps, wantDeps):
			t.Errorf("%s: unresolved\n got %q\nwant %q", pkg, gotDeps, wantDeps)
		}
	}
	for _, pkg := range slices.Sorted(maps.Keys(got)) {
		if _, ok := want[pkg]; !ok {
			t.Errorf("%s: reported unresolved %q, want closed", pkg, got[pkg])
		}
	}
}

func TestRunErrors(t *testing.T) {
	Require(t)
	tests := []struct {
		name    string
		repos   []Repo
		args    []string
		wantErr string
	}{
		{name: "unknown package", repos: fixtures("base"), args: []string{"--pkg", "nosuchpkg"}, wantErr: "no package matched: nosuchpkg"},
		{name: "missing repository", repos: []Repo{{Name: "gone", Path: "/nonexistent/repo"}}, wantErr: "Failed to download metadata for repo 'gone'"},
		{name: "bad repo name", repos: []Repo{{Name: "a,b", Path: "."}}, wantErr: `invalid repo name "a,b"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			res, err := Run(ctx, tt.repos, tt.args...)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("Run = %+v, %v; want an error containing %q", res, err, tt.wantErr)
			}
		})
	}
}

func TestRunCanceled(t *testing.T) {
	Require(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if res, err := Run(ctx, fixtures("base")); err == nil {
		t.Fatalf("Run with a canceled context = %+v, want an error", res)
	}
}
