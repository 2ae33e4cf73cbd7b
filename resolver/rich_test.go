package resolver

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/xml"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/repoclosure/repoclosure/internal/dnforacle"
	"github.com/repoclosure/repoclosure/repomd"
)

func leaf(name string) *Rich { return &Rich{Kind: RichLeaf, Name: name} }

func leafV(name string, op repomd.Op, evr string) *Rich {
	return &Rich{Kind: RichLeaf, Name: name, Op: op, EVR: evr}
}

func node(kind RichOp, args ...*Rich) *Rich { return &Rich{Kind: kind, Args: args} }

var validRich = []struct {
	in   string
	want *Rich
	text string // canonical String()
}{
	{"(a)", leaf("a"), "(a)"},
	{"((a))", leaf("a"), "(a)"},
	{"(a = 1.0-1)", leafV("a", repomd.OpEQ, "1.0-1"), "(a = 1.0-1)"},
	{"(a == 1)", leafV("a", repomd.OpEQ, "1"), "(a = 1)"},
	{"(a =< 1)", leafV("a", repomd.OpLE, "1"), "(a <= 1)"},
	{"(a => 1)", leafV("a", repomd.OpGE, "1"), "(a >= 1)"},
	{"(a < 0:1)", leafV("a", repomd.OpLT, "1"), "(a < 1)"}, // libsolv drops a zero epoch
	{"(a < 00:1)", leafV("a", repomd.OpLT, "00:1"), "(a < 00:1)"},
	{"(a < 0:)", leafV("a", repomd.OpLT, "0:"), "(a < 0:)"},
	{"(a and b)", node(RichAnd, leaf("a"), leaf("b")), "(a and b)"},
	{"( a\tand\n b )", node(RichAnd, leaf("a"), leaf("b")), "(a and b)"},
	{"(a ,and ,b)", node(RichAnd, leaf("a"), leaf("b")), "(a and b)"}, // commas are whitespace
	{"(a and b and c)", node(RichAnd, leaf("a"), leaf("b"), leaf("c")), "(a and b and c)"},
	{"(a or b or c)", node(RichOr, leaf("a"), leaf("b"), leaf("c")), "(a or b or c)"},
	{"(a with b with c)", node(RichWith, leaf("a"), leaf("b"), leaf("c")), "(a with b with c)"},
	{"(a if b)", node(RichIf, leaf("a"), leaf("b")), "(a if b)"},
	{"(a if b else c)", node(RichIfElse, leaf("a"), leaf("b"), leaf("c")), "(a if b else c)"},
	{"(a unless b)", node(RichUnless, leaf("a"), leaf("b")), "(a unless b)"},
	{"(a unless b else c)", node(RichUnlessElse, leaf("a"), leaf("b"), leaf("c")), "(a unless b else c)"},
	{"(a without b)", node(RichWithout, leaf("a"), leaf("b")), "(a without b)"},
	{"((a and b))", node(RichAnd, leaf("a"), leaf("b")), "(a and b)"},
	// Same-kind chains join, as libsolv builds and prints them.
	{"(a and (b and c))", node(RichAnd, leaf("a"), leaf("b"), leaf("c")), "(a and b and c)"},
	{"((a or b) or (c or d))", node(RichOr, leaf("a"), leaf("b"), leaf("c"), leaf("d")), "(a or b or c or d)"},
	{"(a with (b with c))", node(RichWith, leaf("a"), leaf("b"), leaf("c")), "(a with b with c)"},
	{"(a or (b and c))", node(RichOr, leaf("a"), node(RichAnd, leaf("b"), leaf("c"))), "(a or (b and c))"},
	{"(a without (b without c))", node(RichWithout, leaf("a"), node(RichWithout, leaf("b"), leaf("c"))), "(a without (b without c))"},
	{"((a if b) if c)", node(RichIf, node(RichIf, leaf("a"), leaf("b")), leaf("c")), "((a if b) if c)"},
	{"((a) or b)", node(RichOr, leaf("a"), leaf("b")), "(a or b)"},
	{"((a or b) with c)", node(RichWith, node(RichOr, leaf("a"), leaf("b")), leaf("c")), "((a or b) with c)"},
	{"(a with (b without c))", node(RichWith, leaf("a"), node(RichWithout, leaf("b"), leaf("c"))), "(a with (b without c))"},
	{"((a and b) if c else (d or e))",
		node(RichIfElse, node(RichAnd, leaf("a"), leaf("b")), leaf("c"), node(RichOr, leaf("d"), leaf("e"))),
		"((a and b) if c else (d or e))"},
	{"(a if (b with c))", node(RichIf, leaf("a"), node(RichWith, leaf("b"), leaf("c"))), "(a if (b with c))"},
	// Names with parentheses, as kernel and python deps have.
	{"(kernel(x86-64) = 5.14.0-55.el9 and kmod(foo.ko))",
		node(RichAnd, leafV("kernel(x86-64)", repomd.OpEQ, "5.14.0-55.el9"), leaf("kmod(foo.ko)")),
		"(kernel(x86-64) = 5.14.0-55.el9 and kmod(foo.ko))"},
	{"(python3.14dist(mpmath) < 1.4~~ with python3.14dist(mpmath) >= 1.1)",
		node(RichWith, leafV("python3.14dist(mpmath)", repomd.OpLT, "1.4~~"), leafV("python3.14dist(mpmath)", repomd.OpGE, "1.1")),
		"(python3.14dist(mpmath) < 1.4~~ with python3.14dist(mpmath) >= 1.1)"},
	// rpm lets a name keep an unclosed '('; String must not let it swallow ')'.
	{"(0( )", leaf("0("), "(0( )"},
	{"(a or b = 1( )", node(RichOr, leaf("a"), leafV("b", repomd.OpEQ, "1(")), "(a or b = 1( )"},
	{"(a( or b)", node(RichOr, leaf("a("), leaf("b")), "(a( or b)"},
	// Words are operators only where an operator is expected.
	{"(and and or)", node(RichAnd, leaf("and"), leaf("or")), "(and and or)"},
	{"(/usr/bin/sh or /bin/sh)", node(RichOr, leaf("/usr/bin/sh"), leaf("/bin/sh")), "(/usr/bin/sh or /bin/sh)"},
}

