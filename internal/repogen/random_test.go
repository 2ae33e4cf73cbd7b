package repogen

import (
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestRandomRepoDeterministic(t *testing.T) {
	a, b := RandomRepo(11, 80), RandomRepo(11, 80)
	if !reflect.DeepEqual(a, b) {
		t.Fatal("the same seed gave two different repos")
	}
	if reflect.DeepEqual(a, RandomRepo(12, 80)) {
		t.Error("another seed gave the same repo")
	}
	if got := NewRandomRepo(RandomConfig{Seed: 11, N: 80}); !reflect.DeepEqual(got, a) {
		t.Error("RandomRepo differs from NewRandomRepo without rich deps")
	}
}

func TestRandomRepoCoversHardCases(t *testing.T) {
	pkgs := NewRandomRepo(RandomConfig{Seed: 1, N: 300})
	if len(pkgs) != 300 {
		t.Fatalf("%d packages, want 300", len(pkgs))
	}
	seen := map[string]bool{}
	names := map[string]int{}
	evrArches := map[string]map[string]bool{}
	found := map[string]bool{}
	note := func(what string, ok bool) {
		if ok {
			found[what] = true
		}
	}
	for _, p := range pkgs {
		if err := validatePkg(&p); err != nil {
			t.Errorf("%v: %v", p, err)
		}
		if seen[p.String()] {
			t.Errorf("%v twice", p)
		}
		seen[p.String()] = true
		names[p.Name]++
		evr := p.Name + "-" + orZero(p.Epoch) + ":" + p.Ver + "-" + p.Rel
		if evrArches[evr] == nil {
			evrArches[evr] = map[string]bool{}
		}
		evrArches[evr][p.Arch] = true
		note("epoch", p.Epoch != "" && p.Epoch != "0")
		note("tilde", strings.Contains(p.Ver, "~"))
		note("caret", strings.Contains(p.Ver, "^"))
		note("noarch", p.Arch == "noarch")
		for _, e := range p.Provides {
			note("kernel provide", strings.HasPrefix(e.Name, "kernel(") && crcRE.MatchString(e.Ver))
		}
		for _, e := range p.Requires {
			note("op "+e.Flags, true)
			note("versioned without release", e.Flags != "" && e.Rel == "")
			note("versioned with epoch", e.Epoch != "" && e.Epoch != "0")
			note("file dep", strings.HasPrefix(e.Name, "/"))
			note("kernel require", strings.HasPrefix(e.Name, "kernel(") && crcRE.MatchString(e.Ver))
			note("isa require", strings.HasSuffix(e.Name, "(x86-64)"))
			note("pre", e.Pre)
			if strings.HasPrefix(e.Name, "(") {
				t.Errorf("%v: rich dep %q without RichDeps", p, e.Name)
			}
		}
		note("ignored kinds", len(p.Conflicts) > 0 && len(p.Obsoletes) > 0 && len(p.Recommends) > 0)
	}
	for _, arches := range evrArches {
		note("multilib pair", arches["i686"] && arches["x86_64"])
	}
	for _, n := range names {
		note("name collisions", n >= 5)
	}
	for _, want := range []string{"epoch", "tilde", "caret", "noarch", "kernel provide", "op ", "op EQ", "op LT", "op LE", "op GT", "op GE",
		"versioned without release", "versioned with epoch", "file dep", "kernel require", "isa require", "pre", "ignored kinds", "multilib pair", "name collisions"} {
		if !found[want] {
			t.Errorf("no %s in 300 random packages", want)
		}
	}
}

// TestRandomRepoRichDeps checks that rich deps keep to the shapes on which
// dnf4 and exact semantics agree.
func TestRandomRepoRichDeps(t *testing.T) {
	pkgs := NewRandomRepo(RandomConfig{Seed: 2, N: 200, RichDeps: true})
	provided := map[string]bool{}
	for _, p := range pkgs {
		for _, e := range p.Provides {
			provided[e.Name] = true
		}
	}
	var ors, ands int
	for _, p := range pkgs {
		for _, e := range p.Requires {
			if !strings.HasPrefix(e.Name, "(") {
				continue
			}
			inner := strings.TrimSuffix(strings.TrimPrefix(e.Name, "("), ")")
			op := " or "
			if strings.Contains(inner, " and ") {
				op = " and "
				ands++
			} else {
				ors++
			}
			leaves := strings.Split(inner, op)
			nProvided := 0
			for _, l := range leaves {
				if l == "" || strings.ContainsAny(l, "() <>=") {
					t.Errorf("%v: %q has a leaf %q that is not a plain name", p, e.Name, l)
				}
				if provided[l] {
					nProvided++
				}
			}
			if op == " and " && nProvided != 0 && nProvided != len(leaves) {
				t.Errorf("%v: %q mixes provided and unprovided leaves", p, e.Name)
			}
		}
	}
	if ors == 0 || ands == 0 {
		t.Errorf("%d or-deps and %d and-deps, want both", ors, ands)
	}
}

// TestRandomRepoDNF has dnf load every random package, rich deps included,
// and find some but not all of them broken.
func TestRandomRepoDNF(t *testing.T) {
	d := newDNF(t)
	pkgs := NewRandomRepo(RandomConfig{Seed: 4, N: 120, RichDeps: true})
	dir := t.TempDir()
	if err := WriteRepo(dir, pkgs, Zstd); err != nil {
		t.Fatal(err)
	}
	repo := []string{"rnd=" + filepath.Join(dir)}
	out, errOut, code := d.run("repoquery", repo, "--qf", "%{name}-%{evr}.%{arch}")
	got := map[string]bool{}
	for _, l := range strings.Fields(out) {
		got[l] = true
	}
	if code != 0 || len(got) != len(pkgs) {
		t.Fatalf("dnf lists %d packages (exit %d, %s), want %d", len(got), code, errOut, len(pkgs))
	}
	for _, p := range pkgs {
		if !got[p.String()] {
			t.Errorf("dnf does not list %v", p)
		}
	}
	broken := d.repoclosure(repo)
	if len(broken) == 0 || len(broken) == len(pkgs) {
		t.Errorf("%d of %d packages broken, want a mix", len(broken), len(pkgs))
	}
}
