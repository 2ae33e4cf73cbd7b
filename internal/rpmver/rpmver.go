// Package rpmver is rpm's version strings: rpmvercmp and the split of
// "[E:]V[-R]", shared by the package that reads metadata and .rpm files
// (repomd), the one that resolves dependencies (resolver) and the test
// repository generator, so that all compare and split alike.
package rpmver

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
		digit := IsDigit(a[k-1])
		for k > 0 && isAlnum(a[k-1]) && IsDigit(a[k-1]) == digit {
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
		i, j = skipSeparators(a, i), skipSeparators(b, j)
		ca, cb := byteAt(a, i), byteAt(b, j)
		if ca == '~' || cb == '~' || ca == '^' || cb == '^' {
			if r := compareMarks(ca, cb, i == len(a), j == len(b)); r != 0 {
				return r
			}
			i++
			j++
			continue
		}
		if i == len(a) || j == len(b) {
			break
		}
		si, sj := i, j
		isNum := IsDigit(a[i])
		if isNum {
			for i < len(a) && IsDigit(a[i]) {
				i++
			}
			for j < len(b) && IsDigit(b[j]) {
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
			// Numbers of any length: without leading zeros, the longer
			// is the larger.
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

// skipSeparators returns the index of the first letter, digit, '~' or '^'
// of s from i on, or len(s).
func skipSeparators(s string, i int) int {
	for i < len(s) && !isAlnum(s[i]) && s[i] != '~' && s[i] != '^' {
		i++
	}
	return i
}

// compareMarks orders the strings when either has a '~' or '^' where the
// next run would start (ca, cb; endA and endB tell the end of a string): a
// '~' sorts before anything, even the end; a '^' is like it, except that
// the string that ended is the older one. It returns 0 when both have the
// same mark, and the scan goes on after it.
func compareMarks(ca, cb byte, endA, endB bool) int {
	if ca == '~' || cb == '~' {
		switch {
		case ca != '~':
			return 1
		case cb != '~':
			return -1
		}
		return 0
	}
	switch {
	case endA:
		return -1
	case endB:
		return 1
	case ca != '^':
		return 1
	case cb != '^':
		return -1
	}
	return 0
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

// IsDigit reports whether c is an ASCII digit.
func IsDigit(c byte) bool { return c >= '0' && c <= '9' }

func isAlpha(c byte) bool { return c|0x20 >= 'a' && c|0x20 <= 'z' }

func isAlnum(c byte) bool { return IsDigit(c) || isAlpha(c) }

// SplitEVR splits "[E:]V[-R]" (the form repomd.FormatEVR writes and libsolv
// stores) as libsolv's pool_split_evr does: the epoch is one or more leading
// ASCII digits followed by ':', anything else is part of the version; the
// release follows the last '-'. A missing epoch or release is "".
func SplitEVR(evr string) (epoch, version, release string) {
	epoch, vr := SplitEpoch(evr)
	version, release, _ = SplitRelease(vr)
	return epoch, version, release
}

// SplitEpoch cuts the epoch off evr as SplitEVR does: leading digits
// followed by ':'. Without one, epoch is "" and rest is evr.
func SplitEpoch(evr string) (epoch, rest string) {
	k := 0
	for k < len(evr) && IsDigit(evr[k]) {
		k++
	}
	if k > 0 && k < len(evr) && evr[k] == ':' {
		return evr[:k], evr[k+1:]
	}
	return "", evr
}

// SplitRelease cuts "V[-R]" at the last '-'. hasRelease tells "1.0-"
// (an empty release) from "1.0" (none), which libsolv's comparison does.
func SplitRelease(vr string) (version, release string, hasRelease bool) {
	if k := strings.LastIndexByte(vr, '-'); k >= 0 {
		return vr[:k], vr[k+1:], true
	}
	return vr, "", false
}