func TestParseRich(t *testing.T) {
	for _, tt := range validRich {
		got, err := ParseRich(tt.in)
		if err != nil {
			t.Errorf("ParseRich(%q): %v", tt.in, err)
			continue
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("ParseRich(%q) = %s, want %s", tt.in, got, tt.want)
		}
		if s := got.String(); s != tt.text {
			t.Errorf("ParseRich(%q).String() = %q, want %q", tt.in, s, tt.text)
		}
	}
}

var invalidRich = []struct {
	in  string
	msg string
	pos int
}{
	{"", "does not start with '('", 0},
	{"a and b", "does not start with '('", 0},
	{"()", "empty rich dependency", 1},
	{"( )", "empty rich dependency", 2},
	{"(a and)", "missing argument to rich dependency op", 6},
	{"(a if b else)", "missing argument to rich dependency op", 12},
	{"(a", "unterminated rich dependency", 2},
	{"(a and b", "unterminated rich dependency", 8},
	{"(a and (b or c)", "unterminated rich dependency", 15},
	{"(a foo b)", `unknown rich dependency op "foo"`, 3},
	{"(a AND b)", `unknown rich dependency op "AND"`, 3},
	{"(a, b)", `unknown rich dependency op "b"`, 4},
	{"(a and, b)", `unknown rich dependency op "and,"`, 3}, // an op ends at whitespace or ')' only
	{"(a =1)", `unknown rich dependency op "=1"`, 3},
	{"(a != 1)", `unknown rich dependency op "!="`, 3},
	{"(a and b or c)", "cannot chain different ops", 9},
	{"(a or b and c)", "cannot chain different ops", 8},
	{"(a and b else c)", "cannot chain different ops", 9},
	{"(a if b unless c)", "cannot chain different ops", 8},
	{"(a if b if c)", "can only chain and/or/with ops", 8},
	{"(a unless b unless c)", "can only chain and/or/with ops", 12},
	{"(a without b without c)", "can only chain and/or/with ops", 13},
	{"(a if b else c else d)", "can only chain and/or/with ops", 15},
	{"(a if b else c if d)", "cannot chain different ops", 15},
	{"(a else b)", "'else' without 'if' or 'unless'", 3},
	{"(a = )", "version required", 5},
	{"(a >=", "version required", 5},
	{"(a) b", "junk after rich dependency", 3},
	{"(a and b) ", "junk after rich dependency", 9},
	{"((a and b) with c)", "illegal ops in with/without", 0},
	{"(x or (a without (b if c)))", "illegal ops in with/without", 6},
	{"(a with ((b if c) or d))", "illegal ops in with/without", 0},
	{"(a without (b unless c else d))", "illegal ops in with/without", 0},
	{strings.Repeat("(", 300) + "a" + strings.Repeat(")", 300), "nested too deeply", 200},
}

