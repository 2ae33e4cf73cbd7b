// Package reporttest is what the tests of the report package and of the
// pages the CLI writes expect of a heat map, written out from the page's
// documented legend, never from the report code it checks. It is a package
// of its own because test files of two packages cannot share code.
package reporttest

// CellClass is a heat-map cell's class for n missing deps on the absolute
// scale of the legend: installable, 1, 2–5, 6–20, more than 20 missing.
func CellClass(n int) string {
	switch {
	case n == 0:
		return "cell ok"
	case n == 1:
		return "cell l1"
	case n <= 5:
		return "cell l2"
	case n <= 20:
		return "cell l3"
	}
	return "cell l4"
}
