package repogen

import (
	"fmt"
	"slices"
	"strings"
)

// RandomConfig describes a random repository for differential tests.
type RandomConfig struct {
	Seed int64
	N    int // packages
	// RichDeps adds rich requires that dnf4's approximation and exact
	// boolean semantics answer alike: "(A or B [or C])" with plain-name
	// leaves, and "(A and B)" whose leaves are all provided or all
	// unprovided. (dnf4 resolves an "and" when any leaf is provided, and
	// fails "(A if B)" whenever A is unprovided; such deps are left out.)
	RichDeps bool
}

// RandomRepo returns n random packages; see NewRandomRepo.
func RandomRepo(seed int64, n int) []Pkg {
	return NewRandomRepo(RandomConfig{Seed: seed, N: n})
}

// NewRandomRepo returns cfg.N packages drawn so that the hard cases of
// dependency matching turn up: names from a small alphabet (so several
// versions and arches of a name meet), epochs, "~" and "^" versions,
// requires with every operator and with or without release, file
// dependencies answered by primary, by filelists or by nothing, kernel(SYM)
// = 0xCRC provides and kmod-style requires, multilib i686/x86_64 pairs and
// noarch. No two packages share name, EVR and arch. The same cfg always
// gives the same packages.
func NewRandomRepo(cfg RandomConfig) []Pkg {
	r := newRNG(cfg.Seed, 5)
	var out []Pkg
	seen := map[string]bool{}
	for tries := 0; len(out) < cfg.N && tries < 20*cfg.N+100; tries++ {
		p := randomPkg(r, out)
		pkgs := []Pkg{p}
		if p.Arch == "x86_64" && r.chance(0.25) {
			// A multilib pair: the same package built for i686.
			q := randomPkgDeps(r, Pkg{Name: p.Name, Arch: "i686", Epoch: p.Epoch, Ver: p.Ver, Rel: p.Rel, SourceRPM: p.SourceRPM}, out)
			pkgs = append(pkgs, q)
		}
		for _, p := range pkgs {
			key := p.Name + "-" + orZero(p.Epoch) + ":" + p.Ver + "-" + p.Rel + "." + p.Arch
			if seen[key] || len(out) == cfg.N {
				continue
			}
			seen[key] = true
			out = append(out, p)
		}
	}
	if cfg.RichDeps {
		addRichDeps(r, out)
	}
	return out
}

var (
	randNames    = []string{"a", "b", "c", "d", "e", "ab", "ba", "cd", "a-libs", "b-devel"}
	randVirtuals = []string{"va", "vb", "vc", "vd"}
	randSyms     = []string{"foo", "bar", "baz", "qux"}
	randCRCs     = []string{"0x00000001", "0x0000abcd", "0x1234abcd", "0xdeadbeef", "0x1234abce"}
	randOps      = []string{"", "EQ", "LT", "LE", "GT", "GE"}
	randArches   = []string{"x86_64", "x86_64", "i686", "noarch", "noarch"}
	randEpochs   = []string{"", "", "", "0", "1", "2"}
	randRels     = []string{"1", "2", "1.el8", "10", "1.el8_4", "0.1~pre", "3"}
)

// randomVersion returns versions that exercise rpmvercmp: numbers with
// leading zeros, letters, "~" (before) and "^" (after), odd separators.
func randomVersion(r *rng) string {
	v := itoa(r.between(0, 3))
	for n := r.intn(3); n > 0; n-- {
		v += pick(r, []string{".", ".", "_", "+"}) + pick(r, []string{"0", "1", "01", "2", "10", "a", "b"})
	}
	switch r.intn(8) {
	case 0:
		v += "~rc" + itoa(r.between(1, 2))
	case 1:
		v += "^git" + itoa(r.between(1, 2))
	case 2:
		v += "~"
	}
	return v
}

func randomPkg(r *rng, known []Pkg) Pkg {
	p := Pkg{Name: pick(r, randNames), Arch: pick(r, randArches), Epoch: pick(r, randEpochs), Ver: randomVersion(r), Rel: pick(r, randRels)}
	p.SourceRPM = p.Name + "-" + p.Ver + "-" + p.Rel + ".src.rpm"
	return randomPkgDeps(r, p, known)
}

