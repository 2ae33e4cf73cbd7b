package resolver

import (
	"fmt"

	"github.com/repoclosure/repoclosure/repomd"
)

// Candidate is a package that provides an unresolved dependency's name but
// does not meet it, and why.
type Candidate struct {
	Pkg      PkgID
	NEVRA    string
	Provides string // the provide that came closest, e.g. "kernel(napi_enable) = 0x0badf00d"
	Reason   string // "other version" or "not available" (dropped by --best/--newest/--pkg selection)
}

func (c Candidate) String() string {
	return fmt.Sprintf("%s provides %s (%s)", c.NEVRA, c.Provides, c.Reason)
}

// Explain lists, for a dependency that avail does not meet, the packages
// that provide its name in another version (for kernel(SYM) = CRC: the
// same symbol with another CRC), or that would meet it but are outside
// avail. An empty answer means nothing provides the name at all.
func (p *Pool) Explain(d repomd.Dep, avail Set) []Candidate {
	var out []Candidate
	for _, e := range p.ProvidersOf(d.Name) {
		if len(out) > 0 && out[len(out)-1].Pkg == e.Pkg() {
			continue
		}
		provided := repomd.FormatDep(p.Strings, repomd.NewDep(d.Name, e.evr, e.Op(), false))
		switch {
		case !p.meets(e, d.Op(), p.str(d.EVR())):
			out = append(out, Candidate{Pkg: e.Pkg(), NEVRA: p.NEVRA(e.Pkg()), Provides: provided, Reason: "other version"})
		case !avail.Has(e.Pkg()):
			out = append(out, Candidate{Pkg: e.Pkg(), NEVRA: p.NEVRA(e.Pkg()), Provides: provided, Reason: "not available"})
		}
	}
	return out
}
