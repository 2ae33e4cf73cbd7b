package resolver

import (
	"slices"
	"strconv"
	"strings"

	"github.com/repoclosure/repoclosure/internal/rpmver"
	"github.com/repoclosure/repoclosure/repomd"
)

// Subject is a package spec as dnf reads --pkg, -x, excludepkgs and
// includepkgs: libdnf's Subject with nevra matching only. It is parsed
// once into the forms libdnf tries, most specific first (NEVRA, NA, NAME,
// NEVR, NEV); Selector.Select uses the first form that matches any package
// and only that one, then falls back to the whole spec as a NEVRA glob.
type Subject struct {
	pattern string
	forms   []nevraForm
}

// nevraForm is one reading of a subject (libdnf's Nevra): empty fields and
// "*" match anything; epoch is -1 when not given.
type nevraForm struct {
	name, version, release, arch string
	epoch                        int
}

// ParseSubject reads pattern in libdnf's forms (Nevra::parse: name, version,
// release and arch never hold any of `:(/=<> `, version and release no `-`,
// arch no `.`; an epoch is digits followed by `:`).
func ParseSubject(pattern string) Subject {
	s := Subject{pattern: pattern}
	if strings.ContainsAny(pattern, "(/=<> ") {
		return s
	}
	// libdnf's order: NEVRA, NA, NAME, NEVR, NEV.
	if f, ok := parseNEVR(pattern, true, true); ok {
		s.forms = append(s.forms, f)
	}
	if i := strings.LastIndexByte(pattern, '.'); i >= 0 {
		if n, a := pattern[:i], pattern[i+1:]; n != "" && !strings.Contains(n, ":") && isArchField(a) {
			s.forms = append(s.forms, nevraForm{name: n, arch: a, epoch: -1})
		}
	}
	if pattern != "" && !strings.Contains(pattern, ":") {
		s.forms = append(s.forms, nevraForm{name: pattern, epoch: -1})
	}
	if f, ok := parseNEVR(pattern, true, false); ok {
		s.forms = append(s.forms, f)
	}
	if f, ok := parseNEVR(pattern, false, false); ok {
		s.forms = append(s.forms, f)
	}
	return s
}

// String returns the spec as given.
func (s Subject) String() string { return s.pattern }

// parseNEVR parses name-[epoch:]version[-release[.arch]].
func parseNEVR(s string, withRelease, withArch bool) (nevraForm, bool) {
	f := nevraForm{epoch: -1}
	if withArch {
		i := strings.LastIndexByte(s, '.')
		if i < 0 || !isArchField(s[i+1:]) {
			return f, false
		}
		s, f.arch = s[:i], s[i+1:]
	}
	if withRelease {
		i := strings.LastIndexByte(s, '-')
		if i < 0 || !isVersionField(s[i+1:]) {
			return f, false
		}
		s, f.release = s[:i], s[i+1:]
	}
	i := strings.LastIndexByte(s, '-')
	if i < 0 {
		return f, false
	}
	ev := s[i+1:]
	f.name = s[:i]
	if j := strings.IndexByte(ev, ':'); j >= 0 {
		e, err := strconv.Atoi(ev[:j])
		if err != nil || e < 0 || strings.TrimLeft(ev[:j], "0123456789") != "" {
			return f, false
		}
		f.epoch, ev = e, ev[j+1:]
	}
	f.version = ev
	if f.name == "" || strings.Contains(f.name, ":") || !isVersionField(ev) {
		return f, false
	}
	return f, true
}

func isVersionField(s string) bool { return s != "" && !strings.ContainsAny(s, "-:") }
func isArchField(s string) bool    { return s != "" && !strings.ContainsAny(s, "-:.") }

// isGlob is libdnf's hy_is_glob_pattern: patterns without these compare
// as plain strings (names, arches) or as versions (version, release).
func isGlob(s string) bool { return strings.ContainsAny(s, "*?[") }

// Selector answers subjects over one universe of packages (dnf's sack at
// the time of the query), looking names up by interned id so that many
// subjects cost little more than one.
type Selector struct {
	strs   *repomd.Strings
	pkgs   []*repomd.Package
	byName map[repomd.ID][]int32 // name id -> indexes into pkgs, in order
}

