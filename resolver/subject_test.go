package resolver

import (
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/repoclosure/repoclosure/internal/pooltest"
	"github.com/repoclosure/repoclosure/repomd"
)

func TestParseSubject(t *testing.T) {
	f := func(n, e, v, r, a string) nevraForm {
		ep := -1
		if e != "" {
			ep = int(e[0] - '0')
		}
		return nevraForm{name: n, epoch: ep, version: v, release: r, arch: a}
	}
	tests := []struct {
		spec string
		want []nevraForm
	}{
		{"zfs", []nevraForm{f("zfs", "", "", "", "")}},
		{"zfs-*", []nevraForm{f("zfs-*", "", "", "", ""), f("zfs", "", "*", "", "")}},
		{"zfs-dracut-*", []nevraForm{f("zfs-dracut-*", "", "", "", ""), f("zfs", "", "dracut", "*", ""), f("zfs-dracut", "", "*", "", "")}},
		{"foo.x86_64", []nevraForm{f("foo", "", "", "", "x86_64"), f("foo.x86_64", "", "", "", "")}},
		{"kernel-core-5.14.0-55.el9.x86_64", []nevraForm{
			f("kernel-core", "", "5.14.0", "55.el9", "x86_64"),
			f("kernel-core-5.14.0-55.el9", "", "", "", "x86_64"),
			f("kernel-core-5.14.0-55.el9.x86_64", "", "", "", ""),
			f("kernel-core", "", "5.14.0", "55.el9.x86_64", ""),
			f("kernel-core-5.14.0", "", "55.el9.x86_64", "", ""),
		}},
		{"foo-2:1.0-1", []nevraForm{f("foo", "2", "1.0", "1", "")}},
		{"foo-2:1.0", []nevraForm{f("foo", "2", "1.0", "", "")}},
		{"foo-x:1.0", nil},
		{"foo(x86-64)", nil},
		{"a b", nil},
		{"", nil},
	}
	for _, tt := range tests {
		if got := ParseSubject(tt.spec).forms; !reflect.DeepEqual(got, tt.want) {
			t.Errorf("ParseSubject(%q) = %+v, want %+v", tt.spec, got, tt.want)
		}
	}
}

// TestSelectorFirstForm: a spec means the packages of its first form that
// matches anything, never a union of forms (libdnf's getBestSolution).
func TestSelectorFirstForm(t *testing.T) {
	strs := repomd.NewStrings()
	r := pooltest.Repo(t, strs, "r",
		"zfs-2.1.5-1.el9.x86_64",
		"zfs-dracut-2.1.5-1.el9.noarch",
		"zfs-test-2.1.5-1.el9.x86_64",
		"kernel-5.14.0-55.el9.x86_64",
		"kernel-core-5.14.0-55.el9.x86_64",
		"foo-2:1.0-1.x86_64",
		"bar-1.0-1.i686",
		"bar-1.0-1.x86_64",
	)
	var pkgs []*repomd.Package
	for i := range r.Packages {
		pkgs = append(pkgs, &r.Packages[i])
	}
	sel := NewSelector(strs, pkgs)
	tests := []struct{ spec, want string }{
		{"zfs-*", "zfs-dracut zfs-test"},             // NAME, not zfs-VERSION
		{"zfs*", "zfs zfs-dracut zfs-test"},          // NAME
		{"zfs-2.1.5", "zfs"},                         // NEV
		{"zfs-2.1.05", "zfs"},                        // versions compare as rpm versions
		{"kernel-5.14.0*", "kernel"},                 // NEV with a glob version
		{"kernel-core", "kernel-core"},               // NAME
		{"kernel-core-5.14.0-55.el9", "kernel-core"}, // NEVR
		{"kernel-5.14.0-55.el9.x86_64", "kernel"},    // NEVRA
		{"kernel-*.x86_64", "kernel-core"},           // NA
		{"bar.i686", "bar.i686"},                     // NA
		{"foo-2:1.0-1.x86_64", "foo"},                // NEVRA with epoch
		{"foo-0:1.0-1", ""},                          // wrong epoch
		{"foo-1.0-1", "foo"},                         // no epoch: any
		{"zfs*x86_64", "zfs zfs-test"},               // no form: whole NEVRA glob
		{"foo-2:1.0-1.x86_6[0-9]", "foo"},            // NEVRA with glob arch
		{"kernel-[!c]*", "kernel"},                   // NAME finds none; NEV
		{"kernel-[[:digit:]]*", "kernel"},            // NEV
		{"nothing", ""},
	}
	for _, tt := range tests {
		var got []string
		for _, i := range sel.Select(ParseSubject(tt.spec)) {
			n := strs.String(pkgs[i].Name)
			if n == "bar" {
				n += "." + strs.String(pkgs[i].Arch)
			}
			got = append(got, n)
		}
		if g := strings.Join(got, " "); g != tt.want {
			t.Errorf("Select(%q) = %q, want %q", tt.spec, g, tt.want)
		}
	}
}

