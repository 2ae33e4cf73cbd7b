// Package repogen writes rpm-md repositories without rpm files and generates
// realistic package sets to fill them: an EL8-like kernel series with kABI
// tracking kmods, and small random repositories for differential tests of
// the resolver against dnf.
//
// The repositories hold metadata only (repomd.xml, primary and filelists),
// in the exact layout createrepo_c writes, which is all that dnf repoclosure
// and this project's loaders read. Output is deterministic: the same input
// always gives byte-identical files, so generated test data can be committed
// and checked.
package repogen