// NewSelector prepares pkgs (all sharing strs) for Select.
func NewSelector(strs *repomd.Strings, pkgs []*repomd.Package) *Selector {
	s := &Selector{strs: strs, pkgs: pkgs, byName: make(map[repomd.ID][]int32)}
	for i, p := range pkgs {
		s.byName[p.Name] = append(s.byName[p.Name], int32(i))
	}
	return s
}

// Select returns the indexes (into the universe, ascending) of the packages
// subject names: those of its first form that matches any package, else
// those whose NEVRA string matches the whole spec (libdnf's fallback).
// None is an empty result.
func (s *Selector) Select(sub Subject) []int32 {
	for _, f := range sub.forms {
		if out := s.selectForm(f); len(out) > 0 {
			return out
		}
	}
	return s.selectNEVRA(sub.pattern)
}

// candidates returns the packages whose name matches f's name, in
// universe order.
func (s *Selector) candidates(name string) []int32 {
	if name == "*" {
		all := make([]int32, len(s.pkgs))
		for i := range all {
			all[i] = int32(i)
		}
		return all
	}
	if !isGlob(name) {
		id, ok := s.strs.Lookup(name)
		if !ok {
			return nil
		}
		return s.byName[id]
	}
	var out []int32
	for id, idx := range s.byName {
		if fnmatch(name, s.strs.String(id)) {
			out = append(out, idx...)
		}
	}
	slices.Sort(out)
	return out
}

func (s *Selector) selectForm(f nevraForm) []int32 {
	var out []int32
	for _, i := range s.candidates(f.name) {
		if s.matchRest(f, s.pkgs[i]) {
			out = append(out, i)
		}
	}
	return out
}

// matchRest applies libdnf's epoch, version, release and arch filters
// (Query::addFilter(Nevra)): an epoch compares as a number, a version or
// release without glob characters compares as rpm versions, with them as
// a glob; an arch compares as a string or glob.
func (s *Selector) matchRest(f nevraForm, p *repomd.Package) bool {
	epoch, version, release := repomd.SplitEVR(s.strs.String(p.EVR))
	if f.epoch >= 0 && leadingNumber(epoch) != f.epoch {
		return false
	}
	if !matchVersionField(f.version, version) || !matchVersionField(f.release, release) {
		return false
	}
	if f.arch != "" && f.arch != "*" {
		arch := s.strs.String(p.Arch)
		if isGlob(f.arch) {
			return fnmatch(f.arch, arch)
		}
		return f.arch == arch
	}
	return true
}

func matchVersionField(pattern, v string) bool {
	switch {
	case pattern == "" || pattern == "*":
		return true
	case isGlob(pattern):
		return fnmatch(pattern, v)
	}
	return rpmver.Vercmp(v, pattern) == 0
}

// leadingNumber is libsolv's pool_get_epoch on an epoch field ("" is 0).
func leadingNumber(s string) int {
	n := 0
	for i := 0; i < len(s) && s[i] >= '0' && s[i] <= '9'; i++ {
		n = n*10 + int(s[i]-'0')
	}
	return n
}

// selectNEVRA is libdnf's HY_PKG_NEVRA glob filter: the spec against
// name-[epoch:]version-release.arch, the epoch written (0 when absent)
// exactly when the spec holds a colon.
func (s *Selector) selectNEVRA(pattern string) []int32 {
	if pattern == "" || strings.ContainsAny(pattern, "(/=<> ") {
		return nil
	}
	withEpoch, glob := strings.Contains(pattern, ":"), isGlob(pattern)
	var out []int32
	var buf []byte
	for i, p := range s.pkgs {
		epoch, version, release := repomd.SplitEVR(s.strs.String(p.EVR))
		buf = append(buf[:0], s.strs.String(p.Name)...)
		buf = append(buf, '-')
		if withEpoch {
			if epoch == "" {
				epoch = "0"
			}
			buf = append(append(buf, epoch...), ':')
		}
		buf = append(append(append(buf, version...), '-'), release...)
		buf = append(append(buf, '.'), s.strs.String(p.Arch)...)
		if glob && fnmatch(pattern, string(buf)) || !glob && pattern == string(buf) {
			out = append(out, int32(i))
		}
	}
	return out
}
