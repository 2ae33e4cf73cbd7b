package resolver

import (
	"strings"
)

// closureText renders problems as "nevra: dep; dep" lines for comparison.
func closureText(p *Pool, problems []Problem) string {
	var b strings.Builder
	for _, pr := range problems {
		b.WriteString(p.NEVRA(pr.Pkg) + ":")
		for i, d := range pr.Deps {
			if i > 0 {
				b.WriteString(";")
			}
			b.WriteString(" " + p.DepString(d))
		}
		b.WriteString("\n")
	}
	return b.String()
}
