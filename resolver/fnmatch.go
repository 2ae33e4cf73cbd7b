package resolver

import "github.com/repoclosure/repoclosure/internal/rpmver"

// fnmatch reports whether name matches the shell pattern as glibc's
// fnmatch(3) with no flags does, which is how libdnf matches package specs:
// `*` and `?` match any bytes (slashes and leading dots included), `[...]`
// is a set with `!` or `^` negation, ranges and [:class:] names, and a
// backslash quotes the next byte. A `[` without its `]` is a literal.
func fnmatch(pattern, name string) bool {
	// Iterative matching with one backtrack point (the last `*`), linear
	// in practice and never exponential.
	px, nx := 0, 0
	starP, starN := -1, -1
	for nx < len(name) || px < len(pattern) {
		if px < len(pattern) {
			switch c := pattern[px]; c {
			case '*':
				starP, starN = px, nx
				px++
				continue
			case '?':
				if nx < len(name) {
					px++
					nx++
					continue
				}
			case '[':
				if nx < len(name) {
					if ok, width, valid := matchBracket(pattern[px:], name[nx]); valid {
						if ok {
							px += width
							nx++
							continue
						}
						break
					}
				}
				if nx < len(name) && name[nx] == '[' {
					px++
					nx++
					continue
				}
			case '\\':
				lit := byte('\\')
				w := 1
				if px+1 < len(pattern) {
					lit, w = pattern[px+1], 2
				}
				if nx < len(name) && name[nx] == lit {
					px += w
					nx++
					continue
				}
			default:
				if nx < len(name) && name[nx] == c {
					px++
					nx++
					continue
				}
			}
		}
		if starP >= 0 && starN < len(name) {
			starN++
			px, nx = starP+1, starN
			continue
		}
		return false
	}
	return true
}

// matchBracket matches c against the set opening pat; width is the set's
// length in pat, valid false when the set has no closing `]`.
func matchBracket(pat string, c byte) (ok bool, width int, valid bool) {
	i := 1
	negate := false
	if i < len(pat) && (pat[i] == '!' || pat[i] == '^') {
		negate = true
		i++
	}
	matched := false
	first := true
	for {
		if i >= len(pat) {
			return false, 0, false
		}
		b := pat[i]
		if b == ']' && !first {
			i++
			break
		}
		first = false
		if b == '[' && i+1 < len(pat) && pat[i+1] == ':' {
			if end := indexFrom(pat, ":]", i+2); end >= 0 {
				if inClass(pat[i+2:end], c) {
					matched = true
				}
				i = end + 2
				continue
			}
		}
		if b == '\\' && i+1 < len(pat) {
			i++
			b = pat[i]
		}
		lo := b
		i++
		if i+1 < len(pat) && pat[i] == '-' && pat[i+1] != ']' {
			hi := pat[i+1]
			i += 2
			if hi == '\\' && i < len(pat) {
				hi = pat[i]
				i++
			}
			if lo <= c && c <= hi {
				matched = true
			}
			continue
		}
		if c == lo {
			matched = true
		}
	}
	return matched != negate, i, true
}

func indexFrom(s, sub string, from int) int {
	for j := from; j+len(sub) <= len(s); j++ {
		if s[j:j+len(sub)] == sub {
			return j
		}
	}
	return -1
}

// inClass is the C locale's character classes.
func inClass(class string, c byte) bool {
	switch class {
	case "alnum":
		return isAlpha(c) || rpmver.IsDigit(c)
	case "alpha":
		return isAlpha(c)
	case "digit":
		return rpmver.IsDigit(c)
	case "lower":
		return c >= 'a' && c <= 'z'
	case "upper":
		return c >= 'A' && c <= 'Z'
	case "xdigit":
		return rpmver.IsDigit(c) || c|0x20 >= 'a' && c|0x20 <= 'f'
	case "space":
		return c == ' ' || c >= '\t' && c <= '\r'
	case "blank":
		return c == ' ' || c == '\t'
	case "punct":
		return c > ' ' && c < 0x7f && !isAlpha(c) && !rpmver.IsDigit(c)
	case "print":
		return c >= ' ' && c < 0x7f
	case "graph":
		return c > ' ' && c < 0x7f
	case "cntrl":
		return c < ' ' || c == 0x7f
	}
	return false
}

func isAlpha(c byte) bool { return c|0x20 >= 'a' && c|0x20 <= 'z' }
