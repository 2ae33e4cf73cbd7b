// Package resolver answers dependency questions about package records from
// package repomd.
//
// A Pool is the universe of packages with a provides index built once, in
// libsolv's style (interned ids, compressed rows, 8-byte entries): every
// dependency name and file path maps to the packages that provide it. On it:
//   - Closure and Unresolved: what `dnf repoclosure` reports, with its
//     available and checked sets (--check, --arch, --pkg, --newest, best);
//   - WhatProvides, Resolved and Explain: who meets a dependency, and the
//     nearest candidates when nobody does;
//   - Subject, Selector, SpecExcludes and ComposeExcludes: dnf's package
//     subjects (--pkg, -x, excludepkgs, includepkgs; libdnf's first
//     matching form) and the exclude predicate a Pool is built with.
//
// Kernel analytics (builds, the kmod × kernel matrix, series) live in package
// kabi, on this pool's index; dnf's modular filtering lives in
// resolver/modular, as an exclude predicate.
//
// Its rules are rpm's and libsolv's, reproduced exactly: versions compare
// with rpm's rpmvercmp (internal/rpmver), CompareEVR and Matches are
// libsolv's EVR comparison and provide/require matching, CompatibleArches is
// libsolv's arch policy, and ParseRich reads rpm's boolean dependencies,
// which can be judged as libsolv's solver decides installability
// (Installable, checked against testsolv), as logic over what is available
// (Satisfied), or as dnf4's repoclosure does (ProvidersDNF4).
package resolver
