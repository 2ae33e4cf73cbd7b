package kabi

import (
	"slices"
	"strings"

	"github.com/repoclosure/repoclosure/resolver"
)

// The regression rule, shared by `watch` and `matrix --baseline`: a kernel
// build U is new; P is the newest older build (by EVR, rpm's vercmp) of the
// same kernel source name and arch; some build of kmod NAME installs on P and
// no build of NAME installs on U. A kmod user would be stranded on P.

// BuildRef names a kernel build for the regression rule.
type BuildRef struct {
	Uname  string // its "+FLAVOUR" suffix, if any, is the build's flavour
	EVR    string
	Source string // source RPM: its name part groups builds
	Arch   string // "x86_64", never with the flavour
}

// BuildRefOf is the BuildRef of a build known by uname -r, EVR and source
// RPM alone (a matrix report's kernel): the arch is what follows the EVR in
// the uname, the flavour left apart ("x86_64" of
// "5.14.0-55.el9.x86_64+debug").
func BuildRefOf(uname, evr, source string) BuildRef {
	arch, _, _ := strings.Cut(strings.TrimPrefix(uname, evr+"."), "+")
	return BuildRef{Uname: uname, EVR: evr, Source: source, Arch: arch}
}

// KmodRef names a kmod build for the regression rule.
type KmodRef struct {
	NEVRA string
	Name  string
}

// Installs reports whether kmods[m] installs on kernels[k]; known is false
// when the cell was never computed (the kmod left before the kernel came).
type Installs func(m, k int) (ok, known bool)

// Previous returns the index of the newest build older than kernels[u] with
// the same source package name, arch and flavour, or -1.
func Previous(kernels []BuildRef, u int) int {
	name, _, _ := splitSourceRPM(kernels[u].Source)
	best := -1
	for i, k := range kernels {
		if k.Arch != kernels[u].Arch || flavourOf(k.Uname) != flavourOf(kernels[u].Uname) || resolver.CompareEVR(k.EVR, kernels[u].EVR) >= 0 {
			continue
		}
		if n, _, _ := splitSourceRPM(k.Source); n != name {
			continue
		}
		if best < 0 || resolver.CompareEVR(k.EVR, kernels[best].EVR) > 0 {
			best = i
		}
	}
	return best
}

// Regression is a kmod name that installs on the previous build and not on
// a new one.
type Regression struct {
	Kmod            string // the kmod's name
	Kernel          int    // index of the new build
	Previous        int    // index of the previous build
	WorksOnPrevious []int  // kmod builds that install on Previous
	Builds          []int  // every build of the name with a cell on Kernel (none installs)
}

// Regressions applies the rule to each added kernel, in the order given,
// and within a kernel by kmod name.
func Regressions(kernels []BuildRef, added []int, kmods []KmodRef, installs Installs) []Regression {
	names := kmodNames(kmods)
	var out []Regression
	for _, u := range added {
		p := Previous(kernels, u)
		if p < 0 {
			continue
		}
		for _, name := range names {
			r := Regression{Kmod: name, Kernel: u, Previous: p}
			broken := true
			for m, km := range kmods {
				if km.Name != name {
					continue
				}
				if ok, _ := installs(m, p); ok {
					r.WorksOnPrevious = append(r.WorksOnPrevious, m)
				}
				ok, known := installs(m, u)
				if ok {
					broken = false
					break
				}
				if known {
					r.Builds = append(r.Builds, m)
				}
			}
			// A name with no build judged on U (all left before U came)
			// says nothing about U.
			if broken && len(r.WorksOnPrevious) > 0 && len(r.Builds) > 0 {
				out = append(out, r)
			}
		}
	}
	return out
}

// Fix is a new kmod build that installs on a kernel build where no older
// build of its name did.
type Fix struct {
	Kmod   int // the new kmod build
	Kernel int
}

// Fixes finds, for each added kmod build (in the order given) and each
// kernel (in index order), the kernels it brings the name to. A name with no
// older build is simply new: it fixes nothing.
func Fixes(kernels []BuildRef, kmods []KmodRef, added []int, installs Installs) []Fix {
	isNew := make([]bool, len(kmods))
	for _, m := range added {
		isNew[m] = true
	}
	var out []Fix
	for _, m := range added {
		var older []int
		for o, km := range kmods {
			if !isNew[o] && km.Name == kmods[m].Name {
				older = append(older, o)
			}
		}
		if len(older) == 0 {
			continue
		}
		for k := range kernels {
			if ok, _ := installs(m, k); !ok {
				continue
			}
			if !slices.ContainsFunc(older, func(o int) bool { ok, _ := installs(o, k); return ok }) {
				out = append(out, Fix{Kmod: m, Kernel: k})
			}
		}
	}
	return out
}

func kmodNames(kmods []KmodRef) []string {
	var names []string
	for _, m := range kmods {
		names = append(names, m.Name)
	}
	slices.Sort(names)
	return slices.Compact(names)
}