func TestParseRichErrors(t *testing.T) {
	for _, tt := range invalidRich {
		r, err := ParseRich(tt.in)
		if err == nil {
			t.Errorf("ParseRich(%q) = %s, want error %q", tt.in, r, tt.msg)
			continue
		}
		var re *RichError
		if !errors.As(err, &re) {
			t.Errorf("ParseRich(%q) error %T, want *RichError", tt.in, err)
			continue
		}
		if !strings.Contains(re.Msg, tt.msg) || re.Pos != tt.pos || re.Dep != tt.in {
			t.Errorf("ParseRich(%q) = %+v, want %q at byte %d", tt.in, re, tt.msg, tt.pos)
		}
		if !strings.Contains(err.Error(), tt.msg) || !strings.Contains(err.Error(), "byte") {
			t.Errorf("ParseRich(%q) error text %q lacks the message or position", tt.in, err)
		}
	}
}

// fakeProviders serves a fixed table of name -> packages; a versioned leaf
// keeps the packages whose provide (recorded in versions) matches.
type fakeProviders struct {
	pkgs     map[string][]int32
	versions map[string]string // name -> EVR every provider of it provides ("=")
	asked    []string
}

func (f *fakeProviders) leaf(name string, op repomd.Op, evr string) []int32 {
	f.asked = append(f.asked, name)
	pkgs := f.pkgs[name]
	if op == repomd.OpNone {
		return pkgs
	}
	if pevr, ok := f.versions[name]; ok && !Matches(repomd.OpEQ, pevr, op, evr) {
		return nil
	}
	return pkgs
}

// truth builds providers where each of the given names is provided (by its
// own package) exactly when its flag is true.
func truth(names string, flags ...bool) LeafProviders {
	f := &fakeProviders{pkgs: map[string][]int32{}}
	for i, n := range strings.Fields(names) {
		if flags[i] {
			f.pkgs[n] = []int32{int32(i + 1)}
		}
	}
	return f.leaf
}

