package repomd

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
)

// ReadRPMDir reads every *.rpm below dir (recursively, in sorted order of
// their paths) as a repository with the given id, each package's Location
// being its slash-separated path relative to dir. Unlike createrepo_c,
// which warns and leaves out a package it cannot read, it fails naming
// every such file: a silently missing package would change the answer.
func ReadRPMDir(ctx context.Context, id, dir string, strs *Strings) (*Repo, error) {
	rels, err := findRPMs(ctx, dir)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", dir, err)
	}
	pkgs, err := readRPMs(ctx, dir, rels, strs)
	if err != nil {
		return nil, err
	}
	return &Repo{ID: id, Packages: pkgs, Strings: strs}, nil
}

// findRPMs returns the slash-separated paths relative to dir of the regular
// files (or links to one) named *.rpm below dir, sorted.
func findRPMs(ctx context.Context, dir string) ([]string, error) {
	var rels []string
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if d.IsDir() || !strings.HasSuffix(d.Name(), ".rpm") {
			return nil
		}
		if d.Type()&fs.ModeSymlink != 0 {
			if st, err := os.Stat(path); err != nil || !st.Mode().IsRegular() {
				return nil // createrepo_c also passes over dangling links
			}
		} else if !d.Type().IsRegular() {
			return nil
		}
		rel, err := filepath.Rel(dir, path)
		if err != nil {
			return err
		}
		rels = append(rels, filepath.ToSlash(rel))
		return nil
	})
	sort.Strings(rels)
	return rels, err
}

// readRPMs reads the .rpm files at rels below dir with one worker per
// processor and returns their records in the order of rels, or the errors
// of all that fail.
func readRPMs(ctx context.Context, dir string, rels []string, strs *Strings) ([]Package, error) {
	pkgs := make([]Package, len(rels))
	errs := make([]error, len(rels))
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), len(rels)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				if err := ctx.Err(); err != nil {
					errs[i] = err
					continue
				}
				pkgs[i], errs[i] = ReadRPM(filepath.Join(dir, filepath.FromSlash(rels[i])), rels[i], strs)
			}
		}()
	}
	for i := range rels {
		next <- i
	}
	close(next)
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return pkgs, nil
}
