package resolver

import "github.com/repoclosure/repoclosure/repomd"

// Matches reports whether a provide (pop, pevr) satisfies a require
// (rop, revr) of the same name. It is libsolv's pool_match_flags_evr with
// EVRCMP_MATCH_RELEASE, which dnf uses:
//
//   - an unversioned provide or require (OpNone) matches any version;
//   - a missing epoch is 0;
//   - when only one side has a release, releases are not compared: the two
//     overlap if the side without a release includes equality (provide
//     "= 1.2" meets require "> 1.2-1", provide "> 1.2" does not meet
//     require "= 1.2-1");
//   - otherwise the two ranges overlap.
//
// Where rpm's rpmdsCompare differs, this follows libsolv: rpm calls any
// versioned dep with an empty EVR an overlap, libsolv compares the empty
// string like any other version; and an Op with bits above OpLE|OpGT, which
// neither tool writes, matches nothing here, as in libsolv.
func Matches(pop repomd.Op, pevr string, rop repomd.Op, revr string) bool {
	// Unversioned deps are not relations in libsolv: a plain provide
	// "provides all versions" and a plain require asks for the name only.
	if pop == repomd.OpNone || rop == repomd.OpNone {
		return true
	}
	const opAll = repomd.OpLT | repomd.OpEQ | repomd.OpGT
	if pop > opAll || rop > opAll {
		return false
	}
	if pop == opAll || rop == opAll {
		return true
	}
	if pop&rop&(repomd.OpLT|repomd.OpGT) != 0 {
		return true // both open towards the same side
	}
	if pevr == revr {
		return pop&rop&repomd.OpEQ != 0
	}
	switch evrcmp(pevr, revr, true) {
	case -2: // equal versions, only the require has a release
		return pop&repomd.OpEQ != 0
	case -1:
		return rop&repomd.OpLT != 0 || pop&repomd.OpGT != 0
	case 0:
		return pop&rop&repomd.OpEQ != 0
	case 1:
		return rop&repomd.OpGT != 0 || pop&repomd.OpLT != 0
	}
	// 2: equal versions, only the provide has a release.
	return rop&repomd.OpEQ != 0
}