func TestSatisfiedTruthTables(t *testing.T) {
	const T, F = true, false
	tables := []struct {
		dep  string
		rows [][]bool // values of a, b[, c], then the expected result
	}{
		{"(a and b)", [][]bool{{T, T, T}, {T, F, F}, {F, T, F}, {F, F, F}}},
		{"(a or b)", [][]bool{{T, T, T}, {T, F, T}, {F, T, T}, {F, F, F}}},
		{"(a if b)", [][]bool{{T, T, T}, {T, F, T}, {F, T, F}, {F, F, T}}},
		{"(a unless b)", [][]bool{{T, T, F}, {T, F, T}, {F, T, F}, {F, F, F}}},
		{"(a and b and c)", [][]bool{{T, T, T, T}, {T, T, F, F}, {F, T, T, F}, {T, F, T, F}}},
		{"(a or b or c)", [][]bool{{F, F, F, F}, {F, F, T, T}, {T, F, F, T}}},
		{"(a if b else c)", [][]bool{
			{T, T, T, T}, {T, T, F, T}, {T, F, T, T}, {T, F, F, F},
			{F, T, T, F}, {F, T, F, F}, {F, F, T, T}, {F, F, F, F},
		}},
		{"(a unless b else c)", [][]bool{
			{T, T, T, T}, {T, T, F, F}, {T, F, T, T}, {T, F, F, T},
			{F, T, T, T}, {F, T, F, F}, {F, F, T, F}, {F, F, F, F},
		}},
		// Different packages provide a and b here, so with never holds.
		{"(a with b)", [][]bool{{T, T, F}, {T, F, F}, {F, T, F}, {F, F, F}}},
		{"(a without b)", [][]bool{{T, T, T}, {T, F, T}, {F, T, F}, {F, F, F}}},
		{"((a or b) if c)", [][]bool{{F, F, T, F}, {F, T, T, T}, {F, F, F, T}}},
		{"(a if (b or c))", [][]bool{{F, F, F, T}, {F, T, F, F}, {F, F, T, F}, {T, T, T, T}}},
	}
	names := []string{"a", "b", "c"}
	for _, tab := range tables {
		r, err := ParseRich(tab.dep)
		if err != nil {
			t.Fatalf("ParseRich(%q): %v", tab.dep, err)
		}
		for _, row := range tab.rows {
			n := len(row) - 1
			prov := truth(strings.Join(names[:n], " "), row[:n]...)
			if got := r.Satisfied(prov); got != row[n] {
				t.Errorf("%s with %v = %v, want %v", tab.dep, row[:n], got, row[n])
			}
		}
	}
}

func TestSatisfiedWithWithout(t *testing.T) {
	prov := (&fakeProviders{
		pkgs: map[string][]int32{
			"a": {1, 2}, "b": {2, 3}, "c": {3}, "d": {1}, "v": {4},
		},
		versions: map[string]string{"v": "2.0-1"},
	}).leaf
	tests := []struct {
		dep  string
		want bool
	}{
		{"(a with b)", true},         // package 2
		{"(a with c)", false},        // no package provides both
		{"(a with b with c)", false}, // 2 has a and b, 3 has b and c
		{"(b with (c or d))", true},  // 3
		{"(a without b)", true},      // 1
		{"(c without b)", false},     // 3 provides both
		{"(d without (a or c))", false},
		{"(b without (a with d))", true}, // 2 and 3 lack d
		{"(v >= 2 with v < 3)", true},
		{"(v >= 2 with v < 2.0-1)", false},
		{"((a with c) or (b with c))", true},
		{"((a with c) if d)", false},
	}
	for _, tt := range tests {
		r, err := ParseRich(tt.dep)
		if err != nil {
			t.Fatalf("ParseRich(%q): %v", tt.dep, err)
		}
		if got := r.Satisfied(prov); got != tt.want {
			t.Errorf("%s: Satisfied = %v, want %v", tt.dep, got, tt.want)
		}
	}
}

func TestProvidersDNF4(t *testing.T) {
	// x: 1; y: 1 2; z: 2; w: 3; v = 1.0 from 4; n and m: nobody.
	prov := (&fakeProviders{
		pkgs:     map[string][]int32{"x": {1}, "y": {1, 2}, "z": {2}, "w": {3}, "v": {4}},
		versions: map[string]string{"v": "1.0"},
	}).leaf
	tests := []struct {
		dep  string
		want []int32
	}{
		{"(x and n)", []int32{1}}, // union: dnf4 calls this resolved
		{"(n and m)", nil},
		{"(x and y and w)", []int32{1, 2, 3}},
		{"(n or z)", []int32{2}},
		{"(n if m)", nil},        // exact logic says true; dnf4 says unresolved
		{"(x if n)", []int32{1}}, // the condition does not count
		{"(n if x)", nil},
		{"(n if x else w)", []int32{3}}, // A and C, never B
		{"(x if w else z)", []int32{1, 2}},
		{"(n unless m)", nil},
		{"(x unless y)", []int32{1}},
		{"(n unless x else w)", []int32{3}},
		{"(x with y)", []int32{1}},
		{"(x with z)", nil},
		{"(y with (z or w))", []int32{2}},
		{"(x with y with z)", nil},
		{"(y without x)", []int32{2}},
		{"(y without n)", []int32{1, 2}},
		{"(x without y)", nil},
		{"(v >= 1 or n)", []int32{4}},
		{"(v > 1.0 or n)", nil},
		{"((x with z) or n)", nil},
		{"((y without x) and (n if w))", []int32{2}},
	}
	for _, tt := range tests {
		r, err := ParseRich(tt.dep)
		if err != nil {
			t.Fatalf("ParseRich(%q): %v", tt.dep, err)
		}
		if got := r.ProvidersDNF4(prov); !slices.Equal(got, tt.want) {
			t.Errorf("%s: ProvidersDNF4 = %v, want %v", tt.dep, got, tt.want)
		}
	}
}

