package kabi

import (
	"slices"
	"strings"

	"github.com/repoclosure/repoclosure/repomd"
	"github.com/repoclosure/repoclosure/resolver"
)

// KernelBuild is the binary packages built from one kernel source RPM for
// one arch (noarch subpackages join every arch's build), named by uname -r.
// A build has a package that provides kernel symbols or kernel-uname-r /
// kernel-core-uname-r: kernel-devel, -headers, -doc or -tools alone (a
// repository that ships only those for a version) are no kernel.
type KernelBuild struct {
	Uname    string // "4.18.0-348.el8.x86_64"
	EVR      string // "4.18.0-348.el8"
	Source   string // "kernel-4.18.0-348.el8.src.rpm"
	Arch     string
	Packages []resolver.PkgID // sorted by NEVRA order
}

// KernelBuilds groups the pool's packages into kernel builds, ordered by EVR
// then arch. sources names the kernel source packages (nil: "kernel").
func KernelBuilds(p *resolver.Pool, sources []string) []KernelBuild {
	if len(sources) == 0 {
		sources = []string{"kernel"}
	}
	type key struct{ source, arch string }
	builds := map[key]*KernelBuild{}
	var noarch []resolver.PkgID
	for i := range p.Len() {
		id := resolver.PkgID(i)
		pkg := p.Package(id)
		if !p.Installable(id) {
			continue
		}
		src := p.Strings.String(pkg.SourceRPM)
		name, evr, ok := splitSourceRPM(src)
		if !ok || !slices.Contains(sources, name) {
			continue
		}
		arch := p.Strings.String(pkg.Arch)
		if arch == "noarch" {
			noarch = append(noarch, id)
			continue
		}
		k := key{src, arch}
		b := builds[k]
		if b == nil {
			b = &KernelBuild{Uname: evr + "." + arch, EVR: evr, Source: src, Arch: arch}
			builds[k] = b
		}
		b.Packages = append(b.Packages, id)
	}
	for _, id := range noarch {
		src := p.Strings.String(p.Package(id).SourceRPM)
		for k, b := range builds {
			if k.source == src {
				b.Packages = append(b.Packages, id)
			}
		}
	}
	out := make([]KernelBuild, 0, len(builds))
	for _, b := range builds {
		if !slices.ContainsFunc(b.Packages, func(id resolver.PkgID) bool { return providesKernel(p, id) }) {
			continue
		}
		slices.SortFunc(b.Packages, p.ComparePackages)
		out = append(out, *b)
	}
	slices.SortFunc(out, func(a, b KernelBuild) int {
		if c := resolver.CompareEVR(a.EVR, b.EVR); c != 0 {
			return c
		}
		if c := strings.Compare(a.Source, b.Source); c != 0 {
			return c
		}
		return strings.Compare(a.Arch, b.Arch)
	})
	return out
}

// providesKernel reports whether a package is (part of) a kernel one can
// boot: it provides kernel(SYM) = 0xCRC symbols or a kernel / kernel-core
// uname-r (any flavour: kernel-rt-core-uname-r, kernel-debug-core-uname-r).
func providesKernel(p *resolver.Pool, id resolver.PkgID) bool {
	for _, d := range p.Package(id).Deps(repomd.Provides) {
		name := p.Strings.String(d.Name)
		if base, ok := strings.CutSuffix(name, "-uname-r"); ok {
			if base == "kernel" || strings.HasPrefix(base, "kernel-") && strings.HasSuffix(base, "-core") {
				return true
			}
			continue
		}
		if _, ok := SymbolName(name); ok && d.Op() == repomd.OpEQ && strings.HasPrefix(p.Strings.String(d.EVR()), "0x") {
			return true
		}
	}
	return false
}

// splitSourceRPM splits "kernel-4.18.0-348.el8.src.rpm" into "kernel" and
// "4.18.0-348.el8".
func splitSourceRPM(src string) (name, evr string, ok bool) {
	s, found := strings.CutSuffix(src, ".src.rpm")
	if !found {
		if s, found = strings.CutSuffix(src, ".nosrc.rpm"); !found {
			return "", "", false
		}
	}
	r := strings.LastIndexByte(s, '-')
	if r <= 0 {
		return "", "", false
	}
	v := strings.LastIndexByte(s[:r], '-')
	if v <= 0 {
		return "", "", false
	}
	return s[:v], s[v+1:], true
}

// IsKernelVersionDep reports whether a dependency name pins kernel versions
// rather than symbols: kernel, kernel-core, kernel-uname-r,
// kernel-core-uname-r and friends, for any kernel flavour (kernel-rt...).
func IsKernelVersionDep(name string) bool {
	base, _ := strings.CutSuffix(name, "-uname-r")
	if !strings.HasPrefix(base, "kernel") {
		return false
	}
	switch strings.TrimPrefix(strings.TrimPrefix(base, "kernel"), "-rt") {
	case "", "-core", "-modules", "-modules-core", "-devel":
		return true
	}
	return false
}

// SymbolName returns SYM for "kernel(SYM)" or "ksym(SYM)", and ok false for
// other names. kernel(x86-64) style arch provides are not symbols but cannot
// be told apart by name alone; they are versioned by kernel EVR, not CRC.
func SymbolName(dep string) (sym string, ok bool) {
	for _, prefix := range []string{"kernel(", "ksym("} {
		if strings.HasPrefix(dep, prefix) && strings.HasSuffix(dep, ")") {
			return dep[len(prefix) : len(dep)-1], true
		}
	}
	return "", false
}

// IsKmod reports whether a package is a kernel module package by the default
// rule: it requires kernel(...), ksym(...) or a kernel uname-r, or its name
// starts with "kmod-" (but kmod's own kmod-libs and kmod-devel are not).
func IsKmod(p *resolver.Pool, id resolver.PkgID) bool {
	pkg := p.Package(id)
	if rest, ok := strings.CutPrefix(p.Strings.String(pkg.Name), "kmod-"); ok {
		switch rest {
		case "libs", "devel", "debuginfo", "debugsource":
		default:
			return true
		}
	}
	for _, d := range pkg.Deps(repomd.Requires) {
		name := p.Strings.String(d.Name)
		if _, ok := SymbolName(name); ok {
			return true
		}
		switch name {
		case "kernel-uname-r", "kernel-core-uname-r", "kernel-modules-uname-r":
			return true
		}
	}
	return false
}

// LatestKmods keeps, of kmods, the newest build (highest EVR) of each name
// in each repository; builds of that EVR for several arches are all kept.
func LatestKmods(p *resolver.Pool, kmods []resolver.PkgID) []resolver.PkgID {
	type key struct {
		repo string
		name repomd.ID
	}
	best := map[key]repomd.ID{}
	for _, id := range kmods {
		pkg := p.Package(id)
		k := key{p.Repo(id).ID, pkg.Name}
		if cur, ok := best[k]; !ok || resolver.CompareEVR(p.Strings.String(pkg.EVR), p.Strings.String(cur)) > 0 {
			best[k] = pkg.EVR
		}
	}
	var out []resolver.PkgID
	for _, id := range kmods {
		pkg := p.Package(id)
		if cur := best[key{p.Repo(id).ID, pkg.Name}]; resolver.CompareEVR(p.Strings.String(pkg.EVR), p.Strings.String(cur)) == 0 {
			out = append(out, id)
		}
	}
	return out
}
