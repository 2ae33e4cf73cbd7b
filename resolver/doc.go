// Package resolver answers dependency questions about package records from
// package repomd: which packages provide a dependency, which requires of a
// repository nothing provides (dnf repoclosure), and which kmods install on
// which kernels.
//
// Its rules are rpm's and libsolv's, reproduced exactly: Vercmp is rpm's
// rpmvercmp, CompareEVR and Matches are libsolv's EVR comparison and
// provide/require matching, and ParseRich reads rpm's boolean dependencies,
// which can be judged exactly (Satisfied, as rpm and dnf5 do) or as dnf4's
// repoclosure does (ProvidersDNF4).
package resolver