func TestProvidersDNF4DoesNotModifyLeafSlices(t *testing.T) {
	shared := map[string][]int32{"a": {1, 3}, "b": {2, 3}, "c": {3}}
	prov := (&fakeProviders{pkgs: shared}).leaf
	for _, dep := range []string{"(a or b)", "(a with b)", "(a without c)", "(a if b else c)"} {
		r, err := ParseRich(dep)
		if err != nil {
			t.Fatal(err)
		}
		r.ProvidersDNF4(prov)
	}
	if !slices.Equal(shared["a"], []int32{1, 3}) || !slices.Equal(shared["b"], []int32{2, 3}) || !slices.Equal(shared["c"], []int32{3}) {
		t.Errorf("leaf provider slices were modified: %v", shared)
	}
}

func FuzzParseRich(f *testing.F) {
	for _, tt := range validRich {
		f.Add(tt.in)
	}
	for _, tt := range invalidRich {
		f.Add(tt.in)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := ParseRich(s)
		if err != nil {
			var re *RichError
			if !errors.As(err, &re) || re.Pos < 0 || re.Pos > len(s) {
				t.Fatalf("ParseRich(%q): bad error %v", s, err)
			}
			return
		}
		text := r.String()
		again, err := ParseRich(text)
		if err != nil {
			t.Fatalf("ParseRich(%q).String() = %q does not parse: %v", s, text, err)
		}
		if !reflect.DeepEqual(r, again) {
			t.Fatalf("ParseRich(%q) = %#v, but its String %q parses to %#v", s, r, text, again)
		}
		if again.String() != text {
			t.Fatalf("String is not canonical: %q then %q", text, again.String())
		}
		prov := truth("a b c", true, false, true)
		sat := r.Satisfied(prov)
		r.ProvidersDNF4(prov)
		// Without conditions the solver's answer is the logic's.
		if inst := r.Installable(prov); inst != sat && !strings.Contains(text, " if ") && !strings.Contains(text, " unless ") {
			t.Fatalf("%q: Installable %v, Satisfied %v", text, inst, sat)
		}
	})
}

