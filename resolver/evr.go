package resolver

import (
	"strings"

	"github.com/repoclosure/repoclosure/internal/rpmver"
)

// CompareEVR orders two "[E:]V[-R]" strings (repomd.FormatEVR's form) as
// libsolv's pool_evrcmp_str does in EVRCMP_COMPARE mode, which is what dnf
// uses to sort packages and pick the newest: a missing epoch is 0, and when
// the versions are equal a string without a release is older than one with.
// It returns -1, 0 or 1.
func CompareEVR(a, b string) int {
	if r := evrcmp(a, b, false); r != 0 {
		return sign(r)
	}
	return 0
}

// evrcmp is libsolv's pool_evrcmp_str for EVRCMP_COMPARE (matchRelease false)
// and EVRCMP_MATCH_RELEASE (matchRelease true, the mode rpm dependencies use).
// In the second mode, when the versions are equal and only one side has a
// release, it returns -2 (a lacks the release) or 2 (b lacks it) so that the
// caller can decide by the operators.
func evrcmp(a, b string, matchRelease bool) int {
	if a == b {
		return 0
	}
	ea, va := rpmver.SplitEpoch(a)
	eb, vb := rpmver.SplitEpoch(b)
	switch {
	case ea != "" && eb != "":
		if r := rpmver.Vercmp(ea, eb); r != 0 {
			return r
		}
	case ea != "":
		if strings.TrimLeft(ea, "0") != "" {
			return 1
		}
	case eb != "":
		if strings.TrimLeft(eb, "0") != "" {
			return -1
		}
	}

	va, ra, hasRA := rpmver.SplitRelease(va)
	vb, rb, hasRB := rpmver.SplitRelease(vb)
	if r := rpmver.Vercmp(va, vb); r != 0 {
		return r
	}
	if !matchRelease {
		switch {
		case !hasRA && hasRB:
			return -1
		case hasRA && !hasRB:
			return 1
		}
	} else {
		// rpm reads "foo = 4-" as "foo = 4".
		hasRA = hasRA && ra != ""
		hasRB = hasRB && rb != ""
	}
	switch {
	case hasRA && hasRB:
		return rpmver.Vercmp(ra, rb)
	case matchRelease && !hasRA && hasRB:
		return -2
	case matchRelease && hasRA && !hasRB:
		return 2
	}
	return 0
}

func sign(r int) int {
	switch {
	case r < 0:
		return -1
	case r > 0:
		return 1
	}
	return 0
}
