package kabi

import (
	"slices"
	"strings"

	"github.com/repoclosure/repoclosure/repomd"
	"github.com/repoclosure/repoclosure/resolver"
)

// KernelBuild is the binary packages built from one kernel source RPM for
// one arch and flavour, named by uname -r. Flavours are the variants one
// source builds (kernel-debug, kernel-rt, kernel-64k…): their uname -r carries
// "+FLAVOUR" and their symbols other CRCs, so each is a build of its own.
// Packages of no flavour (kernel-tools, kernel-abi-stablelists) join every
// flavour's build, and noarch packages every arch's. A build has a package
// that provides kernel symbols or kernel-uname-r / kernel-core-uname-r:
// kernel-devel, -headers, -doc or -tools alone (a repository that ships only
// those for a version) are no kernel.
type KernelBuild struct {
	Uname    string // "4.18.0-348.el8.x86_64", "5.14.0-55.el9.x86_64+debug"
	EVR      string // "4.18.0-348.el8"
	Source   string // "kernel-4.18.0-348.el8.src.rpm"
	Arch     string
	Flavour  string           // "" for the kernel itself, "debug", "rt"…
	Packages []resolver.PkgID // sorted by NEVRA order
}

// KernelBuilds groups the pool's packages into kernel builds, ordered by EVR,
// source, arch and flavour. sources names the kernel source packages (nil:
// "kernel").
func KernelBuilds(p *resolver.Pool, sources []string) []KernelBuild {
	if len(sources) == 0 {
		sources = []string{"kernel"}
	}
	type group struct{ source, arch string }
	type key struct {
		group
		flavour string
	}
	builds := map[key]*KernelBuild{}
	var common []resolver.PkgID // of no flavour, or noarch
	add := func(k key, evr string, id resolver.PkgID) {
		b := builds[k]
		if b == nil {
			uname := evr + "." + k.arch
			if k.flavour != "" {
				uname += "+" + k.flavour
			}
			b = &KernelBuild{Uname: uname, EVR: evr, Source: k.source, Arch: k.arch, Flavour: k.flavour}
			builds[k] = b
		}
		b.Packages = append(b.Packages, id)
	}
	isUname := newIDTest(p.Strings, func(s string) bool { return strings.HasSuffix(s, "-uname-r") })
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
		flavour, ok := unameFlavour(p, id, isUname)
		if !ok && providesKernel(p, id) {
			flavour, ok = "", true // symbols with no uname-r: the plain kernel
		}
		if arch == "noarch" || !ok {
			common = append(common, id)
			continue
		}
		add(key{group{src, arch}, flavour}, evr, id)
	}
	// A package of no flavour is named after one ("kernel-debug", the
	// meta-package, has no uname-r of its own) or belongs to every flavour.
	flavours := map[group][]string{}
	for k := range builds {
		flavours[k.group] = append(flavours[k.group], k.flavour)
	}
	for _, id := range common {
		pkg := p.Package(id)
		src := p.Strings.String(pkg.SourceRPM)
		arch := p.Strings.String(pkg.Arch)
		srcName, evr, _ := splitSourceRPM(src)
		rest, _ := strings.CutPrefix(p.Strings.String(pkg.Name), srcName+"-")
		for k := range builds {
			if k.source != src || arch != "noarch" && k.arch != arch {
				continue
			}
			if f := namedFlavour(rest, flavours[k.group]); f == "" || f == k.flavour {
				add(k, evr, id)
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
		if c := strings.Compare(a.Arch, b.Arch); c != 0 {
			return c
		}
		return strings.Compare(a.Flavour, b.Flavour)
	})
	return out
}

// unameFlavour returns the flavour of a package that provides a
// *-uname-r = VER.ARCH[+FLAVOUR] ("" for the plain kernel), and ok false
// for a package that provides none; isUname tests names for the suffix.
func unameFlavour(p *resolver.Pool, id resolver.PkgID, isUname *idTest) (flavour string, ok bool) {
	for _, d := range p.Package(id).Deps(repomd.Provides) {
		if d.Op() != repomd.OpEQ || !isUname.is(d.Name) {
			continue
		}
		return flavourOf(p.Strings.String(d.EVR())), true
	}
	return "", false
}

// flavourOf returns the flavour of a uname -r: "debug" for
// "5.14.0-55.el9.x86_64+debug", "" for the plain kernel.
func flavourOf(uname string) string {
	_, flavour, _ := strings.Cut(uname, "+")
	return flavour
}

// namedFlavour returns the longest of flavours that rest (a package name
// without its source name, "debug-modules") is named after, or "".
func namedFlavour(rest string, flavours []string) string {
	best := ""
	for _, f := range flavours {
		if f != "" && len(f) > len(best) && (rest == f || strings.HasPrefix(rest, f+"-")) {
			best = f
		}
	}
	return best
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
		if _, ok := symbolName(name); ok && d.Op() == repomd.OpEQ && strings.HasPrefix(p.Strings.String(d.EVR()), "0x") {
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

// isKernelVersionDep reports whether a dependency name pins kernel versions
// rather than symbols: kernel, kernel-core, kernel-uname-r,
// kernel-core-uname-r and friends, for any kernel flavour (kernel-rt...).
func isKernelVersionDep(name string) bool {
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

// symbolName returns SYM for "kernel(SYM)" or "ksym(SYM)", and ok false for
// other names. kernel(x86-64) style arch provides are not symbols but cannot
// be told apart by name alone; they are versioned by kernel EVR, not CRC.
func symbolName(dep string) (sym string, ok bool) {
	for _, prefix := range []string{"kernel(", "ksym("} {
		if strings.HasPrefix(dep, prefix) && strings.HasSuffix(dep, ")") {
			return dep[len(prefix) : len(dep)-1], true
		}
	}
	return "", false
}

// Kmods returns the kernel module packages of a pool (by isKmod's rule)
// that are no part of one of builds, in id order.
func Kmods(p *resolver.Pool, builds []KernelBuild) []resolver.PkgID {
	var kmods []resolver.PkgID
	for _, id := range outsideBuilds(p, builds) {
		if isKmod(p, id) {
			kmods = append(kmods, id)
		}
	}
	return kmods
}

// outsideBuilds returns the packages of a pool that are no part of one of
// builds, in id order.
func outsideBuilds(p *resolver.Pool, builds []KernelBuild) []resolver.PkgID {
	inKernel := resolver.NewSet(p.Len())
	for _, b := range builds {
		for _, id := range b.Packages {
			inKernel.Add(id)
		}
	}
	var ids []resolver.PkgID
	for i := range p.Len() {
		if id := resolver.PkgID(i); !inKernel.Has(id) {
			ids = append(ids, id)
		}
	}
	return ids
}

// isKmod reports whether a package is a kernel module package by the default
// rule: it requires kernel(...), ksym(...) or a kernel uname-r, or its name
// starts with "kmod-" (but kmod's own kmod-libs and kmod-devel are not).
func isKmod(p *resolver.Pool, id resolver.PkgID) bool {
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
		if _, ok := symbolName(name); ok {
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