func BenchmarkParseRich(b *testing.B) {
	const dep = "((kernel-core-uname-r = 5.14.0-55.el9.x86_64 or kernel-rt-core-uname-r = 5.14.0-55.el9.x86_64) if kernel(x86-64) else (python3.14dist(mpmath) < 1.4~~ with python3.14dist(mpmath) >= 1.1))"
	b.SetBytes(int64(len(dep)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseRich(dep); err != nil {
			b.Fatal(err)
		}
	}
}

// dnfRichWorld is the package set of TestProvidersDNF4AgainstDNF: package k
// (1-based, named pk) provides the capabilities listed; n and m have no
// provider. The same table feeds the fake LeafProviders.
var dnfRichWorld = []struct {
	name     string
	provides []string // "cap" or "cap = evr"
}{
	{"p1", []string{"x", "y"}},
	{"p2", []string{"y", "z"}},
	{"p3", []string{"w"}},
	{"p4", []string{"v = 1.0"}},
}

// dnfRichDeps covers every operator, nesting and chains, with both answers.
var dnfRichDeps = []string{
	"(x and n)", "(n and m)", "(x and y and w)", "(n or z)", "(n or m or n)",
	"(n if m)", "(x if n)", "(n if x)", "(n if x else w)", "(x if w else z)", "(n if x else m)",
	"(n unless m)", "(x unless y)", "(n unless x else w)", "(n unless m else m)",
	"(x with y)", "(x with z)", "(y with (z or w))", "(x with y with z)", "(y with z with y)",
	"(y without x)", "(y without n)", "(x without y)", "(n without x)",
	"(v >= 1 or n)", "(v > 1.0 or n)", "(v = 1.0 with v < 2)", "((x with z) or n)",
	"((y without x) and (n if w))", "((n or m) if (x and y) else (w with w))",
	// Unresolved ones that test how dnf prints them.
	"(n and (m and n))", "((n or m) or n)", "(v > 0:1.0 or n)", "((n or m) if w else (z with x))",
	"((n if m) and (m unless n))", "(n or (m and n))", "(n without m)", "(n)", "(v >= 2)",
}

// TestProvidersDNF4AgainstDNF writes a repository whose package chkNN
// requires dnfRichDeps[NN] and checks that dnf4's repoclosure calls exactly
// those deps unresolved for which ProvidersDNF4 is empty.
func TestProvidersDNF4AgainstDNF(t *testing.T) {
	dnforacle.Require(t)
	dir := t.TempDir()
	writeRichRepo(t, filepath.Join(dir, "repo"))

	res, err := dnforacle.Run(t.Context(), []dnforacle.Repo{{Name: "rich", Path: filepath.Join(dir, "repo")}})
	if err != nil {
		t.Fatal(err)
	}
	// package name -> the unresolved dep as dnf prints it
	unresolved := map[string]string{}
	var pkg string
	for _, line := range strings.Split(res.Stdout, "\n") {
		if rest, ok := strings.CutPrefix(line, "package: "); ok {
			pkg, _, _ = strings.Cut(rest, "-")
			unresolved[pkg] = ""
		} else if dep, ok := strings.CutPrefix(line, "    "); ok && pkg != "" {
			unresolved[pkg] = dep
		}
	}

	f := &fakeProviders{pkgs: map[string][]int32{}, versions: map[string]string{}}
	for k, p := range dnfRichWorld {
		for _, c := range p.provides {
			name, evr, versioned := strings.Cut(c, " = ")
			f.pkgs[name] = append(f.pkgs[name], int32(k+1))
			if versioned {
				f.versions[name] = evr
			}
		}
	}
	for k, dep := range dnfRichDeps {
		r, err := ParseRich(dep)
		if err != nil {
			t.Fatalf("ParseRich(%q): %v", dep, err)
		}
		ours := len(r.ProvidersDNF4(f.leaf)) == 0
		printed, theirs := unresolved[fmt.Sprintf("chk%02d", k)]
		if ours != theirs {
			t.Errorf("%s: unresolved by ProvidersDNF4 = %v, by dnf repoclosure = %v", dep, ours, theirs)
		}
		want := r.String()
		if r.Kind == RichLeaf { // dnf prints a lone leaf without parentheses
			want = want[1 : len(want)-1]
		}
		if theirs && printed != want {
			t.Errorf("%s: dnf prints %q, String gives %q", dep, printed, want)
		}
	}
	if len(unresolved) == 0 {
		t.Fatalf("dnf found nothing unresolved; its output:\n%s\n%s", res.Stdout, res.Stderr)
	}
}

// richPrimary is the primary.xml of dnfRichWorld and a package chkNN
// requiring dnfRichDeps[NN] each.
func richPrimary() string {
	var pkgs []xmlPkg
	for _, p := range dnfRichWorld {
		pkgs = append(pkgs, xmlPkg{name: p.name, provides: p.provides})
	}
	for k, dep := range dnfRichDeps {
		pkgs = append(pkgs, xmlPkg{name: fmt.Sprintf("chk%02d", k), requires: []string{dep}})
	}
	return primaryXML(pkgs)
}

// xmlPkg is a noarch package 1-1 for primaryXML: provides and requires are
// "cap", "cap = evr" or a rich dep.
type xmlPkg struct {
	name               string
	provides, requires []string
}

// primaryXML writes pkgs as an rpm-md primary.xml.
func primaryXML(list []xmlPkg) string {
	var pkgs strings.Builder
	entry := func(c string) string {
		name, evr, versioned := strings.Cut(c, " = ")
		if !versioned || strings.HasPrefix(c, "(") {
			return fmt.Sprintf(`<rpm:entry name="%s"/>`, xmlEscape(c))
		}
		return fmt.Sprintf(`<rpm:entry name="%s" flags="EQ" epoch="0" ver="%s"/>`, xmlEscape(name), xmlEscape(evr))
	}
	for _, p := range list {
		fmt.Fprintf(&pkgs, `<package type="rpm"><name>%s</name><arch>noarch</arch><version epoch="0" ver="1" rel="1"/>`+
			`<checksum type="sha256" pkgid="YES">%064x</checksum><summary>s</summary><description>d</description>`+
			`<packager/><url/><time file="1" build="1"/><size package="1" installed="1" archive="1"/>`+
			`<location href="%s-1-1.noarch.rpm"/><format><rpm:license>MIT</rpm:license><rpm:vendor/><rpm:group>g</rpm:group>`+
			`<rpm:buildhost>h</rpm:buildhost><rpm:sourcerpm>%s-1-1.src.rpm</rpm:sourcerpm><rpm:header-range start="1" end="2"/>`,
			p.name, len(pkgs.String()), p.name, p.name)
		pkgs.WriteString(`<rpm:provides>` + entry(p.name+" = 1-1"))
		for _, c := range p.provides {
			pkgs.WriteString(entry(c))
		}
		pkgs.WriteString(`</rpm:provides>`)
		if len(p.requires) > 0 {
			pkgs.WriteString(`<rpm:requires>`)
			for _, c := range p.requires {
				pkgs.WriteString(entry(c))
			}
			pkgs.WriteString(`</rpm:requires>`)
		}
		pkgs.WriteString("</format></package>\n")
	}
	return fmt.Sprintf(`<?xml version="1.0" encoding="UTF-8"?>
<metadata xmlns="http://linux.duke.edu/metadata/common" xmlns:rpm="http://linux.duke.edu/metadata/rpm" packages="%d">
%s</metadata>
`, len(list), pkgs.String())
}

// writeRichRepo writes repodata (repomd.xml and a gzipped primary.xml) for
// dnfRichWorld plus one checker package per dnfRichDeps entry.
func writeRichRepo(t *testing.T, root string) {
	t.Helper()
	writePrimaryRepo(t, root, richPrimary())
}

// writePrimaryRepo writes root/repodata with primary as its only file.
func writePrimaryRepo(t *testing.T, root, primary string) {
	t.Helper()
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	if _, err := zw.Write([]byte(primary)); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	repomdXML := fmt.Sprintf(`<?xml version="1.0" encoding="UTF-8"?>
<repomd xmlns="http://linux.duke.edu/metadata/repo" xmlns:rpm="http://linux.duke.edu/metadata/rpm">
  <revision>1</revision>
  <data type="primary">
    <checksum type="sha256">%x</checksum>
    <open-checksum type="sha256">%x</open-checksum>
    <location href="repodata/primary.xml.gz"/>
    <timestamp>1</timestamp>
    <size>%d</size>
    <open-size>%d</open-size>
  </data>
</repomd>
`, sha256.Sum256(gz.Bytes()), sha256.Sum256([]byte(primary)), gz.Len(), len(primary))

	if err := os.MkdirAll(filepath.Join(root, "repodata"), 0o755); err != nil {
		t.Fatal(err)
	}
	for name, data := range map[string][]byte{"primary.xml.gz": gz.Bytes(), "repomd.xml": []byte(repomdXML)} {
		if err := os.WriteFile(filepath.Join(root, "repodata", name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func xmlEscape(s string) string {
	var b strings.Builder
	if err := xml.EscapeText(&b, []byte(s)); err != nil {
		panic(err) // a strings.Builder never fails
	}
	return b.String()
}