// randomPkgDeps fills in p's provides, requires, weak deps and files.
// Versioned requires often aim at the EVR of a known package, so that
// near misses (< vs <=, a missing release) decide the answer.
func randomPkgDeps(r *rng, p Pkg, known []Pkg) Pkg {
	p.Provides = selfProvides(&p)
	for n := r.intn(3); n > 0; n-- {
		v := pick(r, randVirtuals)
		if r.chance(0.5) {
			p.Provides = append(p.Provides, Entry{Name: v})
		} else {
			p.Provides = append(p.Provides, randomVersioned(r, v, "EQ"))
		}
	}
	if r.chance(0.2) {
		for n := r.between(1, 3); n > 0; n-- {
			p.Provides = append(p.Provides, Entry{Name: "kernel(" + pick(r, randSyms) + ")", Flags: "EQ", Ver: pick(r, randCRCs)})
		}
	}
	if r.chance(0.5) {
		p.Files = append(p.Files, "/usr/bin/"+p.Name) // primary
	}
	if r.chance(0.5) {
		p.Files = append(p.Files, "/usr/share/"+p.Name+"/data") // filelists only
		p.Dirs = append(p.Dirs, "/usr/share/"+p.Name)
	}
	for n := r.intn(5); n > 0; n-- {
		p.Requires = append(p.Requires, randomRequire(r, p.Arch, known))
	}
	if r.chance(0.15) {
		// A kmod-style set: several kernel(SYM) = CRC requires together.
		for _, s := range randSyms[:r.between(1, len(randSyms))] {
			p.Requires = append(p.Requires, Entry{Name: "kernel(" + s + ")", Flags: "EQ", Ver: pick(r, randCRCs)})
		}
	}
	// Kinds repoclosure must ignore.
	if r.chance(0.2) {
		p.Conflicts = []Entry{randomVersioned(r, pick(r, randNames), pick(r, randOps[1:]))}
	}
	if r.chance(0.2) {
		p.Obsoletes = []Entry{randomVersioned(r, pick(r, randNames), "LT")}
	}
	if r.chance(0.2) {
		p.Recommends = []Entry{{Name: "missing-" + pick(r, randNames)}}
	}
	if r.chance(0.1) {
		p.Suggests = []Entry{{Name: pick(r, randNames)}}
		p.Supplements = []Entry{{Name: pick(r, randNames)}}
		p.Enhances = []Entry{{Name: "missing-enhanced"}}
	}
	sortEntries(p.Provides)
	sortEntries(p.Requires)
	return p
}

// randomVersioned is name OP EVR with a random EVR, sometimes without
// release or with an epoch.
func randomVersioned(r *rng, name, flags string) Entry {
	e := Entry{Name: name, Flags: flags}
	if flags == "" {
		return e
	}
	e.Epoch = pick(r, randEpochs)
	e.Ver = randomVersion(r)
	if r.chance(0.6) {
		e.Rel = pick(r, randRels)
	}
	return e
}

func randomRequire(r *rng, arch string, known []Pkg) Entry {
	var e Entry
	switch k := r.intn(100); {
	case k < 25 && len(known) > 0:
		t := pick(r, known)
		e = Entry{Name: t.Name, Flags: pick(r, randOps), Epoch: t.Epoch, Ver: t.Ver, Rel: t.Rel}
		if e.Flags == "" {
			e.Epoch, e.Ver, e.Rel = "", "", ""
		} else if r.chance(0.4) {
			e.Rel = ""
		}
	case k < 50:
		e = randomVersioned(r, pick(r, randNames), pick(r, randOps))
	case k < 62:
		e = randomVersioned(r, pick(r, randVirtuals), pick(r, randOps))
	case k < 70:
		// An arch-qualified dependency, as %{?_isa} writes it.
		e = randomVersioned(r, pick(r, randNames)+"("+isaName(pick(r, []string{arch, "x86_64", "i686"}))+")", pick(r, []string{"", "GE", "EQ"}))
	case k < 80:
		e = Entry{Name: "/usr/bin/" + pick(r, randNames)}
	case k < 88:
		e = Entry{Name: "/usr/share/" + pick(r, randNames) + "/data"}
	case k < 92:
		e = Entry{Name: "/usr/share/" + pick(r, randNames)} // a directory
	case k < 95:
		e = Entry{Name: "/opt/nothing/" + pick(r, randNames)}
	default:
		e = Entry{Name: "kernel(" + pick(r, randSyms) + ")", Flags: "EQ", Ver: pick(r, randCRCs)}
	}
	e.Pre = r.chance(0.1)
	return e
}

// addRichDeps gives about a third of pkgs one rich require, built only
// from leaves on which dnf4 and exact semantics agree.
func addRichDeps(r *rng, pkgs []Pkg) {
	provided := map[string]bool{}
	for _, p := range pkgs {
		for _, e := range p.Provides {
			provided[e.Name] = true
		}
	}
	var yes, no []string
	for _, n := range slices.Concat(randNames, randVirtuals, []string{"missing-x", "missing-y"}) {
		if provided[n] {
			yes = append(yes, n)
		} else {
			no = append(no, n)
		}
	}
	all := slices.Concat(yes, no)
	for i := range pkgs {
		if !r.chance(0.35) {
			continue
		}
		var leaves []string
		op := "or"
		if r.chance(0.4) {
			op = "and"
			side := yes
			if len(no) > 0 && (len(yes) == 0 || r.chance(0.3)) {
				side = no
			}
			leaves = []string{pick(r, side), pick(r, side)}
		} else {
			leaves = []string{pick(r, all), pick(r, all)}
			if r.chance(0.3) {
				leaves = append(leaves, pick(r, all))
			}
		}
		if leaves[0] == leaves[1] && len(leaves) == 2 {
			continue // "(a and a)" reads oddly; skip rather than loop
		}
		dep := "(" + strings.Join(leaves, " "+op+" ") + ")"
		pkgs[i].Requires = append(pkgs[i].Requires, Entry{Name: dep})
		sortEntries(pkgs[i].Requires)
	}
}

// String formats p as name-[epoch:]version-release.arch, for test messages.
func (p Pkg) String() string {
	e := ""
	if p.Epoch != "" && p.Epoch != "0" {
		e = p.Epoch + ":"
	}
	return fmt.Sprintf("%s-%s%s-%s.%s", p.Name, e, p.Ver, p.Rel, p.Arch)
}
