package repogen

import (
	"fmt"
	"strings"

	"github.com/repoclosure/repoclosure/internal/rpmver"
)

// soname returns the provide a shared library gets on arch, with the
// "(64bit)" mark of 64-bit arches.
func soname(lib, arch string) string {
	switch arch {
	case "i686", "i586", "i486", "i386", "armv7hl", "noarch":
		return lib + "()"
	}
	return lib + "()(64bit)"
}

// basePkg describes one package the kernels and kmods need.
type basePkg struct {
	name, arch, ver, rel string
	provides, requires   []string // "name" or "name OP ver[-rel]"
	files, dirs          []string
}

// basePackages are what kernel-core, kernel-modules and kmods require, with
// EL8's versions, so that a kernel repository closes.
func basePackages(arch string) []basePkg {
	libdir := "/usr/lib64"
	if soname("x", arch) == "x()" {
		libdir = "/usr/lib"
	}
	libc := soname("libc.so.6", arch)
	return []basePkg{
		{name: "filesystem", arch: arch, ver: "3.8", rel: "6.el8",
			dirs: []string{"/etc", "/lib/modules", "/usr/bin", "/usr/lib/firmware", "/usr/sbin", "/usr/share", libdir}},
		{name: "glibc", arch: arch, ver: "2.28", rel: "211.el8",
			provides: []string{libc, "libc.so.6(GLIBC_2.2.5)" + strings.TrimPrefix(libc, "libc.so.6()"), "libc.so.6(GLIBC_2.28)" + strings.TrimPrefix(libc, "libc.so.6()"), "rtld(GNU_HASH)"},
			requires: []string{"filesystem"},
			files:    []string{"/etc/ld.so.conf", libdir + "/libc.so.6", "/usr/sbin/ldconfig"}},
		{name: "ncurses-libs", arch: arch, ver: "6.1", rel: "9.20180224.el8",
			provides: []string{soname("libtinfo.so.6", arch)}, requires: []string{libc},
			files: []string{libdir + "/libtinfo.so.6"}},
		{name: "bash", arch: arch, ver: "4.4.20", rel: "4.el8",
			provides: []string{"/bin/bash", "/bin/sh"}, requires: []string{libc, soname("libtinfo.so.6", arch), "filesystem >= 3"},
			files: []string{"/etc/skel/.bashrc", "/usr/bin/bash", "/usr/bin/sh"}},
		{name: "coreutils", arch: arch, ver: "8.30", rel: "15.el8", requires: []string{libc},
			files: []string{"/usr/bin/cat", "/usr/bin/cp", "/usr/bin/ls"}},
		{name: "kmod-libs", arch: arch, ver: "25", rel: "19.el8",
			provides: []string{soname("libkmod.so.2", arch)}, requires: []string{libc},
			files: []string{libdir + "/libkmod.so.2"}},
		{name: "kmod", arch: arch, ver: "25", rel: "19.el8",
			provides: []string{"module-init-tools = 4.0-1"},
			requires: []string{libc, soname("libkmod.so.2", arch), "/usr/bin/bash"},
			files:    []string{"/etc/depmod.d/dist.conf", "/usr/bin/kmod", "/usr/sbin/depmod", "/usr/sbin/modprobe", "/usr/sbin/weak-modules"}},
		{name: "systemd", arch: arch, ver: "239", rel: "68.el8", requires: []string{libc, "/bin/sh"},
			files: []string{"/etc/systemd/system.conf", "/usr/bin/kernel-install", "/usr/bin/systemctl"}},
		{name: "dracut", arch: arch, ver: "049", rel: "218.git20221019.el8_7",
			requires: []string{"/bin/sh", "coreutils", "kmod", "systemd >= 219"},
			files:    []string{"/usr/bin/dracut", "/usr/lib/dracut/dracut-functions.sh"}},
		{name: "linux-firmware", arch: "noarch", ver: "20220726", rel: "110.git150864a4.el8",
			files: []string{"/usr/lib/firmware/iwlwifi-8000C-36.ucode", "/usr/lib/firmware/rtl_nic/rtl8168h-2.fw"}},
	}
}

// parseDep turns "name", "name >= 1.2" or "name = 1.2-3" into an Entry.
func parseDep(s string) Entry {
	f := strings.Fields(s)
	if len(f) != 3 {
		return Entry{Name: s}
	}
	e := Entry{Name: f[0], Flags: opFlags[f[1]]}
	e.Epoch, e.Ver, e.Rel = rpmver.SplitEVR(f[2])
	return e
}

var opFlags = map[string]string{"=": "EQ", "<": "LT", "<=": "LE", ">": "GT", ">=": "GE"}

func (b basePkg) pkg() Pkg {
	p := Pkg{Name: b.name, Arch: b.arch, Ver: b.ver, Rel: b.rel, Files: b.files, Dirs: b.dirs,
		SourceRPM: b.name + "-" + b.ver + "-" + b.rel + ".src.rpm"}
	p.Provides = selfProvides(&p)
	for _, d := range b.provides {
		p.Provides = append(p.Provides, parseDep(d))
	}
	for _, d := range b.requires {
		p.Requires = append(p.Requires, parseDep(d))
	}
	sortEntries(p.Provides)
	sortEntries(p.Requires)
	return p
}

