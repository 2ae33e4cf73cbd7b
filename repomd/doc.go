// Package repomd turns the bytes of an RPM repository into package records.
//
// It owns everything between a repository location and a []Package: reading
// dnf.conf and .repo files, fetching with mirrors, retries and a verified
// cache, checking every file against repomd.xml, decompressing (gz, xz, zst,
// bz2) within size limits, scanning primary.xml and filelists.xml with a
// streaming byte scanner, reading modules.yaml, reading local .rpm files the
// way createrepo_c would index them, and keeping a snapshot of the loaded
// records so that a warm run skips the parsing. It answers no dependency
// questions: that is package resolver's job.
//
// Strings are interned once into a shared Strings table (libsolv's pool
// design): a Package is a handful of 32-bit ids and slices of Dep, so a
// hundred kernel builds with twenty thousand kernel(...) provides each stay
// small.
//
// Malformed metadata is a *ParseError: the file's name or URL and the
// Position (line, column, byte offset) of the problem, as go/scanner reports
// Go source errors.
package repomd
