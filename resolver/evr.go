package resolver

import "strings"

// Vercmp compares two version (or release) strings exactly as rpm 4.18's
// rpmvercmp does and returns -1, 0 or 1.
//
// Each string is cut into runs of ASCII digits or ASCII letters; every other
// byte separates runs, except '~', which sorts before anything (even the end
// of the string), and '^', which sorts after the end of the string but before
// any further run. Digit runs compare numerically (leading zeros ignored) and
// beat letter runs. Bytes outside ASCII are separators, so "1.1.α" equals
// "1.1.β", as in rpm.
//
// Vercmp does not allocate. Unlike C, it treats a NUL byte as an ordinary
// separator rather than the end of the string; rpm headers never hold one.
func Vercmp(a, b string) int {
	if a == b {
		return 0
	}
	// Skip the common prefix, backing up to the start of the letter or
	// digit run it ends in: the scan of both strings is identical up to
	// there, so it can start there. Kernel symbol CRCs and EVRs of one
	// package series share long prefixes.
	k := 0
	for k < len(a) && k < len(b) && a[k] == b[k] {
		k++
	}
	if k > 0 && isAlnum(a[k-1]) {
		digit := isDigit(a[k-1])
		for k > 0 && isAlnum(a[k-1]) && isDigit(a[k-1]) == digit {
			k--
		}
	}
	return vercmpFrom(a, b, k)
}

// vercmpFrom is rpmvercmp's scan started at byte k of both strings, where
// k must be a place the scan from 0 would pass through in both.
func vercmpFrom(a, b string, k int) int {
	i, j := k, k
	for i < len(a) || j < len(b) {
		for i < len(a) && !isAlnum(a[i]) && a[i] != '~' && a[i] != '^' {
			i++
		}
		for j < len(b) && !isAlnum(b[j]) && b[j] != '~' && b[j] != '^' {
			j++
		}
		ca, cb := byteAt(a, i), byteAt(b, j)

		if ca == '~' || cb == '~' {
			if ca != '~' {
				return 1
			}
			if cb != '~' {
				return -1
			}
			i++
			j++
			continue
		}
		// '^' is like '~', except that the string that ended is the older one.
		if ca == '^' || cb == '^' {
			if i == len(a) {
				return -1
			}
			if j == len(b) {
				return 1
			}
			if ca != '^' {
				return 1
			}
			if cb != '^' {
				return -1
			}
			i++
			j++
			continue
		}
		if i == len(a) || j == len(b) {
			break
		}

		si, sj := i, j
		isNum := isDigit(a[i])
		if isNum {
			for i < len(a) && isDigit(a[i]) {
				i++
			}
			for j < len(b) && isDigit(b[j]) {
				j++
			}
		} else {
			for i < len(a) && isAlpha(a[i]) {
				i++
			}
			for j < len(b) && isAlpha(b[j]) {
				j++
			}
		}
		// b's run is of the other kind: numbers are newer than letters.
		if sj == j {
			if isNum {
				return 1
			}
			return -1
		}
		ra, rb := a[si:i], b[sj:j]
		if isNum {
			ra, rb = trimZeros(ra), trimZeros(rb)
			if len(ra) != len(rb) {
				if len(ra) > len(rb) {
					return 1
				}
				return -1
			}
		}
		if c := strings.Compare(ra, rb); c != 0 {
			return c
		}
	}
	// All runs equal: the string with something left over is newer.
	switch {
	case i == len(a) && j == len(b):
		return 0
	case i < len(a):
		return 1
	}
	return -1
}

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
	ea, va := splitEpoch(a)
	eb, vb := splitEpoch(b)
	switch {
	case ea != "" && eb != "":
		if r := Vercmp(ea, eb); r != 0 {
			return r
		}
	case ea != "":
		if trimZeros(ea) != "" {
			return 1
		}
	case eb != "":
		if trimZeros(eb) != "" {
			return -1
		}
	}

	va, ra, hasRA := splitRelease(va)
	vb, rb, hasRB := splitRelease(vb)
	if r := Vercmp(va, vb); r != 0 {
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
		return Vercmp(ra, rb)
	case matchRelease && !hasRA && hasRB:
		return -2
	case matchRelease && hasRA && !hasRB:
		return 2
	}
	return 0
}

// splitEpoch finds the epoch as libsolv does: one or more leading digits
// followed by ':'. Anything else means no epoch.
func splitEpoch(evr string) (epoch, rest string) {
	k := 0
	for k < len(evr) && isDigit(evr[k]) {
		k++
	}
	if k > 0 && k < len(evr) && evr[k] == ':' {
		return evr[:k], evr[k+1:]
	}
	return "", evr
}

// splitRelease cuts version and release at the last '-'.
func splitRelease(vr string) (version, release string, hasRelease bool) {
	if k := strings.LastIndexByte(vr, '-'); k >= 0 {
		return vr[:k], vr[k+1:], true
	}
	return vr, "", false
}

func trimZeros(s string) string {
	k := 0
	for k < len(s) && s[k] == '0' {
		k++
	}
	return s[k:]
}

func byteAt(s string, i int) byte {
	if i < len(s) {
		return s[i]
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

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func isAlpha(c byte) bool { return c|0x20 >= 'a' && c|0x20 <= 'z' }

func isAlnum(c byte) bool { return isDigit(c) || isAlpha(c) }
