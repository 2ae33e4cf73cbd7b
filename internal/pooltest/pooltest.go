// Package pooltest gives the tests of the packages that work on a pool
// (resolver, modular, kabi) their package records: built from one-line
// specs, or loaded from repodata on disk.
package pooltest

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/repoclosure/repoclosure/internal/testenv"
	"github.com/repoclosure/repoclosure/repomd"
)

// Load loads the repository in each directory root/id, with that id, into
// one new string table.
func Load(tb testing.TB, root string, ids ...string) (*repomd.Strings, []*repomd.Repo) {
	tb.Helper()
	srcs := make([]repomd.Source, len(ids))
	for i, id := range ids {
		srcs[i] = repomd.Source{ID: id, BaseURLs: []string{filepath.Join(root, id)}}
	}
	strs := repomd.NewStrings()
	f := &repomd.Fetcher{}
	defer f.Close()
	repos, err := (&repomd.Loader{Fetcher: f, Strings: strs}).LoadAll(context.Background(), srcs)
	if err != nil {
		tb.Fatal(err)
	}
	return strs, repos
}

// CS9 loads the real CentOS Stream 9 BaseOS and AppStream metadata of the
// shared data.
func CS9(tb testing.TB) (*repomd.Strings, []*repomd.Repo) {
	tb.Helper()
	return Load(tb, testenv.SharedData(tb, "cs9"), "baseos", "appstream")
}

// Deps counts the provides and requires of repos: what the benchmarks that
// measure dependency work pass to SetBytes.
func Deps(repos []*repomd.Repo) int64 {
	var n int64
	for _, r := range repos {
		for _, p := range r.Packages {
			n += int64(len(p.Deps(repomd.Provides)) + len(p.Deps(repomd.Requires)))
		}
	}
	return n
}

// Repo builds a repository from one-line package specs:
//
//	"name-[e:]v-r.arch | src:foo-1-1.src.rpm | P:a = 1,b | R:c >= 2,/usr/bin/x | F:/usr/bin/y"
//
// Deps are comma separated "name [op evr]"; a rich dep is written whole.
func Repo(t testing.TB, strs *repomd.Strings, id string, specs ...string) *repomd.Repo {
	t.Helper()
	r := &repomd.Repo{ID: id, Strings: strs}
	for _, spec := range specs {
		r.Packages = append(r.Packages, Pkg(t, strs, spec))
	}
	return r
}

// Pkg builds one package from a spec of Repo's syntax.
func Pkg(t testing.TB, strs *repomd.Strings, spec string) repomd.Package {
	t.Helper()
	fields := splitSpec(spec)
	nevra := fields[0]
	dot := strings.LastIndexByte(nevra, '.')
	arch := nevra[dot+1:]
	nevr := nevra[:dot]
	r := strings.LastIndexByte(nevr, '-')
	v := strings.LastIndexByte(nevr[:r], '-')
	name, vr := nevr[:v], nevr[v+1:]
	var p repomd.Package
	p.Name, p.Arch, p.EVR = strs.InternString(name), strs.InternString(arch), strs.InternString(vr)
	if arch != "src" {
		p.SourceRPM = strs.InternString(name + "-" + vr + ".src.rpm")
	}
	for _, f := range fields[1:] {
		key, val, _ := strings.Cut(f, ":")
		switch key {
		case "src":
			p.SourceRPM = strs.InternString(val)
		case "P", "R", "C", "O", "Rec":
			kind := map[string]repomd.DepKind{"P": repomd.Provides, "R": repomd.Requires, "C": repomd.Conflicts, "O": repomd.Obsoletes, "Rec": repomd.Recommends}[key]
			for _, d := range splitDeps(val) {
				p.SetDeps(kind, append(p.Deps(kind), Dep(t, strs, d)))
			}
		case "F":
			for _, path := range strings.Split(val, ",") {
				p.Files = append(p.Files, repomd.File{Path: strs.InternString(path)})
			}
		default:
			t.Fatalf("bad spec field %q in %q", f, spec)
		}
	}
	return p
}

// NEVRA returns the package a spec describes, as written ("name-v-r.arch").
func NEVRA(spec string) string { return splitSpec(spec)[0] }

func splitSpec(spec string) []string {
	fields := strings.Split(spec, "|")
	for i := range fields {
		fields[i] = strings.TrimSpace(fields[i])
	}
	return fields
}

func splitDeps(s string) []string {
	var out []string
	depth, start := 0, 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '(':
			depth++
		case ')':
			depth--
		case ',':
			if depth == 0 {
				out = append(out, s[start:i])
				start = i + 1
			}
		}
	}
	return append(out, s[start:])
}

// Dep builds one dependency: "name", "name op evr" or a whole rich dep.
func Dep(t testing.TB, strs *repomd.Strings, s string) repomd.Dep {
	t.Helper()
	s = strings.TrimSpace(s)
	if strings.HasPrefix(s, "(") {
		return repomd.Dep{Name: strs.InternString(s)}
	}
	parts := strings.Fields(s)
	switch len(parts) {
	case 1:
		return repomd.Dep{Name: strs.InternString(parts[0])}
	case 3:
		op := map[string]repomd.Op{"=": repomd.OpEQ, "<": repomd.OpLT, "<=": repomd.OpLE, ">": repomd.OpGT, ">=": repomd.OpGE}[parts[1]]
		if op == repomd.OpNone {
			t.Fatalf("bad op in dep %q", s)
		}
		return repomd.NewDep(strs.InternString(parts[0]), strs.InternString(parts[2]), op, false)
	}
	t.Fatalf("bad dep %q", s)
	return repomd.Dep{}
}
