package report

import (
	"bytes"
	"encoding/json"
	"strings"
)

// Name is the by-name answer for one kmod name: "does kmod-foo install on
// kernel K" with any of its builds (NEVRAs of several versions, arches or
// repositories), beside the per-NEVRA cells.
type Name struct {
	Name  string   `json:"name"`
	Kmods []string `json:"kmods"` // the name's NEVRAs, in Kmods order
	// Installable has one entry per kernel, in Kernels order: true when
	// some build of the name installs on it.
	Installable []bool `json:"installable"`
}

// Names groups the kmods by package name, in order of first appearance.
func (m *Matrix) Names() []Name {
	out := []Name{}
	index := map[string]int{}
	for i, k := range m.Kmods {
		name := NameOf(k.NEVRA)
		n, ok := index[name]
		if !ok {
			n = len(out)
			index[name] = n
			out = append(out, Name{Name: name, Kmods: []string{}, Installable: make([]bool, len(m.Kernels))})
		}
		out[n].Kmods = append(out[n].Kmods, k.NEVRA)
		for j := range m.Kernels {
			if c := m.Cell(i, j); c != nil && c.Installable {
				out[n].Installable[j] = true
			}
		}
	}
	return out
}

// nameIndex maps each kmod (by index) to its entry in names.
func nameIndex(m *Matrix, names []Name) []int {
	byName := make(map[string]int, len(names))
	for n, nm := range names {
		byName[nm.Name] = n
	}
	out := make([]int, len(m.Kmods))
	for i, k := range m.Kmods {
		out[i] = byName[NameOf(k.NEVRA)]
	}
	return out
}

// multiBuild reports whether some name has more than one build: only then
// does the by-name view say more than the per-NEVRA rows.
func multiBuild(names []Name) bool {
	for _, n := range names {
		if len(n.Kmods) > 1 {
			return true
		}
	}
	return false
}

// NameOf returns the package name of a NEVRA as the matrix prints it:
// "kmod-foo-1:2.0-1.el9.x86_64" gives "kmod-foo". A string not shaped like
// a NEVRA is its own name.
func NameOf(nevra string) string {
	s := nevra
	if i := strings.LastIndexByte(s, '.'); i > 0 {
		s = s[:i]
	}
	for range 2 {
		i := strings.LastIndexByte(s, '-')
		if i <= 0 {
			return nevra
		}
		s = s[:i]
	}
	return s
}

// MarshalJSON writes the matrix with its by-name view ("names") after the
// cells, as WriteJSON does; the view is derived, so reading ignores it.
func (m Matrix) MarshalJSON() ([]byte, error) {
	type plain Matrix
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false) // callers that need it (json.Marshal) escape again
	err := enc.Encode(struct {
		plain
		Names []Name `json:"names"`
	}{plain(m), m.Names()})
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), err
}