func TestFnmatch(t *testing.T) {
	// Expected values are glibc fnmatch(3) with flags 0.
	tests := []struct {
		pattern, name string
		want          bool
	}{
		{"*", "", true},
		{"*", "a/b.c", true},
		{"?", "", false},
		{"a?c", "abc", true},
		{"a*c", "abxxc", true},
		{"a*c", "abxxcd", false},
		{"*-*-*", "a-b-c", true},
		{"[abc]x", "bx", true},
		{"[!abc]x", "bx", false},
		{"[^abc]x", "dx", true},
		{"[a-c]", "b", true},
		{"[]a]", "]", true},
		{"[[:digit:]]*", "5.14", true},
		{"[[:alpha:]]", "5", false},
		{"[ab", "[ab", true},
		{"[ab", "a", false},
		{`\*`, "*", true},
		{`\*`, "a", false},
		{"*.x86_64", "kernel-1-1.x86_64", true},
		{"**a", "bba", true},
		{"a*b*c*d", "axxbxxcxxd", true},
	}
	for _, tt := range tests {
		if got := fnmatch(tt.pattern, tt.name); got != tt.want {
			t.Errorf("fnmatch(%q, %q) = %v, want %v", tt.pattern, tt.name, got, tt.want)
		}
	}
}

func FuzzFnmatch(f *testing.F) {
	f.Add("a*[b-c]?", "axbc")
	f.Fuzz(func(t *testing.T, pattern, name string) {
		if fnmatch(pattern, name) && !strings.ContainsAny(pattern, "*?[\\") && pattern != name {
			t.Fatalf("literal %q matched %q", pattern, name)
		}
		if !fnmatch(strings.ReplaceAll(name, "*", "?"), strings.ReplaceAll(name, "*", "?")) && !strings.ContainsAny(name, "[\\") {
			t.Fatalf("%q does not match itself", name)
		}
	})
}

func FuzzParseSubject(f *testing.F) {
	for _, s := range []string{"zfs-*", "kernel-core-5.14.0-55.el9.x86_64", "foo-2:1.0-1", "a.b", "x-1:2", "(a)", "-", "a--b.c"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, spec string) {
		sub := ParseSubject(spec)
		for _, fm := range sub.forms {
			// Every reading puts the spec back together, and holds only
			// what libdnf's regexes allow in each field.
			s := fm.name
			if fm.version != "" {
				s += "-"
				if fm.epoch >= 0 {
					s += strconv.Itoa(fm.epoch) + ":"
				}
				s += fm.version
			}
			if fm.release != "" {
				s += "-" + fm.release
			}
			if fm.arch != "" {
				s += "." + fm.arch
			}
			if fm.epoch < 0 && s != spec || fm.epoch >= 0 && !strings.HasSuffix(spec, s[strings.IndexByte(s, ':')+1:]) {
				t.Errorf("%q: form %+v rebuilds %q", spec, fm, s)
			}
			if fm.name == "" || strings.ContainsAny(fm.name, ":(/=<> ") || strings.ContainsAny(fm.version+fm.release, "-:") || strings.ContainsAny(fm.arch, "-:.") {
				t.Errorf("%q: bad form %+v", spec, fm)
			}
		}
	})
}
