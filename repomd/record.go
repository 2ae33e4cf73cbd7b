package repomd

import (
	"strings"

	"github.com/repoclosure/repoclosure/internal/rpmver"
)

// Op is the comparison of a versioned dependency, with libsolv's bit values
// (GT=1, EQ=2, LT=4) so that LE, GE and NE are unions of them.
type Op uint8

// The comparisons a dependency can carry. OpNone means "any version".
const (
	OpNone Op = 0
	OpGT   Op = 1
	OpEQ   Op = 2
	OpGE   Op = OpGT | OpEQ
	OpLT   Op = 4
	OpNE   Op = OpGT | OpLT
	OpLE   Op = OpLT | OpEQ
)

// String returns the operator as dnf prints it ("<=", "="...), or "" for OpNone.
func (o Op) String() string {
	switch o {
	case OpGT:
		return ">"
	case OpEQ:
		return "="
	case OpGE:
		return ">="
	case OpLT:
		return "<"
	case OpNE:
		return "<>" // libsolv's spelling, which dnf prints
	case OpLE:
		return "<="
	}
	return ""
}

// ParseFlags maps primary.xml's flags attribute (EQ, LT, LE, GT, GE, NE) to an Op.
func ParseFlags(flags string) (Op, bool) {
	switch flags {
	case "":
		return OpNone, true
	case "EQ":
		return OpEQ, true
	case "LT":
		return OpLT, true
	case "LE":
		return OpLE, true
	case "GT":
		return OpGT, true
	case "GE":
		return OpGE, true
	case "NE":
		return OpNE, true
	}
	return OpNone, false
}

// Dep is one provides/requires/... entry, 8 bytes: an EL8-scale kernel
// series holds over a million of them. A rich (boolean) dependency keeps its
// whole text, parentheses included, in Name with Op() == OpNone.
type Dep struct {
	Name ID
	bits uint32 // EVR id << 4 | pre << 3 | Op
}

// NewDep makes a Dep. evr is the "[E:]V[-R]" id as FormatEVR writes it, 0
// when unversioned; pre marks Requires(pre) and friends (primary's pre="1").
func NewDep(name, evr ID, op Op, pre bool) Dep {
	d := Dep{Name: name, bits: uint32(evr)<<4 | uint32(op&7)}
	if pre {
		d.bits |= 8
	}
	return d
}

// EVR is the version the dependency compares with; 0 when unversioned.
func (d Dep) EVR() ID { return ID(d.bits >> 4) }

// Op is the comparison; OpNone means any version.
func (d Dep) Op() Op { return Op(d.bits & 7) }

// Pre reports a Requires(pre)-style dependency.
func (d Dep) Pre() bool { return d.bits&8 != 0 }

// WithoutPre is d with the pre mark cleared: the dependency as dnf prints
// and de-duplicates it.
func (d Dep) WithoutPre() Dep { d.bits &^= 8; return d }

// DepKind selects one of a package's dependency lists.
type DepKind uint8

// The dependency lists, in primary.xml's order.
const (
	Provides DepKind = iota
	Requires
	Conflicts
	Obsoletes
	Suggests
	Enhances
	Recommends
	Supplements
	NumDepKinds
)

var depKindNames = [NumDepKinds]string{"provides", "requires", "conflicts", "obsoletes", "suggests", "enhances", "recommends", "supplements"}

// String returns the primary.xml element name without its rpm: prefix.
func (k DepKind) String() string {
	if k < NumDepKinds {
		return depKindNames[k]
	}
	return "unknown"
}

// FileKind tells a plain file from a directory or a %ghost.
type FileKind uint8

// File kinds as filelists.xml's type attribute names them.
const (
	FilePlain FileKind = iota
	FileDir
	FileGhost
)

// File is one path a package owns.
type File struct {
	Path ID
	Kind FileKind
}

// Package is one package record. Its slices point into shared arenas owned by
// the Repo; treat them as read-only.
type Package struct {
	Name         ID
	Arch         ID
	EVR          ID     // "[E:]V-R", epoch dropped when 0 (FormatEVR)
	SourceRPM    ID     // e.g. "kernel-5.14.0-55.el9.src.rpm"; 0 for source packages
	PkgID        string // primary's <checksum pkgid="YES">, joins filelists
	Location     string // href relative to the repository root (or LocationBase)
	LocationBase string // xml:base of <location>, when the package lives elsewhere
	Files        []File // primary's files, then filelists' (each path once)

	// Every dependency list in one slice, in DepKind order, kind k ending at
	// depEnd[k]: 56 bytes a package instead of eight slice headers' 192.
	deps   []Dep
	depEnd [NumDepKinds]uint32
}

// Deps returns the package's list of kind k (read-only).
func (p *Package) Deps(k DepKind) []Dep {
	start := uint32(0)
	if k > 0 {
		start = p.depEnd[k-1]
	}
	return p.deps[start:p.depEnd[k]:p.depEnd[k]]
}

// SetDeps replaces the package's list of kind k with a copy of deps.
func (p *Package) SetDeps(k DepKind, deps []Dep) {
	var lists [NumDepKinds][]Dep
	for j := range NumDepKinds {
		lists[j] = p.Deps(j)
	}
	lists[k] = deps
	all := p.joinDeps(nil, &lists)
	p.deps = all[:len(all):len(all)]
}

// joinDeps appends lists to dst, in DepKind order, and records where each
// ends (counting from dst's length) for Deps.
func (p *Package) joinDeps(dst []Dep, lists *[NumDepKinds][]Dep) []Dep {
	start := len(dst)
	for k, l := range lists {
		dst = append(dst, l...)
		p.depEnd[k] = uint32(len(dst) - start)
	}
	return dst
}

// Repo is one repository's packages. Packages of every Repo loaded into the
// same Strings share its ids.
type Repo struct {
	ID       string // repoid, as dnf names it
	Packages []Package
	Strings  *Strings
	// ModuleHotfixes exempts the repository from modular filtering.
	ModuleHotfixes bool
	// Modules is the repository's modules.yaml; nil when repomd.xml lists none.
	Modules *Modules
}

// FormatEVR joins epoch, version and release exactly as libsolv's
// repo_rpmmd.c (makeevr_atts) does, which is what dnf prints: an epoch of ""
// or "0" is dropped, unless the version itself starts with digits and a colon
// (then "0:" must stay to keep the string unambiguous); the release follows a
// dash when present.
func FormatEVR(epoch, version, release string) string {
	if epoch == "0" {
		epoch = ""
	}
	if e, _ := rpmver.SplitEpoch(version); epoch == "" && e != "" {
		epoch = "0"
	}
	var b strings.Builder
	b.Grow(len(epoch) + len(version) + len(release) + 2)
	if epoch != "" {
		b.WriteString(epoch)
		b.WriteByte(':')
	}
	b.WriteString(version)
	if release != "" {
		b.WriteByte('-')
		b.WriteString(release)
	}
	return b.String()
}

// SplitEVR undoes FormatEVR as libsolv's pool_split_evr does (see
// rpmver.SplitEVR): only leading digits and ':' make an epoch. A missing
// epoch or release is returned as "".
func SplitEVR(evr string) (epoch, version, release string) { return rpmver.SplitEVR(evr) }

// FormatDep prints a dependency as rpm and dnf do: "name" or "name OP evr".
// A rich dependency prints as stored.
func FormatDep(strs *Strings, d Dep) string {
	if d.Op() == OpNone {
		return strs.String(d.Name)
	}
	return strs.String(d.Name) + " " + d.Op().String() + " " + strs.String(d.EVR())
}
