package repomd

import (
	"strings"

	"github.com/repoclosure/repoclosure/internal/rpmver"

	rpmutils "github.com/sassoftware/go-rpmutils"
)

// RPMSENSE_* dependency flags.
const (
	senseLess       = 1 << 1
	senseGreater    = 1 << 2
	senseEqual      = 1 << 3
	sensePrereq     = 1 << 6
	senseScriptPre  = 1 << 9
	senseScriptPost = 1 << 10
	senseMissingOK  = 1 << 19 // legacy weak deps (rpm < 4.12): a Recommends among the requires
	senseStrong     = 1 << 27 // legacy weak deps: OLDSUGGESTS -> Recommends, OLDENHANCES -> Supplements
)

// depSource is one group of dependency tags, in the order createrepo_c's
// parsehdr.c reads them: that order decides which entries a later one
// filters out and how the legacy weak deps interleave with the new ones.
type depSource struct {
	name, flags, version int
	kind                 depSourceKind
}

type depSourceKind uint8

const (
	srcProvides depSourceKind = iota
	srcConflicts
	srcObsoletes
	srcRequires
	srcSuggests
	srcEnhances
	srcRecommends
	srcSupplements
	srcOldSuggests
	srcOldEnhances
)

// depKind is the list parsehdr.c files a dependency of this source with
// these flags in: legacy MISSINGOK requires are Recommends, and the legacy
// OLDSUGGESTS and OLDENHANCES are Recommends and Supplements when flagged
// strong.
func (k depSourceKind) depKind(flags uint64) DepKind {
	switch k {
	case srcProvides:
		return Provides
	case srcConflicts:
		return Conflicts
	case srcObsoletes:
		return Obsoletes
	case srcRequires:
		if flags&senseMissingOK != 0 {
			return Recommends
		}
		return Requires
	case srcSuggests:
		return Suggests
	case srcEnhances:
		return Enhances
	case srcRecommends:
		return Recommends
	case srcSupplements:
		return Supplements
	case srcOldSuggests:
		if flags&senseStrong != 0 {
			return Recommends
		}
		return Suggests
	}
	// srcOldEnhances
	if flags&senseStrong != 0 {
		return Supplements
	}
	return Enhances
}

func depSources() [10]depSource {
	return [10]depSource{
		{rpmutils.PROVIDENAME, rpmutils.PROVIDEFLAGS, rpmutils.PROVIDEVERSION, srcProvides},
		{rpmutils.CONFLICTNAME, rpmutils.CONFLICTFLAGS, rpmutils.CONFLICTVERSION, srcConflicts},
		{rpmutils.OBSOLETENAME, rpmutils.OBSOLETEFLAGS, rpmutils.OBSOLETEVERSION, srcObsoletes},
		{rpmutils.REQUIRENAME, rpmutils.REQUIREFLAGS, rpmutils.REQUIREVERSION, srcRequires},
		{tagSuggestName, tagSuggestFlags, tagSuggestVersion, srcSuggests},
		{tagEnhanceName, tagEnhanceFlags, tagEnhanceVersion, srcEnhances},
		{tagRecommendName, tagRecommendFlags, tagRecommendVersion, srcRecommends},
		{tagSupplementName, tagSupplementFlags, tagSupplementVersion, srcSupplements},
		{tagOldSuggestsName, tagOldSuggestsFlags, tagOldSuggestsVer, srcOldSuggests},
		{tagOldEnhancesName, tagOldEnhancesFlags, tagOldEnhancesVer, srcOldEnhances},
	}
}

// rawDep is one dependency as parsehdr.c keeps it before XML is written.
type rawDep struct {
	name, flags, version string
	pre                  bool
}

// requireSeen is what parsehdr.c remembers of the last require of a name,
// to drop an immediate repeat.
type requireSeen struct {
	flags, version string
	pre            bool
}

// collectDeps runs parsehdr.c's dependency loop: requires lose rpmlib(...)
// entries, the package's own primary files, exact copies (name, flags,
// version) of its provides and repeats of the previous require of the same
// name; of the libc.so.6 requires only the highest is kept, and it goes
// last; legacy MISSINGOK requires and OLDSUGGESTS/OLDENHANCES become weak
// deps; entries whose version has a non-numeric epoch are dropped.
func collectDeps(h rpmHeader, ownFiles map[string]bool) [NumDepKinds][]rawDep {
	var deps [NumDepKinds][]rawDep
	provided := map[string]bool{}
	seen := map[string]requireSeen{}
	for _, src := range depSources() {
		names, ok1 := h.strings(src.name)
		flagList, ok2 := h.numbers(src.flags)
		versions, ok3 := h.strings(src.version)
		if !ok1 || !ok2 || !ok3 {
			continue
		}
		var libc *rawDep
		for i := range min(len(names), len(flagList), len(versions)) {
			name, flags, version := names[i], flagList[i], versions[i]
			flagStr := flagString(flags)
			nfv := name + flagStr + version
			pre := false
			if src.kind == srcRequires {
				if strings.HasPrefix(name, "rpmlib(") ||
					strings.HasPrefix(name, "/") && ownFiles[name] && isPrimaryFile(name) ||
					provided[nfv] {
					continue
				}
				pre = flags&(sensePrereq|senseScriptPre|senseScriptPost) != 0
				if last, ok := seen[name]; ok && last == (requireSeen{flagStr, version, pre}) {
					continue
				}
			}
			if _, _, _, ok := splitDepEVR(version); !ok {
				continue // createrepo_c warns "Bad epoch" and skips it
			}
			d := rawDep{name: name, flags: flagStr, version: version}
			switch {
			case src.kind == srcProvides:
				provided[nfv] = true
			case src.kind == srcRequires && flags&senseMissingOK == 0:
				d.pre = pre
				if strings.HasPrefix(name, "libc.so.6") {
					if libc == nil || compareLibcDep(libc.name, name) == 2 {
						libc = &d
					}
					continue
				}
				seen[name] = requireSeen{flagStr, version, pre}
			}
			kind := src.kind.depKind(flags)
			deps[kind] = append(deps[kind], d)
		}
		if libc != nil {
			deps[Requires] = append(deps[Requires], *libc)
		}
	}
	return deps
}

