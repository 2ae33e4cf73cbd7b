package main

import (
	"context"
	"fmt"
	"io"
	"path"
	"slices"
	"strings"

	"github.com/repoclosure/repoclosure/kabi"
	"github.com/repoclosure/repoclosure/repomd"
	"github.com/repoclosure/repoclosure/resolver"
	"github.com/spf13/pflag"
)

// kernelFlags choose kernel builds (every kernel command) and kmods (matrix
// and series).
type kernelFlags struct {
	repo      repoFlags
	sources   listFlag
	kmodGlobs listFlag
	kmodRepos listFlag
	latest    bool
	db        string
}

// register adds the repository options and --kernel-source; withKmods adds
// the kmod selections.
func (k *kernelFlags) register(fs *pflag.FlagSet, withKmods bool) {
	k.repo.register(fs)
	fs.Var(&k.sources, "kernel-source", "also treat builds of this source package `NAME` as kernels (kernel always is)")
	inGroup(fs, groupSelection, "kernel-source")
	if withKmods {
		fs.Var(&k.kmodGlobs, "kmod", "only kmods whose name or NEVRA matches `GLOB` (repeatable)")
		fs.Var(&k.kmodRepos, "kmod-repo", "only kmods from repository `ID` (repeatable)")
		fs.BoolVar(&k.latest, "latest", false, "only the newest build of each kmod name in each repository")
		inGroup(fs, groupSelection, "kmod", "kmod-repo", "latest")
	}
	fs.StringVar(&k.db, "db", "", "include every build and kmod of the history database `FILE` (see watch); without repo options, read only the database")
	inGroup(fs, groupSources, "db")
}

// kernelWorld is what the kernel commands work on.
type kernelWorld struct {
	pool    *resolver.Pool
	kernels []kabi.KernelBuild
	kmods   []resolver.PkgID
}

// load loads the repositories, or with --db the history database (and the
// repositories when repo options are given), and finds kernel builds and
// kmods.
func (k *kernelFlags) load(ctx context.Context, stderr io.Writer) (*kernelWorld, error) {
	var w *kernelWorld
	if k.db != "" {
		var err error
		if w, err = k.loadHistory(ctx, stderr); err != nil {
			return nil, err
		}
	} else {
		pool, _, err := k.repo.loadPool(ctx, stderr)
		if err != nil {
			return nil, err
		}
		w = k.world(pool)
	}
	if len(w.kernels) == 0 {
		return nil, fmt.Errorf("no kernel builds found (packages built from %s)", strings.Join(append([]string{"kernel"}, k.sources...), ", "))
	}
	if err := k.checkSelection(w.pool, w.kmods); err != nil {
		return nil, err
	}
	return w, nil
}

// world finds the kernel builds and the selected kmods of a pool.
func (k *kernelFlags) world(pool *resolver.Pool) *kernelWorld {
	w := &kernelWorld{pool: pool, kernels: kabi.KernelBuilds(pool, append([]string{"kernel"}, k.sources...))}
	for _, id := range kabi.Kmods(pool, w.kernels) {
		if k.selects(pool, id) {
			w.kmods = append(w.kmods, id)
		}
	}
	if k.latest {
		w.kmods = kabi.LatestKmods(pool, w.kmods)
	}
	sortPkgs(pool, w.kmods)
	return w
}

// checkSelection fails when --kmod or --kmod-repo selects nothing: a
// report on no kmod would read as a clean one.
func (k *kernelFlags) checkSelection(pool *resolver.Pool, kmods []resolver.PkgID) error {
	var unmatched []string
	for _, g := range k.kmodGlobs {
		if !slices.ContainsFunc(kmods, func(id resolver.PkgID) bool {
			return matchAny([]string{g}, pool.Strings.String(pool.Package(id).Name)) || matchAny([]string{g}, pool.NEVRA(id))
		}) {
			unmatched = append(unmatched, g)
		}
	}
	if len(unmatched) > 0 {
		return fmt.Errorf("no kmod matched: %s", strings.Join(unmatched, ", "))
	}
	if len(k.kmodRepos) > 0 {
		var ids []string
		for _, r := range pool.Repos {
			ids = append(ids, r.ID)
		}
		if _, err := repomd.MatchRepoIDs(k.kmodRepos, ids); err != nil {
			return usageError{fmt.Errorf("--kmod-repo: %w", err)}
		}
		if len(kmods) == 0 {
			return fmt.Errorf("no kmod in repository %s", strings.Join(k.kmodRepos, ", "))
		}
	}
	return nil
}

// selects applies --kmod and --kmod-repo.
func (k *kernelFlags) selects(pool *resolver.Pool, id resolver.PkgID) bool {
	if len(k.kmodRepos) > 0 && !matchAny(k.kmodRepos, pool.Repo(id).ID) {
		return false
	}
	name := pool.Strings.String(pool.Package(id).Name)
	return len(k.kmodGlobs) == 0 || matchAny(k.kmodGlobs, name) || matchAny(k.kmodGlobs, pool.NEVRA(id))
}

// sortPkgs sorts packages by NEVRA in natural order (drv9 before drv10),
// then by repository.
func sortPkgs(pool *resolver.Pool, ids []resolver.PkgID) {
	slices.SortFunc(ids, func(a, b resolver.PkgID) int {
		if c := naturalCompare(pool.NEVRA(a), pool.NEVRA(b)); c != 0 {
			return c
		}
		return strings.Compare(pool.Repo(a).ID, pool.Repo(b).ID)
	})
}

// naturalCompare orders strings with runs of digits compared as numbers.
func naturalCompare(a, b string) int {
	for a != "" && b != "" {
		da, db := digitRun(a), digitRun(b)
		if da > 0 && db > 0 {
			na, nb := strings.TrimLeft(a[:da], "0"), strings.TrimLeft(b[:db], "0")
			if c := len(na) - len(nb); c != 0 {
				return c
			}
			if c := strings.Compare(na, nb); c != 0 {
				return c
			}
			a, b = a[da:], b[db:]
			continue
		}
		if a[0] != b[0] {
			return int(a[0]) - int(b[0])
		}
		a, b = a[1:], b[1:]
	}
	return len(a) - len(b)
}

func digitRun(s string) int {
	n := 0
	for n < len(s) && s[n] >= '0' && s[n] <= '9' {
		n++
	}
	return n
}

// findKernel resolves a uname, EVR or unique prefix to a build index.
func (w *kernelWorld) findKernel(name string) (int, error) {
	var hits []int
	for i, b := range w.kernels {
		if b.Uname == name || b.EVR == name {
			return i, nil
		}
		if ok, _ := path.Match(name, b.Uname); ok || strings.HasPrefix(b.Uname, name) {
			hits = append(hits, i)
		}
	}
	if len(hits) == 1 {
		return hits[0], nil
	}
	var known []string
	for _, b := range w.kernels {
		known = append(known, b.Uname)
	}
	if len(hits) > 1 {
		return 0, usageError{fmt.Errorf("kernel %q is ambiguous; known builds: %s", name, strings.Join(known, " "))}
	}
	return 0, usageError{fmt.Errorf("no kernel build %q; known builds: %s", name, strings.Join(known, " "))}
}
