// Package kabi answers kernel ABI questions on a resolver.Pool: which kmods
// install on which kernel builds, and how builds' kernel(SYM) = CRC symbols
// change.
//
//   - KernelBuilds groups a pool's packages into kernel builds (one per kernel
//     source RPM and arch, named by uname -r); Kmods finds the kernel module
//     packages outside them, KernelRequires counts the symbols one requires.
//   - NewMatrix is the kmod × kernel install matrix: each cell is what
//     `dnf repoclosure` reports for the kmod with only that kernel build
//     available, with a reason per missing dependency (Reason). It shares the
//     pool's provides index, so a matrix costs about one closure pass.
//   - DiffBuilds, CountSymbols, NewSeries and Coverage measure symbol change
//     between builds and across a series, the rebuilds it forced, and how a
//     kABI stable list (ParseStablelist, LoadStablelist) covers what kmods use.
//   - Blame ranks the symbols kmods consume by the matrix cells they break,
//     with their consumers and the builds that changed them;
//     CompareStablelists follows a stable list from one release to the next.
//   - Regressions and Fixes are the rule `watch` and `matrix --baseline`
//     share: a new build on which no build of a kmod name installs while one
//     installed on the previous build (Previous) of its line.
//   - HistoryKernel, HistoryKmods and FromHistory convert builds and kmods
//     to the history store's records (package history) and back into a pool
//     whose matrix is the repositories'; Ingest records one poll and derives
//     its events.
package kabi