// makeDeps interns deps as primary.xml carries them: entries without a name
// are not written, and a version only with a comparison.
func makeDeps(raw []rawDep, requires bool, strs *Strings) []Dep {
	if len(raw) == 0 {
		return nil
	}
	out := make([]Dep, 0, len(raw))
	for _, r := range raw {
		if r.name == "" {
			continue
		}
		var evr ID
		op, _ := ParseFlags(r.flags)
		if op != OpNone {
			epoch, version, release, _ := splitDepEVR(r.version)
			evr = strs.InternString(FormatEVR(xmlText(epoch), xmlText(version), xmlText(release)))
		}
		out = append(out, NewDep(internXML(strs, r.name), evr, op, requires && r.pre))
	}
	return out
}

// flagString is createrepo_c's cr_flag_to_str: the comparison of the
// LESS/GREATER/EQUAL bits, "" for none or a combination it cannot name.
func flagString(flags uint64) string {
	switch flags & 0xf {
	case senseLess:
		return "LT"
	case senseGreater:
		return "GT"
	case senseEqual:
		return "EQ"
	case senseLess | senseEqual:
		return "LE"
	case senseGreater | senseEqual:
		return "GE"
	}
	return ""
}

// splitDepEVR is createrepo_c's cr_str_to_evr: the epoch before the first
// colon ("0" when absent), the version up to the first dash after it, the
// rest as release. ok is false for an epoch that C's strtol does not read
// whole, which createrepo_c skips as a bad epoch.
func splitDepEVR(s string) (epoch, version, release string, ok bool) {
	if s == "" {
		return "", "", "", true
	}
	rest := s
	if i := strings.IndexByte(s, ':'); i >= 0 {
		if !strtolReadsAll(s[:i]) {
			return "", "", "", false
		}
		epoch, rest = s[:i], s[i+1:]
	}
	if epoch == "" {
		epoch = "0"
	}
	if j := strings.IndexByte(rest, '-'); j >= 0 {
		return epoch, rest[:j], rest[j+1:], true
	}
	return epoch, rest, "", true
}

// strtolReadsAll reports whether C's strtol(s, &end, 10) leaves end at the
// end of s: s is empty, or blanks, an optional sign and at least one digit.
func strtolReadsAll(s string) bool {
	if s == "" {
		return true
	}
	s = strings.TrimLeft(s, " \t\n\v\f\r")
	if s != "" && (s[0] == '+' || s[0] == '-') {
		s = s[1:]
	}
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !rpmver.IsDigit(s[i]) {
			return false
		}
	}
	return true
}

// compareLibcDep is createrepo_c's cr_compare_dependency for two
// libc.so.6 requires: 0 same, 1 first higher, 2 second higher, -1 error.
// It compares, with rpmvercmp, the text from the first digit inside the
// first parentheses to the closing one: libc.so.6() <
// libc.so.6(GLIBC_2.3.4)(64bit) < libc.so.6(GLIBC_2.14)(64bit).
func compareLibcDep(dep1, dep2 string) int {
	open1, open2 := strings.IndexByte(dep1, '('), strings.IndexByte(dep2, '(')
	switch {
	case open1 < 0 && open2 < 0:
		return 0
	case open1 < 0:
		return 2
	case open2 < 0:
		return 1
	}
	close1, close2 := strings.IndexByte(dep1[open1:], ')'), strings.IndexByte(dep2[open2:], ')')
	switch {
	case close1 < 0 && close2 < 0:
		return -1
	case close1 < 0:
		return 2
	case close2 < 0:
		return 1
	}
	close1 += open1
	close2 += open2
	v1, v2 := open1+1, open2+1
	switch {
	case v1 == close1 && v2 == close2:
		return 0
	case v1 == close1:
		return 2
	case v2 == close2:
		return 1
	}
	for v1 < len(dep1) && !rpmver.IsDigit(dep1[v1]) {
		v1++
	}
	for v2 < len(dep2) && !rpmver.IsDigit(dep2[v2]) {
		v2++
	}
	switch {
	case v1 > close1 && v2 > close2:
		return 0
	case v1 > close1:
		return 2
	case v2 > close2:
		return 1
	}
	switch rpmver.Vercmp(dep1[v1:close1], dep2[v2:close2]) {
	case 1:
		return 1
	case -1:
		return 2
	}
	return 0
}
