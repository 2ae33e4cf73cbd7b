package resolver

import "slices"

// maxRichBranches bounds the ways Installable expands a dependency into;
// real rich deps give a handful, hostile ones are cut off (and then judged
// by Satisfied).
const maxRichBranches = 4096

// richBranch is one way to fulfil a boolean dependency: an install set that
// holds a provider of each of needs and no package of forbid.
type richBranch struct {
	needs  [][]int32
	forbid []int32 // sorted, distinct
}

// ok reports whether some install set takes this branch: every need has a
// provider that is not forbidden.
func (b richBranch) ok() bool {
	for _, n := range b.needs {
		if !slices.ContainsFunc(n, func(p int32) bool { _, found := slices.BinarySearch(b.forbid, p); return !found }) {
			return false
		}
	}
	return true
}

// Installable reports whether a package requiring the dependency can be
// installed from the packages prov knows, as libsolv's solver decides it
// (testsolv; dnf and dnf5 install with that solver): the dependency must be
// fulfilled (libsolv's solver_dep_fulfilled) by some set of packages the
// solver may choose to install. A leaf is fulfilled when a provider is
// installed, so the condition of "A if B" is met only when the solver
// installs a provider of B, which it need not do: "(A if B)" holds when A
// has a provider or B's providers can stay out, "(A unless B)" needs a
// provider of A that does not provide B. with and without are judged per
// package, as in Satisfied. The providers' own dependencies are not
// followed (repoclosure judges each package alone).
func (r *Rich) Installable(prov LeafProviders) bool {
	bs, ok := r.branches(prov, false)
	if !ok {
		return r.Satisfied(prov)
	}
	return len(bs) > 0
}

// branches expands r (negated when neg) into the ways to fulfil it,
// dropping the ways no install set can take. ok is false when there would
// be more than maxRichBranches.
func (r *Rich) branches(prov LeafProviders, neg bool) ([]richBranch, bool) {
	switch r.Kind {
	case RichAnd, RichOr:
		conj := (r.Kind == RichAnd) != neg // De Morgan
		out, ok := r.Args[0].branches(prov, neg)
		for _, a := range r.Args[1:] {
			if !ok {
				return nil, false
			}
			var next []richBranch
			if next, ok = a.branches(prov, neg); ok {
				out, ok = joinBranches(out, next, conj)
			}
		}
		return out, ok
	case RichIf, RichUnless:
		// A if B = A or not B, its negation not A and B;
		// A unless B = A and not B, its negation not A or B.
		a, aok := r.Args[0].branches(prov, neg)
		b, bok := r.Args[1].branches(prov, !neg)
		if !aok || !bok {
			return nil, false
		}
		return joinBranches(a, b, (r.Kind == RichUnless) != neg)
	case RichIfElse, RichUnlessElse:
		// A if B else C = (B and A) or (not B and C), its negation
		// (B and not A) or (not B and not C); unless negates B.
		unless := r.Kind == RichUnlessElse
		var ways [2][]richBranch
		for i, alt := range [2]*Rich{r.Args[0], r.Args[2]} {
			cond, cok := r.Args[1].branches(prov, unless == (i == 0))
			x, xok := alt.branches(prov, neg)
			if !cok || !xok {
				return nil, false
			}
			var ok bool
			if ways[i], ok = joinBranches(cond, x, true); !ok {
				return nil, false
			}
		}
		return joinBranches(ways[0], ways[1], false)
	}
	// A leaf, and with/without, whose providers are packages.
	pkgs := r.ProvidersDNF4(prov)
	if neg {
		return []richBranch{{forbid: pkgs}}, true
	}
	if len(pkgs) == 0 {
		return nil, true
	}
	return []richBranch{{needs: [][]int32{pkgs}}}, true
}

// joinBranches is the ways to fulfil both a and b (conj) or either.
func joinBranches(a, b []richBranch, conj bool) ([]richBranch, bool) {
	if !conj {
		out := append(slices.Clip(a), b...)
		return out, len(out) <= maxRichBranches
	}
	if len(a)*len(b) > maxRichBranches {
		return nil, false
	}
	var out []richBranch
	for _, x := range a {
		for _, y := range b {
			c := richBranch{
				needs:  append(slices.Clip(x.needs), y.needs...),
				forbid: unionSorted(x.forbid, y.forbid),
			}
			if c.ok() {
				out = append(out, c)
			}
		}
	}
	return out, true
}

// installableWith is Installable for a package whose other requires the
// solver fulfils at the same time: context gives what they force (a
// provider of each of its needs installed, none of forbid), so "(A if B)"
// fails when the package's other requires force B in. context is called
// only when a condition matters.
func (r *Rich) installableWith(prov LeafProviders, context func() richBranch) bool {
	bs, ok := r.branches(prov, false)
	if !ok {
		return r.Satisfied(prov)
	}
	var ctx richBranch
	loaded := false
	for _, b := range bs {
		if len(b.forbid) == 0 {
			return true
		}
		if !loaded && context != nil {
			ctx, loaded = context(), true
		}
		merged := richBranch{needs: append(slices.Clip(b.needs), ctx.needs...), forbid: unionSorted(b.forbid, ctx.forbid)}
		if merged.ok() {
			return true
		}
	}
	return false
}