var syllables = strings.Fields(`ba co da fe gi ho ju ka li mo nu pa qui ra se ti vo wu xa ze
	bro cre dri fla glo pre stri tra`)

// otherPkgs returns the base packages then ordinary ones up to cfg.OtherPkgs.
// Each ordinary package depends only on packages before it (libraries by
// soname, packages by versioned name, data files that only filelists
// lists), so the set is closed.
func otherPkgs(r *rng, cfg SeriesConfig) []Pkg {
	if cfg.OtherPkgs == 0 {
		return nil
	}
	g := &otherGen{r: r, arch: cfg.Arch, seen: map[string]bool{},
		libc: soname("libc.so.6", cfg.Arch), libdir: "/usr/lib64", dist: fmt.Sprintf("el%d", cfg.Major)}
	if soname("x", cfg.Arch) == "x()" {
		g.libdir = "/usr/lib"
	}
	for _, b := range basePackages(cfg.Arch) {
		g.out = append(g.out, b.pkg())
	}
	for len(g.out) < cfg.OtherPkgs {
		g.out = append(g.out, g.next())
	}
	return g.out
}

// otherGen makes the packages of otherPkgs one at a time, each drawing on
// what the earlier ones provide.
type otherGen struct {
	r                  *rng
	arch, libc, libdir string
	dist               string   // release suffix, "el9"
	libs               []string // sonames provided so far
	dataFiles          []string // filelists-only files provided so far
	seen               map[string]bool
	out                []Pkg
}

// next makes one package: a shared library (40%), a program (45%) or
// architecture-independent data.
func (g *otherGen) next() Pkg {
	r := g.r
	word := pick(r, syllables) + pick(r, syllables)
	if r.chance(0.5) {
		word += pick(r, syllables)
	}
	k := r.intn(100)
	nameOf := func(word string) string {
		switch {
		case k < 40:
			return "lib" + word
		case k >= 85:
			return word + "-data"
		}
		return word
	}
	name := nameOf(word)
	if g.seen[name] {
		// Numbered by position: unique, so large counts always finish.
		word += itoa(len(g.out))
		name = nameOf(word)
	}
	g.seen[name] = true
	p := Pkg{Name: name, Arch: g.arch,
		Ver: fmt.Sprintf("%d.%d.%d", r.between(0, 12), r.between(0, 30), r.between(0, 9)),
		Rel: fmt.Sprintf("%d.%s", r.between(1, 20), g.dist)}
	p.SourceRPM = name + "-" + p.Ver + "-" + p.Rel + ".src.rpm"
	p.Provides = selfProvides(&p)
	data := "/usr/share/" + word + "/" + word + ".dat"
	switch {
	case k < 40:
		g.library(&p, word, data)
	case k < 85:
		g.program(&p, word)
	default:
		p.Arch = "noarch"
		p.Provides = selfProvides(&p)
		p.Files = []string{data}
		p.Dirs = []string{"/usr/share/" + word}
		g.dataFiles = append(g.dataFiles, data)
	}
	sortEntries(p.Provides)
	sortEntries(p.Requires)
	return p
}

// library makes p a shared library that may need an earlier one.
func (g *otherGen) library(p *Pkg, word, data string) {
	r := g.r
	so := fmt.Sprintf("lib%s.so.%d", word, r.between(0, 5))
	p.Provides = append(p.Provides, Entry{Name: soname(so, g.arch)})
	p.Requires = append(p.Requires, Entry{Name: g.libc})
	if len(g.libs) > 0 && r.chance(0.4) {
		p.Requires = append(p.Requires, Entry{Name: pick(r, g.libs)})
	}
	p.Files = []string{g.libdir + "/" + so, g.libdir + "/" + so + ".0.0", data}
	p.Dirs = []string{"/usr/share/" + word}
	g.libs = append(g.libs, soname(so, g.arch))
	g.dataFiles = append(g.dataFiles, data)
}

// program makes p a program needing libraries, data files and maybe an
// earlier package at a version.
func (g *otherGen) program(p *Pkg, word string) {
	r := g.r
	p.Requires = append(p.Requires, Entry{Name: g.libc}, Entry{Name: "/bin/sh"})
	for n := r.between(0, 3); n > 0 && len(g.libs) > 0; n-- {
		p.Requires = append(p.Requires, Entry{Name: pick(r, g.libs)})
	}
	if len(g.dataFiles) > 0 && r.chance(0.3) {
		// A file dependency that only filelists can answer.
		p.Requires = append(p.Requires, Entry{Name: pick(r, g.dataFiles)})
	}
	if dep := g.out[r.intn(len(g.out))]; r.chance(0.3) {
		p.Requires = append(p.Requires, Entry{Name: dep.Name, Flags: "GE", Ver: dep.Ver})
		p.Recommends = []Entry{{Name: dep.Name}}
	}
	p.Files = []string{"/etc/" + word + ".conf", "/usr/bin/" + word, "/usr/share/man/man1/" + word + ".1.gz"}
}
