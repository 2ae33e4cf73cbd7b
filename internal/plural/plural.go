// Package plural words a count for people: "1 kmod", "2 kmods". It is its
// own package so that the repository generator and the reports share it
// without the one depending on the other.
package plural

import "strconv"

// Count is n and noun, with an s unless n is 1.
func Count(n int, noun string) string {
	if n == 1 {
		return strconv.Itoa(n) + " " + noun
	}
	return strconv.Itoa(n) + " " + noun + "s"
}
