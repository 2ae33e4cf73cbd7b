package main

import (
	"context"
	"io"

	"github.com/repoclosure/repoclosure/kabi"
	"github.com/repoclosure/repoclosure/kabi/history"
	"github.com/repoclosure/repoclosure/resolver"
	"github.com/spf13/pflag"
)

// registerDB adds the options of a report made from the history database
// alone (serve): --db, the kernel and kmod selections that apply to it, and
// no repository option. They are the kernel commands' own flags, so their
// help and parsing are the same.
func (k *kernelFlags) registerDB(fs *pflag.FlagSet) {
	all := pflag.NewFlagSet("kernel", pflag.ContinueOnError)
	k.register(all, true)
	for _, name := range []string{"db", "forcearch", "rich", "kernel-source", "kmod", "kmod-repo", "quiet"} {
		fs.AddFlag(all.Lookup(name))
	}
}

// loadHistory is every kernel build and kmod of the history database, plus
// those of the repositories when the command line names some.
func (k *kernelFlags) loadHistory(ctx context.Context, stderr io.Writer) (*kernelWorld, error) {
	st, err := history.Open(ctx, k.db, false)
	if err != nil {
		return nil, err
	}
	defer st.Close()
	kernels, err := st.Kernels(ctx, true)
	if err != nil {
		return nil, err
	}
	kmods, err := st.Kmods(ctx)
	if err != nil {
		return nil, err
	}
	s, err := k.repo.resolve(stderr)
	if err != nil {
		return nil, err
	}
	// The database alone is enough work: no enabled repository is no
	// error here.
	if k.repo.hasRepos() && (len(s.sources) > 0 || len(k.repo.rpms) > 0) {
		strs, repos, err := k.repo.load(ctx, s, stderr)
		if err != nil {
			return nil, err
		}
		cur := k.world(resolver.NewPool(strs, repos, s.poolOptions(strs, repos)))
		known := map[string]bool{}
		for _, b := range kernels {
			known[b.Uname] = true
		}
		for _, m := range kmods {
			known[m.NEVRA] = true
		}
		for _, b := range cur.kernels {
			if !known[b.Uname] {
				kernels = append(kernels, kabi.HistoryKernel(cur.pool, b, nil))
			}
		}
		for _, m := range kabi.HistoryKmods(cur.pool, cur.kernels, cur.kmods, nil) {
			if !known[m.NEVRA] {
				kmods = append(kmods, m)
			}
		}
	}
	pool, builds, ids := kabi.FromHistory(kernels, kmods, resolver.PoolOptions{Arch: s.arch, Rich: s.rich})
	w := &kernelWorld{pool: pool, kernels: builds}
	for _, id := range ids {
		if k.selects(pool, id) {
			w.kmods = append(w.kmods, id)
		}
	}
	if k.latest {
		w.kmods = kabi.LatestKmods(pool, w.kmods)
	}
	sortPkgs(pool, w.kmods)
	return w, nil
}
